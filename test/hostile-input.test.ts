import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { addEnvironments, synthToDisk } from "../stacks/app";
import { EnvironmentConfig } from "../stacks/config";
import { DatapathStack } from "../stacks/datapath-stack";
import { dev, prod, test as testEnv } from "../stacks/environments";
import { Testing } from "cdktf";
import { problemsOf } from "./helpers";

type Mutable = { -readonly [K in keyof EnvironmentConfig]: EnvironmentConfig[K] };
/** A deep copy of a config, as it would come from a JSON file. */
const copy = (c: EnvironmentConfig): Mutable & Record<string, unknown> => JSON.parse(JSON.stringify(c));

function devWith(change: (c: Mutable & Record<string, unknown>) => void): EnvironmentConfig[] {
  const c = copy(dev);
  change(c);
  return [c as EnvironmentConfig];
}
function prodWith(change: (c: Mutable & Record<string, unknown>) => void): EnvironmentConfig[] {
  const c = copy(prod);
  change(c);
  return [c as EnvironmentConfig];
}
const set = (obj: object, key: string, value: unknown) => Object.assign(obj, { [key]: value });
const ZERO_VNET = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-amldp-network/providers/Microsoft.Network/virtualNetworks/vnet-amldp-prod";

const PATH_REL = "must be relative to the datastore root (no leading '/', drive letter or scheme)";
const URI_CHARS = (named: string) =>
  `must not contain ${named}: a data path is part of azureml://datastores/<datastore>/paths/<path>, where that would need percent-encoding (allowed: letters A-Z a-z, digits, - . _ ~ ! $ & ( ) * + , ; = : @ and /)`;

