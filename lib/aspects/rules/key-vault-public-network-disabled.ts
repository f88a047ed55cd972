import { attributeRule, privateOnly } from "../rule";

/** In the private profile the vault is reached through a private endpoint only. Mirrors checkov CKV_AZURE_189. */
export const keyVaultPublicNetworkDisabled = attributeRule({
  id: "key-vault-public-network-disabled",
  mirrors: ["CKV_AZURE_189"],
  resourceType: "azurerm_key_vault",
  attribute: "public_network_access_enabled",
  fix: "set public_network_access_enabled = false and add a private endpoint",
  ok: (v) => v === false,
  when: privateOnly,
});
