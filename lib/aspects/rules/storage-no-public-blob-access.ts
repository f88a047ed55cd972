import { attributeRule } from "../rule";

/**
 * No container or blob of the account can be made public.
 * Mirrors checkov CKV_AZURE_190 and CKV2_AZURE_47 (trivy's container-level AZU-0007 is mirrored by storage-container-private).
 */
export const storageNoPublicBlobAccess = attributeRule({
  id: "storage-no-public-blob-access",
  mirrors: ["CKV_AZURE_190", "CKV2_AZURE_47"],
  resourceType: "azurerm_storage_account",
  attribute: "allow_nested_items_to_be_public",
  fix: "set allow_nested_items_to_be_public = false (the provider default is true)",
  ok: (v) => v === false,
});
