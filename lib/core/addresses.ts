import { IConstruct } from "constructs";
import { TerraformStack } from "cdktf";
import { makeUniqueId } from "cdktf/lib/private/unique";

/**
 * The Terraform address a resource of `type` had (or would have) at `ids` below `scope`, computed the
 * way cdktf allocates logical ids. Used to declare `moved` blocks when a refactor changes the
 * construct tree, so state follows instead of Terraform destroying and recreating the resource.
 */
export function addressAt(scope: IConstruct, type: string, ...ids: string[]): string {
  const stack = TerraformStack.of(scope);
  const scopes = scope.node.scopes;
  const path = scopes.slice(scopes.indexOf(stack) + 1).map((c) => c.node.id);
  return `${type}.${makeUniqueId([...path, ...ids])}`;
}
