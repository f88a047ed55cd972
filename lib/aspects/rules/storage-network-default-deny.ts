import { attributeRule, privateOnly } from "../rule";

/** In the private profile network rules deny by default. Mirrors checkov CKV_AZURE_35, trivy AZU-0012. */
export const storageNetworkDefaultDeny = attributeRule({
  id: "storage-network-default-deny",
  mirrors: ["CKV_AZURE_35", "AZU-0012"],
  resourceType: "azurerm_storage_account",
  attribute: "network_rules.default_action",
  fix: 'add network_rules { default_action = "Deny", bypass = ["AzureServices"] }',
  ok: (v) => v === "Deny",
  when: privateOnly,
});
