import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
// cdktf computes logical ids with this (pinned peer dependency); former addresses are computed the same way.
import { makeUniqueId } from "cdktf/lib/private/unique";

/** The address a resource of `type` has (or had) as the child `id` of `parent`: what cdktf names it. */
export function addressAt(parent: IConstruct, type: string, id: string): string {
  const scopes = parent.node.scopes;
  const below = scopes.slice(scopes.indexOf(TerraformStack.of(parent)) + 1).map((c) => c.node.id);
  return `${type}.${makeUniqueId([...below, id])}`;
}

// Kept on the stack itself (node metadata), like the problems in validation.ts: no module state.
const MOVE = "aml-datapath/move";
type Move = { readonly from: string; readonly to: string };

/**
 * Declare that the resource now at `to` was at `from` (a Terraform `moved` block), so a refactor that
 * changes an address moves state instead of destroying and recreating the resource. Written as a raw
 * `moved` block: cdktf's own moveFromId makes every synth run `terraform version`, and synth must
 * not need Terraform.
 */
export function declareMove(scope: IConstruct, from: string, to: string): void {
  if (from === to) return;
  const stack = TerraformStack.of(scope);
  const moves = stack.node.metadata.filter((m) => m.type === MOVE).map((m) => m.data as Move);
  if (moves.some((m) => m.to === to)) return;
  stack.node.addMetadata(MOVE, { from, to });
  stack.addOverride("moved", [...moves, { from, to }].sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0)));
}

const REMOVED = "aml-datapath/removed";

/**
 * Declare that the resource once at `from` has left the configuration and must be forgotten, not
 * destroyed (a Terraform `removed` block with `destroy = false`, Terraform >= 1.7): for a resource
 * whose new form is another resource type, which a `moved` block cannot express. A `from` that is
 * not in the state is a no-op, so new stacks carry the block harmlessly.
 */
export function declareRemoved(scope: IConstruct, from: string): void {
  const stack = TerraformStack.of(scope);
  const removed = stack.node.metadata.filter((m) => m.type === REMOVED).map((m) => m.data as string);
  if (removed.includes(from)) return;
  stack.node.addMetadata(REMOVED, from);
  stack.addOverride(
    "removed",
    [...removed, from].sort().map((f) => ({ from: f, lifecycle: { destroy: false } })),
  );
  // Older Terraform would reject the block with a parse error; this says which version is needed.
  stack.addOverride("terraform.required_version", ">= 1.7.0");
}
