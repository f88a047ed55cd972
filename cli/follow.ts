/** Watching a run until it ends (`run --follow`, `status --follow`); the exit code says how it ended. */
import type { ActivityRun, PipelineRun } from "@azure/arm-datafactory";
import type { AmlJob, FailedStep } from "./aml-jobs";
import type { Clients } from "./azure";
import { Context, requestSignal, sleep } from "./context";
import { EXIT } from "./help";
import { portalLink, Target, targetOptions } from "./target";
import { azure, jobs } from "./commands/common";

export const TERMINAL = new Set(["Succeeded", "Failed", "Cancelled"]);
// Unfinished runs report durationInMs as null.
export const fmtDuration = (ms: number | null | undefined): string => (ms == null ? "" : `${Math.round(ms / 1000)}s`);
const CONTROL_TYPES = new Set(["IfCondition", "Until", "ForEach", "Switch", "ExecutePipeline"]);
const startOf = (a: ActivityRun) => String(a.activityRunStart ? new Date(a.activityRunStart).toISOString() : "");

/** Activities inside a loop run once per iteration: keep the newest run of each. */
export function latestPerActivity(runs: readonly ActivityRun[]): ActivityRun[] {
  const latest = new Map<string, ActivityRun>();
  for (const a of runs) {
    const seen = latest.get(a.activityName ?? "");
    if (!seen || startOf(a) >= startOf(seen)) latest.set(a.activityName ?? "", a);
  }
  return [...latest.values()].sort((a, b) => startOf(a).localeCompare(startOf(b)));
}

/** The activity whose error explains the failure: a Fail activity, else the last failed leaf activity. */
export function culpritOf(runs: readonly ActivityRun[]): ActivityRun | undefined {
  const failed = [...runs].filter((a) => a.status === "Failed").sort((a, b) => startOf(a).localeCompare(startOf(b)));
  return failed.find((a) => a.activityType === "Fail") ?? failed.filter((a) => !CONTROL_TYPES.has(String(a.activityType))).pop() ?? failed.pop();
}

