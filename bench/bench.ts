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
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const tsNode = require.resolve("ts-node/register");

interface Sample {
  readonly seconds: number;
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
  const maxRssMiB = Number(fs.readFileSync(rssFile, "utf8")) / 1024;
  fs.rmSync(rssFile, { force: true });
  return { seconds, maxRssMiB };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function synth(app: string): Sample {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-out-"));
    samples.push(measure(["--require", tsNode, app], { CDKTF_OUTDIR: outdir }));
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.rmSync(`${outdir}.partial`, { recursive: true, force: true });
  }
  return { seconds: median(samples.map((s) => s.seconds)), maxRssMiB: median(samples.map((s) => s.maxRssMiB)) };
}

function wall(command: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(command, args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "true" } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} failed:\n${r.stdout}\n${r.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

const minimal = synth(path.join(__dirname, "minimal-app.ts"));
const full = synth(path.join(ROOT, "main.ts"));
const tsc = wall(process.execPath, [require.resolve("typescript/bin/tsc"), "--noEmit"]);
const jest = wall(process.execPath, [require.resolve("jest/bin/jest"), "--silent"]);

const timeRatio = full.seconds / minimal.seconds;
const memRatio = full.maxRssMiB / minimal.maxRssMiB;
const ok = (b: boolean) => (b ? "met" : "missed");
const fmt = (n: number, d = 2) => n.toFixed(d);

const report = `# Benchmark results

Measured by \`npm run bench\` (median of ${RUNS} runs per synth; each run a fresh \`node\` process with
ts-node in transpile-only mode, as \`npm run synth\` and \`cdktf synth\` run the app).

Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model.trim() ?? "unknown CPU"}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${os.platform()} ${os.arch()}.

| measurement | time (s) | peak RSS (MiB) |
|---|---|---|
| minimal app: one deep-imported resource group | ${fmt(minimal.seconds)} | ${fmt(minimal.maxRssMiB, 0)} |
| full app: dev, test, prod (${"~"}100 resources each, rule pack, content hashes) | ${fmt(full.seconds)} | ${fmt(full.maxRssMiB, 0)} |
| ratio full / minimal | ${fmt(timeRatio)}x | ${fmt(memRatio)}x |
| \`tsc --noEmit\` | ${fmt(tsc)} | |
| jest suite (wall) | ${fmt(jest)} | |

Targets: full-app synth <= 2x the minimal app in time (${ok(timeRatio <= 2)}) and memory (${ok(memRatio <= 2)});
jest under 60 s on 2 cores (${ok(jest < 60)}).
`;
fs.writeFileSync(path.join(__dirname, "RESULTS.md"), report);
process.stdout.write(report);
