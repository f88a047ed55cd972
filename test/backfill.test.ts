/**
 * `aml-datapath backfill` against the stand-in, which here plays a small Data Factory: every
 * createRun makes a run that is InProgress until it has been looked at a few times, then Succeeded
 * (or Failed, for the paths told to fail); its activity runs name an AML job whose run history
 * carries the check step's summary; queryPipelineRuns lists the runs with their parameters; and
 * List Blobs serves a container's folders. The fake counts the runs in progress at every start, so
 * the concurrency bound is checked where it matters: in Data Factory.
 */
import * as fs from "fs";
import * as path from "path";
import { armError, FakeArm, RecordedRequest, Reply } from "./fake-arm";
import { cli, FakeClock, SUB, sampleApp, withArm } from "./cli-harness";
import { folderPeriod, globToRegExp, matchLevels, parseListing } from "../cli/blobs";
import type { BackfillState } from "../cli/backfill";
import { deriveNames } from "../lib/core/naming";
import { dev as devConfig } from "../stacks/environments";

jest.setTimeout(60_000);

const N = deriveNames(devConfig.projectPrefix, devConfig.name, devConfig.nameSuffix ?? "");
const FACTORY = `/subscriptions/${SUB}/resourceGroups/${N.resourceGroup}/providers/Microsoft.DataFactory/factories/${N.dataFactory}`;
const app = () => sampleApp([devConfig]);
beforeAll(() => app());

const runIdOf = (n: number) => `00000000-0000-0000-0000-${String(n).padStart(12, "0")}`;
type Handlers = ConstructorParameters<typeof FakeArm>[0];

interface SimRun {
  readonly id: string;
  readonly path: string;
  readonly job: string;
  readonly start: number;
  status: string;
  polls: number;
}

/** A small Data Factory (and the AML jobs its runs start) behind the stand-in. */
class FakeFactory {
  readonly runs: SimRun[] = [];
  /** Runs in progress right after each start: the bound is checked on it. */
  readonly inProgressAtStart: number[] = [];
  readonly created = new Map<string, number>();
  /** Paths whose runs fail (in the prepare step). */
  fail = new Set<string>();
  /** Paths whose first start request creates the run but never answers. */
  hangOnce = new Set<string>();
  /** Paths whose first start request creates the run but answers 500. */
  lostOnce = new Set<string>();
  /** Runs never end. */
  endless = false;

  constructor(
    private readonly clock: FakeClock,
    /** Looks until a path's run ends (by default 1-3, varying by path). */
    private readonly looks: (path: string) => number = (p) => 1 + (p.length % 3),
  ) {}

  inProgress(): number {
    return this.runs.filter((r) => r.status === "InProgress").length;
  }

  private create(p: string): SimRun {
    const n = this.runs.length + 1;
    const run: SimRun = { id: runIdOf(n), path: p, job: `job-${n}`, start: this.clock.now(), status: "InProgress", polls: 0 };
    this.runs.push(run);
    this.created.set(p, (this.created.get(p) ?? 0) + 1);
    this.inProgressAtStart.push(this.inProgress());
    return run;
  }

  private body(r: SimRun) {
    return {
      runId: r.id,
      pipelineName: "datapath",
      status: r.status,
      runStart: new Date(r.start).toISOString(),
      durationInMs: r.status === "InProgress" ? null : 60_000 * (r.polls + 1),
      parameters: { relative_path: r.path, datastore_name: "input_data" },
    };
  }

  private byRun(q: RecordedRequest): SimRun {
    const id = /pipelineruns\/([^/]+)/.exec(q.path)![1];
    return this.runs.find((r) => r.id === id)!;
  }

