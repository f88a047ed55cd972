import { attributeRule } from "../rule";

/**
 * Production data survives the loss of a region. Mirrors checkov CKV_AZURE_206, trivy AZU-0058.
 * Applies to production only (dev and test are rebuilt from code and source data).
 */
export const storageGeoRedundantReplication = attributeRule({
  id: "storage-geo-redundant-replication",
  mirrors: ["CKV_AZURE_206", "AZU-0058"],
  resourceType: "azurerm_storage_account",
  attribute: "account_replication_type",
  fix: 'use storageReplicationType "GZRS" (or GRS, RAGRS, RAGZRS)',
  ok: (v) => typeof v === "string" && ["GRS", "RAGRS", "GZRS", "RAGZRS"].includes(v),
  when: (ctx) => ctx.production === true,
});
