import { Testing } from "cdktf";
import { MlWorkspace, MlWorkspaceProps } from "../lib/platform/ml-workspace";
import { bareStack, problemsOf, refTo, single, synthJson, WORKSPACE_PROPS } from "./helpers";

const props: MlWorkspaceProps = WORKSPACE_PROPS;

describe("MlWorkspace", () => {
  test("defaults are secure: every security-relevant attribute is written explicitly", () => {
    const stack = bareStack();
    new MlWorkspace(stack, "ws", props);
    const synth = Testing.synth(stack);
    expect(synth).toHaveResourceWithProperties({ tfResourceType: "azurerm_storage_account" }, {
      name: "stdemo01",
      https_traffic_only_enabled: true,
      min_tls_version: "TLS1_2",
      allow_nested_items_to_be_public: false,
      account_replication_type: "LRS",
      blob_properties: {
        versioning_enabled: true,
        change_feed_enabled: true,
        delete_retention_policy: { days: 14 },
        container_delete_retention_policy: { days: 14 },
      },
      lifecycle: { prevent_destroy: true },
    });
    expect(synth).toHaveResourceWithProperties({ tfResourceType: "azurerm_key_vault" }, {
      rbac_authorization_enabled: true,
      purge_protection_enabled: true,
      soft_delete_retention_days: 90,
      lifecycle: { prevent_destroy: true },
    });
    // Not public by default: storage and key vault firewalls deny, trusted Azure services pass.
    const j = synthJson(stack);
    expect(single(j, "azurerm_storage_account")).toMatchObject({ public_network_access_enabled: false, network_rules: { default_action: "Deny", bypass: ["AzureServices"] } });
    expect(single(j, "azurerm_key_vault")).toMatchObject({ public_network_access_enabled: false, network_acls: { default_action: "Deny", bypass: "AzureServices" } });
    expect(synth).toHaveResourceWithProperties({ tfResourceType: "azurerm_application_insights" }, {
      local_authentication_disabled: true,
      application_type: "web",
    });
    expect(synth).toHaveResourceWithProperties({ tfResourceType: "azurerm_machine_learning_workspace" }, {
      name: "mlw-demo",
      identity: { type: "SystemAssigned" },
      public_network_access_enabled: false,
      managed_network: { isolation_mode: "AllowInternetOutbound", provision_on_creation_enabled: false },
      // A create-time setting whose read-back is unconfirmed must never plan a replacement.
      lifecycle: { prevent_destroy: true, ignore_changes: ["managed_network[0].provision_on_creation_enabled"] },
    });
    const json = synthJson(stack);
    // The older attribute name must not be used alongside the 4.55 one.
    expect(single(json, "azurerm_key_vault")).not.toHaveProperty("enable_rbac_authorization");
    // Tenant comes from the credentials Terraform runs with, never a hard-coded id.
    expect(single(json, "azurerm_key_vault").tenant_id).toMatch(/^\$\{data\.azurerm_client_config\.[\w-]+\.tenant_id\}$/);
    const ws = single(json, "azurerm_machine_learning_workspace");
    expect(ws.storage_account_id).toBe(refTo(json, "azurerm_storage_account", "id"));
    expect(ws.key_vault_id).toBe(refTo(json, "azurerm_key_vault", "id"));
    expect(ws.application_insights_id).toBe(refTo(json, "azurerm_application_insights", "id"));
    expect(ws).not.toHaveProperty("container_registry_id");
    expect(single(json, "azurerm_application_insights").workspace_id).toBe(refTo(json, "azurerm_log_analytics_workspace", "id"));
    expect(single(json, "azurerm_resource_group").name).toBe("rg-demo");
    expect(json.resource).not.toHaveProperty("azurerm_container_registry");
  });

  test("uses an existing resource group by name and an optional registry with admin off", () => {
    const stack = bareStack();
    const ws = new MlWorkspace(stack, "ws", {
      ...props,
      createResourceGroup: false,
      containerRegistry: { name: "crdemo01" },
      preventDestroy: false,
      purgeProtectionEnabled: false,
      publicNetworkAccessEnabled: true,
      tenantId: "00000000-0000-0000-0000-000000000001",
    });
    const json = synthJson(stack);
    expect(json.resource).not.toHaveProperty("azurerm_resource_group");
    expect(json).not.toHaveProperty("data");
    expect(single(json, "azurerm_storage_account").resource_group_name).toBe("rg-demo");
    expect(single(json, "azurerm_container_registry")).toMatchObject({ admin_enabled: false, sku: "Basic", anonymous_pull_enabled: false });
    const w = single(json, "azurerm_machine_learning_workspace");
    expect(w.container_registry_id).toBe(refTo(json, "azurerm_container_registry", "id"));
    expect(w.public_network_access_enabled).toBe(true);
    expect(single(json, "azurerm_storage_account").public_network_access_enabled).toBe(true);
    expect(single(json, "azurerm_storage_account")).not.toHaveProperty("network_rules");
    expect(w.lifecycle).toEqual({ prevent_destroy: false, ignore_changes: ["managed_network[0].provision_on_creation_enabled"] });
    expect(single(json, "azurerm_key_vault").purge_protection_enabled).toBe(false);
    expect(ws.resourceGroupName).toBe("rg-demo");
  });

  test("a Premium registry purges untagged manifests after 7 days and has dedicated data endpoints; zone redundancy only when asked (create-time)", () => {
    const stack = bareStack();
    new MlWorkspace(stack, "ws", { ...props, containerRegistry: { name: "crdemo01", sku: "Premium" } });
    const registry = single(synthJson(stack), "azurerm_container_registry");
    expect(registry).toMatchObject({
      sku: "Premium",
      public_network_access_enabled: false,
      zone_redundancy_enabled: false,
      retention_policy_in_days: 7,
      data_endpoint_enabled: true,
      // Kept on: AML's copy of images into an AML registry may need export (unconfirmed).
      export_policy_enabled: true,
    });
    // Content trust (deprecated by ACR) and quarantine (blocks AML's own images) stay off: docs/security.md.
    expect(registry).not.toHaveProperty("trust_policy_enabled");
    expect(registry).not.toHaveProperty("quarantine_policy_enabled");
  });

  test("registry settings can be chosen; a Basic registry gets none of the Premium-only ones", () => {
    const custom = bareStack();
    new MlWorkspace(custom, "ws", {
      ...props,
      containerRegistry: { name: "crdemo01", sku: "Premium", zoneRedundancyEnabled: false, untaggedManifestRetentionDays: 30, dataEndpointEnabled: false, exportPolicyEnabled: false },
    });
    expect(single(synthJson(custom), "azurerm_container_registry")).toMatchObject({
      zone_redundancy_enabled: false,
      retention_policy_in_days: 30,
      data_endpoint_enabled: false,
      export_policy_enabled: false,
    });
    const basic = bareStack();
    new MlWorkspace(basic, "ws", { ...props, publicNetworkAccessEnabled: true, containerRegistry: { name: "crdemo01" } });
    const registry = single(synthJson(basic), "azurerm_container_registry");
    expect(registry).toMatchObject({ sku: "Basic", zone_redundancy_enabled: false, data_endpoint_enabled: false, export_policy_enabled: true });
    expect(registry).not.toHaveProperty("retention_policy_in_days");
  });

  test("Premium-only registry settings on another SKU, and export off with public access, are reported", () => {
    expect(
      problemsOf(() =>
        new MlWorkspace(bareStack(), "ws", {
          ...props,
          publicNetworkAccessEnabled: true,
          containerRegistry: { name: "crdemo01", sku: "Standard", zoneRedundancyEnabled: true, dataEndpointEnabled: true, untaggedManifestRetentionDays: 7, exportPolicyEnabled: false },
        }),
      ),
    ).toEqual([
      `test/ws: containerRegistry.zoneRedundancyEnabled true needs sku "Premium"`,
      `test/ws: containerRegistry.dataEndpointEnabled true needs sku "Premium"`,
      `test/ws: containerRegistry.untaggedManifestRetentionDays 7 needs sku "Premium" (or 0)`,
      `test/ws: containerRegistry.exportPolicyEnabled false needs sku "Premium" and public network access off`,
    ]);
    expect(
      problemsOf(() => new MlWorkspace(bareStack(), "ws", { ...props, publicNetworkAccessEnabled: true, containerRegistry: { name: "crdemo01", sku: "Premium", exportPolicyEnabled: false, untaggedManifestRetentionDays: 400 } })),
    ).toEqual([
      `test/ws: containerRegistry.untaggedManifestRetentionDays 400 must be an integer from 0 to 365`,
      `test/ws: containerRegistry.exportPolicyEnabled false needs sku "Premium" and public network access off`,
    ]);
  });

  test("Log Analytics retention is a prop: 30 days by default", () => {
    const byDefault = bareStack();
    new MlWorkspace(byDefault, "ws", props);
    expect(single(synthJson(byDefault), "azurerm_log_analytics_workspace").retention_in_days).toBe(30);
    const prod = bareStack();
    new MlWorkspace(prod, "ws", { ...props, logRetentionDays: 90 });
    expect(single(synthJson(prod), "azurerm_log_analytics_workspace").retention_in_days).toBe(90);
  });

  test("reports every invalid prop at once with path, property, value and rule", () => {
    const messages = problemsOf(() =>
      new MlWorkspace(bareStack(), "ws", {
        ...props,
        storageAccountName: "Bad_Name",
        keyVaultName: "kv--double",
        workspaceName: "x",
        resourceGroupName: "ends.with.dot.",
        logAnalyticsWorkspaceName: "-log",
        applicationInsightsName: "a/b",
        containerRegistry: { name: "cr-1" },
        keyVaultSoftDeleteRetentionDays: 5,
        blobSoftDeleteRetentionDays: 0,
        logRetentionDays: 7,
        isolationMode: "Open" as never,
      }),
    );
    expect(messages).toEqual([
      `test/ws: resourceGroupName "ends.with.dot." must be 1-90 letters, digits, '_', '-', '.', '(' or ')' and not end with '.'`,
      `test/ws: workspaceName "x" must be 3-33 letters, digits, '_' or '-', starting with a letter or digit`,
      `test/ws: storageAccountName "Bad_Name" must be 3-24 lowercase letters or digits`,
      `test/ws: keyVaultName "kv--double" must be 3-24 letters, digits or '-', start with a letter, end with a letter or digit, with no '--'`,
      `test/ws: logAnalyticsWorkspaceName "-log" must be 4-63 letters, digits or '-', starting and ending with a letter or digit`,
      `test/ws: applicationInsightsName "a/b" must be 1-260 characters without % & \\ ? /`,
      `test/ws: containerRegistry.name "cr-1" must be 5-50 letters or digits`,
      `test/ws: containerRegistry.sku "Basic" must be "Premium" when public network access is off (private endpoints need it)`,
      `test/ws: isolationMode "Open" must be one of "Disabled", "AllowInternetOutbound", "AllowOnlyApprovedOutbound"`,
      `test/ws: keyVaultSoftDeleteRetentionDays 5 must be an integer from 7 to 90`,
      `test/ws: blobSoftDeleteRetentionDays 0 must be an integer from 1 to 365`,
      `test/ws: logRetentionDays 7 must be an integer from 30 to 730`,
    ]);
  });

  test("names at the limits are accepted", () => {
    expect(() =>
      new MlWorkspace(bareStack(), "ws", {
        ...props,
        storageAccountName: "a".repeat(24),
        keyVaultName: "k" + "-a".repeat(11) + "b",
        workspaceName: "w".repeat(33),
      }),
    ).not.toThrow();
    expect(problemsOf(() => new MlWorkspace(bareStack(), "ws", { ...props, storageAccountName: "a".repeat(25) }))).toEqual([
      `test/ws: storageAccountName "${"a".repeat(25)}" must be 3-24 lowercase letters or digits`,
    ]);
  });
});
