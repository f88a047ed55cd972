import { attributeRule, privateOnly } from "../rule";

/** In the private profile the registry is reached through a private endpoint only. Mirrors checkov CKV_AZURE_139. */
export const containerRegistryPublicNetworkDisabled = attributeRule({
  id: "container-registry-public-network-disabled",
  mirrors: ["CKV_AZURE_139"],
  resourceType: "azurerm_container_registry",
  attribute: "public_network_access_enabled",
  fix: 'set public_network_access_enabled = false (needs sku "Premium") and add a private endpoint',
  ok: (v) => v === false,
  when: privateOnly,
});
