import { attributeRule } from "../rule";

/**
 * Where the context requires customer-managed keys, the workspace is encrypted with one. Mirrors Azure Policy ba769a63 ("Azure Machine Learning workspaces should be
 * encrypted with a customer-managed key"); not applicable unless `requireCustomerManagedKeys`.
 */
export const mlWorkspaceCustomerManagedKey = attributeRule({
  id: "ml-workspace-customer-managed-key",
  mirrors: ["Azure Policy ba769a63"],
  resourceType: "azurerm_machine_learning_workspace",
  attribute: "encryption.key_id",
  fix: "add an encryption block (key_vault_id, key_id)",
  ok: (v) => typeof v === "string" && v !== "",
  when: (ctx) => ctx.requireCustomerManagedKeys === true,
});
