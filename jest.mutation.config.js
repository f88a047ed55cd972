/**
 * The jest run StrykerJS uses (`npm run mutation`): the whole suite except the tests whose work
 * happens in child processes (packing the tarball, Python steps, spawned CLIs and synths). Stryker
 * measures coverage in its own process only, so those would run for no mutant and only slow the
 * initial run; they stay in `npm test`.
 */
const base = require("./jest.config");

module.exports = {
  ...base,
  // Skip the rest of a mutant's tests once one failed (it is killed), smallest files first: see both files.
  testEnvironment: "<rootDir>/test/mutation-environment.js",
  testSequencer: "<rootDir>/test/mutation-sequencer.js",
  testPathIgnorePatterns: ["/node_modules/", "/test/package\\.test\\.ts$", "/test/local-run\\.test\\.ts$", "/test/integ\\.test\\.ts$", "/test/diagram\\.test\\.ts$"],
};
