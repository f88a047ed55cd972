import { Construct } from "constructs";
import { MonitorDiagnosticSetting } from "@cdktf/provider-azurerm/lib/monitor-diagnostic-setting";
import { Checker, reportProblems } from "../core/validation";

/** The storage account's services that log, each a diagnostic-setting target of its own. */
export const STORAGE_SERVICES = ["blob", "queue", "table", "file"] as const;
export type StorageService = (typeof STORAGE_SERVICES)[number];

/**
 * Read, write and delete logging for a storage service (tables StorageBlobLogs, StorageQueueLogs,
 * StorageTableLogs, StorageFileLogs). Named, not a category group: Microsoft's category-group list
 * does not include the storage services (docs/security.md, sources).
 */
export const STORAGE_LOG_CATEGORIES = ["StorageRead", "StorageWrite", "StorageDelete"] as const;

/** Key vault logs: `audit` (AuditEvent: every access to the vault and its secrets) or everything. */
export const KEY_VAULT_CATEGORY_GROUPS = ["audit", "allLogs"] as const;
export type KeyVaultCategoryGroup = (typeof KEY_VAULT_CATEGORY_GROUPS)[number];

/** Every setting `Diagnostics` can create, by the resource (or storage service) it targets. */
export type DiagnosticTargetKind =
  | "mlWorkspace"
  | "dataFactory"
  | "keyVault"
  | "containerRegistry"
  | "storageAccount"
  | `storage${Capitalize<StorageService>}`;

/** The resources whose logs are collected, by ARM id. */
export interface DiagnosticsTargets {
  /** The Azure ML workspace: all logs (run, job, compute, model and data events) and all metrics. */
  readonly mlWorkspaceId: string;
  /** The data factory: all logs into resource-specific tables (ADFPipelineRun, ADFActivityRun, ADFTriggerRun) and all metrics. */
  readonly dataFactoryId: string;
  /** The key vault: audit logs (or all, see `keyVaultCategoryGroup`) and all metrics. */
  readonly keyVaultId: string;
  /**
   * The storage account: its Transaction metrics, and read/write/delete logs plus Transaction
   * metrics of its blob, queue, table and file services.
   */
  readonly storageAccountId: string;
  /**
   * The container registry: all logs (logins, repository events) and all metrics.
   * @default - none (no registry, e.g. AML creates its own on first image build)
   */
  readonly containerRegistryId?: string;
}

export interface DiagnosticsProps {
  /** ARM id of the Log Analytics workspace every setting sends to. */
  readonly logAnalyticsWorkspaceId: string;
  /** The resources whose logs and metrics are sent. */
  readonly targets: DiagnosticsTargets;
  /**
   * Name of every setting (unique per target, so one name serves all). Not "service": a setting of
   * that name cannot be fully deleted.
   * @default "to-log-analytics"
   */
  readonly settingName?: string;
  /**
   * Category group for the key vault's logs: `audit` is the AuditEvent category (who read or
   * changed which secret, key or setting), which is what the vault's logs are for.
   * @default "audit"
   */
  readonly keyVaultCategoryGroup?: KeyVaultCategoryGroup;
}

// Azure's rule for diagnostic setting names (azurerm validates the same characters).
const SETTING_NAME = /^(?!service$)[^<>*%&:\\?+/]{1,260}$/;

/**
 * Diagnostic settings that send the platform's logs and metrics to one Log Analytics workspace:
 * the ML workspace, the data factory (resource-specific tables), the key vault, the optional
 * registry, and the storage account with each of its four services. A stack that keeps its logs
 * elsewhere passes its own workspace id; one that wants none does not create this construct.
 */
export class Diagnostics extends Construct {
  /** Every setting created, by what it targets. */
  readonly settings: Readonly<Partial<Record<DiagnosticTargetKind, MonitorDiagnosticSetting>>>;

  constructor(scope: Construct, id: string, props: DiagnosticsProps) {
    super(scope, id);
    const t = props.targets ?? ({} as DiagnosticsTargets);
    const c = new Checker(this.node.path);
    c.resourceId("logAnalyticsWorkspaceId", props.logAnalyticsWorkspaceId);
    c.resourceId("targets.mlWorkspaceId", t.mlWorkspaceId);
    c.resourceId("targets.dataFactoryId", t.dataFactoryId);
    c.resourceId("targets.keyVaultId", t.keyVaultId);
    c.resourceId("targets.storageAccountId", t.storageAccountId);
    if (t.containerRegistryId !== undefined) c.resourceId("targets.containerRegistryId", t.containerRegistryId);
    const name = props.settingName ?? "to-log-analytics";
    c.name("settingName", name, SETTING_NAME, `must be 1-260 characters without < > * % & : \\ ? + / and not "service"`);
    const kvGroup = props.keyVaultCategoryGroup ?? "audit";
    c.oneOf("keyVaultCategoryGroup", kvGroup, KEY_VAULT_CATEGORY_GROUPS);
    reportProblems(this, c.problems);

    const settings: Partial<Record<DiagnosticTargetKind, MonitorDiagnosticSetting>> = {};
    const add = (
      kind: DiagnosticTargetKind,
      constructId: string,
      targetResourceId: string,
      logs: { category?: string; categoryGroup?: string }[],
      metrics: string[],
      dedicated = false,
    ) => {
      settings[kind] = new MonitorDiagnosticSetting(this, constructId, {
        name,
        targetResourceId,
        logAnalyticsWorkspaceId: props.logAnalyticsWorkspaceId,
        // Only the factory: its default is the shared AzureDiagnostics table, and the other types
        // ignore the value and read back empty, which would plan a change on every run.
        logAnalyticsDestinationType: dedicated ? "Dedicated" : undefined,
        enabledLog: logs.length > 0 ? logs : undefined,
        enabledMetric: metrics.map((category) => ({ category })),
      });
    };

    add("mlWorkspace", "ml-workspace", t.mlWorkspaceId, [{ categoryGroup: "allLogs" }], ["AllMetrics"]);
    // ADF has no audit group; allLogs gives the pipeline, activity and trigger run tables.
    add("dataFactory", "data-factory", t.dataFactoryId, [{ categoryGroup: "allLogs" }], ["AllMetrics"], true);
    add("keyVault", "key-vault", t.keyVaultId, [{ categoryGroup: kvGroup }], ["AllMetrics"]);
    if (t.containerRegistryId !== undefined) {
      add("containerRegistry", "container-registry", t.containerRegistryId, [{ categoryGroup: "allLogs" }], ["AllMetrics"]);
    }
    // The account itself has metrics only; its logs belong to the services below.
    add("storageAccount", "storage-account", t.storageAccountId, [], ["Transaction"]);
    for (const service of STORAGE_SERVICES) {
      const kind = `storage${service[0].toUpperCase()}${service.slice(1)}` as DiagnosticTargetKind;
      add(kind, `storage-${service}`, storageServiceId(t.storageAccountId, service), STORAGE_LOG_CATEGORIES.map((category) => ({ category })), ["Transaction"]);
    }
    this.settings = settings;
  }
}

/** The ARM id of a storage account's service, the target of its diagnostic setting. */
export function storageServiceId(storageAccountId: string, service: StorageService): string {
  return `${storageAccountId}/${service}Services/default`;
}
