/**
 * The jest run StrykerJS uses (`npm run mutation`): the whole suite except the tests whose work
 * happens in child processes (packing the tarball, Python steps, spawned CLIs and synths). Stryker
 * measures coverage in its own process only, so those would run for no mutant and only slow the
 * initial run; they stay in `npm test`.
 */
const base = require("./jest.config");

module.exports = {
  ...base,
  testPathIgnorePatterns: ["/node_modules/", "/test/package\\.test\\.ts$", "/test/local-run\\.test\\.ts$", "/test/integ\\.test\\.ts$", "/test/diagram\\.test\\.ts$"],
};
