import * as fs from "fs";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { DatapathPipeline } from "../lib/datapath-pipeline";
import { resourcesOf, synthJson, TfJson } from "./helpers";
import { copyOfPipelineDir, platform } from "./pipeline-fixtures";

// Another team adds two pipelines, with their own step code and data paths, to an existing workspace
// and factory (referenced by id) in a stack of its own.
describe("two pipelines in one stack", () => {
  const otherCode = copyOfPipelineDir();
  fs.appendFileSync(path.join(otherCode, "process.py"), "\n# team B's variant\n");
  const stack = new TerraformStack(Testing.app(), "team-b");
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

  const all = (j: TfJson) => Object.entries(j.resource).flatMap(([type, rs]) => Object.entries(rs).map(([id, r]) => ({ type, id, r })));

  test("no Terraform address and no Azure name is used twice", () => {
    const addresses = all(json).map((x) => `${x.type}.${x.id}`);
    expect(new Set(addresses).size).toBe(addresses.length);
    // Azure identity of a resource: its type, its parent and its name.
    const azureNames = all(json)
      .filter((x) => x.r.name !== undefined && x.type !== "azurerm_role_assignment")
      .map((x) => `${x.type}|${String(x.r.type ?? "")}|${String(x.r.parent_id ?? x.r.data_factory_id ?? x.r.storage_account_id ?? x.r.storage_container_name ?? "")}|${String(x.r.name)}`);
    expect(new Set(azureNames).size).toBe(azureNames.length);
    // Azure rejects a second assignment of the same role to the same principal on the same scope.
    const grants = Object.values(resourcesOf(json, "azurerm_role_assignment")).map((r) => `${r.role_definition_name}|${r.principal_id}|${r.scope}`);
    expect(grants.length).toBeGreaterThan(0);
    expect(new Set(grants).size).toBe(grants.length);
    expect(Object.values(resourcesOf(json, "azurerm_storage_container")).map((c) => c.name).sort()).toEqual(["clicks-code", "offers-code"]);
  });

  test("each ADF pipeline has its own name, default data path and endpoint", () => {
    const pipelines = Object.entries(resourcesOf(json, "azurerm_data_factory_pipeline")).map(([id, r]) => ({ id, r }));
    expect(pipelines.map((p) => [p.r.name, (p.r.parameters as Record<string, string>).relative_path]).sort()).toEqual([
      ["clicks", "events/clicks"],
      ["offers", "parquet/offerpath2"],
    ]);
    const endpointOf = (name: string) =>
      Object.entries(resourcesOf(json, "azapi_resource")).find(([, r]) => r.name === name && String(r.type).includes("batchEndpoints@"))![0];
    for (const p of pipelines) {
      const url = JSON.parse(String(p.r.activities_json))[1].typeProperties.url;
      expect(url).toBe(`\${azapi_resource.${endpointOf(`ep-${p.r.name}`)}.output.properties.scoringUri}`);
    }
  });

  test("pipelines sharing one existing code container make no grants of their own", () => {
    const shared = new TerraformStack(Testing.app(), "shared");
    for (const name of ["one", "two"]) {
      new DatapathPipeline(shared, name, { ...platform, name, endpointName: `ep-${name}`, defaultRelativePath: "x", codeContainerName: "shared-code", createCodeContainer: false });
    }
    const j = synthJson(shared);
    expect(resourcesOf(j, "azurerm_role_assignment")).toEqual({});
    expect(resourcesOf(j, "azurerm_storage_container")).toEqual({});
    const blobNames = Object.values(resourcesOf(j, "azurerm_storage_blob")).map((b) => `${b.storage_container_name}/${b.name}`);
    expect(new Set(blobNames).size).toBe(4);
  });

  test("different step code gives different process code versions; the shared prepare code is the same content", () => {
    expect(clicks.processCode.versionName).not.toBe(offers.processCode.versionName);
    expect(clicks.prepareCode.versionName).toBe(offers.prepareCode.versionName);
    expect(clicks.processComponent.versionName).not.toBe(offers.processComponent.versionName);
  });
});
