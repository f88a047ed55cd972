import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { Aspects, TerraformResource, TerraformStack, Testing } from "cdktf";
import { ALL_RULES } from "../lib/aspects/all-rules";
import { RuleContext, RuleResult } from "../lib/aspects/rule";
import { SecurityRulePack, suppressRule } from "../lib/aspects/security-pack";
import { PrivateEndpoint } from "@cdktf/provider-azurerm/lib/private-endpoint";
import { MonitorDiagnosticSetting } from "@cdktf/provider-azurerm/lib/monitor-diagnostic-setting";
import { NetworkSecurityGroup } from "@cdktf/provider-azurerm/lib/network-security-group";
import { Subnet } from "@cdktf/provider-azurerm/lib/subnet";
import { SubnetNetworkSecurityGroupAssociation } from "@cdktf/provider-azurerm/lib/subnet-network-security-group-association";
import { CONFIG_FIXES, DatapathStack, TIER_FINDINGS } from "../stacks/datapath-stack";
import { EnvironmentConfig } from "../stacks/config";
import { dev, environments, prod, test as testEnv } from "../stacks/environments";
import { ConfigValidationError } from "../lib/core/validation";
import { problemsOf } from "./helpers";

/** A resource with arbitrary attributes, exactly as they would be written to cdk.tf.json. */
class RawResource extends TerraformResource {
  constructor(scope: Construct, id: string, type: string, private readonly attrs: Record<string, unknown>) {
    // lifecycle is a meta-argument: cdktf writes it from the resource config, not from the attributes.
    const lifecycle = attrs.lifecycle as { prevent_destroy?: boolean } | undefined;
    super(scope, id, { terraformResourceType: type, lifecycle: lifecycle && { preventDestroy: lifecycle.prevent_destroy } });
  }
  protected synthesizeAttributes(): Record<string, unknown> {
    const { lifecycle: _meta, ...rest } = this.attrs;
    return rest;
  }
}

const PUBLIC: RuleContext = { profile: "public" };
const PRIVATE: RuleContext = { profile: "private" };
const PROD: RuleContext = { profile: "private", production: true };
const CMK: RuleContext = { profile: "public", requireCustomerManagedKeys: true };

