import { Construct } from "constructs";
import { Testing } from "cdktf";
import { Alerts } from "../lib/platform/alerts";
import { BlobDatastore } from "../lib/platform/blob-datastore";
import { ComputeCluster } from "../lib/platform/compute-cluster";
import { DataFactory } from "../lib/platform/data-factory";
import { Diagnostics } from "../lib/platform/diagnostics";
import { MlWorkspace } from "../lib/platform/ml-workspace";
import { PrivateEndpoints } from "../lib/platform/private-endpoints";
import { SavedQueries } from "../lib/platform/saved-queries";
import { EnvironmentNetwork } from "../lib/platform/virtual-network";
import { WorkspaceOutboundRules } from "../lib/platform/workspace-outbound-rules";
import { DatapathPipeline } from "../lib/pipeline/datapath-pipeline";
import { ConfigValidationError, problemsIn } from "../lib/core/validation";
import { armIds } from "./azure-ids";
import { bareStack, WORKSPACE_PROPS } from "./helpers";
import { pipelineProps } from "./pipeline-fixtures";

// Constructs no longer throw on bad props: they record every problem and go on building, so each
// must survive any wrong value (from untyped JSON config or JavaScript callers) without crashing.
const ids = armIds("5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f", "rg-demo");
const rg = `${ids.resourceGroup}/providers`;
const vnet = `${rg}/Microsoft.Network/virtualNetworks/vnet-demo`;

type Build = (scope: Construct, props: Record<string, unknown>) => unknown;
// [name, build, props with every optional prop set, the required ones]
const law = `${rg}/Microsoft.OperationalInsights/workspaces/log`;
const CONSTRUCTS: [string, Build, Record<string, unknown>, string[]][] = [
  [
    "MlWorkspace",
    (s, p) => new MlWorkspace(s, "c", p as never),
    {
      ...WORKSPACE_PROPS,
      createResourceGroup: true,
      containerRegistry: { name: "crdemo01", sku: "Premium", zoneRedundancyEnabled: false, dataEndpointEnabled: true, exportPolicyEnabled: false, untaggedManifestRetentionDays: 7 },
      publicNetworkAccessEnabled: false,
      storageIpAllowList: ["203.0.113.0/28"],
      isolationMode: "AllowOnlyApprovedOutbound",
      provisionManagedNetworkOnCreation: true,
      imageBuildComputeName: "cpu",
      purgeProtectionEnabled: true,
      keyVaultSoftDeleteRetentionDays: 30,
      blobSoftDeleteRetentionDays: 7,
      preventDestroy: false,
      sharedAccessKeyEnabled: true,
      storageReplicationType: "ZRS",
      logRetentionDays: 90,
      highBusinessImpact: true,
      tenantId: "5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f",
      tags: { team: "ml" },
    },
    ["location", "resourceGroupName", "workspaceName", "storageAccountName", "keyVaultName", "logAnalyticsWorkspaceName", "applicationInsightsName"],
  ],
  [
    "BlobDatastore",
    (s, p) => new BlobDatastore(s, "c", p as never),
    { workspaceId: ids.workspace("mlw"), storageAccountId: ids.storage("st"), containerName: "landing", datastoreName: "landing", createContainer: true, workspacePrincipalId: "00000000-0000-0000-0000-0000000000ab", preventDestroy: false, description: "landing zone", tags: { team: "ml" } },
    ["workspaceId", "storageAccountId", "containerName", "datastoreName"],
  ],
  [
    "ComputeCluster",
    (s, p) => new ComputeCluster(s, "c", p as never),
    {
      workspaceId: ids.workspace("mlw"),
      location: "westeurope",
      name: "cpu",
      vmSize: "Standard_DS3_v2",
      allowUnlistedVmSize: false,
      vmPriority: "LowPriority",
      minNodes: 0,
      maxNodes: 2,
      idleSecondsBeforeScaleDown: 300,
      subnetResourceId: `${vnet}/subnets/compute`,
      inManagedNetwork: false,
      userAssignedIdentityIds: [`${rg}/Microsoft.ManagedIdentity/userAssignedIdentities/id-ml`],
      principalId: "00000000-0000-0000-0000-0000000000ab",
      inputContainerIds: [ids.container("st", "in")],
      outputContainerIds: [ids.container("st", "out")],
      tags: { team: "ml" },
    },
    ["workspaceId", "location", "name"],
  ],
  [
    "DataFactory",
    (s, p) => new DataFactory(s, "c", p as never),
    {
      name: "adf-demo",
      location: "westeurope",
      resourceGroupName: "rg-demo",
      workspace: { id: ids.workspace("mlw"), name: "mlw", resourceGroupName: "rg-demo" },
      publicNetworkEnabled: false,
      managedVirtualNetworkEnabled: true,
      integrationRuntimeName: "ManagedVnetIR",
      managedPrivateEndpoints: [{ name: "aml", targetResourceId: ids.workspace("mlw"), subresourceName: "amlworkspace" }],
      authentication: { type: "ServicePrincipal", servicePrincipalId: "sp", tenantId: "tenant", keyVaultId: ids.keyVault("kv"), secretName: "sp-secret" },
      inputContainerIds: [ids.container("st", "in")],
      outputContainerIds: [ids.container("st", "out")],
      linkedServiceName: "AzureMLService",
      tags: { team: "ml" },
    },
    ["name", "location", "resourceGroupName", "workspace"],
  ],
  [
    "PrivateEndpoints",
    (s, p) => new PrivateEndpoints(s, "c", p as never),
    {
      resourceGroupName: "rg-demo",
      location: "westeurope",
      subnetId: `${vnet}/subnets/pe`,
      virtualNetworkId: vnet,
      namePrefix: "demo",
      targets: { blob: { resourceId: ids.storage("st"), subresource: "blob" }, vault: { resourceId: ids.keyVault("kv"), subresource: "vault" } },
      existingDnsZoneIds: { "privatelink.vaultcore.azure.net": `${rg}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net` },
      tags: { team: "ml" },
    },
    ["resourceGroupName", "location", "subnetId", "virtualNetworkId", "namePrefix", "targets"],
  ],
  [
    "WorkspaceOutboundRules",
    (s, p) => new WorkspaceOutboundRules(s, "c", p as never),
    { workspaceId: ids.workspace("mlw"), fqdns: ["pypi.org"], privateEndpoints: [{ name: "q", serviceResourceId: ids.storage("st"), subResourceTarget: "queue" }] },
    ["workspaceId"],
  ],
  [
    "EnvironmentNetwork",
    (s, p) => new EnvironmentNetwork(s, "c", p as never),
    { name: "vnet-demo", resourceGroupName: "rg-demo", location: "westeurope", addressSpace: "10.1.0.0/24", subnetPrefix: "10.1.0.0/26", subnetName: "snet-pe", tags: { team: "ml" } },
    ["name", "resourceGroupName", "location", "addressSpace", "subnetPrefix"],
  ],
  [
    "Diagnostics",
    (s, p) => new Diagnostics(s, "c", p as never),
    { logAnalyticsWorkspaceId: law, targets: { mlWorkspaceId: ids.workspace("mlw"), dataFactoryId: ids.factory("adf"), keyVaultId: ids.keyVault("kv"), storageAccountId: ids.storage("st") }, settingName: "to-law", keyVaultCategoryGroup: "audit" },
    ["logAnalyticsWorkspaceId", "targets"],
  ],
  ["SavedQueries", (s, p) => new SavedQueries(s, "c", p as never), { logAnalyticsWorkspaceId: law, category: "AML data path", namePrefix: "datapath" }, ["logAnalyticsWorkspaceId"]],
  [
    "Alerts",
    (s, p) => new Alerts(s, "c", p as never),
    { namePrefix: "demo", resourceGroupName: "rg-demo", location: "westeurope", dataFactoryId: ids.factory("adf"), mlWorkspaceId: ids.workspace("mlw"), logAnalyticsWorkspaceId: law, emailReceivers: ["ops@example.com"], actionGroupShortName: "demo", tags: { team: "ml" } },
    ["namePrefix", "resourceGroupName", "location", "dataFactoryId", "mlWorkspaceId", "logAnalyticsWorkspaceId"],
  ],
  [
    "DatapathPipeline",
    (s, p) => new DatapathPipeline(s, "c", p as never),
    {
      ...pipelineProps(),
      deploymentName: "pipeline",
      workItems: { maxFilesPerItem: 100, maxBytesPerItem: 2 ** 20, maxFailedFiles: 0 },
      parallel: { instanceCount: 1, maxConcurrencyPerInstance: 2 },
      grantDeployerUpload: true,
      adfPipelineName: "run_datapath",
      maxConcurrentRuns: 2,
      scheduleTrigger: { frequency: "Day", interval: 1, relativePath: "parquet/daily" },
      tags: { team: "ml" },
    },
    ["name", "endpointName", "workspaceId", "location", "computeClusterName", "storageAccountId", "storageAccountName", "dataFactoryId", "linkedServiceName", "inputDatastoreName", "outputDatastoreName", "defaultRelativePath"],
  ],
];
const WRONG: unknown[] = [undefined, null, 42, "x", "", "toString", {}, [], [null]];
/** Values no required prop accepts. */
const MISSING: unknown[] = [undefined, null, {}];

