import { TfJson } from "./helpers";

/** Resource types whose replacement loses data, identity or access (data, endpoints' URIs, grants). */
export const STATEFUL_TYPES = [
  "azurerm_machine_learning_workspace",
  "azurerm_storage_account",
  "azurerm_storage_container",
  "azurerm_key_vault",
  "azurerm_machine_learning_datastore_blobstorage",
  "azurerm_machine_learning_compute_cluster",
  "azurerm_data_factory",
  // A recreated grant is a window without access.
  "azurerm_role_assignment",
];

/** Terraform addresses of the stateful resources of a synthesized stack (batch endpoints included). */
export function statefulAddresses(json: TfJson): string[] {
  const out: string[] = [];
  for (const [type, resources] of Object.entries(json.resource)) {
    for (const [id, r] of Object.entries(resources)) {
      const isEndpoint = type === "azapi_resource" && /\/batchEndpoints@/.test(String(r.type));
      if (STATEFUL_TYPES.includes(type) || isEndpoint) out.push(`${type}.${id}`);
    }
  }
  return out.sort();
}

/**
 * Compare the stateful addresses of `json` with the recorded ones. A recorded address may only
 * disappear when a `moved` block moves it to a new address.
 */
export function addressChanges(recorded: readonly string[], json: TfJson): string[] {
  const now = statefulAddresses(json);
  const moved = ((json as unknown as { moved?: { from: string; to: string }[] }).moved ?? []).map((m) => [m.from, m.to]);
  const problems: string[] = [];
  for (const address of recorded) {
    if (now.includes(address)) continue;
    const move = moved.find(([from]) => from === address);
    if (move && now.includes(move[1])) continue;
    problems.push(
      `${address} is gone: Terraform would destroy it and create a new one (data loss). If the rename is intended, ` +
        `declare it with declareMove(scope, "${address}", "<new address>") (lib/core/moves.ts), then record the new address in test/stateful-addresses.json.`,
    );
  }
  for (const address of now) {
    const viaMove = moved.some(([, to]) => to === address);
    if (!recorded.includes(address) && !viaMove) problems.push(`${address} is new: record it in test/stateful-addresses.json once reviewed.`);
  }
  return problems;
}
