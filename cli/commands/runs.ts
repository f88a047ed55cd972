/** `aml-datapath runs`: the latest runs of the environment's pipeline. */
import { requestSignal, UsageError } from "../context";
import { fmtDuration } from "../follow";
import { Command, EXIT } from "../help";
import { REQUEST_TIMEOUT, SELECT, seconds, str } from "../options";
import { target, withAzure } from "./common";

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

export const command: Command = {
  summary: "list the latest runs of the environment's pipeline",
  options: {
    ...SELECT,
    last: { type: "string", value: "<n>", help: "how many runs, 1-100 (default 10)", synopsis: "optional" },
    "request-timeout": REQUEST_TIMEOUT,
  },
  azure: true,
  async run(ctx, args) {
    const given = str(args.values.last);
    const last = given === undefined ? 10 : Number(given);
    if (!Number.isInteger(last) || last < 1 || last > 100 || given?.trim() === "") throw new UsageError(`--last "${given}" must be a whole number from 1 to 100`);
    const requestTimeoutMs = seconds("request-timeout", args.values["request-timeout"], 60, 0.1);
    const t = await target(ctx, args);
    return withAzure(ctx, t, requestTimeoutMs, async (c) => {
      const now = ctx.clock.now();
      const result = await c.factory.pipelineRuns.queryByFactory(
        t.resourceGroup,
        t.factory,
        {
          lastUpdatedAfter: new Date(now - 30 * 24 * 3600_000),
          lastUpdatedBefore: new Date(now + 3600_000),
          filters: [{ operand: "PipelineName", operator: "Equals", values: [t.pipeline] }],
          orderBy: [{ orderBy: "RunStart", order: "DESC" }],
        },
        { abortSignal: requestSignal(ctx, requestTimeoutMs) },
      );
      const rows = result.value.slice(0, last).map((r) => [
        r.runStart ? new Date(r.runStart).toISOString().replace("T", " ").slice(0, 19) : "-",
        fmtDuration(r.durationInMs) || "-",
        r.status ?? "-",
        `${r.parameters?.datastore_name ?? "?"}:${r.parameters?.relative_path ?? "?"}`,
        r.runId ?? "-",
      ]);
      ctx.out(table([["START (UTC)", "DURATION", "STATUS", "DATA PATH", "RUN ID"], ...rows]));
      return EXIT.ok;
    });
  },
};
