import { AmlAuthentication, validateAmlAuthentication } from "../lib/platform/data-factory";
import { Invocation, validateCodeDirectory, validatePipelineSettings } from "../lib/pipeline/datapath-pipeline";
import { ScheduleTriggerOptions, validateBlobTriggerPath, validateScheduleTrigger } from "../lib/pipeline/adf-triggers";
import { ParallelSettings, WorkItemSettings } from "../lib/pipeline/component-specs";
import { STORAGE_REPLICATION_TYPES, StorageReplicationType, validateStorageIpAllowList } from "../lib/platform/ml-workspace";
import { validateComputeClusterScaling, VmPriority } from "../lib/platform/compute-cluster";
import { NETWORK_PROFILES } from "../lib/platform/network-profiles";
import { validateNetworkRanges } from "../lib/platform/virtual-network";
import { validateExistingDnsZoneIds } from "../lib/platform/private-endpoints";
import { Checker, isObject, MIN_REASON_LENGTH, Problem, reasonTooShort } from "../lib/core/validation";
import { AlertSettings, validateAlertSettings, validateEmailReceivers } from "../lib/platform/alerts";
import { ALL_RULES } from "../lib/aspects/all-rules";
import { GUID_PATTERN, checkRegion, isSubnetOf } from "../lib/core/arm";
import { checkName, DerivedNames, deriveNames, NAME_RULES } from "../lib/core/naming";

/**
 * What an environment is for. The tier, not the name, decides the rules: `prod` requires delete and
 * purge protection, the private network profile and findings as errors; `dev` reports findings as
 * warnings by default.
 */
export const TIERS = ["dev", "test", "prod"] as const;
export type Tier = (typeof TIERS)[number];
/** Environment names: part of resource names (storage accounts allow only lowercase letters and digits). */
export const ENVIRONMENT_NAME = /^[a-z][a-z0-9]{1,9}$/;

export interface ClusterConfig {
  readonly vmSize: string;
  /**
   * Accept a `vmSize` that lib/core/azure-lists.ts does not list yet.
   * @default false
   */
  readonly allowUnlistedVmSize?: boolean;
  readonly vmPriority: VmPriority;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly idleSecondsBeforeScaleDown: number;
}

export interface ProtectionConfig {
  /** `prevent_destroy` on workspace, storage account, data containers and key vault. Must be true in prod. */
  readonly preventDestroy: boolean;
  /** Key vault purge protection (irreversible once on). Must be true in prod. */
  readonly purgeProtection: boolean;
  /** Blob and container soft-delete retention in days. */
  readonly blobSoftDeleteRetentionDays: number;
}

export interface DataConfig {
  /** Container and datastore the pipeline reads from. */
  readonly inputContainer: string;
  readonly inputDatastore: string;
  /** Container and datastore the pipeline writes results to. */
  readonly outputContainer: string;
  readonly outputDatastore: string;
  /** The data path used when a run does not pass one, relative to the input datastore. */
  readonly defaultRelativePath: string;
}

/** The data-path pipeline published into the environment. */
export interface PipelineConfig {
  /** Pipeline name (lowercase letters, digits, `_`): prefix of its AML assets and its ADF pipeline. */
  readonly name: string;
  /**
   * How ADF starts runs.
   * @default { style: "batchEndpoint" }
   */
  readonly invocation?: Invocation;
  /** @default DEFAULT_PARALLEL_SETTINGS (instance count must fit the cluster) */
  readonly parallel?: ParallelSettings;
  /** @default DEFAULT_WORK_ITEM_SETTINGS (1,000 files or 1 GiB per work item; no failed file tolerated) */
  readonly workItems?: WorkItemSettings;
  /**
   * Batch deployments kept on the endpoint, the current one included (every code change creates a
   * new one; `aml-datapath prune-deployments`, run by `npm run deploy`, removes older ones).
   * @default 2 (the current deployment and the one before)
   */
  readonly deploymentRetention?: number;
  /** @default - no schedule */
  readonly schedule?: ScheduleTriggerOptions;
  /**
   * Start a run when a folder under this prefix of the input container is marked complete.
   * @default - no blob trigger
   */
  readonly blobTrigger?: { readonly pathPrefix: string; readonly markerFileName?: string };
  /**
   * Folder with the step code (`prepare.py`, `process.py`, `check_results.py`) and `conda.yaml`.
   * @default the library's own pipeline/ folder
   */
  readonly codeDirectory?: string;
}

