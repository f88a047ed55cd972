import { attributeRule } from "../rule";

/** Deleted blobs can be restored for at least 7 days. Mirrors checkov CKV2_AZURE_38. */
export const storageBlobSoftDelete = attributeRule({
  id: "storage-blob-soft-delete",
  mirrors: ["CKV2_AZURE_38", "AZU-0056"],
  resourceType: "azurerm_storage_account",
  attribute: "blob_properties.delete_retention_policy.days",
  fix: "set blob_properties.delete_retention_policy.days >= 7",
  ok: (v) => typeof v === "number" && v >= 7,
});
