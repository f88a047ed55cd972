/**
 * `npm run mutation [-- <part>...]`: mutation testing with StrykerJS (stryker.config.mjs), one run per
 * part so a finished part is kept even when a later one is stopped. A part is a folder of the
 * mutated code (lib/core, lib/platform, lib/pipeline, lib/aspects, stacks, cli) or one file. Each part
 * (or several joined with commas, measured in one run) keeps its own incremental file in mutation/, so a rerun after a small change tests only the
 * mutants whose code or covering tests changed. Then prints the score per folder (docs/mutation.md).
 * Needs Node >= 22 (StrykerJS 10). Not part of `npm test` or CI: the whole run takes hours on 2 cores.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { isSample, MUTATION_PARTS, MutationReport, outOfSample, scoreTable, seedSample, survivors } from "./mutation-report";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseSample, incrementalKey } = require("./mutation-sample.cjs") as {
  parseSample: (text: string) => { rates: Record<string, number>; seed: number };
  incrementalKey: (part: string, sample?: string) => string;
};

const root = path.join(__dirname, "..");
const args = process.argv.slice(2);
const summaryOnly = args.includes("--summary");
// --sample=<rates>: test a random sample of each part's mutants, e.g. --sample=lib=0.06,stacks=0.2,cli=0.05
// (scripts/mutation-sample.cjs); one rate ("--sample=0.1") applies to every folder.
const sampleArg = args.find((a) => a.startsWith("--sample="));
const sample = sampleArg?.slice("--sample=".length);
if (sample !== undefined) {
  try {
    parseSample(sample);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
}
// --summary: only print the scores of the parts already measured; --survivors: list what survived.
const parts = args.filter((a) => !a.startsWith("--"));
for (const part of parts.flatMap((p) => p.split(","))) {
  if (!MUTATION_PARTS.includes(part) && !fs.existsSync(path.join(root, part))) {
    console.error(`unknown part ${JSON.stringify(part)}: name one of ${MUTATION_PARTS.join(", ")} or a file`);
    process.exit(2);
  }
}
if (!summaryOnly) {
  for (const part of parts.length > 0 ? parts : MUTATION_PARTS) {
    console.log(`=== ${part} ===`);
    if (sample !== undefined) seedFromEarlierRuns(part, sample);
    const run = spawnSync("npx", ["stryker", "run"], { cwd: root, stdio: "inherit", env: { ...process.env, MUTATION_PART: part, MUTATION_SAMPLE: sample ?? "" } });
    if (run.status !== 0) {
      console.error(`stryker failed on ${part} (exit ${run.status})`);
      process.exit(1);
    }
    recordFinished(incrementalKey(part, sample), part, sample);
  }
}
/**
 * A new sample starts from the results one earlier run has for its mutants, in the files whose source
 * is unchanged since (a result is only valid for the code and positions it was measured on). Files and
 * test list come from the same report: Stryker numbers tests per report.
 */
function seedFromEarlierRuns(part: string, sampleText: string): void {
  const dir = path.join(root, "mutation");
  const target = path.join(dir, `${incrementalKey(part, sampleText)}.json`);
  if (fs.existsSync(target) || !fs.existsSync(dir)) return;
  const { rates, seed } = parseSample(sampleText);
  const inPart = (file: string) => part.split(",").some((p) => file === p || file.startsWith(`${p.replace(/\/$/, "")}/`));
  // Each project file is read once, however many reports hold it.
  const current = new Map<string, string | undefined>();
  const sourceNow = (file: string) => {
    if (!current.has(file)) current.set(file, fs.existsSync(path.join(root, file)) ? fs.readFileSync(path.join(root, file), "utf8") : undefined);
    return current.get(file);
  };
  const candidates = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json") && f !== "finished.json")
    .sort()
    .map((f) => {
      const stored = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as MutationReport & Record<string, unknown>;
      // Only files of this part whose source is as measured; only then are their mutants chosen anew.
      const usable = Object.entries(stored.files).filter(([file, e]) => inPart(file) && sourceNow(file) === (e as { source?: unknown }).source);
      const report = seedSample({ ...stored, files: Object.fromEntries(usable) }, rates, seed);
      return { report, reused: Object.values(report.files).reduce((n, e) => n + e.mutants.length, 0) };
    })
    .sort((a, b) => b.reused - a.reused);
  const best = candidates[0];
  if (best === undefined || best.reused === 0) return;
  fs.writeFileSync(target, JSON.stringify(best.report));
  console.log(`reusing ${best.reused} results of an earlier run (${path.relative(root, target)})`);
}

// mutation/finished.json: the runs that ran to the end (Stryker also saves an interrupted run's
// incremental file, to resume it), with the part and sample each measured.
const FINISHED = path.join(root, "mutation", "finished.json");
type Finished = Record<string, { readonly part: string; readonly sample?: string }>;
const finished = (): Finished => (fs.existsSync(FINISHED) ? (JSON.parse(fs.readFileSync(FINISHED, "utf8")) as Finished) : {});
function recordFinished(key: string, part: string, sampleText: string | undefined): void {
  const all = { ...finished(), [key]: { part, ...(sampleText ? { sample: sampleText } : {}) } };
  const sorted = Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]]));
  fs.writeFileSync(FINISHED, `${JSON.stringify(sorted, null, 2)}\n`);
}

const names = fs.existsSync(path.join(root, "mutation")) ? fs.readdirSync(path.join(root, "mutation")).filter((f) => f.endsWith(".json") && f !== "finished.json").sort() : [];
const reports: MutationReport[] = names.map((f) => JSON.parse(fs.readFileSync(path.join(root, "mutation", f), "utf8")));
// A sample is known by its file's name (a freshly seeded file has no left-out mutants yet) or its content.
const sampleAt = (i: number) => names[i].includes("-sample-") || isSample(reports[i]);
// Full runs and samples are never mixed in one table: a sample's counts estimate a score, a full run's are it.
const full = reports.filter((_, i) => !sampleAt(i));
if (full.length > 0) console.log(`Full runs:\n${scoreTable(full, "full")}`);
const ended = finished();
for (const [i, file] of names.entries()) {
  if (!sampleAt(i)) continue;
  const done = ended[file.replace(/\.json$/, "")];
  console.log(`\nSample ${file}${done ? ` (${done.sample})` : " (interrupted: no estimate)"}:\n${scoreTable([reports[i]], done ? "sample" : "partial")}`);
  if (done?.sample) {
    const { rates, seed } = parseSample(done.sample);
    const drift = outOfSample(reports[i], rates, seed);
    if (drift.length > 0) console.log(`WARNING: ${drift.length} measured mutants are not in this sample (code moved under reused results): ${drift.slice(0, 5).join(", ")}`);
  }
}
if (args.includes("--survivors")) for (const line of survivors(reports)) console.log(line);
