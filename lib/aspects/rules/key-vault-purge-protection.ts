import { attributeRule } from "../rule";

/**
 * A deleted vault (and its secrets) cannot be purged before its retention ends.
 * Mirrors checkov CKV_AZURE_110 and CKV_AZURE_42 (recoverable vault), trivy AZU-0016.
 */
export const keyVaultPurgeProtection = attributeRule({
  id: "key-vault-purge-protection",
  mirrors: ["CKV_AZURE_110", "CKV_AZURE_42", "AZU-0016"],
  resourceType: "azurerm_key_vault",
  attribute: "purge_protection_enabled",
  fix: "set purge_protection_enabled = true (irreversible)",
  ok: (v) => v === true,
});
