import { attributeRule, privateOnly } from "../rule";

/** In the private profile the account is reached through private endpoints only. Mirrors checkov CKV_AZURE_59 and CKV2_AZURE_50 (storage of an ML workspace not public). */
export const storagePublicNetworkDisabled = attributeRule({
  id: "storage-public-network-disabled",
  mirrors: ["CKV_AZURE_59", "CKV2_AZURE_50"],
  resourceType: "azurerm_storage_account",
  attribute: "public_network_access_enabled",
  fix: "set public_network_access_enabled = false and add private endpoints",
  ok: (v) => v === false,
  when: privateOnly,
});
