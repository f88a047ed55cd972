import { attributeRule } from "../rule";

/**
 * Only Entra ID can authorize requests (no account keys or SAS). Mirrors checkov CKV2_AZURE_40.
 * Works only together with identity-based datastores and a workspace whose system datastores use
 * identity access (see docs/security.md).
 */
export const storageSharedKeyDisabled = attributeRule({
  id: "storage-shared-key-disabled",
  mirrors: ["CKV2_AZURE_40"],
  resourceType: "azurerm_storage_account",
  attribute: "shared_access_key_enabled",
  fix: "set shared_access_key_enabled = false once every consumer uses Entra ID",
  ok: (v) => v === false,
});
