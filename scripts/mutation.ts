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
import { isSample, MUTATION_PARTS, MutationReport, scoreTable, seedSample, survivors } from "./mutation-report";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseRates, incrementalKey } = require("./mutation-sample.cjs") as {
  parseRates: (text: string) => Record<string, number>;
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
    parseRates(sample);
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
    const run = spawnSync("npx", ["stryker", "run"], { cwd: root, stdio: "inherit", env: { ...process.env, MUTATION_PART: part, ...(sample ? { MUTATION_SAMPLE: sample } : {}) } });
    if (run.status !== 0) {
      console.error(`stryker failed on ${part} (exit ${run.status})`);
      process.exit(1);
    }
  }
}
/**
 * A new sample starts from the results earlier runs have for its mutants: per file, those of the report
 * with the most of them (a file's results are kept together with the source they were measured on).
 */
function seedFromEarlierRuns(part: string, rates: string): void {
  const dir = path.join(root, "mutation");
  const target = path.join(dir, `${incrementalKey(part, rates)}.json`);
  if (fs.existsSync(target) || !fs.existsSync(dir)) return;
  const inPart = (file: string) => part.split(",").some((p) => file === p || file.startsWith(`${p.replace(/\/$/, "")}/`));
  const earlier = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => seedSample(JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as MutationReport & Record<string, unknown>, parseRates(rates)));
  if (earlier.length === 0) return;
  const files: Record<string, MutationReport["files"][string]> = {};
  for (const r of earlier) {
    for (const [file, entry] of Object.entries(r.files)) {
      if (inPart(file) && entry.mutants.length > (files[file]?.mutants.length ?? 0)) files[file] = entry;
    }
  }
  const reused = Object.values(files).reduce((n, e) => n + e.mutants.length, 0);
  if (reused === 0) return;
  // Test files and the rest come from the report with the most reused results.
  const base = [...earlier].sort((a, b) => Object.values(b.files).reduce((n, e) => n + e.mutants.length, 0) - Object.values(a.files).reduce((n, e) => n + e.mutants.length, 0))[0];
  fs.writeFileSync(target, JSON.stringify({ ...base, files }));
  console.log(`reusing ${reused} results of earlier runs (${path.relative(root, target)})`);
}

const names = fs.existsSync(path.join(root, "mutation")) ? fs.readdirSync(path.join(root, "mutation")).filter((f) => f.endsWith(".json")).sort() : [];
const reports: MutationReport[] = names.map((f) => JSON.parse(fs.readFileSync(path.join(root, "mutation", f), "utf8")));
const sampleFiles = names.map((f, i) => [f, reports[i]] as const).filter(([, r]) => isSample(r));
// Full runs and samples are never mixed in one table: a sample's counts estimate a score, a full run's are it.
const full = reports.filter((r) => !isSample(r));
if (full.length > 0) console.log(`Full runs:\n${scoreTable(full)}`);
for (const [file, r] of sampleFiles) console.log(`\nSample (${file}):\n${scoreTable([r])}`);
if (args.includes("--survivors")) for (const line of survivors(reports)) console.log(line);
