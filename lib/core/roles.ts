import { Construct, IConstruct } from "constructs";
import { TerraformStack, Token } from "cdktf";
import { addressAt, declareMove } from "./moves";
import { resolvedText } from "./tokens";
import { Checker, isObject, reportProblems } from "./validation";
import { GUID_PATTERN } from "./arm";
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

export const PRINCIPAL_TYPES = ["ServicePrincipal", "User", "Group", "ForeignGroup", "Device"] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** An identity roles can be granted to: a cluster, a factory, or any object id. */
export interface IGrantee {
  /** Object (principal) id of the identity. */
  readonly principalId: string;
  /**
   * What kind of principal it is (Azure rejects an assignment whose type does not match).
   * @default "ServicePrincipal" (managed identities and service principals)
   */
  readonly principalType?: PrincipalType;
}

/**
 * Who a grant method grants to: the object id of a workload identity (a managed identity or service
 * principal), or a grantee such as a `ComputeCluster`, a `DataFactory` or `{ principalId,
 * principalType: "Group" }`.
 */
export type Grantee = string | IGrantee;

/** What a grant method grants, and how its role assignment is named. */
export interface GrantKind {
  readonly role: string;
  /** Id prefix of an assignment placed under a grantee construct: `<prefix>-<scope's name>`. */
  readonly onGrantee: string;
  /** Id prefix of an assignment to a bare object id, placed under the resource: `<prefix>-<principal>`. */
  readonly onResource: string;
  /** Declare the move from the former index-keyed layout (`<onGrantee>-<n>`, the n-th such grant of the grantee). */
  readonly movesFromIndex: boolean;
}

/** The grants of the library's grant methods. The grantee-side prefixes are those of the former `inputContainerIds` / `outputContainerIds` grants, so their addresses stay. */
export const GRANTS = {
  /** Storage Blob Data Reader on a container. */
  read: { role: ROLES.storageBlobDataReader, onGrantee: "input-reader", onResource: "reader", movesFromIndex: true },
  /** Storage Blob Data Contributor on a container. */
  readWrite: { role: ROLES.storageBlobDataContributor, onGrantee: "output-writer", onResource: "writer", movesFromIndex: true },
  /** AzureML Data Scientist on a workspace: submit jobs, invoke its batch endpoints. */
  jobSubmit: { role: ROLES.azureMlDataScientist, onGrantee: "workspace-data-scientist", onResource: "data-scientist", movesFromIndex: false },
} as const satisfies Record<string, GrantKind>;

// Every assignment made through this module, per stack, by scope, role and principal: Azure refuses a
// second identical assignment, so a grant asked for twice (by a stack and by a pipeline) is made once.
const made = new WeakMap<TerraformStack, Map<string, RoleAssignment>>();
const GRANT_COUNT = "aml-datapath/grant";

const isConstruct = (x: unknown): x is Construct => isObject(x) && "node" in x && Construct.isConstruct(x);

/**
 * The role assignment of `role` on `scope` for `principalId`, created as `id` under `parent` unless
 * the stack has that very assignment already (then that one is returned: Azure allows it once).
 * A free id is taken when `id` is in use by another assignment (`<id>-2`, ...).
 */
export function assignRole(parent: Construct, id: string, a: AssignmentProps): RoleAssignment {
  return assign(parent, id, a).assignment;
}

/** One role assignment: on what, which role, to whom. */
export interface AssignmentProps {
  /** ARM id of the scope. */
  readonly scope: string;
  /** A role's name, or a role definition id (`.../providers/Microsoft.Authorization/roleDefinitions/<guid>`). */
  readonly role: string;
  /** Object id of the principal. */
  readonly principalId: string;
  /**
   * What kind of principal it is.
   * @default - Azure looks it up
   */
  readonly principalType?: PrincipalType;
  /**
   * Why the assignment exists.
   * @default - none
   */
  readonly description?: string;
}

