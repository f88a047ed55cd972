/**
 * `aml-datapath backfill`: one ADF run per data path, at most N at a time, followed until each
 * ends, with every path's state kept in a JSON file written atomically after each change, so Ctrl-C,
 * a crash or a closed laptop lose nothing and `--resume <file>` goes on where it stopped:
 *
 *   pending   -> starting (written before the start request is sent)
 *             -> started  (the run id)  -> succeeded | failed (the failing step's message)
 *
 * A path left "starting" (the answer to its start request was lost: a timeout, a 5xx, Ctrl-C) is
 * looked up by its parameters with queryPipelineRuns before it is started again, so no path is
 * started twice. Runs keep running in Data Factory whatever happens here.
 */
import * as fs from "fs";
import * as path from "path";
import type { ActivityRun, PipelineRun } from "@azure/arm-datafactory";
import type { Clients } from "./azure";
import { Context, requestSignal, sleep, UsageError } from "./context";
import { culpritOf, fmtDuration, latestPerActivity, TERMINAL } from "./follow";
import { EXIT } from "./help";
import type { Target } from "./target";
import { azure, jobs } from "./commands/common";
import { startRun } from "./commands/run";
import { fmtBytes } from "./usage";

export const STATE_FORMAT = "aml-datapath-backfill/1";

export type PathState = "pending" | "starting" | "started" | "succeeded" | "failed";
const STATES: readonly PathState[] = ["pending", "starting", "started", "succeeded", "failed"];

export interface PathRecord {
  readonly path: string;
  state: PathState;
  runId?: string;
  /** When its start request was sent (ISO): the run, if the answer was lost, started after it. */
  startingAt?: string;
  startedAt?: string;
  endedAt?: string;
  /** ADF's status of the run, as last seen. */
  status?: string;
  durationMs?: number;
  /** Why it failed: the failing step's (or activity's) message. */
  message?: string;
  /** Start requests sent for it (a failed path re-run on resume sends another). */
  attempts: number;
  amlJob?: string;
  files?: number;
  filesFailed?: number;
  bytes?: number;
  nodeHours?: number;
}

export interface BackfillState {
  readonly format: typeof STATE_FORMAT;
  /** The environment and pipeline, as --env/--pipeline name them, and the factory they resolved to. */
  readonly env: string;
  readonly pipelineName: string;
  readonly factoryId: string;
  readonly adfPipeline: string;
  readonly datastore: string;
  /** Where the paths came from (for the record). */
  readonly source: Readonly<Record<string, unknown>>;
  concurrency: number;
  readonly createdAt: string;
  updatedAt: string;
  /** How the last session ended: running (it still runs, or it crashed), done, interrupted (Ctrl-C), timeout, stopped (an error that concerns every path). */
  outcome: "running" | "done" | "interrupted" | "timeout" | "stopped";
  readonly paths: PathRecord[];
}

