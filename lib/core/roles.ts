import { Construct } from "constructs";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";

/**
 * Built-in role names this library grants. Names (not subscription-scoped definition ids) keep the
 * library free of subscription ids; the GUIDs are listed for auditors.
 * Workload identities never get Owner, Contributor or User Access Administrator.
 */
export const ROLES = {
  /** f6c7c914-8db3-469d-8ca1-694a8f32e121: submit jobs / invoke batch endpoints in a workspace. */
  azureMlDataScientist: "AzureML Data Scientist",
  /** 2a2b9908-6ea1-4ae2-8e65-a410df84e7d1 */
  storageBlobDataReader: "Storage Blob Data Reader",
  /** ba92f5b4-2d11-453d-a403-e96b0029c9fe */
  storageBlobDataContributor: "Storage Blob Data Contributor",
  /** 4633458b-17de-408a-b874-0445c86b69e6: read secret values (service principal key for ADF). */
  keyVaultSecretsUser: "Key Vault Secrets User",
} as const;

/**
 * Grant `role` to a workload identity on each of `scopes`, as `<idPrefix>-<index>` children of
 * `scope` (the index keeps Terraform addresses stable while the list only grows at the end).
 */
export function grantOnEach(scope: Construct, idPrefix: string, role: string, principalId: string, scopes: readonly string[] = []): RoleAssignment[] {
  return scopes.map(
    (scopeId, i) =>
      new RoleAssignment(scope, `${idPrefix}-${i}`, { scope: scopeId, roleDefinitionName: role, principalId, principalType: "ServicePrincipal" }),
  );
}