function assign(parent: Construct, id: string, a: AssignmentProps): { assignment: RoleAssignment; created: boolean } {
  const stack = TerraformStack.of(parent);
  const key = [resolvedText(parent, a.scope), a.role, resolvedText(parent, a.principalId)].join("|");
  const known = made.get(stack) ?? new Map<string, RoleAssignment>();
  made.set(stack, known);
  const existing = known.get(key);
  if (existing) return { assignment: existing, created: false };
  let free = id;
  for (let n = 2; parent.node.tryFindChild(free); n++) free = `${id}-${n}`;
  const byId = a.role.toLowerCase().includes("/providers/microsoft.authorization/roledefinitions/");
  const assignment = new RoleAssignment(parent, free, {
    scope: a.scope,
    ...(byId ? { roleDefinitionId: a.role } : { roleDefinitionName: a.role }),
    principalId: a.principalId,
    principalType: a.principalType,
    description: a.description,
  });
  known.set(key, assignment);
  return { assignment, created: true };
}

/**
 * Grant `kind` on `scopeId` (the id of `resource`) to `grantee`; the library's grant methods are
 * built on this. A grantee construct (a cluster, a factory) holds the assignment, as
 * `<kind.onGrantee>-<scope's name>`: the address follows the meaning (which container), so
 * reordering grants never deletes and recreates one (a window without access). An object id is
 * granted by `resource`, as `<kind.onResource>-<principal>`. Asked twice, the grant is made once.
 * A bad grantee is reported on `resource` under `method` (nothing is granted).
 */
export function grantTo(resource: Construct, method: string, scopeId: string, kind: GrantKind, grantee: Grantee): RoleAssignment | undefined {
  const c = new Checker(resource.node.path);
  const principal = checkGrantee(c, method, grantee);
  reportProblems(resource, c.problems);
  if (!principal) return undefined;
  if (isConstruct(grantee)) return grantOnGrantee(grantee, kind, principal.principalId, scopeId, principal.principalType);
  return assignRole(resource, `${kind.onResource}-${scopeKey(resource, principal.principalId)}`, { scope: scopeId, role: kind.role, ...principal });
}

/** The grantee's principal, or undefined (reported) when it is not an object id or `{ principalId, principalType? }`. */
function checkGrantee(c: Checker, method: string, grantee: unknown): { principalId: string; principalType: PrincipalType } | undefined {
  const principalId: unknown = typeof grantee === "string" ? grantee : isObject(grantee) ? (grantee as IGrantee).principalId : undefined;
  const principalType: unknown = isObject(grantee) ? ((grantee as IGrantee).principalType ?? "ServicePrincipal") : "ServicePrincipal";
  if (typeof grantee !== "string" && !isObject(grantee)) {
    c.fail(method, grantee, "must be an object id (GUID) or a grantee { principalId, principalType? } such as a ComputeCluster or DataFactory");
    return undefined;
  }
  const property = typeof grantee === "string" ? method : `${method}.principalId`;
  const idOk = checkPrincipalId(c, property, principalId);
  const typeOk = c.oneOf(`${method}.principalType`, principalType, PRINCIPAL_TYPES);
  return idOk && typeOk ? { principalId: principalId as string, principalType: principalType as PrincipalType } : undefined;
}

/** An object id: a GUID, or a reference (e.g. an identity's principal id). */
export function checkPrincipalId(c: Checker, property: string, value: unknown): boolean {
  if (typeof value === "string" && Token.isUnresolved(value)) return true;
  return c.name(property, value, GUID_PATTERN, "must be an object id (a GUID)");
}

function grantOnGrantee(grantee: Construct, kind: GrantKind, principalId: string, scopeId: string, principalType: PrincipalType): RoleAssignment {
  // The n-th grant of this kind the grantee holds had the address <prefix>-<n> in the index-keyed layout.
  const index = grantee.node.metadata.filter((m) => m.type === GRANT_COUNT && m.data === kind.onGrantee).length;
  const { assignment, created } = assign(grantee, `${kind.onGrantee}-${scopeKey(grantee, scopeId)}`, { scope: scopeId, role: kind.role, principalId, principalType });
  if (!created) return assignment;
  grantee.node.addMetadata(GRANT_COUNT, kind.onGrantee);
  if (kind.movesFromIndex) {
    declareMove(grantee, addressAt(grantee, "azurerm_role_assignment", `${kind.onGrantee}-${index}`), `azurerm_role_assignment.${assignment.friendlyUniqueId}`);
  }
  return assignment;
}

