import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";

const MOVES = new WeakMap<TerraformStack, { from: string; to: string }[]>();

/**
 * Declare that the resource now at `to` was at `from` (a Terraform `moved` block), so a refactor that
 * changes an address moves state instead of destroying and recreating the resource. Written as a raw
 * `moved` block: cdktf's own moveFromId makes every synth run `terraform version`, and synth must
 * not need Terraform.
 */
export function declareMove(scope: IConstruct, from: string, to: string): void {
  if (from === to) return;
  const stack = TerraformStack.of(scope);
  const moves = MOVES.get(stack) ?? [];
  if (moves.some((m) => m.to === to)) return;
  moves.push({ from, to });
  MOVES.set(stack, moves);
  stack.addOverride("moved", [...moves].sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : 0)));
}