/** Writes the state atomically: a temporary file beside it, flushed, then renamed over it. */
export function writeState(file: string, state: BackfillState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, `${JSON.stringify(state, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** A state file, checked: a usage error says what is wrong with it. */
export function readState(file: string, shown = file): BackfillState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`--resume "${shown}": ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : `not a backfill state file (${(e as Error).message})`}`);
  }
  const s = parsed as Partial<BackfillState> | null;
  const bad = (what: string) => new UsageError(`--resume "${shown}": not a backfill state file (${what})`);
  if (!s || typeof s !== "object" || s.format !== STATE_FORMAT) throw bad(`format is not ${STATE_FORMAT}`);
  for (const key of ["env", "pipelineName", "factoryId", "adfPipeline", "datastore", "createdAt"] as const) if (typeof s[key] !== "string") throw bad(`no ${key}`);
  if (!Number.isInteger(s.concurrency) || (s.concurrency as number) < 1) throw bad("no concurrency");
  if (!Array.isArray(s.paths)) throw bad("no paths");
  const seen = new Set<string>();
  s.paths.forEach((p, i) => {
    if (!p || typeof p.path !== "string" || !STATES.includes(p.state)) throw bad(`paths[${i}] has no path or state`);
    if (p.state === "started" && typeof p.runId !== "string") throw bad(`paths[${i}] is started without a run id`);
    if (seen.has(p.path)) throw bad(`${p.path} is listed twice`);
    seen.add(p.path);
    if (!Number.isInteger(p.attempts)) p.attempts = 0;
  });
  return s as BackfillState;
}

/** A new state for `paths`. */
export function newState(t: Target, datastore: string, paths: readonly string[], concurrency: number, source: Record<string, unknown>, now: number): BackfillState {
  const at = new Date(now).toISOString();
  return {
    format: STATE_FORMAT,
    env: t.env,
    pipelineName: t.pipelineName,
    factoryId: t.factoryId,
    adfPipeline: t.pipeline,
    datastore,
    source,
    concurrency,
    createdAt: at,
    updatedAt: at,
    outcome: "running",
    paths: paths.map((p) => ({ path: p, state: "pending", attempts: 0 })),
  };
}

export interface BackfillOptions {
  readonly stateFile: string;
  readonly concurrency: number;
  readonly pollMs: number;
  readonly requestTimeoutMs: number;
  /** Stop following after this long (exit 3); undefined: until every path has ended. */
  readonly timeoutMs?: number;
  /** On resume: leave failed paths failed instead of running them again. */
  readonly skipFailed: boolean;
  /** The command that resumes this backfill, printed whenever it stops early. */
  readonly resumeCommand: string;
  /** Whether this session resumes an earlier one (paths left "starting" are looked up at once). */
  readonly resuming: boolean;
}

/** A failure that concerns every path (sign-in or permission: exit 5; the pipeline not found: exit 1): everything stops. */
class Stop extends Error {
  constructor(
    readonly cause: unknown,
    readonly code: number,
  ) {
    super("stop");
  }
}

/** Looks for a run of `p` that a lost start request may have created: same parameters, started after the request (5 minutes' clock margin). */
async function findLostRun(ctx: Context, c: Clients, t: Target, datastore: string, p: PathRecord, requestTimeoutMs: number): Promise<PipelineRun | undefined> {
  const since = Date.parse(p.startingAt ?? "") - 5 * 60_000;
  const after = Number.isFinite(since) ? since : ctx.clock.now() - 7 * 24 * 3600_000;
  const found: PipelineRun[] = [];
  let continuationToken: string | undefined;
  for (let page = 0; page < 50; page++) {
    const result = await c.factory.pipelineRuns.queryByFactory(
      t.resourceGroup,
      t.factory,
      {
        lastUpdatedAfter: new Date(after - 5 * 60_000),
        lastUpdatedBefore: new Date(ctx.clock.now() + 3600_000),
        filters: [{ operand: "PipelineName", operator: "Equals", values: [t.pipeline] }],
        orderBy: [{ orderBy: "RunStart", order: "ASC" }],
        continuationToken,
      },
      { abortSignal: requestSignal(ctx, requestTimeoutMs) },
    );
    found.push(
      ...result.value.filter(
        (r) =>
          r.parameters?.relative_path === p.path &&
          (r.parameters?.datastore_name ?? datastore) === datastore &&
          (!r.runStart || new Date(r.runStart).getTime() >= after),
      ),
    );
    continuationToken = result.continuationToken ?? undefined;
    if (!continuationToken) break;
  }
  return found.sort((a, b) => String(a.runStart ? new Date(a.runStart).toISOString() : "").localeCompare(String(b.runStart ? new Date(b.runStart).toISOString() : "")))[0];
}

/** What made a run fail: the AML step's own error, else the failing activity's, else ADF's message. */
async function failureOf(c: Clients, t: Target, run: PipelineRun, activities: readonly ActivityRun[], signal: () => AbortSignal): Promise<string> {
  if (run.status === "Cancelled") return "cancelled";
  const job = jobs().jobNameOf(latestPerActivity(activities));
  const steps = job ? await jobs().failedSteps(c, t, job, signal) : [];
  if (steps.length > 0) return steps.map((s) => `step ${s.step} ${s.status}: ${s.message}`).join("; ");
  const culprit = culpritOf(activities);
  const message = (culprit?.error as { message?: string } | undefined)?.message ?? run.message;
  return message ? `${culprit ? `activity "${culprit.activityName}": ` : ""}${message}` : `the run ${String(run.status).toLowerCase()}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The final (or interrupted) table: path, status, duration, files, failures, run id; then why each failed. */