describe.each(CONSTRUCTS.map(([name, build, props, required]) => [name, build, props, required] as const))("%s with a wrong value in any prop", (_name, build, props, required) => {
  test("the valid props build without problems", () => {
    const stack = bareStack();
    build(stack, props);
    expect(problemsIn(stack)).toEqual([]);
  });

  test.each(Object.keys(props))("%s: never crashes; what it reports fails the synth with the construct's path", (key) => {
    const crashes: string[] = [];
    for (const value of WRONG) {
      const stack = bareStack();
      try {
        build(stack, { ...props, [key]: value });
      } catch (e) {
        // Throwing our own error is allowed (e.g. a provider clash); a crash is not.
        if (!(e instanceof ConfigValidationError)) crashes.push(`${JSON.stringify(value)}: ${String(e)}`);
        continue;
      }
      const problems = problemsIn(stack);
      for (const p of problems) expect(p.path).toBe("test/c");
      if (required.includes(key) && MISSING.includes(value) && problems.length === 0) crashes.push(`${JSON.stringify(value)}: accepted without a problem`);
      // Reported problems fail the synth with our message; an accepted value synthesizes.
      if (problems.length > 0) expect(() => Testing.synth(stack)).toThrow(ConfigValidationError);
      else {
        try {
          Testing.synth(stack);
        } catch (e) {
          crashes.push(`${JSON.stringify(value)}: accepted, then synth failed: ${String(e).slice(0, 200)}`);
        }
      }
    }
    expect(crashes).toEqual([]);
  });
});
