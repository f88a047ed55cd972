import { IConstruct } from "constructs";
import { attributesOf, Rule } from "../rule";

const STATEFUL = ["azurerm_machine_learning_workspace", "azurerm_storage_account", "azurerm_storage_container", "azurerm_key_vault"];

/**
 * In production, stateful resources carry `lifecycle.prevent_destroy`, so
 * Terraform refuses any plan that would destroy them. Our own data-loss guard.
 */
export const statefulPreventDestroy: Rule = {
  id: "stateful-prevent-destroy",
  mirrors: [],
  attribute: "lifecycle.prevent_destroy",
  fix: "set protection.preventDestroy = true in the environment config",
  check(node: IConstruct, ctx) {
    if (ctx.production !== true) return "not-applicable";
    for (const type of STATEFUL) {
      const a = attributesOf(node, type);
      if (a) return (a.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy === true ? "compliant" : "non-compliant";
    }
    return "not-applicable";
  },
};
