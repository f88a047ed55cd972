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
const CONSTRUCTS: [string, Build, Record<string, unknown>][] = [
  ["MlWorkspace", (s, p) => new MlWorkspace(s, "c", p as never), { ...WORKSPACE_PROPS }],
  ["BlobDatastore", (s, p) => new BlobDatastore(s, "c", p as never), { workspaceId: ids.workspace("mlw"), storageAccountId: ids.storage("st"), containerName: "landing", datastoreName: "landing", preventDestroy: false }],
  ["ComputeCluster", (s, p) => new ComputeCluster(s, "c", p as never), { workspaceId: ids.workspace("mlw"), location: "westeurope", name: "cpu", maxNodes: 2, inputContainerIds: [ids.container("st", "in")] }],
  ["DataFactory", (s, p) => new DataFactory(s, "c", p as never), { name: "adf-demo", location: "westeurope", resourceGroupName: "rg-demo", workspace: { id: ids.workspace("mlw"), name: "mlw", resourceGroupName: "rg-demo" }, managedVirtualNetworkEnabled: true, managedPrivateEndpoints: [{ name: "aml", targetResourceId: ids.workspace("mlw"), subresourceName: "amlworkspace" }] }],
  ["PrivateEndpoints", (s, p) => new PrivateEndpoints(s, "c", p as never), { resourceGroupName: "rg-demo", location: "westeurope", subnetId: `${vnet}/subnets/pe`, virtualNetworkId: vnet, namePrefix: "demo", targets: { blob: { resourceId: ids.storage("st"), subresource: "blob" } } }],
  ["WorkspaceOutboundRules", (s, p) => new WorkspaceOutboundRules(s, "c", p as never), { workspaceId: ids.workspace("mlw"), privateEndpoints: [{ name: "q", serviceResourceId: ids.storage("st"), subResourceTarget: "queue" }] }],
  ["EnvironmentNetwork", (s, p) => new EnvironmentNetwork(s, "c", p as never), { name: "vnet-demo", resourceGroupName: "rg-demo", location: "westeurope", addressSpace: "10.1.0.0/24", subnetPrefix: "10.1.0.0/26" }],
  ["Diagnostics", (s, p) => new Diagnostics(s, "c", p as never), { logAnalyticsWorkspaceId: `${rg}/Microsoft.OperationalInsights/workspaces/log`, targets: { mlWorkspaceId: ids.workspace("mlw"), dataFactoryId: ids.factory("adf"), keyVaultId: ids.keyVault("kv"), storageAccountId: ids.storage("st") } }],
  ["SavedQueries", (s, p) => new SavedQueries(s, "c", p as never), { logAnalyticsWorkspaceId: `${rg}/Microsoft.OperationalInsights/workspaces/log` }],
  ["Alerts", (s, p) => new Alerts(s, "c", p as never), { namePrefix: "demo", resourceGroupName: "rg-demo", location: "westeurope", dataFactoryId: ids.factory("adf"), mlWorkspaceId: ids.workspace("mlw"), logAnalyticsWorkspaceId: `${rg}/Microsoft.OperationalInsights/workspaces/log`, emailReceivers: ["ops@example.com"] }],
  ["DatapathPipeline", (s, p) => new DatapathPipeline(s, "c", p as never), { ...pipelineProps() }],
];
const WRONG: unknown[] = [undefined, null, 42, "x", {}, [], [null]];

describe.each(CONSTRUCTS.map(([name, build, props]) => [name, build, props] as const))("%s with a wrong value in any prop", (_name, build, props) => {
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
      if (problems.length > 0) expect(() => Testing.synth(stack, true)).toThrow(/Validation failed/);
    }
    expect(crashes).toEqual([]);
  });
});
