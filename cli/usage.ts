/**
 * What a run processed and the compute it used, from the AML job's own records in run history
 * (the job's child runs, one per step):
 *
 * - files and bytes: the properties check_results.py records on its step's run
 *   (`datapath_files`, `datapath_files_ok`, `datapath_files_failed`, `datapath_bytes`);
 * - compute: per step, nodes (`computeRequest.nodeCount`, else `compute.instanceCount`, else 1) x
 *   the time it ran (`endTimeUtc - startTimeUtc`, up to now while it runs), in node-hours.
 *
 * Everything here is optional detail: a run whose job cannot be read still has its ADF status.
 */
import type { ActivityRun } from "@azure/arm-datafactory";
import { HistoryRun, jobChildren, jobNameOf, Signal } from "./aml-jobs";
import type { Clients } from "./azure";
import { latestPerActivity } from "./follow";
import type { Target } from "./target";

/** The run properties check_results.py records (pipeline/check_results.py, SUMMARY_PROPERTIES). */
export const SUMMARY_PROPERTIES = {
  files: "datapath_files",
  ok: "datapath_files_ok",
  failed: "datapath_files_failed",
  bytes: "datapath_bytes",
} as const;

export interface StepUsage {
  readonly step: string;
  readonly status: string;
  readonly nodes: number;
  readonly seconds: number;
  readonly nodeHours: number;
  /** What run history says it ran on, when it says it. */
  readonly vmSize?: string;
  readonly lowPriority?: boolean;
  readonly region?: string;
}

export interface JobUsage {
  readonly job: string;
  readonly files?: number;
  readonly filesOk?: number;
  readonly filesFailed?: number;
  readonly bytes?: number;
  readonly steps: readonly StepUsage[];
  readonly nodeHours: number;
}

/** A run's usage, or why it is not known. */
export interface RunUsage {
  readonly job?: string;
  readonly usage?: JobUsage;
  readonly note?: string;
}

const count = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined);
const time = (v: string | null | undefined): number | undefined => (v ? Date.parse(v) : undefined);

/** The usage of a job from its child runs; `now` ends the steps still running. */
export function usageOf(job: string, children: readonly HistoryRun[], now: number): JobUsage {
  let summary: Readonly<Record<string, string>> | undefined;
  const steps: StepUsage[] = children.map((r) => {
    const props = r.properties ?? {};
    if (props[SUMMARY_PROPERTIES.files] !== undefined) summary = props;
    const nodes = r.computeRequest?.nodeCount ?? r.compute?.instanceCount ?? 1;
    const start = time(r.startTimeUtc);
    const end = time(r.endTimeUtc) ?? now;
    const seconds = start === undefined || !Number.isFinite(start) || !Number.isFinite(end) ? 0 : Math.max(0, (end - start) / 1000);
    const priority = r.compute?.priority ?? undefined;
    return {
      step: r.displayName ?? String(r.runId),
      status: String(r.status ?? "Unknown"),
      nodes,
      seconds,
      nodeHours: (nodes * seconds) / 3600,
      ...(r.compute?.vmSize ? { vmSize: r.compute.vmSize } : {}),
      ...(priority ? { lowPriority: /low|spot/i.test(priority) } : {}),
      ...(r.compute?.region ? { region: r.compute.region } : {}),
    };
  });
  const s = summary ?? {};
  return {
    job,
    files: count(s[SUMMARY_PROPERTIES.files]),
    filesOk: count(s[SUMMARY_PROPERTIES.ok]),
    filesFailed: count(s[SUMMARY_PROPERTIES.failed]),
    bytes: count(s[SUMMARY_PROPERTIES.bytes]),
    steps,
    nodeHours: steps.reduce((sum, x) => sum + x.nodeHours, 0),
  };
}

/** The usage of the AML job a run's invoke started (given the run's activity runs). */
export async function usageOfActivities(c: Clients, t: Target, activities: readonly ActivityRun[], now: number, signal: Signal): Promise<RunUsage> {
  if (t.batchEndpoint === undefined) return { note: "read for the batch-endpoint style only" };
  const job = jobNameOf(latestPerActivity(activities));
  if (!job) return { note: "no AML job (the run did not invoke the endpoint)" };
  try {
    return { job, usage: usageOf(job, await jobChildren(c, t, job, signal), now) };
  } catch (e) {
    return { job, note: `run history not readable (${(e as Error).message})` };
  }
}

/** The usage of one ADF run: its activity runs, then its job's steps. */
export async function usageOfRun(c: Clients, t: Target, runId: string, runStart: Date | undefined, now: number, signal: Signal): Promise<RunUsage> {
  if (t.batchEndpoint === undefined) return { note: "read for the batch-endpoint style only" };
  let activities: ActivityRun[];
  try {
    const since = runStart ? new Date(runStart.getTime() - 3600_000) : new Date(now - 30 * 24 * 3600_000);
    activities = (await c.factory.activityRuns.queryByPipelineRun(t.resourceGroup, t.factory, runId, { lastUpdatedAfter: since, lastUpdatedBefore: new Date(now + 3600_000) }, { abortSignal: signal() })).value;
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode;
    return { note: `activity runs not readable (${status ? `HTTP ${status}` : (e as Error).message})` };
  }
  return usageOfActivities(c, t, activities, now, signal);
}

// ---------------------------------------------------------------------------------------------
// Formatting.

/** 1536 -> "1.5 KiB". */
export function fmtBytes(n: number | undefined): string {
  if (n === undefined) return "-";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** Node-hours with three decimals ("0.125"). */
export const fmtNodeHours = (h: number | undefined): string => (h === undefined ? "-" : h.toFixed(3));

/** 754 s -> "12m34s". */
export function fmtSeconds(s: number): string {
  const r = Math.round(s);
  if (r < 60) return `${r}s`;
  if (r < 3600) return `${Math.floor(r / 60)}m${String(r % 60).padStart(2, "0")}s`;
  return `${Math.floor(r / 3600)}h${String(Math.floor((r % 3600) / 60)).padStart(2, "0")}m`;
}

/** "process: 2 nodes x 10m00s, prepare: 1 node x 45s". */
export const fmtSteps = (steps: readonly StepUsage[]): string => steps.map((s) => `${s.step}: ${s.nodes} node${s.nodes === 1 ? "" : "s"} x ${fmtSeconds(s.seconds)}`).join(", ");
