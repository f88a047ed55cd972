/**
 * npm run bench: synth time and peak memory of the full app (all environments) against a minimal
 * app with one deep-imported resource group, plus `tsc --noEmit` and the jest suite's wall time.
 * Writes bench/RESULTS.md. A benchmark, not a test: it never fails on a missed target.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

interface Sample {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssMiB: number;
}

function measure(args: string[], env: NodeJS.ProcessEnv = {}): Sample {
  const rssFile = path.join(os.tmpdir(), `bench-rss-${process.pid}`);
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ["--require", path.join(__dirname, "max-rss.js"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, BENCH_RSS_FILE: rssFile },
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(" ")} failed:\n${r.stderr}`);
  const usage = JSON.parse(fs.readFileSync(rssFile, "utf8")) as { maxRSS: number; cpu: number };
  fs.rmSync(rssFile, { force: true });
  return { seconds, cpuSeconds: usage.cpu / 1e6, maxRssMiB: usage.maxRSS / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Both apps get Node's on-disk compile cache (main.ts turns it on; the variable does it for both alike).
const COMPILE_CACHE = fs.mkdtempSync(path.join(os.tmpdir(), "bench-compile-cache-"));

function synthOnce(app: string): Sample {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-out-"));
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
  spread: `${Math.min(...xs.map((s) => s.seconds)).toFixed(2)}-${Math.max(...xs.map((s) => s.seconds)).toFixed(2)}`,
});

function wall(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "true" } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

// Both apps run as compiled JavaScript, as \`npm run synth\` runs this one (one build first).
wall(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"]);
const MINIMAL = path.join(ROOT, "dist", "bench", "minimal-app.js");
const FULL = path.join(ROOT, "dist", "main.js");
const ONE = path.join(ROOT, "dist", "bench", "one-environment-app.js");
// Interleaved after one warm-up each, so load on the machine hits both alike.
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
const { environments } = require("../stacks/environments") as typeof import("../stacks/environments");
const tsc = wall(process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit"]);
const jest = wall(process.execPath, [require.resolve("jest/bin/jest"), "--silent"]);

const timeRatio = full.seconds / minimal.seconds;
const cpuRatio = full.cpuSeconds / minimal.cpuSeconds;
const memRatio = full.maxRssMiB / minimal.maxRssMiB;
const ok = (b: boolean) => (b ? "met" : "missed");
const fmt = (n: number, d = 2) => n.toFixed(d);

const report = `# Benchmark results

Measured by \`npm run bench\`: after one warm-up each, ${RUNS} runs of each app, interleaved; medians
(wall-time range in brackets). Each run is a fresh \`node\` process running the compiled JavaScript
(\`dist/\`, built once by \`tsc -p tsconfig.build.json\`), as \`npm run synth\` runs the app, both with
Node's on-disk compile cache (warm after the warm-up run).

Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "unknown CPU"}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}.

| measurement | wall time (s) | CPU time (s) | peak RSS (MiB) |
|---|---|---|---|
| minimal app: one deep-imported resource group | ${fmt(minimal.seconds)} [${minimal.spread}] | ${fmt(minimal.cpuSeconds)} | ${fmt(minimal.maxRssMiB, 0)} |
| full app: ${environments.map((e) => e.name).join(", ")} (${"~"}130 resources each, rule pack, content hashes) | ${fmt(full.seconds)} [${full.spread}] | ${fmt(full.cpuSeconds)} | ${fmt(full.maxRssMiB, 0)} |
| ratio full / minimal | ${fmt(timeRatio)}x | ${fmt(cpuRatio)}x | ${fmt(memRatio)}x |
| one environment (${environments[0].name}) | ${fmt(one.seconds)} [${one.spread}] | ${fmt(one.cpuSeconds)} | ${fmt(one.maxRssMiB, 0)} |
| ratio one environment / minimal | ${fmt(one.seconds / minimal.seconds)}x | ${fmt(one.cpuSeconds / minimal.cpuSeconds)}x | ${fmt(one.maxRssMiB / minimal.maxRssMiB)}x |
| \`tsc --noEmit\` | ${fmt(tsc)} | | |
| jest suite (wall) | ${fmt(jest)} | | |

Targets: full-app synth <= 1.5x the minimal app in time (${ok(timeRatio <= 1.5)}) and memory (${ok(memRatio <= 1.5)});
jest under 60 s on 2 cores (${ok(jest < 60)}).

Where the time goes (a CPU profile of the full app): loading and compiling ~3.5 MB of provider bindings
(about 30 resource types) and cdktf's token resolution of ${environments.length} stacks. Measures taken: compiled
JavaScript instead of ts-node, Node's compile cache, no stack trace captured per token (cdktf records
one for each), memoised rule attributes. The ratio grows with the number of environments (the
minimal app has one stack): see the one-environment row.
`;
fs.writeFileSync(path.join(__dirname, "RESULTS.md"), report);
process.stdout.write(report);
