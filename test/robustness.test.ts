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
import { pipelineProps, platformIn } from "./pipeline-fixtures";

// Constructs no longer throw on bad props: they record every problem and go on building, so each
// must survive any wrong value (from untyped JSON config or JavaScript callers) without crashing.
const ids = armIds("5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f", "rg-demo");
const rg = `${ids.resourceGroup}/providers`;
const vnet = `${rg}/Microsoft.Network/virtualNetworks/vnet-demo`;

type Build = (scope: Construct, props: Record<string, unknown>) => unknown;
/** A prop that is a construct (a workspace, a cluster, ...): made in the scope under test by `withRefs`. */
type Ref = (scope: Construct) => unknown;
const ref = (make: Ref): Ref => make;
/** `props` with each construct made in `scope` (no wrong value is a function). */
const withRefs = (scope: Construct, props: Record<string, unknown>): never => Object.fromEntries(Object.entries(props).map(([k, v]) => [k, typeof v === "function" ? (v as Ref)(scope) : v])) as never;
const workspace = ref((s) => platformIn(s).workspace);
const WORKSPACE_ROLES = { team: { roleDefinitionIdOrName: "AzureML Data Scientist", principalId: "00000000-0000-0000-0000-0000000000ac", principalType: "Group", description: "the team" } };
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
      roleAssignments: WORKSPACE_ROLES,
      tags: { team: "ml" },
    },
    ["location", "resourceGroupName", "workspaceName", "storageAccountName", "keyVaultName", "logAnalyticsWorkspaceName", "applicationInsightsName"],
  ],
  [
    "MlWorkspace on existing dependencies",
    (s, p) => new MlWorkspace(s, "c", p as never),
    {
      location: "westeurope",
      resourceGroupName: "rg-demo",
      workspaceName: "mlw-demo",
      createResourceGroup: false,
      existingStorageAccountId: ids.storage("stdemo"),
      existingKeyVaultId: ids.keyVault("kv-demo"),
      existingApplicationInsightsId: `${rg}/Microsoft.Insights/components/appi-demo`,
      existingContainerRegistryId: `${rg}/Microsoft.ContainerRegistry/registries/crdemo01`,
      roleAssignments: WORKSPACE_ROLES,
    },
    ["location", "resourceGroupName", "workspaceName"],
  ],
  [
    "BlobDatastore",
    (s, p) => new BlobDatastore(s, "c", withRefs(s, p)),
    { workspace, storageAccountId: ids.storage("stdemo"), containerName: "landing", datastoreName: "landing", createContainer: true, grantWorkspaceRead: true, preventDestroy: false, roleAssignments: WORKSPACE_ROLES, description: "landing zone", tags: { team: "ml" } },
    ["workspace", "containerName", "datastoreName"],
  ],
  [
    "ComputeCluster",
    (s, p) => new ComputeCluster(s, "c", withRefs(s, p)),
    {
      workspace,
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
      inputContainerIds: [ids.container("stdemo", "in")],
      outputContainerIds: [ids.container("stdemo", "out")],
      roleAssignments: WORKSPACE_ROLES,
      tags: { team: "ml" },
    },
    ["workspace", "name"],
  ],
  [
    "DataFactory",
    (s, p) => new DataFactory(s, "c", withRefs(s, p)),
    {
      name: "adf-demo",
      location: "westeurope",
      resourceGroupName: "rg-demo",
      workspace,
      publicNetworkEnabled: false,
      managedVirtualNetworkEnabled: true,
      integrationRuntimeName: "ManagedVnetIR",
      managedPrivateEndpoints: [{ name: "aml", targetResourceId: ids.workspace("mlw"), subresourceName: "amlworkspace" }],
      authentication: { type: "ServicePrincipal", servicePrincipalId: "sp", tenantId: "tenant", keyVaultId: ids.keyVault("kv"), secretName: "sp-secret" },
      inputContainerIds: [ids.container("stdemo", "in")],
      outputContainerIds: [ids.container("stdemo", "out")],
      linkedServiceName: "AzureMLService",
      roleAssignments: WORKSPACE_ROLES,
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
      targets: { blob: { resourceId: ids.storage("stdemo"), subresource: "blob" }, vault: { resourceId: ids.keyVault("kv"), subresource: "vault" } },
      existingDnsZoneIds: { "privatelink.vaultcore.azure.net": `${rg}/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net` },
      tags: { team: "ml" },
    },
    ["resourceGroupName", "location", "subnetId", "virtualNetworkId", "namePrefix", "targets"],
  ],
  [
    "WorkspaceOutboundRules",
    (s, p) => new WorkspaceOutboundRules(s, "c", p as never),
    { workspaceId: ids.workspace("mlw"), fqdns: ["pypi.org"], privateEndpoints: [{ name: "q", serviceResourceId: ids.storage("stdemo"), subResourceTarget: "queue" }] },
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
    { logAnalyticsWorkspaceId: law, targets: { mlWorkspaceId: ids.workspace("mlw"), dataFactoryId: ids.factory("adf"), keyVaultId: ids.keyVault("kv"), storageAccountId: ids.storage("stdemo") }, settingName: "to-law", keyVaultCategoryGroup: "audit" },
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
    (s, p) => new DatapathPipeline(s, "c", withRefs(s, p)),
    {
      ...pipelineProps(),
      ...Object.fromEntries((["workspace", "cluster", "factory", "inputDatastore", "outputDatastore"] as const).map((k) => [k, ref((s) => platformIn(s)[k])])),
      grantRunAccess: true,
      allowedDatastores: ["archive"],
      blobEndpoint: "https://stdemo.blob.core.windows.net/",
      codeDatastoreName: "workspaceblobstore",
      deploymentName: "pipeline",
      workItems: { maxFilesPerItem: 100, maxBytesPerItem: 2 ** 20, maxFailedFiles: 0 },
      parallel: { instanceCount: 1, maxConcurrencyPerInstance: 2 },
      grantDeployerUpload: true,
      adfPipelineName: "run_datapath",
      maxConcurrentRuns: 2,
      scheduleTrigger: { frequency: "Day", interval: 1, relativePath: "parquet/daily" },
      tags: { team: "ml" },
    },
    ["name", "endpointName", "workspace", "cluster", "factory", "inputDatastore", "outputDatastore", "defaultRelativePath"],
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
