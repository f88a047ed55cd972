import { DataFactory } from "../lib/platform/data-factory";
import { armIds } from "./azure-ids";
import { bareStack, parseTemplatedJson, problemsOf, refTo, resourcesOf, single, synthJson } from "./helpers";

const ids = armIds("00000000-0000-0000-0000-00000000abcd", "rg-ml");
const WS_ID = ids.workspace("mlw-demo");
const KV = ids.keyVault("kv-demo");
const CONTAINER = ids.container("st", "in");
const workspace = { id: WS_ID, name: "mlw-demo", resourceGroupName: "rg-ml" };

describe("DataFactory", () => {
  test("MSI by default: identity, public network off, AzureML Data Scientist scoped to the workspace only", () => {
    const stack = bareStack();
    new DataFactory(stack, "adf", {
      name: "adf-demo",
      location: "westeurope",
      resourceGroupName: "rg-ml",
      workspace,
      inputContainerIds: [CONTAINER],
    });
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
    const adf = new DataFactory(stack, "adf", {
      name: "adf-demo",
      location: "westeurope",
      resourceGroupName: "rg-ml",
      workspace,
      authentication: {
        type: "ServicePrincipal",
        servicePrincipalId: "33333333-3333-3333-3333-333333333333",
        tenantId: "44444444-4444-4444-4444-444444444444",
        keyVaultId: KV,
        secretName: "aml-sp-key",
      },
    });
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
          location: "westeurope",
          resourceGroupName: "rg-ml",
          workspace: { id: "mlw-demo", name: "mlw-demo", resourceGroupName: "rg-ml" },
          authentication: { type: "ServicePrincipal", servicePrincipalId: "", tenantId: "t", keyVaultId: KV, secretName: "bad secret" },
        }),
      ),
    ).toEqual([
      `test/adf: name "adf--x" must be 3-63 letters, digits or single '-' between them`,
      `test/adf: workspace.id "mlw-demo" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/adf: authentication.servicePrincipalId "" must be a non-empty string`,
      `test/adf: authentication.secretName "bad secret" must be 1-127 letters, digits or '-'`,
    ]);
    expect(
      problemsOf(() =>
        new DataFactory(bareStack(), "adf", {
          name: "adf-ok",
          location: "westeurope",
          resourceGroupName: "rg-ml",
          workspace,
          authentication: { type: "Key" } as never,
        }),
      ),
    ).toEqual([`test/adf: authentication.type "Key" must be one of "MSI", "ServicePrincipal"`]);
  });
});
