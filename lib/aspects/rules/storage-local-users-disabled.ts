import { attributeRule } from "../rule";

/** No SFTP/local users with their own keys or passwords. Mirrors checkov CKV_AZURE_244. */
export const storageLocalUsersDisabled = attributeRule({
  id: "storage-local-users-disabled",
  mirrors: ["CKV_AZURE_244"],
  resourceType: "azurerm_storage_account",
  attribute: "local_user_enabled",
  fix: "set local_user_enabled = false",
  ok: (v) => v === false,
});
