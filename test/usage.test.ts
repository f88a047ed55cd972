/**
 * What each run processed and cost: `runs` and `status` read the AML job's run history (files,
 * bytes and failures the check step recorded; nodes x time per step) and, with --price, the public
 * Retail Prices API (a fake endpoint here, set the way a user points at a mirror:
 * AML_DATAPATH_PRICES_ENDPOINT), cached for a day under the user's cache folder.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { armError, FakeArm, Reply } from "./fake-arm";
import { cli, FakeClock, SUB, sampleApp, withArm } from "./cli-harness";
import { armSkuName, pickMeter } from "../cli/prices";
import { usageOf } from "../cli/usage";
import { deriveNames } from "../lib/core/naming";
import { dev as devConfig } from "../stacks/environments";

jest.setTimeout(60_000);

const N = deriveNames(devConfig.projectPrefix, devConfig.name, devConfig.nameSuffix ?? "");
const WS = `/subscriptions/${SUB}/resourceGroups/${N.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${N.mlWorkspace}`;
const RUN = "11111111-2222-3333-4444-555555555555";
const app = () => sampleApp([devConfig]);
beforeAll(() => app());

const adfRun = { runId: RUN, pipelineName: "datapath", status: "Succeeded", runStart: "2026-11-24T08:00:00Z", runEnd: "2026-11-24T08:35:00Z", durationInMs: 2_100_000, parameters: { datastore_name: "input_data", relative_path: "parquet/day1" } };
const invoke = { status: 200, body: { value: [{ activityName: "Invoke batch endpoint", activityType: "WebActivity", status: "Succeeded", output: { name: "job-1" }, activityRunStart: "2026-11-24T08:00:05Z" }] } };
// 1 min on 1 node, 30 min on 2 nodes, 30 s on 1 node: 1.025 node-hours.
const children = {
  status: 200,
  body: {
    value: [
      { runId: "p", displayName: "prepare", status: "Completed", startTimeUtc: "2026-11-24T08:00:10Z", endTimeUtc: "2026-11-24T08:01:10Z", computeRequest: { nodeCount: 1 } },
      { runId: "q", displayName: "process", status: "Completed", startTimeUtc: "2026-11-24T08:01:30Z", endTimeUtc: "2026-11-24T08:31:30Z", computeRequest: { nodeCount: 2 } },
      {
        runId: "c",
        displayName: "check",
        status: "Completed",
        startTimeUtc: "2026-11-24T08:31:40Z",
        endTimeUtc: "2026-11-24T08:32:10Z",
        properties: { datapath_files: "1000", datapath_files_ok: "998", datapath_files_failed: "2", datapath_bytes: "104857600" },
      },
    ],
  },
};
/** What the Retail Prices API lists for a VM size in a region: Linux, Windows, Spot and Low Priority meters. */
const PRICE_ITEMS = [
  { armSkuName: "Standard_DS3_v2", armRegionName: "westeurope", productName: "Virtual Machines DSv2 Series Windows", meterName: "DS3 v2", skuName: "DS3 v2", retailPrice: 0.9, currencyCode: "USD", unitOfMeasure: "1 Hour", type: "Consumption" },
  { armSkuName: "Standard_DS3_v2", armRegionName: "westeurope", productName: "Virtual Machines DSv2 Series", meterName: "DS3 v2 Spot", skuName: "DS3 v2 Spot", retailPrice: 0.08, currencyCode: "USD", unitOfMeasure: "1 Hour", type: "Consumption" },
  { armSkuName: "Standard_DS3_v2", armRegionName: "westeurope", productName: "Virtual Machines DSv2 Series", meterName: "DS3 v2 Low Priority", skuName: "DS3 v2 Low Priority", retailPrice: 0.117, currencyCode: "USD", unitOfMeasure: "1 Hour", type: "Consumption" },
  { armSkuName: "Standard_DS3_v2", armRegionName: "westeurope", productName: "Virtual Machines DSv2 Series", meterName: "DS3 v2", skuName: "DS3 v2", retailPrice: 0.585, currencyCode: "USD", unitOfMeasure: "1 Hour", type: "Consumption" },
];
const prices = (): Reply => ({ status: 200, body: { BillingCurrency: "USD", CustomerEntityId: "Default", CustomerEntityType: "Retail", Items: PRICE_ITEMS, NextPageLink: null, Count: PRICE_ITEMS.length } });

type Handlers = ConstructorParameters<typeof FakeArm>[0];
const handlers = (more: Handlers = {}): Handlers => ({
  queryPipelineRuns: () => ({ status: 200, body: { value: [adfRun] } }),
  getRun: () => ({ status: 200, body: adfRun }),
  queryActivityRuns: () => invoke,
  jobChildren: () => children,
  retailPrices: prices,
  ...more,
});

/** The CLI in the sample app against a stand-in; `cache` is the user's cache folder (XDG_CACHE_HOME). */
async function against(h: Handlers, args: string[], cache: string, clock = new FakeClock(), env: Record<string, string | undefined> = {}) {
  const arm = new FakeArm(h);
  let result!: Awaited<ReturnType<typeof cli>>;
  await withArm(arm, async (a) => {
    result = await cli(args, { arm: a, cwd: app(), clock, env: { XDG_CACHE_HOME: cache, ...env } });
  });
  return { ...result, arm };
}

