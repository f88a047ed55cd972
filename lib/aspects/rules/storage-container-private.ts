import { attributeRule } from "../rule";

/** Containers are private. Mirrors checkov CKV_AZURE_34, trivy AZU-0007. */
export const storageContainerPrivate = attributeRule({
  id: "storage-container-private",
  mirrors: ["CKV_AZURE_34", "AZU-0007"],
  resourceType: "azurerm_storage_container",
  attribute: "container_access_type",
  fix: 'set container_access_type = "private"',
  ok: (v) => v === undefined || v === "private",
});