  handlers(more: Handlers = {}): Handlers {
    return {
      createRun: (q) => {
        const p = (q.body as { relative_path: string }).relative_path;
        const run = this.create(p);
        if (this.hangOnce.delete(p)) return { status: 200, hang: true };
        if (this.lostOnce.delete(p)) return { status: 500, body: armError("InternalServerError", "try again") };
        return { status: 200, body: { runId: run.id } };
      },
      getRun: (q) => {
        const r = this.byRun(q);
        r.polls++;
        if (!this.endless && r.status === "InProgress" && r.polls >= this.looks(r.path)) r.status = this.fail.has(r.path) ? "Failed" : "Succeeded";
        return { status: 200, body: this.body(r) };
      },
      queryActivityRuns: (q) => {
        const r = this.byRun(q);
        const invoke = { activityName: "Invoke batch endpoint", activityType: "WebActivity", status: "Succeeded", output: { name: r.job }, activityRunStart: new Date(r.start).toISOString() };
        const fail = { activityName: "Fail run", activityType: "Fail", status: "Failed", error: { message: `AML job ${r.job} ended with status Failed` }, activityRunStart: new Date(r.start + 1000).toISOString() };
        return { status: 200, body: { value: r.status === "Failed" ? [invoke, fail] : [invoke] } };
      },
      jobChildren: (q) => {
        const r = this.runs.find((x) => q.path.endsWith(`/runs/${x.job}/children`))!;
        const at = (s: number) => new Date(r.start + s * 1000).toISOString();
        if (r.status === "Failed") return { status: 200, body: { value: [{ runId: `${r.job}-prepare`, displayName: "prepare", status: "Failed", startTimeUtc: at(10), endTimeUtc: at(40) }] } };
        const files = 10 + r.path.length;
        return {
          status: 200,
          body: {
            value: [
              { runId: `${r.job}-prepare`, displayName: "prepare", status: "Completed", startTimeUtc: at(10), endTimeUtc: at(40), computeRequest: { nodeCount: 1 } },
              {
                runId: `${r.job}-check`,
                displayName: "check",
                status: "Completed",
                startTimeUtc: at(100),
                endTimeUtc: at(130),
                properties: { datapath_files: String(files), datapath_files_ok: String(files), datapath_files_failed: "0", datapath_bytes: String(files * 1024) },
              },
            ],
          },
        };
      },
      runDetails: () => ({ status: 200, body: { status: "Failed", error: { error: { message: "no .parquet files found under /mnt/input" } } } }),
      queryPipelineRuns: () => ({ status: 200, body: { value: this.runs.map((r) => this.body(r)) } }),
      ...more,
    };
  }
}

