/**
 * `aml-datapath cancel <run id>`: cancel an ADF run and the AML job its invoke started. ADF's own
 * cancel runs no further activity, so the pipeline cannot clean up after itself: this does both. The
 * ADF run is cancelled first, so no invoke can start afterwards; an invoke already in flight is
 * waited for (its HTTP timeout is 10 minutes), so the job it creates is cancelled too. A finished
 * run is left alone.
 */
import type { Clients } from "../azure";
import { Context, requestSignal, sleep } from "../context";
import { TERMINAL } from "../follow";
import { Command, EXIT } from "../help";
import { REQUEST_TIMEOUT, SELECT, seconds } from "../options";
import { Target } from "../target";
import { jobs, target, withAzure } from "./common";
import { runIdOf } from "./status";

/** How long an invoke in flight is waited for: its own HTTP timeout (10 minutes) and a margin. */
const INVOKE_WAIT_MS = 11 * 60_000;

async function cancelRun(ctx: Context, c: Clients, t: Target, runId: string, requestTimeoutMs: number, pollMs: number): Promise<number> {
  const signal = () => requestSignal(ctx, requestTimeoutMs);
  const activitiesNow = async () => {
    const now = ctx.clock.now();
    return (
      await c.factory.activityRuns.queryByPipelineRun(t.resourceGroup, t.factory, runId, { lastUpdatedAfter: new Date(now - 30 * 24 * 3600_000), lastUpdatedBefore: new Date(now + 3600_000) }, { abortSignal: signal() })
    ).value;
  };
  const run = await c.factory.pipelineRuns.get(t.resourceGroup, t.factory, runId, { abortSignal: signal() });
  const runEnded = run.status !== undefined && TERMINAL.has(run.status);
  if (!runEnded) {
    await c.factory.pipelineRuns.cancel(t.resourceGroup, t.factory, runId, { isRecursive: true, abortSignal: signal() });
    ctx.out(`Cancelled ADF run ${runId} (was ${run.status}).`);
  }
  let activities = await activitiesNow();
  const deadline = ctx.clock.now() + INVOKE_WAIT_MS;
  while (["InProgress", "Queued"].includes(String(jobs().invokeOf(activities)?.status)) && ctx.clock.now() < deadline) {
    ctx.out("Waiting for the batch endpoint invoke in flight to answer, to cancel the job it starts ...");
    await sleep(ctx, pollMs);
    if (ctx.signal.aborted) {
      ctx.err(`Stopped waiting: the invoke in flight may still start an AML job. Run \`aml-datapath cancel ${runId} ${t.select}\` again to cancel it.`);
      return EXIT.interrupted;
    }
    activities = await activitiesNow();
  }
  const jobName = jobs().jobNameOf(activities);
  const job = jobName ? await jobs().readJob(c, t, jobName, signal) : undefined;
  const jobRunning = jobName !== undefined && !["Completed", "Failed", "Canceled"].includes(job?.status ?? "");
  if (runEnded && !jobRunning) {
    ctx.out(`Run ${runId} already ${String(run.status).toLowerCase()}${job ? `; AML job ${job.name} ${job.status}` : ""}: nothing to cancel.`);
    return EXIT.ok;
  }
  if (jobName && jobRunning) {
    await jobs().cancelJob(c, t, jobName, signal);
    ctx.out(`Cancel requested for AML job ${jobName} (was ${job?.status ?? "unknown"}).`);
  } else if (!jobName) {
    ctx.out("No AML job had been started by this run.");
  }
  return EXIT.ok;
}

export const command: Command = {
  summary: "cancel a run and the AML job it started",
  positionals: { usage: "<run id>", max: 1 },
  options: {
    ...SELECT,
    poll: { type: "string", value: "<s>", help: "seconds between two looks while waiting for an invoke in flight (default 15)" },
    "request-timeout": REQUEST_TIMEOUT,
  },
  azure: true,
  async run(ctx, args) {
    const runId = runIdOf("cancel", args.positionals);
    const requestTimeoutMs = seconds("request-timeout", args.values["request-timeout"], 60, 0.1);
    const pollMs = seconds("poll", args.values.poll, 15, 0.05);
    const t = await target(ctx, args);
    return withAzure(ctx, t, requestTimeoutMs, (c) => cancelRun(ctx, c, t, runId, requestTimeoutMs, pollMs));
  },
};
