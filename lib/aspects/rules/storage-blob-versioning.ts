import { attributeRule } from "../rule";

/** Overwritten blobs keep their previous versions. Our own rule (data-loss guard). */
export const storageBlobVersioning = attributeRule({
  id: "storage-blob-versioning",
  mirrors: [],
  resourceType: "azurerm_storage_account",
  attribute: "blob_properties.versioning_enabled",
  fix: "set blob_properties.versioning_enabled = true",
  ok: (v) => v === true,
});
