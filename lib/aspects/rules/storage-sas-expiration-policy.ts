import { attributeRule } from "../rule";

/**
 * While shared keys are allowed, SAS tokens must carry an expiration policy. Mirrors checkov CKV2_AZURE_41.
 * Compliant when shared keys are off altogether.
 */
export const storageSasExpirationPolicy = attributeRule({
  id: "storage-sas-expiration-policy",
  mirrors: ["CKV2_AZURE_41"],
  resourceType: "azurerm_storage_account",
  attribute: "sas_policy.expiration_period",
  fix: 'add sas_policy { expiration_period = "0.01:00:00" } (or turn shared keys off)',
  ok: (v, attrs) => attrs.shared_access_key_enabled === false || (typeof v === "string" && v !== ""),
});
