import { attributeRule } from "../rule";

/**
 * Where network rules exist, trusted Azure services (AML, ADF) may still reach the account.
 * Mirrors checkov CKV_AZURE_36, trivy AZU-0010.
 */
export const storageTrustedServicesBypass = attributeRule({
  id: "storage-trusted-services-bypass",
  mirrors: ["CKV_AZURE_36", "AZU-0010"],
  resourceType: "azurerm_storage_account",
  attribute: "network_rules.bypass",
  fix: 'set network_rules.bypass = ["AzureServices"]',
  ok: (v, attrs) => attrs.network_rules === undefined || (Array.isArray(v) && v.includes("AzureServices")),
});