function check(ruleId: string, type: string, attrs: Record<string, unknown>, ctx: RuleContext): RuleResult {
  const rule = ALL_RULES.find((r) => r.id === ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  const stack = new TerraformStack(Testing.app(), "s");
  return rule.check(new RawResource(stack, "r", type, attrs), ctx);
}

// [rule, resource type, compliant attributes, non-compliant attributes, context]
const CASES: [string, string, Record<string, unknown>, Record<string, unknown>, RuleContext][] = [
  ["ml-workspace-public-network-disabled", "azurerm_machine_learning_workspace", { public_network_access_enabled: false }, {}, PUBLIC],
  ["ml-workspace-approved-outbound-only", "azurerm_machine_learning_workspace", { managed_network: { isolation_mode: "AllowOnlyApprovedOutbound" } }, { managed_network: { isolation_mode: "AllowInternetOutbound" } }, PRIVATE],
  ["ml-workspace-managed-network-enabled", "azurerm_machine_learning_workspace", { managed_network: { isolation_mode: "AllowInternetOutbound" } }, { managed_network: { isolation_mode: "Disabled" } }, PUBLIC],
  ["ml-workspace-customer-managed-key", "azurerm_machine_learning_workspace", { encryption: { key_id: "k", key_vault_id: "v" } }, { high_business_impact: true }, CMK],
  ["compute-local-auth-disabled", "azurerm_machine_learning_compute_cluster", { local_auth_enabled: false }, {}, PUBLIC],
  ["compute-scale-to-zero", "azurerm_machine_learning_compute_cluster", { scale_settings: { min_node_count: 0 } }, { scale_settings: { min_node_count: 1 } }, PUBLIC],
  ["compute-ssh-disabled", "azurerm_machine_learning_compute_cluster", { ssh_public_access_enabled: false }, { ssh_public_access_enabled: false, ssh: { admin_username: "a" } }, PUBLIC],
  ["compute-no-public-ip", "azurerm_machine_learning_compute_cluster", { node_public_ip_enabled: false }, { node_public_ip_enabled: true }, PRIVATE],
  ["storage-https-only", "azurerm_storage_account", { https_traffic_only_enabled: true }, { enable_https_traffic_only: true }, PUBLIC],
  ["storage-min-tls-1-2", "azurerm_storage_account", { min_tls_version: "TLS1_2" }, { min_tls_version: "TLS1_0" }, PUBLIC],
  ["storage-no-public-blob-access", "azurerm_storage_account", { allow_nested_items_to_be_public: false }, {}, PUBLIC],
  ["storage-container-private", "azurerm_storage_container", { container_access_type: "private" }, { container_access_type: "blob" }, PUBLIC],
  ["storage-blob-soft-delete", "azurerm_storage_account", { blob_properties: { delete_retention_policy: { days: 7 } } }, { blob_properties: { delete_retention_policy: { days: 1 } } }, PUBLIC],
  ["storage-container-soft-delete", "azurerm_storage_account", { blob_properties: { container_delete_retention_policy: { days: 14 } } }, { blob_properties: {} }, PUBLIC],
  ["storage-blob-versioning", "azurerm_storage_account", { blob_properties: { versioning_enabled: true } }, { blob_properties: { versioning_enabled: false } }, PUBLIC],
  ["storage-shared-key-disabled", "azurerm_storage_account", { shared_access_key_enabled: false }, {}, PUBLIC],
  ["storage-public-network-disabled", "azurerm_storage_account", { public_network_access_enabled: false }, { public_network_access_enabled: true }, PRIVATE],
  ["storage-network-default-deny", "azurerm_storage_account", { network_rules: { default_action: "Deny" } }, {}, PRIVATE],
  ["storage-infrastructure-encryption", "azurerm_storage_account", { infrastructure_encryption_enabled: true }, {}, PUBLIC],
  ["storage-local-users-disabled", "azurerm_storage_account", { local_user_enabled: false }, {}, PUBLIC],
  ["storage-sas-expiration-policy", "azurerm_storage_account", { shared_access_key_enabled: true, sas_policy: { expiration_period: "0.01:00:00" } }, { shared_access_key_enabled: true }, PUBLIC],
  ["storage-trusted-services-bypass", "azurerm_storage_account", { network_rules: { default_action: "Deny", bypass: ["AzureServices"] } }, { network_rules: { default_action: "Deny", bypass: [] } }, PUBLIC],
  ["storage-geo-redundant-replication", "azurerm_storage_account", { account_replication_type: "GZRS" }, { account_replication_type: "ZRS" }, PROD],
  ["key-vault-purge-protection", "azurerm_key_vault", { purge_protection_enabled: true }, { purge_protection_enabled: false }, PUBLIC],
  ["key-vault-soft-delete-retention", "azurerm_key_vault", { soft_delete_retention_days: 90 }, { soft_delete_retention_days: 120 }, PUBLIC],
  ["key-vault-rbac-authorization", "azurerm_key_vault", { rbac_authorization_enabled: true }, { enable_rbac_authorization: true }, PUBLIC],
  ["key-vault-network-default-deny", "azurerm_key_vault", { network_acls: { default_action: "Deny" } }, { network_acls: { default_action: "Allow" } }, PRIVATE],
  ["key-vault-public-network-disabled", "azurerm_key_vault", { public_network_access_enabled: false }, {}, PRIVATE],
  ["data-factory-managed-identity", "azurerm_data_factory", { identity: { type: "SystemAssigned" } }, {}, PUBLIC],
  ["data-factory-public-network-disabled", "azurerm_data_factory", { public_network_enabled: false }, {}, PUBLIC],
  ["data-factory-git-integration", "azurerm_data_factory", { github_configuration: { repository_name: "r" } }, { github_configuration: { repository_name: "" } }, PUBLIC],
  ["data-factory-linked-service-msi", "azurerm_data_factory_linked_custom_service", { type: "AzureMLService", type_properties_json: '{"authentication":"MSI"}' }, { type: "AzureMLService", type_properties_json: '{"servicePrincipalId":"x"}' }, PUBLIC],
  ["container-registry-admin-disabled", "azurerm_container_registry", { admin_enabled: false }, { admin_enabled: true }, PUBLIC],
  ["container-registry-anonymous-pull-disabled", "azurerm_container_registry", { anonymous_pull_enabled: false }, { anonymous_pull_enabled: true }, PUBLIC],
  ["container-registry-public-network-disabled", "azurerm_container_registry", { public_network_access_enabled: false }, {}, PRIVATE],
  ["app-insights-local-auth-disabled", "azurerm_application_insights", { local_authentication_disabled: true }, { local_authentication_disabled: false }, PUBLIC],
  ["role-assignment-least-privilege", "azurerm_role_assignment", { role_definition_name: "Storage Blob Data Reader", scope: "/subscriptions/s/resourceGroups/r" }, { role_definition_name: "Contributor", scope: "/subscriptions/s/resourceGroups/r" }, PUBLIC],
  ["stateful-prevent-destroy", "azurerm_key_vault", { lifecycle: { prevent_destroy: true } }, {}, PROD],
  ["container-registry-zone-redundant", "azurerm_container_registry", { zone_redundancy_enabled: true }, { zone_redundancy_enabled: false }, PROD],
  ["alert-receiver-configured", "azurerm_monitor_metric_alert", { action: [{ action_group_id: "${azurerm_monitor_action_group.g.id}" }] }, {}, PROD],
];

// An explicit bad value, for the rules whose case above leaves the attribute out: a rule weakened to
// "any value present" passes an absent attribute's test, not these.
const EXPLICIT_BAD: [string, string, Record<string, unknown>, RuleContext][] = [
  ["ml-workspace-public-network-disabled", "azurerm_machine_learning_workspace", { public_network_access_enabled: true }, PUBLIC],
  ["compute-local-auth-disabled", "azurerm_machine_learning_compute_cluster", { local_auth_enabled: true }, PUBLIC],
  ["storage-no-public-blob-access", "azurerm_storage_account", { allow_nested_items_to_be_public: true }, PUBLIC],
  ["storage-container-soft-delete", "azurerm_storage_account", { blob_properties: { container_delete_retention_policy: { days: 0 } } }, PUBLIC],
  ["storage-shared-key-disabled", "azurerm_storage_account", { shared_access_key_enabled: true }, PUBLIC],
  ["storage-network-default-deny", "azurerm_storage_account", { network_rules: { default_action: "Allow" } }, PRIVATE],
  ["storage-infrastructure-encryption", "azurerm_storage_account", { infrastructure_encryption_enabled: false }, PUBLIC],
  ["storage-local-users-disabled", "azurerm_storage_account", { local_user_enabled: true }, PUBLIC],
  ["storage-sas-expiration-policy", "azurerm_storage_account", { shared_access_key_enabled: true, sas_policy: { expiration_period: "" } }, PUBLIC],
  ["key-vault-public-network-disabled", "azurerm_key_vault", { public_network_access_enabled: true }, PRIVATE],
  ["data-factory-managed-identity", "azurerm_data_factory", { identity: { type: "" } }, PUBLIC],
  ["data-factory-public-network-disabled", "azurerm_data_factory", { public_network_enabled: true }, PUBLIC],
  ["container-registry-public-network-disabled", "azurerm_container_registry", { public_network_access_enabled: true }, PRIVATE],
  ["stateful-prevent-destroy", "azurerm_key_vault", { lifecycle: { prevent_destroy: false } }, PROD],
  ["alert-receiver-configured", "azurerm_monitor_metric_alert", { action: [] }, PROD],
];

// Rules that look at other resources of the stack have their own tests below.
const STACK_RULES = ["private-endpoint-configured", "diagnostic-setting-configured", "subnet-network-security-group"];

describe("each rule", () => {
  test("every rule has cases here", () => {
    expect(CASES.map((c) => c[0]).sort()).toEqual(ALL_RULES.map((r) => r.id).filter((id) => !STACK_RULES.includes(id)).sort());
  });

  test.each(CASES)("%s", (ruleId, type, good, bad, ctx) => {
    expect(check(ruleId, type, good, ctx)).toBe("compliant");
    expect(check(ruleId, type, bad, ctx)).toBe("non-compliant");
    // Another resource type is never judged.
    expect(check(ruleId, "azurerm_log_analytics_workspace", bad, ctx)).toBe("not-applicable");
  });

  test("every rule whose bad case leaves the attribute out has an explicit bad value too", () => {
    const absent = CASES.filter((c) => Object.keys(c[3]).length === 0).map((c) => c[0]).sort();
    expect(EXPLICIT_BAD.map((c) => c[0]).filter((id) => absent.includes(id)).sort()).toEqual(absent);
  });

  test.each(EXPLICIT_BAD)("%s: an explicit bad value is a finding", (ruleId, type, bad, ctx) => {
    expect(check(ruleId, type, bad, ctx)).toBe("non-compliant");
  });

  test.each([
    ["ml-workspace-approved-outbound-only", "azurerm_machine_learning_workspace"],
    ["storage-public-network-disabled", "azurerm_storage_account"],
    ["key-vault-network-default-deny", "azurerm_key_vault"],
    ["compute-no-public-ip", "azurerm_machine_learning_compute_cluster"],
  ])("%s applies to the private profile only", (ruleId, type) => {
    expect(check(ruleId, type, {}, PUBLIC)).toBe("not-applicable");
  });

  test("production-only and CMK-only rules are not applicable elsewhere", () => {
    expect(check("stateful-prevent-destroy", "azurerm_key_vault", {}, PRIVATE)).toBe("not-applicable");
    expect(check("container-registry-zone-redundant", "azurerm_container_registry", { zone_redundancy_enabled: false }, PRIVATE)).toBe("not-applicable");
    expect(check("alert-receiver-configured", "azurerm_monitor_metric_alert", {}, PRIVATE)).toBe("not-applicable");
    expect(check("alert-receiver-configured", "azurerm_monitor_action_group", {}, PUBLIC)).toBe("not-applicable");
    expect(check("storage-geo-redundant-replication", "azurerm_storage_account", { account_replication_type: "LRS" }, PRIVATE)).toBe("not-applicable");
    expect(check("ml-workspace-customer-managed-key", "azurerm_machine_learning_workspace", {}, PUBLIC)).toBe("not-applicable");
  });

  test("role assignments: subscription scope and broad role ids are findings too", () => {
    expect(check("role-assignment-least-privilege", "azurerm_role_assignment", { role_definition_name: "Reader", scope: "/subscriptions/0000" }, PUBLIC)).toBe("non-compliant");
    expect(
      check("role-assignment-least-privilege", "azurerm_role_assignment", { role_definition_id: "/subscriptions/s/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635", scope: "/subscriptions/s/resourceGroups/r" }, PUBLIC),
    ).toBe("non-compliant");
  });

  test("alert receivers: log alerts name an action group, action groups have a receiver", () => {
    const rule = "alert-receiver-configured";
    expect(check(rule, "azurerm_monitor_scheduled_query_rules_alert_v2", { action: { action_groups: ["${azurerm_monitor_action_group.g.id}"] } }, PROD)).toBe("compliant");
    expect(check(rule, "azurerm_monitor_scheduled_query_rules_alert_v2", { action: { action_groups: [] } }, PROD)).toBe("non-compliant");
    expect(check(rule, "azurerm_monitor_scheduled_query_rules_alert_v2", {}, PROD)).toBe("non-compliant");
    expect(check(rule, "azurerm_monitor_action_group", { email_receiver: [{ name: "ops", email_address: "ops@example.com" }] }, PROD)).toBe("compliant");
    expect(check(rule, "azurerm_monitor_action_group", { webhook_receiver: [{ name: "hook", service_uri: "https://example.com" }] }, PROD)).toBe("compliant");
    expect(check(rule, "azurerm_monitor_action_group", { email_receiver: [] }, PROD)).toBe("non-compliant");
    expect(check(rule, "azurerm_monitor_metric_alert", { action: [] }, PROD)).toBe("non-compliant");
  });

  describe("diagnostic settings: a resource is compliant only when a setting in the stack targets it with logs", () => {
    const rule = ALL_RULES.find((r) => r.id === "diagnostic-setting-configured")!;
    const setting = (stack: TerraformStack, id: string, target: string, logs: boolean, metrics = true) =>
      new MonitorDiagnosticSetting(stack, id, {
        name: "to-log-analytics",
        targetResourceId: target,
        logAnalyticsWorkspaceId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/log",
        enabledLog: logs ? [{ categoryGroup: "allLogs" }] : undefined,
        enabledMetric: metrics ? [{ category: "AllMetrics" }] : undefined,
      });

    test.each(["azurerm_machine_learning_workspace", "azurerm_data_factory", "azurerm_key_vault", "azurerm_container_registry"])("%s", (type) => {
      const stack = new TerraformStack(Testing.app(), "s");
      const covered = new RawResource(stack, "covered", type, {});
      const metricsOnly = new RawResource(stack, "metrics-only", type, {});
      const bare = new RawResource(stack, "bare", type, {});
      setting(stack, "d1", covered.getStringAttribute("id"), true);
      setting(stack, "d2", metricsOnly.getStringAttribute("id"), false);
      // Every profile and tier: dev's logs matter too.
      for (const ctx of [PUBLIC, PRIVATE, PROD]) {
        expect(rule.check(covered, ctx)).toBe("compliant");
        expect(rule.check(metricsOnly, ctx)).toBe("non-compliant");
        expect(rule.check(bare, ctx)).toBe("non-compliant");
      }
    });

    test("a storage account: metrics on the account and logs on each of its four services", () => {
      const stack = new TerraformStack(Testing.app(), "s");
      const full = new RawResource(stack, "full", "azurerm_storage_account", {});
      const blobOnly = new RawResource(stack, "blob-only", "azurerm_storage_account", {});
      const servicesOnly = new RawResource(stack, "services-only", "azurerm_storage_account", {});
      setting(stack, "full-account", full.getStringAttribute("id"), false);
      for (const svc of ["blob", "queue", "table", "file"]) {
        setting(stack, `full-${svc}`, `${full.getStringAttribute("id")}/${svc}Services/default`, true);
        setting(stack, `services-only-${svc}`, `${servicesOnly.getStringAttribute("id")}/${svc}Services/default`, true);
      }
      setting(stack, "blob-only-account", blobOnly.getStringAttribute("id"), false);
      setting(stack, "blob-only-blob", `${blobOnly.getStringAttribute("id")}/blobServices/default`, true);
      expect(rule.check(full, PUBLIC)).toBe("compliant");
      expect(rule.check(blobOnly, PUBLIC)).toBe("non-compliant");
      expect(rule.check(servicesOnly, PUBLIC)).toBe("non-compliant");
    });

    test("other resource types are not judged", () => {
      const stack = new TerraformStack(Testing.app(), "s");
      const other = new RawResource(stack, "la", "azurerm_log_analytics_workspace", {});
      expect(rule.check(other, PROD)).toBe("not-applicable");
    });
  });

  test("private endpoints: a resource is compliant only when an endpoint in the stack targets it", () => {
    const rule = ALL_RULES.find((r) => r.id === "private-endpoint-configured")!;
    const stack = new TerraformStack(Testing.app(), "s");
    const covered = new RawResource(stack, "covered", "azurerm_key_vault", {});
    const bare = new RawResource(stack, "bare", "azurerm_key_vault", {});
    new PrivateEndpoint(stack, "pe", {
      name: "pe",
      location: "westeurope",
      resourceGroupName: "rg",
      subnetId: "/s",
      privateServiceConnection: { name: "c", isManualConnection: false, privateConnectionResourceId: covered.getStringAttribute("id"), subresourceNames: ["vault"] },
    });
    expect(rule.check(covered, PRIVATE)).toBe("compliant");
    expect(rule.check(bare, PRIVATE)).toBe("non-compliant");
    expect(rule.check(bare, PUBLIC)).toBe("not-applicable");
  });
});

type Annotation = { level: string; message: string; constructPath: string };
function annotationsOf(stack: TerraformStack): Annotation[] {
  const out = Testing.synth(stack); // runs aspects
  expect(out.length).toBeGreaterThan(0);
  return stack.node.findAll().flatMap((c) =>
    c.node.metadata.filter((m) => m.type.startsWith("@cdktf/")).map((m) => ({ level: m.type, message: String(m.data), constructPath: c.node.path })),
  );
}

describe("subnets: compliant only when an NSG association in the stack names the subnet", () => {
  const rule = ALL_RULES.find((r) => r.id === "subnet-network-security-group")!;
  const subnet = (stack: TerraformStack, id: string, name: string) =>
    new Subnet(stack, id, { name, resourceGroupName: "rg", virtualNetworkName: "vnet", addressPrefixes: ["10.0.0.0/26"] });

  test("an associated subnet passes; one without, or whose association names another subnet, is a finding", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const nsg = new NetworkSecurityGroup(stack, "nsg", { name: "nsg", resourceGroupName: "rg", location: "westeurope" });
    const covered = subnet(stack, "covered", "snet-a");
    const bare = subnet(stack, "bare", "snet-b");
    new SubnetNetworkSecurityGroupAssociation(stack, "assoc", { subnetId: covered.id, networkSecurityGroupId: nsg.id });
    expect(rule.check(covered, PRIVATE)).toBe("compliant");
    expect(rule.check(covered, PUBLIC)).toBe("compliant");
    expect(rule.check(bare, PRIVATE)).toBe("non-compliant");
    expect(rule.check(bare, PUBLIC)).toBe("non-compliant");
  });

  test("subnets Azure allows no NSG on, and other resource types, are not judged", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    for (const name of ["GatewaySubnet", "AzureFirewallSubnet", "AzureFirewallManagementSubnet", "RouteServerSubnet"]) {
      expect([name, rule.check(subnet(stack, name, name), PRIVATE)]).toEqual([name, "not-applicable"]);
    }
    expect(rule.check(new RawResource(stack, "vnet", "azurerm_virtual_network", {}), PRIVATE)).toBe("not-applicable");
  });

  test("a private stack that drops the association gets the finding on its subnet, as an error in prod", () => {
    const stack = new DatapathStack(Testing.app(), "prod", prod);
    const network = stack.node.findChild("network");
    network.node.tryRemoveChild("nsg-association");
    const errors = annotationsOf(stack).filter((a) => a.level === "@cdktf/error");
    expect(errors.map((e) => [e.constructPath, e.message.split("]")[0]])).toEqual([["prod/network/subnet", "[subnet-network-security-group"]]);
  });
});

