import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";

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
