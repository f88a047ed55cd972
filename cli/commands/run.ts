/** `aml-datapath run`: start a run on a data path, and follow it with --follow. */
import { NAME_RULES } from "../../lib/core/naming";
import { relativePathProblem } from "../../lib/core/validation";
import { Context, requestSignal, sleep, UsageError } from "../context";
import { follow } from "../follow";
import { Args, Command, EXIT } from "../help";
import { POLL, REQUEST_TIMEOUT, SELECT, seconds, str, TIMEOUT } from "../options";
import type { Clients } from "../azure";
import { portalLink, Target, targetOptions } from "../target";
import { target, withAzure } from "./common";

export function checkPath(path: string | undefined): string {
  if (path === undefined) throw new UsageError("--path is required: the folder to process, relative to the datastore (e.g. parquet/offerpath2)");
  const problem = relativePathProblem(path);
  if (problem) throw new UsageError(`--path "${path}" ${problem}`);
  return path;
}

export function checkDatastore(name: string): string {
  if (!NAME_RULES.mlDatastore.pattern.test(name)) throw new UsageError(`--datastore "${name}" ${NAME_RULES.mlDatastore.rule}`);
  return name;
}

/** --poll, --timeout and --request-timeout, checked. */
export function followOptions(values: Args["values"]): { pollMs: number; timeoutMs: number; requestTimeoutMs: number } {
  return {
    requestTimeoutMs: seconds("request-timeout", values["request-timeout"], 60, 0.1),
    pollMs: seconds("poll", values.poll, 15, 0.05),
    timeoutMs: seconds("timeout", values.timeout, 12 * 3600, 0.1),
  };
}

/**
 * Creating a run is not idempotent, so it is never re-sent automatically, except when Azure answers
 * 429: then nothing was created, and the request is repeated after the Retry-After Azure asked for.
 */
export async function honourRetryAfter<T>(ctx: Context, send: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await send();
    } catch (e) {
      const err = e as { statusCode?: number; response?: { headers: { get(name: string): string | undefined } } };
      if (err.statusCode !== 429 || i >= attempts || ctx.signal.aborted) throw e;
      const header = err.response?.headers.get("retry-after");
      const s = header !== undefined && /^\d+$/.test(header) ? Number(header) : header ? Math.max(0, (Date.parse(header) - ctx.clock.now()) / 1000) : 2 ** i;
      const wait = Number.isFinite(s) ? s : 2 ** i;
      ctx.err(`throttled, retrying in ${Math.ceil(wait)} s`);
      await sleep(ctx, wait * 1000);
    }
  }
}

/**
 * Starts one run of the target's ADF pipeline on a data path: the route `run` and `backfill` share
 * (never re-sent, except after a 429 as Azure asks).
 */
export async function startRun(ctx: Context, c: Clients, t: Target, path: string, datastore: string, requestTimeoutMs: number): Promise<string> {
  const { runId } = await honourRetryAfter(ctx, () =>
    c.factoryNoRetry.pipelines.createRun(t.resourceGroup, t.factory, t.pipeline, {
      parameters: { relative_path: path, datastore_name: datastore },
      abortSignal: requestSignal(ctx, requestTimeoutMs),
    }),
  );
  return runId;
}

export const command: Command = {
  summary: "start a run on a data path (and follow it with --follow)",
  options: {
    ...SELECT,
    path: { type: "string", value: "<path>", help: "folder to process, relative to the datastore (e.g. parquet/offerpath2)", synopsis: "required" },
    datastore: { type: "string", value: "<name>", help: "datastore the path is in (default: the environment's input datastore)", synopsis: "optional" },
    follow: { type: "boolean", help: "show progress until the run ends; the exit code says how it ended", synopsis: "optional" },
    poll: POLL,
    timeout: TIMEOUT,
    "request-timeout": REQUEST_TIMEOUT,
  },
  azure: true,
  async run(ctx, args) {
    const { values } = args;
    // Every argument is checked before the environment's subscription is looked up or Azure is called.
    const o = followOptions(values);
    const path = checkPath(str(values.path));
    if (values.datastore !== undefined) checkDatastore(String(values.datastore));
    const t = await target(ctx, args);
    const datastore = checkDatastore(str(values.datastore) ?? t.defaultDatastore);
    let kind: "create" | "read" = "create";
    try {
      return await withAzure(
        ctx,
        t,
        o.requestTimeoutMs,
        async (c) => {
          const runId = await startRun(ctx, c, t, path, datastore, o.requestTimeoutMs);
          kind = "read";
          ctx.out(`Started run ${runId} of ${t.pipeline} in ${t.factory} on ${datastore}:${path}`);
          ctx.out(`Portal: ${portalLink(t, runId)}`);
          return values.follow ? follow(ctx, c, t, runId, o) : EXIT.ok;
        },
        () => kind,
      );
    } catch (e) {
      if (kind !== "create" || !ctx.signal.aborted) throw e;
      ctx.err(`Interrupted while starting the run: it may still have started; check \`aml-datapath runs ${targetOptions(t)}\` before starting it again.`);
      return EXIT.interrupted;
    }
  },
};
