/**
 * The jest run StrykerJS uses (`npm run mutation`): the whole suite except the tests whose work
 * happens in child processes (packing the tarball, Python steps, spawned CLIs and synths). Stryker
 * measures coverage in its own process only, so those would run for no mutant and only slow the
 * initial run; they stay in `npm test`.
 */
const path = require("path");
const base = require("./jest.config");

module.exports = {
  ...base,
  // Skip the rest of a mutant's tests once one failed (it is killed), smallest files first: see both files.
  // Absolute paths: StrykerJS loads the environment itself, without resolving <rootDir>.
  testEnvironment: path.join(__dirname, "test", "mutation-environment.js"),
  testSequencer: path.join(__dirname, "test", "mutation-sequencer.js"),
  testPathIgnorePatterns: ["/node_modules/", "/test/package\\.test\\.ts$", "/test/local-run\\.test\\.ts$", "/test/integ\\.test\\.ts$", "/test/diagram\\.test\\.ts$"],
};