let cache: string;
beforeEach(() => (cache = fs.mkdtempSync(path.join(os.tmpdir(), "aml-datapath-cache-"))));
afterEach(() => fs.rmSync(cache, { recursive: true, force: true }));

describe("runs and status: what each run processed and its compute", () => {
  test("runs --price: an EST. COST column (node-hours x the Linux pay-as-you-go price of the stack's VM size in its region), labelled an estimate", async () => {
    const r = await against(handlers(), ["runs", "--env", "dev", "--price"], cache);
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.arm.calls("jobChildren").map((c) => c.path)).toEqual([`/history/v1.0${WS}/runs/job-1/children`]);
    // The price list is asked once, without a token, for the cluster's size (ARM's spelling) and region, pay-as-you-go.
    const asked = r.arm.calls("retailPrices");
    expect(asked).toHaveLength(1);
    expect(asked[0].headers.authorization).toBeUndefined();
    expect(new URLSearchParams(asked[0].query).get("$filter")).toBe("serviceName eq 'Virtual Machines' and armRegionName eq 'westeurope' and armSkuName eq 'Standard_DS3_v2' and priceType eq 'Consumption'");
    const lines = r.out.split("\n");
    expect(lines[0]).toMatch(/^START \(UTC\)\s+DURATION\s+STATUS\s+DATA PATH\s+FILES\s+FAILED\s+BYTES\s+NODE-H\s+EST\. COST\s+RUN ID$/);
    // 1.025 node-hours x 0.585 USD (not the Windows, Spot or Low Priority meter).
    expect(lines[1]).toMatch(/^2026-11-24 08:00:00\s+2100s\s+Succeeded\s+input_data:parquet\/day1\s+1000\s+2\s+100\.0 MiB\s+1\.025\s+0\.600 USD\s+11111111-/);
    expect(lines[2]).toBe(
      "EST. COST is an estimate: NODE-H x 0.585 USD/node-hour, Standard_DS3_v2 pay-as-you-go Linux in westeurope (Azure Retail Prices); list prices for the VMs only (no discounts, disks, network or storage).",
    );
  });

  test("the price is cached for a day in the user's cache folder, then asked again", async () => {
    const clock = new FakeClock();
    const first = await against(handlers(), ["runs", "--env", "dev", "--price"], cache, clock);
    expect(first.arm.calls("retailPrices")).toHaveLength(1);
    expect(fs.readdirSync(path.join(cache, "aml-datapath"))).toEqual(["price-westeurope-standard_ds3_v2-dedicated.json"]);
    clock.advance(23 * 3600_000);
    const second = await against(handlers({ retailPrices: () => ({ status: 500 }) }), ["runs", "--env", "dev", "--price"], cache, clock);
    expect(second.arm.calls("retailPrices")).toHaveLength(0);
    expect(second.out).toContain("0.600 USD");
    expect(second.out).toContain("(Azure Retail Prices, cached)");
    clock.advance(2 * 3600_000);
    const third = await against(handlers(), ["runs", "--env", "dev", "--price"], cache, clock);
    expect(third.arm.calls("retailPrices")).toHaveLength(1);
  });

  test.each([
    ["an error", { retailPrices: (): Reply => ({ status: 503, body: { error: "down" } }) }, {}, "the Retail Prices API answered HTTP 503"],
    ["offline", {}, { AML_DATAPATH_PRICES_ENDPOINT: "https://127.0.0.1:9/api/retail/prices" }, "the Retail Prices API could not be reached"],
    ["no meter for the size", { retailPrices: (): Reply => ({ status: 200, body: { Items: PRICE_ITEMS.slice(0, 3), NextPageLink: null } }) }, {}, "no pay-as-you-go Linux price for Standard_DS3_v2 in westeurope"],
  ])("--price with %s: says so and shows node-hours only (exit 0)", async (_name, more, env, why) => {
    const r = await against(handlers(more), ["runs", "--env", "dev", "--price"], cache, new FakeClock(), env);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).not.toContain("EST. COST");
    expect(r.out).toMatch(/\s1\.025\s/);
    expect(r.out).toContain(`No cost estimate (${why}`);
    expect(r.out).toContain("node-hours only.");
    expect(fs.existsSync(path.join(cache, "aml-datapath"))).toBe(false);
  });

  test("runs --json --price: every field, the estimate and what it is based on", async () => {
    const r = await against(handlers(), ["runs", "--env", "dev", "--price", "--json"], cache);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json).toEqual({
      environment: "dev",
      pipeline: "datapath",
      factory: N.dataFactory,
      runs: [
        {
          runId: RUN,
          status: "Succeeded",
          start: "2026-11-24T08:00:00.000Z",
          end: "2026-11-24T08:35:00.000Z",
          durationMs: 2_100_000,
          datastore: "input_data",
          path: "parquet/day1",
          amlJob: "job-1",
          files: 1000,
          filesOk: 998,
          filesFailed: 2,
          bytes: 104857600,
          nodeHours: 1.025,
          steps: [
            { step: "prepare", status: "Completed", nodes: 1, seconds: 60, nodeHours: 0.016667 },
            { step: "process", status: "Completed", nodes: 2, seconds: 1800, nodeHours: 1 },
            { step: "check", status: "Completed", nodes: 1, seconds: 30, nodeHours: 0.008333 },
          ],
          estimatedCost: 0.599625,
        },
      ],
      price: { estimate: true, perNodeHour: 0.585, currency: "USD", vmSize: "Standard_DS3_v2", region: "westeurope", lowPriority: false, meter: "DS3 v2", product: "Virtual Machines DSv2 Series", cached: false },
    });
  });

  test("status --price: the run's files, compute and estimated cost", async () => {
    const r = await against(handlers(), ["status", RUN, "--env", "dev", "--price"], cache);
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("files: 1000 (2 failed), 100.0 MiB");
    expect(r.out).toContain("compute: 1.025 node-hours (prepare: 1 node x 1m00s, process: 2 nodes x 30m00s, check: 1 node x 30s), AML job job-1");
    expect(r.out).toContain("estimated cost: 0.600 USD (an estimate: 0.585 USD/node-hour, Standard_DS3_v2 pay-as-you-go Linux in westeurope (Azure Retail Prices))");
    const json = JSON.parse((await against(handlers(), ["status", RUN, "--env", "dev", "--json"], cache)).out);
    expect(json).toMatchObject({ runId: RUN, files: 1000, filesFailed: 2, bytes: 104857600, nodeHours: 1.025, estimatedCost: null });
    expect(json.price).toBeUndefined();
  });

  test("without access to run history: the runs still list, usage '-', and one line says why", async () => {
    const r = await against(handlers({ jobChildren: () => ({ status: 403, body: armError("AuthorizationFailed", "no") }) }), ["runs", "--env", "dev"], cache);
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[1]).toMatch(/Succeeded\s+input_data:parquet\/day1\s+-\s+-\s+-\s+-\s+11111111-/);
    expect(r.out).toContain("Usage not known for 1 run: run history not readable (HTTP 403");
  });

  test("a run that never reached AML: no job, said so", async () => {
    const r = await against(handlers({ queryActivityRuns: () => ({ status: 200, body: { value: [] } }) }), ["status", RUN, "--env", "dev"], cache);
    expect(r.code).toBe(0);
    expect(r.out).toContain("usage: not known (no AML job (the run did not invoke the endpoint))");
    expect(r.arm.calls("jobChildren")).toHaveLength(0);
  });
});

