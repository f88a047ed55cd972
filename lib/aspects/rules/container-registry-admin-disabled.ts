import { attributeRule } from "../rule";

/** No shared admin credentials on the registry. Mirrors checkov CKV_AZURE_137. */
export const containerRegistryAdminDisabled = attributeRule({
  id: "container-registry-admin-disabled",
  mirrors: ["CKV_AZURE_137"],
  resourceType: "azurerm_container_registry",
  attribute: "admin_enabled",
  fix: "set admin_enabled = false",
  ok: (v) => v === false || v === undefined,
});
