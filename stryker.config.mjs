// Mutation testing with StrykerJS: `npm run mutation` (scripts/mutation.ts, docs/mutation.md). Not part
// of `npm test` or CI: a whole run takes hours on 2 cores. MUTATION_PART (set by the script) names the
// folder or file (or several, joined with commas) one run mutates; each part has its own incremental
// file in mutation/.
import sampler from "./scripts/mutation-sample.cjs";

const part = process.env.MUTATION_PART;
// MUTATION_SAMPLE (set by `--sample`) tests a random sample of the mutants (scripts/mutation-sample.cjs).
const sample = process.env.MUTATION_SAMPLE || undefined;
const key = sampler.incrementalKey(part, sample);
// The diagram model only draws pictures of the stacks (a wrong arrow breaks no deploy); barrels only re-export.
const everything = ["lib/**/*.ts", "stacks/**/*.ts", "cli/**/*.ts", "!lib/diagram/**", "!**/index.ts"];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: "npm",
  testRunner: "jest",
  // Every mutant runs only the tests that executed its code (test/helpers.ts shared() makes that exact).
  jest: { configFile: "jest.mutation.config.js", enableFindRelatedTests: false },
  coverageAnalysis: "perTest",
  // The sample checker goes first, so only sampled mutants are type-checked.
  checkers: sample ? ["sample", "typescript"] : ["typescript"],
  plugins: ["@stryker-mutator/*", ...(sample ? ["./scripts/mutation-sample.cjs"] : [])],
  tsconfigFile: "tsconfig.json",
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // A part is a folder or a file, or several joined with commas (one run, one incremental file).
  mutate: part ? [...part.split(",").flatMap((p) => (p.endsWith(".ts") ? [p] : [`${p}/**/*.ts`])), "!**/index.ts", "!lib/diagram/**"] : everything,
  incremental: true,
  incrementalFile: `mutation/${key}.json`,
  reporters: ["clear-text", "progress-append-only", "json", "html"],
  jsonReporter: { fileName: `reports/mutation/${key}.json` },
  htmlReporter: { fileName: `reports/mutation/${key}.html` },
  thresholds: { high: 90, low: 80, break: null },
  // Stryker gives half the slots to type checkers: 2 checkers (idle once their first pass is done) and 2 test runners.
  concurrency: 4,
  // Generous: a mutant that only runs slowly on a busy machine must not count as detected (timed out).
  timeoutFactor: 3,
  timeoutMS: 60000,
  ignorePatterns: ["dist", "cdktf.out", "cdktf.out.partial", "state", "reports", "mutation", ".stryker-tmp", ".venv-pyarrow"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
