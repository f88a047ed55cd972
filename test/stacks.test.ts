import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Testing } from "cdktf";
import { DatapathStack, stateKey } from "../stacks/datapath-stack";
import { EnvironmentConfig } from "../stacks/config";
import { addEnvironments, synthToDisk } from "../stacks/app";
import { dev, environments, prod, test as testEnv } from "../stacks/environments";
import { deriveNames, NAME_RULES } from "../lib/core/naming";
import { envStack, problemsOf, refTo, resourcesOf, shared, single, synthJson, TfJson, unescapeTemplate } from "./helpers";
import { DEFAULT_PIPELINE_DIR } from "../lib/pipeline/datapath-pipeline";

const ROOT = path.resolve(__dirname, "..");
const PLATFORM_TYPES = [
  "azurerm_application_insights",
  "azurerm_data_factory",
  "azurerm_data_factory_linked_custom_service",
  "azurerm_key_vault",
  "azurerm_log_analytics_workspace",
  "azurerm_machine_learning_compute_cluster",
  "azurerm_machine_learning_datastore_blobstorage",
  "azurerm_machine_learning_workspace",
  "azurerm_resource_group",
  "azurerm_role_assignment",
  "azurerm_storage_account",
  "azurerm_storage_container",
  "azurerm_storage_blob",
  "azapi_resource",
  "azapi_update_resource",
  "azapi_resource_action",
  "azurerm_data_factory_trigger_blob_event",
];

const synthed = new Map(environments.map((e) => [e.name, shared(() => synthJson(envStack(e)))]));
const get = (env: string): TfJson => synthed.get(env)!();

