import { Construct, IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
// cdktf computes logical ids with this (pinned peer dependency); the former addresses are computed the same way.
import { makeUniqueId } from "cdktf/lib/private/unique";
import { declareMove } from "./moves";
import { resolvedText } from "./tokens";
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
  /** acdd72a7-3385-48ef-bd42-f606fba81ae7: see a resource (the workspace identity on private endpoints). */
  reader: "Reader",
} as const;

/**
 * Grant `role` to a workload identity on each of `scopes`, as `<idPrefix>-<scope's name>` children of
 * `scope`: the address follows the meaning (which container), so reordering or inserting scopes never
 * deletes and recreates a grant (a window without access). A scope given as a reference is named by
 * the resource it refers to. Addresses of the former index-keyed layout (`<idPrefix>-<index>`) move.
 */
export function grantOnEach(scope: Construct, idPrefix: string, role: string, principalId: string, scopes: readonly string[] = []): RoleAssignment[] {
  return scopes.map((scopeId, i) => {
    const grant = new RoleAssignment(scope, `${idPrefix}-${scopeKey(scope, scopeId)}`, { scope: scopeId, roleDefinitionName: role, principalId, principalType: "ServicePrincipal" });
    declareMove(scope, `azurerm_role_assignment.${makeUniqueId([...pathBelowStack(scope), `${idPrefix}-${i}`])}`, `azurerm_role_assignment.${grant.friendlyUniqueId}`);
    return grant;
  });
}

/** A scope's name for an address: an ARM id's last segment, or the construct path of the resource a reference points at. */
export function scopeKey(scope: IConstruct, scopeId: string): string {
  const text = resolvedText(scope, scopeId);
  const ref = /^"?\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\./.exec(text);
  if (ref) return ref[2].replace(/_[0-9A-F]{8}$/, "");
  return scopeId.split("/").filter(Boolean).pop() ?? "scope";
}

const pathBelowStack = (scope: IConstruct): string[] => {
  const scopes = scope.node.scopes;
  return scopes.slice(scopes.indexOf(TerraformStack.of(scope)) + 1).map((c) => c.node.id);
};
