/** `aml-datapath backfill`: run many data paths, one ADF run each, at most N at a time, resumable. */
import * as fs from "fs";
import * as path from "path";
import { relativePathProblem } from "../../lib/core/validation";
import type { Clients } from "../azure";
import type { BackfillState } from "../backfill";
import { Context, requestSignal, UsageError } from "../context";
import { Command, EXIT } from "../help";
import { REQUEST_TIMEOUT, SELECT, seconds, str } from "../options";
import type { Target } from "../target";
import { quote, target, withAzure } from "./common";
import { checkDatastore } from "./run";

const backfill = (): typeof import("../backfill") => require("../backfill") as typeof import("../backfill");
const blobs = (): typeof import("../blobs") => require("../blobs") as typeof import("../blobs");

/** A whole number option in [min, max]. */
function whole(name: string, value: string | boolean | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} "${String(value)}" must be a whole number from ${min} to ${max}`);
  return n;
}

/** The data paths in a file: one per line, blank lines and `#` comments ignored, duplicates dropped. */
export function pathsFromFile(file: string, cwd: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), "utf8");
  } catch (e) {
    throw new UsageError(`--paths-from "${file}": ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
  const problems: string[] = [];
  const paths: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const p = raw.trim();
    if (p === "" || p.startsWith("#")) return;
    const problem = relativePathProblem(p);
    if (problem) problems.push(`line ${i + 1}: "${p}" ${problem}`);
    else if (!paths.includes(p)) paths.push(p);
  });
  if (problems.length > 0) throw new UsageError(`--paths-from "${file}": ${problems.slice(0, 5).join("; ")}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`);
  if (paths.length === 0) throw new UsageError(`--paths-from "${file}" lists no data path`);
  return paths;
}

/** The input datastore's container: from the stack, else the datastore as Azure has it. */
async function inputContainer(ctx: Context, c: Clients, t: Target, requestTimeoutMs: number): Promise<{ account: string; container: string }> {
  if (t.inputContainer) return t.inputContainer;
  const { createPipelineRequest } = require("@azure/core-rest-pipeline") as typeof import("@azure/core-rest-pipeline");
  const url = `${c.armEndpoint}${t.workspaceId}/datastores/${encodeURIComponent(t.defaultDatastore)}?api-version=2024-04-01`;
  const response = await c.ml.sendRequest(createPipelineRequest({ url, method: "GET", abortSignal: requestSignal(ctx, requestTimeoutMs) }));
  if (response.status !== 200) throw Object.assign(new Error(`reading datastore ${t.defaultDatastore} of workspace ${t.workspace} failed: HTTP ${response.status}`), { statusCode: response.status });
  const props = (JSON.parse(response.bodyAsText ?? "{}") as { properties?: { accountName?: string; containerName?: string } }).properties ?? {};
  if (!props.accountName || !props.containerName) throw new Error(`datastore ${t.defaultDatastore} of workspace ${t.workspace} is not a blob datastore (no accountName/containerName)`);
  return { account: props.accountName, container: props.containerName };
}

/** The ADF pipeline's concurrency: from the stack, else as Azure has it, else 4. */
async function pipelineConcurrency(ctx: Context, c: Clients, t: Target, requestTimeoutMs: number): Promise<number> {
  if (t.adfConcurrency !== undefined) return t.adfConcurrency;
  try {
    const p = await c.factory.pipelines.get(t.resourceGroup, t.factory, t.pipeline, { abortSignal: requestSignal(ctx, requestTimeoutMs) });
    return typeof p.concurrency === "number" && p.concurrency >= 1 ? p.concurrency : 4;
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    return 4;
  }
}

export const command: Command = {
  summary: "run many data paths (one ADF run each, at most --concurrency at a time), resumable",
  options: {
    ...SELECT,
    under: { type: "string", value: "<path>", help: "the data paths are the sub-folders of this folder of the input datastore's\ncontainer (/ for its root), at --depth", synopsis: "optional" },
    depth: { type: "string", value: "<n>", help: "how many levels below --under the data paths are, 1-10 (default 1)" },
    match: { type: "string", value: "<glob>", help: "keep the folders whose name matches (* ? [...]); with --depth N, N segments\nmatch level by level (e.g. '2026-*/eu-?')" },
    since: { type: "string", value: "<YYYY-MM-DD>", help: "keep the folders whose names are dates (2026-11-01, 20261101, 2026/11/01,\nyear=2026/month=11, ...) on or after this day" },
    until: { type: "string", value: "<YYYY-MM-DD>", help: "... and on or before this day (both inclusive; a month or year folder\ncounts when it overlaps)" },
    "paths-from": { type: "string", value: "<file>", help: "the data paths are the lines of this file (blank lines and # comments\nignored)", synopsis: "optional" },
    concurrency: { type: "string", value: "<n>", help: "at most this many runs at a time, 1-200 (default: the ADF pipeline's\nconcurrency from the stack, else 4)", synopsis: "optional" },
    "dry-run": { type: "boolean", help: "print the data paths and their count; start nothing", synopsis: "optional" },
    state: { type: "string", value: "<file>", help: "where to record each path's state (default\nbackfill-<env>-<time>.json in the working directory)" },
    resume: { type: "string", value: "<file>", help: "go on with the backfill recorded in this state file: skip the paths that\nsucceeded, re-attach to runs in progress, re-run the failed ones", synopsis: "optional" },
    "skip-failed": { type: "boolean", help: "with --resume: leave the failed paths failed" },
    poll: { type: "string", value: "<s>", help: "seconds between two looks at the runs in progress (default 15)" },
    timeout: { type: "string", value: "<s>", help: "stop after this long, leaving the runs running (default: until every\npath has ended)" },
    "request-timeout": REQUEST_TIMEOUT,
  },
  notes: `The data paths are folders of the environment's input datastore (relative to its container), listed
with Blob storage's List Blobs (a token for https://storage.azure.com/: the signed-in identity needs
"Storage Blob Data Reader" on the container); starting runs needs "Data Factory Contributor" on the
factory, as for run.
Progress: one line per state change of a path, with the running total (12/40 done, 1 failed,
3 running; done counts the paths that ended). Every change is written to the state file at once
(atomically), so Ctrl-C, a crash or a closed laptop lose nothing: --resume <file> skips the paths
that succeeded, re-runs the failed ones (not with --skip-failed), re-attaches to runs still in
progress, and looks up a path whose start request got no answer (queryPipelineRuns, by its
parameters) before starting it again. Runs keep running in Data Factory when the command stops.
At the end: a table (path, status, duration, files, failures, run id).
Example:
  aml-datapath backfill --env dev --under parquet --since 2026-11-01 --until 2026-11-30 --dry-run
  aml-datapath backfill --env dev --under parquet --since 2026-11-01 --until 2026-11-30 --concurrency 4
  aml-datapath backfill --env dev --resume backfill-dev-20261125-100000Z.json
Exit codes: 0 every path succeeded, 1 some failed, 3 --timeout, 5 sign-in or permission (nothing
more is started), 130 Ctrl-C; the command that resumes is printed whenever it stops early.`,
  azure: true,
  async run(ctx, args) {
    const v = args.values;
    const under = str(v.under);
    const pathsFrom = str(v["paths-from"]);
    const resume = str(v.resume);
    // Every argument is checked before the environment's subscription is looked up or Azure is called.
    const sources = [under !== undefined && "--under", pathsFrom !== undefined && "--paths-from", resume !== undefined && "--resume"].filter(Boolean);
    if (sources.length !== 1) throw new UsageError(sources.length === 0 ? "backfill needs --under <path>, --paths-from <file> or --resume <state file>" : `${sources.join(" and ")} cannot be used together: give one`);
    for (const o of ["depth", "match", "since", "until"]) if (v[o] !== undefined && under === undefined) throw new UsageError(`--${o} goes with --under`);
    if (resume !== undefined && v.state !== undefined) throw new UsageError("--resume writes to the state file it resumes: leave out --state");
    if (v["skip-failed"] && resume === undefined) throw new UsageError("--skip-failed goes with --resume");
    const depth = whole("depth", v.depth, 1, 10) ?? 1;
    const concurrency = whole("concurrency", v.concurrency, 1, 200);
    const pollMs = seconds("poll", v.poll, 15, 0.05);
    const timeoutMs = v.timeout === undefined ? undefined : seconds("timeout", v.timeout, 0, 1);
    const requestTimeoutMs = seconds("request-timeout", v["request-timeout"], 60, 0.1);
    let folder: string | undefined;
    if (under !== undefined) {
      folder = under === "/" ? "" : under;
      const problem = folder === "" ? undefined : relativePathProblem(folder);
      if (problem) throw new UsageError(`--under "${under}" ${problem}`);
    }
    const b = blobs();
    b.matchLevels(str(v.match), depth);
    const since = str(v.since) === undefined ? undefined : b.parseDay("since", str(v.since)!);
    const until = str(v.until) === undefined ? undefined : b.parseDay("until", str(v.until)!);
    if (since !== undefined && until !== undefined && since > until) throw new UsageError(`--since ${v.since} is after --until ${v.until}`);
    const listed = pathsFrom !== undefined ? pathsFromFile(pathsFrom, ctx.cwd) : undefined;
    let resumed: BackfillState | undefined;
    let stateFile: string | undefined;
    if (resume !== undefined) {
      stateFile = path.resolve(ctx.cwd, resume);
      resumed = backfill().readState(stateFile, resume);
    } else if (!v["dry-run"]) {
      stateFile = str(v.state) !== undefined ? path.resolve(ctx.cwd, str(v.state)!) : undefined;
      if (stateFile && fs.existsSync(stateFile)) throw new UsageError(`--state "${v.state}" exists: resume it with --resume, or choose another file`);
    }
    const t = await target(ctx, args);
    if (resumed && (resumed.factoryId.toLowerCase() !== t.factoryId.toLowerCase() || resumed.adfPipeline !== t.pipeline)) {
      throw new UsageError(`--resume "${resume}" records a backfill of ${resumed.adfPipeline} in ${resumed.factoryId} (environment ${resumed.env}), not of ${t.pipeline} in ${t.factoryId}: use --env ${resumed.env}`);
    }
    const datastore = checkDatastore(resumed?.datastore ?? t.defaultDatastore);
    return withAzure(ctx, t, requestTimeoutMs, async (c) => {
      const signal = () => requestSignal(ctx, requestTimeoutMs);
      let paths: string[];
      let source: Record<string, unknown>;
      if (resumed) {
        paths = resumed.paths.map((p) => p.path);
        source = resumed.source;
      } else if (listed) {
        paths = listed;
        source = { pathsFrom: path.resolve(ctx.cwd, pathsFrom!) };
      } else {
        let where: { account: string; container: string };
        try {
          where = await inputContainer(ctx, c, t, requestTimeoutMs);
        } catch (e) {
          const status = (e as { statusCode?: number }).statusCode;
          if (ctx.signal.aborted || (status !== 401 && status !== 403)) throw e;
          ctx.err(`Access denied (HTTP ${status}) reading datastore ${t.defaultDatastore} of workspace ${t.workspace} (its storage container is not in the stack): the signed-in identity needs "Reader" on the workspace.`);
          return EXIT.auth;
        }
        let found: Awaited<ReturnType<typeof b.findDataPaths>>;
        try {
          found = await b.findDataPaths(c, where, { under: folder!, depth, match: str(v.match), since, until }, signal);
        } catch (e) {
          if (ctx.signal.aborted || !(e instanceof b.StorageError)) throw e;
          ctx.err(e.message);
          return e.statusCode === 401 || e.statusCode === 403 ? EXIT.auth : EXIT.failed;
        }
        const invalid = found.paths.filter((p) => relativePathProblem(p) !== undefined);
        if (invalid.length > 0) ctx.err(`Left out ${invalid.length} folder(s) whose names cannot be data paths: ${invalid.slice(0, 5).join(", ")}${invalid.length > 5 ? ", ..." : ""}`);
        if (found.notDates.length > 0) {
          ctx.err(`Left out ${found.notDates.length} folder(s) whose names are not dates (--since/--until): ${found.notDates.slice(0, 5).join(", ")}${found.notDates.length > 5 ? ", ..." : ""}`);
        }
        paths = found.paths.filter((p) => !invalid.includes(p));
        source = { account: where.account, container: where.container, under: folder, depth, ...(v.match !== undefined ? { match: v.match } : {}), ...(v.since !== undefined ? { since: v.since } : {}), ...(v.until !== undefined ? { until: v.until } : {}) };
        if (paths.length === 0) {
          ctx.err(`No data paths found under ${folder === "" ? "the root" : `${folder}/`} of container ${where.container} (account ${where.account}) at depth ${depth}${v.match !== undefined ? ` matching ${v.match}` : ""}.`);
          return EXIT.failed;
        }
      }
      const limit = concurrency ?? resumed?.concurrency ?? (await pipelineConcurrency(ctx, c, t, requestTimeoutMs));
      if (v["dry-run"]) {
        const states = resumed ? new Map(resumed.paths.map((p) => [p.path, p.state === "failed" && v["skip-failed"] ? "failed (left as it is)" : p.state === "failed" ? "failed (run again)" : p.state])) : undefined;
        ctx.out(`${paths.length} data path${paths.length === 1 ? "" : "s"} in ${datastore}, at most ${limit} at a time:`);
        for (const p of paths) ctx.out(`  ${p}${states ? `  ${states.get(p)}` : ""}`);
        ctx.out("Dry run: nothing started.");
        return EXIT.ok;
      }
      const file = stateFile ?? backfill().defaultStateFile(ctx.cwd, t.env, ctx.clock.now());
      const state = resumed ?? backfill().newState(t, datastore, paths, limit, source, ctx.clock.now());
      const shown = path.relative(ctx.cwd, file) || file;
      const resumeCommand = `aml-datapath backfill ${t.select} --resume ${quote(shown.startsWith("..") ? file : shown)}`;
      return backfill().runBackfill(ctx, c, t, state, {
        stateFile: file,
        concurrency: limit,
        pollMs,
        requestTimeoutMs,
        timeoutMs,
        skipFailed: Boolean(v["skip-failed"]),
        resumeCommand,
        resuming: resumed !== undefined,
      });
    });
  },
};
