import { IConstruct } from "constructs";
import { attributesOf, Rule } from "../rule";

/**
 * In production somebody is told when an alert fires: every metric and log alert rule names an
 * action group, and every action group has at least one receiver. Our own rule (scanners have none).
 * Per resource, like every rule: a production stack with no alert rules at all is caught by the
 * stack (it always creates them), not here.
 */
export const alertReceiverConfigured: Rule = {
  id: "alert-receiver-configured",
  mirrors: [],
  attribute: "action (metric alert) / action.action_groups (log alert) / *_receiver (action group)",
  fix: "set monitoring.alertEmailReceivers in the environment config (the Alerts construct then creates the action group and wires it to every rule)",
  check(node: IConstruct, ctx) {
    if (ctx.production !== true) return "not-applicable";
    const metric = attributesOf(node, "azurerm_monitor_metric_alert");
    if (metric) return blocks(metric.action).some((a) => Boolean(a.action_group_id)) ? "compliant" : "non-compliant";
    const query = attributesOf(node, "azurerm_monitor_scheduled_query_rules_alert_v2");
    if (query) return blocks(query.action).some((a) => Array.isArray(a.action_groups) && a.action_groups.length > 0) ? "compliant" : "non-compliant";
    const group = attributesOf(node, "azurerm_monitor_action_group");
    if (group) {
      const receivers = Object.entries(group).filter(([k, v]) => k.endsWith("_receiver") && blocks(v).length > 0);
      return receivers.length > 0 ? "compliant" : "non-compliant";
    }
    return "not-applicable";
  },
};

// A block is written as an object or a list of objects, depending on its schema.
function blocks(v: unknown): Record<string, unknown>[] {
  if (Array.isArray(v)) return v.filter((b): b is Record<string, unknown> => b !== null && typeof b === "object");
  return v !== null && typeof v === "object" ? [v as Record<string, unknown>] : [];
}
