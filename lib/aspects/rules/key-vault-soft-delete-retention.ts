import { attributeRule } from "../rule";

/**
 * Soft delete keeps deleted vault objects for 7-90 days. Mirrors trivy AZU-0016 (retention part) and the intent of
 * checkov CKV_AZURE_111, which reads the removed `soft_delete_enabled` and so always passes.
 */
export const keyVaultSoftDeleteRetention = attributeRule({
  id: "key-vault-soft-delete-retention",
  mirrors: ["CKV_AZURE_111", "AZU-0016"],
  resourceType: "azurerm_key_vault",
  attribute: "soft_delete_retention_days",
  fix: "set soft_delete_retention_days between 7 and 90",
  ok: (v) => typeof v === "number" && v >= 7 && v <= 90,
});
