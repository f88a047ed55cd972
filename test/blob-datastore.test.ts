import { BlobDatastore } from "../lib/platform/blob-datastore";
import { armIds } from "./azure-ids";
import { bareStack, problemsOf, refTo, resourcesOf, single, synthJson } from "./helpers";

const ids = armIds("00000000-0000-0000-0000-000000000000", "rg");
const SA = ids.storage("stdemo");
const WS = ids.workspace("mlw");

describe("BlobDatastore", () => {
  test("creates a private container and an identity-based datastore with no key or SAS", () => {
    const stack = bareStack();
    const ds = new BlobDatastore(stack, "input", {
      workspaceId: WS,
      storageAccountId: SA,
      containerName: "input-data",
      datastoreName: "input_data",
      workspacePrincipalId: "11111111-1111-1111-1111-111111111111",
    });
    const json = synthJson(stack);
    const container = single(json, "azurerm_storage_container");
    expect(container).toMatchObject({
      name: "input-data",
      storage_account_id: SA,
      container_access_type: "private",
      lifecycle: { prevent_destroy: true },
    });
    const store = single(json, "azurerm_machine_learning_datastore_blobstorage");
    expect(store).toMatchObject({
      name: "input_data",
      workspace_id: WS,
      service_data_auth_identity: "WorkspaceSystemAssignedIdentity",
      storage_container_id: refTo(json, "azurerm_storage_container", "id"),
    });
    expect(store).not.toHaveProperty("account_key");
    expect(store).not.toHaveProperty("shared_access_signature");
    expect(single(json, "azurerm_role_assignment")).toMatchObject({
      scope: refTo(json, "azurerm_storage_container", "id"),
      role_definition_name: "Storage Blob Data Reader",
      principal_id: "11111111-1111-1111-1111-111111111111",
    });
    expect(ds.datastoreName).toBe("input_data");
  });

  test("registers an existing container without creating it or granting anything", () => {
    const stack = bareStack();
    const ds = new BlobDatastore(stack, "existing", {
      workspaceId: WS,
      storageAccountId: SA,
      containerName: "landing",
      datastoreName: "landing",
      createContainer: false,
    });
    const json = synthJson(stack);
    expect(resourcesOf(json, "azurerm_storage_container")).toEqual({});
    expect(resourcesOf(json, "azurerm_role_assignment")).toEqual({});
    expect(ds.containerId).toBe(`${SA}/blobServices/default/containers/landing`);
    expect(single(json, "azurerm_machine_learning_datastore_blobstorage").storage_container_id).toBe(ds.containerId);
  });

  test("reports bad names and ids together", () => {
    expect(
      problemsOf(() =>
        new BlobDatastore(bareStack(), "ds", {
          workspaceId: "not-an-id",
          storageAccountId: SA,
          containerName: "Input_Data",
          datastoreName: "input-data!",
        }),
      ),
    ).toEqual([
      `test/ds: workspaceId "not-an-id" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/ds: containerName "Input_Data" must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, with no '--'`,
      `test/ds: datastoreName "input-data!" must be 1-255 lowercase letters, digits or '_', starting with a letter or digit`,
    ]);
  });
});
