import { attributeRule } from "../rule";

/** Data is encrypted twice at rest (service and infrastructure layer). Mirrors trivy AZU-0061. */
export const storageInfrastructureEncryption = attributeRule({
  id: "storage-infrastructure-encryption",
  mirrors: ["AZU-0061"],
  resourceType: "azurerm_storage_account",
  attribute: "infrastructure_encryption_enabled",
  fix: "set infrastructure_encryption_enabled = true (only at creation: it forces a new account)",
  ok: (v) => v === true,
});
