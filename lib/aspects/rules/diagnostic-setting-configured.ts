import { IConstruct } from "constructs";
import { DefaultTokenResolver, StringConcat, TerraformResource, TerraformStack, Tokenization } from "cdktf";
import { attributesOf, Rule } from "../rule";

// What must be watched, and for a storage account which of its services must log too.
const TARGETS = ["azurerm_machine_learning_workspace", "azurerm_data_factory", "azurerm_key_vault", "azurerm_container_registry", "azurerm_storage_account"];
const STORAGE_SERVICES = ["blobServices", "queueServices", "tableServices", "fileServices"];

/**
 * Every ML workspace, data factory, key vault, container registry and storage account sends its
 * logs somewhere: an azurerm_monitor_diagnostic_setting in the same stack targets it with at least
 * one log category (a storage account: metrics on the account, and read/write/delete logs on each
 * of its blob, queue, table and file services). All profiles, dev included.
 * Mirrors Azure Policy cf820ca0 (key vault resource logs) and afe0c3be (ML workspace resource logs).
 *
 * Like `private-endpoint-configured`, it sees the other resources of the stack through
 * `TerraformStack.of(node)`: the rule context needs no extension.
 */
export const diagnosticSettingConfigured: Rule = {
  id: "diagnostic-setting-configured",
  mirrors: ["Azure Policy cf820ca0", "Azure Policy afe0c3be"],
  attribute: "(an azurerm_monitor_diagnostic_setting whose target_resource_id is this resource's id, or for a storage account its id and each <id>/<service>Services/default)",
  fix: "add the Diagnostics construct (lib/platform/diagnostics.ts) with this resource among its targets",
  check(node: IConstruct) {
    if (!TerraformResource.isTerraformResource(node) || !TARGETS.includes(node.terraformResourceType)) return "not-applicable";
    const stack = TerraformStack.of(node);
    // References are tokens: resolve both sides to their Terraform expressions before comparing.
    const resolve = (v: unknown) => Tokenization.resolve(v, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }) as unknown;
    const settings = stack.node
      .findAll()
      .map((c) => attributesOf(c, "azurerm_monitor_diagnostic_setting"))
      .filter((s): s is Record<string, unknown> => s !== undefined)
      .map((s) => ({ target: resolve(s.target_resource_id), logs: nonEmpty(s.enabled_log), metrics: nonEmpty(s.enabled_metric) }));
    const myId = `\${${node.terraformResourceType}.${node.friendlyUniqueId}.id}`;
    const logs = (target: string) => settings.some((s) => s.target === target && s.logs);
    if (node.terraformResourceType !== "azurerm_storage_account") return logs(myId) ? "compliant" : "non-compliant";
    // The account itself has no log categories: its setting carries metrics; the services log.
    const account = settings.some((s) => s.target === myId && (s.metrics || s.logs));
    return account && STORAGE_SERVICES.every((svc) => logs(`${myId}/${svc}/default`)) ? "compliant" : "non-compliant";
  },
};

const nonEmpty = (v: unknown): boolean => (Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null);
