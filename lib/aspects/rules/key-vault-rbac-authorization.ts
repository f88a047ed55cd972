import { attributeRule } from "../rule";

/**
 * Access is granted with Azure RBAC, not vault access policies. Our own rule: checkov's draft (PR #6175,
 * unmerged) reads the older `enable_rbac_authorization`; this reads the 4.55 `rbac_authorization_enabled`.
 */
export const keyVaultRbacAuthorization = attributeRule({
  id: "key-vault-rbac-authorization",
  mirrors: [],
  resourceType: "azurerm_key_vault",
  attribute: "rbac_authorization_enabled",
  fix: "set rbac_authorization_enabled = true (not the older enable_rbac_authorization)",
  ok: (v) => v === true,
});
