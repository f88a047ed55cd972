import {
  ACTIVITY_NAME,
  BATCH_ACTIVITY,
  batchEndpointActivities,
  classicPipelineActivities,
  invalidParametersExpression,
  invokeBodyExpression,
  toWire,
  WireActivity,
} from "../lib/pipeline/adf-activities";
import { folderWithoutContainer } from "../lib/pipeline/adf-triggers";
import { relativePathProblem } from "../lib/core/validation";
import { evaluate } from "./adf-expression";
import { adfRoundTrip } from "./azure-models";
import { SimResult, simulatePipeline, WebCall, World } from "./adf-pipeline-sim";
import { shared } from "./helpers";

const workspaceId = "/subscriptions/0f3c9d1e-2b4a-4c6d-8e0f-1a2b3c4d5e6f/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw";
const options = {
  scoringUri: "https://ep.westeurope.inference.ml.azure.com/jobs",
  deploymentName: "pipeline",
  endpointName: "ep-demo",
  workspaceId,
  inputName: "input_datapath",
  outputName: "results",
  outputPrefix: "runs/datapath",
  outputFileName: "results.jsonl",
  jobTimeout: "0.12:00:00",
  outputDatastore: "output_data",
  allowedDatastores: ["input_data", "landing"],
};
const params = (relative_path: string, datastore_name = "input_data") => ({
  parameters: { relative_path, datastore_name, poll_interval_seconds: "60" },
  runId: "0b7c6e5e-run",
});

describe("invoke body", () => {
  test("the data path parameters become the job's input URI; each run gets its own output", () => {
    const body = JSON.parse(evaluate(invokeBodyExpression(options), params("parquet/offerpath2")) as string);
    expect(body).toEqual({
      properties: {
        InputData: { input_datapath: { JobInputType: "UriFolder", Uri: "azureml://datastores/input_data/paths/parquet/offerpath2" } },
        OutputData: {
          results: { JobOutputType: "UriFile", Uri: "azureml://datastores/output_data/paths/runs/datapath/0b7c6e5e-run/results.jsonl" },
        },
      },
    });
  });

  test.each([
    'a"},"OutputData":{"x":{"Uri":"evil',
    "back\\slash\\",
    'mixed \\" quote',
    "it's here",
    "folder with spaces/2026",
  ])("a hostile or odd relative_path %j stays inside its JSON string", (path) => {
    const text = evaluate(invokeBodyExpression(options), params(path)) as string;
    const body = JSON.parse(text);
    expect(body.properties.InputData.input_datapath.Uri).toBe(`azureml://datastores/input_data/paths/${path}`);
    expect(Object.keys(body.properties.OutputData)).toEqual(["results"]);
  });

  test("the expression escapes backslash before quote (the order matters)", () => {
    // Text of the escaping, as ADF reads it: replace \ by \\ first, then " by \".
    expect(invokeBodyExpression(options)).toContain(
      `replace(replace(pipeline().parameters.relative_path, '\\', '\\\\'), '"', '\\"')`,
    );
  });
});

