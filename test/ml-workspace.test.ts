import { Testing } from "cdktf";
import { MlWorkspace, MlWorkspaceProps } from "../lib/platform/ml-workspace";
import { armIds } from "./azure-ids";
import { bareStack, problemsOf, refTo, resourcesOf, single, synthJson, WORKSPACE_PROPS } from "./helpers";

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

  test("a region is checked as the environment config checks it", () => {
    expect(problemsOf(() => new MlWorkspace(bareStack(), "ws", { ...props, location: "WestEurope" }))).toEqual([`test/ws: location "WestEurope" must be an Azure region name such as westeurope`]);
  });
});

describe("MlWorkspace with existing dependencies", () => {
  const ids = armIds("00000000-0000-0000-0000-0000000000bb", "rg-shared");
  const existing = {
    existingStorageAccountId: ids.storage("stshared"),
    existingKeyVaultId: ids.keyVault("kv-shared"),
    existingApplicationInsightsId: `${ids.resourceGroup}/providers/Microsoft.Insights/components/appi-shared`,
    existingContainerRegistryId: `${ids.resourceGroup}/providers/Microsoft.ContainerRegistry/registries/crshared`,
  };
  const { storageAccountName, keyVaultName, logAnalyticsWorkspaceName, applicationInsightsName, ...rest } = props;

  test("storage, key vault, Application Insights and registry by id: none is created, the workspace points at them", () => {
    const stack = bareStack();
    const ws = new MlWorkspace(stack, "ws", { ...rest, ...existing });
    const json = synthJson(stack);
    for (const t of ["azurerm_storage_account", "azurerm_key_vault", "azurerm_log_analytics_workspace", "azurerm_application_insights", "azurerm_container_registry"]) expect([t, resourcesOf(json, t)]).toEqual([t, {}]);
    expect(json.data ?? {}).not.toHaveProperty("azurerm_client_config");
    expect(single(json, "azurerm_machine_learning_workspace")).toMatchObject({
      storage_account_id: existing.existingStorageAccountId,
      key_vault_id: existing.existingKeyVaultId,
      application_insights_id: existing.existingApplicationInsightsId,
      container_registry_id: existing.existingContainerRegistryId,
    });
    expect([ws.storageAccountId, ws.storageAccountName, ws.keyVaultId, ws.storageAccount, ws.logAnalyticsWorkspace]).toEqual([existing.existingStorageAccountId, "stshared", existing.existingKeyVaultId, undefined, undefined]);
  });

  test("created and existing are exclusive; a created resource's options do not go with an existing one; ids are checked by type", () => {
    expect(
      problemsOf(() =>
        new MlWorkspace(bareStack(), "ws", {
          ...props,
          existingStorageAccountId: ids.keyVault("kv-shared"),
          existingKeyVaultId: existing.existingKeyVaultId,
          purgeProtectionEnabled: true,
          containerRegistry: { name: "crdemo01", sku: "Premium" },
          existingContainerRegistryId: existing.existingContainerRegistryId,
        }),
      ),
    ).toEqual([
      `test/ws: existingStorageAccountId "${ids.keyVault("kv-shared")}" must be the id of a Microsoft.Storage/storageAccounts (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>)`,
      `test/ws: storageAccountName "stdemo01" must not be set with existingStorageAccountId (it configures a resource this construct creates)`,
      `test/ws: keyVaultName "kv-demo" must not be set with existingKeyVaultId (it configures a resource this construct creates)`,
      `test/ws: purgeProtectionEnabled true must not be set with existingKeyVaultId (it configures a resource this construct creates)`,
      `test/ws: containerRegistry {"name":"crdemo01","sku":"Premium"} must not be set with existingContainerRegistryId (one registry: an existing one, or one created here)`,
    ]);
    expect(problemsOf(() => new MlWorkspace(bareStack(), "ws", rest))).toEqual([
      `test/ws: storageAccountName (missing) must be set (or existingStorageAccountId, to use an existing one)`,
      `test/ws: keyVaultName (missing) must be set (or existingKeyVaultId, to use an existing one)`,
      `test/ws: logAnalyticsWorkspaceName (missing) must be set (or existingApplicationInsightsId, to use an existing one)`,
      `test/ws: applicationInsightsName (missing) must be set (or existingApplicationInsightsId, to use an existing one)`,
    ]);
    expect([storageAccountName, keyVaultName, logAnalyticsWorkspaceName, applicationInsightsName]).toHaveLength(4);
  });
});

describe("who may use the workspace", () => {
  const ids = armIds("00000000-0000-0000-0000-0000000000bb", "rg-shared");
  const WS = ids.workspace("mlw-shared");

  test("grantJobSubmit: AzureML Data Scientist on the workspace, once per principal; roleAssignments by key", () => {
    const stack = bareStack();
    const ws = new MlWorkspace(stack, "ws", { ...props, roleAssignments: { scientists: { roleDefinitionIdOrName: "AzureML Data Scientist", principalId: "44444444-4444-4444-4444-444444444444", principalType: "Group" } } });
    expect(ws.grantJobSubmit("55555555-5555-5555-5555-555555555555")).toBe(ws.grantJobSubmit("55555555-5555-5555-5555-555555555555"));
    const json = synthJson(stack);
    const grants = Object.entries(resourcesOf(json, "azurerm_role_assignment")).map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), r.role_definition_name, r.principal_id, r.principal_type, r.scope]);
    expect(grants.sort()).toEqual([
      ["ws_data-scientist-55555555-5555-5555-5555-555555555555", "AzureML Data Scientist", "55555555-5555-5555-5555-555555555555", "ServicePrincipal", refTo(json, "azurerm_machine_learning_workspace", "id")],
      ["ws_role-assignment-scientists", "AzureML Data Scientist", "44444444-4444-4444-4444-444444444444", "Group", refTo(json, "azurerm_machine_learning_workspace", "id")],
    ]);
  });

  test("an existing workspace by id: names from the id, its grantJobSubmit works, its attributes are checked", () => {
    const stack = bareStack();
    const ws = MlWorkspace.fromAttributes(stack, "shared", { workspaceId: WS, location: "northeurope", storageAccountId: ids.storage("stshared") });
    expect([ws.workspaceName, ws.resourceGroupName, ws.storageAccountName, ws.workspacePrincipalId]).toEqual(["mlw-shared", "rg-shared", "stshared", undefined]);
    ws.grantJobSubmit({ principalId: "44444444-4444-4444-4444-444444444444", principalType: "User" });
    expect(single(synthJson(stack), "azurerm_role_assignment")).toMatchObject({ scope: WS, role_definition_name: "AzureML Data Scientist", principal_type: "User" });
    expect(problemsOf(() => MlWorkspace.fromAttributes(bareStack(), "x", { workspaceId: ids.storage("stshared"), location: "North Europe", storageAccountId: "stshared", workspacePrincipalId: "me" }))).toEqual([
      `test/x: workspaceId "${ids.storage("stshared")}" must be the id of a Microsoft.MachineLearningServices/workspaces (/subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.MachineLearningServices/workspaces/<name>)`,
      `test/x: location "North Europe" must be an Azure region name such as westeurope`,
      `test/x: storageAccountId "stshared" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/x: workspacePrincipalId "me" must be an object id (a GUID)`,
    ]);
    expect(problemsOf(() => MlWorkspace.fromAttributes(bareStack(), "y", "mlw" as never))).toEqual([`test/y: attributes "mlw" must be an object { workspaceId, location, storageAccountId, workspacePrincipalId? }`, expect.any(String), expect.any(String), expect.any(String)]);
  });
});
