import { Diagnostics, DiagnosticsProps, STORAGE_LOG_CATEGORIES } from "../lib/platform/diagnostics";
import { MlWorkspace } from "../lib/platform/ml-workspace";
import { DataFactory } from "../lib/platform/data-factory";
import { bareStack, problemsOf, refTo, resourcesOf, synthJson, TfJson, WORKSPACE_PROPS } from "./helpers";

const rg = "/subscriptions/5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f/resourceGroups/rg-demo/providers";
const ids = {
  logAnalytics: `${rg}/Microsoft.OperationalInsights/workspaces/log-demo`,
  workspace: `${rg}/Microsoft.MachineLearningServices/workspaces/mlw-demo`,
  factory: `${rg}/Microsoft.DataFactory/factories/adf-demo`,
  vault: `${rg}/Microsoft.KeyVault/vaults/kv-demo`,
  registry: `${rg}/Microsoft.ContainerRegistry/registries/crdemo01`,
  storage: `${rg}/Microsoft.Storage/storageAccounts/stdemo01`,
};
const props: DiagnosticsProps = {
  logAnalyticsWorkspaceId: ids.logAnalytics,
  targets: { mlWorkspaceId: ids.workspace, dataFactoryId: ids.factory, keyVaultId: ids.vault, storageAccountId: ids.storage, containerRegistryId: ids.registry },
};

/** Settings by target id. */
function settingsByTarget(json: TfJson): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.values(resourcesOf(json, "azurerm_monitor_diagnostic_setting")).map((s) => [String(s.target_resource_id), s]));
}

