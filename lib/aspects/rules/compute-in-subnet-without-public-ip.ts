import { attributeRule, privateOnly } from "../rule";

/**
 * In the private profile the nodes sit in a subnet without public IPs.
 * Mirrors Azure Policy 7804b5c7 ("Azure Machine Learning Computes should be in a virtual network").
 */
export const computeInSubnetWithoutPublicIp = attributeRule({
  id: "compute-in-subnet-without-public-ip",
  mirrors: ["Azure Policy 7804b5c7"],
  resourceType: "azurerm_machine_learning_compute_cluster",
  attribute: "node_public_ip_enabled",
  fix: "set subnet_resource_id and node_public_ip_enabled = false",
  ok: (v, attrs) => v === false && typeof attrs.subnet_resource_id === "string" && attrs.subnet_resource_id !== "",
  when: privateOnly,
});
