import { attributeRule } from "../rule";

/**
 * Compute of the workspace runs in a managed virtual network (isolation mode other than Disabled).
 * Our own baseline; the private profile tightens it with ml-workspace-approved-outbound-only.
 */
export const mlWorkspaceManagedNetworkEnabled = attributeRule({
  id: "ml-workspace-managed-network-enabled",
  mirrors: ["Azure Policy 6ddb1705 (baseline part)"],
  resourceType: "azurerm_machine_learning_workspace",
  attribute: "managed_network.isolation_mode",
  fix: 'set managed_network.isolation_mode to "AllowInternetOutbound" or "AllowOnlyApprovedOutbound"',
  ok: (v) => v === "AllowInternetOutbound" || v === "AllowOnlyApprovedOutbound",
});