export interface FollowOptions {
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** The command that follows the run again. */
const followAgain = (t: Target, runId: string) => `Follow it again with: aml-datapath status ${runId} ${targetOptions(t)} --follow`;

/** Watches a run until it ends; the exit code says how it ended. Ctrl-C stops watching (the run goes on). */
export async function follow(ctx: Context, c: Clients, t: Target, runId: string, o: FollowOptions): Promise<number> {
  const started = ctx.clock.now();
  const signal = () => requestSignal(ctx, o.requestTimeoutMs);
  const seen = new Map<string, string>();
  let amlJob: AmlJob | undefined;
  let drawn = 0;
  let failures = 0;
  const interrupted = () => {
    ctx.err(`\nStopped following. Run ${runId} keeps running in Data Factory: ${portalLink(t, runId)}`);
    ctx.err(followAgain(t, runId));
    return EXIT.interrupted;
  };
  for (;;) {
    if (ctx.signal.aborted) return interrupted();
    let run: PipelineRun;
    let activities: ActivityRun[];
    try {
      run = await c.factory.pipelineRuns.get(t.resourceGroup, t.factory, runId, { abortSignal: signal() });
      const now = ctx.clock.now();
      const since = run.runStart ? new Date(new Date(run.runStart).getTime() - 3600_000) : new Date(now - 7 * 24 * 3600_000);
      activities = latestPerActivity(
        (await c.factory.activityRuns.queryByPipelineRun(t.resourceGroup, t.factory, runId, { lastUpdatedAfter: since, lastUpdatedBefore: new Date(now + 3600_000) }, { abortSignal: signal() })).value,
      );
      failures = 0;
    } catch (e) {
      if (ctx.signal.aborted) return interrupted();
      // Sign-in and permission failures do not pass: say so at once.
      if (azure().isAuthError(e)) {
        ctx.err(azure().explain(e, t, o.requestTimeoutMs / 1000));
        return EXIT.auth;
      }
      // A long follow should survive a passing network error; the outcome is unknown only after several.
      if (++failures >= 3) {
        ctx.err(`${azure().explain(e, t, o.requestTimeoutMs / 1000)} The run's outcome is unknown: ${portalLink(t, runId)}`);
        return EXIT.unknown;
      }
      await sleep(ctx, Math.max(o.pollMs, 1000) * failures);
      continue;
    }
    amlJob = await amlJobStatus(c, t, activities, signal, amlJob);
    if (ctx.signal.aborted) return interrupted();
    const elapsed = Math.round((ctx.clock.now() - started) / 1000);
    const lines = [
      `run ${runId}: ${run.status ?? "Unknown"} (+${elapsed}s)`,
      ...activities.map((a) => `  ${a.activityName}: ${a.status}${a.durationInMs != null ? ` (${fmtDuration(a.durationInMs)})` : ""}`),
      ...(amlJob ? [`  AML job ${amlJob.name}: ${amlJob.status}`] : []),
    ];
    if (ctx.isTty) {
      // Redraw the block in place, one line per activity, clipped so no line wraps.
      const width = Math.max(20, ctx.columns - 1);
      if (drawn > 0) ctx.write(`\x1b[${drawn}A\x1b[0J`);
      ctx.write(`${lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l)).join("\n")}\n`);
      drawn = lines.length;
    } else {
      // Plain log: only what changed, with the elapsed time.
      for (const l of lines.slice(1)) {
        const value = l.trim();
        const key = value.slice(0, value.lastIndexOf(":"));
        const state = value.replace(/ \(\d+s\)$/, "");
        if (seen.get(key) !== state) {
          seen.set(key, state);
          ctx.out(`+${elapsed}s ${value}`);
        }
      }
      if (seen.get("run") !== run.status) {
        seen.set("run", run.status ?? "");
        ctx.out(`+${elapsed}s run ${run.status}`);
      }
    }
    if (run.status && TERMINAL.has(run.status)) {
      const steps = run.status === "Failed" && amlJob ? await jobs().failedSteps(c, t, amlJob.name, signal) : [];
      return finish(ctx, run, activities, amlJob, steps);
    }
    if (ctx.clock.now() - started > o.timeoutMs) {
      ctx.err(`Still ${run.status} after ${Math.round(o.timeoutMs / 1000)}s (--timeout); run ${runId} keeps running: ${portalLink(t, runId)}`);
      ctx.err(followAgain(t, runId));
      return EXIT.timeout;
    }
    await sleep(ctx, o.pollMs);
  }
}

/** For the batch-endpoint style: the AML job the invoke activity started, where it can be read. */
async function amlJobStatus(c: Clients, t: Target, activities: readonly ActivityRun[], signal: () => AbortSignal, previous: AmlJob | undefined): Promise<AmlJob | undefined> {
  const name = jobs().jobNameOf(activities);
  if (!name) return previous;
  // Optional detail: without workspace access the ADF status still tells the outcome.
  return (await jobs().readJob(c, t, name, signal)) ?? previous ?? { name, status: "(not readable)" };
}

function finish(ctx: Context, run: PipelineRun, activities: readonly ActivityRun[], amlJob: AmlJob | undefined, steps: readonly FailedStep[]): number {
  const duration = fmtDuration(run.durationInMs);
  if (run.status === "Succeeded") {
    ctx.out(`Run ${run.runId} succeeded${duration ? ` in ${duration}` : ""}.`);
    return EXIT.ok;
  }
  // The innermost failure (e.g. "Fail run" inside an If) carries the most specific message.
  const culprit = culpritOf(activities);
  const message = (culprit?.error as { message?: string } | undefined)?.message ?? run.message ?? "no error message";
  ctx.err(`Run ${run.runId} ${run.status === "Cancelled" ? "was cancelled" : "failed"}${culprit ? ` in activity "${culprit.activityName}"` : ""}: ${message}`);
  if (amlJob) ctx.err(`AML job ${amlJob.name}: ${amlJob.status}${amlJob.studio ? ` (${amlJob.studio})` : ""}`);
  // The step that failed inside AML says why (e.g. prepare's "no .parquet files found under ...").
  for (const s of steps) ctx.err(`  step ${s.step} ${s.status}: ${s.message}`);
  return EXIT.failed;
}