describe("the pack on the environment stacks", () => {
  test("prod: no error; the only warnings are the alert rules while nobody is told, each naming the config field; every suppression has its reason", () => {
    const stack = new DatapathStack(Testing.app(), "prod", prod);
    const notes = annotationsOf(stack);
    // prod has no alert receivers configured (the default), so its alerts notify nobody: a warning per alert rule, at the tier's severity for that rule.
    expect(prod.monitoring.alertEmailReceivers ?? []).toEqual([]);
    const warned = notes.filter((a) => a.level !== "@cdktf/info");
    expect(warned.map((a) => [a.level, a.constructPath])).toEqual(["prod/alerts/failed-pipeline-run", "prod/alerts/failed-aml-job", "prod/alerts/long-run"].map((p) => ["@cdktf/warn", p]));
    for (const a of warned) expect(a.message).toMatch(/^\[alert-receiver-configured\] .*Fix: set monitoring\.alertEmailReceivers: \[/);
    expect(stack.securityPack.findings.filter((f) => f.suppressedBecause !== undefined).map((f) => [f.ruleId, f.path, (f.suppressedBecause ?? "").length > 20]).sort()).toEqual([
      ["data-factory-git-integration", "prod/factory/factory", true],
      ["storage-shared-key-disabled", "prod/workspace/storage", true],
    ]);
  });

  test("prod with alert receivers: no finding beyond the reasoned suppressions", () => {
    const stack = new DatapathStack(Testing.app(), "prod", { ...prod, monitoring: { ...prod.monitoring, alertEmailReceivers: ["ops@example.com"] } });
    expect(annotationsOf(stack).filter((a) => a.level !== "@cdktf/info")).toEqual([]);
  });

  test("test: zero findings beyond the reasoned suppressions", () => {
    const stack = new DatapathStack(Testing.app(), "test", testEnv);
    expect(annotationsOf(stack).filter((a) => a.level !== "@cdktf/info")).toEqual([]);
    expect(stack.securityPack.findings.filter((f) => f.suppressedBecause === undefined)).toEqual([]);
  });

  test("every environment has a diagnostic setting for each resource kind, dev included", () => {
    for (const env of environments) {
      const stack = new DatapathStack(Testing.app(), env.name, env);
      annotationsOf(stack);
      expect([env.name, stack.securityPack.findings.filter((f) => f.ruleId === "diagnostic-setting-configured")]).toEqual([env.name, []]);
    }
  });

  test("dev: warnings only, and they name the rule, resource, attribute and fix", () => {
    const stack = new DatapathStack(Testing.app(), "dev", dev);
    const notes = annotationsOf(stack);
    expect(notes.filter((a) => a.level === "@cdktf/error")).toEqual([]);
    const warnings = notes.filter((a) => a.level === "@cdktf/warn").map((a) => a.message);
    expect(warnings).toContain(
      `[data-factory-public-network-disabled] azurerm_data_factory dev/factory/factory: public_network_enabled (mirrors CKV_AZURE_104, AZU-0035, Azure Policy 1cf164be). Fix: set network: { profile: "private", addressSpace: "<range>", subnetPrefix: "<range inside it>" } in the config (or virtualNetworkId + subnetId of an existing network): the private profile turns public network access off`,
    );
    expect(warnings.length).toBe(stack.securityPack.findings.filter((f) => f.suppressedBecause === undefined).length);
  });

  test("an insecure change in prod becomes an error on that resource", () => {
    const app = Testing.app();
    const stack = new DatapathStack(app, "prod", prod);
    stack.workspace.storageAccount!.minTlsVersion = "TLS1_0";
    const errors = annotationsOf(stack).filter((a) => a.level === "@cdktf/error");
    expect(errors.map((e) => [e.constructPath, e.message.split("]")[0]])).toEqual([["prod/workspace/storage", "[storage-min-tls-1-2"]]);
  });

  test("every environment stack carries the pack", () => {
    for (const env of environments) {
      const stack = new DatapathStack(Testing.app(), env.name, env);
      expect(Aspects.of(stack).all).toContain(stack.securityPack);
    }
  });
});

describe("suppressions", () => {
  test("need a known rule and a real reason", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    expect(() => suppressRule(stack, "storage-min-tls-1-2", "because")).toThrow(ConfigValidationError);
    expect(() => suppressRule(stack, "no-such-rule", "a perfectly good reason for it")).toThrow(/ruleId "no-such-rule" must name a rule of the pack/);
  });

  test("apply to the construct and everything below it, and are reported as info with the reason", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const group = new Construct(stack, "group");
    new RawResource(group, "vault", "azurerm_key_vault", { purge_protection_enabled: false });
    new RawResource(stack, "other", "azurerm_key_vault", { purge_protection_enabled: false });
    suppressRule(group, "key-vault-purge-protection", "scratch vaults are recreated on every test run");
    const pack = new SecurityRulePack({ context: PUBLIC, severity: "error", rules: ALL_RULES.filter((r) => r.id === "key-vault-purge-protection") });
    Aspects.of(stack).add(pack);
    const notes = annotationsOf(stack);
    expect(notes.map((n) => [n.constructPath, n.level])).toEqual([
      ["s/group/vault", "@cdktf/info"],
      ["s/other", "@cdktf/error"],
    ]);
    expect(notes[0].message).toContain("suppressed: scratch vaults are recreated on every test run");
  });

  test("a config suppression must point at a construct of the stack", () => {
    expect(problemsOf(() => new DatapathStack(Testing.app(), "prod", { ...prod, suppressions: [{ ruleId: "storage-shared-key-disabled", path: "workspace/nope", reason: "a reason that is long enough" }] }))).toEqual([
      `prod: suppressions[0].path "workspace/nope" must name a construct of the stack (e.g. workspace/storage)`,
    ]);
  });

  test("a short reason is one mistake, reported once under the config's name; an unknown rule too", () => {
    const suppressions = [
      { ruleId: "storage-shared-key-disabled", path: "workspace/storage", reason: "short" },
      { ruleId: "no-such-rule", path: "workspace", reason: "a reason that is long enough" },
    ];
    expect(problemsOf(() => new DatapathStack(Testing.app(), "prod", { ...prod, suppressions }))).toEqual([
      `prod: suppressions[0].reason "short" must explain the exception (at least 20 characters)`,
      `prod: suppressions[1].ruleId "no-such-rule" must name a rule of the pack (docs/security.md lists them)`,
    ]);
  });
});

