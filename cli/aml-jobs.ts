/**
 * What the CLI reads of the AML job an ADF run started: its status, its studio link, the step that
 * failed and that step's error (from run history: the 2024-04-01 jobs API has neither a child-job
 * filter nor an error field, so azure-ai-ml reads both from run history too), and cancelling it.
 */
import type { ActivityRun } from "@azure/arm-datafactory";
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import type { Clients } from "./azure";
import type { Target } from "./target";
import { BATCH_ACTIVITY, JOBS_API_VERSION } from "../lib/pipeline/adf-activities";

/** A fresh signal for each request (its timeout, or Ctrl-C). */
export type Signal = () => AbortSignal;

export interface AmlJob {
  readonly name: string;
  readonly status: string;
  /** AML studio link of the job, when the job was readable. */
  readonly studio?: string;
}

export interface FailedStep {
  /** The step's name in the pipeline (e.g. `prepare`). */
  readonly step: string;
  readonly status: string;
  readonly message: string;
}

/** The batch-endpoint invoke's activity run, if the run got that far. */
export function invokeOf(activities: readonly ActivityRun[]): ActivityRun | undefined {
  return activities.find((a) => a.activityName === BATCH_ACTIVITY.invoke);
}

/** The job name the batch-endpoint invoke returned, from the run's activity runs. */
export function jobNameOf(activities: readonly ActivityRun[]): string | undefined {
  const invoke = invokeOf(activities);
  const name = invoke?.status === "Succeeded" ? (invoke.output as { name?: unknown } | undefined)?.name : undefined;
  return typeof name === "string" ? name : undefined;
}

/** ARM URL of a job in the target's workspace (Jobs_Get; `suffix` for its actions, e.g. `/cancel`). */
function jobUrl(c: Clients, t: Target, name: string, suffix = ""): string {
  return `${c.armEndpoint}${t.workspaceId}/jobs/${encodeURIComponent(name)}${suffix}?api-version=${JOBS_API_VERSION}`;
}

/**
 * The job's status and studio link; undefined when it cannot be read (no workspace access). Read
 * with Jobs_Get of the same stable api-version the pipeline's own poll uses (the SDK's
 * `jobs.get` would send its older 2022-10-01).
 */
export async function readJob(c: Clients, t: Target, name: string, signal: Signal): Promise<AmlJob | undefined> {
  try {
    const response = await c.ml.sendRequest(createPipelineRequest({ url: jobUrl(c, t, name), method: "GET", abortSignal: signal() }));
    if (response.status !== 200) return undefined;
    const job = JSON.parse(response.bodyAsText ?? "null") as { properties?: { status?: string; services?: Record<string, { endpoint?: string } | null> | null } } | null;
    const props = job?.properties ?? {};
    return { name, status: String(props.status ?? "Unknown"), studio: props.services?.Studio?.endpoint ?? undefined };
  } catch {
    return undefined;
  }
}

/** Run history of the workspace, in its region's AML API (undefined when the cloud's AML API is not known). */
export function runHistoryBase(c: Clients, t: Target): string | undefined {
  return c.amlEndpoint === undefined ? undefined : `${c.amlEndpoint}/history/v1.0${t.workspaceId}`;
}

async function getJson(c: Clients, url: string, signal: Signal): Promise<unknown> {
  const response = await c.ml.sendRequest(createPipelineRequest({ url, method: "GET", abortSignal: signal() }));
  if (response.status !== 200) throw new Error(`HTTP ${response.status} from ${url}`);
  return JSON.parse(response.bodyAsText ?? "null");
}

/**
 * A run of run history, as azure-ai-ml's run history client models it (`Run`): only the fields
 * the CLI reads. `computeRequest.nodeCount` and `compute` say what it ran on; `properties` holds
 * what the step recorded (check_results.py's summary).
 */
export interface HistoryRun {
  readonly runId?: string;
  readonly status?: string;
  readonly displayName?: string;
  readonly startTimeUtc?: string | null;
  readonly endTimeUtc?: string | null;
  readonly target?: string | null;
  readonly computeRequest?: { readonly nodeCount?: number | null } | null;
  readonly compute?: { readonly target?: string | null; readonly vmSize?: string | null; readonly instanceCount?: number | null; readonly priority?: string | null; readonly region?: string | null } | null;
  readonly properties?: Readonly<Record<string, string>> | null;
  readonly error?: { readonly error?: { readonly message?: string; readonly code?: string } };
}

/** The child runs (steps) of a pipeline job, following `nextLink`; throws when run history cannot be read. */
export async function jobChildren(c: Clients, t: Target, jobName: string, signal: Signal): Promise<HistoryRun[]> {
  const base = runHistoryBase(c, t);
  if (base === undefined) throw new Error("this cloud's AML API is not known (AML_DATAPATH_AML_ENDPOINT)");
  const runs: HistoryRun[] = [];
  let url: string | undefined = `${base}/runs/${encodeURIComponent(jobName)}/children`;
  for (let page = 0; url && page < 20; page++) {
    const body = (await getJson(c, url, signal)) as { value?: HistoryRun[]; nextLink?: string | null } | null;
    runs.push(...(body?.value ?? []));
    url = body?.nextLink ?? undefined;
  }
  return runs;
}

/**
 * The steps of a pipeline job that did not complete, with their error messages (e.g. prepare's
 * `no .parquet files found under ...`). Empty when run history cannot be read.
 */
export async function failedSteps(c: Clients, t: Target, jobName: string, signal: Signal): Promise<FailedStep[]> {
  const base = runHistoryBase(c, t);
  if (base === undefined) return [];
  try {
    const children = await jobChildren(c, t, jobName, signal);
    const failed = children.filter((r) => r.status === "Failed" || r.status === "Canceled" || r.status === "NotResponding");
    const out: FailedStep[] = [];
    for (const child of failed) {
      const details = (await getJson(c, `${base}/runs/${encodeURIComponent(String(child.runId))}/details`, signal)) as HistoryRun;
      // A v2 pipeline step's display name is its node name (prepare, process) unless the spec sets one.
      const step = child.displayName ?? String(child.runId);
      out.push({ step, status: String(child.status), message: details.error?.error?.message ?? "(no error message recorded)" });
    }
    return out;
  } catch {
    return [];
  }
}

/**
 * Ask AML to cancel the job. Sent as one request (200 or 202) without waiting for the cancellation
 * to finish: the SDK's poller would wait on the long-running operation.
 */
export async function cancelJob(c: Clients, t: Target, name: string, signal: Signal): Promise<void> {
  const response = await c.ml.sendRequest(createPipelineRequest({ url: jobUrl(c, t, name, "/cancel"), method: "POST", abortSignal: signal() }));
  if (response.status !== 200 && response.status !== 202) {
    throw Object.assign(new Error(`cancelling AML job ${name} failed: HTTP ${response.status} ${response.bodyAsText ?? ""}`.trim()), { statusCode: response.status });
  }
}
