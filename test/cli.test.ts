import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { armError, FakeArm } from "./fake-arm";
import { culpritOf, latestPerActivity, main } from "../cli/main";
import { explain } from "../cli/azure";
import { resolveTarget } from "../cli/target";
import { deriveNames } from "../lib/core/naming";
import { dev as devConfig, environments } from "../stacks/environments";
import { AggregateAuthenticationError, AuthenticationError, CredentialUnavailableError } from "@azure/identity";

const BIN = path.join(__dirname, "..", "bin", "aml-datapath.js");
const SUB = "00000000-0000-0000-0000-0000000000aa";
const RUN = "11111111-2222-3333-4444-555555555555";
// Every name comes from the dev config, as the CLI derives them.
const N = deriveNames(devConfig.projectPrefix, devConfig.name, devConfig.nameSuffix ?? "");
const DEV = `/subscriptions/${SUB}/resourceGroups/${N.resourceGroup}/providers/Microsoft.DataFactory/factories/${N.dataFactory}`;
const WS = `/subscriptions/${SUB}/resourceGroups/${N.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${N.mlWorkspace}`;
const STUDIO = `https://ml.azure.com/runs/job-7?wsid=/subscriptions/x/resourcegroups/${N.resourceGroup}/workspaces/${N.mlWorkspace}`;

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI as a child process against the fake ARM server. */
function cli(arm: FakeArm, url: string, args: string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        PATH: process.env.PATH,
        AML_DATAPATH_TEST_TOKEN: "test-token",
        AML_DATAPATH_ARM_ENDPOINT: url,
        AML_DATAPATH_RUN_HISTORY_ENDPOINT: url,
        NODE_EXTRA_CA_CERTS: arm.certFile,
        AZURE_SUBSCRIPTION_ID: SUB,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
      onStdout?.(stdout, child);
    });
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function withArm(handlers: ConstructorParameters<typeof FakeArm>[0], body: (arm: FakeArm, url: string) => Promise<void>): Promise<void> {
  const arm = new FakeArm(handlers);
  const url = await arm.start();
  try {
    await body(arm, url);
  } finally {
    await arm.stop();
  }
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

jest.setTimeout(30_000);

describe("aml-datapath against a local ARM stand-in", () => {
  test.concurrent("run --follow: starts the run with the data path as parameters, shows progress and the AML job, exits 0", async () => {
    await withArm(
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
      async (arm, url) => {
        const r = await cli(arm, url, ["run", "--env", "dev", "--path", "parquet/offerpath3", "--follow", "--poll", "0.1"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(0);
        const create = arm.calls("createRun");
        expect(create).toHaveLength(1);
        expect(create[0].path).toBe(`${DEV}/pipelines/datapath/createRun`);
        expect(create[0].body).toEqual({ relative_path: "parquet/offerpath3", datastore_name: "input_data" });
        expect(arm.calls("getRun")[0].path).toBe(`${DEV}/pipelineruns/${RUN}`);
        // The job is read with Jobs_Get of the stable 2024-04-01 API, on every poll until it is known to have completed.
        const jobReads = arm.calls("getJob");
        expect(jobReads.length).toBeGreaterThanOrEqual(2);
        for (const read of jobReads) expect([read.method, read.path, read.apiVersion]).toEqual(["GET", `${WS}/jobs/job-42`, "2024-04-01"]);
        expect(r.stdout).toContain(`Started run ${RUN} of datapath in ${N.dataFactory} on input_data:parquet/offerpath3`);
        expect(r.stdout).toContain(`Portal: https://adf.azure.com/en/monitoring/pipelineruns/${RUN}?factory=${encodeURIComponent(DEV)}`);
        // Not a TTY: plain log lines for each change, with the elapsed time.
        expect(r.stdout).toMatch(/^\+\d+s Wait for job: InProgress$/m);
        expect(r.stdout).toMatch(/^\+\d+s Wait for job: Succeeded$/m);
        expect(r.stdout).toMatch(/^\+\d+s AML job job-42: Running$/m);
        expect(r.stdout).toMatch(/^\+\d+s AML job job-42: Completed$/m);
        expect(r.stdout).toContain(`Run ${RUN} succeeded in 93s.`);
        expect(r.stdout).not.toContain("\x1b[");
        // A loop's activity is logged once per change, not once per iteration; unfinished durations are not "0s".
        expect(r.stdout.match(/Get job status: Succeeded/g)).toHaveLength(1);
        expect(r.stdout).not.toContain("(0s)");
      },
    );
  });

  test.concurrent("status --follow reads the AML job through Jobs_Get 2024-04-01; a job it may not read leaves the ADF outcome standing", async () => {
    const handlers = (job: () => { status: number; body: unknown }) => ({
      getRun: () => run("Succeeded", { durationInMs: 4000 }),
      queryActivityRuns: () => ({ status: 200, body: { value: [activity("Invoke batch endpoint", "WebActivity", "Succeeded", { output: { name: "job-5" } })] } }),
      getJob: job,
    });
    await withArm(handlers(() => ({ status: 200, body: { id: "x", name: "job-5", properties: { jobType: "Pipeline", status: "Completed", services: { Studio: { endpoint: STUDIO } } } } })), async (arm, url) => {
      const r = await cli(arm, url, ["status", RUN, "--env", "dev", "--follow", "--poll", "0.1"]);
      expect(arm.unexpected).toEqual([]);
      expect(r.code).toBe(0);
      expect(arm.calls("getJob").map((c) => [c.method, c.path, c.apiVersion])).toEqual([["GET", `${WS}/jobs/job-5`, "2024-04-01"]]);
      expect(r.stdout).toMatch(/^\+\d+s AML job job-5: Completed$/m);
    });
    await withArm(handlers(() => ({ status: 403, body: armError("AuthorizationFailed", "no access to the workspace") })), async (arm, url) => {
      const r = await cli(arm, url, ["status", RUN, "--env", "dev", "--follow", "--poll", "0.1"]);
      expect(arm.unexpected).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^\+\d+s AML job job-5: \(not readable\)$/m);
      expect(r.stdout).toContain(`Run ${RUN} succeeded in 4s.`);
    });
  });

  test.concurrent("a failed activity: exit 1 with that activity's error message", async () => {
    await withArm(
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
      async (arm, url) => {
        const r = await cli(arm, url, ["run", "--env", "dev", "--path", "parquet/x", "--follow", "--poll", "0.1"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`Run ${RUN} failed in activity "Fail run": AML job job-7 ended with status Failed`);
        // Not only ADF's message: the AML step that failed, its own error, and where to look.
        expect(r.stderr).toContain(`AML job job-7: Failed (${STUDIO})`);
        expect(r.stderr).toContain("  step prepare Failed: no .parquet files found under /mnt/input");
        expect(r.stderr).not.toContain("step process");
        const ws = WS;
        expect(arm.calls("jobChildren").map((c) => c.path)).toEqual([`/history/v1.0${ws}/runs/job-7/children`]);
        expect(arm.calls("runDetails").map((c) => c.path)).toEqual([`/history/v1.0${ws}/runs/job-7-prepare/details`]);
      },
    );
  });

  test.concurrent.each([
    [401, "az login"],
    [403, 'needs the "Data Factory Contributor" role on the factory'],
  ])("HTTP %i: one clear sentence on what to do, exit 5 (sign-in or permission, not a failed run)", async (status, hint) => {
    await withArm({ createRun: () => ({ status, body: armError(status === 401 ? "InvalidAuthenticationToken" : "AuthorizationFailed", "denied") }) }, async (arm, url) => {
      const r = await cli(arm, url, ["run", "--env", "dev", "--path", "parquet/x"]);
      expect(arm.unexpected).toEqual([]);
      expect(r.code).toBe(5);
      expect(r.stderr).toContain(hint);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    });
  });

  test.concurrent("429 with Retry-After: the tool waits as asked, then succeeds", async () => {
    await withArm(
      {
        createRun: (_r, n) => (n === 1 ? { status: 429, headers: { "retry-after": "2" }, body: armError("TooManyRequests", "slow down") } : { status: 200, body: { runId: RUN } }),
      },
      async (arm, url) => {
        const r = await cli(arm, url, ["run", "--env", "dev", "--path", "parquet/x"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(0);
        const [first, second] = arm.calls("createRun");
        expect(second.at - first.at).toBeGreaterThanOrEqual(1900);
        expect(r.stderr).toContain("throttled, retrying in 2 s");
        expect(r.stdout).toContain(`Started run ${RUN}`);
      },
    );
  });

  test.concurrent("a 500 on creating a run is not re-sent (it could start a second run)", async () => {
    await withArm({ createRun: () => ({ status: 500, body: armError("InternalServerError", "boom") }) }, async (arm, url) => {
      const r = await cli(arm, url, ["run", "--env", "dev", "--path", "parquet/x"]);
      expect(r.code).toBe(1);
      expect(arm.calls("createRun")).toHaveLength(1);
      expect(r.stderr).toContain("Azure request failed (HTTP 500)");
    });
  });

  test.concurrent("a request that never answers: gives up after --request-timeout with a clear message", async () => {
    await withArm({ createRun: () => ({ status: 200, hang: true }) }, async (arm, url) => {
      const started = Date.now();
      const r = await cli(arm, url, ["run", "--env", "dev", "--path", "parquet/x", "--request-timeout", "1"]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("No answer from Azure within 1s (--request-timeout): the run may still have started, check `aml-datapath runs --env dev`");
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(arm.unexpected).toEqual([]);
    });
  });

  test.concurrent("a run that outlasts --timeout: exit 3, and the run keeps going", async () => {
    await withArm(
      { getRun: () => run("InProgress"), queryActivityRuns: () => ({ status: 200, body: { value: [] } }) },
      async (arm, url) => {
        const r = await cli(arm, url, ["status", RUN, "--env", "dev", "--follow", "--poll", "0.2", "--timeout", "1"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(3);
        expect(r.stderr).toContain(`Still InProgress after 1s (--timeout); run ${RUN} keeps running`);
        expect(r.stderr).toContain(`Follow it again with: aml-datapath status ${RUN} --env dev --follow`);
      },
    );
  });

  test.concurrent("Ctrl-C while following leaves the run running and says so", async () => {
    await withArm(
      {
        createRun: () => ({ status: 200, body: { runId: RUN } }),
        getRun: () => run("InProgress"),
        queryActivityRuns: () => ({ status: 200, body: { value: [activity("Wait for job", "Until", "InProgress")] } }),
      },
      async (arm, url) => {
        let sent = false;
        const r = await cli(arm, url, ["run", "--env", "dev", "--path", "parquet/x", "--follow", "--poll", "0.2"], (out, child) => {
          if (!sent && out.includes("Wait for job: InProgress")) {
            sent = true;
            child.kill("SIGINT");
          }
        });
        expect(r.code).toBe(130);
        expect(r.stderr).toContain(`Stopped following. Run ${RUN} keeps running in Data Factory`);
        expect(r.stderr).toContain(`Follow it again with: aml-datapath status ${RUN} --env dev --follow`);
        // Nothing but reads after the start: no cancel request.
        expect(arm.unexpected).toEqual([]);
        expect(arm.calls("createRun")).toHaveLength(1);
      },
    );
  });

  test.concurrent("runs --last 2: a table of recent runs of this pipeline", async () => {
    const runs = [3, 2, 1].map((i) => ({
      runId: `00000000-0000-0000-0000-00000000000${i}`,
      pipelineName: "datapath",
      status: i === 2 ? "Failed" : "Succeeded",
      runStart: `2026-11-2${i}T08:00:00Z`,
      durationInMs: i * 60_000,
      parameters: { datastore_name: "input_data", relative_path: `parquet/day${i}` },
    }));
    await withArm({ queryPipelineRuns: () => ({ status: 200, body: { value: runs } }) }, async (arm, url) => {
      const r = await cli(arm, url, ["runs", "--env", "dev", "--last", "2"]);
      expect(arm.unexpected).toEqual([]);
      expect(r.code).toBe(0);
      const body = arm.calls("queryPipelineRuns")[0].body as { filters: unknown[]; orderBy: unknown[] };
      expect(body.filters).toEqual([{ operand: "PipelineName", operator: "Equals", values: ["datapath"] }]);
      expect(body.orderBy).toEqual([{ orderBy: "RunStart", order: "DESC" }]);
      const lines = r.stdout.trim().split("\n");
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^START \(UTC\)\s+DURATION\s+STATUS\s+DATA PATH\s+RUN ID$/);
      expect(lines[1]).toMatch(/^2026-11-23 08:00:00\s+180s\s+Succeeded\s+input_data:parquet\/day3\s+0{8}-0{4}-0{4}-0{4}-0{11}3$/);
      expect(lines[2]).toMatch(/Failed\s+input_data:parquet\/day2/);
    });
  });

  test.concurrent("status <run id>: one line with status and data path", async () => {
    await withArm({ getRun: () => run("Succeeded", { durationInMs: 5000 }) }, async (arm, url) => {
      const r = await cli(arm, url, ["status", RUN, "--env", "dev"]);
      expect(arm.unexpected).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n")[0]).toBe(`${RUN} Succeeded input_data:parquet/offerpath3 5s`);
    });
  });

  test.each([
    [["run", "--env", "dev", "--path", "../etc"], `--path "../etc" must not contain '.' or '..' segments`],
    [["run", "--env", "dev", "--path", "/abs"], `--path "/abs" must be relative to the datastore root`],
    [["run", "--env", "dev", "--path", "x", "--datastore", "Bad-Store"], `--datastore "Bad-Store" must be 1-255 lowercase letters`],
    [["run", "--env", "nosuchenv", "--path", "x"], `unknown environment "nosuchenv"`],
    [["run", "--path", "x"], "--env is required"],
    [["status", "not-a-guid", "--env", "dev"], `status needs a run id (a GUID), got "not-a-guid"`],
    [["runs", "--env", "dev", "--last", "0"], `--last "0" must be a whole number from 1 to 100`],
    [["run", "--env", "dev", "--path", "x", "--poll", "soon"], `--poll "soon" must be a number of seconds`],
  ])("input is validated before any call: %j", async (args, message) => {
    // In-process (the spawned tool is covered above): nothing may reach the network, so no server at all.
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false, write: () => undefined }, {
      AZURE_SUBSCRIPTION_ID: SUB,
      AML_DATAPATH_TEST_TOKEN: "t",
      AML_DATAPATH_ARM_ENDPOINT: "https://127.0.0.1:9",
    });
    expect(code).toBe(2);
    expect(err.join("\n")).toContain(message);
  });
});

describe("pieces of the CLI", () => {
  const t = resolveTarget("dev", undefined, { AZURE_SUBSCRIPTION_ID: SUB });

  test.each([
    new AggregateAuthenticationError([new CredentialUnavailableError("az not logged in")], "ChainedTokenCredential authentication failed."),
    new CredentialUnavailableError("no credential"),
    new AuthenticationError(400, { error: "invalid_client", error_description: "bad secret" }),
  ])("a sign-in failure (%s) becomes the az login sentence", (e) => {
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

  test.concurrent("a running run: cancels the ADF run (recursively) and the AML job it started, says so, exit 0", async () => {
    await withArm(
      {
        getRun: () => run("InProgress"),
        queryActivityRuns: () => activities(true),
        getJob: job("Running"),
        cancelRun: () => ({ status: 200 }),
        cancelJob: () => ({ status: 202, headers: { location: "https://127.0.0.1:1/never-polled", "retry-after": "10" } }),
      },
      async (arm, url) => {
        const r = await cli(arm, url, ["cancel", RUN, "--env", "dev"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(0);
        expect(arm.calls("cancelRun").map((c) => [c.path, new URLSearchParams(c.query).get("isRecursive")])).toEqual([[`${DEV}/pipelineruns/${RUN}/cancel`, "true"]]);
        // The ADF run is cancelled before the job: no new invoke can start in between.
        expect(arm.calls("cancelRun")[0].at).toBeLessThanOrEqual(arm.calls("cancelJob")[0].at);
        expect(arm.calls("getJob").map((c) => [c.method, c.path, c.apiVersion])).toEqual([["GET", `${WS}/jobs/job-9`, "2024-04-01"]]);
        expect(arm.calls("cancelJob").map((c) => [c.method, c.path, c.apiVersion])).toEqual([["POST", `${WS}/jobs/job-9/cancel`, "2024-04-01"]]);
        expect(r.stdout).toContain(`Cancelled ADF run ${RUN} (was InProgress).`);
        expect(r.stdout).toContain("Cancel requested for AML job job-9 (was Running).");
      },
    );
  });

  test.concurrent("an invoke in flight: the run is cancelled, the CLI waits for the invoke's answer and cancels the job it started", async () => {
    const inFlight = { status: 200, body: { value: [activity("Invoke batch endpoint", "WebActivity", "InProgress")] } };
    await withArm(
      {
        getRun: () => run("InProgress"),
        queryActivityRuns: (_r, n) => (n < 3 ? inFlight : activities(true)),
        getJob: job("Queued"),
        cancelRun: () => ({ status: 200 }),
        cancelJob: () => ({ status: 202 }),
      },
      async (arm, url) => {
        const r = await cli(arm, url, ["cancel", RUN, "--env", "dev", "--poll", "0.1"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain("Waiting for the batch endpoint invoke in flight to answer");
        expect(r.stdout).toContain("Cancel requested for AML job job-9 (was Queued).");
        expect(arm.calls("queryActivityRuns").length).toBeGreaterThanOrEqual(3);
      },
    );
  });

  test.concurrent("a run that already ended with its job: nothing is cancelled, a clear message, exit 0", async () => {
    await withArm({ getRun: () => run("Succeeded"), queryActivityRuns: () => activities(true), getJob: job("Completed") }, async (arm, url) => {
      const r = await cli(arm, url, ["cancel", RUN, "--env", "dev"]);
      expect(arm.unexpected).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Run ${RUN} already succeeded; AML job job-9 Completed: nothing to cancel.`);
    });
  });

  test.concurrent("a run cancelled from the ADF UI whose job still runs: only the job is cancelled", async () => {
    await withArm(
      { getRun: () => run("Cancelled"), queryActivityRuns: () => activities(true), getJob: job("Running"), cancelJob: () => ({ status: 200 }) },
      async (arm, url) => {
        const r = await cli(arm, url, ["cancel", RUN, "--env", "dev"]);
        expect(arm.unexpected).toEqual([]);
        expect(r.code).toBe(0);
        expect(arm.calls("cancelRun")).toEqual([]);
        expect(arm.calls("cancelJob")).toHaveLength(1);
        expect(r.stdout).toContain("Cancel requested for AML job job-9 (was Running).");
      },
    );
  });

  test.concurrent("a run stopped before the invoke: only the ADF run is cancelled", async () => {
    await withArm({ getRun: () => run("InProgress"), queryActivityRuns: () => activities(false), cancelRun: () => ({ status: 200 }) }, async (arm, url) => {
      const r = await cli(arm, url, ["cancel", RUN, "--env", "dev"]);
      expect(arm.unexpected).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("No AML job had been started by this run.");
    });
  });

  test("cancel without a run id is a usage error before any request", async () => {
    const lines: string[] = [];
    const code = await main(["cancel", "--env", "dev"], { out: (l) => lines.push(l), err: (l) => lines.push(l), isTty: false, write: () => undefined }, { AZURE_SUBSCRIPTION_ID: SUB });
    expect(code).toBe(2);
    expect(lines.join("\n")).toContain("cancel needs a run id (a GUID), got none");
  });
});

describe("aml-datapath explains itself", () => {
  const inProcess = async (args: string[], vars: NodeJS.ProcessEnv = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l), isTty: false, write: () => undefined }, { HOME: "/nonexistent", ...vars });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
  const envNames = environments.map((e) => e.name).join("|");

  test.each([["help"], ["--help"], ["-h"]])("%s: the usage, with the environments from the configs, exit 0", async (flag) => {
    const r = await inProcess([flag]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`aml-datapath run --env <${envNames}> --path <relative path>`);
    expect(r.out).not.toContain("--env is required");
    for (const c of ["run", "status", "runs", "cancel", "local", "diff"]) expect(r.out).toContain(`\n  ${c} `);
  });

  test("<command> --help and help <command>: options with defaults, environment variables and exit codes", async () => {
    const a = await inProcess(["run", "--help"]);
    const b = await inProcess(["help", "run"]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.out).toBe(b.out);
    expect(a.out).toContain("--poll <s>             seconds between two looks at the run while following (default 15)");
    expect(a.out).toContain("(default 43200 = 12 h)");
    expect(a.out).toContain("AZURE_SUBSCRIPTION_ID");
    expect(a.out).toMatch(/^  5 +sign-in or permission failure/m);
  });

  test("--version prints the package version", async () => {
    const r = await inProcess(["--version"]);
    expect([r.code, r.out]).toEqual([0, require("../package.json").version]);
  });

  test.each([
    [["start", "--env", "dev"], `unknown command "start"`],
    [["status", "abc", "--env", "dev"], `status needs a run id (a GUID), got "abc"`],
    [["runs", "--env", "dev", "--last", "0"], `--last "0" must be a whole number from 1 to 100`],
    [["run", "--env", "dev", "--path", "x", "--datastore", "Input-Data"], `--datastore "Input-Data" must be`],
  ])("the real mistake first, before any subscription is looked for: %j", async (args, message) => {
    const r = await inProcess(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toContain("no subscription");
  });

  test("the subscription falls back to the Azure CLI's default, and the tool says it used it", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azcli-"));
    fs.writeFileSync(path.join(dir, "azureProfile.json"), `\uFEFF${JSON.stringify({ subscriptions: [{ id: "x-other", isDefault: false }, { id: SUB, isDefault: true }] })}`);
    const t = resolveTarget("dev", environments, { AZURE_CONFIG_DIR: dir });
    expect([t.subscriptionId, t.subscriptionSource]).toEqual([SUB, "the Azure CLI's default subscription"]);
    expect(resolveTarget("dev", environments, { AZURE_CONFIG_DIR: dir, AZURE_SUBSCRIPTION_ID: "y" }).subscriptionSource).toBe("AZURE_SUBSCRIPTION_ID");
    await withArm({ getRun: () => run("Succeeded") }, async (arm, url) => {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, "status", RUN, "--env", "dev"], {
          env: { PATH: process.env.PATH, AML_DATAPATH_TEST_TOKEN: "test-token", AML_DATAPATH_ARM_ENDPOINT: url, NODE_EXTRA_CA_CERTS: arm.certFile, AZURE_CONFIG_DIR: dir },
        });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stderr }));
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`Using subscription ${SUB} (the Azure CLI's default subscription).`);
      expect(arm.calls("getRun")[0].path).toBe(`${DEV}/pipelineruns/${RUN}`);
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