describe("docs/security.md", () => {
  const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "security.md"), "utf8");
  test("maps every rule and every id it mirrors", () => {
    for (const rule of ALL_RULES) {
      expect([rule.id, doc.includes(`\`${rule.id}\``)]).toEqual([rule.id, true]);
      for (const m of rule.mirrors) expect([rule.id, m, doc.includes(m.replace(/ \(.*\)$/, ""))]).toEqual([rule.id, m, true]);
    }
  });
});

describe("a rule pack that cannot crash the synth", () => {
  const { StorageAccount } = require("@cdktf/provider-azurerm/lib/storage-account") as typeof import("@cdktf/provider-azurerm/lib/storage-account");
  const { TerraformVariable } = require("cdktf") as typeof import("cdktf");
  const { attributeRule } = require("../lib/aspects/rule") as typeof import("../lib/aspects/rule");
  const account = (stack: TerraformStack, tls: string) =>
    new StorageAccount(stack, "st", { name: "stdemo", resourceGroupName: "rg", location: "westeurope", accountTier: "Standard", accountReplicationType: "LRS", minTlsVersion: tls });
  const synthWith = (rules: ConstructorParameters<typeof SecurityRulePack>[0]["rules"], build: (s: TerraformStack) => void) => {
    const stack = new TerraformStack(Testing.app(), "s");
    build(stack);
    const pack = new SecurityRulePack({ context: { profile: "private" }, severity: "warning", rules });
    Aspects.of(stack).add(pack);
    Testing.synth(stack, false);
    return { pack, stack };
  };

  test("a rule that throws becomes a finding naming the rule and the resource; the other rules still run", () => {
    const broken = { id: "broken-rule", mirrors: [], attribute: "anything", fix: "n/a", check: () => { throw new Error("boom"); } };
    const tls = ALL_RULES.find((r) => r.id === "storage-min-tls-1-2")!;
    const { pack } = synthWith([broken, tls], (s) => account(s, "TLS1_0"));
    expect(pack.findings.map((f) => [f.ruleId, f.path, f.attribute])).toEqual([
      ["broken-rule", "s/st", "anything: the rule failed on this resource (boom), so it was not checked"],
      ["storage-min-tls-1-2", "s/st", "min_tls_version"],
    ]);
  });

  test("a value that is only a reference cannot be judged at synth: info, not a finding", () => {
    const tls = ALL_RULES.find((r) => r.id === "storage-min-tls-1-2")!;
    const { pack, stack } = synthWith([tls], (s) => account(s, new TerraformVariable(s, "tls", { type: "string" }).stringValue));
    expect(pack.findings).toEqual([]);
    const infos = stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/info").map((m) => String(m.data)));
    expect(infos).toEqual([expect.stringContaining("[storage-min-tls-1-2] azurerm_storage_account s/st: min_tls_version is a reference known only at apply time: cannot check at synth")]);
  });

  test("attribute rules see a partly literal string (e.g. JSON with a reference inside) and judge it", () => {
    const rule = attributeRule({ id: "x", mirrors: [], attribute: "min_tls_version", fix: "f", resourceType: "azurerm_storage_account", ok: (v) => String(v).startsWith("TLS1_2") });
    const { pack } = synthWith([rule], (s) => account(s, `TLS1_2-${new TerraformVariable(s, "suffix", { type: "string" }).stringValue}`));
    expect(pack.findings).toEqual([]);
  });
});