/** List Blobs over a set of blob names (two prefixes a page, to exercise NextMarker). */
function blobList(names: readonly string[], pageSize = 2) {
  return (q: RecordedRequest): Reply => {
    const query = new URLSearchParams(q.query);
    if (query.get("restype") !== "container" || query.get("comp") !== "list" || query.get("delimiter") !== "/") return { status: 400, body: "bad list request" };
    const prefix = query.get("prefix") ?? "";
    const folders = [...new Set(names.filter((n) => n.startsWith(prefix) && n.slice(prefix.length).includes("/")).map((n) => `${prefix}${n.slice(prefix.length).split("/")[0]}/`))].sort();
    const from = Number(query.get("marker") ?? "0");
    const page = folders.slice(from, from + pageSize);
    const next = from + pageSize < folders.length ? `<NextMarker>${from + pageSize}</NextMarker>` : "<NextMarker />";
    const body = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="https://x/" ContainerName="input-data"><Prefix>${prefix}</Prefix><Delimiter>/</Delimiter><Blobs>${page
      .map((p) => `<BlobPrefix><Name>${p.replace(/&/g, "&amp;")}</Name></BlobPrefix>`)
      .join("")}<Blob><Name>${prefix}file.parquet</Name><Properties /></Blob></Blobs>${next}</EnumerationResults>`;
    return { status: 200, text: { body, contentType: "application/xml" } };
  };
}

const TREE = [
  "parquet/2026-10-31/a.parquet",
  "parquet/2026-11-01/a.parquet",
  "parquet/2026-11-02/a.parquet",
  "parquet/2026-11-02/b.parquet",
  "parquet/2026-11-03/a.parquet",
  "parquet/notes/readme.txt",
  "parquet/top.parquet",
  "events/year=2025/month=12/a.parquet",
  "events/year=2026/month=10/a.parquet",
  "events/year=2026/month=11/a.parquet",
  "other/x.parquet",
];

let cwd: string;
beforeEach(() => {
  // The working directory (where the state file goes) is a folder of the sample app.
  cwd = fs.mkdtempSync(path.join(app(), "backfill-"));
});
afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

async function against(handlers: Handlers, args: string[], more: Parameters<typeof cli>[1] = {}) {
  const arm = new FakeArm(handlers);
  let result!: Awaited<ReturnType<typeof cli>>;
  await withArm(arm, async (a) => {
    result = await cli(args, { arm: a, cwd, ...more });
  });
  return { ...result, arm };
}

const stateFiles = () => fs.readdirSync(cwd).filter((f) => f.endsWith(".json"));
const readState = (file: string) => JSON.parse(fs.readFileSync(path.join(cwd, file), "utf8")) as BackfillState;

describe("backfill: which data paths", () => {
  test("--dry-run: the sub-folders of --under in the input datastore's container, with their count; nothing started, no state file", async () => {
    const r = await against({ listBlobs: blobList(TREE) }, ["backfill", "--env", "dev", "--under", "parquet", "--dry-run"]);
    expect(r.arm.unexpected).toEqual([]);
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.out.split("\n")).toEqual([
      "5 data paths in input_data, at most 4 at a time:",
      "  parquet/2026-10-31",
      "  parquet/2026-11-01",
      "  parquet/2026-11-02",
      "  parquet/2026-11-03",
      "  parquet/notes",
      "Dry run: nothing started.",
    ]);
    // The stack's storage account and container, signed in for storage (the stand-in checks the token), paged by NextMarker.
    const lists = r.arm.calls("listBlobs");
    expect(lists.map((c) => c.path)).toEqual(Array(3).fill("/stamldpdev/input-data"));
    expect(lists.map((c) => new URLSearchParams(c.query).get("marker"))).toEqual([null, "2", "4"]);
    expect(new URLSearchParams(lists[0].query).get("prefix")).toBe("parquet/");
    expect(lists[0].headers["x-ms-version"]).toBe("2021-08-06");
    expect(r.arm.calls("createRun")).toEqual([]);
    expect(stateFiles()).toEqual([]);
  });

  test("--since/--until keep the folders whose names are dates in the range (inclusive), and say which were not dates", async () => {
    const r = await against({ listBlobs: blobList(TREE) }, ["backfill", "--env", "dev", "--under", "parquet", "--since", "2026-11-01", "--until", "2026-11-02", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("2 data paths in input_data");
    expect(r.out).toContain("  parquet/2026-11-01\n  parquet/2026-11-02\nDry run");
    expect(r.err).toBe("Left out 1 folder(s) whose names are not dates (--since/--until): parquet/notes");
  });

  test("--depth 2 with --match per level prunes the listing; --since keeps a month folder that overlaps the range", async () => {
    const r = await against({ listBlobs: blobList(TREE, 100) }, ["backfill", "--env", "dev", "--under", "events", "--depth", "2", "--match", "year=2026/*", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("  events/year=2026/month=10\n  events/year=2026/month=11\nDry run");
    // year=2025 was not listed: the first level's pattern left it out.
    expect(r.arm.calls("listBlobs").map((c) => new URLSearchParams(c.query).get("prefix"))).toEqual(["events/", "events/year=2026/"]);
    const since = await against({ listBlobs: blobList(TREE, 100) }, ["backfill", "--env", "dev", "--under", "events", "--depth", "2", "--since", "2026-11-15", "--dry-run"]);
    expect(since.out).toContain("1 data path in input_data");
    expect(since.out).toContain("  events/year=2026/month=11\n");
    const one = await against({ listBlobs: blobList(TREE, 100) }, ["backfill", "--env", "dev", "--under", "/", "--match", "e*", "--dry-run"]);
    expect(one.out).toContain("1 data path in input_data, at most 4 at a time:\n  events\n");
  });

  test("a listing the identity may not read: exit 5 with the role to ask for, nothing started", async () => {
    const denied = (): Reply => ({
      status: 403,
      headers: { "x-ms-error-code": "AuthorizationPermissionMismatch" },
      text: { body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code><Message>no</Message></Error>', contentType: "application/xml" },
    });
    const r = await against({ listBlobs: denied }, ["backfill", "--env", "dev", "--under", "parquet"]);
    expect(r.code).toBe(5);
    expect(r.err).toBe(
      'Access denied (HTTP 403 AuthorizationPermissionMismatch) listing container input-data of storage account stamldpdev: the signed-in identity needs the "Storage Blob Data Reader" role on the container (or the account), and the account\'s firewall must admit this network.',
    );
    expect(r.arm.calls("createRun")).toEqual([]);
    expect(stateFiles()).toEqual([]);
  });

  test("--paths-from: the file's lines (comments, blanks and repeats left out); a bad line is a usage error before anything is sent", async () => {
    fs.writeFileSync(path.join(cwd, "paths.txt"), "# November\nparquet/a\n\nparquet/b\nparquet/a\n");
    const r = await against({}, ["backfill", "--env", "dev", "--paths-from", "paths.txt", "--dry-run", "--concurrency", "2"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("2 data paths in input_data, at most 2 at a time:\n  parquet/a\n  parquet/b\nDry run: nothing started.");
    expect(r.arm.requests).toEqual([]);
    fs.writeFileSync(path.join(cwd, "bad.txt"), "parquet/a\n../etc\n");
    const bad = await cli(["backfill", "--env", "dev", "--paths-from", "bad.txt"], { cwd });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`--paths-from "bad.txt": line 2: "../etc" must not contain '.' or '..' segments`);
  });

  test.each([
    [["backfill", "--env", "dev"], "backfill needs --under <path>, --paths-from <file> or --resume <state file>"],
    [["backfill", "--env", "dev", "--under", "a", "--paths-from", "f"], "--under and --paths-from cannot be used together"],
    [["backfill", "--env", "dev", "--paths-from", "f", "--depth", "2"], "--depth goes with --under"],
    [["backfill", "--env", "dev", "--under", "a", "--depth", "0"], `--depth "0" must be a whole number from 1 to 10`],
    [["backfill", "--env", "dev", "--under", "a", "--since", "2026-13-01"], `--since "2026-13-01" must be a date, YYYY-MM-DD`],
    [["backfill", "--env", "dev", "--under", "a", "--since", "2026-11-02", "--until", "2026-11-01"], "--since 2026-11-02 is after --until 2026-11-01"],
    [["backfill", "--env", "dev", "--under", "a", "--depth", "2", "--match", "a/b/c"], `--match "a/b/c" has 3 segments`],
    [["backfill", "--env", "dev", "--under", "../a"], `--under "../a" must not contain '.' or '..' segments`],
    [["backfill", "--env", "dev", "--under", "a", "--concurrency", "many"], `--concurrency "many" must be a whole number from 1 to 200`],
    [["backfill", "--env", "dev", "--under", "a", "--skip-failed"], "--skip-failed goes with --resume"],
    [["backfill", "--env", "dev", "--resume", "nope.json"], `--resume "nope.json": no such file`],
  ])("input is checked before any request: %j", async (args, message) => {
    const r = await cli(args, { cwd });
    expect([r.code, r.out]).toEqual([2, ""]);
    expect(r.err).toContain(message);
  });
});

describe("backfill: running them", () => {
  const paths = (n: number) => Array.from({ length: n }, (_, i) => `parquet/2026-11-${String(i + 1).padStart(2, "0")}`);
  const tree = (n: number) => paths(n).map((p) => `${p}/a.parquet`);

  test("one run per path, never more than --concurrency in progress, a line per change with the running total, a table at the end, exit 0", async () => {
    const clock = new FakeClock();
    const adf = new FakeFactory(clock);
    const r = await against(adf.handlers({ listBlobs: blobList(tree(7), 100) }), ["backfill", "--env", "dev", "--under", "parquet", "--concurrency", "3", "--state", "nov.json"], { clock });
    expect(r.arm.unexpected).toEqual([]);
    expect([r.code, r.err]).toEqual([0, ""]);
    // Every path started once, with its path and the input datastore as parameters, in the environment's factory.
    expect([...adf.created.values()]).toEqual(Array(7).fill(1));
    expect(r.arm.calls("createRun").map((c) => [c.path, c.body])).toEqual(paths(7).map((p) => [`${FACTORY}/pipelines/datapath/createRun`, { relative_path: p, datastore_name: "input_data" }]));
    // The bound, counted in the factory: three at a time, never four.
    expect(Math.max(...adf.inProgressAtStart)).toBe(3);
    expect(r.out).toMatch(/^Backfill of 7 data paths on datapath in adf-amldp-dev \(input_data\), at most 3 at a time\. State: nov\.json$/m);
    expect(r.out).toMatch(/^\+0s parquet\/2026-11-01: started run 0{8}-0{4}-0{4}-0{4}-0{11}1 \| 0\/7 done, 0 failed, 1 running$/m);
    expect(r.out).toMatch(/^\+0s parquet\/2026-11-03: started run .* \| 0\/7 done, 0 failed, 3 running$/m);
    expect(r.out).toMatch(/^\+\d+s parquet\/2026-11-0\d: succeeded in \d+s, \d+ files \(0 failed\), [\d.]+ KiB \| 1\/7 done, 0 failed, 2 running$/m);
    expect(r.out).toContain("7/7 done, 0 failed, 0 running. State: nov.json");
    // The table: path, status, duration, files, failures, run id.
    const table = r.out.split("\n").filter((l) => /^(PATH|parquet\/\S+ +succeeded)/.test(l));
    expect(table[0]).toMatch(/^PATH\s+STATUS\s+DURATION\s+FILES\s+FAILURES\s+RUN ID$/);
    expect(table[1]).toMatch(/^parquet\/2026-11-01\s+succeeded\s+\d+s\s+28\s+0\s+0{8}-0{4}-0{4}-0{4}-0{11}1$/);
    expect(table).toHaveLength(8);
    // The state file: every path succeeded, with its run id and usage; nothing else left in the folder.
    expect(fs.readdirSync(cwd)).toEqual(["nov.json"]);
    const state = readState("nov.json");
    expect(state).toMatchObject({ format: "aml-datapath-backfill/1", env: "dev", adfPipeline: "datapath", factoryId: FACTORY, datastore: "input_data", concurrency: 3, outcome: "done" });
    expect(state.source).toEqual({ account: "stamldpdev", container: "input-data", under: "parquet", depth: 1 });
    expect(state.paths.map((p) => [p.path, p.state, p.runId, p.attempts, p.amlJob, p.files])).toEqual(
      paths(7).map((p, i) => [p, "succeeded", runIdOf(i + 1), 1, `job-${i + 1}`, 28]),
    );
  });

  test("the state file is written at each change, before the line that reports it", async () => {
    const clock = new FakeClock();
    const adf = new FakeFactory(clock);
    const seen: string[] = [];
    const r = await against(adf.handlers({ listBlobs: blobList(tree(3), 100) }), ["backfill", "--env", "dev", "--under", "parquet", "--concurrency", "2", "--state", "s.json"], {
      clock,
      onOut: (l) => {
        const m = /^\+\d+s (\S+): (started run (\S+)|succeeded)/.exec(l);
        if (!m) return;
        const p = readState("s.json").paths.find((x) => x.path === m[1])!;
        seen.push(`${m[1]} ${p.state}${m[3] ? ` ${p.runId === m[3]}` : ""}`);
      },
    });
    expect(r.code).toBe(0);
    expect(seen.sort()).toEqual(["parquet/2026-11-01 started true", "parquet/2026-11-01 succeeded", "parquet/2026-11-02 started true", "parquet/2026-11-02 succeeded", "parquet/2026-11-03 started true", "parquet/2026-11-03 succeeded"]);
  });

  test("throttling: a 429 on a start is waited out as Azure asks (nothing created meanwhile), a 503 on the listing retried", async () => {
    const clock = new FakeClock();
    const adf = new FakeFactory(clock);
    const h = adf.handlers();
    const list = blobList(tree(2), 100);
    const r = await against(
      {
        ...h,
        listBlobs: (q, n) => (n === 1 ? { status: 503, body: "busy" } : list(q)),
        createRun: (q, n) => (n === 1 ? { status: 429, headers: { "retry-after": "7" }, body: armError("TooManyRequests", "slow down") } : h.createRun!(q, n)),
      },
      ["backfill", "--env", "dev", "--under", "parquet", "--state", "s.json"],
      { clock },
    );
    expect(r.code).toBe(0);
    expect(r.arm.calls("listBlobs")).toHaveLength(2);
    expect(r.err).toBe("throttled, retrying in 7 s");
    expect(clock.sleeps[0]).toBe(7000);
    expect([...adf.created.values()]).toEqual([1, 1]);
  });

  test("without --concurrency: the ADF pipeline's concurrency from the stack (4)", async () => {
    const clock = new FakeClock();
    const adf = new FakeFactory(clock, () => 3);
    const r = await against(adf.handlers({ listBlobs: blobList(tree(9), 100) }), ["backfill", "--env", "dev", "--under", "parquet"], { clock });
    expect(r.code).toBe(0);
    expect(Math.max(...adf.inProgressAtStart)).toBe(4);
    expect(adf.runs).toHaveLength(9);
    // The default state file, named after the environment and the time.
    expect(stateFiles()).toEqual(["backfill-dev-20261125-100000Z.json"]);
  });

  test("a failed run: its failing step's message in the progress, the table and the state; exit 1 and the command that runs it again", async () => {
    const clock = new FakeClock();
    const adf = new FakeFactory(clock);
    adf.fail.add("parquet/2026-11-02");
    const r = await against(adf.handlers({ listBlobs: blobList(tree(3), 100) }), ["backfill", "--env", "dev", "--under", "parquet", "--state", "s.json"], { clock });
    expect(r.arm.unexpected).toEqual([]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^\+\d+s parquet\/2026-11-02: failed: step prepare Failed: no \.parquet files found under \/mnt\/input \| \d\/3 done, 1 failed, \d running$/m);
    expect(r.out).toMatch(/^parquet\/2026-11-02\s+failed\s+\d+s\s+-\s+-\s+0{8}-/m);
    expect(r.out).toContain("Failures:\n  parquet/2026-11-02: step prepare Failed: no .parquet files found under /mnt/input");
    expect(r.err).toBe("1 data path failed. Run them again with: aml-datapath backfill --env dev --resume s.json");
    expect(readState("s.json").paths.map((p) => p.state)).toEqual(["succeeded", "failed", "succeeded"]);
    // --resume --skip-failed leaves it failed (nothing started); --resume alone runs it again, and only it.
    const skip = await against(adf.handlers(), ["backfill", "--env", "dev", "--resume", "s.json", "--skip-failed"], { clock });
    expect(skip.code).toBe(1);
    expect(skip.arm.calls("createRun")).toEqual([]);
    adf.fail.clear();
    const again = await against(adf.handlers(), ["backfill", "--env", "dev", "--resume", "s.json"], { clock });
    expect(again.code).toBe(0);
    expect(again.arm.calls("createRun").map((c) => (c.body as { relative_path: string }).relative_path)).toEqual(["parquet/2026-11-02"]);
    expect(again.out).toContain("3 data paths on datapath in adf-amldp-dev (input_data), at most 4 at a time: 2 succeeded before, 0 failed left as they are, 0 to re-attach, 1 to start.");
    expect(readState("s.json").paths.map((p) => [p.state, p.attempts])).toEqual([
      ["succeeded", 1],
      ["succeeded", 2],
      ["succeeded", 1],
    ]);
  });

  test("Ctrl-C, then --resume: runs in progress re-attached, the one whose start got no answer found by its parameters, no path started twice", async () => {
    const clock = new FakeClock();
    const adf = new FakeFactory(clock, () => 4);
    // The 4th start request creates its run, but Ctrl-C comes before its answer.
    adf.hangOnce.add("parquet/2026-11-04");
    const controller = new AbortController();
    const arm = new FakeArm(adf.handlers({ listBlobs: blobList(tree(6), 100) }));
    await withArm(arm, async (a) => {
      const pending = cli(["backfill", "--env", "dev", "--under", "parquet", "--concurrency", "4", "--state", "s.json"], { arm: a, cwd, clock, controller });
      await arm.received("createRun", 4);
      controller.abort();
      const r = await pending;
      expect(r.code).toBe(130);
      expect(r.err).toContain("Interrupted (Ctrl-C): nothing more is started.");
      expect(r.err).toContain("4 runs keep running in Data Factory.");
      expect(r.err).toContain("Resume with: aml-datapath backfill --env dev --resume s.json");
      const state = readState("s.json");
      expect(state.outcome).toBe("interrupted");
      expect(state.paths.map((p) => [p.path, p.state, p.runId])).toEqual([
        ["parquet/2026-11-01", "started", runIdOf(1)],
        ["parquet/2026-11-02", "started", runIdOf(2)],
        ["parquet/2026-11-03", "started", runIdOf(3)],
        ["parquet/2026-11-04", "starting", undefined],
        ["parquet/2026-11-05", "pending", undefined],
        ["parquet/2026-11-06", "pending", undefined],
      ]);
      // The table printed on the way out shows them as they are.
      expect(r.out).toMatch(/^parquet\/2026-11-04\s+starting\s+-\s+-\s+-\s+-$/m);

      const resumed = await cli(["backfill", "--env", "dev", "--resume", "s.json"], { arm: a, cwd, clock });
      expect(arm.unexpected).toEqual([]);
      expect([resumed.code, resumed.err]).toEqual([0, ""]);
      expect(resumed.out).toContain("0 succeeded before, 0 failed left as they are, 4 to re-attach, 2 to start.");
      expect(resumed.out).toMatch(/parquet\/2026-11-04: found run 0{8}-0{4}-0{4}-0{4}-0{11}4 \(InProgress\), started by the request whose answer was lost/);
      expect(resumed.out).toMatch(/parquet\/2026-11-01: re-attached to run 0{8}-0{4}-0{4}-0{4}-0{11}1 \(InProgress\)/);
      // Six paths, six runs: nothing started twice, and still never more than four at a time.
      expect([...adf.created.entries()]).toEqual(paths(6).map((p) => [p, 1]));
      expect(Math.max(...adf.inProgressAtStart)).toBeLessThanOrEqual(4);
      const body = arm.calls("queryPipelineRuns")[0].body as { filters: unknown };
      expect(body.filters).toEqual([{ operand: "PipelineName", operator: "Equals", values: ["datapath"] }]);
      expect(readState("s.json").paths.every((p) => p.state === "succeeded")).toBe(true);
    });
  });

  test("a start answered 500: the run is looked up by its parameters before starting again (found: attached; not found: started again)", async () => {
    const clock = new FakeClock();
    const adf = new FakeFactory(clock, () => 2);
    adf.lostOnce.add("parquet/2026-11-01");
    const r = await against(adf.handlers({ listBlobs: blobList(tree(2), 100) }), ["backfill", "--env", "dev", "--under", "parquet", "--state", "s.json"], { clock });
    expect(r.code).toBe(0);
    expect(r.out).toContain("parquet/2026-11-01: no clear answer to the start request (Azure request failed (HTTP 500)");
    expect(r.out).toMatch(/parquet\/2026-11-01: found run 0{8}-0{4}-0{4}-0{4}-0{11}1 \(InProgress\)/);
    expect([...adf.created.values()]).toEqual([1, 1]);
    // Lost without a run (the 500 created nothing): started again after the look-up finds none.
    const adf2 = new FakeFactory(clock, () => 1);
    const lost = adf2.handlers({ listBlobs: blobList(tree(1), 100) });
    const create = lost.createRun!;
    lost.createRun = (q, n) => (n === 1 ? { status: 502, body: armError("BadGateway", "gateway") } : create(q, n));
    const r2 = await against(lost, ["backfill", "--env", "dev", "--under", "parquet", "--state", "t.json"], { clock });
    expect(r2.code).toBe(0);
    expect(r2.out).toContain("parquet/2026-11-01: no run was started by the request whose answer was lost; starting it again");
    expect(r2.arm.calls("createRun")).toHaveLength(2);
    expect(adf2.runs).toHaveLength(1);
  });

  test("a permission error on the first start: exit 5 at once, nothing started, the resume command printed", async () => {
    const clock = new FakeClock();
    const adf = new FakeFactory(clock);
    const r = await against(adf.handlers({ listBlobs: blobList(tree(3), 100), createRun: () => ({ status: 403, body: armError("AuthorizationFailed", "denied") }) }), ["backfill", "--env", "dev", "--under", "parquet", "--state", "s.json"], { clock });
    expect(r.code).toBe(5);
    expect(r.arm.calls("createRun")).toHaveLength(1);
    expect(r.err).toContain('needs the "Data Factory Contributor" role on the factory');
    expect(r.err).toContain("Resume with: aml-datapath backfill --env dev --resume s.json");
    expect(readState("s.json").paths.map((p) => [p.state, p.attempts])).toEqual(Array(3).fill(["pending", 0]));
  });

  test("--timeout: exit 3, the runs keep running, the resume command printed", async () => {
    const clock = new FakeClock();
    const adf = new FakeFactory(clock);
    adf.endless = true;
    const r = await against(adf.handlers({ listBlobs: blobList(tree(3), 100) }), ["backfill", "--env", "dev", "--under", "parquet", "--state", "s.json", "--timeout", "60", "--poll", "20"], { clock });
    expect(r.code).toBe(3);
    expect(r.err).toContain("Stopped after 60s (--timeout): nothing more is started.");
    expect(r.err).toContain("3 runs keep running in Data Factory.");
    expect(r.err).toContain("Resume with: aml-datapath backfill --env dev --resume s.json");
    expect(readState("s.json").outcome).toBe("timeout");
  });

  test("--resume --dry-run: what resuming would do to each path, nothing sent", async () => {
    const state = {
      format: "aml-datapath-backfill/1",
      env: "dev",
      pipelineName: "datapath",
      factoryId: FACTORY,
      adfPipeline: "datapath",
      datastore: "input_data",
      source: {},
      concurrency: 2,
      createdAt: "2026-11-25T10:00:00Z",
      updatedAt: "2026-11-25T10:05:00Z",
      outcome: "running",
      paths: [
        { path: "a", state: "succeeded", runId: runIdOf(1), attempts: 1 },
        { path: "b", state: "failed", runId: runIdOf(2), message: "boom", attempts: 1 },
        { path: "c", state: "started", runId: runIdOf(3), attempts: 1 },
        { path: "d", state: "pending", attempts: 0 },
      ],
    };
    fs.writeFileSync(path.join(cwd, "s.json"), JSON.stringify(state));
    const r = await against({}, ["backfill", "--env", "dev", "--resume", "s.json", "--dry-run", "--skip-failed"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("4 data paths in input_data, at most 2 at a time:\n  a  succeeded\n  b  failed (left as it is)\n  c  started\n  d  pending\nDry run: nothing started.");
    expect(r.arm.requests).toEqual([]);
    expect(JSON.parse(fs.readFileSync(path.join(cwd, "s.json"), "utf8"))).toEqual(state);
  });

  test("a state file of another environment's factory is refused", async () => {
    const state = { format: "aml-datapath-backfill/1", env: "prod", pipelineName: "datapath", factoryId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.DataFactory/factories/adf-prod", adfPipeline: "datapath", datastore: "input_data", source: {}, concurrency: 2, createdAt: "2026-11-25T10:00:00Z", updatedAt: "2026-11-25T10:00:00Z", outcome: "interrupted", paths: [{ path: "a", state: "pending", attempts: 0 }] };
    fs.writeFileSync(path.join(cwd, "prod.json"), JSON.stringify(state));
    const r = await cli(["backfill", "--env", "dev", "--resume", "prod.json"], { cwd });
    expect(r.code).toBe(2);
    expect(r.err).toContain("records a backfill of datapath in /subscriptions/x/resourceGroups/rg/providers/Microsoft.DataFactory/factories/adf-prod (environment prod)");
  });
});

describe("pieces", () => {
  test("globs: * and ? within a segment, classes, the rest literal", () => {
    expect(globToRegExp("2026-1?-*").test("2026-11-01")).toBe(true);
    expect(globToRegExp("2026-1?-*").test("2026-1-01")).toBe(false);
    expect(globToRegExp("[ab]x.y").test("bx.y")).toBe(true);
    expect(globToRegExp("[!ab]x").test("ax")).toBe(false);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
    expect(matchLevels("x*", 3).map((r) => r?.source)).toEqual([undefined, undefined, "^x[^/]*$"]);
  });

  test.each([
    ["2026-11-01", "2026-11-01", "2026-11-01"],
    ["20261101", "2026-11-01", "2026-11-01"],
    ["2026/11/01", "2026-11-01", "2026-11-01"],
    ["year=2026/month=11/day=01", "2026-11-01", "2026-11-01"],
    ["2026-11", "2026-11-01", "2026-11-30"],
    ["2024/02", "2024-02-01", "2024-02-29"],
    ["2026", "2026-01-01", "2026-12-31"],
  ])("a folder named %s is the period %s..%s", (name, from, to) => {
    const p = folderPeriod(name)!;
    expect([new Date(p.start).toISOString().slice(0, 10), new Date(p.end).toISOString().slice(0, 10)]).toEqual([from, to]);
  });

  test.each(["notes", "2026-13-01", "2026-02-30", "2026-11-01-old", "x2026"])("%s is not a date", (name) => {
    expect(folderPeriod(name)).toBeUndefined();
  });

  test("a listing's folder names are decoded (entities, percent-encoded names)", () => {
    expect(parseListing('<Blobs><BlobPrefix><Name>a&amp;b/</Name></BlobPrefix><BlobPrefix><Name Encoded="true">c%0Ad/</Name></BlobPrefix></Blobs><NextMarker>m&lt;</NextMarker>')).toEqual({
      prefixes: ["a&b/", "c\nd/"],
      next: "m<",
    });
  });
});
