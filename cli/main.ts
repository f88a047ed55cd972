/**
 * aml-datapath: start and watch runs of the data-path pipeline from the terminal.
 *
 *   aml-datapath run --env dev --path parquet/offerpath3 [--datastore input_data] [--follow]
 *   aml-datapath status <run id> --env dev
 *   aml-datapath runs --env dev [--last 10]
 *   aml-datapath cancel <run id> --env dev
 *   aml-datapath prune-deployments --env dev [--keep 2] [--dry-run]
 *   aml-datapath verify --env dev [--stack-dir cdktf.out/stacks/dev] [--json]
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import type { ActivityRun, PipelineRun } from "@azure/arm-datafactory";
import { NAME_RULES } from "../lib/core/naming";
import { GUID_PATTERN, relativePathProblem } from "../lib/core/validation";
import { findUp } from "../lib/core/paths";
import type { Clients } from "./azure";
import { portalLink, resolveTarget, Target, UsageError } from "./target";
import { COMMANDS, commandHelp, EXIT, usage } from "./help";
import type { AmlJob } from "./aml-jobs";
import { checkKeep, noEndpoint, pruneDeployments } from "./prune";
import type { EnvironmentConfig } from "../stacks/config";
import { environments } from "../stacks/environments";

const TERMINAL = new Set(["Succeeded", "Failed", "Cancelled"]);
const RUN_ID = GUID_PATTERN;

export { EXIT } from "./help";

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly isTty: boolean;
  readonly write: (text: string) => void;
}

const defaultIo: Io = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  isTty: Boolean(process.stdout.isTTY),
  write: (t) => process.stdout.write(t),
};

function seconds(name: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new UsageError(`--${name} "${value}" must be a number of seconds >= ${min}`);
  return n;
}

function checkPath(path: string | undefined): string {
  if (path === undefined) throw new UsageError("--path is required: the folder to process, relative to the datastore (e.g. parquet/offerpath2)");
  const problem = relativePathProblem(path);
  if (problem) throw new UsageError(`--path "${path}" ${problem}`);
  return path;
}

function checkDatastore(name: string): string {
  if (!NAME_RULES.mlDatastore.pattern.test(name)) throw new UsageError(`--datastore "${name}" ${NAME_RULES.mlDatastore.rule}`);
  return name;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Unfinished runs report durationInMs as null.
const fmtDuration = (ms: number | null | undefined) => (ms == null ? "" : `${Math.round(ms / 1000)}s`);
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

interface FollowOptions {
  readonly vars: NodeJS.ProcessEnv;
  readonly pollMs: number;
  readonly timeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** Watches a run until it ends; the exit code says how it ended. */
