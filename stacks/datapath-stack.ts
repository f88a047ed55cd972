import * as path from "path";
import { Construct, IConstruct } from "constructs";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { Annotations, AzurermBackend, LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { MlWorkspace } from "../lib/platform/ml-workspace";
import { BlobDatastore } from "../lib/platform/blob-datastore";
import { ComputeCluster } from "../lib/platform/compute-cluster";
import { DataFactory } from "../lib/platform/data-factory";
import { DatapathPipeline } from "../lib/pipeline/datapath-pipeline";
import { ROLES } from "../lib/core/roles";
import { AzapiProvider } from "../lib/core/azapi";
import { deriveNames, DerivedNames } from "../lib/core/naming";
import { Checker, collectProblems, ConfigValidationError, reportProblems } from "../lib/core/validation";
import { PrivateEndpoints } from "../lib/platform/private-endpoints";
import { EnvironmentNetwork } from "../lib/platform/virtual-network";
import { WorkspaceOutboundRules } from "../lib/platform/workspace-outbound-rules";
import { Diagnostics } from "../lib/platform/diagnostics";
import { Alerts } from "../lib/platform/alerts";
import { SavedQueries } from "../lib/platform/saved-queries";
import { SecurityRulePack, suppressRule } from "../lib/aspects/security-pack";
import { Aspects } from "cdktf";
import { DERIVED_NAME_PROPERTIES, EnvironmentConfig, validateEnvironmentConfig } from "./config";

export interface DatapathStackOptions {
  /**
   * Configure the azurerm remote-state backend from `config.backend`.
   * @default true when `config.backend` is set
   */
  readonly useBackend?: boolean;
  /**
   * Keep state in a local file instead (relative to the stack's folder, so the synthesized JSON has
   * no absolute path), e.g. to try a deploy without the state account. Outside cdktf.out, which every
   * synth replaces.
   * @default - the backend from config, or Terraform's default local state
   */
  readonly localStatePath?: string;
}

/** What `build` made: assigned to the stack's readonly members in its constructor. */
interface Built {
  readonly workspace: MlWorkspace;
  readonly inputData: BlobDatastore;
  readonly outputData: BlobDatastore;
  readonly cluster: ComputeCluster;
  readonly factory: DataFactory;
  readonly pipeline: DatapathPipeline;
  readonly securityPack: SecurityRulePack;
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

/** A ready-to-paste Azure CLI command that starts one run on `relativePath`. */
export function startRunCommand(resourceGroup: string, factory: string, pipeline: string, datastore: string, relativePath: string): string {
  const parameters = JSON.stringify({ datastore_name: datastore, relative_path: relativePath });
  return `az datafactory pipeline create-run --resource-group ${resourceGroup} --factory-name ${factory} --name ${pipeline} --parameters '${parameters}'`;
}

/**
 * The whole platform for one environment: workspace (+ storage, key vault, monitoring), input and
 * output datastores, compute cluster and data factory, with its own remote state.
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
    const problems = validateEnvironmentConfig(this.node.path, config);
    // A bad prefix, name or suffix is reported once, by the config check: the stack is still built
    // (so every other problem is found too) with stand-in names its constructs accept.
    const namesBroken = problems.some((p) => ["name", "projectPrefix", "nameSuffix", ...DERIVED_NAME_PROPERTIES].includes(p.property));
    this.names = namesBroken ? deriveNames("invalid", "invalid") : deriveNames(String(config?.projectPrefix), String(config?.name), config?.nameSuffix ?? "");
    const built = collectProblems(this, () => {
      reportProblems(this, problems);
      // Without the basic shape there is nothing sensible to build (the problems say why): the
      // collected problems are thrown when this returns.
      if (problems.some((p) => ["config", "network", "cluster", "protection", "data", "pipeline", "monitoring"].includes(p.property))) return undefined;
      return this.build(config, options);
    });
    // collectProblems throws when anything was reported, so here the stack is built.
    if (!built) throw new Error(`${this.node.path}: the stack was not built`);
    this.workspace = built.workspace;
    this.inputData = built.inputData;
    this.outputData = built.outputData;
    this.cluster = built.cluster;
    this.factory = built.factory;
    this.pipeline = built.pipeline;
    this.securityPack = built.securityPack;
  }

  private applySecurityPack(config: EnvironmentConfig): SecurityRulePack {
    const pack = new SecurityRulePack({
      context: { profile: config.network.profile, production: config.tier === "prod" },
      severity: config.securityFindings ?? (config.tier === "dev" ? "warning" : "error"),
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
    // Prod without receivers: a warning on every synth instead of an error per alert rule.
    const silentAlerts = config.tier === "prod" && (config.monitoring.alertEmailReceivers ?? []).length === 0;
    if (silentAlerts) {
      Annotations.of(this).addWarning(
        `${this.node.path}: monitoring.alertEmailReceivers is empty: the alert rules fire in Monitor > Alerts but notify nobody. Add the e-mail addresses of whoever runs this environment.`,
      );
    }
    const noReceivers = silentAlerts
      ? [{ ruleId: "alert-receiver-configured", path: "alerts", reason: "monitoring.alertEmailReceivers is empty: the alert rules exist and show in Monitor > Alerts, but nobody is notified until receivers are configured (a synth warning says so)." }]
      : [];
    const all = [
      ...STACK_SUPPRESSIONS.map((sup, i) => ({ sup, property: `builtInSuppressions[${i}]` })),
      ...derived.map((sup, i) => ({ sup, property: `network.deployerIpAllowList (suppression ${i})` })),
      ...noReceivers.map((sup) => ({ sup, property: "monitoring.alertEmailReceivers (suppression)" })),
      ...(config.suppressions ?? []).map((sup, i) => ({ sup, property: `suppressions[${i}]` })),
    ];
    for (const { sup, property } of all) {
      const target = sup.path.split("/").reduce<IConstruct | undefined>((n, part) => n?.node.tryFindChild(part), this);
      if (!target) {
        c.fail(`${property}.path`, sup.path, "must name a construct of the stack (e.g. workspace/storage)");
        continue;
      }
      try {
        suppressRule(target, sup.ruleId, sup.reason);
      } catch (e) {
        if (e instanceof ConfigValidationError) c.problems.push(...e.problems);
        else throw e;
      }
    }
    reportProblems(this, c.problems);
    return pack;
  }

  private build(config: EnvironmentConfig, options: DatapathStackOptions): Built {
    const n = this.names;
    const tags = { ...(config.tags ?? {}), environment: config.name, project: config.projectPrefix };

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

    if (options.localStatePath !== undefined) {
      new LocalBackend(this, { path: options.localStatePath });
    } else if (config.backend && (options.useBackend ?? true)) {
      new AzurermBackend(this, {
        resourceGroupName: config.backend.resourceGroupName,
        storageAccountName: config.backend.storageAccountName,
        containerName: config.backend.containerName,
        key: stateKey(config.name),
        useAzureadAuth: true,
      });
    }

    const protect = config.protection;
    const privateNet = config.network.profile === "private" ? config.network : undefined;
    const ws = new MlWorkspace(this, "workspace", {
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
    const datastore = (id: string, container: string, name: string) =>
      new BlobDatastore(this, id, {
        workspaceId: ws.workspaceId,
        storageAccountId: ws.storageAccountId,
        containerName: container,
        datastoreName: name,
        workspacePrincipalId: ws.workspacePrincipalId,
        preventDestroy: protect.preventDestroy,
        tags,
      });
    const input = datastore("input-data", config.data.inputContainer, config.data.inputDatastore);
    const output = datastore("output-data", config.data.outputContainer, config.data.outputDatastore);

    const cluster = new ComputeCluster(this, "cluster", {
      workspaceId: ws.workspaceId,
      location: config.location,
      name: n.computeCluster,
      ...config.cluster,
      inManagedNetwork: privateNet !== undefined,
      inputContainerIds: [input.containerId],
      outputContainerIds: [output.containerId],
      tags,
    });

    const factory = new DataFactory(this, "factory", {
      name: n.dataFactory,
      location: config.location,
      resourceGroupName: ws.resourceGroupName,
      workspace: { id: ws.workspaceId, name: n.mlWorkspace, resourceGroupName: n.resourceGroup },
      publicNetworkEnabled: !privateNet,
      // Private profile: Web activities run in the factory's managed VNet and reach the workspace privately.
      managedVirtualNetworkEnabled: privateNet !== undefined,
      managedPrivateEndpoints: privateNet ? [{ name: "aml-workspace", targetResourceId: ws.workspaceId, subresourceName: "amlworkspace" }] : undefined,
      authentication: config.dataFactoryAuthentication,
      inputContainerIds: [input.containerId],
      // Batch jobs access data as their caller: the factory writes each run's output.
      outputContainerIds: [output.containerId],
      tags,
    });

    // Logs of every resource into the environment's workspace, the queries over them, and alerts.
    const monitoring = config.monitoring;
    if (monitoring.diagnostics ?? true) {
      new Diagnostics(this, "diagnostics", {
        logAnalyticsWorkspaceId: ws.logAnalyticsWorkspace.id,
        targets: {
          mlWorkspaceId: ws.workspaceId,
          dataFactoryId: factory.id,
          keyVaultId: ws.keyVaultId,
          storageAccountId: ws.storageAccountId,
          containerRegistryId: ws.containerRegistry?.id,
        },
      });
    }
    new SavedQueries(this, "saved-queries", { logAnalyticsWorkspaceId: ws.logAnalyticsWorkspace.id });
    new Alerts(this, "alerts", {
      namePrefix: `${config.projectPrefix}-${config.name}`,
      resourceGroupName: ws.resourceGroupName,
      location: config.location,
      dataFactoryId: factory.id,
      mlWorkspaceId: ws.workspaceId,
      logAnalyticsWorkspaceId: ws.logAnalyticsWorkspace.id,
      emailReceivers: monitoring.alertEmailReceivers,
      settings: monitoring.alerts,
      tags,
    });

    // Private profile: endpoints into the subnet for every service, DNS zones, and the outbound
    // rules the managed network needs; the code upload waits for the storage endpoint.
    let blobEndpoint: PrivateEndpoints["endpoints"][string] | undefined;
    if (privateNet) {
      // An existing network, or the environment's own (validated: exactly one of the two).
      const created =
        privateNet.addressSpace !== undefined
          ? new EnvironmentNetwork(this, "network", {
              name: `vnet-${n.resourceGroup.replace(/^rg-/, "")}`,
              resourceGroupName: ws.resourceGroupName,
              location: config.location,
              addressSpace: privateNet.addressSpace,
              subnetPrefix: String(privateNet.subnetPrefix),
              tags,
            })
          : undefined;
      const endpoints = new PrivateEndpoints(this, "private-endpoints", {
        resourceGroupName: ws.resourceGroupName,
        location: config.location,
        subnetId: created?.subnetId ?? String(privateNet.subnetId),
        virtualNetworkId: created?.virtualNetworkId ?? String(privateNet.virtualNetworkId),
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
      blobEndpoint = endpoints.endpoints["storage-blob"];
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
    }

    const p = config.pipeline;
    const pipeline = new DatapathPipeline(this, "pipeline", {
      name: p.name,
      endpointName: n.batchEndpoint,
      workspaceId: ws.workspaceId,
      location: config.location,
      // A reference, so the deployment is created after (and destroyed before) the cluster.
      computeClusterName: cluster.name,
      computeMaxNodes: config.cluster.maxNodes,
      computePrincipalId: cluster.principalId,
      workspacePrincipalId: ws.workspacePrincipalId,
      storageAccountId: ws.storageAccountId,
      storageAccountName: n.storageAccount,
      dataFactoryId: factory.id,
      linkedServiceName: factory.linkedService.name,
      integrationRuntimeName: factory.integrationRuntime?.name,
      inputDatastoreName: config.data.inputDatastore,
      outputDatastoreName: config.data.outputDatastore,
      defaultRelativePath: config.data.defaultRelativePath,
      invocation: p.invocation,
      parallel: p.parallel,
      workItems: p.workItems,
      ...(p.codeDirectory !== undefined
        ? {
            prepareStep: { directory: p.codeDirectory, script: "prepare.py" },
            processStep: { directory: p.codeDirectory, script: "process.py" },
            checkStep: { directory: p.codeDirectory, script: "check_results.py" },
            condaFile: path.join(p.codeDirectory, "conda.yaml"),
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

    const securityPack = this.applySecurityPack(config);

    new TerraformOutput(this, "workspace_name", { value: ws.workspaceName });
    new TerraformOutput(this, "data_factory_name", { value: factory.name });
    new TerraformOutput(this, "compute_cluster_name", { value: cluster.name });
    new TerraformOutput(this, "input_datastore_name", { value: input.datastoreName });
    new TerraformOutput(this, "adf_pipeline_name", { value: pipeline.adfPipelineName });
    if (pipeline.batchEndpoint) {
      new TerraformOutput(this, "batch_endpoint_name", { value: pipeline.endpointName });
      new TerraformOutput(this, "batch_endpoint_scoring_uri", { value: pipeline.scoringUri });
      new TerraformOutput(this, "invoke_body_template", { value: pipeline.invokeBodyTemplate() });
    }
    new TerraformOutput(this, "start_run_command", {
      description: "Starts a run with a new data path (Azure CLI with the datafactory extension)",
      value: startRunCommand(n.resourceGroup, n.dataFactory, pipeline.adfPipelineName, config.data.inputDatastore, config.data.defaultRelativePath),
    });
    return { workspace: ws, inputData: input, outputData: output, cluster, factory, pipeline, securityPack };
  }
}
