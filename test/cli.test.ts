import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { armError, FakeArm } from "./fake-arm";
import { cli, FakeClock, SUB, sampleApp, withArm } from "./cli-harness";
import { culpritOf, latestPerActivity } from "../cli/main";
import { explain } from "../cli/azure";
import { Target } from "../cli/target";
import { deriveNames } from "../lib/core/naming";
import { dev as devConfig } from "../stacks/environments";
import { AggregateAuthenticationError, AuthenticationError, CredentialUnavailableError } from "@azure/identity";

const RUN = "11111111-2222-3333-4444-555555555555";
// Every name comes from the dev config, as its synthesized stack names them.
const N = deriveNames(devConfig.projectPrefix, devConfig.name, devConfig.nameSuffix ?? "");
const DEV = `/subscriptions/${SUB}/resourceGroups/${N.resourceGroup}/providers/Microsoft.DataFactory/factories/${N.dataFactory}`;
const WS = `/subscriptions/${SUB}/resourceGroups/${N.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${N.mlWorkspace}`;
const STUDIO = `https://ml.azure.com/runs/job-7?wsid=/subscriptions/x/resourcegroups/${N.resourceGroup}/workspaces/${N.mlWorkspace}`;

/** The sample app with its dev environment synthesized, as `npm run synth` leaves it. */
const app = () => sampleApp([devConfig]);

/** Runs the CLI in-process in the sample app against a stand-in with these handlers. */
async function against(handlers: ConstructorParameters<typeof FakeArm>[0], args: string[], more: Parameters<typeof cli>[1] = {}) {
  const arm = new FakeArm(handlers);
  let result!: Awaited<ReturnType<typeof cli>>;
  await withArm(arm, async (a) => {
    result = await cli(args, { arm: a, cwd: app(), ...more });
  });
  return { ...result, arm };
}

const run = (status: string, extra: object = {}) => ({
  status: 200,
  body: { runId: RUN, pipelineName: "datapath", status, parameters: { relative_path: "parquet/offerpath3", datastore_name: "input_data" }, ...extra },
});
const activity = (name: string, type: string, status: string, extra: object = {}) => ({
  activityName: name,
  activityType: type,
  status,
  pipelineRunId: RUN,
  activityRunStart: `2026-11-25T10:00:0${["Validate parameters", "Invoke batch endpoint", "Wait for job", "Check job result", "Fail run"].indexOf(name)}Z`,
  ...extra,
});

jest.setTimeout(60_000);

beforeAll(() => app());