describe("severity per rule and fixes in the words of the scope's configuration", () => {
  const vaults = () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new RawResource(stack, "vault", "azurerm_key_vault", { purge_protection_enabled: false, rbac_authorization_enabled: false });
    return stack;
  };
  const rules = ALL_RULES.filter((r) => r.id === "key-vault-purge-protection" || r.id === "key-vault-rbac-authorization");

  test("a rule's own severity overrides the pack's, for that rule only", () => {
    const stack = vaults();
    Aspects.of(stack).add(new SecurityRulePack({ context: PUBLIC, severity: "error", ruleSeverity: { "key-vault-purge-protection": "warning" }, rules }));
    expect(annotationsOf(stack).map((a) => [a.level, a.message.split("]")[0]]).sort()).toEqual([
      ["@cdktf/error", "[key-vault-rbac-authorization"],
      ["@cdktf/warn", "[key-vault-purge-protection"],
    ]);
  });

  test("a rule severity must name a rule of the pack and be error or warning", () => {
    expect(() => new SecurityRulePack({ context: PUBLIC, severity: "error", ruleSeverity: { "no-such-rule": "warning" } })).toThrow(/ruleSeverity\.no-such-rule "warning" must be keyed by a rule of the pack/);
    expect(() => new SecurityRulePack({ context: PUBLIC, severity: "error", ruleSeverity: { "key-vault-purge-protection": "info" as never } })).toThrow(/ruleSeverity\.key-vault-purge-protection "info" must be "error" or "warning"/);
  });

  test("fixFor replaces a rule's fix where it answers, and keeps the rule's own elsewhere", () => {
    const stack = vaults();
    const pack = new SecurityRulePack({ context: PUBLIC, severity: "warning", rules, fixFor: (site) => (site.ruleId === "key-vault-purge-protection" ? `set vault.purge in ${site.path}'s settings` : undefined) });
    Aspects.of(stack).add(pack);
    annotationsOf(stack);
    const rbac = ALL_RULES.find((r) => r.id === "key-vault-rbac-authorization")!;
    expect(Object.fromEntries(pack.findings.map((f) => [f.ruleId, f.fix]))).toEqual({ "key-vault-purge-protection": "set vault.purge in s/vault's settings", "key-vault-rbac-authorization": rbac.fix });
  });
});