describe("Diagnostics", () => {
  test("one setting per target, each to the workspace, with category groups where the type has them", () => {
    const stack = bareStack();
    new Diagnostics(stack, "diagnostics", props);
    const json = synthJson(stack);
    const byTarget = settingsByTarget(json);
    const storageLogs = STORAGE_LOG_CATEGORIES.map((category) => ({ category }));
    expect(byTarget).toEqual({
      [ids.workspace]: expect.objectContaining({ enabled_log: [{ category_group: "allLogs" }], enabled_metric: [{ category: "AllMetrics" }] }),
      [ids.factory]: expect.objectContaining({ enabled_log: [{ category_group: "allLogs" }], enabled_metric: [{ category: "AllMetrics" }], log_analytics_destination_type: "Dedicated" }),
      [ids.vault]: expect.objectContaining({ enabled_log: [{ category_group: "audit" }], enabled_metric: [{ category: "AllMetrics" }] }),
      [ids.registry]: expect.objectContaining({ enabled_log: [{ category_group: "allLogs" }], enabled_metric: [{ category: "AllMetrics" }] }),
      [ids.storage]: expect.objectContaining({ enabled_metric: [{ category: "Transaction" }] }),
      [`${ids.storage}/blobServices/default`]: expect.objectContaining({ enabled_log: storageLogs, enabled_metric: [{ category: "Transaction" }] }),
      [`${ids.storage}/queueServices/default`]: expect.objectContaining({ enabled_log: storageLogs, enabled_metric: [{ category: "Transaction" }] }),
      [`${ids.storage}/tableServices/default`]: expect.objectContaining({ enabled_log: storageLogs, enabled_metric: [{ category: "Transaction" }] }),
      [`${ids.storage}/fileServices/default`]: expect.objectContaining({ enabled_log: storageLogs, enabled_metric: [{ category: "Transaction" }] }),
    });
    expect(STORAGE_LOG_CATEGORIES).toEqual(["StorageRead", "StorageWrite", "StorageDelete"]);
    for (const [target, s] of Object.entries(byTarget)) {
      expect([target, s.name, s.log_analytics_workspace_id]).toEqual([target, "to-log-analytics", ids.logAnalytics]);
      // Only the factory sets a destination type: elsewhere it reads back empty and would never settle.
      if (target !== ids.factory) expect([target, s]).not.toEqual([target, expect.objectContaining({ log_analytics_destination_type: expect.anything() })]);
      // The 4.x block names only: the deprecated `log` / `metric` blocks are never written.
      expect(Object.keys(s).filter((k) => k === "log" || k === "metric")).toEqual([]);
    }
    // The account itself has no log categories.
    expect(byTarget[ids.storage]).not.toHaveProperty("enabled_log");
  });

  test("construct ids are stable and say what each setting targets", () => {
    const stack = bareStack();
    const d = new Diagnostics(stack, "diagnostics", props);
    expect(Object.fromEntries(Object.entries(d.settings).map(([k, s]) => [k, s!.node.id]))).toEqual({
      mlWorkspace: "ml-workspace",
      dataFactory: "data-factory",
      keyVault: "key-vault",
      containerRegistry: "container-registry",
      storageAccount: "storage-account",
      storageBlob: "storage-blob",
      storageQueue: "storage-queue",
      storageTable: "storage-table",
      storageFile: "storage-file",
    });
  });

  test("no registry, no registry setting; the key vault can send all its logs; another setting name", () => {
    const stack = bareStack();
    new Diagnostics(stack, "diagnostics", { ...props, targets: { ...props.targets, containerRegistryId: undefined }, keyVaultCategoryGroup: "allLogs", settingName: "platform-logs" });
    const byTarget = settingsByTarget(synthJson(stack));
    expect(Object.keys(byTarget)).toHaveLength(8);
    expect(byTarget).not.toHaveProperty([ids.registry]);
    expect(byTarget[ids.vault].enabled_log).toEqual([{ category_group: "allLogs" }]);
    expect(new Set(Object.values(byTarget).map((s) => s.name))).toEqual(new Set(["platform-logs"]));
  });

  test("targets the platform's own resources by reference", () => {
    const stack = bareStack();
    const ws = new MlWorkspace(stack, "ws", {
      ...WORKSPACE_PROPS,
      containerRegistry: { name: "crdemo01", sku: "Premium" },
      tenantId: "00000000-0000-0000-0000-000000000001",
    });
    const factory = new DataFactory(stack, "factory", { name: "adf-demo", location: "westeurope", resourceGroupName: "rg-demo", workspace: ws });
    new Diagnostics(stack, "diagnostics", {
      logAnalyticsWorkspaceId: ws.logAnalyticsWorkspace!.id,
      targets: { mlWorkspaceId: ws.workspaceId, dataFactoryId: factory.id, keyVaultId: ws.keyVaultId, storageAccountId: ws.storageAccountId, containerRegistryId: ws.containerRegistry!.id },
    });
    const json = synthJson(stack);
    const byTarget = settingsByTarget(json);
    const storage = refTo(json, "azurerm_storage_account", "id");
    expect(Object.keys(byTarget).sort()).toEqual(
      [
        refTo(json, "azurerm_machine_learning_workspace", "id"),
        refTo(json, "azurerm_data_factory", "id"),
        refTo(json, "azurerm_key_vault", "id"),
        refTo(json, "azurerm_container_registry", "id"),
        storage,
        `${storage}/blobServices/default`,
        `${storage}/queueServices/default`,
        `${storage}/tableServices/default`,
        `${storage}/fileServices/default`,
      ].sort(),
    );
    for (const s of Object.values(byTarget)) expect(s.log_analytics_workspace_id).toBe(refTo(json, "azurerm_log_analytics_workspace", "id"));
    expect(byTarget[refTo(json, "azurerm_data_factory", "id")].log_analytics_destination_type).toBe("Dedicated");
  });

  test("reports every invalid prop at once", () => {
    expect(
      problemsOf(() =>
        new Diagnostics(bareStack(), "diagnostics", {
          logAnalyticsWorkspaceId: "log-demo",
          targets: { mlWorkspaceId: "", dataFactoryId: ids.factory, keyVaultId: ids.vault, storageAccountId: ids.storage, containerRegistryId: "cr" },
          settingName: "a/b",
          keyVaultCategoryGroup: "everything" as never,
        }),
      ),
    ).toEqual([
      `test/diagnostics: logAnalyticsWorkspaceId "log-demo" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/diagnostics: targets.mlWorkspaceId "" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/diagnostics: targets.containerRegistryId "cr" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
      `test/diagnostics: settingName "a/b" must be 1-260 characters without < > * % & : \\ ? + / and not "service"`,
      `test/diagnostics: keyVaultCategoryGroup "everything" must be one of "audit", "allLogs"`,
    ]);
    expect(problemsOf(() => new Diagnostics(bareStack(), "diagnostics", { ...props, settingName: "service" }))).toEqual([
      `test/diagnostics: settingName "service" must be 1-260 characters without < > * % & : \\ ? + / and not "service"`,
    ]);
  });
});
