import { attributeRule } from "../rule";

/**
 * Storage accepts HTTPS only. Mirrors checkov CKV_AZURE_3 and trivy AZU-0008, which read the 3.x name
 * `enable_https_traffic_only`; this rule reads the 4.x `https_traffic_only_enabled`.
 */
export const storageHttpsOnly = attributeRule({
  id: "storage-https-only",
  mirrors: ["CKV_AZURE_3", "AZU-0008"],
  resourceType: "azurerm_storage_account",
  attribute: "https_traffic_only_enabled",
  fix: "set https_traffic_only_enabled = true explicitly",
  ok: (v) => v === true,
});
