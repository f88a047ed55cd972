import { Fn, Token } from "cdktf";
import { AZURE_REGIONS } from "./azure-lists";
import { checkName, NameKind } from "./naming";
import { Checker } from "./validation";

/** A GUID (subscription, run, pipeline endpoint ids). */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ARM id of a blob container of a storage account. */
export const containerIdOf = (storageAccountId: string, containerName: string): string => `${storageAccountId}/blobServices/default/containers/${containerName}`;

/** True when `subnetId` is a subnet of `virtualNetworkId` (compared case-insensitively, as ARM ids are). */
export const isSubnetOf = (subnetId: string, virtualNetworkId: string): boolean => subnetId.toLowerCase().startsWith(`${virtualNetworkId.toLowerCase()}/subnets/`);

/**
 * Check an Azure region the way the environment config does: a lowercase region name from
 * `AZURE_REGIONS` (`westeurope`, not `WestEurope` or `West Europe`). A reference is accepted.
 */
export function checkRegion(c: Checker, property: string, value: unknown): boolean {
  if (typeof value === "string" && Token.isUnresolved(value)) return true;
  if (!c.name(property, value, /^[a-z][a-z0-9]+$/, "must be an Azure region name such as westeurope")) return false;
  if (AZURE_REGIONS.has(value as string)) return true;
  return c.fail(property, value, "is not an Azure region (e.g. westeurope; the list is in lib/core/azure-lists.ts)");
}

/** Where the parts of an ARM id are once it is split on "/" (it starts with "/", so part 0 is empty). */
const PART = { subscription: 2, resourceGroup: 4 } as const;

/**
 * Check that `value` is the ARM id of a resource of `type` (e.g. `Microsoft.Storage/storageAccounts`,
 * compared case-insensitively, as ARM does) whose name follows the rule for `nameKind`. A reference
 * is accepted (it cannot be checked at synth).
 */
export function checkArmId(c: Checker, property: string, value: unknown, type: string, nameKind?: NameKind): boolean {
  if (!c.resourceId(property, value)) return false;
  const id = value as string;
  if (Token.isUnresolved(id)) return true;
  const [namespace, ...types] = type.split("/");
  const typePath = types.map((t) => `${t}/[^/]+`).join("/");
  const match = new RegExp(`^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/${namespace.replace(/\./g, "\\.")}/${typePath}$`, "i").test(id);
  if (!match) return c.fail(property, value, `must be the id of a ${type} (/subscriptions/<id>/resourceGroups/<rg>/providers/${namespace}/${types.map((t) => `${t}/<name>`).join("/")})`);
  if (nameKind === undefined) return true;
  const probe = new Checker("");
  if (checkName(probe, "name", armIdName(id), nameKind)) return true;
  return c.fail(property, value, `must end in a name that ${probe.problems[0].rule.replace(/^must be /, "is ")}`);
}

/** The resource's own name: the id's last segment (an expression when the id is a reference). */
export function armIdName(id: string): string {
  if (Token.isUnresolved(id)) return Fn.element(Fn.reverse(Fn.split("/", id)), 0);
  return id.split("/").filter((s) => s !== "").pop() ?? "";
}

/** The resource group an ARM id lies in (an expression when the id is a reference). */
export function armIdResourceGroup(id: string): string {
  return armIdPart(id, PART.resourceGroup);
}

/** The subscription an ARM id lies in (an expression when the id is a reference). */
export function armIdSubscription(id: string): string {
  return armIdPart(id, PART.subscription);
}

function armIdPart(id: string, index: number): string {
  if (Token.isUnresolved(id)) return Fn.element(Fn.split("/", id), index);
  return id.split("/")[index] ?? "";
}
