import { attributeRule } from "../rule";

/** Soft delete keeps deleted vault objects for at least 7 days (90 recommended). Mirrors checkov CKV_AZURE_111 (soft delete). */
export const keyVaultSoftDeleteRetention = attributeRule({
  id: "key-vault-soft-delete-retention",
  mirrors: ["CKV_AZURE_111"],
  resourceType: "azurerm_key_vault",
  attribute: "soft_delete_retention_days",
  fix: "set soft_delete_retention_days between 7 and 90",
  ok: (v) => typeof v === "number" && v >= 7 && v <= 90,
});
