import * as path from "path";
import { Construct, IConstruct } from "constructs";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { AzurermBackend, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { MlWorkspace } from "../lib/platform/ml-workspace";
import { BlobDatastore } from "../lib/platform/blob-datastore";
import { ComputeCluster } from "../lib/platform/compute-cluster";
import { DataFactory } from "../lib/platform/data-factory";
import { CODE_FILES, DatapathPipeline, startRunCommand } from "../lib/pipeline/datapath-pipeline";
import { ROLES } from "../lib/core/roles";
import { AzapiProvider } from "../lib/core/azapi";
import { deriveNames, DerivedNames } from "../lib/core/naming";
import { Checker, Problem, reportProblems, throwIfProblems } from "../lib/core/validation";
import { PrivateEndpoints } from "../lib/platform/private-endpoints";
import { EnvironmentNetwork } from "../lib/platform/virtual-network";
import { WorkspaceOutboundRules } from "../lib/platform/workspace-outbound-rules";
import { Diagnostics } from "../lib/platform/diagnostics";
import { Alerts } from "../lib/platform/alerts";
import { SavedQueries } from "../lib/platform/saved-queries";
import { FindingSite, SecurityRulePack, SecurityRulePackOptions, suppressRule } from "../lib/aspects/security-pack";
import { ALL_RULES } from "../lib/aspects/all-rules";
import { Aspects } from "cdktf";
import { EnvironmentConfig, localStatePath, PrivateNetworkConfig, Tier, validateEnvironmentConfig } from "./config";

export interface DatapathStackOptions {
  /**
   * Configure the azurerm remote-state backend from `config.backend`; `false` keeps state in the
   * local file `localStatePath(name)` instead (like `--local-state`).
   * @default true when `config.backend` is set
   */
  readonly useBackend?: boolean;
  /**
   * Keep state in this local file instead, e.g. to try a deploy without the state account (what
   * `--local-state` does). Relative to the stack's folder, so the synthesized JSON holds no path of
   * this machine: an absolute path is a config problem. Either this or `useBackend: false` lets a
   * test or prod config go without `backend`.
   * @default - the backend from config; without one (dev tier only) `localStatePath(name)`
   */
  readonly localStatePath?: string;
}

/** State key of an environment inside the shared state container. */
export function stateKey(env: string): string {
  return `aml-datapath/${env}.tfstate`;
}

/**
 * Exceptions every stack makes, with their reasons. ADF git integration (CKV_AZURE_103) would make
 * the factory's git branch a second source of truth next to this repository.
 */
export const STACK_SUPPRESSIONS = [
  {
    ruleId: "data-factory-git-integration",
    path: "factory",
    reason: "The factory's pipelines, triggers and linked services are deployed from this repository by Terraform; ADF git mode would add a second, diverging source of truth.",
  },
] as const;

/** A ready-to-paste Azure CLI command that starts one run (moved to the pipeline's module; `DatapathPipeline.addOutputs` uses it). */
export { startRunCommand };

/**
 * How security findings are reported in each tier (`securityFindings` in a dev config overrides
 * `severity`), and the rules reported otherwise (the pack's `ruleSeverity`): in prod an alert rule
 * that notifies nobody is a warning on every synth until `monitoring.alertEmailReceivers` is set.
 */
export const TIER_FINDINGS: Readonly<Record<Tier, Pick<SecurityRulePackOptions, "severity" | "ruleSeverity">>> = {
  dev: { severity: "warning" },
  test: { severity: "error" },
  prod: { severity: "error", ruleSeverity: { "alert-receiver-configured": "warning" } },
};

const PRIVATE_PROFILE =
  'set network: { profile: "private", addressSpace: "<range>", subnetPrefix: "<range inside it>" } in the config (or virtualNetworkId + subnetId of an existing network): the private profile turns public network access off';
const SOFT_DELETE = "set protection.blobSoftDeleteRetentionDays: 7 (or more) in the config";

/**
 * The config field that fixes a finding of each rule on a `DatapathStack`, in the config's words. A
 * rule no config field controls is fixed by accepting the finding in `suppressions`
 * (`configFixFor`): the library sets those attributes compliant, so only code can break them.
 */
export const CONFIG_FIXES: Readonly<Record<string, string>> = {
  "key-vault-purge-protection": "set protection.purgeProtection: true in the config (irreversible: a deleted vault's name stays reserved until its soft-delete retention ends)",
  "stateful-prevent-destroy": "set protection.preventDestroy: true in the config",
  "storage-blob-soft-delete": SOFT_DELETE,
  "storage-container-soft-delete": SOFT_DELETE,
  "storage-geo-redundant-replication": 'set storageReplicationType: "GZRS" in the config (or "GRS", "RAGRS", "RAGZRS")',
  "ml-workspace-public-network-disabled": PRIVATE_PROFILE,
  "data-factory-public-network-disabled": PRIVATE_PROFILE,
  "storage-public-network-disabled": "leave network.deployerIpAllowList out of the config (Terraform then runs inside the network)",
  "compute-scale-to-zero": "set cluster.minNodes: 0 in the config",
  "diagnostic-setting-configured": "set monitoring.diagnostics: true in the config (or leave it out)",
  "alert-receiver-configured": 'set monitoring.alertEmailReceivers: ["<address of whoever runs this environment>"] in the config',
  "data-factory-linked-service-msi": 'set dataFactoryAuthentication: { type: "MSI" } in the config (or leave it out)',
  "storage-shared-key-disabled":
    "no config field turns shared keys off (AML's own system datastores still use the account key): accept it in the config, as the test and prod configs do, with " +
    suppressionText("storage-shared-key-disabled", "workspace/storage"),
};

function suppressionText(ruleId: string, path: string): string {
  return `suppressions: [{ ruleId: "${ruleId}", path: "${path}", reason: "<why it is accepted, at least 20 characters>" }]`;
}

const RULES_BY_ID = new Map(ALL_RULES.map((r) => [r.id, r]));

/**
 * The fix of a finding on `stack`, in the words of its config: the field in `CONFIG_FIXES`, or else
 * the suppression that accepts it (with the rule's own fix, for the code that changed the attribute).
 */
export function configFixFor(stack: Construct): (site: FindingSite) => string | undefined {
  return (site) => {
    const known = CONFIG_FIXES[site.ruleId];
    if (known !== undefined) return known;
    const rule = RULES_BY_ID.get(site.ruleId);
    if (!rule) return undefined;
    const relative = site.path.startsWith(`${stack.node.path}/`) ? site.path.slice(stack.node.path.length + 1) : site.path;
    return `no config field sets ${rule.attribute}: accept it in the config with ${suppressionText(site.ruleId, relative)} (in code: ${rule.fix})`;
  };
}

/**
 * The whole platform for one environment: workspace (+ storage, key vault, monitoring), input and
 * output datastores, compute cluster and data factory, with its own remote state. The config is
 * checked first (`validateEnvironmentConfig`): with any problem the constructor records every one,
 * each under its config field, and throws them (with the app's others) before building anything.
 */
export class DatapathStack extends TerraformStack {
  readonly config: EnvironmentConfig;
  readonly names: DerivedNames;
  readonly workspace: MlWorkspace;
  readonly inputData: BlobDatastore;
  readonly outputData: BlobDatastore;
  readonly cluster: ComputeCluster;
  readonly factory: DataFactory;
  readonly pipeline: DatapathPipeline;
  /** The security rule pack applied to this stack; its findings are filled in at synth. */
  readonly securityPack: SecurityRulePack;

  constructor(scope: Construct, id: string, config: EnvironmentConfig, options: DatapathStackOptions = {}) {
    super(scope, id);
    this.config = config;
    const localState = options.localStatePath !== undefined || options.useBackend === false;
    const problems: Problem[] = validateEnvironmentConfig(this.node.path, config, { localState });
    if (options.localStatePath !== undefined && (typeof options.localStatePath !== "string" || path.isAbsolute(options.localStatePath))) {
      problems.push({ path: this.node.path, property: "localStatePath", value: options.localStatePath, rule: "must be a path relative to the stack folder (an absolute one would put this machine's paths into the synthesized JSON)" });
    }
    if (problems.length > 0) {
      // Nothing is built from a config with problems: each is reported once, under its config field,
      // with every other problem of the app (addEnvironments goes on with the next environment).
      reportProblems(this, problems);
      throwIfProblems(this);
    }
    this.names = deriveNames(config.projectPrefix, config.name, config.nameSuffix ?? "");
    this.addProviders(config, options);
    const tags = { ...(config.tags ?? {}), environment: config.name, project: config.projectPrefix };
    this.workspace = this.addWorkspace(config, tags);
    this.inputData = this.addDatastore("input-data", config.data.inputContainer, config.data.inputDatastore, tags);
    this.outputData = this.addDatastore("output-data", config.data.outputContainer, config.data.outputDatastore, tags);
    this.cluster = this.addCluster(config, tags);
    this.factory = this.addFactory(config, tags);
    this.addMonitoring(config, tags);
    const blobEndpoint = config.network.profile === "private" ? this.addPrivateNetwork(config, config.network, tags) : undefined;
    this.pipeline = this.addPipeline(config, tags, blobEndpoint);
    this.securityPack = this.applySecurityPack(config);
    this.addOutputs();
  }

  /**
   * The rule pack at the tier's severities, its fixes named by config fields, and the accepted
   * findings: the stack's own, one derived from the config, and the config's `suppressions` (whose
   * paths only the built stack can check).
   */
  private applySecurityPack(config: EnvironmentConfig): SecurityRulePack {
    const tier = TIER_FINDINGS[config.tier];
    const pack = new SecurityRulePack({
      context: { profile: config.network.profile, production: config.tier === "prod" },
      severity: config.securityFindings ?? tier.severity,
      ruleSeverity: tier.ruleSeverity,
      fixFor: configFixFor(this),
    });
    Aspects.of(this).add(pack);
    const c = new Checker(this.node.path);
    const allowList = config.network.profile === "private" ? (config.network.deployerIpAllowList ?? []) : [];
    const derived = allowList.length > 0
      ? [{
          ruleId: "storage-public-network-disabled",
          path: "workspace/storage",
          reason: `network.deployerIpAllowList (${allowList.join(", ")}): the storage's public endpoint admits only these addresses, from which Terraform uploads the step code; every other address is denied.`,
        }]
      : [];
    const all = [
      ...STACK_SUPPRESSIONS.map((sup) => ({ sup, property: undefined })),
      ...derived.map((sup) => ({ sup, property: undefined })),
      ...(config.suppressions ?? []).map((sup, i) => ({ sup, property: `suppressions[${i}]` })),
    ];
    for (const { sup, property } of all) {
      const target = sup.path.split("/").reduce<IConstruct | undefined>((n, part) => n?.node.tryFindChild(part), this);
      if (target) suppressRule(target, sup.ruleId, sup.reason);
      else c.fail(`${property ?? "the stack's own suppressions"}.path`, sup.path, "must name a construct of the stack (e.g. workspace/storage)");
    }
    reportProblems(this, c.problems);
    return pack;
  }

  private addProviders(config: EnvironmentConfig, options: DatapathStackOptions): void {
    new AzurermProvider(this, "azurerm", {
      subscriptionId: config.subscriptionId,
      // Containers and blobs are created with Entra ID, not account keys.
      storageUseAzuread: true,
      features: [
        {
          keyVault: [
            {
              purgeSoftDeleteOnDestroy: false,
              purgeSoftDeletedSecretsOnDestroy: false,
              purgeSoftDeletedKeysOnDestroy: false,
              purgeSoftDeletedCertificatesOnDestroy: false,
            },
          ],
          machineLearning: [{ purgeSoftDeletedWorkspaceOnDestroy: false }],
          resourceGroup: [{ preventDeletionIfContainsResources: true }],
          // Private profile: the account's data plane is unreachable until its private endpoint
          // exists, and the provider would otherwise poll it while creating the account (and fail).
          ...(config.network.profile === "private" ? { storage: [{ dataPlaneAvailable: false }] } : {}),
        },
      ],
    });

    // AML code, environments, components and batch endpoints exist only in the ARM API.
    new AzapiProvider(this, "azapi", { subscriptionId: config.subscriptionId });

    if (config.backend && options.localStatePath === undefined && (options.useBackend ?? true)) {
      new AzurermBackend(this, {
        resourceGroupName: config.backend.resourceGroupName,
        storageAccountName: config.backend.storageAccountName,
        containerName: config.backend.containerName,
        key: stateKey(config.name),
        useAzureadAuth: true,
      });
    } else {
      // Always explicit: cdktf's default local backend is an absolute path of the synthesizing machine.
      new LocalBackend(this, { path: options.localStatePath ?? localStatePath(config.name) });
    }
  }

  private addWorkspace(config: EnvironmentConfig, tags: Record<string, string>): MlWorkspace {
    const n = this.names;
    const protect = config.protection;
    const privateNet = config.network.profile === "private" ? config.network : undefined;
    return new MlWorkspace(this, "workspace", {
      location: config.location,
      resourceGroupName: n.resourceGroup,
      workspaceName: n.mlWorkspace,
      storageAccountName: n.storageAccount,
      keyVaultName: n.keyVault,
      logAnalyticsWorkspaceName: n.logAnalyticsWorkspace,
      applicationInsightsName: n.applicationInsights,
      publicNetworkAccessEnabled: !privateNet,
      isolationMode: privateNet ? "AllowOnlyApprovedOutbound" : "AllowInternetOutbound",
      // Private profile: compute without public IPs needs the managed network up before the cluster.
      provisionManagedNetworkOnCreation: privateNet !== undefined,
      // A registry behind a private endpoint cannot build images itself: the cluster does.
      // Zone redundancy can only be chosen when the registry is created: on in the prod tier from the start.
      containerRegistry: privateNet ? { name: n.containerRegistry, sku: "Premium", zoneRedundancyEnabled: config.tier === "prod" } : undefined,
      imageBuildComputeName: privateNet ? n.computeCluster : undefined,
      purgeProtectionEnabled: protect.purgeProtection,
      preventDestroy: protect.preventDestroy,
      blobSoftDeleteRetentionDays: protect.blobSoftDeleteRetentionDays,
      storageReplicationType: config.storageReplicationType,
      storageIpAllowList: privateNet?.deployerIpAllowList,
      logRetentionDays: config.monitoring.logRetentionDays,
      tags,
    });
  }

  private addDatastore(id: string, container: string, name: string, tags: Record<string, string>): BlobDatastore {
    return new BlobDatastore(this, id, {
      workspace: this.workspace,
      containerName: container,
      datastoreName: name,
      preventDestroy: this.config.protection.preventDestroy,
      tags,
    });
  }

  /** The cluster, reading the input container and writing the output container (and nothing else). */
  private addCluster(config: EnvironmentConfig, tags: Record<string, string>): ComputeCluster {
    const cluster = new ComputeCluster(this, "cluster", {
      workspace: this.workspace,
      name: this.names.computeCluster,
      ...config.cluster,
      inManagedNetwork: config.network.profile === "private",
      tags,
    });
    this.inputData.grantRead(cluster);
    this.outputData.grantReadWrite(cluster);
    return cluster;
  }

  private addFactory(config: EnvironmentConfig, tags: Record<string, string>): DataFactory {
    const n = this.names;
    const ws = this.workspace;
    const privateNet = config.network.profile === "private";
    const factory = new DataFactory(this, "factory", {
      name: n.dataFactory,
      location: config.location,
      resourceGroupName: ws.resourceGroupName,
      workspace: ws,
      publicNetworkEnabled: !privateNet,
      // Private profile: Web activities run in the factory's managed VNet and reach the workspace privately.
      managedVirtualNetworkEnabled: privateNet,
      managedPrivateEndpoints: privateNet ? [{ name: "aml-workspace", targetResourceId: ws.workspaceId, subresourceName: "amlworkspace" }] : undefined,
      authentication: config.dataFactoryAuthentication,
      tags,
    });
    // Batch jobs access data as their caller: the factory reads each run's input and writes its output.
    this.inputData.grantRead(factory);
    this.outputData.grantReadWrite(factory);
    return factory;
  }

  /** Logs of every resource into the environment's workspace, the queries over them, and alerts. */
  private addMonitoring(config: EnvironmentConfig, tags: Record<string, string>): void {
    const ws = this.workspace;
    const factory = this.factory;
    const monitoring = config.monitoring;
    // The stack always creates it (it names it).
    const logs = ws.logAnalyticsWorkspace!;
    if (monitoring.diagnostics ?? true) {
      new Diagnostics(this, "diagnostics", {
        logAnalyticsWorkspaceId: logs.id,
        targets: {
          mlWorkspaceId: ws.workspaceId,
          dataFactoryId: factory.id,
          keyVaultId: ws.keyVaultId,
          storageAccountId: ws.storageAccountId,
          containerRegistryId: ws.containerRegistry?.id,
        },
      });
    }
    new SavedQueries(this, "saved-queries", { logAnalyticsWorkspaceId: logs.id });
    new Alerts(this, "alerts", {
      namePrefix: `${config.projectPrefix}-${config.name}`,
      resourceGroupName: ws.resourceGroupName,
      location: config.location,
      dataFactoryId: factory.id,
      mlWorkspaceId: ws.workspaceId,
      logAnalyticsWorkspaceId: logs.id,
      emailReceivers: monitoring.alertEmailReceivers,
      settings: monitoring.alerts,
      tags,
    });
  }

  /**
   * Private profile: endpoints into the subnet for every service, DNS zones, and the outbound rules
   * the managed network needs. Returns the storage's blob endpoint, which the code upload waits for.
   */
  private addPrivateNetwork(config: EnvironmentConfig, privateNet: PrivateNetworkConfig, tags: Record<string, string>): PrivateEndpoints["endpoints"][string] {
    const n = this.names;
    const ws = this.workspace;
    const factory = this.factory;
    // An existing network, or the environment's own (validated: exactly one of the two).
    const created =
      privateNet.addressSpace !== undefined
        ? new EnvironmentNetwork(this, "network", {
            name: `vnet-${n.resourceGroup.replace(/^rg-/, "")}`,
            resourceGroupName: ws.resourceGroupName,
            location: config.location,
            addressSpace: privateNet.addressSpace,
            // Validated: addressSpace and subnetPrefix come together, or virtualNetworkId and subnetId.
            subnetPrefix: privateNet.subnetPrefix!,
            tags,
          })
        : undefined;
    const endpoints = new PrivateEndpoints(this, "private-endpoints", {
      resourceGroupName: ws.resourceGroupName,
      location: config.location,
      subnetId: created?.subnetId ?? privateNet.subnetId!,
      virtualNetworkId: created?.virtualNetworkId ?? privateNet.virtualNetworkId!,
      existingDnsZoneIds: privateNet.existingDnsZoneIds,
      namePrefix: `${config.projectPrefix}-${config.name}`,
      targets: {
        workspace: { resourceId: ws.workspaceId, subresource: "amlworkspace" },
        "storage-blob": { resourceId: ws.storageAccountId, subresource: "blob" },
        "storage-file": { resourceId: ws.storageAccountId, subresource: "file" },
        "storage-queue": { resourceId: ws.storageAccountId, subresource: "queue" },
        "storage-table": { resourceId: ws.storageAccountId, subresource: "table" },
        "key-vault": { resourceId: ws.keyVaultId, subresource: "vault" },
        registry: { resourceId: ws.containerRegistry!.id, subresource: "registry" },
        "data-factory": { resourceId: factory.id, subresource: "dataFactory" },
        "data-factory-portal": { resourceId: factory.id, subresource: "portal" },
      },
      tags,
    });
    // With storage public access off, the workspace identity reads storage through these endpoints.
    for (const key of ["storage-blob", "storage-file"]) {
      new RoleAssignment(this, `workspace-reader-${key}`, {
        scope: endpoints.endpoints[key].id,
        roleDefinitionName: ROLES.reader,
        principalId: ws.workspacePrincipalId,
        principalType: "ServicePrincipal",
      });
    }
    new WorkspaceOutboundRules(this, "outbound-rules", {
      workspaceId: ws.workspaceId,
      // Batch endpoints and parallel steps use the storage's queues and tables (AML adds blob and file).
      privateEndpoints: ["queue", "table"].map((sub) => ({ name: `storage-${sub}`, serviceResourceId: ws.storageAccountId, subResourceTarget: sub })),
    });
    return endpoints.endpoints["storage-blob"];
  }

  private addPipeline(config: EnvironmentConfig, tags: Record<string, string>, blobEndpoint: PrivateEndpoints["endpoints"][string] | undefined): DatapathPipeline {
    const ws = this.workspace;
    const p = config.pipeline;
    return new DatapathPipeline(this, "pipeline", {
      name: p.name,
      endpointName: this.names.batchEndpoint,
      workspace: ws,
      // The cluster's name is a reference, so the deployment is created after (and destroyed before) the cluster.
      cluster: this.cluster,
      factory: this.factory,
      inputDatastore: this.inputData,
      outputDatastore: this.outputData,
      defaultRelativePath: config.data.defaultRelativePath,
      invocation: p.invocation,
      parallel: p.parallel,
      workItems: p.workItems,
      deploymentRetention: p.deploymentRetention,
      ...(p.codeDirectory !== undefined
        ? {
            prepareStep: { directory: p.codeDirectory, script: CODE_FILES.prepareStep },
            processStep: { directory: p.codeDirectory, script: CODE_FILES.processStep },
            checkStep: { directory: p.codeDirectory, script: CODE_FILES.checkStep },
            condaFile: path.join(p.codeDirectory, CODE_FILES.condaFile),
          }
        : {}),
      scheduleTrigger: p.schedule,
      blobTrigger: p.blobTrigger && {
        storageAccountId: ws.storageAccountId,
        containerName: config.data.inputContainer,
        pathPrefix: p.blobTrigger.pathPrefix,
        markerFileName: p.blobTrigger.markerFileName,
      },
      uploadDependsOn: blobEndpoint ? [blobEndpoint] : undefined,
      tags,
    });
  }

  /** The platform's names, and the pipeline's outputs (how to start a run): `DatapathPipeline.addOutputs`. */
  private addOutputs(): void {
    const { workspace: ws, factory, cluster, inputData: input, pipeline } = this;
    new TerraformOutput(this, "workspace_name", { value: ws.workspaceName });
    new TerraformOutput(this, "data_factory_name", { value: factory.name });
    new TerraformOutput(this, "compute_cluster_name", { value: cluster.name });
    new TerraformOutput(this, "input_datastore_name", { value: input.datastoreName });
    pipeline.addOutputs();
  }
}