describe("parameter validation activity", () => {
  const rejects = (relative_path: string, datastore_name = "input_data") =>
    evaluate(invalidParametersExpression(["input_data", "landing"]), params(relative_path, datastore_name));

  test.each(["parquet/offerpath2", "a", "2026/11/25", "x..y/z", "year=2026/month=11", "a-b_c.d~e/f!g$h&i(j)k*l+m,n;o=p:q@r"])("accepts %j", (p) => {
    expect(rejects(p)).toBe(false);
  });
  test.each(["", "  ", "/abs", "2026/11/25/", "a/../b", "..", "./a", "a/.", "a//b", "a\\b", 'a"b', "a'b", "parquet/offer path2", "caf\u00e9", "100%", "a#b", "a?b", "a[0]", "a{b}", "a|b", "a^b", "a`b", "a<b>"])("rejects %j", (p) => {
    expect(rejects(p)).toBe(true);
  });
  test.each(["", "a/b", 'x"', "x\\y", "x'y", "workspaceblobstore", "input_data "])("rejects datastore %j", (d) => {
    expect(rejects("ok", d)).toBe(true);
  });
  test("accepts each allowed datastore", () => {
    expect([rejects("ok", "input_data"), rejects("ok", "landing")]).toEqual([false, false]);
  });

  // The config and the CLI check data paths with relativePathProblem: the pipeline must agree with it.
  test("agrees with the rule the config and the CLI use on separators, dots, quotes, every ASCII character and beyond", () => {
    const samples = [
      "parquet/offerpath2", "a", "x..y/z", "folder with spaces/x", "parquet/offer path2", "caf\u00e9", "100%", "%0a", "%41", "",
      "/abs", "a/", "a//b", "a/../b", "./a", "a\\b", 'a"b', "a'b", "year=2026/month=11",
      // Every ASCII character, inside a segment and as a segment of its own.
      ...Array.from({ length: 128 }, (_, i) => `p/${String.fromCharCode(i)}x`),
      ...Array.from({ length: 128 }, (_, i) => `p/${String.fromCharCode(i)}/q`),
      "p/\u0080", "p/\u00a0", "p/\u00ff", "p/\u2028", "p/\ud83d\ude00", "p/\uff0f",
    ];
    expect(samples.map((p) => [p, rejects(p)])).toEqual(samples.map((p) => [p, relativePathProblem(p) !== undefined]));
  });
});

