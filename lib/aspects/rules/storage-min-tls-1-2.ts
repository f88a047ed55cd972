import { attributeRule } from "../rule";

/** Storage refuses TLS below 1.2. Mirrors checkov CKV_AZURE_44, trivy AZU-0011. */
export const storageMinTls12 = attributeRule({
  id: "storage-min-tls-1-2",
  mirrors: ["CKV_AZURE_44", "AZU-0011", "AZU-0059"],
  resourceType: "azurerm_storage_account",
  attribute: "min_tls_version",
  fix: 'set min_tls_version = "TLS1_2" explicitly',
  ok: (v) => v === "TLS1_2" || v === "TLS1_3",
});
