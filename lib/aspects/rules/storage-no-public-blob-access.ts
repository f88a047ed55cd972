import { attributeRule } from "../rule";

/**
 * No container or blob of the account can be made public.
 * Mirrors checkov CKV_AZURE_190 and CKV2_AZURE_47, trivy AZU-0007.
 */
export const storageNoPublicBlobAccess = attributeRule({
  id: "storage-no-public-blob-access",
  mirrors: ["CKV_AZURE_190", "CKV2_AZURE_47", "AZU-0007"],
  resourceType: "azurerm_storage_account",
  attribute: "allow_nested_items_to_be_public",
  fix: "set allow_nested_items_to_be_public = false (the provider default is true)",
  ok: (v) => v === false,
});
