import { attributeRule } from "../rule";

/** Deleted containers can be restored for at least 7 days. Our own rule (the container half of CKV2_AZURE_38's intent). */
export const storageContainerSoftDelete = attributeRule({
  id: "storage-container-soft-delete",
  mirrors: [],
  resourceType: "azurerm_storage_account",
  attribute: "blob_properties.container_delete_retention_policy.days",
  fix: "set blob_properties.container_delete_retention_policy.days >= 7",
  ok: (v) => typeof v === "number" && v >= 7,
});