/**
 * Grant `role` to a workload identity on each of `scopes`, as `<idPrefix>-<scope's name>` children of
 * `scope` (see `grantTo`). Addresses of the former index-keyed layout (`<idPrefix>-<index>`) move.
 */
export function grantOnEach(scope: Construct, idPrefix: string, role: string, principalId: string, scopes: readonly string[] = []): RoleAssignment[] {
  const kind: GrantKind = { role, onGrantee: idPrefix, onResource: idPrefix, movesFromIndex: true };
  return scopes.map((scopeId) => grantOnGrantee(scope, kind, principalId, scopeId, "ServicePrincipal"));
}

/** A scope's name for an address: an ARM id's last segment, or the construct path of the resource a reference points at. */
export function scopeKey(scope: IConstruct, scopeId: string): string {
  const text = resolvedText(scope, scopeId);
  const ref = /^"?\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\./.exec(text);
  if (ref) return ref[2].replace(/_[0-9A-F]{8}$/, "");
  return scopeId.split("/").filter(Boolean).pop() ?? "scope";
}

/**
 * A role assignment for a person, group or identity, Azure Verified Modules style: the map key names
 * the assignment (`role-assignment-<key>`), so adding or removing one never touches the others. One
 * the stack makes already (same role, scope and principal, e.g. by a grant method) is not made twice.
 */
export interface RoleAssignmentSpec {
  /**
   * A role's name (e.g. "Storage Blob Data Reader") or a role definition id
   * (`/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>`).
   */
  readonly roleDefinitionIdOrName: string;
  /** Object id of the user, group or identity. */
  readonly principalId: string;
  /**
   * What kind of principal it is.
   * @default - Azure looks it up (give it for a principal created in the same apply)
   */
  readonly principalType?: PrincipalType;
  /**
   * Why the assignment exists (shown in the portal).
   * @default - none
   */
  readonly description?: string;
}

/** Role assignments on a resource, by key. */
export type RoleAssignments = Readonly<Record<string, RoleAssignmentSpec>>;

const ROLE_ASSIGNMENT_KEY = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The valid entries of a `roleAssignments` prop; each problem is recorded in `c` under `property.<key>...`. */
export function checkRoleAssignments(c: Checker, property: string, value: RoleAssignments | undefined): [string, RoleAssignmentSpec][] {
  if (value === undefined) return [];
  if (!isObject(value)) return (c.fail(property, value, "must be an object { [key]: { roleDefinitionIdOrName, principalId, principalType?, description? } }"), []);
  return Object.entries(value).filter(([key, spec]) => {
    const at = `${property}.${key}`;
    const keyOk = c.name(`${property} key`, key, ROLE_ASSIGNMENT_KEY, "must be 1-64 letters, digits, '_' or '-', starting with a letter or digit");
    if (!isObject(spec)) return (c.fail(at, spec, "must be an object { roleDefinitionIdOrName, principalId, principalType?, description? }"), false);
    const role: unknown = spec.roleDefinitionIdOrName;
    let roleOk = c.nonEmptyString(`${at}.roleDefinitionIdOrName`, role);
    if (roleOk && GUID_PATTERN.test(role as string)) {
      roleOk = c.fail(`${at}.roleDefinitionIdOrName`, role, "is a bare GUID: give the role's name or its definition id (/subscriptions/<id>/providers/Microsoft.Authorization/roleDefinitions/<guid>)");
    }
    const principalOk = checkPrincipalId(c, `${at}.principalId`, spec.principalId);
    const typeOk = spec.principalType === undefined || c.oneOf(`${at}.principalType`, spec.principalType, PRINCIPAL_TYPES);
    const descriptionOk = spec.description === undefined || c.nonEmptyString(`${at}.description`, spec.description);
    return keyOk && roleOk && principalOk && typeOk && descriptionOk;
  });
}

/** Create the checked `roleAssignments` of `resource` on `scopeId`, each as `role-assignment-<key>`. */
export function addRoleAssignments(resource: Construct, scopeId: string, entries: readonly [string, RoleAssignmentSpec][]): RoleAssignment[] {
  return entries.map(([key, spec]) =>
    assignRole(resource, `role-assignment-${key}`, { scope: scopeId, role: spec.roleDefinitionIdOrName, principalId: spec.principalId, principalType: spec.principalType, description: spec.description }),
  );
}
