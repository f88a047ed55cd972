import { attributeRule } from "../rule";

/** Images cannot be pulled without authentication. Mirrors checkov CKV_AZURE_138. */
export const containerRegistryAnonymousPullDisabled = attributeRule({
  id: "container-registry-anonymous-pull-disabled",
  mirrors: ["CKV_AZURE_138"],
  resourceType: "azurerm_container_registry",
  attribute: "anonymous_pull_enabled",
  fix: "set anonymous_pull_enabled = false",
  ok: (v) => v !== true,
});
