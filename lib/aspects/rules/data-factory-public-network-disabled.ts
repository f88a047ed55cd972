import { attributeRule } from "../rule";

/**
 * The factory is not reachable from the public internet.
 * Mirrors checkov CKV_AZURE_104, trivy AZU-0035, Azure Policy 1cf164be.
 */
export const dataFactoryPublicNetworkDisabled = attributeRule({
  id: "data-factory-public-network-disabled",
  mirrors: ["CKV_AZURE_104", "AZU-0035", "Azure Policy 1cf164be"],
  resourceType: "azurerm_data_factory",
  attribute: "public_network_enabled",
  fix: "set public_network_enabled = false (the provider default is true)",
  ok: (v) => v === false,
});
