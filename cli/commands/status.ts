/** `aml-datapath status <run id>`: one run (what it processed and its compute), and follow it with --follow. */
import { GUID_PATTERN } from "../../lib/core/arm";
import { requestSignal, UsageError } from "../context";
import { fmtDuration, follow } from "../follow";
import { Command, EXIT } from "../help";
import { JSON_OUTPUT, POLL, REQUEST_TIMEOUT, SELECT, TIMEOUT } from "../options";
import { portalLink } from "../target";
import { target, withAzure } from "./common";
import { followOptions } from "./run";
import { PRICE_OPTION, priceFor, priceJson, runJson, USAGE_NOTES } from "./runs";

/** The run id argument of status and cancel: a GUID. */
export function runIdOf(command: string, positionals: readonly string[]): string {
  const runId = positionals[0];
  if (!runId || !GUID_PATTERN.test(runId)) throw new UsageError(`${command} needs a run id (a GUID), got ${runId === undefined ? "none" : `"${runId}"`}`);
  return runId;
}

export const command: Command = {
  summary: "show one run, what it processed and its compute (and follow it with --follow)",
  positionals: { usage: "<run id>", max: 1 },
  options: {
    ...SELECT,
    follow: { type: "boolean", help: "keep watching until the run ends", synopsis: "optional" },
    price: PRICE_OPTION,
    json: JSON_OUTPUT,
    poll: POLL,
    timeout: TIMEOUT,
    "request-timeout": REQUEST_TIMEOUT,
  },
  notes: USAGE_NOTES.replace("Usage columns", "What it processed and its compute"),
  azure: true,
  async run(ctx, args) {
    const runId = runIdOf("status", args.positionals);
    const o = followOptions(args.values);
    if (args.values.follow && (args.values.json || args.values.price)) throw new UsageError("--follow shows progress: use --json and --price without it, once the run has ended");
    const t = await target(ctx, args);
    return withAzure(ctx, t, o.requestTimeoutMs, async (c) => {
      if (args.values.follow) return follow(ctx, c, t, runId, o);
      const signal = () => requestSignal(ctx, o.requestTimeoutMs);
      const run = await c.factory.pipelineRuns.get(t.resourceGroup, t.factory, runId, { abortSignal: signal() });
      const code = run.status === "Failed" || run.status === "Cancelled" ? EXIT.failed : EXIT.ok;
      const u = require("../usage") as typeof import("../usage");
      const now = ctx.clock.now();
      const usage = await u.usageOfRun(c, t, runId, run.runStart ? new Date(run.runStart) : undefined, now, signal);
      const { price, error } = args.values.price ? await priceFor(ctx, c, t, [usage], o.requestTimeoutMs) : {};
      if (args.values.json) {
        ctx.out(JSON.stringify({ environment: t.env, pipeline: t.pipeline, factory: t.factory, ...runJson(run, usage, price), ...priceJson(price, error, Boolean(args.values.price)) }, null, 2));
        return code;
      }
      const p = run.parameters ?? {};
      ctx.out(`${run.runId} ${run.status} ${p.datastore_name ?? ""}:${p.relative_path ?? ""} ${fmtDuration(run.durationInMs)}`.trim());
      if (run.message) ctx.out(run.message);
      const x = usage.usage;
      if (x) {
        const files = x.files === undefined ? "not recorded by the check step" : `${x.files} (${x.filesFailed ?? "?"} failed), ${u.fmtBytes(x.bytes)}`;
        ctx.out(`files: ${files}`);
        ctx.out(`compute: ${u.fmtNodeHours(x.nodeHours)} node-hours${x.steps.length > 0 ? ` (${u.fmtSteps(x.steps)})` : ""}, AML job ${x.job}`);
      } else {
        ctx.out(`usage: not known (${usage.note})`);
      }
      if (args.values.price) {
        const money = require("../prices") as typeof import("../prices");
        ctx.out(price && x ? `estimated cost: ${money.fmtMoney(x.nodeHours * price.perHour, price.currency)} (an estimate: ${money.priceBasis(price)})` : `estimated cost: none (${error ?? "no usage"}): node-hours only`);
      }
      ctx.out(`Portal: ${portalLink(t, runId)}`);
      return code;
    });
  },
};
