import { Construct } from "constructs";
import { DataFactory, DataFactoryProps } from "../lib/platform/data-factory";
import { MlWorkspace } from "../lib/platform/ml-workspace";
import { resolvedText } from "../lib/core/tokens";
import { armIds } from "./azure-ids";
import { bareStack, parseTemplatedJson, problemsOf, refTo, resourcesOf, single, synthJson } from "./helpers";

const ids = armIds("00000000-0000-0000-0000-00000000abcd", "rg-ml");
const WS_ID = ids.workspace("mlw-demo");
const KV = ids.keyVault("kv-demo");
const CONTAINER = ids.container("st", "in");
/** The existing workspace the factory drives. */
const workspaceIn = (scope: Construct) => MlWorkspace.fromAttributes(scope, "ws", { workspaceId: WS_ID, location: "westeurope", storageAccountId: ids.storage("stdemo") });
const factory = (props: Omit<DataFactoryProps, "workspace">, stack = bareStack()) => new DataFactory(stack, "adf", { workspace: workspaceIn(stack), ...props });

describe("DataFactory", () => {
  test("MSI by default: identity, public network off, AzureML Data Scientist scoped to the workspace only", () => {
    const stack = bareStack();
    factory({ name: "adf-demo", location: "westeurope", resourceGroupName: "rg-ml", inputContainerIds: [CONTAINER] }, stack);
    const json = synthJson(stack);
    expect(single(json, "azurerm_data_factory")).toMatchObject({
      name: "adf-demo",
      identity: { type: "SystemAssigned" },
      public_network_enabled: false,
      managed_virtual_network_enabled: false,
    });
    const principal = refTo(json, "azurerm_data_factory", "identity[0].principal_id");
    const grants = Object.values(resourcesOf(json, "azurerm_role_assignment")).map((r) => [r.role_definition_name, r.scope, r.principal_id]).sort();
    expect(grants).toEqual([
      ["AzureML Data Scientist", WS_ID, principal],
      ["Storage Blob Data Reader", CONTAINER, principal],
    ]);
    const ls = single(json, "azurerm_data_factory_linked_custom_service");
    expect(ls).toMatchObject({ name: "AzureMLService", type: "AzureMLService", data_factory_id: refTo(json, "azurerm_data_factory", "id") });
    expect(parseTemplatedJson(ls.type_properties_json as string)).toEqual({
      subscriptionId: `\${element(split("/", "${WS_ID}"), 2)}`,
      resourceGroupName: "rg-ml",
      mlWorkspaceName: "mlw-demo",
      authentication: "MSI",
    });
    expect(resourcesOf(json, "azurerm_data_factory_linked_service_key_vault")).toEqual({});
  });

  test("service principal: the key is a Key Vault secret reference, never inline", () => {
    const stack = bareStack();
    const adf = factory({
      name: "adf-demo",
      location: "westeurope",
      resourceGroupName: "rg-ml",
      authentication: {
        type: "ServicePrincipal",
        servicePrincipalId: "33333333-3333-3333-3333-333333333333",
        tenantId: "44444444-4444-4444-4444-444444444444",
        keyVaultId: KV,
        secretName: "aml-sp-key",
      },
    }, stack);
    const json = synthJson(stack);
    const kvls = single(json, "azurerm_data_factory_linked_service_key_vault");
    expect(kvls).toMatchObject({ key_vault_id: KV, name: "AzureMLServiceKeyVault" });
    const typeProps = parseTemplatedJson(single(json, "azurerm_data_factory_linked_custom_service").type_properties_json as string) as Record<string, unknown>;
    expect(typeProps).toMatchObject({
      servicePrincipalId: "33333333-3333-3333-3333-333333333333",
      tenant: "44444444-4444-4444-4444-444444444444",
      servicePrincipalKey: {
        type: "AzureKeyVaultSecret",
        store: { referenceName: refTo(json, "azurerm_data_factory_linked_service_key_vault", "name"), type: "LinkedServiceReference" },
        secretName: "aml-sp-key",
      },
    });
    expect(typeProps).not.toHaveProperty("authentication");
    const roles = Object.values(resourcesOf(json, "azurerm_role_assignment")).map((r) => [r.role_definition_name, r.scope]);
    expect(roles).toContainEqual(["Key Vault Secrets User", KV]);
    expect(adf.linkedServiceTypeProperties.servicePrincipalKey?.type).toBe("AzureKeyVaultSecret");
  });

  test("reports every problem at once", () => {
    expect(
      problemsOf(() =>
        new DataFactory(bareStack(), "adf", {
          name: "adf--x",
          location: "West Europe",
          resourceGroupName: "rg-ml",
          workspace: { id: "mlw-demo", name: "mlw-demo", resourceGroupName: "rg-ml" } as never,
          authentication: { type: "ServicePrincipal", servicePrincipalId: "", tenantId: "t", keyVaultId: KV, secretName: "bad secret" },
        }),
      ),
    ).toEqual([
      `test/adf: name "adf--x" must be 3-63 letters, digits or single '-' between them`,
      `test/adf: location "West Europe" must be an Azure region name such as westeurope`,
      `test/adf: workspace {"id":"mlw-demo","name":"mlw-demo","resourceGroupName":"rg-ml"} must be a workspace: an MlWorkspace, or MlWorkspace.fromAttributes(scope, id, { workspaceId, location, storageAccountId })`,
      `test/adf: authentication.servicePrincipalId "" must be a non-empty string`,
      `test/adf: authentication.secretName "bad secret" must be 1-127 letters, digits or '-'`,
    ]);
    expect(
      problemsOf(() => factory({ name: "adf-ok", location: "westeurope", resourceGroupName: "rg-ml", authentication: { type: "Key" } as never })),
    ).toEqual([`test/adf: authentication.type "Key" must be one of "MSI", "ServicePrincipal"`]);
  });

  test("its grant on the workspace is workspace.grantJobSubmit(factory), named by the workspace; the unkeyed 0.2 address moves to it", () => {
    const stack = bareStack();
    factory({ name: "adf-demo", location: "westeurope", resourceGroupName: "rg-ml" }, stack);
    const json = synthJson(stack);
    const [[id, grant]] = Object.entries(resourcesOf(json, "azurerm_role_assignment"));
    expect([id.replace(/_[0-9A-F]{8}$/, ""), grant.role_definition_name, grant.scope]).toEqual(["adf_workspace-data-scientist-mlw-demo", "AzureML Data Scientist", WS_ID]);
    expect((json as unknown as { moved: { from: string; to: string }[] }).moved).toEqual([{ from: expect.stringMatching(/^azurerm_role_assignment\.adf_workspace-data-scientist_[0-9A-F]{8}$/), to: `azurerm_role_assignment.${id}` }]);
  });

  test("roleAssignments are on the factory; the factory's names and identity are what an IDataFactory gives", () => {
    const stack = bareStack();
    const adf = factory({ name: "adf-demo", location: "westeurope", resourceGroupName: "rg-ml", roleAssignments: { ops: { roleDefinitionIdOrName: "Data Factory Contributor", principalId: "55555555-5555-5555-5555-555555555555", principalType: "Group" } } }, stack);
    const json = synthJson(stack);
    const ops = Object.entries(resourcesOf(json, "azurerm_role_assignment")).find(([id]) => id.startsWith("adf_role-assignment-ops_"))![1];
    expect(ops).toMatchObject({ scope: refTo(json, "azurerm_data_factory", "id"), role_definition_name: "Data Factory Contributor", principal_type: "Group" });
    expect([adf.resourceGroupName, resolvedText(stack, adf.linkedServiceName), adf.integrationRuntimeName, adf.principalType]).toEqual(["rg-ml", `"${refTo(json, "azurerm_data_factory_linked_custom_service", "name")}"`, undefined, "ServicePrincipal"]);
  });

  test("an existing factory: name and resource group from its id; checked like the construct", () => {
    const existing = DataFactory.fromAttributes(bareStack(), "adf", { dataFactoryId: ids.factory("adf-shared"), principalId: "55555555-5555-5555-5555-555555555555" });
    expect([existing.name, existing.resourceGroupName, existing.linkedServiceName, existing.integrationRuntimeName]).toEqual(["adf-shared", "rg-ml", "AzureMLService", undefined]);
    expect(problemsOf(() => DataFactory.fromAttributes(bareStack(), "x", { dataFactoryId: ids.factory("adf--x"), principalId: "", linkedServiceName: "a/b" }))).toEqual([
      `test/x: dataFactoryId "${ids.factory("adf--x")}" must end in a name that is 3-63 letters, digits or single '-' between them`,
      `test/x: principalId "" must be an object id (a GUID)`,
      `test/x: linkedServiceName "a/b" must be 1-260 characters, start with a letter, digit or '_', without . + ? / < > * % & : \\`,
    ]);
  });
});
