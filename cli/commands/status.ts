/** `aml-datapath status <run id>`: one run, and follow it with --follow. */
import { GUID_PATTERN } from "../../lib/core/arm";
import { requestSignal, UsageError } from "../context";
import { fmtDuration, follow } from "../follow";
import { Command, EXIT } from "../help";
import { POLL, REQUEST_TIMEOUT, SELECT, TIMEOUT } from "../options";
import { portalLink } from "../target";
import { target, withAzure } from "./common";
import { followOptions } from "./run";

/** The run id argument of status and cancel: a GUID. */
export function runIdOf(command: string, positionals: readonly string[]): string {
  const runId = positionals[0];
  if (!runId || !GUID_PATTERN.test(runId)) throw new UsageError(`${command} needs a run id (a GUID), got ${runId === undefined ? "none" : `"${runId}"`}`);
  return runId;
}

export const command: Command = {
  summary: "show one run (and follow it with --follow)",
  positionals: { usage: "<run id>", max: 1 },
  options: {
    ...SELECT,
    follow: { type: "boolean", help: "keep watching until the run ends", synopsis: "optional" },
    poll: POLL,
    timeout: TIMEOUT,
    "request-timeout": REQUEST_TIMEOUT,
  },
  azure: true,
  async run(ctx, args) {
    const runId = runIdOf("status", args.positionals);
    const o = followOptions(args.values);
    const t = await target(ctx, args);
    return withAzure(ctx, t, o.requestTimeoutMs, async (c) => {
      if (args.values.follow) return follow(ctx, c, t, runId, o);
      const run = await c.factory.pipelineRuns.get(t.resourceGroup, t.factory, runId, { abortSignal: requestSignal(ctx, o.requestTimeoutMs) });
      const p = run.parameters ?? {};
      ctx.out(`${run.runId} ${run.status} ${p.datastore_name ?? ""}:${p.relative_path ?? ""} ${fmtDuration(run.durationInMs)}`.trim());
      if (run.message) ctx.out(run.message);
      ctx.out(`Portal: ${portalLink(t, runId)}`);
      return run.status === "Failed" || run.status === "Cancelled" ? EXIT.failed : EXIT.ok;
    });
  },
};