describe("a finding on an environment stack names the config field that fixes it", () => {
  type Case = [rule: string, field: string, broken: EnvironmentConfig, fixed: EnvironmentConfig];
  const sp = { type: "ServicePrincipal", servicePrincipalId: "00000000-0000-0000-0000-0000000000a1", tenantId: "00000000-0000-0000-0000-0000000000a2", keyVaultId: "/subscriptions/00000000-0000-0000-0000-0000000000a3/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-sp", secretName: "sp-key" } as const;
  // Each rule a config field controls: a config that breaks it, and the same config with the fix the finding names.
  const CASES: Case[] = [
    ["key-vault-purge-protection", "protection.purgeProtection", dev, { ...dev, protection: { ...dev.protection, purgeProtection: true } }],
    ["storage-blob-soft-delete", "protection.blobSoftDeleteRetentionDays", { ...dev, protection: { ...dev.protection, blobSoftDeleteRetentionDays: 3 } }, dev],
    ["storage-container-soft-delete", "protection.blobSoftDeleteRetentionDays", { ...dev, protection: { ...dev.protection, blobSoftDeleteRetentionDays: 3 } }, dev],
    ["storage-geo-redundant-replication", "storageReplicationType", { ...prod, storageReplicationType: "ZRS" }, { ...prod, storageReplicationType: "GZRS" }],
    ["ml-workspace-public-network-disabled", "network", dev, { ...dev, network: testEnv.network }],
    ["data-factory-public-network-disabled", "network", dev, { ...dev, network: testEnv.network }],
    ["compute-scale-to-zero", "cluster.minNodes", { ...dev, cluster: { ...dev.cluster, minNodes: 1 } }, { ...dev, cluster: { ...dev.cluster, minNodes: 0 } }],
    ["diagnostic-setting-configured", "monitoring.diagnostics", { ...dev, monitoring: { ...dev.monitoring, diagnostics: false } }, { ...dev, monitoring: { ...dev.monitoring, diagnostics: true } }],
    ["alert-receiver-configured", "monitoring.alertEmailReceivers", prod, { ...prod, monitoring: { ...prod.monitoring, alertEmailReceivers: ["ops@example.com"] } }],
    ["data-factory-linked-service-msi", "dataFactoryAuthentication", { ...dev, dataFactoryAuthentication: sp }, { ...dev, dataFactoryAuthentication: { type: "MSI" } }],
    ["storage-shared-key-disabled", "suppressions", dev, { ...dev, suppressions: testEnv.suppressions }],
  ];
  const findingsOf = (cfg: EnvironmentConfig, ruleId: string) => {
    const stack = new DatapathStack(Testing.app(), cfg.name, cfg);
    annotationsOf(stack);
    return stack.securityPack.findings.filter((f) => f.ruleId === ruleId && f.suppressedBecause === undefined);
  };

  test("every rule a config field controls is covered here, or the config itself requires the fix", () => {
    // The two left out: a suppression the stack derives (below), and a rule of the prod tier whose fix the config check requires.
    expect(CASES.map(([rule]) => rule).sort()).toEqual(Object.keys(CONFIG_FIXES).filter((r) => !["storage-public-network-disabled", "stateful-prevent-destroy"].includes(r)).sort());
    expect(CONFIG_FIXES["stateful-prevent-destroy"]).toContain("protection.preventDestroy: true");
    expect(problemsOf(() => new DatapathStack(Testing.app(), "prod", { ...prod, protection: { ...prod.protection, preventDestroy: false } }))).toEqual([
      `prod: protection.preventDestroy false must be true in the prod tier (delete protection)`,
    ]);
  });

  test.each(CASES)("%s: the fix names %s, and the config with it has no such finding", (ruleId, field, broken, fixed) => {
    const found = findingsOf(broken, ruleId);
    expect(found.length).toBeGreaterThan(0);
    for (const f of found) expect(f.fix).toContain(field === "suppressions" ? `suppressions: [{ ruleId: "${ruleId}", path: "${f.path.split("/").slice(1).join("/")}"` : `${field}: `);
    expect(findingsOf(fixed, ruleId)).toEqual([]);
  });

  test("storage-public-network-disabled: accepted with the reason when the config lists deployer addresses", () => {
    const cfg = { ...prod, network: { ...testEnv.network, addressSpace: "10.43.0.0/24", subnetPrefix: "10.43.0.0/26", deployerIpAllowList: ["203.0.113.8/30"] } } as EnvironmentConfig;
    const stack = new DatapathStack(Testing.app(), "prod", cfg);
    annotationsOf(stack);
    const found = stack.securityPack.findings.filter((f) => f.ruleId === "storage-public-network-disabled");
    expect(found.map((f) => [f.path, f.suppressedBecause?.startsWith("network.deployerIpAllowList (203.0.113.8/30)")])).toEqual([["prod/workspace/storage", true]]);
  });

  test("copying dev into a test-tier environment: four errors, each fixed by the config field or suppression it names; with them, none", () => {
    const copy: EnvironmentConfig = { ...dev, name: "staging", tier: "test" };
    const stack = new DatapathStack(Testing.app(), "staging", copy);
    const errors = annotationsOf(stack).filter((a) => a.level === "@cdktf/error");
    expect(errors.map((e) => [e.message.split("]")[0].slice(1), e.message.slice(e.message.indexOf("Fix: ") + 5)])).toEqual([
      ["storage-shared-key-disabled", expect.stringContaining(`suppressions: [{ ruleId: "storage-shared-key-disabled", path: "workspace/storage", reason: `)],
      ["key-vault-purge-protection", expect.stringMatching(/^set protection\.purgeProtection: true in the config/)],
      ["ml-workspace-public-network-disabled", expect.stringMatching(/^set network: \{ profile: "private", addressSpace: /)],
      ["data-factory-public-network-disabled", expect.stringMatching(/^set network: \{ profile: "private", addressSpace: /)],
    ]);
    // docs/security.md shows these four as they are printed.
    const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "security.md"), "utf8");
    for (const e of errors) expect(doc).toContain(e.message);
    const fixed: EnvironmentConfig = { ...copy, protection: { ...copy.protection, purgeProtection: true }, network: testEnv.network, suppressions: testEnv.suppressions };
    expect(annotationsOf(new DatapathStack(Testing.app(), "staging", fixed)).filter((a) => a.level !== "@cdktf/info")).toEqual([]);
  });

  test("a rule no config field controls (only code breaks it) names the suppression that accepts it, and the code fix", () => {
    const stack = new DatapathStack(Testing.app(), "prod", prod);
    stack.workspace.keyVault!.rbacAuthorizationEnabled = false;
    annotationsOf(stack);
    const rule = ALL_RULES.find((r) => r.id === "key-vault-rbac-authorization")!;
    expect(stack.securityPack.findings.filter((f) => f.ruleId === rule.id).map((f) => f.fix)).toEqual([
      `no config field sets rbac_authorization_enabled: accept it in the config with suppressions: [{ ruleId: "key-vault-rbac-authorization", path: "workspace/key-vault", reason: "<why it is accepted, at least 20 characters>" }] (in code: ${rule.fix})`,
    ]);
  });

  test("findings are warnings in the dev tier and errors in test and prod, except the rules the tier lowers", () => {
    expect(Object.fromEntries(Object.entries(TIER_FINDINGS).map(([tier, t]) => [tier, t.severity]))).toEqual({ dev: "warning", test: "error", prod: "error" });
    expect(TIER_FINDINGS.prod.ruleSeverity).toEqual({ "alert-receiver-configured": "warning" });
    const strictDev = new DatapathStack(Testing.app(), "dev", { ...dev, securityFindings: "error" });
    expect(new Set(annotationsOf(strictDev).filter((a) => a.level !== "@cdktf/info").map((a) => a.level))).toEqual(new Set(["@cdktf/error"]));
  });
});
