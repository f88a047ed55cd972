import { resourcesOf, TfJson } from "./helpers";

/**
 * Attributes whose change makes Terraform replace the resource (the providers' RequiresReplace /
 * ForceNew), for the resource types whose replacement matters here. Read in azapi v2
 * (`azapi_resource`: type's resource-type part, name, parent_id; `azapi_resource_action`:
 * resource_id, action, type's resource-type part) and azurerm 4.55 (`azurerm_storage_blob`).
 */
const FORCE_NEW: Readonly<Record<string, readonly string[]>> = {
  azapi_resource: ["name", "parent_id", "type"],
  azapi_resource_action: ["resource_id", "action", "type"],
  azurerm_storage_blob: ["name", "storage_account_name", "storage_container_name", "type"],
};

export interface PlannedDestroy {
  readonly address: string;
  /** ARM type (`<type>@<version>`) for azapi resources, else "". */
  readonly armType: string;
}

/**
 * What `terraform apply` of `after` over state from `before` destroys, for the types above and any
 * resource that disappears: `deletes` send a DELETE; `forgotten` are `azapi_resource_action`s with
 * `when = "apply"` and addresses named in a `removed` block with `destroy = false`, which Terraform
 * drops from state without any request.
 */
export function plannedDestroys(before: TfJson, after: TfJson): { deletes: PlannedDestroy[]; forgotten: PlannedDestroy[] } {
  const deletes: PlannedDestroy[] = [];
  const forgotten: PlannedDestroy[] = [];
  // `removed` blocks with destroy = false: Terraform forgets those addresses without a request.
  const removed = new Set(((after as { removed?: { from: string; lifecycle?: { destroy?: boolean } }[] }).removed ?? []).filter((r) => r.lifecycle?.destroy === false).map((r) => r.from));
  for (const [type, resources] of Object.entries(before.resource)) {
    const next = resourcesOf(after, type);
    for (const [id, r] of Object.entries(resources)) {
      const n = next[id];
      const armType = String(r.type ?? "");
      const sameArmType = (a: unknown, b: unknown) => String(a).split("@")[0].toLowerCase() === String(b).split("@")[0].toLowerCase();
      const replaced = n === undefined || (FORCE_NEW[type] ?? []).some((k) => (k === "type" && type.startsWith("azapi") ? !sameArmType(r[k], n[k]) : JSON.stringify(r[k]) !== JSON.stringify(n[k])));
      if (!replaced) continue;
      const entry = { address: `${type}.${id}`, armType: type.startsWith("azapi") ? armType : "" };
      if ((type === "azapi_resource_action" && (r.when ?? "apply") === "apply") || (n === undefined && removed.has(entry.address))) forgotten.push(entry);
      else deletes.push(entry);
    }
  }
  return { deletes, forgotten };
}