async function follow(c: Clients, t: Target, runId: string, o: FollowOptions, io: Io): Promise<number> {
  const started = Date.now();
  const seen = new Map<string, string>();
  let amlJob: AmlJob | undefined;
  let drawn = 0;
  let failures = 0;
  const onInt = () => {
    io.err(`\nStopped following. Run ${runId} keeps running in Data Factory: ${portalLink(t, runId)}`);
    io.err(`Follow it again with: aml-datapath status ${runId} --env ${t.env} --follow`);
    process.exit(EXIT.interrupted);
  };
  process.once("SIGINT", onInt);
  try {
    for (;;) {
      let run: PipelineRun;
      let activities: ActivityRun[];
      try {
        run = await c.factory.pipelineRuns.get(t.resourceGroup, t.factory, runId, { abortSignal: AbortSignal.timeout(o.requestTimeoutMs) });
        const since = run.runStart ? new Date(new Date(run.runStart).getTime() - 3600_000) : new Date(Date.now() - 7 * 24 * 3600_000);
        activities = latestPerActivity(
          (
            await c.factory.activityRuns.queryByPipelineRun(
              t.resourceGroup,
              t.factory,
              runId,
              { lastUpdatedAfter: since, lastUpdatedBefore: new Date(Date.now() + 3600_000) },
              { abortSignal: AbortSignal.timeout(o.requestTimeoutMs) },
            )
          ).value,
        );
        failures = 0;
      } catch (e) {
        // Sign-in and permission failures do not pass: say so at once.
        if (azure().isAuthError(e)) {
          io.err(azure().explain(e, t, o.requestTimeoutMs / 1000));
          return EXIT.auth;
        }
        // A long follow should survive a passing network error; the outcome is unknown only after several.
        if (++failures >= 3) {
          io.err(`${azure().explain(e, t, o.requestTimeoutMs / 1000)} The run's outcome is unknown: ${portalLink(t, runId)}`);
          return EXIT.unknown;
        }
        await sleep(Math.max(o.pollMs, 1000) * failures);
        continue;
      }
      amlJob = await amlJobStatus(c, t, activities, o.requestTimeoutMs, amlJob);
      const elapsed = Math.round((Date.now() - started) / 1000);
      const lines = [
        `run ${runId}: ${run.status ?? "Unknown"} (+${elapsed}s)`,
        ...activities.map((a) => `  ${a.activityName}: ${a.status}${a.durationInMs != null ? ` (${fmtDuration(a.durationInMs)})` : ""}`),
        ...(amlJob ? [`  AML job ${amlJob.name}: ${amlJob.status}`] : []),
      ];
      if (io.isTty) {
        // Redraw the block in place, one line per activity, clipped so no line wraps.
        const width = Math.max(20, (process.stdout.columns ?? 120) - 1);
        if (drawn > 0) io.write(`\x1b[${drawn}A\x1b[0J`);
        io.write(`${lines.map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l)).join("\n")}\n`);
        drawn = lines.length;
      } else {
        // Plain log: only what changed, with the elapsed time.
        for (const l of lines.slice(1)) {
          const value = l.trim();
          const key = value.slice(0, value.lastIndexOf(":"));
          const state = value.replace(/ \(\d+s\)$/, "");
          if (seen.get(key) !== state) {
            seen.set(key, state);
            io.out(`+${elapsed}s ${value}`);
          }
        }
        if (seen.get("run") !== run.status) {
          seen.set("run", run.status ?? "");
          io.out(`+${elapsed}s run ${run.status}`);
        }
      }
      if (run.status && TERMINAL.has(run.status)) {
        const steps = run.status === "Failed" && amlJob ? await jobs().failedSteps(c, t, amlJob.name, o.requestTimeoutMs, o.vars) : [];
        return finish(run, activities, amlJob, steps, io);
      }
      if (Date.now() - started > o.timeoutMs) {
        io.err(`Still ${run.status} after ${Math.round(o.timeoutMs / 1000)}s (--timeout); run ${runId} keeps running: ${portalLink(t, runId)}`);
        io.err(`Follow it again with: aml-datapath status ${runId} --env ${t.env} --follow`);
        return EXIT.timeout;
      }
      await sleep(o.pollMs);
    }
  } finally {
    process.removeListener("SIGINT", onInt);
  }
}

/** For the batch-endpoint style: the AML job the invoke activity started, where it can be read. */
async function amlJobStatus(c: Clients, t: Target, activities: readonly ActivityRun[], requestTimeoutMs: number, previous: AmlJob | undefined): Promise<AmlJob | undefined> {
  const name = jobs().jobNameOf(activities);
  if (!name) return previous;
  // Optional detail: without workspace access the ADF status still tells the outcome.
  return (await jobs().readJob(c, t, name, requestTimeoutMs)) ?? previous ?? { name, status: "(not readable)" };
}

function finish(run: PipelineRun, activities: readonly ActivityRun[], amlJob: AmlJob | undefined, steps: readonly import("./aml-jobs").FailedStep[], io: Io): number {
  const duration = fmtDuration(run.durationInMs);
  if (run.status === "Succeeded") {
    io.out(`Run ${run.runId} succeeded${duration ? ` in ${duration}` : ""}.`);
    return EXIT.ok;
  }
  // The innermost failure (e.g. "Fail run" inside an If) carries the most specific message.
  const culprit = culpritOf(activities);
  const message = (culprit?.error as { message?: string } | undefined)?.message ?? run.message ?? "no error message";
  io.err(`Run ${run.runId} ${run.status === "Cancelled" ? "was cancelled" : "failed"}${culprit ? ` in activity "${culprit.activityName}"` : ""}: ${message}`);
  if (amlJob) io.err(`AML job ${amlJob.name}: ${amlJob.status}${amlJob.studio ? ` (${amlJob.studio})` : ""}`);
  // The step that failed inside AML says why (e.g. prepare's "no .parquet files found under ...").
  for (const s of steps) io.err(`  step ${s.step} ${s.status}: ${s.message}`);
  return EXIT.failed;
}