describe("aml-datapath against a local ARM stand-in (in-process, fake clock)", () => {
  test("run --follow: starts the run with the data path as parameters, shows progress and the AML job, exits 0", async () => {
    const r = await against(
      {
        createRun: () => ({ status: 200, body: { runId: RUN } }),
        getRun: (_r, n) => (n < 3 ? run("InProgress") : run("Succeeded", { durationInMs: 93_000 })),
        queryActivityRuns: (_r, n) => ({
          status: 200,
          body: {
            value: [
              activity("Validate parameters", "IfCondition", "Succeeded", { durationInMs: 1000 }),
              activity("Invoke batch endpoint", "WebActivity", "Succeeded", { output: { name: "job-42" } }),
              activity("Wait for job", "Until", n < 3 ? "InProgress" : "Succeeded", { durationInMs: null }),
              // Inside the loop: one run per iteration, as ADF reports them.
              ...Array.from({ length: n }, (_, i) => ({
                ...activity("Get job status", "WebActivity", "Succeeded"),
                activityRunStart: `2026-11-25T10:0${i + 1}:00Z`,
              })),
            ],
          },
        }),
        getJob: (_r, n) => ({ status: 200, body: { id: "x", name: "job-42", properties: { jobType: "Pipeline", status: n < 2 ? "Running" : "Completed" } } }),
      },
      ["run", "--env", "dev", "--path", "parquet/offerpath3", "--follow"],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect([r.code, r.err]).toEqual([0, ""]);
    const create = r.arm.calls("createRun");
    expect(create).toHaveLength(1);
    expect(create[0].path).toBe(`${DEV}/pipelines/datapath/createRun`);
    expect(create[0].body).toEqual({ relative_path: "parquet/offerpath3", datastore_name: "input_data" });
    expect(r.arm.calls("getRun")[0].path).toBe(`${DEV}/pipelineruns/${RUN}`);
    // The job is read with Jobs_Get of the stable 2024-04-01 API, on every poll until it is known to have completed.
    const jobReads = r.arm.calls("getJob");
    expect(jobReads).toHaveLength(3);
    for (const read of jobReads) expect([read.method, read.path, read.apiVersion]).toEqual(["GET", `${WS}/jobs/job-42`, "2024-04-01"]);
    expect(r.out).toContain(`Started run ${RUN} of datapath in ${N.dataFactory} on input_data:parquet/offerpath3`);
    expect(r.out).toContain(`Portal: https://adf.azure.com/en/monitoring/pipelineruns/${RUN}?factory=${encodeURIComponent(DEV)}`);
    // Three looks, 15 s apart (the default --poll) on the tool's clock; plain log lines for each change with the elapsed time.
    expect(r.clock.sleeps).toEqual([15_000, 15_000]);
    expect(r.out).toMatch(/^\+0s Wait for job: InProgress$/m);
    expect(r.out).toMatch(/^\+30s Wait for job: Succeeded$/m);
    expect(r.out).toMatch(/^\+0s AML job job-42: Running$/m);
    expect(r.out).toMatch(/^\+15s AML job job-42: Completed$/m);
    expect(r.out).toContain(`Run ${RUN} succeeded in 93s.`);
    expect(r.written).toBe("");
    // A loop's activity is logged once per change, not once per iteration; unfinished durations are not "0s".
    expect(r.out.match(/Get job status: Succeeded/g)).toHaveLength(1);
    expect(r.out).not.toContain("(0s)");
  });

  test("on a terminal the block is redrawn in place, each line clipped to the terminal's width", async () => {
    const r = await against(
      {
        getRun: (_r, n) => (n < 2 ? run("InProgress") : run("Succeeded", { durationInMs: 4000 })),
        queryActivityRuns: () => ({ status: 200, body: { value: [activity("Validate parameters", "IfCondition", "Succeeded", { durationInMs: 1000 })] } }),
      },
      ["status", RUN, "--env", "dev", "--follow"],
      { isTty: true, columns: 30 },
    );
    expect(r.code).toBe(0);
    const blocks = r.written.split("\x1b[2A\x1b[0J");
    expect(blocks).toHaveLength(2);
    for (const line of r.written.replace(/\x1b\[\d+A\x1b\[0J/g, "").split("\n").filter(Boolean)) expect(line.length).toBeLessThanOrEqual(29);
    expect(blocks[1].split("\n")).toEqual([expect.stringMatching(/^run 11111111-.*…$/), expect.stringMatching(/^ {2}Validate parameters: .*…$/), ""]);
  });

  test("status --follow reads the AML job through Jobs_Get 2024-04-01; a job it may not read leaves the ADF outcome standing", async () => {
    const handlers = (job: () => { status: number; body: unknown }) => ({
      getRun: () => run("Succeeded", { durationInMs: 4000 }),
      queryActivityRuns: () => ({ status: 200, body: { value: [activity("Invoke batch endpoint", "WebActivity", "Succeeded", { output: { name: "job-5" } })] } }),
      getJob: job,
    });
    const ok = await against(handlers(() => ({ status: 200, body: { id: "x", name: "job-5", properties: { jobType: "Pipeline", status: "Completed", services: { Studio: { endpoint: STUDIO } } } } })), [
      "status",
      RUN,
      "--env",
      "dev",
      "--follow",
    ]);
    expect(ok.arm.unexpected).toEqual([]);
    expect(ok.code).toBe(0);
    expect(ok.arm.calls("getJob").map((c) => [c.method, c.path, c.apiVersion])).toEqual([["GET", `${WS}/jobs/job-5`, "2024-04-01"]]);
    expect(ok.out).toMatch(/^\+0s AML job job-5: Completed$/m);
    const denied = await against(handlers(() => ({ status: 403, body: armError("AuthorizationFailed", "no access to the workspace") })), ["status", RUN, "--env", "dev", "--follow"]);
    expect(denied.arm.unexpected).toEqual([]);
    expect(denied.code).toBe(0);
    expect(denied.out).toMatch(/^\+0s AML job job-5: \(not readable\)$/m);
    expect(denied.out).toContain(`Run ${RUN} succeeded in 4s.`);
  });

  test("a failed activity: exit 1 with that activity's error message and the AML step's own error (run history)", async () => {
    const r = await against(
      {
        createRun: () => ({ status: 200, body: { runId: RUN } }),
        getRun: () => run("Failed", { message: "Operation on target Check job result failed" }),
        queryActivityRuns: () => ({
          status: 200,
          body: {
            value: [
              activity("Invoke batch endpoint", "WebActivity", "Succeeded", { output: { name: "job-7" } }),
              activity("Check job result", "IfCondition", "Failed", { error: { message: "Activity failed because an inner activity failed" } }),
              activity("Fail run", "Fail", "Failed", { error: { message: "AML job job-7 ended with status Failed", errorCode: "AmlJobNotCompleted" } }),
            ],
          },
        }),
        getJob: () => ({ status: 200, body: { id: "x", name: "job-7", properties: { jobType: "Pipeline", status: "Failed", services: { Studio: { endpoint: STUDIO } } } } }),
        jobChildren: () => ({
          status: 200,
          body: { value: [{ runId: "job-7-prepare", displayName: "prepare", status: "Failed" }, { runId: "job-7-process", displayName: "process", status: "NotStarted" }] },
        }),
        runDetails: () => ({ status: 200, body: { runId: "job-7-prepare", status: "Failed", error: { error: { code: "UserError", message: "no .parquet files found under /mnt/input" } } } }),
      },
      ["run", "--env", "dev", "--path", "parquet/x", "--follow"],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`Run ${RUN} failed in activity "Fail run": AML job job-7 ended with status Failed`);
    // Not only ADF's message: the AML step that failed, its own error, and where to look.
    expect(r.err).toContain(`AML job job-7: Failed (${STUDIO})`);
    expect(r.err).toContain("  step prepare Failed: no .parquet files found under /mnt/input");
    expect(r.err).not.toContain("step process");
    expect(r.arm.calls("jobChildren").map((c) => c.path)).toEqual([`/history/v1.0${WS}/runs/job-7/children`]);
    expect(r.arm.calls("runDetails").map((c) => c.path)).toEqual([`/history/v1.0${WS}/runs/job-7-prepare/details`]);
  });

  test.each([
    [401, "az login"],
    [403, 'needs the "Data Factory Contributor" role on the factory'],
  ])("HTTP %i: one clear sentence on what to do, exit 5 (sign-in or permission, not a failed run)", async (status, hint) => {
    const r = await against({ createRun: () => ({ status, body: armError(status === 401 ? "InvalidAuthenticationToken" : "AuthorizationFailed", "denied") }) }, [
      "run",
      "--env",
      "dev",
      "--path",
      "parquet/x",
    ]);
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(5);
    expect(r.err).toContain(hint);
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).not.toMatch(/^\s+at /m);
  });

  test("429 with Retry-After: the tool waits as asked (on its clock), then succeeds", async () => {
    const r = await against(
      { createRun: (_r, n) => (n === 1 ? { status: 429, headers: { "retry-after": "2" }, body: armError("TooManyRequests", "slow down") } : { status: 200, body: { runId: RUN } }) },
      ["run", "--env", "dev", "--path", "parquet/x"],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.arm.calls("createRun")).toHaveLength(2);
    expect(r.clock.sleeps).toEqual([2000]);
    expect(r.err).toContain("throttled, retrying in 2 s");
    expect(r.out).toContain(`Started run ${RUN}`);
  });

  test("a 500 on creating a run is not re-sent (it could start a second run)", async () => {
    const r = await against({ createRun: () => ({ status: 500, body: armError("InternalServerError", "boom") }) }, ["run", "--env", "dev", "--path", "parquet/x"]);
    expect(r.code).toBe(1);
    expect(r.arm.calls("createRun")).toHaveLength(1);
    expect(r.err).toContain("Azure request failed (HTTP 500)");
  });

  test("a request that never answers: gives up exactly --request-timeout later on the tool's clock, with a clear message", async () => {
    const arm = new FakeArm({ createRun: () => ({ status: 200, hang: true }) });
    await withArm(arm, async (a) => {
      const clock = new FakeClock();
      let settled = false;
      const pending = cli(["run", "--env", "dev", "--path", "parquet/x", "--request-timeout", "5"], { arm: a, cwd: app(), clock }).then((r) => ((settled = true), r));
      await arm.received("createRun");
      clock.advance(4999);
      await new Promise((resolve) => setImmediate(resolve));
      expect(settled).toBe(false);
      clock.advance(1);
      const r = await pending;
      expect(r.code).toBe(1);
      expect(r.err).toContain("No answer from Azure within 5s (--request-timeout): the run may still have started, check `aml-datapath runs --env dev`");
      expect(arm.unexpected).toEqual([]);
    });
  });

  test("a run that outlasts --timeout: exit 3, and the run keeps going", async () => {
    const r = await against({ getRun: () => run("InProgress"), queryActivityRuns: () => ({ status: 200, body: { value: [] } }) }, [
      "status",
      RUN,
      "--env",
      "dev",
      "--follow",
      "--poll",
      "20",
      "--timeout",
      "60",
    ]);
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(3);
    // Looks at +0, 20, 40, 60 and 80 s: past 60 s it stops.
    expect(r.arm.calls("getRun")).toHaveLength(5);
    expect(r.err).toContain(`Still InProgress after 60s (--timeout); run ${RUN} keeps running`);
    expect(r.err).toContain(`Follow it again with: aml-datapath status ${RUN} --env dev --follow`);
  });

  test("--follow rides out passing errors (backing off), and after three in a row says the outcome is unknown: exit 4", async () => {
    const flaky = await against(
      {
        getRun: (_r, n) => (n === 2 || n === 3 ? { status: 400, body: armError("BadRequest", "hiccup") } : n < 4 ? run("InProgress") : run("Succeeded", { durationInMs: 1000 })),
        queryActivityRuns: () => ({ status: 200, body: { value: [] } }),
      },
      ["status", RUN, "--env", "dev", "--follow"],
    );
    expect(flaky.code).toBe(0);
    expect(flaky.clock.sleeps).toEqual([15_000, 15_000, 30_000]);
    const down = await against({ getRun: (_r, n) => (n === 1 ? run("InProgress") : { status: 400, body: armError("BadRequest", "down") }), queryActivityRuns: () => ({ status: 200, body: { value: [] } }) }, [
      "status",
      RUN,
      "--env",
      "dev",
      "--follow",
    ]);
    expect(down.code).toBe(4);
    expect(down.arm.calls("getRun")).toHaveLength(4);
    expect(down.err).toContain("The run's outcome is unknown: https://adf.azure.com/en/monitoring/pipelineruns/");
  });

  test("Ctrl-C while following leaves the run running and says how to follow it again: exit 130", async () => {
    const r = await against(
      {
        createRun: () => ({ status: 200, body: { runId: RUN } }),
        getRun: () => run("InProgress"),
        queryActivityRuns: () => ({ status: 200, body: { value: [activity("Wait for job", "Until", "InProgress")] } }),
      },
      ["run", "--env", "dev", "--path", "parquet/x", "--follow"],
      { onOut: (line, abort) => line.includes("Wait for job: InProgress") && abort() },
    );
    expect(r.code).toBe(130);
    expect(r.err).toContain(`Stopped following. Run ${RUN} keeps running in Data Factory`);
    expect(r.err).toContain(`Follow it again with: aml-datapath status ${RUN} --env dev --follow`);
    // Nothing but reads after the start: no cancel request.
    expect(r.arm.unexpected).toEqual([]);
    expect(r.arm.calls("createRun")).toHaveLength(1);
    expect(r.arm.calls("getRun")).toHaveLength(1);
  });

  test("runs --last 2: recent runs of this pipeline with what each processed and its node-hours, from the job's run history", async () => {
    const runs = [3, 2, 1].map((i) => ({
      runId: `00000000-0000-0000-0000-00000000000${i}`,
      pipelineName: "datapath",
      status: i === 2 ? "Failed" : "Succeeded",
      runStart: `2026-11-2${i}T08:00:00Z`,
      durationInMs: i * 60_000,
      parameters: { datastore_name: "input_data", relative_path: `parquet/day${i}` },
    }));
    const step = (name: string, status: string, start: string | null, end: string | null, extra: object = {}) => ({ runId: `${name}-run`, displayName: name, status, startTimeUtc: start, endTimeUtc: end, ...extra });
    const r = await against(
      {
        queryPipelineRuns: () => ({ status: 200, body: { value: runs } }),
        // Each run's invoke names its AML job: job-3 for ...0003.
        queryActivityRuns: (q) => ({ status: 200, body: { value: [activity("Invoke batch endpoint", "WebActivity", "Succeeded", { output: { name: `job-${q.path.split("/")[10].slice(-1)}` } })] } }),
        jobChildren: (q) =>
          q.path.endsWith("/runs/job-3/children")
            ? {
                status: 200,
                body: {
                  value: [
                    step("prepare", "Completed", "2026-11-23T08:00:10Z", "2026-11-23T08:01:10Z", { computeRequest: { nodeCount: 1 } }),
                    step("process", "Completed", "2026-11-23T08:01:30Z", "2026-11-23T08:31:30Z", { computeRequest: { nodeCount: 2 } }),
                    step("check", "Completed", "2026-11-23T08:31:40Z", "2026-11-23T08:32:10Z", {
                      computeRequest: { nodeCount: 1 },
                      properties: { datapath_files: "1000", datapath_files_ok: "998", datapath_files_failed: "2", datapath_bytes: "104857600" },
                    }),
                  ],
                },
              }
            : { status: 200, body: { value: [step("prepare", "Failed", "2026-11-22T08:00:10Z", "2026-11-22T08:01:10Z", { compute: { instanceCount: 1 } }), step("process", "NotStarted", null, null)] } },
      },
      ["runs", "--env", "dev", "--last", "2"],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    const body = r.arm.calls("queryPipelineRuns")[0].body as { filters: unknown[]; orderBy: unknown[]; lastUpdatedBefore: string };
    expect(body.filters).toEqual([{ operand: "PipelineName", operator: "Equals", values: ["datapath"] }]);
    expect(body.orderBy).toEqual([{ orderBy: "RunStart", order: "DESC" }]);
    // The window is taken from the tool's clock.
    expect(new Date(body.lastUpdatedBefore).getTime()).toBe(r.clock.now() + 3600_000);
    // One activity query per run shown, one run-history read per job.
    expect(r.arm.calls("queryActivityRuns")).toHaveLength(2);
    expect(r.arm.calls("jobChildren").map((c) => c.path).sort()).toEqual([`/history/v1.0${WS}/runs/job-2/children`, `/history/v1.0${WS}/runs/job-3/children`]);
    const lines = r.out.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^START \(UTC\)\s+DURATION\s+STATUS\s+DATA PATH\s+FILES\s+FAILED\s+BYTES\s+NODE-H\s+RUN ID$/);
    // 60 s on 1 node + 30 min on 2 nodes + 30 s on 1 node = 1.025 node-hours; files and bytes as the check step recorded them.
    expect(lines[1]).toMatch(/^2026-11-23 08:00:00\s+180s\s+Succeeded\s+input_data:parquet\/day3\s+1000\s+2\s+100\.0 MiB\s+1\.025\s+0{8}-0{4}-0{4}-0{4}-0{11}3$/);
    // A job whose check step never ran: compute only (60 s of prepare on compute.instanceCount 1 node).
    expect(lines[2]).toMatch(/^2026-11-22 08:00:00\s+120s\s+Failed\s+input_data:parquet\/day2\s+-\s+-\s+-\s+0\.017\s+0{8}-/);
  });

  test("status <run id>: one line with status and data path, then files, bytes and compute of its job", async () => {
    const r = await against(
      {
        getRun: () => run("Succeeded", { durationInMs: 5000, runStart: "2026-11-25T09:00:00Z" }),
        queryActivityRuns: () => ({ status: 200, body: { value: [activity("Invoke batch endpoint", "WebActivity", "Succeeded", { output: { name: "job-42" } })] } }),
        jobChildren: () => ({
          status: 200,
          body: {
            value: [
              { runId: "s1", displayName: "process", status: "Completed", startTimeUtc: "2026-11-25T09:01:00Z", endTimeUtc: "2026-11-25T09:11:00Z", computeRequest: { nodeCount: 2 } },
              { runId: "s2", displayName: "check", status: "Completed", startTimeUtc: "2026-11-25T09:11:00Z", endTimeUtc: "2026-11-25T09:11:45Z", properties: { datapath_files: "12", datapath_files_failed: "0", datapath_bytes: "1536" } },
            ],
          },
        }),
      },
      ["status", RUN, "--env", "dev"],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toEqual([
      `${RUN} Succeeded input_data:parquet/offerpath3 5s`,
      "files: 12 (0 failed), 1.50 KiB",
      "compute: 0.346 node-hours (process: 2 nodes x 10m00s, check: 1 node x 45s), AML job job-42",
      `Portal: https://adf.azure.com/en/monitoring/pipelineruns/${RUN}?factory=${encodeURIComponent(DEV)}`,
    ]);
  });

  test.each([
    [["run", "--env", "dev", "--path", "../etc"], `--path "../etc" must not contain '.' or '..' segments`],
    [["run", "--env", "dev", "--path", "/abs"], `--path "/abs" must be relative to the datastore root`],
    [["run", "--env", "dev", "--path", "x", "--datastore", "Bad-Store"], `--datastore "Bad-Store" must be 1-255 lowercase letters`],
    [["run", "--env", "nosuchenv", "--path", "x"], `unknown environment "nosuchenv": use one of dev`],
    [["run", "--path", "x"], "--env is required (one of dev)"],
    [["run", "--env", "dev", "--stack", "prod", "--path", "x"], `--env "dev" and --stack "prod" name different environments`],
    [["run", "--env", "dev", "--pipeline", "other", "--path", "x"], `environment "dev" has no pipeline "other": use one of datapath`],
    [["status", "not-a-guid", "--env", "dev"], `status needs a run id (a GUID), got "not-a-guid"`],
    [["status", RUN, RUN, "--env", "dev"], `status takes at most 1 argument(s) besides its options; got "${RUN}"`],
    [["runs", "--env", "dev", "--last", "0"], `--last "0" must be a whole number from 1 to 100`],
    [["runs", "--env", "dev", "--follow"], "runs has no option --follow (run, status have it)"],
    [["run", "--env", "dev", "--path", "x", "--keep", "2"], "run has no option --keep (prune-deployments has it)"],
    [["run", "--env", "dev", "--path", "x", "--bogus"], "run has no option --bogus: `aml-datapath run --help` lists its options"],
    [["run", "--env"], "--env needs a value"],
    [["run", "--env", "dev", "--path", "x", "--poll", "soon"], `--poll "soon" must be a number of seconds`],
    [["cancel", "--env", "dev"], "cancel needs a run id (a GUID), got none"],
    [["--env", "dev", "run"], "the command comes first"],
  ])("input is checked before any request: %j", async (args, message) => {
    // No stand-in at all: a request would fail the test (the clients factory throws).
    const r = await cli(args, { cwd: app() });
    expect([r.code, r.out]).toEqual([2, ""]);
    expect(r.err).toContain(message);
  });
});

describe("pieces of the CLI", () => {
  const t = { env: "dev", select: "--env dev", factory: "adf", resourceGroup: "rg", subscriptionId: SUB, pipeline: "datapath" } as Target;

  test.each([
    ["AggregateAuthenticationError", new AggregateAuthenticationError([new CredentialUnavailableError("az not logged in")], "ChainedTokenCredential authentication failed.")],
    ["CredentialUnavailableError", new CredentialUnavailableError("no credential")],
    ["AuthenticationError", new AuthenticationError(400, { error: "invalid_client", error_description: "bad secret" })],
  ])("a sign-in failure (%s) becomes the az login sentence", (_name, e) => {
    const text = explain(e, t, 60);
    expect(text).toMatch(/^Azure did not accept your sign-in \(no usable credential\): run `az login`/);
    expect(text.split("\n")).toHaveLength(1);
  });

  test("latest run per activity, in start order; the culprit is the Fail activity, else the last failed leaf", () => {
    const a = (name: string, type: string, status: string, start: string) => ({ activityName: name, activityType: type, status, activityRunStart: new Date(start) });
    const runs = [
      a("Get job status", "WebActivity", "Failed", "2026-11-25T10:01:00Z"),
      a("Wait for job", "Until", "Failed", "2026-11-25T10:00:30Z"),
      a("Get job status", "WebActivity", "Succeeded", "2026-11-25T10:02:00Z"),
      a("Invoke batch endpoint", "WebActivity", "Succeeded", "2026-11-25T10:00:00Z"),
    ];
    expect(latestPerActivity(runs).map((r) => `${r.activityName}:${r.status}`)).toEqual(["Invoke batch endpoint:Succeeded", "Wait for job:Failed", "Get job status:Succeeded"]);
    expect(culpritOf(runs)?.activityName).toBe("Get job status");
    expect(culpritOf([...runs, a("Fail run", "Fail", "Failed", "2026-11-25T09:00:00Z")])?.activityName).toBe("Fail run");
    expect(culpritOf([a("Check", "IfCondition", "Failed", "2026-11-25T10:00:00Z")])?.activityName).toBe("Check");
  });
});

describe("aml-datapath cancel", () => {
  const activities = (withInvoke: boolean) => ({
    status: 200,
    body: {
      value: [
        activity("Validate parameters", "IfCondition", "Succeeded"),
        ...(withInvoke ? [activity("Invoke batch endpoint", "WebActivity", "Succeeded", { output: { name: "job-9" } })] : []),
      ],
    },
  });
  const job = (status: string) => () => ({ status: 200, body: { id: "x", name: "job-9", properties: { jobType: "Pipeline", status } } });

  test("a running run: cancels the ADF run (recursively) and the AML job it started, says so, exit 0", async () => {
    const r = await against(
      {
        getRun: () => run("InProgress"),
        queryActivityRuns: () => activities(true),
        getJob: job("Running"),
        cancelRun: () => ({ status: 200 }),
        cancelJob: () => ({ status: 202, headers: { location: "https://127.0.0.1:1/never-polled", "retry-after": "10" } }),
      },
      ["cancel", RUN, "--env", "dev"],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.arm.calls("cancelRun").map((c) => [c.path, new URLSearchParams(c.query).get("isRecursive")])).toEqual([[`${DEV}/pipelineruns/${RUN}/cancel`, "true"]]);
    // The ADF run is cancelled before the job: no new invoke can start in between.
    expect(r.arm.requests.map((q) => q.operation).filter((op) => op.startsWith("cancel"))).toEqual(["cancelRun", "cancelJob"]);
    expect(r.arm.calls("getJob").map((c) => [c.method, c.path, c.apiVersion])).toEqual([["GET", `${WS}/jobs/job-9`, "2024-04-01"]]);
    expect(r.arm.calls("cancelJob").map((c) => [c.method, c.path, c.apiVersion])).toEqual([["POST", `${WS}/jobs/job-9/cancel`, "2024-04-01"]]);
    expect(r.out).toContain(`Cancelled ADF run ${RUN} (was InProgress).`);
    expect(r.out).toContain("Cancel requested for AML job job-9 (was Running).");
  });

  test("an invoke in flight: the run is cancelled, the CLI waits for the invoke's answer and cancels the job it started", async () => {
    const inFlight = { status: 200, body: { value: [activity("Invoke batch endpoint", "WebActivity", "InProgress")] } };
    const r = await against(
      {
        getRun: () => run("InProgress"),
        queryActivityRuns: (_r, n) => (n < 3 ? inFlight : activities(true)),
        getJob: job("Queued"),
        cancelRun: () => ({ status: 200 }),
        cancelJob: () => ({ status: 202 }),
      },
      ["cancel", RUN, "--env", "dev", "--poll", "5"],
    );
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Waiting for the batch endpoint invoke in flight to answer");
    expect(r.out).toContain("Cancel requested for AML job job-9 (was Queued).");
    expect(r.arm.calls("queryActivityRuns")).toHaveLength(3);
    expect(r.clock.sleeps).toEqual([5000, 5000]);
  });

  test("an invoke that never answers is waited for 11 minutes (its own timeout and a margin), then the run is left cancelled", async () => {
    const r = await against(
      { getRun: () => run("InProgress"), queryActivityRuns: () => ({ status: 200, body: { value: [activity("Invoke batch endpoint", "WebActivity", "InProgress")] } }), cancelRun: () => ({ status: 200 }) },
      ["cancel", RUN, "--env", "dev", "--poll", "60"],
    );
    expect(r.code).toBe(0);
    expect(r.clock.sleeps).toEqual(Array(11).fill(60_000));
    expect(r.out).toContain("No AML job had been started by this run.");
  });

  test("Ctrl-C while waiting for an invoke in flight: exit 130, and the command to run again to cancel its job", async () => {
    const r = await against(
      { getRun: () => run("InProgress"), queryActivityRuns: () => ({ status: 200, body: { value: [activity("Invoke batch endpoint", "WebActivity", "InProgress")] } }), cancelRun: () => ({ status: 200 }) },
      ["cancel", RUN, "--env", "dev"],
      { onOut: (line, abort) => line.startsWith("Waiting for the batch endpoint invoke") && abort() },
    );
    expect(r.code).toBe(130);
    expect(r.err).toContain(`Run \`aml-datapath cancel ${RUN} --env dev\` again to cancel it.`);
    expect(r.arm.calls("queryActivityRuns")).toHaveLength(1);
  });

  test("a run that already ended with its job: nothing is cancelled, a clear message, exit 0", async () => {
    const r = await against({ getRun: () => run("Succeeded"), queryActivityRuns: () => activities(true), getJob: job("Completed") }, ["cancel", RUN, "--env", "dev"]);
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Run ${RUN} already succeeded; AML job job-9 Completed: nothing to cancel.`);
  });

  test("a run cancelled from the ADF UI whose job still runs: only the job is cancelled", async () => {
    const r = await against({ getRun: () => run("Cancelled"), queryActivityRuns: () => activities(true), getJob: job("Running"), cancelJob: () => ({ status: 200 }) }, [
      "cancel",
      RUN,
      "--env",
      "dev",
    ]);
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.arm.calls("cancelRun")).toEqual([]);
    expect(r.arm.calls("cancelJob")).toHaveLength(1);
    expect(r.out).toContain("Cancel requested for AML job job-9 (was Running).");
  });

  test("a run stopped before the invoke: only the ADF run is cancelled", async () => {
    const r = await against({ getRun: () => run("InProgress"), queryActivityRuns: () => activities(false), cancelRun: () => ({ status: 200 }) }, ["cancel", RUN, "--env", "dev"]);
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("No AML job had been started by this run.");
  });
});

describe("aml-datapath explains itself", () => {
  test.each([["help"], ["--help"], ["-h"]])("%s: the usage, with the environments found in the app, exit 0", async (flag) => {
    const r = await cli([flag], { cwd: app() });
    expect(r.code).toBe(0);
    expect(r.out).toContain("aml-datapath run --env <dev> --path <path>");
    expect(r.out).toMatch(/^Environments \(in this folder\):\n {2}dev {2}from cdktf\.out\/stacks\/dev\/cdk\.tf\.json$/m);
    for (const c of ["run", "status", "runs", "backfill", "cancel", "prune-deployments", "verify", "local", "diff"]) expect(r.out).toContain(`\n  ${c} `);
  });

  test("no command: the usage on stdout, exit 2", async () => {
    const r = await cli([], { cwd: app() });
    expect(r.code).toBe(2);
    expect(r.out).toContain("Usage:");
  });

  test("<command> --help and help <command>: options with defaults, subscription, sign-in, cloud and exit codes", async () => {
    const a = await cli(["run", "--help"], { cwd: app() });
    const b = await cli(["help", "run"], { cwd: app() });
    // --help wins over anything else on the line, even an option the command does not take.
    const c = await cli(["run", "--bogus", "-h"], { cwd: app() });
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    expect(a.out).toBe(b.out);
    expect(c.out).toBe(a.out);
    expect(a.out).toContain("--poll <s>             seconds between two looks at the run while following (default 15)");
    expect(a.out).toContain("(default 43200 = 12 h)");
    expect(a.out).toContain("AZURE_SUBSCRIPTION_ID");
    expect(a.out).toContain("AZURE_TOKEN_CREDENTIALS=AzureCliCredential");
    expect(a.out).toContain("AML_DATAPATH_ARM_ENDPOINT");
    expect(a.out).toMatch(/^  5 +sign-in or permission failure/m);
    expect(a.out).toMatch(/^ {2}dev {2}from cdktf\.out\/stacks\/dev\/cdk\.tf\.json$/m);
    // Every option the command takes is in its help, and no other.
    const options = [...a.out.matchAll(/^ {2}(?:-h, )?--([\w-]+)/gm)].map((m) => m[1]);
    expect(options).toEqual(["env", "stack", "pipeline", "app-dir", "path", "datastore", "follow", "poll", "timeout", "request-timeout", "help"]);
  });

  test("backfill --help and the README's CLI section describe backfill with an example, its roles and its state file", async () => {
    const help = await cli(["backfill", "--help"], { cwd: app() });
    expect(help.code).toBe(0);
    expect(help.out).toContain("Usage: aml-datapath backfill --env <dev> [--under <path>] [--paths-from <file>] [--concurrency <n>] [--dry-run] [--resume <file>]");
    expect(help.out).toMatch(/^Example:\n {2}aml-datapath backfill --env dev --under parquet --since 2026-11-01 --until 2026-11-30 --dry-run$/m);
    expect(help.out).toContain('"Storage Blob Data Reader" on the container');
    const options = [...help.out.matchAll(/^ {2}(?:-h, )?--([\w-]+)/gm)].map((m) => m[1]);
    expect(options).toEqual(["env", "stack", "pipeline", "app-dir", "under", "depth", "match", "since", "until", "paths-from", "concurrency", "dry-run", "state", "resume", "skip-failed", "poll", "timeout", "request-timeout", "help"]);
    const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    expect(readme).toContain("npm run aml-datapath -- backfill --env dev --under parquet --since 2026-11-01 --until 2026-11-30 --dry-run");
    expect(readme).toContain("npm run aml-datapath -- backfill --env dev --resume ");
    for (const words of ['"Storage Blob Data Reader" on the input', "--skip-failed", "queryPipelineRuns", "AML_DATAPATH_PRICES_ENDPOINT", "AML_DATAPATH_BLOB_ENDPOINT", "computeRequest.nodeCount", "datapath_files", "compute-by-data-path.kql"]) {
      expect(readme).toContain(words);
    }
  });

  test("--version prints the package version", async () => {
    const r = await cli(["--version"]);
    expect([r.code, r.out]).toEqual([0, require("../package.json").version]);
  });

  test.each([
    [["start", "--env", "dev"], `unknown command "start"`],
    [["help", "start"], `no command "start"`],
    [["status", "abc", "--env", "dev"], `status needs a run id (a GUID), got "abc"`],
    [["runs", "--env", "dev", "--last", "0"], `--last "0" must be a whole number from 1 to 100`],
    [["run", "--env", "dev", "--path", "x", "--datastore", "Input-Data"], `--datastore "Input-Data" must be`],
  ])("the real mistake first, before any subscription is looked for: %j", async (args, message) => {
    const r = await cli(args, { cwd: app(), env: { AZURE_SUBSCRIPTION_ID: undefined } });
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toContain("no subscription");
  });

  test("without any subscription: one sentence on the ways to give one, exit 2", async () => {
    const r = await cli(["runs", "--env", "dev"], { cwd: app(), env: { AZURE_SUBSCRIPTION_ID: undefined } });
    expect(r.code).toBe(2);
    expect(r.err).toBe(`aml-datapath: no subscription for "dev": set subscription_id on the stack's azurerm provider, or AZURE_SUBSCRIPTION_ID, or choose one with az account set`);
  });

  test("the subscription falls back to ARM_SUBSCRIPTION_ID, then the Azure CLI's default, and the tool says it used them", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azcli-"));
    fs.writeFileSync(path.join(dir, "azureProfile.json"), `\uFEFF${JSON.stringify({ subscriptions: [{ id: "x-other", isDefault: false }, { id: SUB, isDefault: true }] })}`);
    try {
      const az = await against({ getRun: () => run("Succeeded") }, ["status", RUN, "--env", "dev"], { env: { AZURE_SUBSCRIPTION_ID: undefined, AZURE_CONFIG_DIR: dir } });
      expect(az.code).toBe(0);
      expect(az.err).toBe(`Using subscription ${SUB} (the Azure CLI's default subscription).`);
      expect(az.arm.calls("getRun")[0].path).toBe(`${DEV}/pipelineruns/${RUN}`);
      const arm = await against({ getRun: () => run("Succeeded") }, ["status", RUN, "--env", "dev"], { env: { AZURE_SUBSCRIPTION_ID: undefined, ARM_SUBSCRIPTION_ID: SUB, AZURE_CONFIG_DIR: dir } });
      expect(arm.err).toBe(`Using subscription ${SUB} (ARM_SUBSCRIPTION_ID).`);
      const given = await against({ getRun: () => run("Succeeded") }, ["status", RUN, "--env", "dev"], { env: { AZURE_CONFIG_DIR: dir } });
      expect(given.err).toBe("");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("outside any app: the help says how to make environments exist; a command says so too", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-app-"));
    try {
      const help = await cli(["run", "--help"], { cwd: empty });
      expect(help.code).toBe(0);
      expect(help.out).toContain("aml-datapath run --env <stack> --path <path>");
      expect(help.out).toContain("No environments found in this folder");
      expect(help.out).toContain("`npx cdktf synth`");
      expect(help.out).toContain("aml-datapath.json");
      const r = await cli(["runs", "--env", "dev"], { cwd: empty });
      expect(r.code).toBe(2);
      expect(r.err).toContain(`unknown environment "dev": No environments found in ${empty}`);
      expect(r.err).toContain("npx cdktf synth");
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