describe.each(environments.map((e) => [e.name, e] as const))("%s stack", (name, cfg) => {
  const json = () => get(name);

  test("contains the whole platform", () => {
    for (const t of PLATFORM_TYPES) expect(Object.keys(resourcesOf(json(), t)).length).toBeGreaterThan(0);
    expect(Object.keys(resourcesOf(json(), "azurerm_machine_learning_datastore_blobstorage"))).toHaveLength(2);
    // Every grant, by the construct that makes it: least privilege, nothing at subscription scope.
    const grants = Object.fromEntries(
      // Logical ids are the construct path joined by "_" plus a hash suffix.
      Object.entries(resourcesOf(json(), "azurerm_role_assignment")).map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), r.role_definition_name]),
    );
    expect(grants).toEqual({
      "input-data_workspace-reader": "Storage Blob Data Reader",
      "output-data_workspace-reader": "Storage Blob Data Reader",
      "cluster_input-reader-input-data_container": "Storage Blob Data Reader",
      "cluster_output-writer-output-data_container": "Storage Blob Data Contributor",
      // workspace.grantJobSubmit(factory), named by the workspace (moved from "factory_workspace-data-scientist").
      "factory_workspace-data-scientist-workspace": "AzureML Data Scientist",
      "factory_input-reader-input-data_container": "Storage Blob Data Reader",
      "factory_output-writer-output-data_container": "Storage Blob Data Contributor",
      "pipeline_code-access_deployer-upload": "Storage Blob Data Contributor",
      "pipeline_code-access_compute-reader": "Storage Blob Data Reader",
      "pipeline_code-access_workspace-reader": "Storage Blob Data Reader",
      // Private profile: the workspace identity reads storage through its private endpoints.
      ...(cfg.network.profile === "private" ? { "workspace-reader-storage-blob": "Reader", "workspace-reader-storage-file": "Reader" } : {}),
    });
    for (const r of Object.values(resourcesOf(json(), "azurerm_role_assignment"))) expect(String(r.scope)).not.toMatch(/^\/subscriptions\/[^/]+$/);
  });

  test("publishes the pipeline: code, environment, four components, endpoint + deployment, ADF pipeline and triggers", () => {
    const kind = (r: { type?: unknown }) => String(r.type).replace(/^Microsoft\.(MachineLearningServices|DataFactory)\/(workspaces|factories)\//, "").replace(/@.*$/, "");
    expect(Object.values(resourcesOf(json(), "azapi_resource")).map(kind).sort()).toEqual([
      "batchEndpoints",
      "codes",
      "codes",
      "codes",
      "components",
      "components",
      "components",
      "components",
      "environments",
      "pipelines",
    ]);
    // Immutable versions and this version's deployment are PUT once and never deleted by Terraform.
    const versions = Object.values(resourcesOf(json(), "azapi_resource_action"));
    expect(versions.map((r) => [kind(r), r.method, r.when]).sort()).toEqual(
      ["batchEndpoints/deployments", "codes/versions", "codes/versions", "codes/versions", "components/versions", "components/versions", "components/versions", "components/versions", "environments/versions"].map((k) => [k, "PUT", "apply"]),
    );
    const adf = single(json(), "azapi_resource", (r) => String(r.type).startsWith("Microsoft.DataFactory/factories/pipelines@"));
    const props = (adf.body as { properties: { parameters: Record<string, { type: string; defaultValue: string }> } }).properties;
    expect(props.parameters).toMatchObject({
      relative_path: { type: "String", defaultValue: cfg.data.defaultRelativePath },
      datastore_name: { type: "String", defaultValue: cfg.data.inputDatastore },
    });
    expect(Object.keys(resourcesOf(json(), "azurerm_data_factory_trigger_schedule")).length).toBe(cfg.pipeline.schedule ? 1 : 0);
    const process = versions.find((r) => JSON.stringify(r.body).includes('"type":"parallel","version"'));
    expect(process).toBeDefined();
    expect(json().provider!.azapi).toBeDefined();
    expect((json().terraform.required_providers as Record<string, unknown>).azapi).toEqual({ source: "Azure/azapi", version: "~> 2.0" });
    expect((json().terraform.required_providers as Record<string, unknown>).time).toMatchObject({ source: "hashicorp/time" });
  });

  test("outputs: pipeline and endpoint names, scoring URI, invoke body template and a start-run command", () => {
    expect(Object.keys(json().output!).sort()).toEqual([
      "adf_pipeline_name",
      "aml_datapath_datapath",
      "batch_deployment_name",
      "batch_deployment_retention",
      "batch_endpoint_name",
      "batch_endpoint_scoring_uri",
      "compute_cluster_name",
      "data_factory_name",
      "input_datastore_name",
      "invoke_body_template",
      "start_run_command",
      "workspace_name",
    ]);
    const deployment = single(json(), "azapi_resource_action", (r) => String(r.type).includes("/batchEndpoints/deployments@"));
    expect(json().output!.batch_deployment_name.value).toBe(String(deployment.resource_id).split("/").pop());
    expect(json().output!.batch_deployment_retention.value).toBe(cfg.pipeline.deploymentRetention ?? 2);
    expect(json().output!.batch_endpoint_scoring_uri.value).toMatch(/^\$\{azapi_resource\.pipeline_batch_endpoint_[0-9A-F]{8}\.output\.properties\.scoringUri\}$/);
    const template = JSON.parse(String(json().output!.invoke_body_template.value));
    expect(template.properties.InputData.input_datapath.Uri).toBe("azureml://datastores/<datastore_name>/paths/<relative_path>");
    const cmd = String(json().output!.start_run_command.value);
    // The factory's resource group and name, as references to the resources the stack creates (named from the config).
    const n = deriveNames(cfg.projectPrefix, cfg.name, cfg.nameSuffix ?? "");
    expect([single(json(), "azurerm_resource_group").name, single(json(), "azurerm_data_factory").name]).toEqual([n.resourceGroup, n.dataFactory]);
    expect(cmd).toContain(`az datafactory pipeline create-run --resource-group ${refTo(json(), "azurerm_resource_group", "name")} --factory-name ${refTo(json(), "azurerm_data_factory", "name")} --name `);
    expect(JSON.parse(cmd.slice(cmd.indexOf("--parameters '") + 14, -1))).toEqual({ datastore_name: "input_data", relative_path: cfg.data.defaultRelativePath });
  });

  test("provider features never purge and never delete non-empty groups; no hard-coded subscription", () => {
    const provider = json().provider!.azurerm[0];
    expect(provider).toEqual({
      features: [
        {
          key_vault: [
            {
              purge_soft_delete_on_destroy: false,
              purge_soft_deleted_secrets_on_destroy: false,
              purge_soft_deleted_keys_on_destroy: false,
              purge_soft_deleted_certificates_on_destroy: false,
            },
          ],
          machine_learning: [{ purge_soft_deleted_workspace_on_destroy: false }],
          resource_group: [{ prevent_deletion_if_contains_resources: true }],
          // The private profile must not poll the storage data plane before its private endpoint exists.
          ...(cfg.network.profile === "private" ? { storage: [{ data_plane_available: false }] } : {}),
        },
      ],
      storage_use_azuread: true,
    });
  });

  test("has its own remote state key", () => {
    expect(json().terraform.backend).toEqual({
      azurerm: {
        resource_group_name: cfg.backend!.resourceGroupName,
        storage_account_name: cfg.backend!.storageAccountName,
        container_name: cfg.backend!.containerName,
        key: `aml-datapath/${name}.tfstate`,
        use_azuread_auth: true,
      },
    });
  });

  test("derived names satisfy Azure's rules and carry the environment", () => {
    const checks: [string, keyof typeof NAME_RULES][] = [
      ["azurerm_storage_account", "storageAccount"],
      ["azurerm_key_vault", "keyVault"],
      ["azurerm_machine_learning_workspace", "mlWorkspace"],
      ["azurerm_data_factory", "dataFactory"],
      ["azurerm_machine_learning_compute_cluster", "computeCluster"],
      ["azurerm_resource_group", "resourceGroup"],
    ];
    for (const [type, rule] of checks) {
      const n = single(json(), type).name as string;
      expect(n).toMatch(NAME_RULES[rule].pattern);
      expect(n).toContain(name);
    }
  });

  test("cluster matches the environment's config", () => {
    expect(single(json(), "azurerm_machine_learning_compute_cluster")).toMatchObject({
      vm_size: cfg.cluster.vmSize.toUpperCase(),
      vm_priority: cfg.cluster.vmPriority,
      scale_settings: { min_node_count: 0, max_node_count: cfg.cluster.maxNodes },
      local_auth_enabled: false,
    });
  });
});

