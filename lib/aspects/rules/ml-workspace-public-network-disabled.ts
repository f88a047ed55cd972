import { attributeRule } from "../rule";

/**
 * The workspace is not reachable from the public internet.
 * Mirrors checkov CKV_AZURE_144 and CKV2_AZURE_49 (which passes a missing attribute although the provider
 * default is true: we require an explicit false), Azure Policy 438c38d2 ("Azure Machine Learning Workspaces should disable public network access").
 */
export const mlWorkspacePublicNetworkDisabled = attributeRule({
  id: "ml-workspace-public-network-disabled",
  mirrors: ["CKV_AZURE_144", "CKV2_AZURE_49", "Azure Policy 438c38d2"],
  resourceType: "azurerm_machine_learning_workspace",
  attribute: "public_network_access_enabled",
  fix: "set public_network_access_enabled = false (network profile 'private', with a private endpoint)",
  ok: (v) => v === false,
});
