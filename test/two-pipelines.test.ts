import * as fs from "fs";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { DatapathPipeline } from "../lib/pipeline/datapath-pipeline";
import { adfPipelineOf, resourcesOf, shared, synthJson, TfJson } from "./helpers";
import { ComputeCluster } from "../lib/platform/compute-cluster";
import { CLUSTER, copyOfPipelineDir, platformIn } from "./pipeline-fixtures";

// Another team adds two pipelines, with their own step code and data paths, to an existing workspace
// and factory (referenced with fromAttributes) in a stack of its own.
describe("two pipelines in one stack", () => {
  const built = shared(() => {
    const otherCode = copyOfPipelineDir();
    fs.appendFileSync(path.join(otherCode, "process.py"), "\n# team B's variant\n");
    const stack = new TerraformStack(Testing.app(), "team-b");
    const platform = platformIn(stack);
    const offers = new DatapathPipeline(stack, "offers", { ...platform, name: "offers", endpointName: "ep-offers", defaultRelativePath: "parquet/offerpath2" });
    const clicks = new DatapathPipeline(stack, "clicks", {
      ...platform,
      name: "clicks",
      endpointName: "ep-clicks",
      defaultRelativePath: "events/clicks",
      processStep: { directory: otherCode, script: "process.py" },
    });
    const json = synthJson(stack);
    fs.rmSync(otherCode, { recursive: true, force: true });
    return { offers, clicks, json };
  });

  const all = (j: TfJson) => Object.entries(j.resource).flatMap(([type, rs]) => Object.entries(rs).map(([id, r]) => ({ type, id, r })));

  test("no Terraform address and no Azure name is used twice", () => {
    const addresses = all(built().json).map((x) => `${x.type}.${x.id}`);
    expect(new Set(addresses).size).toBe(addresses.length);
    // Azure identity of a resource: its type, its parent and its name.
    const azureNames = all(built().json)
      .filter((x) => x.r.name !== undefined && x.type !== "azurerm_role_assignment")
      .map((x) => `${x.type}|${String(x.r.type ?? "")}|${String(x.r.parent_id ?? x.r.data_factory_id ?? x.r.storage_account_id ?? x.r.storage_container_name ?? "")}|${String(x.r.name)}`);
    expect(new Set(azureNames).size).toBe(azureNames.length);
    // Azure rejects a second assignment of the same role to the same principal on the same scope.
    const grants = Object.values(resourcesOf(built().json, "azurerm_role_assignment")).map((r) => `${r.role_definition_name}|${r.principal_id}|${r.scope}`);
    expect(grants.length).toBeGreaterThan(0);
    expect(new Set(grants).size).toBe(grants.length);
    // Both upload into the workspace's default datastore, under their own folders.
    const blobs = Object.values(resourcesOf(built().json, "azurerm_storage_blob")).map((b) => String(b.name).split("/").slice(2).join("/"));
    expect(blobs.sort()).toEqual([
      "clicks-check/check_results.py",
      "clicks-prepare/prepare.py",
      "clicks-process/process.py",
      "offers-check/check_results.py",
      "offers-prepare/prepare.py",
      "offers-process/process.py",
    ]);
  });

  test("one code store per workspace: one datastore read, one upload grant and wait, one read grant per identity", () => {
    expect(Object.keys((built().json.data as Record<string, object>).azapi_resource)).toHaveLength(1);
    const grants = Object.keys(resourcesOf(built().json, "azurerm_role_assignment")).map((id) => id.replace(/_[0-9A-F]{8}$/, ""));
    expect(grants.filter((id) => id.includes("code-access")).sort()).toEqual(["offers_code-access_compute-reader", "offers_code-access_deployer-upload"]);
    // The run access both pipelines ask for is granted once.
    expect(grants.filter((id) => !id.includes("code-access"))).toHaveLength(5);
    expect(Object.keys(resourcesOf(built().json, "time_sleep"))).toHaveLength(1);
    for (const b of Object.values(resourcesOf(built().json, "azurerm_storage_blob"))) expect(b.depends_on).toEqual([expect.stringMatching(/^time_sleep\.offers_code-access_/)]);
  });

  test("a second pipeline running as another identity gets its own read grant", () => {
    const other = new TerraformStack(Testing.app(), "other");
    const platform = platformIn(other);
    const gpu = ComputeCluster.fromAttributes(other, "gpu", { clusterId: CLUSTER.replace(/cpu-demo$/, "gpu-demo"), principalId: "33333333-3333-3333-3333-333333333333" });
    new DatapathPipeline(other, "a", { ...platform, name: "a_one", endpointName: "ep-a", defaultRelativePath: "x", grantRunAccess: false });
    new DatapathPipeline(other, "b", { ...platform, name: "b_two", endpointName: "ep-b", defaultRelativePath: "x", grantRunAccess: false, cluster: gpu });
    const grants = Object.values(resourcesOf(synthJson(other), "azurerm_role_assignment")).map((r) => `${r.role_definition_name}|${r.principal_id}`);
    expect(grants.sort()).toEqual([
      expect.stringMatching(/^Storage Blob Data Contributor\|\$\{data\.azurerm_client_config\.a_code-access_deployer_[0-9A-F]{8}\.object_id\}$/),
      "Storage Blob Data Reader|11111111-1111-1111-1111-111111111111",
      "Storage Blob Data Reader|33333333-3333-3333-3333-333333333333",
    ]);
  });

  test("each ADF pipeline has its own name, default data path and endpoint", () => {
    const pipelines = [0, 1].map((i) => adfPipelineOf(built().json, i));
    const relativePath = (r: Record<string, unknown>) => (r.body as { properties: { parameters: Record<string, { defaultValue: string }> } }).properties.parameters.relative_path.defaultValue;
    expect(pipelines.map((p) => [p.resource.name, relativePath(p.resource)]).sort()).toEqual([
      ["clicks", "events/clicks"],
      ["offers", "parquet/offerpath2"],
    ]);
    const endpointOf = (name: string) =>
      Object.entries(resourcesOf(built().json, "azapi_resource")).find(([, r]) => r.name === name && String(r.type).includes("batchEndpoints@"))![0];
    for (const p of pipelines) {
      const url = (p.activities[1].typeProperties as { url: string }).url;
      expect(url).toBe(`\${azapi_resource.${endpointOf(`ep-${p.resource.name}`)}.output.properties.scoringUri}`);
    }
  });

  test("a pipeline whose workspace's code access is granted elsewhere makes no upload grant", () => {
    const shared = new TerraformStack(Testing.app(), "shared");
    new DatapathPipeline(shared, "one", { ...platformIn(shared), name: "one", endpointName: "ep-one", defaultRelativePath: "x", grantDeployerUpload: false, grantRunAccess: false });
    const j = synthJson(shared);
    expect(Object.keys(resourcesOf(j, "azurerm_role_assignment")).map((id) => id.replace(/_[0-9A-F]{8}$/, ""))).toEqual(["one_code-access_compute-reader"]);
    expect(resourcesOf(j, "time_sleep")).toEqual({});
  });

  test("different step code gives different process code versions; the shared prepare code is the same content", () => {
    expect(built().clicks.assets!.processCode.versionName).not.toBe(built().offers.assets!.processCode.versionName);
    expect(built().clicks.assets!.prepareCode.versionName).toBe(built().offers.assets!.prepareCode.versionName);
    expect(built().clicks.assets!.processComponent.versionName).not.toBe(built().offers.assets!.processComponent.versionName);
  });
});