describe("environment differences", () => {
  const cluster = (env: string) => single(get(env), "azurerm_machine_learning_compute_cluster") as { scale_settings: { max_node_count: number } };
  const protectedTypes = ["azurerm_machine_learning_workspace", "azurerm_storage_account", "azurerm_key_vault"];

  test("cluster grows from dev to prod", () => {
    expect(cluster("dev").scale_settings.max_node_count).toBe(2);
    expect(cluster("test").scale_settings.max_node_count).toBe(4);
    expect(cluster("prod").scale_settings.max_node_count).toBe(8);
  });

  test("prevent_destroy only in prod (workspace, storage, key vault, data containers)", () => {
    const preventDestroy = (r: Record<string, unknown>) => (r.lifecycle as { prevent_destroy?: boolean } | undefined)?.prevent_destroy;
    for (const t of [...protectedTypes, "azurerm_storage_container"]) {
      const prod = Object.values(resourcesOf(get("prod"), t));
      const dev = Object.values(resourcesOf(get("dev"), t));
      expect(prod.length).toBeGreaterThan(0);
      for (const r of prod) expect(preventDestroy(r)).toBe(true);
      for (const r of dev) expect(preventDestroy(r)).toBe(false);
    }
  });

  test("the registry is zone-redundant in the prod tier only (it can only be chosen at creation)", () => {
    for (const e of environments) {
      const registry = Object.values(resourcesOf(get(e.name), "azurerm_container_registry"))[0];
      if (registry) expect([e.name, registry.zone_redundancy_enabled]).toEqual([e.name, e.tier === "prod"]);
    }
  });

  test("every shipped cluster is dedicated: a preempted low-priority job ends Canceled and fails the run", () => {
    for (const e of environments) expect([e.name, single(get(e.name), "azurerm_machine_learning_compute_cluster").vm_priority]).toEqual([e.name, "Dedicated"]);
  });

  test("purge protection on in test and prod, off in dev", () => {
    const purge = (env: string) => single(get(env), "azurerm_key_vault").purge_protection_enabled;
    expect([purge("dev"), purge("test"), purge("prod")]).toEqual([false, true, true]);
  });

  test("the parallel step grows with the cluster and always fits it", () => {
    const instances = (env: string) => {
      const r = Object.values(resourcesOf(get(env), "azapi_resource_action")).find((x) => JSON.stringify(x.body).includes('"type":"parallel","version"'))!;
      return (r.body as { properties: { componentSpec: { resources: { instance_count: number } } } }).properties.componentSpec.resources.instance_count;
    };
    expect([instances("dev"), instances("test"), instances("prod")]).toEqual([2, 4, 8]);
  });

  test("public network only in dev", () => {
    const ws = (env: string) => single(get(env), "azurerm_machine_learning_workspace").public_network_access_enabled;
    const adf = (env: string) => single(get(env), "azurerm_data_factory").public_network_enabled;
    expect([ws("dev"), ws("test"), ws("prod")]).toEqual([true, false, false]);
    expect([adf("dev"), adf("test"), adf("prod")]).toEqual([true, false, false]);
  });

  test("state keys are distinct", () => {
    const keys = environments.map((e) => (get(e.name).terraform.backend as { azurerm: { key: string } }).azurerm.key);
    expect(new Set(keys).size).toBe(environments.length);
    expect(keys).toEqual(environments.map((e) => stateKey(e.name)));
  });

  test("a stack can be built without a backend (local state, at the relative path) and with an explicit subscription", () => {
    const json = synthJson(
      new DatapathStack(Testing.app(), "dev", { ...dev, subscriptionId: "00000000-0000-0000-0000-000000000042" }, { useBackend: false }),
    );
    expect(json.terraform.backend).toEqual({ local: { path: "../../../state/dev.tfstate" } });
    expect(json.provider!.azurerm[0].subscription_id).toBe("00000000-0000-0000-0000-000000000042");
  });
});

