import { Construct } from "constructs";
import { AzurermBackend, TerraformOutput, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { MlWorkspace } from "../lib/ml-workspace";
import { BlobDatastore } from "../lib/blob-datastore";
import { ComputeCluster } from "../lib/compute-cluster";
import { DataFactory } from "../lib/data-factory";
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

  constructor(scope: Construct, id: string, config: EnvironmentConfig, options: DatapathStackOptions = {}) {
    super(scope, id);
    this.config = config;
    this.names = deriveNames(String(config?.projectPrefix), String(config?.name), config?.nameSuffix ?? "");
    collectProblems(this, () => {
      const problems = validateEnvironmentConfig(this.node.path, config);
      reportProblems(this, problems);
      // Without the basic shape there is nothing sensible to build (the problems say why).
      if (problems.some((p) => ["config", "cluster", "protection", "data"].includes(p.property))) return;
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

    Object.assign(this, { workspace: ws, inputData: input, outputData: output, cluster, factory });

    new TerraformOutput(this, "workspace_name", { value: ws.workspaceName });
    new TerraformOutput(this, "data_factory_name", { value: factory.name });
    new TerraformOutput(this, "compute_cluster_name", { value: cluster.name });
    new TerraformOutput(this, "input_datastore_name", { value: input.datastoreName });
  }
}
