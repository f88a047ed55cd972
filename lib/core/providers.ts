import { IConstruct } from "constructs";
import { TerraformProvider, TerraformStack } from "cdktf";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { AzapiProvider } from "./azapi";

/** Providers the library's constructs add when a stack has none (azurerm is the consumer's own). */
export type ManagedProvider = "azapi" | "time";

const ADDERS: Record<ManagedProvider, (stack: TerraformStack) => TerraformProvider> = {
  azapi: (stack) => new AzapiProvider(stack, "azapi"),
  time: (stack) => new TimeProvider(stack, "time"),
};

/**
 * Make sure the stack of `scope` configures `type`: a construct that emits azapi or time resources
 * then works in any stack. An existing default (un-aliased) provider of that type is kept as is, so
 * a stack that configures its own (e.g. with a subscription id) is never overridden.
 */
export function ensureProvider(scope: IConstruct, type: ManagedProvider): TerraformProvider {
  const stack = TerraformStack.of(scope);
  const existing = stack.node
    .findAll()
    .find((c): c is TerraformProvider => c instanceof TerraformProvider && c.terraformResourceType === type && c.alias === undefined);
  return existing ?? ADDERS[type](stack);
}
