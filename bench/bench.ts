/**
 * npm run bench: in a scratch checkout of the working tree (node_modules linked; the working tree
 * itself is not touched):
 *
 * - synth time and peak memory of the full app (all environments) and of one environment against a
 *   minimal app with one deep-imported resource group, each a compiled app run by plain node;
 * - `npm run synth` as a developer runs it: with no source change, and after a one-file change
 *   (incremental build, the app, the diagrams), next to a synth after a full tsc build (what every
 *   synth did before the build was incremental);
 * - `npm test`: the jest suite (the type check and the Python step tests are two of its files), first
 *   in the fresh checkout, then after a one-file change (the tests' shared build is made afresh) and
 *   with nothing changed.
 *
 * Writes bench/RESULTS.md. Each figure is a median with its range; the machine's load average
 * (1 minute) before each group is recorded, as other work on the machine slows everything down. A
 * benchmark, not a test: it never fails on a missed target. BENCH_RUNS (default 7) runs of each
 * synth, BENCH_TEST_RUNS (default 1) of each `npm test`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkoutOfWorkingTree, linkNodeModules, NPM } from "../scripts/install-routes";

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TEST_RUNS = Number(process.env.BENCH_TEST_RUNS ?? 1);
const SCRATCH = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
const REPO = checkoutOfWorkingTree(path.join(SCRATCH, "repo")).dir;
linkNodeModules(REPO);
process.on("exit", () => fs.rmSync(SCRATCH, { recursive: true, force: true }));

interface Sample {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
}

const clock = () => Number(process.hrtime.bigint()) / 1e9;

function measure(args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const rssFile = path.join(SCRATCH, `rss-${process.pid}`);
  const started = clock();
  const r = spawnSync(process.execPath, ["--require", path.join(__dirname, "max-rss.js"), ...args], {
    cwd: REPO,
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile },
    encoding: "utf8",
  });
  const seconds = clock() - started;
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`);
  const usage = JSON.parse(fs.readFileSync(rssFile, "utf8")) as { maxRSS: number; cpu: number };
  fs.rmSync(rssFile, { force: true });
  return { seconds, cpuSeconds: usage.cpu / 1e6, maxRssMiB: usage.maxRSS / 1024 };
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)];
const fmt = (n: number, d = 2) => n.toFixed(d);
const range = (xs: number[]) => `${fmt(Math.min(...xs))}-${fmt(Math.max(...xs))}`;
const load = () => fmt(os.loadavg()[0]);

// Both apps get Node's on-disk compile cache (main.ts turns it on; the variable does it for both alike).
const COMPILE_CACHE = path.join(SCRATCH, "compile-cache");

function synthOnce(app: string): Sample {
  const outdir = fs.mkdtempSync(path.join(SCRATCH, "out-"));
  try {
    return measure([app], { CDKTF_OUTDIR: outdir, NODE_COMPILE_CACHE: COMPILE_CACHE });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(`${outdir}.partial`, { recursive: true, force: true });
  }
}

interface Summary extends Sample {
  readonly spread: string;
}

const summarize = (xs: Sample[]): Summary => ({
  seconds: median(xs.map((s) => s.seconds)),
  cpuSeconds: median(xs.map((s) => s.cpuSeconds)),
  maxRssMiB: median(xs.map((s) => s.maxRssMiB)),
  spread: range(xs.map((s) => s.seconds)),
});

/** Wall time of a command in the checkout; it must succeed. */
function wall(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { seconds: number; stdout: string; stderr: string } {
  const started = clock();
  const r = spawnSync(command, args, { cwd: REPO, encoding: "utf8", env: { ...process.env, CI: "true", ...env }, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return { seconds: clock() - started, stdout: r.stdout, stderr: r.stderr };
}

// prepare: dist/ from scratch with tsc, as after npm ci.
const prepare = wall(NPM, ["run", "--silent", "prepare"]).seconds;

// --- The compiled apps, interleaved after one warm-up each, so load on the machine hits them alike.
const loadApps = load();
const MINIMAL = path.join(REPO, "dist", "bench", "minimal-app.js");
const FULL = path.join(REPO, "dist", "main.js");
const ONE = path.join(REPO, "dist", "bench", "one-environment-app.js");
synthOnce(MINIMAL);
synthOnce(FULL);
synthOnce(ONE);
const minimalSamples: Sample[] = [];
const fullSamples: Sample[] = [];
const oneSamples: Sample[] = [];
for (let i = 0; i < RUNS; i++) {
  minimalSamples.push(synthOnce(MINIMAL));
  fullSamples.push(synthOnce(FULL));
  oneSamples.push(synthOnce(ONE));
}
const minimal = summarize(minimalSamples);
const full = summarize(fullSamples);
const one = summarize(oneSamples);

// --- npm run synth as a developer runs it (in the checkout: its cdktf.out and docs/architecture).
const loadSynth = load();
const CHANGED = path.join(REPO, "lib", "platform", "alerts.ts");
const original = fs.readFileSync(CHANGED, "utf8");
const synth = () => wall(NPM, ["run", "--silent", "synth"]).seconds;
synth(); // warm-up: the compile cache, the diagrams
const noChange: number[] = [];
const oneFile: number[] = [];
const fullBuild: number[] = [];
for (let i = 0; i < RUNS; i++) {
  noChange.push(synth());
  // A one-file change that builds and synthesizes like any edit (a comment: the output stays the same).
  fs.writeFileSync(CHANGED, `${original}// bench ${i}\n`);
  oneFile.push(synth());
  // A synth after a full tsc build, as every synth was before the build was incremental.
  const started = clock();
  wall(NPM, ["run", "--silent", "prepare"]);
  wall(process.execPath, [path.join("dist", "scripts", "synth.js")]);
  fullBuild.push(clock() - started);
}
fs.writeFileSync(CHANGED, original);
const quiet = wall(NPM, ["run", "--silent", "synth"]);
const synthLines = `${quiet.stderr}${quiet.stdout}`.trim().split("\n").length;

// --- npm test: first in this fresh checkout (cold: no jest transform cache for its paths, no type
// check build info, no shared build), then after a one-file change (the tests' shared build is made
// afresh, as after any source change), then with nothing changed; the type check on its own.
const loadTest = load();
// The tests' shared build of this checkout goes with it.
process.env.AML_DATAPATH_TEST_CACHE = path.join(SCRATCH, "test-cache");
const tscCold = wall(process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit"]).seconds;
const fresh = wall(NPM, ["test", "--silent"]).seconds;
const afterChange: number[] = [];
const unchanged: number[] = [];
let jestLine = "";
for (let i = 0; i < TEST_RUNS; i++) {
  fs.writeFileSync(CHANGED, `${original}// bench test ${i}\n`);
  afterChange.push(wall(NPM, ["test", "--silent"]).seconds);
  const r = wall(NPM, ["test", "--silent"]);
  unchanged.push(r.seconds);
  jestLine = /^Tests: .*$/m.exec(r.stderr)?.[0] ?? "";
}
fs.writeFileSync(CHANGED, original);
const tscIncremental = wall(NPM, ["run", "--silent", "typecheck"]).seconds;

const { environments } = require("../stacks/environments") as typeof import("../stacks/environments");
const timeRatio = full.seconds / minimal.seconds;
const cpuRatio = full.cpuSeconds / minimal.cpuSeconds;
const memRatio = full.maxRssMiB / minimal.maxRssMiB;
const ok = (b: boolean) => (b ? "met" : "missed");

const report = `# Benchmark results

Measured by \`npm run bench\` (bench/bench.ts) in a scratch checkout of the working tree. Medians, with
the wall-time range in brackets; the load average (1 minute) before each group is given, because other
work on the machine slows every figure down.

Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "unknown CPU"}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}.

## The app against a one-resource app

After one warm-up each, ${RUNS} runs of each app, interleaved. Each run is a fresh \`node\` process
running the compiled JavaScript (\`dist/\`, built by \`npm run prepare\`), as \`npm run synth\` runs the
app, both with Node's on-disk compile cache (warm after the warm-up run). Load average before: ${loadApps}.

| measurement | wall time (s) | CPU time (s) | peak RSS (MiB) |
|---|---|---|---|
| minimal app: one deep-imported resource group | ${fmt(minimal.seconds)} [${minimal.spread}] | ${fmt(minimal.cpuSeconds)} | ${fmt(minimal.maxRssMiB, 0)} |
| full app: ${environments.map((e) => e.name).join(", ")} (rule pack, content hashes) | ${fmt(full.seconds)} [${full.spread}] | ${fmt(full.cpuSeconds)} | ${fmt(full.maxRssMiB, 0)} |
| ratio full / minimal | ${fmt(timeRatio)}x | ${fmt(cpuRatio)}x | ${fmt(memRatio)}x |
| one environment (${environments[0].name}) | ${fmt(one.seconds)} [${one.spread}] | ${fmt(one.cpuSeconds)} | ${fmt(one.maxRssMiB, 0)} |
| ratio one environment / minimal | ${fmt(one.seconds / minimal.seconds)}x | ${fmt(one.cpuSeconds / minimal.cpuSeconds)}x | ${fmt(one.maxRssMiB / minimal.maxRssMiB)}x |

Target: full-app synth <= 1.5x the minimal app in time (${ok(timeRatio <= 1.5)}) and memory (${ok(memRatio <= 1.5)}).
Where the time goes (a CPU profile of the full app): loading and compiling ~3.5 MB of provider bindings
(about 30 resource types) and cdktf's token resolution of ${environments.length} stacks. The ratio grows with
the number of environments (the minimal app has one stack): see the one-environment row.

## npm run synth

\`npm run synth\` = \`npm run build\` (scripts/build.cjs: transpiles the sources changed since the last
build) + \`node dist/scripts/synth.js\` (the app, then the diagrams). ${RUNS} runs of each, after one
warm-up. Load average before: ${loadSynth}.

| measurement | wall time (s) | target |
|---|---|---|
| no source change | ${fmt(median(noChange))} [${range(noChange)}] | <= 3 s (${ok(median(noChange) <= 3)}) |
| after a one-file change (lib/platform/alerts.ts) | ${fmt(median(oneFile))} [${range(oneFile)}] | <= 5 s (${ok(median(oneFile) <= 5)}) |
| after a full tsc build of dist/ (\`npm run prepare\`, what every synth did before) | ${fmt(median(fullBuild))} [${range(fullBuild)}] | |
| \`npm run prepare\` once (tsc from scratch, declarations) | ${fmt(prepare)} | |

A synth prints ${synthLines} lines (a summary per environment, the way to the list, one line for the diagrams).

## npm test

\`npm test\` = \`jest\` (${os.cpus().length} workers; the type check, \`npm run typecheck\` = \`tsc --noEmit --incremental\`,
and the Python step tests are two of its files; the tests share one checkout with prepare, npm pack
and a synth, test/shared-build.ts, made afresh when the sources change). Measured with \`npm test
--silent\` in the checkout. Load average before: ${loadTest}.

| measurement | wall time (s) | target |
|---|---|---|
| \`npm test\` the first time in a fresh checkout (cold caches) | ${fmt(fresh)} | |
| \`npm test\` after a one-file change | ${fmt(median(afterChange))} [${range(afterChange)}] | <= 60 s (${ok(median(afterChange) <= 60)}) |
| \`npm test\` with nothing changed | ${fmt(median(unchanged))} [${range(unchanged)}] | <= 60 s (${ok(median(unchanged) <= 60)}) |
| \`tsc --noEmit\` from scratch | ${fmt(tscCold)} | |
| \`npm run typecheck\` (incremental, nothing changed) | ${fmt(tscIncremental)} | |

${jestLine}
`;
fs.writeFileSync(path.join(__dirname, "RESULTS.md"), report);
process.stdout.write(report);