async function runCommand(argv: string[], io: Io, vars: NodeJS.ProcessEnv, configs: readonly EnvironmentConfig[]): Promise<number> {
  const envs = configs.map((c) => c.name).join("|");
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      env: { type: "string" },
      path: { type: "string" },
      datastore: { type: "string" },
      follow: { type: "boolean", default: false },
      timeout: { type: "string" },
      poll: { type: "string" },
      last: { type: "string" },
      "request-timeout": { type: "string" },
      out: { type: "string" },
      workers: { type: "string" },
      keep: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      "stack-dir": { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.version) {
    io.out(packageVersion());
    return EXIT.ok;
  }
  if (command === "help") {
    const topic = rest[0];
    if (topic !== undefined && !(topic in COMMANDS)) throw new UsageError(`no command "${topic}"\n${usage(envs)}`);
    io.out(topic ? commandHelp(topic, envs) : usage(envs));
    return EXIT.ok;
  }
  if (!command) {
    io.out(usage(envs));
    return values.help ? EXIT.ok : EXIT.usage;
  }
  if (!(command in COMMANDS)) throw new UsageError(`unknown command "${command}"\n${usage(envs)}`);
  if (values.help) {
    io.out(commandHelp(command, envs));
    return EXIT.ok;
  }
  // Every argument is checked before the environment's subscription is looked up or Azure is called.
  const requestTimeout = seconds("request-timeout", values["request-timeout"], 60, 0.1);
  const followOptions: FollowOptions = {
    vars,
    pollMs: seconds("poll", values.poll, 15, 0.05) * 1000,
    timeoutMs: seconds("timeout", values.timeout, 12 * 3600, 0.1) * 1000,
    requestTimeoutMs: requestTimeout * 1000,
  };
  if (command === "local") return localCommand(values, configs);
  if (command === "diff") return diffCommand(rest, values.json === true, configs, io);
  const path = command === "run" ? checkPath(values.path) : "";
  if (command === "run" && values.datastore !== undefined) checkDatastore(values.datastore);
  const runId = rest[0];
  if ((command === "status" || command === "cancel") && (!runId || !RUN_ID.test(runId))) {
    throw new UsageError(`${command} needs a run id (a GUID), got ${runId === undefined ? "none" : `"${runId}"`}`);
  }
  const last = values.last === undefined ? 10 : Number(values.last);
  if (command === "runs" && (!Number.isInteger(last) || last < 1 || last > 100)) throw new UsageError(`--last "${values.last}" must be a whole number from 1 to 100`);
  const keep = command === "prune-deployments" ? checkKeep(values.keep, configs.find((c) => c.name === values.env)?.pipeline?.deploymentRetention) : 0;
  const t = resolveTarget(values.env, configs, vars);
  if (command === "prune-deployments" && !t.batchEndpoint) throw new UsageError(noEndpoint(t));
  // Named when it was not set explicitly for this tool (config or AZURE_SUBSCRIPTION_ID).
  if (t.subscriptionSource === "the Azure CLI's default subscription" || t.subscriptionSource === "ARM_SUBSCRIPTION_ID") io.err(`Using subscription ${t.subscriptionId} (${t.subscriptionSource}).`);
  if (command === "verify") {
    const v = require("./verify") as typeof import("./verify");
    return v.verifyCommand(t, { stackDir: values["stack-dir"], json: values.json === true, requestTimeoutMs: followOptions.requestTimeoutMs }, io, vars);
  }
  let prepared: () => Promise<number>;
  let kind: "create" | "read" = "read";
  if (command === "run") {
    const datastore = checkDatastore(values.datastore ?? t.defaultDatastore);
    prepared = async () => {
      const c = createClients(t, vars);
      kind = "create";
      const { runId } = await honourRetryAfter(io, () =>
        c.factoryNoRetry.pipelines.createRun(t.resourceGroup, t.factory, t.pipeline, {
          parameters: { relative_path: path, datastore_name: datastore },
          abortSignal: AbortSignal.timeout(followOptions.requestTimeoutMs),
        }),
      );
      kind = "read";
      io.out(`Started run ${runId} of ${t.pipeline} in ${t.factory} on ${datastore}:${path}`);
      io.out(`Portal: ${portalLink(t, runId)}`);
      return values.follow ? follow(c, t, runId, followOptions, io) : EXIT.ok;
    };
  } else if (command === "status") {
    prepared = async () => {
      const c = createClients(t, vars);
      if (values.follow) return follow(c, t, runId, followOptions, io);
      const run = await c.factory.pipelineRuns.get(t.resourceGroup, t.factory, runId, { abortSignal: AbortSignal.timeout(followOptions.requestTimeoutMs) });
      const p = run.parameters ?? {};
      io.out(`${run.runId} ${run.status} ${p.datastore_name ?? ""}:${p.relative_path ?? ""} ${fmtDuration(run.durationInMs)}`.trim());
      if (run.message) io.out(run.message);
      io.out(`Portal: ${portalLink(t, runId)}`);
      return run.status === "Failed" || run.status === "Cancelled" ? EXIT.failed : EXIT.ok;
    };
  } else if (command === "cancel") {
    prepared = () => cancelRun(createClients(t, vars), t, runId, followOptions.requestTimeoutMs, io, followOptions.pollMs);
  } else if (command === "prune-deployments") {
    prepared = () => pruneDeployments(createClients(t, vars), t, { keep, dryRun: values["dry-run"] === true, timeoutMs: followOptions.requestTimeoutMs }, io);
  } else {
    prepared = async () => {
      const c = createClients(t, vars);
      const now = Date.now();
      const result = await c.factory.pipelineRuns.queryByFactory(
        t.resourceGroup,
        t.factory,
        {
          lastUpdatedAfter: new Date(now - 30 * 24 * 3600_000),
          lastUpdatedBefore: new Date(now + 3600_000),
          filters: [{ operand: "PipelineName", operator: "Equals", values: [t.pipeline] }],
          orderBy: [{ orderBy: "RunStart", order: "DESC" }],
        },
        { abortSignal: AbortSignal.timeout(followOptions.requestTimeoutMs) },
      );
      const rows = result.value.slice(0, last).map((r) => [
        r.runStart ? new Date(r.runStart).toISOString().replace("T", " ").slice(0, 19) : "-",
        fmtDuration(r.durationInMs) || "-",
        r.status ?? "-",
        `${r.parameters?.datastore_name ?? "?"}:${r.parameters?.relative_path ?? "?"}`,
        r.runId ?? "-",
      ]);
      io.out(table([["START (UTC)", "DURATION", "STATUS", "DATA PATH", "RUN ID"], ...rows]));
      return EXIT.ok;
    };
  }
  try {
    return await prepared();
  } catch (e) {
    io.err(azure().explain(e, t, requestTimeout, kind));
    return azure().isAuthError(e) ? EXIT.auth : EXIT.failed;
  }
}

