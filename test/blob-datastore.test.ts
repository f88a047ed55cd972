import { BlobDatastore } from "../lib/platform/blob-datastore";
import { MlWorkspace } from "../lib/platform/ml-workspace";
import { armIds } from "./azure-ids";
import { bareStack, problemsOf, refTo, resourcesOf, single, synthJson } from "./helpers";
import { TerraformStack } from "cdktf";

const ids = armIds("00000000-0000-0000-0000-000000000000", "rg");
const SA = ids.storage("stdemo");
const WS = ids.workspace("mlw");
const WS_PRINCIPAL = "11111111-1111-1111-1111-111111111111";
const workspaceIn = (stack: TerraformStack, workspacePrincipalId?: string) => MlWorkspace.fromAttributes(stack, "ws", { workspaceId: WS, location: "westeurope", storageAccountId: SA, workspacePrincipalId });
const grantsOf = (stack: TerraformStack) =>
  Object.entries(resourcesOf(synthJson(stack), "azurerm_role_assignment")).map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), r.role_definition_name ?? r.role_definition_id, r.principal_id, r.principal_type, r.scope]).sort();

describe("BlobDatastore", () => {
  test("creates a private container in the workspace's storage and an identity-based datastore with no key or SAS; the workspace identity reads it", () => {
    const stack = bareStack();
    const ds = new BlobDatastore(stack, "input", { workspace: workspaceIn(stack, WS_PRINCIPAL), containerName: "input-data", datastoreName: "input_data" });
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
      principal_id: WS_PRINCIPAL,
    });
    expect([ds.datastoreName, ds.storageAccountId]).toEqual(["input_data", SA]);
  });

  test("registers an existing container of another account without creating it; no workspace grant when its identity is unknown or the grant is off", () => {
    const stack = bareStack();
    const other = ids.storage("stlanding");
    const ds = new BlobDatastore(stack, "existing", { workspace: workspaceIn(stack), storageAccountId: other, containerName: "landing", datastoreName: "landing", createContainer: false });
    new BlobDatastore(stack, "quiet", { workspace: MlWorkspace.fromAttributes(stack, "ws2", { workspaceId: WS, location: "westeurope", storageAccountId: SA, workspacePrincipalId: WS_PRINCIPAL }), containerName: "quiet", datastoreName: "quiet", grantWorkspaceRead: false });
    const json = synthJson(stack);
    expect(Object.values(resourcesOf(json, "azurerm_storage_container")).map((c) => c.name)).toEqual(["quiet"]);
    expect(resourcesOf(json, "azurerm_role_assignment")).toEqual({});
    expect(ds.containerId).toBe(`${other}/blobServices/default/containers/landing`);
    expect(Object.values(resourcesOf(json, "azurerm_machine_learning_datastore_blobstorage"))[0].storage_container_id).toBe(ds.containerId);
  });

  test("grantRead and grantReadWrite: an object id is granted by the datastore, named by the principal; twice is once", () => {
    const stack = bareStack();
    const ds = new BlobDatastore(stack, "results", { workspace: workspaceIn(stack), containerName: "results", datastoreName: "results" });
    const analysts = { principalId: "44444444-4444-4444-4444-444444444444", principalType: "Group" as const };
    expect(ds.grantRead(analysts)).toBe(ds.grantRead(analysts));
    ds.grantReadWrite("55555555-5555-5555-5555-555555555555");
    const container = refTo(synthJson(stack), "azurerm_storage_container", "id");
    expect(grantsOf(stack)).toEqual([
      ["results_reader-44444444-4444-4444-4444-444444444444", "Storage Blob Data Reader", analysts.principalId, "Group", container],
      ["results_writer-55555555-5555-5555-5555-555555555555", "Storage Blob Data Contributor", "55555555-5555-5555-5555-555555555555", "ServicePrincipal", container],
    ]);
  });

  test("an existing datastore's grant methods work the same, on the container's ARM id", () => {
    const stack = bareStack();
    const landing = BlobDatastore.fromAttributes(stack, "landing", { datastoreName: "landing", storageAccountId: SA, containerName: "landing" });
    landing.grantRead("66666666-6666-6666-6666-666666666666");
    expect(grantsOf(stack)).toEqual([["landing_reader-66666666-6666-6666-6666-666666666666", "Storage Blob Data Reader", "66666666-6666-6666-6666-666666666666", "ServicePrincipal", `${SA}/blobServices/default/containers/landing`]]);
    expect([landing.datastoreName, landing.containerName, landing.storageAccountId]).toEqual(["landing", "landing", SA]);
  });

  test("roleAssignments: one assignment per key, by role name or definition id", () => {
    const stack = bareStack();
    const roleId = "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    new BlobDatastore(stack, "results", {
      workspace: workspaceIn(stack),
      containerName: "results",
      datastoreName: "results",
      roleAssignments: {
        analysts: { roleDefinitionIdOrName: "Storage Blob Data Reader", principalId: "44444444-4444-4444-4444-444444444444", principalType: "Group", description: "analysts read results" },
        auditor: { roleDefinitionIdOrName: roleId, principalId: "77777777-7777-7777-7777-777777777777" },
      },
    });
    const json = synthJson(stack);
    const container = refTo(json, "azurerm_storage_container", "id");
    expect(grantsOf(stack)).toEqual([
      ["results_role-assignment-analysts", "Storage Blob Data Reader", "44444444-4444-4444-4444-444444444444", "Group", container],
      ["results_role-assignment-auditor", roleId, "77777777-7777-7777-7777-777777777777", undefined, container],
    ]);
    expect(Object.values(resourcesOf(json, "azurerm_role_assignment"))[0].description).toBe("analysts read results");
  });

  test("reports bad names, ids, grantees and role assignments together", () => {
    const stack = bareStack();
    expect(
      problemsOf(() => {
        const ds = new BlobDatastore(stack, "ds", {
          workspace: { workspaceId: WS } as never,
          storageAccountId: ids.keyVault("kv"),
          containerName: "Input_Data",
          datastoreName: "input-data!",
          roleAssignments: { "bad key!": { roleDefinitionIdOrName: "Reader", principalId: "me" }, guid: { roleDefinitionIdOrName: "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1", principalId: "44444444-4444-4444-4444-444444444444", principalType: "Robot" as never } },
        });
        ds.grantRead("not-a-guid");
        ds.grantReadWrite(42 as never);
        return ds;
      }),
    ).toEqual([
      `test/ds: workspace {"workspaceId":"${WS}"} must be a workspace: an MlWorkspace, or MlWorkspace.fromAttributes(scope, id, { workspaceId, location, storageAccountId })`,
      `test/ds: storageAccountId "${ids.keyVault("kv")}" must be the id of a Microsoft.Storage/storageAccounts (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>)`,
      `test/ds: containerName "Input_Data" must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, with no '--'`,
      `test/ds: datastoreName "input-data!" must be 1-255 lowercase letters, digits or '_', starting with a letter or digit`,
      `test/ds: roleAssignments key "bad key!" must be 1-64 letters, digits, '_' or '-', starting with a letter or digit`,
      `test/ds: roleAssignments.bad key!.principalId "me" must be an object id (a GUID)`,
      `test/ds: roleAssignments.guid.roleDefinitionIdOrName "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1" is a bare GUID: give the role's name or its definition id (/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>)`,
      `test/ds: roleAssignments.guid.principalType "Robot" must be one of "ServicePrincipal", "User", "Group", "ForeignGroup", "Device"`,
      `test/ds: grantRead "not-a-guid" must be an object id (a GUID)`,
      `test/ds: grantReadWrite 42 must be an object id (GUID) or a grantee { principalId, principalType? } such as a ComputeCluster or DataFactory`,
    ]);
  });

  test("fromAttributes checks what it is given like the construct does", () => {
    expect(problemsOf(() => BlobDatastore.fromAttributes(bareStack(), "x", { datastoreName: "x-y", storageAccountId: "stdemo", containerName: "a" }))).toEqual([
      `test/x: datastoreName "x-y" must be 1-255 lowercase letters, digits or '_', starting with a letter or digit`,
      `test/x: storageAccountId "stdemo" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/x: containerName "a" must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, with no '--'`,
    ]);
  });
});
