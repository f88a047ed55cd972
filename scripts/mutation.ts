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
import { MUTATION_PARTS, scoreTable, survivors } from "./mutation-report";

const root = path.join(__dirname, "..");
const args = process.argv.slice(2);
const summaryOnly = args.includes("--summary");
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
    const run = spawnSync("npx", ["stryker", "run"], { cwd: root, stdio: "inherit", env: { ...process.env, MUTATION_PART: part } });
    if (run.status !== 0) {
      console.error(`stryker failed on ${part} (exit ${run.status})`);
      process.exit(1);
    }
  }
}
const reports = fs.existsSync(path.join(root, "mutation"))
  ? fs.readdirSync(path.join(root, "mutation")).filter((f) => f.endsWith(".json")).map((f) => JSON.parse(fs.readFileSync(path.join(root, "mutation", f), "utf8")))
  : [];
console.log(scoreTable(reports));
if (args.includes("--survivors")) for (const line of survivors(reports)) console.log(line);