describe("pieces", () => {
  test.each([
    ["STANDARD_DS3_V2", "Standard_DS3_v2"],
    ["standard_d4s_v3", "Standard_D4s_v3"],
    ["Standard_NC6s_v3", "Standard_NC6s_v3"],
    ["STANDARD_E8DS_V5", "Standard_E8ds_v5"],
    ["Standard_F4s_v2", "Standard_F4s_v2"],
  ])("ARM's spelling of a VM size: %s -> %s", (given, arm) => {
    expect(armSkuName(given)).toBe(arm);
  });

  test("the meter: Linux pay-as-you-go for a dedicated cluster, Low Priority for a low-priority one, never Spot or Windows", () => {
    expect(pickMeter(PRICE_ITEMS, { vmSize: "STANDARD_DS3_V2", region: "westeurope", lowPriority: false })?.retailPrice).toBe(0.585);
    expect(pickMeter(PRICE_ITEMS, { vmSize: "STANDARD_DS3_V2", region: "westeurope", lowPriority: true })?.retailPrice).toBe(0.117);
    expect(pickMeter(PRICE_ITEMS, { vmSize: "STANDARD_DS3_V2", region: "northeurope", lowPriority: false })).toBeUndefined();
  });

  test("usage: nodes from computeRequest, else compute.instanceCount, else 1; a running step counts up to now", () => {
    const now = Date.parse("2026-11-24T09:00:00Z");
    const u = usageOf(
      "job",
      [
        { displayName: "a", status: "Completed", startTimeUtc: "2026-11-24T08:00:00Z", endTimeUtc: "2026-11-24T08:30:00Z", compute: { instanceCount: 4, vmSize: "STANDARD_D2_V2", priority: "LowPriority", region: "eastus" } },
        { displayName: "b", status: "Running", startTimeUtc: "2026-11-24T08:30:00Z" },
        { displayName: "c", status: "NotStarted" },
      ],
      now,
    );
    expect(u.steps.map((s) => [s.step, s.nodes, s.seconds])).toEqual([
      ["a", 4, 1800],
      ["b", 1, 1800],
      ["c", 1, 0],
    ]);
    expect(u.nodeHours).toBe(2.5);
    expect(u.steps[0]).toMatchObject({ vmSize: "STANDARD_D2_V2", lowPriority: true, region: "eastus" });
    expect(u.files).toBeUndefined();
  });
});
