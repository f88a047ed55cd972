import { TerraformStack, Testing } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ComputeCluster } from "../lib/platform/compute-cluster";
import { DataFactory } from "../lib/platform/data-factory";
import { BlobDatastore } from "../lib/platform/blob-datastore";
import { MlWorkspace } from "../lib/platform/ml-workspace";
import { armIds } from "./azure-ids";
import { refTo, resourcesOf, single, synthJson } from "./helpers";

// Another team's stack: the workspace and its storage already exist (created elsewhere, referenced
// with MlWorkspace.fromAttributes); this stack adds only a datastore, a cluster and a factory.
const ids = armIds("00000000-0000-0000-0000-0000000000aa", "rg-shared");
const WS = ids.workspace("mlw-shared");
const SA = ids.storage("stshared");

test("constructs work on their own, from existing ids, in another stack", () => {
  const stack = new TerraformStack(Testing.app(), "team-b");
  new AzurermProvider(stack, "azurerm", { features: [{}] });
  const workspace = MlWorkspace.fromAttributes(stack, "workspace", { workspaceId: WS, location: "northeurope", storageAccountId: SA });
  const data = new BlobDatastore(stack, "landing", { workspace, containerName: "team-b-landing", datastoreName: "team_b_landing", preventDestroy: false });
  const results = BlobDatastore.fromAttributes(stack, "results", { datastoreName: "team_b_results", storageAccountId: SA, containerName: "team-b-results" });
  const cluster = new ComputeCluster(stack, "cluster", { workspace, name: "team-b-cpu", maxNodes: 3 });
  data.grantRead(cluster);
  results.grantReadWrite(cluster);
  const factory = new DataFactory(stack, "factory", { name: "adf-team-b", location: "northeurope", resourceGroupName: "rg-team-b", workspace });
  data.grantRead(factory);
  const json = synthJson(stack);

  // Nothing of the platform is re-created.
  for (const t of ["azurerm_machine_learning_workspace", "azurerm_storage_account", "azurerm_key_vault", "azurerm_resource_group"]) {
    expect(resourcesOf(json, t)).toEqual({});
  }
  expect(single(json, "azurerm_machine_learning_compute_cluster").machine_learning_workspace_id).toBe(WS);
  expect(single(json, "azurerm_machine_learning_datastore_blobstorage").workspace_id).toBe(WS);
  expect(single(json, "azurerm_storage_container").storage_account_id).toBe(SA);
  const scientist = Object.values(resourcesOf(json, "azurerm_role_assignment")).find((r) => r.role_definition_name === "AzureML Data Scientist");
  expect(scientist?.scope).toBe(WS);
  const writer = Object.values(resourcesOf(json, "azurerm_role_assignment")).find((r) => r.role_definition_name === "Storage Blob Data Contributor");
  expect(writer).toMatchObject({ scope: `${SA}/blobServices/default/containers/team-b-results`, principal_id: refTo(json, "azurerm_machine_learning_compute_cluster", "identity[0].principal_id") });
});

describe("providers the constructs need", () => {
  const { TerraformStack, Testing } = require("cdktf") as typeof import("cdktf");
  const { AzapiProvider } = require("../lib/core/azapi") as typeof import("../lib/core/azapi");
  const { DatapathPipeline } = require("../lib/pipeline/datapath-pipeline") as typeof import("../lib/pipeline/datapath-pipeline");
  const { pipelineProps } = require("./pipeline-fixtures") as typeof import("./pipeline-fixtures");
  const { AzurermProvider } = require("@cdktf/provider-azurerm/lib/provider") as typeof import("@cdktf/provider-azurerm/lib/provider");

  test("a stack's own provider, created first, is used: no second one", () => {
    const stack = new TerraformStack(Testing.app(), "own");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    new AzapiProvider(stack, "azapi", { subscriptionId: "5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f" });
    new DatapathPipeline(stack, "p", pipelineProps());
    const json = JSON.parse(Testing.synth(stack, true));
    expect(json.provider.azapi).toEqual([{ subscription_id: "5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f" }]);
  });

  test("a provider added after the construct is reported with what to do, not left for Terraform to reject", () => {
    const stack = new TerraformStack(Testing.app(), "late");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    new DatapathPipeline(stack, "p", pipelineProps());
    new AzapiProvider(stack, "azapi", { subscriptionId: "5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f" });
    expect(() => Testing.synth(stack, true)).toThrow(/2 default azapi providers .*create your own azapi provider before the first aml-datapath construct/);
  });
});

describe("bad props in another team's app", () => {
  const fs = require("fs") as typeof import("fs");
  const os = require("os") as typeof import("os");
  const path = require("path") as typeof import("path");
  const { App } = require("cdktf") as typeof import("cdktf");
  const { synthToDisk } = require("../stacks/app") as typeof import("../stacks/app");

  const teamB = (app: InstanceType<typeof App>, id: string, maxNodes: number) => {
    const stack = new TerraformStack(app, id);
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    new ComputeCluster(stack, "cluster", { workspace: MlWorkspace.fromAttributes(stack, "workspace", { workspaceId: WS, location: "northeurope", storageAccountId: SA }), name: "team-b-cpu", maxNodes });
  };

  test("a plain app.synth() fails with the construct's problem before the stack is written", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "reuse-bad-"));
    try {
      const app = new App({ outdir });
      teamB(app, "team-b", 0);
      expect(() => app.synth()).toThrow(/team-b\/cluster: maxNodes 0 must be an integer from 1 to 1000/);
      // Not even the empty stacks/ folder cdktf makes when the App is constructed is left behind.
      expect(fs.existsSync(path.join(outdir, "stacks"))).toBe(false);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("a plain app.synth() with a good stack before a bad one writes neither, and lists every stack's problems", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "reuse-bad-"));
    try {
      const app = new App({ outdir });
      teamB(app, "good", 2);
      teamB(app, "bad-a", 0);
      teamB(app, "bad-b", 5000);
      expect(() => app.synth()).toThrow(/Invalid configuration \(2 problems\):\n  - bad-a\/cluster: maxNodes 0 .*\n  - bad-b\/cluster: maxNodes 5000 /);
      expect(fs.existsSync(outdir)).toBe(false);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  test("synthToDisk lists every stack's problems at once and writes nothing", () => {
    const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "reuse-bad-")), "out");
    const outcome = synthToDisk((app) => {
      teamB(app, "good", 2);
      teamB(app, "bad-a", 0);
      teamB(app, "bad-b", 5000);
    }, outdir);
    expect(outcome).toEqual({
      ok: false,
      message: [
        "Invalid configuration (2 problems):",
        "  - bad-a/cluster: maxNodes 0 must be an integer from 1 to 1000",
        "  - bad-b/cluster: maxNodes 5000 must be an integer from 1 to 1000",
      ].join("\n"),
    });
    expect(fs.existsSync(outdir)).toBe(false);
    fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
  });
});
