import { attributeRule } from "../rule";

/**
 * Compute authenticates with Entra ID only.
 * Mirrors checkov CKV_AZURE_142, Azure Policy e96a9a5f ("Azure Machine Learning Computes should have local authentication methods disabled").
 */
export const computeLocalAuthDisabled = attributeRule({
  id: "compute-local-auth-disabled",
  mirrors: ["CKV_AZURE_142", "Azure Policy e96a9a5f"],
  resourceType: "azurerm_machine_learning_compute_cluster",
  attribute: "local_auth_enabled",
  fix: "set local_auth_enabled = false (the provider default is true)",
  ok: (v) => v === false,
});
