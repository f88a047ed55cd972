/** `aml-datapath runs`: the latest runs of the environment's pipeline, with what each processed and the compute it used. */
import type { PipelineRun } from "@azure/arm-datafactory";
import type { Clients } from "../azure";
import { Context, requestSignal, UsageError } from "../context";
import { fmtDuration } from "../follow";
import { Command, EXIT } from "../help";
import { JSON_OUTPUT, REQUEST_TIMEOUT, SELECT, seconds, str } from "../options";
import type { Price } from "../prices";
import type { Target } from "../target";
import type { RunUsage } from "../usage";
import { target, withAzure } from "./common";

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}

const usageModule = (): typeof import("../usage") => require("../usage") as typeof import("../usage");
const pricesModule = (): typeof import("../prices") => require("../prices") as typeof import("../prices");

export const PRICE_OPTION = {
  type: "boolean",
  help: "add an estimated cost: node-hours x the VM size's hourly list price (Azure Retail\nPrices API, no sign-in; cached a day); an estimate, not a bill",
  synopsis: "optional",
} as const;

/** What the usage columns are, for the help. */
export const USAGE_NOTES = `Usage columns, from the AML job's records in run history (batch-endpoint style): FILES, FAILED
and BYTES as the check step recorded them (run properties datapath_files, datapath_files_failed,
datapath_bytes); NODE-H the compute: per step, nodes (computeRequest.nodeCount) x its time
running (endTimeUtc - startTimeUtc), summed. "-" when not known (no access to the workspace's run
history, a run that never reached AML, or a job from before the check step recorded its summary).
--price reads AML_DATAPATH_PRICES_ENDPOINT (default https://prices.azure.com/api/retail/prices).`;

/** The estimated price for the target, or why there is none (the usages give the VM size when the stack does not). */
export async function priceFor(ctx: Context, c: Clients, t: Target, usages: readonly RunUsage[], requestTimeoutMs: number): Promise<{ price?: Price; error?: string }> {
  const p = pricesModule();
  const q = p.priceQueryOf(t, usages.flatMap((u) => u.usage?.steps ?? []));
  if (!q) return { error: "the cluster's VM size is not known (not in the stack, not in run history)" };
  const found = await p.vmPrice(ctx, c, q, () => requestSignal(ctx, requestTimeoutMs));
  return "error" in found ? { error: found.error } : { price: found };
}

/** Runs `f` on every item, at most `limit` at a time, keeping the order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** One run as `runs --json` writes it. */
export function runJson(r: PipelineRun, u: RunUsage, price: Price | undefined): Record<string, unknown> {
  const usage = u.usage;
  return {
    runId: r.runId ?? null,
    status: r.status ?? null,
    start: r.runStart ? new Date(r.runStart).toISOString() : null,
    end: r.runEnd ? new Date(r.runEnd).toISOString() : null,
    durationMs: r.durationInMs ?? null,
    datastore: r.parameters?.datastore_name ?? null,
    path: r.parameters?.relative_path ?? null,
    amlJob: u.job ?? null,
    files: usage?.files ?? null,
    filesOk: usage?.filesOk ?? null,
    filesFailed: usage?.filesFailed ?? null,
    bytes: usage?.bytes ?? null,
    nodeHours: usage ? Number(usage.nodeHours.toFixed(6)) : null,
    steps: usage?.steps.map((s) => ({ step: s.step, status: s.status, nodes: s.nodes, seconds: Math.round(s.seconds), nodeHours: Number(s.nodeHours.toFixed(6)) })) ?? [],
    estimatedCost: usage && price ? Number((usage.nodeHours * price.perHour).toFixed(6)) : null,
    ...(u.note ? { usageNote: u.note } : {}),
  };
}

/** The estimate's own JSON: what it is based on. */
export const priceJson = (price: Price | undefined, error: string | undefined, asked: boolean): Record<string, unknown> =>
  !asked ? {} : price ? { price: { estimate: true, perNodeHour: price.perHour, currency: price.currency, vmSize: price.armSkuName, region: price.region, lowPriority: price.lowPriority, meter: price.meter, product: price.product, cached: price.fromCache } } : { price: null, priceError: error };

export const command: Command = {
  summary: "list the latest runs of the environment's pipeline, with what each processed and its compute",
  options: {
    ...SELECT,
    last: { type: "string", value: "<n>", help: "how many runs, 1-100 (default 10)", synopsis: "optional" },
    price: PRICE_OPTION,
    json: JSON_OUTPUT,
    "request-timeout": REQUEST_TIMEOUT,
  },
  notes: USAGE_NOTES,
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
      const runs = result.value.slice(0, last);
      const u = usageModule();
      const usages = await mapLimit(runs, 4, (r) =>
        r.runId ? u.usageOfRun(c, t, r.runId, r.runStart ? new Date(r.runStart) : undefined, now, () => requestSignal(ctx, requestTimeoutMs)) : Promise.resolve<RunUsage>({ note: "no run id" }),
      );
      const { price, error } = args.values.price ? await priceFor(ctx, c, t, usages, requestTimeoutMs) : {};
      if (args.values.json) {
        ctx.out(JSON.stringify({ environment: t.env, pipeline: t.pipeline, factory: t.factory, runs: runs.map((r, i) => runJson(r, usages[i], price)), ...priceJson(price, error, Boolean(args.values.price)) }, null, 2));
        return EXIT.ok;
      }
      const withPrice = Boolean(args.values.price && price);
      const rows = runs.map((r, i) => {
        const usage = usages[i].usage;
        return [
          r.runStart ? new Date(r.runStart).toISOString().replace("T", " ").slice(0, 19) : "-",
          fmtDuration(r.durationInMs) || "-",
          r.status ?? "-",
          `${r.parameters?.datastore_name ?? "?"}:${r.parameters?.relative_path ?? "?"}`,
          usage?.files === undefined ? "-" : String(usage.files),
          usage?.filesFailed === undefined ? "-" : String(usage.filesFailed),
          u.fmtBytes(usage?.bytes),
          u.fmtNodeHours(usage?.nodeHours),
          ...(withPrice ? [usage && price ? pricesModule().fmtMoney(usage.nodeHours * price.perHour, price.currency) : "-"] : []),
          r.runId ?? "-",
        ];
      });
      const head = ["START (UTC)", "DURATION", "STATUS", "DATA PATH", "FILES", "FAILED", "BYTES", "NODE-H", ...(withPrice ? ["EST. COST"] : []), "RUN ID"];
      ctx.out(table([head, ...rows]));
      const unknown = usages.filter((x) => x.note && !x.usage);
      if (unknown.length > 0) ctx.out(`Usage not known for ${unknown.length} run${unknown.length === 1 ? "" : "s"}: ${[...new Set(unknown.map((x) => x.note))].join("; ")}.`);
      if (args.values.price) {
        ctx.out(
          price
            ? `EST. COST is an estimate: NODE-H x ${pricesModule().priceBasis(price)}; list prices for the VMs only (no discounts, disks, network or storage).`
            : `No cost estimate (${error}): node-hours only.`,
        );
      }
      return EXIT.ok;
    });
  },
};
