import { attributeRule, privateOnly } from "../rule";

/** In the private profile the vault's firewall denies by default. Mirrors checkov CKV_AZURE_109, trivy AZU-0013. */
export const keyVaultNetworkDefaultDeny = attributeRule({
  id: "key-vault-network-default-deny",
  mirrors: ["CKV_AZURE_109", "AZU-0013"],
  resourceType: "azurerm_key_vault",
  attribute: "network_acls.default_action",
  fix: 'add network_acls { default_action = "Deny", bypass = "AzureServices" }',
  ok: (v) => v === "Deny",
  when: privateOnly,
});
