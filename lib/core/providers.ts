import { IConstruct } from "constructs";
import { TerraformProvider, TerraformStack } from "cdktf";
import { TimeProvider } from "@cdktf/provider-time/lib/provider";
import { AzapiProvider } from "./azapi";

/** Providers the library's constructs add when a stack has none (azurerm is the consumer's own). */
export type ManagedProvider = "azapi" | "time";

const ADDERS: Record<ManagedProvider, (stack: TerraformStack) => TerraformProvider> = {
  // Ids unlike the ones a consumer would pick, so a provider added later never collides by name.
  azapi: (stack) => new AzapiProvider(stack, "azapi-added-by-aml-datapath"),
  time: (stack) => new TimeProvider(stack, "time-added-by-aml-datapath"),
};

const defaults = (stack: TerraformStack, type: string) =>
  stack.node.findAll().filter((c): c is TerraformProvider => c instanceof TerraformProvider && c.terraformResourceType === type && c.alias === undefined);

// The provider each stack uses per type, found (or added) once: constructs ask many times per stack.
const known = new WeakMap<TerraformStack, Map<ManagedProvider, TerraformProvider>>();

/**
 * Make sure the stack of `scope` configures `type`: a construct that emits azapi or time resources
 * then works in any stack. An existing default (un-aliased) provider of that type is kept as is, so
 * a stack that configures its own (e.g. with a subscription id) is never overridden. A stack that
 * adds its own default provider *after* the construct added one would have two, which Terraform
 * rejects: the stack's validation then says how to fix it.
 */
export function ensureProvider(scope: IConstruct, type: ManagedProvider): TerraformProvider {
  const stack = TerraformStack.of(scope);
  const byType = known.get(stack) ?? new Map<ManagedProvider, TerraformProvider>();
  known.set(stack, byType);
  const cached = byType.get(type);
  if (cached) return cached;
  const provider = defaults(stack, type)[0] ?? ADDERS[type](stack);
  byType.set(type, provider);
  stack.node.addValidation({
    validate: () => {
      const all = defaults(stack, type);
      return all.length > 1
        ? [`${stack.node.path}: ${all.length} default ${type} providers (${all.map((p) => p.node.path).join(", ")}): create your own ${type} provider before the first aml-datapath construct that needs it (it is then used), or give yours an alias`]
        : [];
    },
  });
  return provider;
}
