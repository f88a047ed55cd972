/**
 * The CLI in another team's app: its environments are that app's synthesized stacks (or its
 * aml-datapath.json), whatever their names, found from the working directory.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { appDirOf, readApp } from "../cli/app";
import { CLI_MANIFEST_PREFIX } from "../lib/pipeline/cli-manifest";
import { dev as devConfig } from "../stacks/environments";
import { armError, FakeArm, Operation, RecordedRequest, Reply } from "./fake-arm";
import { appFolder, cli, sampleApp, withArm } from "./cli-harness";
import { CONSUMER_OUTPUT, CONSUMER_SUB, consumerIds, PROD, STAGING, synthConsumerApp } from "./fixtures/cli-consumer";

const RUN = "11111111-2222-3333-4444-555555555555";
const ST = consumerIds("staging");
const PR = consumerIds("prod");
/** No subscription anywhere but in the team's literal ids. */
const NO_SUBSCRIPTION = { AZURE_SUBSCRIPTION_ID: undefined, ARM_SUBSCRIPTION_ID: undefined };

let dir: string;
beforeAll(() => {
  dir = appFolder("cli-consumer", CONSUMER_OUTPUT);
  synthConsumerApp(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

jest.setTimeout(60_000);

/** Runs the CLI in-process in a folder of the team's app (not its root: the app is found upwards). */
async function against(handlers: ConstructorParameters<typeof FakeArm>[0], args: string[], cwd = path.join(dir, CONSUMER_OUTPUT)) {
  const arm = new FakeArm(handlers);
  let result!: Awaited<ReturnType<typeof cli>>;
  await withArm(arm, async (a) => {
    result = await cli(args, { arm: a, cwd, env: NO_SUBSCRIPTION });
  });
  return { ...result, arm };
}

const run = (status: string, extra: object = {}) => ({ status: 200, body: { runId: RUN, pipelineName: "team-b", status, parameters: { relative_path: "p", datastore_name: "input_data" }, ...extra } });
const invoked = { status: 200, body: { value: [{ activityName: "Invoke batch endpoint", activityType: "WebActivity", status: "Succeeded", output: { name: "job-1" }, activityRunStart: "2026-11-25T10:00:00Z" }] } };

describe("the CLI in another team's app", () => {
  test("run --help and the usage name the team's stacks (from cdktf.json's output folder), not dev/test/prod", async () => {
    const help = await cli(["run", "--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.out).toContain(`aml-datapath run --env <${PROD}|${STAGING}> --path <path>`);
    expect(help.out).toContain(`  ${PROD} (pipelines: clicks, team_b)  from ${CONSUMER_OUTPUT}/stacks/${PROD}/cdk.tf.json`);
    expect(help.out).toMatch(new RegExp(`^ {2}${STAGING} +from ${CONSUMER_OUTPUT}/stacks/${STAGING}/cdk\\.tf\\.json$`, "m"));
    expect(help.out).not.toMatch(/<dev\|test\|prod>/);
    // From elsewhere, --app-dir points at the app.
    const elsewhere = await cli(["help", "runs"], { cwd: os.tmpdir() });
    expect(elsewhere.out).toContain("aml-datapath runs --env <stack>");
    const pointed = await cli(["runs", "--help", "--app-dir", dir], { cwd: os.tmpdir() });
    expect(pointed.out).toContain(`aml-datapath runs --env <${PROD}|${STAGING}>`);
  });

  test("run --follow: the run starts in the team's factory; the subscription is the one in its ids (none configured, nothing said)", async () => {
    const r = await against(
      { createRun: () => ({ status: 200, body: { runId: RUN } }), getRun: () => run("Succeeded", { durationInMs: 2000 }), queryActivityRuns: () => invoked, getJob: () => ({ status: 200, body: { name: "job-1", properties: { status: "Completed" } } }) },
      ["run", "--env", STAGING, "--path", "parquet/today", "--follow"],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.arm.calls("createRun").map((c) => [c.path, c.body])).toEqual([[`${ST.factoryId}/pipelines/team-b/createRun`, { relative_path: "parquet/today", datastore_name: "input_data" }]]);
    expect(r.arm.calls("getJob").map((c) => c.path)).toEqual([`${ST.workspaceId}/jobs/job-1`]);
    expect(r.out).toContain(`Started run ${RUN} of team-b in ${ST.factory} on input_data:parquet/today`);
    expect(r.out).toContain(`Run ${RUN} succeeded in 2s.`);
  });

  test("status and runs read the team's factory and pipeline", async () => {
    const status = await against({ getRun: () => run("Succeeded") }, ["status", RUN, "--stack", STAGING]);
    expect(status.code).toBe(0);
    expect(status.arm.calls("getRun").map((c) => c.path)).toEqual([`${ST.factoryId}/pipelineruns/${RUN}`]);
    const runs = await against({ queryPipelineRuns: () => ({ status: 200, body: { value: [] } }) }, ["runs", "--env", STAGING, "--last", "3"]);
    expect(runs.code).toBe(0);
    expect(runs.arm.calls("queryPipelineRuns").map((c) => [c.path, (c.body as { filters: unknown }).filters])).toEqual([
      [`${ST.factoryId}/queryPipelineRuns`, [{ operand: "PipelineName", operator: "Equals", values: ["team-b"] }]],
    ]);
  });

  test("cancel: the ADF run in the team's factory, the AML job in its workspace", async () => {
    const r = await against(
      { getRun: () => run("InProgress"), queryActivityRuns: () => invoked, getJob: () => ({ status: 200, body: { name: "job-1", properties: { status: "Running" } } }), cancelRun: () => ({ status: 200 }), cancelJob: () => ({ status: 202 }) },
      ["cancel", RUN, "--env", STAGING],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.arm.calls("cancelRun").map((c) => c.path)).toEqual([`${ST.factoryId}/pipelineruns/${RUN}/cancel`]);
    expect(r.arm.calls("cancelJob").map((c) => c.path)).toEqual([`${ST.workspaceId}/jobs/job-1/cancel`]);
  });

  test("a stack with two pipelines: --pipeline picks one (and is in the command that resumes)", async () => {
    const none = await cli(["runs", "--env", PROD], { cwd: dir, env: NO_SUBSCRIPTION });
    expect([none.code, none.err]).toEqual([2, `aml-datapath: environment "${PROD}" has 2 pipelines: choose one with --pipeline <clicks|team_b>`]);
    const r = await against({ getRun: () => run("InProgress"), queryActivityRuns: () => ({ status: 200, body: { value: [] } }) }, [
      "status",
      RUN,
      "--stack",
      PROD,
      "--pipeline",
      "team_b",
      "--follow",
      "--timeout",
      "1",
    ]);
    expect(r.code).toBe(3);
    expect(r.arm.calls("getRun")[0].path).toBe(`${PR.factoryId}/pipelineruns/${RUN}`);
    expect(r.err).toContain(`Follow it again with: aml-datapath status ${RUN} --env ${PROD} --pipeline team_b --follow`);
    const classic = await cli(["prune-deployments", "--env", PROD, "--pipeline", "clicks"], { cwd: dir, env: NO_SUBSCRIPTION });
    expect(classic.code).toBe(2);
    expect(classic.err).toContain(`environment "${PROD}" (pipeline clicks) starts runs through a classic pipeline endpoint`);
  });

  test("prune-deployments: the team's endpoint, and --keep defaults to its pipeline's deploymentRetention (3)", async () => {
    const endpoint = `${ST.workspaceId}/batchEndpoints/ep-team-b-staging`;
    const deployment = (name: string, day: number) => ({ name, systemData: { createdAt: `2026-01-0${day}T00:00:00Z` }, properties: { provisioningState: "Succeeded" } });
    const r = await against(
      {
        getBatchEndpoint: () => ({ status: 200, body: { name: "ep-team-b-staging", properties: { defaults: { deploymentName: "pipeline-5" } } } }),
        listBatchDeployments: () => ({ status: 200, body: { value: [1, 2, 3, 4, 5].map((d) => deployment(`pipeline-${d}`, d)) } }),
        deleteBatchDeployment: () => ({ status: 202 }),
      },
      ["prune-deployments", "--env", STAGING],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual(["keep pipeline-5 (default)", "keep pipeline-4", "keep pipeline-3", "delete pipeline-1", "delete pipeline-2"]);
    expect(r.arm.calls("deleteBatchDeployment").map((c) => c.path)).toEqual([`${endpoint}/deployments/pipeline-1`, `${endpoint}/deployments/pipeline-2`]);
  });

  test("verify: the team's stack against a subscription where nothing exists yet: missing items, with the team's restore commands", async () => {
    const notFound = (req: RecordedRequest): Reply => ({ status: 404, body: armError("ResourceNotFound", `${req.path} not found`) });
    const ops: Operation[] = ["getAmlAsset", "getBatchDeployment", "getBatchEndpoint", "getDatastore", "getCompute", "getWorkspace", "getFactory", "getAdfPipeline", "getTrigger"];
    const r = await against(
      {
        ...Object.fromEntries(ops.map((op) => [op, notFound])),
        listRoleAssignments: () => ({ status: 200, body: { value: [] } }),
        listRoleDefinitions: (req) => {
          const name = /^roleName eq '(.+)'$/.exec(new URLSearchParams(req.query).get("$filter") ?? "")?.[1] ?? "";
          return { status: 200, body: { value: [{ id: `/subscriptions/${CONSUMER_SUB}/providers/Microsoft.Authorization/roleDefinitions/${name.length}`, properties: { roleName: name } }] } };
        },
      },
      ["verify", "--env", STAGING],
      dir,
    );
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(1);
    expect(new Set(r.arm.requests.map((q) => q.method))).toEqual(new Set(["GET"]));
    expect(r.arm.requests.every((q) => q.path.startsWith(`/subscriptions/${CONSUMER_SUB}/`))).toBe(true);
    expect(r.arm.calls("getAdfPipeline").map((c) => c.path)).toEqual([`${ST.factoryId}/pipelines/team-b`]);
    const chdir = path.join(CONSUMER_OUTPUT, "stacks", STAGING);
    expect(r.out).toMatch(new RegExp(`^missing ADF pipeline team-b \\(azapi_resource\\.team_b_adf_pipeline_[0-9A-F]{8}\\)\\n {2}restore: terraform -chdir=${chdir} apply -replace=azapi_resource\\.team_b_adf_pipeline_[0-9A-F]{8}$`, "m"));
    expect(r.out).toMatch(new RegExp(`^${STAGING}: 0 ok, \\d+ missing`, "m"));
  });

  test("diff: the team's two stacks, offline; the second pipeline is only in prod", async () => {
    const r = await cli(["diff", STAGING, PROD, "--json"], { cwd: dir, env: NO_SUBSCRIPTION, clients: () => { throw new Error("no Azure"); } });
    expect(r.code).toBe(0);
    const d = JSON.parse(r.out) as { a: string; b: string; onlyIn: { a: string[]; b: string[] }; settings: { resource: string; setting: string }[] };
    expect([d.a, d.b]).toEqual([STAGING, PROD]);
    expect(d.onlyIn.a.filter((r) => r.includes("clicks"))).toEqual([]);
    expect(d.onlyIn.b).toContain("azapi_resource clicks/adf/pipeline");
    // The endpoints' names differ only by the stack's name: no difference. Their workspaces do differ.
    expect(d.settings.filter((s) => s.resource === "azapi_resource team_b/batch/endpoint").map((s) => s.setting)).toEqual(["parent_id"]);
  });
});

describe("where the environments come from", () => {
  const entry = (name: string, extra: object = {}) => ({
    name,
    data_factory_id: ST.factoryId,
    adf_pipeline_name: "team-c",
    workspace_id: ST.workspaceId,
    location: "westeurope",
    input_datastore_name: "input_data",
    batch_endpoint_name: "ep-team-c",
    ...extra,
  });
  const configApp = (content: unknown) => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "config-app-"));
    fs.writeFileSync(path.join(d, "aml-datapath.json"), typeof content === "string" ? content : JSON.stringify(content));
    return d;
  };

  test("aml-datapath.json: environments without synthesizing; run works, verify says it needs a stack", async () => {
    const d = configApp({ environments: [entry("team-c", { deployment_retention: 4 })] });
    try {
      const help = await cli(["--help"], { cwd: d });
      expect(help.out).toContain("aml-datapath run --env <team-c>");
      expect(help.out).toContain("team-c  from aml-datapath.json");
      const r = await against({ createRun: () => ({ status: 200, body: { runId: RUN } }) }, ["run", "--env", "team-c", "--path", "x"], d);
      expect(r.code).toBe(0);
      expect(r.arm.calls("createRun").map((c) => c.path)).toEqual([`${ST.factoryId}/pipelines/team-c/createRun`]);
      const verify = await cli(["verify", "--env", "team-c"], { cwd: d, env: NO_SUBSCRIPTION });
      expect(verify.code).toBe(2);
      expect(verify.err).toContain(`environment "team-c" has no synthesized stack to verify against (it comes from aml-datapath.json)`);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test("a wrong entry in aml-datapath.json is a usage error naming the field; an unreadable file is said in the help", async () => {
    const d = configApp({ environments: [entry("bad", { workspace_id: "mlw-shared" }), entry("nofactory", { data_factory_id: undefined })] });
    const broken = configApp("{ not json");
    try {
      const bad = await cli(["runs", "--env", "bad"], { cwd: d });
      expect(bad.code).toBe(2);
      expect(bad.err).toContain(`environment "bad": workspace_id "mlw-shared" of pipeline team-c in aml-datapath.json must be the ARM id of an AML workspace`);
      expect((await cli(["runs", "--env", "nofactory"], { cwd: d })).err).toContain(`environment "nofactory" in aml-datapath.json has no data_factory_id`);
      const help = await cli(["help", "run"], { cwd: broken });
      expect(help.out).toContain("(aml-datapath.json is not valid JSON");
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
      fs.rmSync(broken, { recursive: true, force: true });
    }
  });

  test("the app is the nearest folder with cdktf.json upwards; cdktf.json's output is honoured; a stack without a manifest is noted", () => {
    expect(appDirOf(path.join(dir, CONSUMER_OUTPUT, "stacks"))).toBe(dir);
    const found = readApp(dir);
    expect(found.outDir).toBe(path.join(dir, CONSUMER_OUTPUT));
    expect(found.environments.map((e) => [e.name, e.pipelines.map((p) => p.name)])).toEqual([
      [PROD, ["clicks", "team_b"]],
      [STAGING, ["team_b"]],
    ]);
    const old = appFolder("old-synth");
    fs.mkdirSync(path.join(old, "cdktf.out", "stacks", "legacy"), { recursive: true });
    fs.writeFileSync(path.join(old, "cdktf.out", "stacks", "legacy", "cdk.tf.json"), JSON.stringify({ resource: {} }));
    try {
      expect(readApp(old)).toMatchObject({ environments: [], notes: [`stack legacy has no ${CLI_MANIFEST_PREFIX}<pipeline> output (no DatapathPipeline, or synthesized with an older aml-datapath-pipeline)`] });
    } finally {
      fs.rmSync(old, { recursive: true, force: true });
    }
  });

  /** A copy of the sample app's dev stack with `change` applied, as the only stack of a new app. */
  const changedDev = (change: (json: Record<string, any>) => void) => {
    const json = JSON.parse(fs.readFileSync(path.join(sampleApp([devConfig]), "cdktf.out", "stacks", "dev", "cdk.tf.json"), "utf8"));
    change(json);
    const d = appFolder("changed-dev");
    fs.mkdirSync(path.join(d, "cdktf.out", "stacks", "dev"), { recursive: true });
    fs.writeFileSync(path.join(d, "cdktf.out", "stacks", "dev", "cdk.tf.json"), JSON.stringify(json));
    return d;
  };

  test("the stack's provider names the subscription and the cloud; references resolve offline from the stack", async () => {
    const d = changedDev((json) => {
      json.provider.azurerm[0].subscription_id = "12345678-0000-0000-0000-000000000000";
      json.provider.azurerm[0].environment = "usgovernment";
    });
    try {
      const t = await readApp(d).environments[0].pipelines[0].resolve({ AZURE_SUBSCRIPTION_ID: "ignored" });
      expect(t).toMatchObject({
        env: "dev",
        subscriptionId: "12345678-0000-0000-0000-000000000000",
        subscriptionSource: "the app",
        resourceGroup: "rg-amldp-dev",
        factory: "adf-amldp-dev",
        pipeline: "datapath",
        workspace: "mlw-amldp-dev",
        batchEndpoint: "ep-amldp-dev",
        defaultDatastore: "input_data",
        deploymentRetention: 2,
        cloud: { arm: "https://management.usgovcloudapi.net", aml: "https://{region}.api.ml.azure.us" },
      });
      // The variable for another cloud wins over the stack's; the AML API is derived for the clouds it knows.
      expect((await readApp(d).environments[0].pipelines[0].resolve({ AML_DATAPATH_ARM_ENDPOINT: "https://management.chinacloudapi.cn/" })).cloud).toEqual({
        arm: "https://management.chinacloudapi.cn",
        aml: "https://{region}.api.ml.azure.cn",
        blob: "https://{account}.blob.core.chinacloudapi.cn",
      });
      await expect(readApp(d).environments[0].pipelines[0].resolve({ ARM_ENVIRONMENT: "mars" })).rejects.toThrow(`ARM_ENVIRONMENT "mars" is not one of public, usgovernment, china`);
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });

  test("a manifest value that cannot be known offline is a usage error that says why and what to do", async () => {
    const d = changedDev((json) => {
      json.output.aml_datapath_datapath.value.data_factory_id = "${var.factory_id}";
    });
    try {
      const r = await cli(["runs", "--env", "dev"], { cwd: d });
      expect(r.code).toBe(2);
      expect(r.err).toContain(`environment "dev": data_factory_id of pipeline datapath in cdktf.out/stacks/dev/cdk.tf.json (\${var.factory_id}) cannot be known offline`);
      expect(r.err).toContain("List the environment in aml-datapath.json instead");
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
