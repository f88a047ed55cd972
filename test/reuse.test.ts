import { TerraformStack, Testing } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ComputeCluster } from "../lib/platform/compute-cluster";
import { DataFactory } from "../lib/platform/data-factory";
import { BlobDatastore } from "../lib/platform/blob-datastore";
import { armIds } from "./azure-ids";
import { refTo, resourcesOf, single, synthJson } from "./helpers";

// Another team's stack: the workspace and its storage already exist (created elsewhere), this stack
// adds only a datastore, a cluster and a factory, wired by plain ids.
const ids = armIds("00000000-0000-0000-0000-0000000000aa", "rg-shared");
const WS = ids.workspace("mlw-shared");
const SA = ids.storage("stshared");

test("constructs work on their own, from existing ids, in another stack", () => {
  const stack = new TerraformStack(Testing.app(), "team-b");
  new AzurermProvider(stack, "azurerm", { features: [{}] });
  const data = new BlobDatastore(stack, "landing", {
    workspaceId: WS,
    storageAccountId: SA,
    containerName: "team-b-landing",
    datastoreName: "team_b_landing",
    preventDestroy: false,
  });
  new ComputeCluster(stack, "cluster", {
    workspaceId: WS,
    location: "northeurope",
    name: "team-b-cpu",
    maxNodes: 3,
    inputContainerIds: [data.containerId],
    outputContainerIds: [`${SA}/blobServices/default/containers/team-b-results`],
  });
  new DataFactory(stack, "factory", {
    name: "adf-team-b",
    location: "northeurope",
    resourceGroupName: "rg-team-b",
    workspace: { id: WS, name: "mlw-shared", resourceGroupName: "rg-shared" },
    inputContainerIds: [data.containerId],
  });
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
