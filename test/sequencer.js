// The order of test files in `npm test` (jest.config.js): jest's own (failed first, then slowest
// first), except that one file needing the shared build (test/shared-build.ts: a checkout, prepare,
// npm pack, a synth; about 10 s when the sources changed) goes first and files that need nothing of
// it follow, so the other worker has work while that one makes it; the others that need it come
// after, in jest's order. With the build already there, this changes little.
"use strict";
const fs = require("fs");
const Sequencer = require("@jest/test-sequencer").default;

/** Milliseconds of other files to run while the shared build is made. */
const BUILD_MS = 10_000;

class SharedBuildFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const needs = new Set(sorted.filter((t) => /from "\.\/shared-build"/.test(fs.readFileSync(t.path, "utf8"))).map((t) => t.path));
    const first = sorted.find((t) => needs.has(t.path));
    if (!first || needs.size === sorted.length) return sorted;
    const out = [first];
    let covered = 0;
    for (const t of sorted) {
      if (covered >= BUILD_MS) break;
      if (needs.has(t.path)) continue;
      out.push(t);
      // A file never timed counts as a second.
      covered += t.duration ?? 1000;
    }
    const taken = new Set(out.map((t) => t.path));
    return [...out, ...sorted.filter((t) => !taken.has(t.path))];
  }
}

module.exports = SharedBuildFirst;
