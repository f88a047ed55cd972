// The order of test files in `npm run mutation` (jest.mutation.config.js): smallest first. With the
// environment's skip after the first failure, a killed mutant costs what the tests before its first
// failing one cost; the small files are the focused ones, and they are quick.
"use strict";
const fs = require("fs");
const Sequencer = require("@jest/test-sequencer").default;

class SmallestFirst extends Sequencer {
  sort(tests) {
    // One stat per file, not one per comparison.
    const size = new Map(tests.map((t) => [t.path, fs.statSync(t.path).size]));
    return [...tests].sort((a, b) => size.get(a.path) - size.get(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

module.exports = SmallestFirst;