/** Logs, their retention, and alerting. */
export interface MonitoringConfig {
  /**
   * Log Analytics retention in days (30-730). At least 90 in the prod tier: ADF keeps its own run
   * history only 45 days, and the access logs must outlive it.
   */
  readonly logRetentionDays: number;
  /**
   * Diagnostic settings that send the workspace's, factory's, key vault's, registry's and storage
   * services' logs to the environment's Log Analytics workspace. Off only where logs are collected
   * by other means: the `diagnostic-setting-configured` rule then reports every resource.
   * @default true
   */
  readonly diagnostics?: boolean;
  /**
   * E-mail addresses told when an alert fires (an action group is created only when there are any).
   * Empty: the alert rules still fire and show in Monitor > Alerts; in the prod tier the synth warns.
   * @default []
   */
  readonly alertEmailReceivers?: readonly string[];
  /**
   * Severities and thresholds of the alert rules.
   * @default - the defaults of AlertSettings (failed ADF run severity 1, failed AML job 3, run longer than 240 minutes 2)
   */
  readonly alerts?: AlertSettings;
}

/** `public`: no private networking needed (dev). */
export interface PublicNetworkConfig {
  readonly profile: "public";
}

/**
 * `private`: public network access off on workspace, storage, key vault, registry and factory;
 * private endpoints (with private DNS zones) in a subnet; the workspace's managed network allows
 * approved outbound only; the factory runs in a managed VNet with a managed private endpoint to the
 * workspace.
 *
 * The subnet is either an existing one (`virtualNetworkId` + `subnetId`) or created with the
 * environment (`addressSpace` + `subnetPrefix`): exactly one of the two. Terraform uploads the step
 * code to storage, so it runs from a network that reaches the storage's private endpoint (a
 * self-hosted runner), or from addresses listed in `deployerIpAllowList`.
 */
export interface PrivateNetworkConfig {
  readonly profile: "private";
  /**
   * An existing virtual network (the private DNS zones are linked to it).
   * @default - none: `addressSpace` creates one
   */
  readonly virtualNetworkId?: string;
  /**
   * An existing subnet of `virtualNetworkId` for the private endpoints. It is used as it is: the
   * stack does not attach a network security group to a subnet it does not own; its owner does.
   * @default - none: `subnetPrefix` creates one
   */
  readonly subnetId?: string;
  /**
   * Address space of a virtual network created with the environment (e.g. "10.42.0.0/24").
   * @default - none: use `virtualNetworkId`
   */
  readonly addressSpace?: string;
  /**
   * The created subnet's range, inside `addressSpace` (/27 or larger). The created subnet gets a
   * network security group (Azure's default rules plus an explicit Internet deny).
   * @default - none: use `subnetId`
   */
  readonly subnetPrefix?: string;
  /**
   * Existing private DNS zones by name (e.g. a hub's); zones not listed are created in the environment's group.
   * @default {}
   */
  readonly existingDnsZoneIds?: Readonly<Record<string, string>>;
  /**
   * Public IPv4 addresses or CIDRs (up to /30) of the machines Terraform runs on, allowed through the
   * storage firewall so they can upload the step code without being inside the network. The storage
   * account's public endpoint is then on, denying everything else (a suppressed, reasoned finding).
   * @default [] (no public endpoint: Terraform runs inside the network)
   */
  readonly deployerIpAllowList?: readonly string[];
}

export type NetworkConfig = PublicNetworkConfig | PrivateNetworkConfig;

/** An accepted security finding: which rule, on which resource (construct path below the stack), and why. */
export interface SuppressionConfig {
  readonly ruleId: string;
  /** Construct path relative to the stack, e.g. `workspace/storage`. */
  readonly path: string;
  /** Mandatory: why the finding is accepted (printed on every synth). */
  readonly reason: string;
}

/** Where the environment keeps its Terraform state (azurerm backend). */
export interface BackendConfig {
  readonly resourceGroupName: string;
  readonly storageAccountName: string;
  readonly containerName: string;
}