// [case, configs, every expected line]
const CASES: [string, EnvironmentConfig[], string[]][] = [
  ["uppercase project prefix", devWith((c) => (c.projectPrefix = "Amldp")), [`dev: projectPrefix "Amldp" must be 2-12 lowercase letters or digits, starting with a letter`]],
  ["empty project prefix", devWith((c) => (c.projectPrefix = "")), [`dev: projectPrefix "" must be 2-12 lowercase letters or digits, starting with a letter`]],
  ["project prefix too long", devWith((c) => (c.projectPrefix = "abcdefghijklm")), [`dev: projectPrefix "abcdefghijklm" must be 2-12 lowercase letters or digits, starting with a letter`]],
  ["project prefix starting with a digit", devWith((c) => (c.projectPrefix = "1aml")), [`dev: projectPrefix "1aml" must be 2-12 lowercase letters or digits, starting with a letter`]],
  ["uppercase name suffix", devWith((c) => (c.nameSuffix = "AB")), [`dev: nameSuffix "AB" must be 0-6 lowercase letters or digits`]],
  ["names too long after prefixing", devWith((c) => ((c.projectPrefix = "abcdefghijkl"), (c.nameSuffix = "123456"))), [
    `dev: key vault name "kv-abcdefghijkl-dev-123456" (from projectPrefix "abcdefghijkl" + environment "dev" + nameSuffix "123456") is 26 characters; Azure allows 24`,
  ]],
  ["region with a space", devWith((c) => (c.location = "West Europe")), [`dev: location "West Europe" must be an Azure region name such as westeurope`]],
  ["subscription that is not a GUID", devWith((c) => (c.subscriptionId = "my-sub")), [`dev: subscriptionId "my-sub" must be a subscription GUID`]],
  ["environment name with a dash", devWith((c) => (c.name = "pre-prod")), [`pre-prod: name "pre-prod" must be 2-10 lowercase letters or digits, starting with a letter`]],
  ["unknown tier", devWith((c) => (c.tier = "staging" as never)), [`dev: tier "staging" must be one of "dev", "test", "prod"`]],
  ["test tier with findings as warnings", devWith((c) => ((c.tier = "test"), (c.securityFindings = "warning"))), [`dev: securityFindings "warning" must be "error" in the test tier (warnings only in dev)`]],
  ["duplicate environment names", [dev, testEnv, { ...testEnv }], [`app: environments[2].name "test" must be unique (each environment has its own stack and state)`]],
  ["path traversal in the data path", devWith((c) => set(c.data, "defaultRelativePath", "parquet/../../secrets")), [`dev: data.defaultRelativePath "parquet/../../secrets" must not contain '.' or '..' segments`]],
  ["absolute data path", devWith((c) => set(c.data, "defaultRelativePath", "/mnt/data")), [`dev: data.defaultRelativePath "/mnt/data" ${PATH_REL}`]],
  ["Windows data path", devWith((c) => set(c.data, "defaultRelativePath", "C:\\data")), [`dev: data.defaultRelativePath "C:\\\\data" ${PATH_REL}`]],
  ["data path that ADF would evaluate", devWith((c) => set(c.data, "defaultRelativePath", "@pipeline().RunId")), [`dev: data.defaultRelativePath "@pipeline().RunId" must not start with '@' or contain '\${' or '%{'`]],
  ["data path with a Terraform template", devWith((c) => set(c.data, "defaultRelativePath", "x/${var.y}")), [`dev: data.defaultRelativePath "x/\${var.y}" must not start with '@' or contain '\${' or '%{'`]],
  ["empty data path", devWith((c) => set(c.data, "defaultRelativePath", "")), [`dev: data.defaultRelativePath "" must be a non-empty relative path`]],
  ["datastore name with illegal characters", devWith((c) => set(c.data, "inputDatastore", "input-data!")), [`dev: data.inputDatastore "input-data!" must be 1-255 lowercase letters, digits or '_', starting with a letter or digit`]],
  ["outputs into the input container", devWith((c) => set(c.data, "outputContainer", c.data.inputContainer)), [`dev: data.outputContainer "input-data" must differ from data.inputContainer (outputs never go into the input container)`]],
  ["container name with a double dash", devWith((c) => set(c.data, "inputContainer", "input--data")), [`dev: data.inputContainer "input--data" must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, with no '--'`]],
  ["negative node count", devWith((c) => set(c.cluster, "minNodes", -1)), [`dev: cluster.minNodes -1 must be an integer from 0 to 1000`]],
  ["zero max nodes", devWith((c) => set(c.cluster, "maxNodes", 0)), [`dev: cluster.maxNodes 0 must be an integer from 1 to 1000`]],
  ["min nodes above max", devWith((c) => set(c.cluster, "minNodes", 3)), [`dev: cluster.minNodes 3 must not exceed cluster.maxNodes (2)`]],
  ["unknown VM size format", devWith((c) => set(c.cluster, "vmSize", "DS3_v2")), [`dev: cluster.vmSize "DS3_v2" must be an Azure VM size such as Standard_DS3_v2`]],
  ["unknown VM priority", devWith((c) => set(c.cluster, "vmPriority", "Spot")), [`dev: cluster.vmPriority "Spot" must be one of "Dedicated", "LowPriority"`]],
  ["mini-batch size 0", devWith((c) => (c.pipeline = { ...c.pipeline, parallel: { miniBatchSize: 0 } })), [`dev: pipeline.parallel.miniBatchSize 0 must be an integer from 1 to 100000`]],
  ["threshold below -1", devWith((c) => (c.pipeline = { ...c.pipeline, parallel: { errorThreshold: -3 } })), [`dev: pipeline.parallel.errorThreshold -3 must be an integer from -1 to ${Number.MAX_SAFE_INTEGER}`]],
  ["parallel step larger than the cluster", devWith((c) => (c.pipeline = { ...c.pipeline, parallel: { instanceCount: 5 } })), [`dev: pipeline.parallel.instanceCount 5 must not exceed cluster.maxNodes (2): the parallel step runs on that many nodes of the cluster`]],
  ["no deployment kept", devWith((c) => (c.pipeline = { ...c.pipeline, deploymentRetention: 0 })), [`dev: pipeline.deploymentRetention 0 must be an integer from 1 to 20`]],
  ["private profile without a network", devWith((c) => (c.network = { profile: "private" } as never)), [
    `dev: network "neither" must name an existing network (virtualNetworkId + subnetId) or one to create (addressSpace + subnetPrefix), not both`,
  ]],
  ["private profile with both an existing and a new network", prodWith((c) => set(c.network, "virtualNetworkId", "/subscriptions/7f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub")), [
    `prod: network "virtualNetworkId and addressSpace" must name an existing network (virtualNetworkId + subnetId) or one to create (addressSpace + subnetPrefix), not both`,
  ]],
  ["placeholder network ids", prodWith((c) => (c.network = { profile: "private", virtualNetworkId: ZERO_VNET, subnetId: `${ZERO_VNET}/subnets/s` })), [
    `prod: network.virtualNetworkId "${ZERO_VNET}" is a placeholder (subscription 00000000-...): use your network's real id, or set addressSpace + subnetPrefix to create one`,
    `prod: network.subnetId "${ZERO_VNET}/subnets/s" is a placeholder (subscription 00000000-...): use your network's real id, or set addressSpace + subnetPrefix to create one`,
  ]],
  ["malformed network id", prodWith((c) => (c.network = { profile: "private", virtualNetworkId: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", subnetId: "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s" })), [
    `prod: network.virtualNetworkId "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v" must be a virtual network id (/subscriptions/<guid>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>)`,
  ]],
  ["subnet of another network", prodWith((c) => (c.network = { profile: "private", virtualNetworkId: "/subscriptions/7f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub", subnetId: "/subscriptions/7f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/other/subnets/s" })), [
    `prod: network.subnetId "/subscriptions/7f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/other/subnets/s" must be a subnet of network.virtualNetworkId`,
  ]],
  ["subnet outside the address space", prodWith((c) => set(c.network, "subnetPrefix", "10.99.0.0/26")), [`prod: network.subnetPrefix "10.99.0.0/26" must lie inside network.addressSpace 10.43.0.0/24`]],
  ["subnet too small for the endpoints", prodWith((c) => set(c.network, "subnetPrefix", "10.43.0.0/29")), [
    `prod: network.subnetPrefix "10.43.0.0/29" must be an IPv4 CIDR network address of /27 or larger (room for a dozen private endpoints)`,
  ]],
  ["deployer allow-list with a private, a /32 and a malformed entry", prodWith((c) => set(c.network, "deployerIpAllowList", ["10.1.2.3", "203.0.113.7/32", "203.0.113.300"])), [
    `prod: network.deployerIpAllowList[0] "10.1.2.3" must be a public address: storage IP rules do not apply to private ranges (use the private endpoint from inside the network)`,
    `prod: network.deployerIpAllowList[1] "203.0.113.7/32" must be an IPv4 address or a CIDR network of /30 or larger (Azure storage takes no /31 or /32)`,
    `prod: network.deployerIpAllowList[2] "203.0.113.300" must be an IPv4 address or a CIDR network of /30 or larger (Azure storage takes no /31 or /32)`,
  ]],
  ["classic style without an endpoint id", devWith((c) => (c.pipeline = { ...c.pipeline, invocation: { style: "classicPipelineEndpoint" } as never })), [
    `dev: pipeline.invocation.pipelineEndpointId (missing) must be a string that is the GUID of an AML v1 published pipeline endpoint`,
  ]],
  ["prod without delete protection", prodWith((c) => set(c.protection, "preventDestroy", false)), [`prod: protection.preventDestroy false must be true in the prod tier (delete protection)`]],
  ["prod on the public profile", prodWith((c) => (c.network = { profile: "public" })), [`prod: network.profile "public" must be "private" in the prod tier`]],
  ["prod with findings as warnings", prodWith((c) => (c.securityFindings = "warning")), [`prod: securityFindings "warning" must be "error" in the prod tier (warnings only in dev)`]],
  ["a number as a string, from JSON", devWith((c) => set(c.cluster, "maxNodes", "4")), [`dev: cluster.maxNodes "4" must be an integer from 1 to 1000`]],
  ["a suppression without a reason", prodWith((c) => (c.suppressions = [{ ruleId: "storage-min-tls-1-2", path: "workspace/storage", reason: "" }])), [
    `prod: suppressions[0].reason "" must explain the exception (at least 20 characters)`,
  ]],
  ["invalid schedule", devWith((c) => (c.pipeline = { ...c.pipeline, schedule: { frequency: "Hourly" as never, interval: 1, relativePath: "x" } })), [
    `dev: pipeline.schedule.frequency "Hourly" must be one of "Minute", "Hour", "Day", "Week", "Month"`,
  ]],
  ["invalid state account", devWith((c) => set(c.backend!, "storageAccountName", "tf-state")), [`dev: backend.storageAccountName "tf-state" must be 3-24 lowercase letters or digits`]],
  ["invalid pipeline name", devWith((c) => (c.pipeline = { ...c.pipeline, name: "Data-Path" })), [`dev: pipeline.name "Data-Path" must be 2-30 lowercase letters, digits or '_', starting with a letter`]],
  ["a tag that is not a string", devWith((c) => (c.tags = { owner: 42 } as never)), [`dev: tags.owner 42 must be a string`]],
  ["outputs registered under the input datastore", devWith((c) => set(c.data, "outputDatastore", c.data.inputDatastore)), [`dev: data.outputDatastore ${JSON.stringify(dev.data.inputDatastore)} must differ from data.inputDatastore`]],
  ["a backend that is not an object", devWith((c) => (c.backend = "tfstate" as never)), [`dev: backend "tfstate" must be an object { resourceGroupName, storageAccountName, containerName }`]],
  ["a prod config without backend (no silent local state)", prodWith((c) => delete c.backend), [
    `prod: backend (missing) must be set in the prod tier: remote state { resourceGroupName, storageAccountName, containerName } (to try a deploy without the state account, use --local-state)`,
  ]],
  ["tags that are null", devWith((c) => (c.tags = null as never)), [`dev: tags null must be an object of strings`]],
  ["tags that are a string", devWith((c) => (c.tags = "owner=me" as never)), [`dev: tags "owner=me" must be an object of strings`]],
  ["environments that are not objects", [dev, 42 as never, null as never, [] as never], [
    `app: environments[1] 42 must be an object (an environment config)`,
    `app: environments[2] null must be an object (an environment config)`,
    `app: environments[3] [] must be an object (an environment config)`,
  ]],
  ["an impossible schedule start", devWith((c) => (c.pipeline = { ...c.pipeline, schedule: { frequency: "Day", interval: 1, relativePath: "parquet/x", startTime: "2026-13-45T25:61:00Z" } })), [
    `dev: pipeline.schedule.startTime "2026-13-45T25:61:00Z" must be a time that exists, e.g. 2026-12-01T06:00:00Z (month 13 is not 01-12; day 45 is not 01-31; hour 25 is not 00-23; minute 61 is not 00-59)`,
  ]],
  ["a schedule starting on 29 February of a common year", devWith((c) => (c.pipeline = { ...c.pipeline, schedule: { frequency: "Day", interval: 1, relativePath: "parquet/x", startTime: "2027-02-29T05:00:00Z" } })), [
    `dev: pipeline.schedule.startTime "2027-02-29T05:00:00Z" must be a time that exists, e.g. 2026-12-01T06:00:00Z (February 2027 has no day 29)`,
  ]],
  ["a data path with a space", devWith((c) => set(c.data, "defaultRelativePath", "parquet/offer path2")), [`dev: data.defaultRelativePath "parquet/offer path2" ${URI_CHARS("' ' (space)")}`]],
  ["a scheduled data path with a space", prodWith((c) => (c.pipeline = { ...c.pipeline, schedule: { ...c.pipeline.schedule!, relativePath: "parquet/offer path2" } })), [
    `prod: pipeline.schedule.relativePath "parquet/offer path2" ${URI_CHARS("' ' (space)")}`,
  ]],
  ["a blob trigger prefix with a character a URI escapes", devWith((c) => (c.pipeline = { ...c.pipeline, blobTrigger: { pathPrefix: "parquet#1" } })), [`dev: pipeline.blobTrigger.pathPrefix "parquet#1" ${URI_CHARS("'#' (U+0023)")}`]],
  ["an alert receiver that is no e-mail address", prodWith((c) => set(c.monitoring, "alertEmailReceivers", ["ops-team"])), [`prod: monitoring.alertEmailReceivers[0] "ops-team" must be an e-mail address`]],
  ["an alert severity out of range", prodWith((c) => set(c.monitoring, "alerts", { longRunSeverity: 7 })), [`prod: monitoring.alerts.longRunSeverity 7 must be an integer from 0 to 4`]],
  ["a suppression of a rule the pack does not have", prodWith((c) => (c.suppressions = [{ ruleId: "storage-tls", path: "workspace/storage", reason: "a reason that is long enough" }])), [
    `prod: suppressions[0].ruleId "storage-tls" must name a rule of the pack (docs/security.md lists them)`,
  ]],
  ["a code folder without the step code", devWith((c) => (c.pipeline = { ...c.pipeline, codeDirectory: path.join(os.tmpdir(), "no-such-code-folder") })), [
    `dev: pipeline.codeDirectory ${JSON.stringify(path.join(os.tmpdir(), "no-such-code-folder"))} must be a folder holding prepare.py, process.py, check_results.py, conda.yaml (cannot read prepare.py, process.py, check_results.py, conda.yaml)`,
  ]],
  ["a service principal without its key vault", devWith((c) => (c.dataFactoryAuthentication = { type: "ServicePrincipal", servicePrincipalId: "app", tenantId: "tenant", secretName: "sp-key" } as never)), [
    `dev: dataFactoryAuthentication.keyVaultId (missing) must be an Azure resource id string`,
  ]],
  ["an existing DNS zone under another zone's name", prodWith((c) => set(c.network, "existingDnsZoneIds", { "privatelink.blob.core.windows.net": `${ZERO_VNET.replace(/virtualNetworks\/.*/, "privateDnsZones/privatelink.file.core.windows.net")}` })), [
    `prod: network.existingDnsZoneIds.privatelink.blob.core.windows.net "${ZERO_VNET.replace(/virtualNetworks\/.*/, "privateDnsZones/privatelink.file.core.windows.net")}" must be the id of the zone privatelink.blob.core.windows.net`,
  ]],
  ["a section missing entirely", devWith((c) => delete (c as Record<string, unknown>).cluster), [`dev: cluster (missing) must be an object`]],
];

describe("hostile and mistaken input", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hostile-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("at least 30 cases", () => expect(CASES.length).toBeGreaterThanOrEqual(30));

  test.each(CASES)("%s fails with its message and writes nothing", (name, configs, expected) => {
    const outdir = path.join(tmp, name.replace(/\W+/g, "-"));
    const outcome = synthToDisk((app) => addEnvironments(app, configs), outdir);
    expect(outcome.ok).toBe(false);
    const message = outcome.ok ? "" : outcome.message;
    expect(message).toMatch(/^Invalid configuration \(\d+ problems?\):\n/);
    const lines = message.split("\n").slice(1).map((l) => l.replace(/^ {2}- /, ""));
    for (const e of expected) expect(lines).toContain(e);
    expect(message).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(outdir)).toBe(false);
    expect(fs.existsSync(`${outdir}.partial`)).toBe(false);
  });

  test("independent problems in several environments are all listed at once", () => {
    const outdir = path.join(tmp, "many");
    const configs = [...devWith((c) => ((c.projectPrefix = "X"), set(c.cluster, "maxNodes", 0))), ...prodWith((c) => set(c.protection, "purgeProtection", false))];
    const outcome = synthToDisk((app) => addEnvironments(app, configs), outdir);
    expect(outcome.ok ? [] : outcome.message.split("\n").slice(1)).toEqual(
      expect.arrayContaining([
        `  - dev: projectPrefix "X" must be 2-12 lowercase letters or digits, starting with a letter`,
        `  - dev: cluster.maxNodes 0 must be an integer from 1 to 1000`,
        `  - prod: protection.purgeProtection false must be true in the prod tier (key vault purge protection)`,
      ]),
    );
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test("a security error finding in prod fails the synth with the finding, and writes nothing", () => {
    const outdir = path.join(tmp, "finding");
    const outcome = synthToDisk((app) => {
      const [stack] = addEnvironments(app, [prod]);
      stack.workspace.storageAccount!.minTlsVersion = "TLS1_0";
    }, outdir);
    // (A failed synth also lists the notes it has: what matters here is the error.)
    expect(outcome).toMatchObject({
      ok: false,
      message:
        "Synth failed with 1 error:\n" +
        `  - [storage-min-tls-1-2] azurerm_storage_account prod/workspace/storage: min_tls_version (mirrors CKV_AZURE_44, AZU-0011, AZU-0059). Fix: no config field sets min_tls_version: accept it in the config with suppressions: [{ ruleId: "storage-min-tls-1-2", path: "workspace/storage", reason: "<why it is accepted, at least 20 characters>" }] (in code: set min_tls_version = "TLS1_2" explicitly)`,
    });
    expect(fs.existsSync(outdir)).toBe(false);
    expect(fs.existsSync(`${outdir}.partial`)).toBe(false);
  });

  test("under the cdktf/cdktn CLI (error annotations do not stop cdktf), the finding still fails the synth and nothing is written", () => {
    const outdir = path.join(tmp, "finding-cli");
    process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS = "true";
    try {
      const outcome = synthToDisk((app) => {
        const [stack] = addEnvironments(app, [prod]);
        stack.workspace.storageAccount!.minTlsVersion = "TLS1_0";
      }, outdir);
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.message).toContain("[storage-min-tls-1-2] azurerm_storage_account prod/workspace/storage");
    } finally {
      delete process.env.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS;
    }
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test("each note is printed once: by us when run directly, only by the CLI under cdktf/cdktn", () => {
    const root = path.join(__dirname, "..");
    const synth = (extra: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ["--require", "ts-node/register", "main.ts"], { cwd: root, env: { ...process.env, ...extra, CDKTF_OUTDIR: path.join(tmp, `notes-${Object.keys(extra).length}`) }, encoding: "utf8" });
    const direct = synth({});
    const underCli = synth({ CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true" });
    expect([direct.status, underCli.status]).toEqual([0, 0]);
    const notes = direct.stderr.split("\n").filter((l) => /^(warning|info): /.test(l));
    expect(notes.length).toBeGreaterThan(0);
    expect(new Set(notes).size).toBe(notes.length);
    expect(underCli.stderr.split("\n").filter((l) => /^(warning|info): /.test(l))).toEqual([]);
  }, 60_000);

  test("an existing good output survives a failed synth untouched", () => {
    const outdir = path.join(tmp, "kept");
    expect(synthToDisk((app) => addEnvironments(app, [dev]), outdir).ok).toBe(true);
    const before = fs.readFileSync(path.join(outdir, "stacks", "dev", "cdk.tf.json"), "utf8");
    expect(synthToDisk((app) => addEnvironments(app, devWith((c) => (c.projectPrefix = "Bad"))), outdir).ok).toBe(false);
    expect(fs.readFileSync(path.join(outdir, "stacks", "dev", "cdk.tf.json"), "utf8")).toBe(before);
  });
});

describe("one mistake, one line", () => {
  const build = (cfg: EnvironmentConfig) => () => addEnvironments(Testing.app(), [cfg]);
  test.each([
    ["a datastore name that several constructs receive", devWith((c) => (c.data = { ...c.data, inputDatastore: "input-data!" }))[0], [`dev: data.inputDatastore "input-data!" must be 1-255 lowercase letters, digits or '_', starting with a letter or digit`]],
    ["a container name that several constructs receive", devWith((c) => (c.data = { ...c.data, inputContainer: "input--data" }))[0], [`dev: data.inputContainer "input--data" must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, with no '--'`]],
    ["a cluster size the pipeline's parallelism is checked against", devWith((c) => (c.cluster = { ...c.cluster, maxNodes: 0 }))[0], [`dev: cluster.maxNodes 0 must be an integer from 1 to 1000`]],
    ["a short suppression reason", devWith((c) => (c.suppressions = [{ ruleId: "storage-shared-key-disabled", path: "workspace/storage", reason: "short" }]))[0], [`dev: suppressions[0].reason "short" must explain the exception (at least 20 characters)`]],
  ])("%s is reported exactly once", (_name, cfg, expected) => {
    expect(problemsOf(build(cfg))).toEqual(expected);
  });

  test("a stack given a config that is not an object reports that alone, under the stack's name", () => {
    expect(problemsOf(() => new DatapathStack(Testing.app(), "solo", 42 as never))).toEqual([`solo: config 42 must be an object`]);
    expect(problemsOf(() => new DatapathStack(Testing.app(), "list", [] as never))).toEqual([`list: config [] must be an object`]);
  });

  test("a config too broken to build does not stop the check of the next environment", () => {
    const broken = { ...devWith(() => undefined)[0], cluster: undefined } as unknown as EnvironmentConfig;
    const lines = problemsOf(() => addEnvironments(Testing.app(), [broken, ...prodWith((c) => set(c.protection, "purgeProtection", false))]));
    expect(lines).toEqual([`dev: cluster (missing) must be an object`, `prod: protection.purgeProtection false must be true in the prod tier (key vault purge protection)`]);
  });
});
