import { attributeRule } from "../rule";

/**
 * The cluster releases every node when idle (no idle cost, no long-lived nodes).
 * Mirrors checkov CKV_AZURE_150 ("Ensure Machine Learning Compute Cluster Minimum Nodes Set To 0").
 */
export const computeScaleToZero = attributeRule({
  id: "compute-scale-to-zero",
  mirrors: ["CKV_AZURE_150"],
  resourceType: "azurerm_machine_learning_compute_cluster",
  attribute: "scale_settings.min_node_count",
  fix: "set scale_settings.min_node_count = 0",
  ok: (v) => v === 0,
});
