import { attributeRule, privateOnly } from "../rule";

/**
 * In the private profile the workspace's managed network only allows approved outbound traffic.
 * Mirrors Azure Policy 6ddb1705 ("Azure Machine Learning workspaces should use a managed virtual network with approved outbound only").
 */
export const mlWorkspaceApprovedOutboundOnly = attributeRule({
  id: "ml-workspace-approved-outbound-only",
  mirrors: ["Azure Policy 6ddb1705"],
  resourceType: "azurerm_machine_learning_workspace",
  attribute: "managed_network.isolation_mode",
  fix: 'set managed_network.isolation_mode = "AllowOnlyApprovedOutbound" and add the outbound rules the jobs need',
  ok: (v) => v === "AllowOnlyApprovedOutbound",
  when: privateOnly,
});