export function summaryTable(state: BackfillState): string[] {
  const rows = state.paths.map((p) => [
    p.path,
    p.state === "started" ? `running${p.status ? ` (${p.status})` : ""}` : p.state,
    fmtDuration(p.durationMs) || "-",
    p.files === undefined ? "-" : String(p.files),
    p.filesFailed === undefined ? "-" : String(p.filesFailed),
    p.runId ?? "-",
  ]);
  const all = [["PATH", "STATUS", "DURATION", "FILES", "FAILURES", "RUN ID"], ...rows];
  const widths = all[0].map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const lines = all.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd());
  const failed = state.paths.filter((p) => p.state === "failed");
  if (failed.length > 0) lines.push("Failures:", ...failed.map((p) => `  ${p.path}: ${p.message ?? "(no message)"}`));
  return lines;
}

/** `12/40 done, 1 failed, 3 running`: done counts the paths that ended (failed or not). */
export function totals(state: BackfillState): string {
  const n = (s: PathState) => state.paths.filter((p) => p.state === s).length;
  return `${n("succeeded") + n("failed")}/${state.paths.length} done, ${n("failed")} failed, ${n("started") + n("starting")} running`;
}

/** Runs (or resumes) the backfill in `state`; the exit code says how it ended. */
export async function runBackfill(ctx: Context, c: Clients, t: Target, state: BackfillState, o: BackfillOptions): Promise<number> {
  const began = ctx.clock.now();
  const shownFile = path.relative(ctx.cwd, o.stateFile).startsWith("..") ? o.stateFile : path.relative(ctx.cwd, o.stateFile);
  const signal = () => requestSignal(ctx, o.requestTimeoutMs);
  const datastore = state.datastore;
  const iso = () => new Date(ctx.clock.now()).toISOString();
  const save = () => {
    state.updatedAt = iso();
    writeState(o.stateFile, state);
  };
  const line = (p: PathRecord, text: string) => ctx.out(`+${Math.round((ctx.clock.now() - began) / 1000)}s ${p.path}: ${text} | ${totals(state)}`);
  // Paths left "starting" by an earlier session are looked up at once; new ones one poll later.
  const lookupDue = new Map<PathRecord, number>();
  const reattached = new Set<PathRecord>();
  const pollErrors = new Map<PathRecord, number>();

  if (o.resuming) {
    for (const p of state.paths) {
      if (p.state === "failed" && !o.skipFailed) {
        p.state = "pending";
        delete p.runId;
        delete p.message;
        delete p.durationMs;
        delete p.endedAt;
        delete p.status;
      }
      if (p.state === "starting") lookupDue.set(p, 0);
      if (p.state === "started") reattached.add(p);
    }
  }
  state.concurrency = o.concurrency;
  state.outcome = "running";
  save();
  const count = (s: PathState) => state.paths.filter((p) => p.state === s).length;
  ctx.out(
    `Backfill of ${plural(state.paths.length, "data path")} on ${t.pipeline} in ${t.factory} (${datastore}), at most ${o.concurrency} at a time` +
      (o.resuming ? `: ${count("succeeded")} succeeded before, ${count("failed")} failed left as they are, ${count("started") + count("starting")} to re-attach, ${count("pending")} to start` : "") +
      `. State: ${shownFile}`,
  );

  const stop = (outcome: "interrupted" | "timeout" | "stopped", why: string, code: number): number => {
    state.outcome = outcome;
    save();
    ctx.err(why);
    for (const l of summaryTable(state)) ctx.out(l);
    const running = count("started") + count("starting");
    if (running > 0) ctx.err(`${plural(running, "run")} keep${running === 1 ? "s" : ""} running in Data Factory.`);
    ctx.err(`Resume with: ${o.resumeCommand}`);
    return code;
  };

  /** Starts one pending path; false when nothing more should be started this round (throttled). */
  const start = async (p: PathRecord): Promise<boolean> => {
    p.state = "starting";
    p.startingAt = iso();
    p.attempts++;
    save();
    try {
      const runId = await startRun(ctx, c, t, p.path, datastore, o.requestTimeoutMs);
      Object.assign(p, { state: "started", runId, startedAt: iso(), status: "Queued" });
      save();
      line(p, `started run ${runId}`);
      return true;
    } catch (e) {
      if (ctx.signal.aborted) return false; // stays "starting": looked up on resume
      const status = (e as { statusCode?: number }).statusCode;
      if (azure().isAuthError(e) || status === 404) {
        // Refused: nothing was created, and no other path would fare better.
        p.state = "pending";
        p.attempts--;
        save();
        throw new Stop(e, status === 404 ? EXIT.failed : EXIT.auth);
      }
      if (status === 429) {
        p.state = "pending";
        save();
        line(p, "throttled; it will be started later");
        return false;
      }
      if (status !== undefined && status >= 400 && status < 500 && status !== 408) {
        p.state = "failed";
        p.message = `could not start: ${azure().explain(e, t, o.requestTimeoutMs / 1000, "create")}`;
        save();
        line(p, p.message);
        return true;
      }
      // No answer, or a server error: the run may have started. Look for it before starting it again.
      lookupDue.set(p, ctx.clock.now() + o.pollMs);
      line(p, `no clear answer to the start request (${azure().explain(e, t, o.requestTimeoutMs / 1000, "create")}); looking for its run before starting it again`);
      return true;
    }
  };

  /** A path whose start request's answer was lost: its run found, or back to pending. */
  const lookUp = async (p: PathRecord): Promise<void> => {
    try {
      const run = await findLostRun(ctx, c, t, datastore, p, o.requestTimeoutMs);
      lookupDue.delete(p);
      if (run?.runId) {
        Object.assign(p, { state: "started", runId: run.runId, startedAt: run.runStart ? new Date(run.runStart).toISOString() : p.startingAt, status: run.status });
        save();
        line(p, `found run ${run.runId} (${run.status}), started by the request whose answer was lost`);
      } else {
        p.state = "pending";
        save();
        line(p, "no run was started by the request whose answer was lost; starting it again");
      }
    } catch (e) {
      if (ctx.signal.aborted) return;
      if (azure().isAuthError(e)) throw new Stop(e, EXIT.auth);
      lookupDue.set(p, ctx.clock.now() + o.pollMs);
    }
  };

  /** One look at a started run; at its end, its usage and (if it failed) why. */
  const look = async (p: PathRecord): Promise<void> => {
    let run: PipelineRun;
    try {
      run = await c.factory.pipelineRuns.get(t.resourceGroup, t.factory, p.runId!, { abortSignal: signal() });
      pollErrors.delete(p);
    } catch (e) {
      if (ctx.signal.aborted) return;
      if (azure().isAuthError(e)) throw new Stop(e, EXIT.auth);
      const n = (pollErrors.get(p) ?? 0) + 1;
      pollErrors.set(p, n);
      if (n === 3) line(p, `run ${p.runId} could not be read 3 times in a row (${azure().explain(e, t, o.requestTimeoutMs / 1000)}); still trying`);
      return;
    }
    const changed = run.status !== p.status;
    if (reattached.delete(p)) line(p, `re-attached to run ${p.runId} (${run.status})`);
    else if (changed && !(run.status && TERMINAL.has(run.status))) line(p, String(run.status));
    p.status = run.status;
    if (!run.status || !TERMINAL.has(run.status)) {
      if (changed) save();
      return;
    }
    let activities: ActivityRun[] = [];
    try {
      const now = ctx.clock.now();
      const since = run.runStart ? new Date(new Date(run.runStart).getTime() - 3600_000) : new Date(now - 7 * 24 * 3600_000);
      activities = (await c.factory.activityRuns.queryByPipelineRun(t.resourceGroup, t.factory, p.runId!, { lastUpdatedAfter: since, lastUpdatedBefore: new Date(now + 3600_000) }, { abortSignal: signal() })).value;
    } catch {
      // Optional detail: the outcome is known without it.
    }
    if (ctx.signal.aborted) return;
    const u = await (require("./usage") as typeof import("./usage")).usageOfActivities(c, t, activities, ctx.clock.now(), signal);
    if (ctx.signal.aborted) return;
    Object.assign(p, {
      endedAt: run.runEnd ? new Date(run.runEnd).toISOString() : iso(),
      durationMs: run.durationInMs ?? undefined,
      ...(u.job ? { amlJob: u.job } : {}),
      ...(u.usage ? { files: u.usage.files, filesFailed: u.usage.filesFailed, bytes: u.usage.bytes, nodeHours: Number(u.usage.nodeHours.toFixed(6)) } : {}),
    });
    if (run.status === "Succeeded") {
      p.state = "succeeded";
      save();
      line(p, `succeeded in ${fmtDuration(run.durationInMs) || "?"}${p.files !== undefined ? `, ${p.files} files (${p.filesFailed ?? "?"} failed), ${fmtBytes(p.bytes)}` : ""}`);
    } else {
      p.message = await failureOf(c, t, run, activities, signal);
      if (ctx.signal.aborted) return;
      p.state = "failed";
      save();
      line(p, `${run.status === "Cancelled" ? "cancelled" : "failed"}: ${p.message}`);
    }
  };

  try {
    for (;;) {
      if (ctx.signal.aborted) return stop("interrupted", "\nInterrupted (Ctrl-C): nothing more is started.", EXIT.interrupted);
      if (o.timeoutMs !== undefined && ctx.clock.now() - began > o.timeoutMs) {
        return stop("timeout", `Stopped after ${Math.round(o.timeoutMs / 1000)}s (--timeout): nothing more is started.`, EXIT.timeout);
      }
      for (const p of state.paths.filter((x) => x.state === "starting" && lookupDue.has(x))) {
        if (ctx.signal.aborted) break;
        if (ctx.clock.now() >= lookupDue.get(p)!) await lookUp(p);
      }
      for (const p of state.paths.filter((x) => x.state === "started")) {
        if (ctx.signal.aborted) break;
        await look(p);
      }
      // Fill the free slots; a path whose start answer was lost holds its slot until it is found or not.
      for (;;) {
        if (ctx.signal.aborted) break;
        const active = count("started") + count("starting");
        const next = state.paths.find((p) => p.state === "pending");
        if (!next || active >= o.concurrency) break;
        if (!(await start(next))) break;
      }
      if (ctx.signal.aborted) continue;
      if (count("pending") + count("started") + count("starting") === 0) break;
      await sleep(ctx, o.pollMs);
    }
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    const why = azure().explain(e.cause, t, o.requestTimeoutMs / 1000, "create");
    return stop("stopped", why, e.code);
  }
  state.outcome = "done";
  save();
  for (const l of summaryTable(state)) ctx.out(l);
  const failed = count("failed");
  ctx.out(`${totals(state)}. State: ${shownFile}`);
  if (failed > 0) {
    ctx.err(`${plural(failed, "data path")} failed. Run them again with: ${o.resumeCommand}`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

/** The state file's default name, in the working directory. */
export function defaultStateFile(cwd: string, env: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z").replace("T", "-");
  return path.join(cwd, `backfill-${env}-${stamp}.json`);
}
