import { attributeRule, privateOnly } from "../rule";

/**
 * In the private profile the nodes have no public IP. They sit in the workspace's managed network
 * (AML does not allow compute in a custom subnet alongside it), or in a subnet when the workspace has
 * no managed network. Mirrors Azure Policy 7804b5c7 ("compute behind a virtual network"), which audits
 * `subnet.id` and so cannot see the managed network: see docs/security.md.
 */
export const computeNoPublicIp = attributeRule({
  id: "compute-no-public-ip",
  mirrors: ["Azure Policy 7804b5c7"],
  resourceType: "azurerm_machine_learning_compute_cluster",
  attribute: "node_public_ip_enabled",
  fix: "set node_public_ip_enabled = false (ComputeCluster inManagedNetwork, or a subnet)",
  ok: (v) => v === false,
  when: privateOnly,
});