describe("state: remote in the test and prod tiers; local only when asked for, never at an absolute path", () => {
  const withoutBackend = (cfg: EnvironmentConfig): EnvironmentConfig => {
    const { backend: _backend, ...rest } = cfg;
    return rest;
  };
  const missing = (cfg: EnvironmentConfig) =>
    `${cfg.name}: backend (missing) must be set in the ${cfg.tier} tier: remote state { resourceGroupName, storageAccountName, containerName } (to try a deploy without the state account, use --local-state)`;

  test.each([
    ["test", testEnv],
    ["prod", prod],
  ])("a %s-tier config without backend is a config error naming backend", (_tier, cfg) => {
    expect(problemsOf(() => addEnvironments(Testing.app(), [withoutBackend(cfg)]))).toEqual([missing(cfg)]);
    // The construct on its own says the same.
    expect(problemsOf(() => new DatapathStack(Testing.app(), cfg.name, withoutBackend(cfg)))).toEqual([missing(cfg)]);
  });

  test("it is reported with the environment's other config problems, all at once", () => {
    expect(problemsOf(() => addEnvironments(Testing.app(), [{ ...withoutBackend(testEnv), projectPrefix: "Bad_Prefix" }]))).toEqual([
      `test: projectPrefix "Bad_Prefix" must be 2-12 lowercase letters or digits, starting with a letter`,
      missing(testEnv),
    ]);
  });

  test("--local-state (AML_DATAPATH_LOCAL_STATE=1) is the way to local state in those tiers: a relative path under state/", () => {
    const [stack] = addEnvironments(Testing.app(), [withoutBackend(prod)], { AML_DATAPATH_LOCAL_STATE: "1" });
    expect(synthJson(stack).terraform.backend).toEqual({ local: { path: "../../../state/prod.tfstate" } });
    // With a backend configured, --local-state still wins (a trial run never touches the shared state).
    const [configured] = addEnvironments(Testing.app(), [testEnv], { AML_DATAPATH_LOCAL_STATE: "1" });
    expect(synthJson(configured).terraform.backend).toEqual({ local: { path: "../../../state/test.tfstate" } });
    // Any other value is not a request for local state.
    expect(problemsOf(() => addEnvironments(Testing.app(), [withoutBackend(prod)], { AML_DATAPATH_LOCAL_STATE: "true" }))).toEqual([missing(prod)]);
  });

  test("a dev config may go without backend: its local state is at the relative path too", () => {
    const [stack] = addEnvironments(Testing.app(), [withoutBackend(dev)], {});
    expect(synthJson(stack).terraform.backend).toEqual({ local: { path: "../../../state/dev.tfstate" } });
  });

  test("an absolute local state path is rejected", () => {
    const absolute = path.join(ROOT, "state", "dev.tfstate");
    expect(problemsOf(() => new DatapathStack(Testing.app(), "dev", dev, { localStatePath: absolute }))).toEqual([
      `dev: localStatePath ${JSON.stringify(absolute)} must be a path relative to the stack folder (an absolute one would put this machine's paths into the synthesized JSON)`,
    ]);
  });

  test("the synthesized output never contains this machine's absolute paths (dev without backend, test with --local-state)", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "state-paths-"));
    try {
      const outdir = path.join(tmp, "cdktf.out");
      const outcome = synthToDisk((app) => {
        addEnvironments(app, [withoutBackend(dev)], {});
        addEnvironments(app, [withoutBackend(testEnv)], { AML_DATAPATH_LOCAL_STATE: "1" });
      }, outdir);
      expect(outcome.ok).toBe(true);
      const files = fs.readdirSync(outdir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const text = fs.readFileSync(f, "utf8");
        for (const absolute of [ROOT, tmp, process.cwd(), os.homedir()]) expect([f, text.includes(absolute)]).toEqual([f, false]);
      }
      for (const env of ["dev", "test"]) {
        const backend = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", env, "cdk.tf.json"), "utf8")).terraform.backend;
        expect(backend).toEqual({ local: { path: `../../../state/${env}.tfstate` } });
        // Relative to the stack folder, it is the documented state/<env>.tfstate next to cdktf.out.
        expect(path.resolve(outdir, "stacks", env, backend.local.path)).toBe(path.join(tmp, "state", `${env}.tfstate`));
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("pipeline.codeDirectory", () => {
  test("the stack ships the step scripts and the conda file from the configured folder", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "team-code-"));
    try {
      const files = ["prepare.py", "process.py", "check_results.py", "conda.yaml"];
      for (const f of files) fs.writeFileSync(path.join(dir, f), `# ${f} of the team's own folder\n${fs.readFileSync(path.join(DEFAULT_PIPELINE_DIR, f), "utf8")}`);
      const json = synthJson(envStack({ ...dev, pipeline: { ...dev.pipeline, codeDirectory: dir } }));
      const blobs = Object.values(resourcesOf(json, "azurerm_storage_blob")).filter((b) => String(b.name).startsWith("LocalUpload/"));
      expect(Object.fromEntries(blobs.map((b) => [path.basename(String(b.name)), unescapeTemplate(b.source_content)]))).toEqual(
        Object.fromEntries(files.filter((f) => f.endsWith(".py")).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")])),
      );
      const environment = Object.values(resourcesOf(json, "azapi_resource_action")).find((r) => String(r.type).includes("/environments/versions@"));
      expect(unescapeTemplate((environment?.body as { properties: { condaFile: string } }).properties.condaFile)).toBe(fs.readFileSync(path.join(dir, "conda.yaml"), "utf8"));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("config validation", () => {
  const build = (cfg: EnvironmentConfig) => () => new DatapathStack(Testing.app(), "env", cfg);

  test("any environment name is allowed; the tier decides the rules", () => {
    const staging = build({ ...prod, name: "staging", tier: "test", protection: { ...prod.protection, preventDestroy: false } })() as DatapathStack;
    expect(staging.names.resourceGroup).toBe(`rg-${prod.projectPrefix}-staging`);
    expect(problemsOf(build({ ...dev, name: "prd", tier: "prod" }))).toEqual([
      `env: network.profile "public" must be "private" in the prod tier`,
      `env: protection.preventDestroy false must be true in the prod tier (delete protection)`,
      `env: protection.purgeProtection false must be true in the prod tier (key vault purge protection)`,
      `env: monitoring.logRetentionDays 30 must be at least 90 in the prod tier (ADF keeps run history only 45 days)`,
    ]);
  });

  test("prod without delete protection", () => {
    expect(problemsOf(build({ ...prod, protection: { preventDestroy: false, purgeProtection: false, blobSoftDeleteRetentionDays: 3 } }))).toEqual([
      `env: protection.preventDestroy false must be true in the prod tier (delete protection)`,
      `env: protection.purgeProtection false must be true in the prod tier (key vault purge protection)`,
      `env: protection.blobSoftDeleteRetentionDays 3 must be at least 7 in the prod tier`,
    ]);
  });

  test.each([
    ["", "must be a non-empty relative path"],
    ["/parquet/offerpath2", "must be relative to the datastore root (no leading '/', drive letter or scheme)"],
    ["parquet/../secrets", "must not contain '.' or '..' segments"],
    ["..", "must not contain '.' or '..' segments"],
    ["parquet\\offer", "must use '/' as separator (no backslashes)"],
    ["azureml://datastores/x/paths/y", "must be relative to the datastore root (no leading '/', drive letter or scheme)"],
    ['parquet/"quoted"', "must not contain quotes or control characters"],
    ["parquet//offer", "must not contain empty segments ('//')"],
  ])("defaultRelativePath %j", (value, rule) => {
    expect(problemsOf(build({ ...dev, data: { ...dev.data, defaultRelativePath: value } }))).toEqual([
      `env: data.defaultRelativePath ${JSON.stringify(value)} ${rule}`,
    ]);
  });

  test.each([
    ["projectPrefix", { projectPrefix: "X_" }, `env: projectPrefix "X_" must be 2-12 lowercase letters or digits, starting with a letter`],
    ["name", { name: "Dev!" }, `env: name "Dev!" must be 2-10 lowercase letters or digits, starting with a letter`],
    ["nameSuffix", { nameSuffix: "TOOLONGX" }, `env: nameSuffix "TOOLONGX" must be 0-6 lowercase letters or digits`],
  ])("a bad %s is reported once, and nothing is built from it", (_, change, message) => {
    const app = Testing.app();
    expect(problemsOf(() => new DatapathStack(app, "env", { ...dev, ...change } as EnvironmentConfig))).toEqual([message]);
    // The stack holds nothing but the guard that fails its synthesis: no construct was built from the config.
    expect(app.node.findChild("env").node.children.map((c) => c.node.id)).toEqual(["aml-datapath-problems"]);
  });

  test("a derived name that is too long names the inputs it came from, once", () => {
    // 12-character prefix + "dev" + 6-character suffix: the storage name (23) fits, the key vault name (26) does not.
    expect(problemsOf(build({ ...dev, projectPrefix: "abcdefghijkl", nameSuffix: "123456" }))).toEqual([
      `env: key vault name "kv-abcdefghijkl-dev-123456" (from projectPrefix "abcdefghijkl" + environment "dev" + nameSuffix "123456") is 26 characters; Azure allows 24`,
    ]);
    expect(problemsOf(build({ ...testEnv, name: "staging", projectPrefix: "contosoanaly", nameSuffix: "x7k2q9" }))).toContain(
      `env: storage account name "stcontosoanalystagingx7k2q9" (from projectPrefix "contosoanaly" + environment "staging" + nameSuffix "x7k2q9") is 27 characters; Azure allows 24`,
    );
  });

  test.each([
    [{ ...dev, location: "westeuropa" }, `env: location "westeuropa" is not an Azure region (e.g. westeurope; the list is in lib/core/azure-lists.ts)`],
    [{ ...dev, cluster: { ...dev.cluster, vmSize: "Standard_DS99_v9" } }, `env: cluster.vmSize "Standard_DS99_v9" is not a VM size AML clusters are known to use (lib/core/azure-lists.ts); for a new size add it there or set cluster.allowUnlistedVmSize`],
    [{ ...dev, data: { ...dev.data, defaultRelativePath: "parquet/offerpath2/" } }, `env: data.defaultRelativePath "parquet/offerpath2/" must not end with '/' (name the folder itself)`],
  ])("rejected with a clear message: %#", (cfg, message) => {
    expect(problemsOf(build(cfg as EnvironmentConfig))).toEqual([message]);
  });

  test("a copy of dev in the prod tier needs what the README's \"Add an environment\" lists, each named by its config field", () => {
    const notes = (cfg: EnvironmentConfig) => {
      const stack = new DatapathStack(Testing.app(), cfg.name, cfg);
      Testing.synth(stack);
      return stack.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === "@cdktf/error" || m.type === "@cdktf/warn").map((m) => `${m.type.slice(7)} ${String(m.data)}`));
    };
    const copy: EnvironmentConfig = { ...dev, name: "live", tier: "prod" };
    expect(problemsOf(() => new DatapathStack(Testing.app(), "live", copy))).toEqual([
      `live: network.profile "public" must be "private" in the prod tier`,
      `live: protection.preventDestroy false must be true in the prod tier (delete protection)`,
      `live: protection.purgeProtection false must be true in the prod tier (key vault purge protection)`,
      `live: monitoring.logRetentionDays 30 must be at least 90 in the prod tier (ADF keeps run history only 45 days)`,
    ]);
    const valid: EnvironmentConfig = { ...copy, network: prod.network, protection: { ...copy.protection, preventDestroy: true, purgeProtection: true }, monitoring: { ...copy.monitoring, logRetentionDays: 90 } };
    const found = notes(valid).map((n) => [n.split(" ")[0], n.slice(n.indexOf("[") + 1, n.indexOf("]")), n.slice(n.indexOf("Fix: ") + 5)]);
    expect(found).toEqual([
      ["error", "storage-geo-redundant-replication", expect.stringMatching(/^set storageReplicationType: "GZRS" in the config/)],
      ["error", "storage-shared-key-disabled", expect.stringContaining(`suppressions: [{ ruleId: "storage-shared-key-disabled", path: "workspace/storage"`)],
      ...["failed-pipeline-run", "failed-aml-job", "long-run"].map(() => ["warn", "alert-receiver-configured", `set monitoring.alertEmailReceivers: ["<address of whoever runs this environment>"] in the config`]),
    ]);
    expect(notes({ ...valid, storageReplicationType: "GZRS", suppressions: prod.suppressions, monitoring: { ...valid.monitoring, alertEmailReceivers: ["ops@example.com"] } })).toEqual([]);
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Add an environment"), readme.indexOf("2. `npm run synth && npm run addresses:update`"));
    for (const field of ["`backend`", '`network: { profile: "private"', "`protection.purgeProtection: true`", '"storage-shared-key-disabled", path: "workspace/storage"', "`protection.preventDestroy: true`", "`protection.blobSoftDeleteRetentionDays`", "`monitoring.logRetentionDays`", "`storageReplicationType`", "`monitoring.alertEmailReceivers`"]) {
      expect([field, section.includes(field)]).toEqual([field, true]);
    }
  }, 60_000);

  test("a new VM size passes with allowUnlistedVmSize", () => {
    const stack = build({ ...dev, cluster: { ...dev.cluster, vmSize: "Standard_DS99_v9", allowUnlistedVmSize: true } })() as DatapathStack;
    expect(stack.cluster).toBeDefined();
  });

  test("a wrong type from JSON config, a bad prefix and a bad cluster are all reported together", () => {
    const fromJson = JSON.parse(JSON.stringify({ ...dev, projectPrefix: "Bad_Prefix", network: { profile: "open" } }));
    fromJson.cluster.maxNodes = "4";
    expect(problemsOf(build(fromJson))).toEqual([
      `env: projectPrefix "Bad_Prefix" must be 2-12 lowercase letters or digits, starting with a letter`,
      `env: network.profile "open" must be one of "public", "private"`,
      `env: cluster.maxNodes "4" must be an integer from 1 to 1000`,
    ]);
  });

  test("a parallel step larger than the cluster", () => {
    expect(problemsOf(build({ ...dev, pipeline: { ...dev.pipeline, parallel: { instanceCount: 3 } } }))).toEqual([
      `env: pipeline.parallel.instanceCount 3 must not exceed cluster.maxNodes (2): the parallel step runs on that many nodes of the cluster`,
    ]);
  });

  test("duplicate environment names across the app", () => {
    expect(problemsOf(() => addEnvironments(Testing.app(), [dev, testEnv, { ...dev }]))).toEqual([
      `app: environments[2].name "dev" must be unique (each environment has its own stack and state)`,
    ]);
  });
});

describe("npm run synth", () => {
  const run = (script: string, outdir: string, cwd = ROOT) =>
    spawnSync(process.execPath, ["--require", require.resolve("ts-node/register"), path.join(ROOT, script)], {
      cwd,
      env: { ...process.env, CDKTF_OUTDIR: outdir, TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
      encoding: "utf8",
    });

  test("writes the three stacks deterministically: byte-identical from two working directories, no absolute paths or timestamps", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
    const a = run("main.ts", path.join(tmp, "a"));
    const b = run("main.ts", path.join(tmp, "b"), tmp);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name])).sort();
    const listing = files(path.join(tmp, "a"));
    expect(listing).toEqual(expect.arrayContaining(["stacks/dev/cdk.tf.json", "stacks/test/cdk.tf.json", "stacks/prod/cdk.tf.json", "manifest.json"]));
    expect(files(path.join(tmp, "b"))).toEqual(listing);
    const today = new Date().toISOString().slice(0, 10);
    for (const f of listing) {
      const fa = fs.readFileSync(path.join(tmp, "a", f), "utf8");
      expect([f, fa]).toEqual([f, fs.readFileSync(path.join(tmp, "b", f), "utf8")]);
      expect(fa).not.toContain(tmp);
      expect(fa).not.toContain(ROOT);
      expect(fa).not.toContain(os.homedir());
      expect(fa).not.toMatch(/"\/(root|home|tmp|work)\//);
      expect(fa).not.toContain(today); // no generation timestamp
    }
    expect(fs.existsSync(path.join(tmp, "a.partial"))).toBe(false);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  test("the README's error example is exactly what the broken fixture app prints", () => {
    const r = run("test/fixtures/bad-app.ts", path.join(os.tmpdir(), `readme-example-${process.pid}`));
    expect(r.status).toBe(1);
    expect(fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8")).toContain(r.stderr.trim());
  }, 60_000);

  test("bad input fails with every problem, no stack trace and no output folder", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-"));
    const out = path.join(tmp, "cdktf.out");
    const r = run("test/fixtures/bad-app.ts", out);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("Invalid configuration (");
    expect(r.stderr).toContain(`dev: projectPrefix "Bad_Prefix" must be 2-12 lowercase letters or digits, starting with a letter`);
    expect(r.stderr).toContain(`prod: protection.preventDestroy false must be true in the prod tier (delete protection)`);
    expect(r.stderr).toContain(`app: environments[3].name "prod" must be unique (each environment has its own stack and state)`);
    // The repeated environment is not built, but its own problems are listed, under its place.
    expect(r.stderr).toContain(`environments[3]: cluster.minNodes 9 must not exceed cluster.maxNodes (8)`);
    expect(r.stderr).toContain(`test: pipeline.schedule.startTime "2026-13-45T25:61:00Z" must be a time that exists`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(fs.readdirSync(tmp)).toEqual([]);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);
});
