import { attributeRule } from "../rule";

/**
 * A production registry survives the loss of an availability zone. Mirrors checkov CKV_AZURE_233.
 * Production only; it can only be set when the registry is created (changing it replaces the
 * registry and loses its images), so it must be right from the first deploy.
 */
export const containerRegistryZoneRedundant = attributeRule({
  id: "container-registry-zone-redundant",
  mirrors: ["CKV_AZURE_233"],
  resourceType: "azurerm_container_registry",
  attribute: "zone_redundancy_enabled",
  fix: 'use sku "Premium" and set zone_redundancy_enabled = true (containerRegistry.zoneRedundancyEnabled; MlWorkspace defaults it to false, DatapathStack turns it on in the prod tier)',
  ok: (v) => v === true,
  when: (ctx) => ctx.production === true,
});
