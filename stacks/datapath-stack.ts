import { Construct } from "constructs";
import { AzurermBackend, TerraformOutput, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { MlWorkspace } from "../lib/ml-workspace";
import { BlobDatastore } from "../lib/blob-datastore";
import { ComputeCluster } from "../lib/compute-cluster";
import { DataFactory } from "../lib/data-factory";
import { DatapathPipeline } from "../lib/datapath-pipeline";
import { AzapiProvider } from "../lib/azapi";
import { deriveNames, DerivedNames } from "../lib/naming";
import { collectProblems, reportProblems } from "../lib/validation";
import { EnvironmentConfig, validateEnvironmentConfig } from "./config";

export interface DatapathStackOptions {
  /**
   * Configure the azurerm remote-state backend from `config.backend`.
   * @default true when `config.backend` is set
   */
  readonly useBackend?: boolean;
}

/** State key of an environment inside the shared state container. */
export function stateKey(env: string): string {
  return `aml-datapath/${env}.tfstate`;
}

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
  readonly workspace!: MlWorkspace;
  readonly inputData!: BlobDatastore;
  readonly outputData!: BlobDatastore;
  readonly cluster!: ComputeCluster;
  readonly factory!: DataFactory;
  readonly pipeline!: DatapathPipeline;

  constructor(scope: Construct, id: string, config: EnvironmentConfig, options: DatapathStackOptions = {}) {
    super(scope, id);
    this.config = config;
    this.names = deriveNames(String(config?.projectPrefix), String(config?.name), config?.nameSuffix ?? "");
    collectProblems(this, () => {
      const problems = validateEnvironmentConfig(this.node.path, config);
      reportProblems(this, problems);
      // Without the basic shape there is nothing sensible to build (the problems say why).
      if (problems.some((p) => ["config", "cluster", "protection", "data", "pipeline"].includes(p.property))) return;
      this.build(config, options);
    });
  }

  private build(config: EnvironmentConfig, options: DatapathStackOptions): void {
    const n = this.names;
    const tags = { ...(config.tags ?? {}), environment: config.name, project: config.projectPrefix };

    new AzurermProvider(this, "azurerm", {
      subscriptionId: config.subscriptionId,
      // Containers and blobs are created with Entra ID, not account keys.
      storageUseAzuread: true,
      features: [
        {
          keyVault: [{ purgeSoftDeleteOnDestroy: false }],
          machineLearning: [{ purgeSoftDeletedWorkspaceOnDestroy: false }],
          resourceGroup: [{ preventDeletionIfContainsResources: true }],
        },
      ],
    });

    // AML code, environments, components and batch endpoints exist only in the ARM API.
    new AzapiProvider(this, "azapi", { subscriptionId: config.subscriptionId });

    if (config.backend && (options.useBackend ?? true)) {
      new AzurermBackend(this, {
        resourceGroupName: config.backend.resourceGroupName,
        storageAccountName: config.backend.storageAccountName,
        containerName: config.backend.containerName,
        key: stateKey(config.name),
        useAzureadAuth: true,
      });
    }

    const protect = config.protection;
    const ws = new MlWorkspace(this, "workspace", {
      location: config.location,
      resourceGroupName: n.resourceGroup,
      workspaceName: n.mlWorkspace,
      storageAccountName: n.storageAccount,
      keyVaultName: n.keyVault,
      logAnalyticsWorkspaceName: n.logAnalyticsWorkspace,
      applicationInsightsName: n.applicationInsights,
      publicNetworkAccessEnabled: config.publicNetworkAccess,
      purgeProtectionEnabled: protect.purgeProtection,
      preventDestroy: protect.preventDestroy,
      blobSoftDeleteRetentionDays: protect.blobSoftDeleteRetentionDays,
      storageReplicationType: config.storageReplicationType,
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
      inputContainerIds: [input.containerId],
      outputContainerIds: [output.containerId],
      tags,
    });

    const factory = new DataFactory(this, "factory", {
      name: n.dataFactory,
      location: config.location,
      resourceGroupName: ws.resourceGroupName,
      workspace: { id: ws.workspaceId, name: n.mlWorkspace, resourceGroupName: n.resourceGroup },
      publicNetworkEnabled: config.publicNetworkAccess,
      authentication: config.dataFactoryAuthentication,
      inputContainerIds: [input.containerId],
      tags,
    });

    const p = config.pipeline;
    const pipeline = new DatapathPipeline(this, "pipeline", {
      name: p.name,
      endpointName: n.batchEndpoint,
      workspaceId: ws.workspaceId,
      location: config.location,
      computeClusterName: n.computeCluster,
      computeMaxNodes: config.cluster.maxNodes,
      computePrincipalId: cluster.principalId,
      workspacePrincipalId: ws.workspacePrincipalId,
      storageAccountId: ws.storageAccountId,
      storageAccountName: n.storageAccount,
      blobEndpoint: ws.storageAccount.primaryBlobEndpoint,
      dataFactoryId: factory.id,
      dataFactoryPrincipalId: factory.principalId,
      linkedServiceName: factory.linkedService.name,
      inputDatastoreName: config.data.inputDatastore,
      outputDatastoreName: config.data.outputDatastore,
      outputContainerId: output.containerId,
      defaultRelativePath: config.data.defaultRelativePath,
      invocation: p.invocation,
      parallel: p.parallel,
      scheduleTrigger: p.schedule,
      blobTrigger: p.blobTrigger && {
        storageAccountId: ws.storageAccountId,
        containerName: config.data.inputContainer,
        pathPrefix: p.blobTrigger.pathPrefix,
        markerFileName: p.blobTrigger.markerFileName,
      },
      tags,
    });

    Object.assign(this, { workspace: ws, inputData: input, outputData: output, cluster, factory, pipeline });

    new TerraformOutput(this, "workspace_name", { value: ws.workspaceName });
    new TerraformOutput(this, "data_factory_name", { value: factory.name });
    new TerraformOutput(this, "compute_cluster_name", { value: cluster.name });
    new TerraformOutput(this, "input_datastore_name", { value: input.datastoreName });
    new TerraformOutput(this, "adf_pipeline_name", { value: pipeline.adfPipelineName });
    new TerraformOutput(this, "batch_endpoint_name", { value: pipeline.endpointName });
    new TerraformOutput(this, "batch_endpoint_scoring_uri", { value: pipeline.scoringUri });
    new TerraformOutput(this, "invoke_body_template", { value: pipeline.invokeBodyTemplate() });
    new TerraformOutput(this, "start_run_command", {
      description: "Starts a run with a new data path (Azure CLI with the datafactory extension)",
      value: startRunCommand(n.resourceGroup, n.dataFactory, pipeline.adfPipeline.name, config.data.inputDatastore, config.data.defaultRelativePath),
    });
  }
}