describe("batch endpoint activities", () => {
  const activities = batchEndpointActivities(options);
  const wire = activities.map(toWire);
  const A = BATCH_ACTIVITY;
  const byName = (list: readonly WireActivity[], name: string): WireActivity => {
    for (const a of list) {
      if (a.name === name) return a;
      const tp = (a.typeProperties ?? {}) as Record<string, WireActivity[] | undefined>;
      for (const key of ["activities", "ifTrueActivities", "ifFalseActivities"]) {
        const found = tp[key] && byName(tp[key]!, name);
        if (found) return found;
      }
    }
    return undefined as unknown as WireActivity;
  };
  const tp = (name: string) => byName(wire, name).typeProperties as Record<string, unknown>;
  const jobUrl = (job: string) => `https://management.azure.com${workspaceId}/jobs/${job}?api-version=2024-04-01`;
  const cancelUrl = (job: string) => `https://management.azure.com${workspaceId}/jobs/${job}/cancel?api-version=2024-04-01`;
  const ARM_MSI = { type: "MSI", resource: "https://management.azure.com/" };

  /**
   * A batch endpoint and ARM that answer like Azure: the invoke returns the job, polls walk through
   * `statuses`. Only ARM serves the job (Jobs_Get), and only to an ARM token: a poll of the scoring
   * host or with an ml.azure.com token is an unexpected call.
   */
  function azure(statuses: readonly string[], o: { invoke?: () => unknown; poll?: () => unknown; cancel?: () => unknown } = {}): World {
    let poll = 0;
    return (call: WebCall) => {
      if (call.url === options.scoringUri && call.method === "POST") return o.invoke ? o.invoke() : { name: "job-7", id: `${workspaceId}/jobs/job-7` };
      if (call.url === jobUrl("job-7") && call.method === "GET" && call.auth.resource === ARM_MSI.resource) {
        if (o.poll) return o.poll();
        return { name: "job-7", properties: { status: statuses[Math.min(poll++, statuses.length - 1)] } };
      }
      if (call.url === cancelUrl("job-7") && call.method === "POST") return o.cancel ? o.cancel() : {};
      throw new Error(`unexpected call ${call.method} ${call.url}`);
    };
  }
  const run = (world: World, relative_path = "parquet/x", untilIterations?: number, extra: { poll?: string; untilFailsOnInnerFailure?: boolean } = {}) =>
    simulatePipeline(wire, {
      parameters: { ...params(relative_path).parameters, ...(extra.poll !== undefined ? { poll_interval_seconds: extra.poll } : {}) },
      variables: { job_status: "NotStarted", poll_error: "" },
      runId: "run-42",
      world,
      untilIterations,
      untilFailsOnInnerFailure: extra.untilFailsOnInnerFailure,
    });
  const cancels = (r: SimResult) => r.calls.filter((c) => c.url.endsWith("/cancel?api-version=2024-04-01"));

  test("the invoke pins the deployment, waits up to 10 minutes for an answer and is never retried", () => {
    const invoke = byName(wire, A.invoke);
    expect(invoke.policy).toMatchObject({ retry: 0 });
    expect(tp(A.invoke)).toMatchObject({
      method: "POST",
      url: options.scoringUri,
      headers: { "Content-Type": "application/json", "azureml-model-deployment": "pipeline" },
      authentication: { type: "MSI", resource: "https://ml.azure.com" },
      httpRequestTimeout: "00:10:00",
      turnOffAsync: true,
    });
  });

  test("every activity name follows ADF's rule (letters, digits, spaces, '-', '_'; at most 55) and is unique", () => {
    const namesIn = (list: readonly WireActivity[]): string[] =>
      list.flatMap((a) => {
        const t = (a.typeProperties ?? {}) as Record<string, WireActivity[] | undefined>;
        return [String(a.name), ...["activities", "ifTrueActivities", "ifFalseActivities"].flatMap((k) => (t[k] ? namesIn(t[k]!) : []))];
      });
    const classic = classicPipelineActivities({ linkedServiceName: "l", pipelineEndpointId: "g", experimentName: "e", allowedDatastores: ["d"], dataPathParameterName: "p", timeout: "0.01:00:00" }).map(toWire);
    for (const names of [namesIn(wire), namesIn(classic)]) {
      expect(names.filter((n) => !ACTIVITY_NAME.test(n))).toEqual([]);
      expect(new Set(names).size).toBe(names.length);
    }
  });

  test("cancel calls do not wait on ARM's 202 Location (turnOffAsync)", () => {
    for (const name of [A.cancelAfterBadStatus, A.cancelAfterWaitFailure, A.getStatus]) expect([name, tp(name).turnOffAsync]).toEqual([name, true]);
  });

  test("every Web activity sets its HTTP timeout within ADF's 1-10 minutes, inside its activity timeout", () => {
    const web: WireActivity[] = [];
    const collect = (list: readonly WireActivity[]) =>
      list.forEach((a) => {
        if (a.type === "WebActivity") web.push(a);
        const t = (a.typeProperties ?? {}) as Record<string, WireActivity[] | undefined>;
        ["activities", "ifTrueActivities", "ifFalseActivities"].forEach((k) => t[k] && collect(t[k]!));
      });
    collect(wire);
    expect(web.map((a) => a.name).sort()).toEqual([A.cancelAfterBadStatus, A.cancelAfterWaitFailure, A.getStatus, A.invoke].sort());
    const seconds = (hms: string) => hms.split(":").reduce((acc, part) => acc * 60 + Number(part), 0);
    for (const a of web) {
      const http = seconds(String((a.typeProperties as { httpRequestTimeout: string }).httpRequestTimeout));
      expect([a.name, http >= 60 && http <= 600]).toEqual([a.name, true]);
      const activity = seconds(String((a.policy as { timeout: string }).timeout).replace(/^\d+\./, ""));
      expect([a.name, activity > http]).toEqual([a.name, true]);
    }
  });

  test("a completed job: the run succeeds, polling until Completed, nothing is cancelled", () => {
    const r = run(azure(["Queued", "Running", "Completed"]));
    expect(r.status).toBe("Succeeded");
    expect(r.calls.filter((c) => c.method === "GET")).toHaveLength(3);
    expect(cancels(r)).toEqual([]);
    expect(r.statusOf(A.jobFailed)).toBeUndefined();
    const invoke = r.calls[0];
    expect(JSON.parse(invoke.body!).properties.OutputData.results.Uri).toBe("azureml://datastores/output_data/paths/runs/datapath/run-42/results.jsonl");
  });

  test.each(["Failed", "Canceled", "NotResponding"])("a job that ends %s: cancelled, and the run fails naming job and status", (status) => {
    const r = run(azure(["Running", status]));
    expect(r.status).toBe("Failed");
    expect(cancels(r).map((c) => [c.url, c.auth])).toEqual([[cancelUrl("job-7"), { type: "MSI", resource: "https://management.azure.com/" }]]);
    expect(r.error?.errorCode).toBe("AmlJobNotCompleted");
    expect(r.error?.message).toMatch(new RegExp(`^AML job job-7 ended with status ${status}`));
  });

  test("Canceled names preemption as a cause; NotResponding says the job was asked to stop", () => {
    expect(run(azure(["Canceled"])).error?.message).toContain("low-priority nodes were preempted");
    expect(run(azure(["NotResponding"])).error?.message).toContain("cancel requested");
  });

  test("the wait loop times out: the job is cancelled and the run fails with job, last status and reason", () => {
    const r = run(azure(["Running"]), "parquet/x", 3);
    expect(r.statusOf(A.waitLoop)).toBe("Failed");
    expect(cancels(r).map((c) => c.url)).toEqual([cancelUrl("job-7")]);
    expect(r.status).toBe("Failed");
    expect(r.error?.errorCode).toBe("AmlJobWaitFailed");
    expect(r.error?.message).toMatch(/^Waiting for AML job job-7 failed: Activity 'Wait for job' timed out after 0\.12:00:00 \(the wait gives up after 0\.12:00:00\); cancel requested\. Last status seen: Running$/);
  });

  test("a wait loop that fails otherwise is not called a timeout: the message is the loop's own error", () => {
    // One answer without a status fails that iteration's expression; the next ends the loop, failed, without any timeout.
    let polls = 0;
    const r = run(azure([], { poll: () => (polls++ === 0 ? { name: "job-7" } : { name: "job-7", properties: { status: "Completed" } }) }), "parquet/x", 50, {
      untilFailsOnInnerFailure: true,
    });
    expect(r.statusOf(A.waitLoop)).toBe("Failed");
    expect(r.error?.errorCode).toBe("AmlJobWaitFailed");
    expect(r.error?.message).toMatch(/^Waiting for AML job job-7 failed: /);
    expect(r.error?.message).not.toMatch(/failed: [^(]*timed out/);
  });

  test("the job is polled through ARM (Jobs_Get, api-version 2024-04-01) with the management token, not the scoring host", () => {
    const r = run(azure(["Running", "Completed"]));
    const gets = r.calls.filter((c) => c.method === "GET");
    expect(gets.map((c) => [c.url, c.auth])).toEqual([
      [jobUrl("job-7"), ARM_MSI],
      [jobUrl("job-7"), ARM_MSI],
    ]);
    expect(tp(A.getStatus)).toMatchObject({ method: "GET", authentication: ARM_MSI, turnOffAsync: true });
  });

  // An Until does not stop when an inner activity fails, so a poll that keeps failing must end the loop itself.
  test.each([false, true])("polling keeps failing after its retries: the loop ends, the job is cancelled, the run fails (Until fails on inner failure: %s)", (untilFailsOnInnerFailure) => {
    const r = run(azure([], { poll: () => { throw new Error("500 Internal Server Error"); } }), "parquet/x", 50, { untilFailsOnInnerFailure });
    expect(r.calls.filter((c) => c.method === "GET")).toHaveLength(6); // one try and five retries, then the loop ends
    expect(cancels(r).map((c) => c.url)).toEqual([cancelUrl("job-7")]);
    expect(r.status).toBe("Failed");
    expect(r.error?.message).toBe("Polling AML job job-7 kept failing after its retries (500 Internal Server Error); cancel requested.");
  });

  test("a poll that fails once and succeeds on retry does not disturb the run", () => {
    let gets = 0;
    const flaky = azure(["Running", "Completed"]);
    const r = run((call) => {
      if (call.method === "GET" && gets++ === 1) throw new Error("503 Service Unavailable");
      return flaky(call);
    });
    expect(r.status).toBe("Succeeded");
    expect(cancels(r)).toEqual([]);
  });

  test.each([
    ["abc", "not a number"],
    ["", "empty"],
    ["5", "too short"],
    ["7200", "too long"],
    ["60.5", "not whole"],
    ["-60", "negative"],
    [" 60", "a space"],
    ["1e3", "an exponent"],
    ["99999999999999999999", "too many digits for int()"],
  ])("poll_interval_seconds %j (%s) fails the run with the InvalidDataPath message, before anything is invoked", (poll) => {
    const r = run(azure(["Completed"]), "parquet/x", 50, { poll });
    expect(r.calls).toEqual([]);
    expect(r.status).toBe("Failed");
    expect(r.statusOf(A.validate)).toBe("Failed");
    // The Fail activity ran: not a raw expression error from int().
    expect(r.error?.errorCode).toBe("InvalidDataPath");
    expect(r.error?.message).toContain("poll_interval_seconds a whole number from 10 to 3600");
  });

  test.each(["10", "60", "0060", "3600"])("poll_interval_seconds %j is accepted", (poll) => {
    const r = run(azure(["Completed"]), "parquet/x", 50, { poll });
    expect(r.status).toBe("Succeeded");
  });

  test("a failing cancel call still fails the run with the reason (the cancel is retried first)", () => {
    const r = run(azure(["NotResponding"], { cancel: () => { throw new Error("403 Forbidden"); } }));
    expect(cancels(r)).toHaveLength(3);
    expect(r.status).toBe("Failed");
    expect(r.error?.message).toMatch(/^AML job job-7 ended with status NotResponding/);
  });

  test("a failed or timed-out invoke is not retried and says a job may exist and how to find it", () => {
    const r = run(azure([], { invoke: () => { throw new Error("The request timed out after 00:10:00"); } }));
    expect(r.calls).toHaveLength(1);
    expect(cancels(r)).toEqual([]);
    expect(r.status).toBe("Failed");
    expect(r.error?.errorCode).toBe("AmlInvokeFailed");
    expect(r.error?.message).toContain("The request timed out after 00:10:00");
    expect(r.error?.message).toContain("A job may have been created anyway: in AML studio, open the endpoint ep-demo, Jobs");
    expect(r.error?.message).toContain("azureml://datastores/output_data/paths/runs/datapath/run-42/results.jsonl");
  });

  test("invalid parameters fail the run before anything is invoked", () => {
    const r = run(azure(["Completed"]), "../etc");
    expect(r.calls).toEqual([]);
    expect(r.status).toBe("Failed");
    expect(r.error?.errorCode).toBe("InvalidDataPath");
  });

  // The invoke body escapes only '\' and '"': a control character would make it invalid JSON, the POST
  // would fail and "Invoke failed" would wrongly say a job may exist.
  test.each(["parquet/a\tb", "parquet/a\nb", "parquet/a\rb", "parquet/\u0001x", "parquet/\u001fx", "parquet/\u007fx", "\u0000"])(
    "a relative_path with a control character (%j) fails validation before anything is invoked",
    (path) => {
      const r = run(azure(["Completed"]), path);
      expect(r.calls).toEqual([]);
      expect(r.error?.errorCode).toBe("InvalidDataPath");
      expect(r.error?.message).toContain("control characters");
    },
  );

  // The data path becomes part of azureml://datastores/<ds>/paths/<path>: what a URI path would need
  // percent-encoded is refused before anything is invoked, as the config and the CLI refuse it.
  test.each(["parquet/100%01", "parquet/caf\u00e9/\u65e5\u672c", "parquet/a b", "parquet/x\u0080y", "parquet/%7F", "parquet/%1f", "parquet/a#b", "parquet/a?b"])(
    "a relative_path with a character a URI path would need encoded (%j) fails validation before anything is invoked",
    (path) => {
      const r = run(azure(["Completed"]), path);
      expect(r.calls).toEqual([]);
      expect(r.error?.errorCode).toBe("InvalidDataPath");
      expect(r.error?.message).toContain("no spaces, %, backslashes, non-ASCII or control characters");
    },
  );

  test.each(["year=2026/month=11/day=25", "a-b_c.d~e/f!g$h&i(j)k*l+m,n;o=p:q@r"])("a relative_path %j of characters a URI path takes passes", (path) => {
    expect(run(azure(["Completed"]), path).status).toBe("Succeeded");
  });

  test.each([
    ["Running", false],
    ["Completed", true],
    ["Failed", true],
    ["Canceled", true],
    ["NotResponding", true],
    ["PollFailed", true],
  ])("the wait loop ends on %s: %s", (status, ends) => {
    const until = tp(A.waitLoop) as { expression: { value: string } };
    expect(evaluate(until.expression.value, { variables: { job_status: status } })).toBe(ends);
  });

  test("the wait between polls is the run's poll_interval_seconds, a second once the loop ends", () => {
    const wait = tp(A.wait) as { waitTimeInSeconds: { type: string; value: string } };
    expect(wait.waitTimeInSeconds.type).toBe("Expression");
    expect(evaluate(wait.waitTimeInSeconds.value, { ...params("x"), variables: { job_status: "Running" } })).toBe(60);
    expect(evaluate(wait.waitTimeInSeconds.value, { ...params("x"), variables: { job_status: "Completed" } })).toBe(1);
  });

  test("passes Azure's REST-spec model: no unknown, misspelled or mistyped field", () => {
    const doc = { properties: { activities: wire } };
    expect(adfRoundTrip("PipelineResource", doc)).toEqual(doc);
  });
});

describe("classic pipeline endpoint activity", () => {
  const wire = shared(() => classicPipelineActivities({
    linkedServiceName: "AzureMLService",
    pipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f",
    pipelineVersion: "3",
    experimentName: "datapath",
    dataPathParameterName: "input_datapath",
    pipelineParameters: { mode: "full" },
    timeout: "0.06:00:00",
    allowedDatastores: ["input_data"],
  }).map(toWire));

  test("dataPathAssignments come from the ADF parameters, one expression per value", () => {
    const run = wire()[1];
    expect(run).toMatchObject({
      type: "AzureMLExecutePipeline",
      linkedServiceName: { referenceName: "AzureMLService", type: "LinkedServiceReference" },
      dependsOn: [{ activity: "Validate parameters", dependencyConditions: ["Succeeded"] }],
    });
    const tp = run.typeProperties as Record<string, unknown>;
    expect(tp).toMatchObject({ mlPipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f", version: "3", experimentName: "datapath", mlPipelineParameters: { mode: "full" } });
    const dpa = tp.dataPathAssignments as Record<string, { DataStoreName: { value: string }; RelativePath: { value: string } }>;
    const ctx = params('odd "path"\\x');
    expect(Object.keys(dpa)).toEqual(["input_datapath"]);
    // ADF substitutes each value whole: even quotes and backslashes arrive unchanged, no JSON is built from text.
    expect(evaluate(dpa.input_datapath.DataStoreName.value, ctx)).toBe("input_data");
    expect(evaluate(dpa.input_datapath.RelativePath.value, ctx)).toBe('odd "path"\\x');
  });

  test("passes Azure's REST-spec model", () => {
    const doc = { properties: { activities: wire() } };
    expect(adfRoundTrip("PipelineResource", doc)).toEqual(doc);
  });
});

describe("blob trigger folder expression", () => {
  test.each([
    ["input-data/parquet/offerpath2", "parquet/offerpath2"],
    ["input-data/parquet/input-data/x", "parquet/input-data/x"],
  ])("%s -> %s", (folderPath, expected) => {
    expect(evaluate(folderWithoutContainer("input-data"), { triggerBody: { folderPath } })).toBe(expected);
  });
});