/** Everything that differs between environments. One `DatapathStack` is built from each. */
export interface EnvironmentConfig {
  /** Environment name (2-10 lowercase letters or digits, starting with a letter): the stack's name and part of every resource name. */
  readonly name: string;
  /** What the environment is for: decides the protection and security rules it must meet. */
  readonly tier: Tier;
  /** Seed of every resource name: 2-12 lowercase letters or digits. */
  readonly projectPrefix: string;
  /**
   * Extra characters for globally unique names (storage, key vault, factory).
   * @default ""
   */
  readonly nameSuffix?: string;
  /** Azure region, e.g. `westeurope`. */
  readonly location: string;
  /**
   * Subscription to deploy into.
   * @default - from the environment (ARM_SUBSCRIPTION_ID or the az CLI's current subscription)
   */
  readonly subscriptionId?: string;
  /** Network profile: `public` (dev) or `private` (test, prod). */
  readonly network: NetworkConfig;
  /**
   * How security findings are reported: `error` fails the synth, `warning` only reports (dev tier only).
   * @default "error", except "warning" in the dev tier
   */
  readonly securityFindings?: "error" | "warning";
  /**
   * Accepted findings, each with its reason.
   * @default []
   */
  readonly suppressions?: readonly SuppressionConfig[];
  readonly storageReplicationType: StorageReplicationType;
  readonly cluster: ClusterConfig;
  readonly protection: ProtectionConfig;
  readonly data: DataConfig;
  readonly pipeline: PipelineConfig;
  /** Log retention, diagnostic settings and alerting. */
  readonly monitoring: MonitoringConfig;
  /**
   * Remote state (azurerm backend). Required in the test and prod tiers; there, local state is only
   * for a trial run with `--local-state` (AML_DATAPATH_LOCAL_STATE=1). A dev config without it keeps
   * its state in `state/<env>.tfstate` of the project (`localStatePath`).
   * @default - local state (dev tier only)
   */
  readonly backend?: BackendConfig;
  /**
   * How the factory's AML linked service authenticates.
   * @default { type: "MSI" }
   */
  readonly dataFactoryAuthentication?: AmlAuthentication;
  /**
   * Tags on every resource (an `environment` tag is always added).
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * Where local state is kept, relative to the environment's stack folder (cdktf.out/stacks/<env>):
 * `state/<env>.tfstate` of the project. Relative, so the synthesized JSON never holds a path of the
 * machine that synthesized it; outside cdktf.out, which every synth replaces.
 */
export const localStatePath = (env: string): string => `../../../state/${env}.tfstate`;

export interface EnvironmentCheckOptions {
  /**
   * State is deliberately local (`--local-state`, AML_DATAPATH_LOCAL_STATE=1): a test or prod config
   * may then lack `backend`.
   * @default false
   */
  readonly localState?: boolean;
}

/**
 * Every problem with an environment config, each under the name of the config field that holds the
 * bad value (`cluster.maxNodes`, `pipeline.schedule.startTime`), or for a derived name under its
 * label with the fields it is made from. The rules the constructs apply to the values they are given
 * are their own validation functions, called here with the config's names; what only the config can
 * see (tiers, state, values several constructs share) is checked here too. A `DatapathStack` builds
 * nothing from a config with problems.
 */
export function validateEnvironmentConfig(path: string, cfg: EnvironmentConfig, options: EnvironmentCheckOptions = {}): Problem[] {
  const c = new Checker(path);
  if (!isObject(cfg)) {
    c.fail("config", cfg, "must be an object");
    return c.problems;
  }
  c.name("name", cfg.name, ENVIRONMENT_NAME, "must be 2-10 lowercase letters or digits, starting with a letter");
  c.oneOf("tier", cfg.tier, TIERS);
  checkName(c, "projectPrefix", cfg.projectPrefix, "projectPrefix");
  if (cfg.nameSuffix !== undefined) {
    c.name("nameSuffix", cfg.nameSuffix, /^[a-z0-9]{0,6}$/, "must be 0-6 lowercase letters or digits");
  }
  // The rule every construct with a region applies too (lib/core/arm.ts).
  checkRegion(c, "location", cfg.location);
  checkDerivedNames(c, cfg);
  if (cfg.subscriptionId !== undefined) {
    c.name("subscriptionId", cfg.subscriptionId, GUID_PATTERN, "must be a subscription GUID");
  }
  if (!isObject(cfg.network)) c.fail("network", cfg.network, 'must be an object: { profile: "public" } or { profile: "private", ... }');
  else if (c.oneOf("network.profile", cfg.network.profile, NETWORK_PROFILES) && cfg.network.profile === "private") {
    validatePrivateNetwork(c, cfg.network);
  }
  if (cfg.tier === "prod" && isObject(cfg.network) && cfg.network.profile !== "private") {
    c.fail("network.profile", cfg.network.profile, 'must be "private" in the prod tier');
  }
  if (cfg.securityFindings !== undefined) c.oneOf("securityFindings", cfg.securityFindings, ["error", "warning"] as const);
  if (cfg.tier !== "dev" && cfg.securityFindings === "warning") c.fail("securityFindings", cfg.securityFindings, `must be "error" in the ${String(cfg.tier)} tier (warnings only in dev)`);
  c.objects("suppressions", cfg.suppressions).forEach((sup, i) => {
    if (c.nonEmptyString(`suppressions[${i}].ruleId`, sup.ruleId) && !RULE_IDS.includes(sup.ruleId)) {
      c.fail(`suppressions[${i}].ruleId`, sup.ruleId, "must name a rule of the pack (docs/security.md lists them)");
    }
    c.nonEmptyString(`suppressions[${i}].path`, sup.path);
    if (reasonTooShort(sup.reason)) {
      c.fail(`suppressions[${i}].reason`, sup.reason, `must explain the exception (at least ${MIN_REASON_LENGTH} characters)`);
    }
  });
  c.oneOf("storageReplicationType", cfg.storageReplicationType, STORAGE_REPLICATION_TYPES);
  for (const key of ["cluster", "protection", "data", "pipeline", "monitoring"] as const) {
    if (!isObject(cfg[key])) c.fail(key, cfg[key], "must be an object");
  }
  const cluster = isObject(cfg.cluster) ? validateCluster(c, cfg.cluster) : undefined;
  if (isObject(cfg.protection)) validateProtection(c, cfg.tier, cfg.protection);
  if (isObject(cfg.data)) validateData(c, cfg.data);
  if (isObject(cfg.pipeline)) validatePipeline(c, cfg.pipeline, cluster);
  if (isObject(cfg.monitoring)) validateMonitoring(c, cfg.tier, cfg.monitoring);
  if (cfg.backend === undefined && (cfg.tier === "test" || cfg.tier === "prod") && options.localState !== true) {
    c.fail("backend", cfg.backend, `must be set in the ${cfg.tier} tier: remote state { resourceGroupName, storageAccountName, containerName } (to try a deploy without the state account, use --local-state)`);
  }
  if (cfg.backend !== undefined && (isObject(cfg.backend) || c.fail("backend", cfg.backend, "must be an object { resourceGroupName, storageAccountName, containerName }"))) {
    checkName(c, "backend.resourceGroupName", cfg.backend.resourceGroupName, "resourceGroup");
    checkName(c, "backend.storageAccountName", cfg.backend.storageAccountName, "storageAccount");
    checkName(c, "backend.containerName", cfg.backend.containerName, "storageContainer");
  }
  if (cfg.dataFactoryAuthentication !== undefined) validateAmlAuthentication(c, "dataFactoryAuthentication", cfg.dataFactoryAuthentication);
  if (cfg.tags !== undefined) {
    if (!isObject(cfg.tags)) c.fail("tags", cfg.tags, "must be an object of strings");
    else for (const [k, v] of Object.entries(cfg.tags)) if (typeof v !== "string") c.fail(`tags.${k}`, v, "must be a string");
  }
  return c.problems;
}

const RULE_IDS: readonly string[] = ALL_RULES.map((r) => r.id);

/** The cluster's fields (all required), by the cluster's own rules; returns its maxNodes when valid. */
function validateCluster(c: Checker, cluster: ClusterConfig): { readonly maxNodes?: number } {
  for (const key of ["vmSize", "vmPriority", "minNodes", "maxNodes", "idleSecondsBeforeScaleDown"] as const) {
    if (cluster[key] === undefined) c.fail(`cluster.${key}`, undefined, "must be set");
  }
  const before = c.problems.length;
  const scaling = validateComputeClusterScaling(c, "cluster", cluster);
  const maxNodesOk = cluster.maxNodes !== undefined && c.problems.slice(before).every((p) => p.property !== "cluster.maxNodes");
  return { maxNodes: maxNodesOk ? scaling.maxNodes : undefined };
}

function validateProtection(c: Checker, tier: Tier, p: ProtectionConfig): void {
  c.boolean("protection.preventDestroy", p.preventDestroy);
  c.boolean("protection.purgeProtection", p.purgeProtection);
  c.integer("protection.blobSoftDeleteRetentionDays", p.blobSoftDeleteRetentionDays, 1, 365);
  if (tier === "prod") {
    if (p.preventDestroy !== true) c.fail("protection.preventDestroy", p.preventDestroy, "must be true in the prod tier (delete protection)");
    if (p.purgeProtection !== true) c.fail("protection.purgeProtection", p.purgeProtection, "must be true in the prod tier (key vault purge protection)");
    if (typeof p.blobSoftDeleteRetentionDays === "number" && p.blobSoftDeleteRetentionDays < 7) {
      c.fail("protection.blobSoftDeleteRetentionDays", p.blobSoftDeleteRetentionDays, "must be at least 7 in the prod tier");
    }
  }
}

function validateData(c: Checker, d: DataConfig): void {
  c.relativePath("data.defaultRelativePath", d.defaultRelativePath);
  // Checked here, under the names written in the config: several constructs receive each of them.
  checkName(c, "data.inputContainer", d.inputContainer, "storageContainer");
  checkName(c, "data.outputContainer", d.outputContainer, "storageContainer");
  checkName(c, "data.inputDatastore", d.inputDatastore, "mlDatastore");
  checkName(c, "data.outputDatastore", d.outputDatastore, "mlDatastore");
  if (d.inputContainer === d.outputContainer) {
    c.fail("data.outputContainer", d.outputContainer, "must differ from data.inputContainer (outputs never go into the input container)");
  }
  if (d.inputDatastore === d.outputDatastore) {
    c.fail("data.outputDatastore", d.outputDatastore, "must differ from data.inputDatastore");
  }
}

/** The pipeline's fields by the pipeline construct's own rules, and its parallelism against the cluster. */
function validatePipeline(c: Checker, p: PipelineConfig, cluster: { readonly maxNodes?: number } | undefined): void {
  const { parallel } = validatePipelineSettings(c, "pipeline", p);
  const instanceCountOk = !c.problems.some((q) => q.property === "pipeline.parallel.instanceCount" || q.property === "pipeline.parallel");
  if (cluster?.maxNodes !== undefined && instanceCountOk && parallel.instanceCount > cluster.maxNodes) {
    c.fail("pipeline.parallel.instanceCount", parallel.instanceCount, `must not exceed cluster.maxNodes (${cluster.maxNodes}): the parallel step runs on that many nodes of the cluster`);
  }
  if (p.schedule !== undefined) validateScheduleTrigger(c, "pipeline.schedule", p.schedule);
  if (p.blobTrigger !== undefined && (isObject(p.blobTrigger) || c.fail("pipeline.blobTrigger", p.blobTrigger, "must be an object { pathPrefix, markerFileName? }"))) {
    validateBlobTriggerPath(c, "pipeline.blobTrigger", p.blobTrigger);
  }
  if (p.codeDirectory !== undefined) validateCodeDirectory(c, "pipeline.codeDirectory", p.codeDirectory);
}

function validateMonitoring(c: Checker, tier: Tier, m: MonitoringConfig): void {
  if (c.integer("monitoring.logRetentionDays", m.logRetentionDays, 30, 730) && tier === "prod" && m.logRetentionDays < 90) {
    c.fail("monitoring.logRetentionDays", m.logRetentionDays, "must be at least 90 in the prod tier (ADF keeps run history only 45 days)");
  }
  c.optionalBoolean("monitoring.diagnostics", m.diagnostics);
  validateEmailReceivers(c, "monitoring.alertEmailReceivers", m.alertEmailReceivers);
  validateAlertSettings(c, "monitoring.alerts", m.alerts);
}

/** Problems across a set of environments: duplicate names. */
export function validateEnvironmentSet(path: string, configs: readonly EnvironmentConfig[]): Problem[] {
  const c = new Checker(path);
  const seen = new Set<string>();
  configs.forEach((cfg, i) => {
    if (!isObject(cfg)) {
      c.fail(`environments[${i}]`, cfg, "must be an object (an environment config)");
      return;
    }
    if (seen.has(cfg.name)) c.fail(`environments[${i}].name`, cfg.name, "must be unique (each environment has its own stack and state)");
    seen.add(cfg.name);
  });
  return c.problems;
}

const VNET_ID = new RegExp(`^/subscriptions/${GUID_PATTERN.source.slice(1, -1)}/resourceGroups/[^/]+/providers/Microsoft\\.Network/virtualNetworks/[^/]+$`, "i");
const PLACEHOLDER_GUID = /\/subscriptions\/0{8}-0{4}-0{4}-0{4}-0{12}\//i;

/** Exactly one of an existing network or one to create; no placeholder ids; public deployer addresses only. */
function validatePrivateNetwork(c: Checker, n: PrivateNetworkConfig): void {
  const existing = n.virtualNetworkId !== undefined || n.subnetId !== undefined;
  const create = n.addressSpace !== undefined || n.subnetPrefix !== undefined;
  if (existing === create) {
    c.fail("network", existing ? "virtualNetworkId and addressSpace" : "neither", "must name an existing network (virtualNetworkId + subnetId) or one to create (addressSpace + subnetPrefix), not both");
  } else if (existing) {
    for (const [property, value] of [["network.virtualNetworkId", n.virtualNetworkId], ["network.subnetId", n.subnetId]] as const) {
      if (typeof value === "string" && PLACEHOLDER_GUID.test(value)) c.fail(property, value, "is a placeholder (subscription 00000000-...): use your network's real id, or set addressSpace + subnetPrefix to create one");
    }
    const vnetOk = c.name("network.virtualNetworkId", n.virtualNetworkId, VNET_ID, "must be a virtual network id (/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>)");
    const subnetOk = c.resourceId("network.subnetId", n.subnetId);
    if (subnetOk && vnetOk && !isSubnetOf(String(n.subnetId), String(n.virtualNetworkId))) {
      c.fail("network.subnetId", n.subnetId, "must be a subnet of network.virtualNetworkId");
    }
  } else {
    // The rule of the network the stack then creates (EnvironmentNetwork).
    validateNetworkRanges(c, "network", n);
  }
  validateExistingDnsZoneIds(c, "network.existingDnsZoneIds", n.existingDnsZoneIds);
  // The workspace's rule for the storage firewall's allow-list, which these addresses become.
  validateStorageIpAllowList(c, "network.deployerIpAllowList", n.deployerIpAllowList);
}

/** Longest name Azure allows for each derived name, and how messages call it. */
const DERIVED: Readonly<Record<keyof DerivedNames, { readonly label: string; readonly max: number }>> = {
  resourceGroup: { label: "resource group name", max: 90 },
  storageAccount: { label: "storage account name", max: 24 },
  keyVault: { label: "key vault name", max: 24 },
  mlWorkspace: { label: "ML workspace name", max: 33 },
  logAnalyticsWorkspace: { label: "Log Analytics workspace name", max: 63 },
  applicationInsights: { label: "Application Insights name", max: 260 },
  containerRegistry: { label: "container registry name", max: 50 },
  computeCluster: { label: "compute cluster name", max: 32 },
  dataFactory: { label: "data factory name", max: 63 },
  batchEndpoint: { label: "batch endpoint name", max: 32 },
};

/** Every name derived from prefix, environment and suffix fits Azure's rules; a problem names its inputs. */
function checkDerivedNames(c: Checker, cfg: EnvironmentConfig): void {
  const ok = (v: unknown, re: RegExp) => typeof v === "string" && re.test(v);
  if (!ok(cfg.projectPrefix, NAME_RULES.projectPrefix.pattern) || !ok(cfg.name, ENVIRONMENT_NAME) || !ok(cfg.nameSuffix ?? "", /^[a-z0-9]{0,6}$/)) return;
  const inputs = `(from projectPrefix "${cfg.projectPrefix}" + environment "${cfg.name}" + nameSuffix "${cfg.nameSuffix ?? ""}")`;
  const names = deriveNames(cfg.projectPrefix, cfg.name, cfg.nameSuffix ?? "");
  for (const [kind, { label, max }] of Object.entries(DERIVED) as [keyof DerivedNames, (typeof DERIVED)[keyof DerivedNames]][]) {
    const value = names[kind];
    if (value.length > max) c.fail(label, value, `${inputs} is ${value.length} characters; Azure allows ${max}`);
    else if (!NAME_RULES[kind].pattern.test(value)) c.fail(label, value, `${inputs} ${NAME_RULES[kind].rule}`);
  }
}