/** The package's version: package.json is two folders up from dist/cli, one from cli/. */
function packageVersion(): string {
  const dir = findUp(__dirname, "package.json");
  return dir ? String((JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: string }).version) : "unknown";
}

/** `diff`: offline, from the configs and their synthesized stacks. */
function diffCommand(args: readonly string[], json: boolean, configs: readonly EnvironmentConfig[], io: Io): number {
  if (args.length !== 2) throw new UsageError(`diff needs two environments (of ${configs.map((c) => c.name).join(", ")}), got ${args.length}`);
  const [a, b] = args.map((name) => configs.find((c) => c.name === name) ?? (() => { throw new UsageError(`unknown environment "${name}": use one of ${configs.map((c) => c.name).join(", ")}`); })());
  const d = require("./diff") as typeof import("./diff");
  const result = d.diffEnvironments(a, b);
  io.out(json ? JSON.stringify(result, null, 2) : d.formatDiff(result));
  return EXIT.ok;
}

/** `local`: no Azure at all, so no subscription; the environment only picks the pipeline settings. */
async function localCommand(values: { path?: string; out?: string; workers?: string; env?: string }, configs: readonly EnvironmentConfig[]): Promise<number> {
  if (values.path === undefined) throw new UsageError("--path is required: a local folder with .parquet files");
  if (!fs.existsSync(values.path) || !fs.statSync(values.path).isDirectory()) throw new UsageError(`--path "${values.path}" is not a folder`);
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) throw new UsageError(`--workers "${values.workers}" must be a whole number >= 1`);
  const cfg = values.env === undefined ? configs[0] : configs.find((c) => c.name === values.env);
  if (!cfg) throw new UsageError(`unknown environment "${values.env}": use one of ${configs.map((c) => c.name).join(", ")}`);
  const out = values.out ?? `local-run-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  const local = require("./local") as typeof import("./local");
  return local.runLocal(local.localSpec(cfg), values.path, out, workers);
}

/**
 * Cancel an ADF run and the AML job its invoke started. ADF's own cancel runs no further activity,
 * so the pipeline cannot clean up after itself: this does both. The ADF run is cancelled first, so
 * no invoke can start afterwards; an invoke already in flight is waited for (its HTTP timeout is 10
 * minutes), so the job it creates is cancelled too. A finished run is left alone.
 */
async function cancelRun(c: Clients, t: Target, runId: string, timeoutMs: number, io: Io, pollMs: number): Promise<number> {
  const abort = () => ({ abortSignal: AbortSignal.timeout(timeoutMs) });
  const activitiesNow = async () => {
    const now = Date.now();
    return (await c.factory.activityRuns.queryByPipelineRun(t.resourceGroup, t.factory, runId, { lastUpdatedAfter: new Date(now - 30 * 24 * 3600_000), lastUpdatedBefore: new Date(now + 3600_000) }, abort())).value;
  };
  const run = await c.factory.pipelineRuns.get(t.resourceGroup, t.factory, runId, abort());
  const runEnded = run.status !== undefined && TERMINAL.has(run.status);
  if (!runEnded) {
    await c.factory.pipelineRuns.cancel(t.resourceGroup, t.factory, runId, { isRecursive: true, ...abort() });
    io.out(`Cancelled ADF run ${runId} (was ${run.status}).`);
  }
  let activities = await activitiesNow();
  const deadline = Date.now() + 11 * 60_000;
  while (["InProgress", "Queued"].includes(String(jobs().invokeOf(activities)?.status)) && Date.now() < deadline) {
    io.out("Waiting for the batch endpoint invoke in flight to answer, to cancel the job it starts ...");
    await sleep(pollMs);
    activities = await activitiesNow();
  }
  const jobName = jobs().jobNameOf(activities);
  const job = jobName ? await jobs().readJob(c, t, jobName, timeoutMs) : undefined;
  const jobRunning = jobName !== undefined && !["Completed", "Failed", "Canceled"].includes(job?.status ?? "");
  if (runEnded && !jobRunning) {
    io.out(`Run ${runId} already ${String(run.status).toLowerCase()}${job ? `; AML job ${job.name} ${job.status}` : ""}: nothing to cancel.`);
    return EXIT.ok;
  }
  if (jobName && jobRunning) {
    await jobs().cancelJob(c, t, jobName, timeoutMs);
    io.out(`Cancel requested for AML job ${jobName} (was ${job?.status ?? "unknown"}).`);
  } else if (!jobName) {
    io.out("No AML job had been started by this run.");
  }
  return EXIT.ok;
}

/**
 * Creating a run is not idempotent, so it is never re-sent automatically, except when Azure answers
 * 429: then nothing was created, and the request is repeated after the Retry-After Azure asked for.
 */
async function honourRetryAfter<T>(io: Io, send: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await send();
    } catch (e) {
      const err = e as { statusCode?: number; response?: { headers: { get(name: string): string | undefined } } };
      if (err.statusCode !== 429 || i >= attempts) throw e;
      const header = err.response?.headers.get("retry-after");
      const seconds = header !== undefined && /^\d+$/.test(header) ? Number(header) : header ? Math.max(0, (Date.parse(header) - Date.now()) / 1000) : 2 ** i;
      const wait = Number.isFinite(seconds) ? seconds : 2 ** i;
      io.err(`throttled, retrying in ${Math.ceil(wait)} s`);
      await sleep(wait * 1000);
    }
  }
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

// The Azure SDKs take a while to load: only once the input is valid and a request is due.
const azure = (): typeof import("./azure") => require("./azure") as typeof import("./azure");
const createClients = (t: Target, vars: NodeJS.ProcessEnv) => azure().createClients(t, vars);
const jobs = (): typeof import("./aml-jobs") => require("./aml-jobs") as typeof import("./aml-jobs");

/** Entry point; resolves to the exit code. `configs` are the environments it knows (the repository's by default). */
export async function main(argv: string[], io: Io = defaultIo, vars: NodeJS.ProcessEnv = process.env, configs: readonly EnvironmentConfig[] = environments): Promise<number> {
  try {
    return await runCommand(argv, io, vars, configs);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.err(`aml-datapath: ${(e as Error).message}`);
      return EXIT.usage;
    }
    io.err(`aml-datapath: ${(e as Error).message ?? String(e)}`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
