// The order of test files in `npm test` (jest.config.js): jest's own (failed first, then slowest
// first), except that one file needing the shared build (test/shared-build.ts: a checkout, prepare,
// npm pack, a synth; about 10 s when the sources changed) goes first and files that need nothing of
// it follow, so the other worker has work while that one makes it; the others that need it come
// after, in jest's order. With the build already there, this changes little. The type check and the
// Python step tests count as slow before jest has timed them (jest would put small files last).
"use strict";
const fs = require("fs");
const path = require("path");
const Sequencer = require("@jest/test-sequencer").default;

/** Milliseconds of other files to run while the shared build is made. */
const BUILD_MS = 10_000;
/** Files that run a slow process, and roughly how long, until jest has their time. */
const SLOW = { "typecheck.test.ts": 8_000, "python-steps.test.ts": 12_000 };

class SharedBuildFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const untimed = sorted.filter((t) => t.duration == null && SLOW[path.basename(t.path)] !== undefined);
    for (const t of untimed) t.duration = SLOW[path.basename(t.path)];
    // Failed first, then slowest first (untimed files last), as jest sorts.
    if (untimed.length > 0) sorted.sort((a, b) => Number(this.hasFailed(b)) - Number(this.hasFailed(a)) || (b.duration ?? -1) - (a.duration ?? -1));
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
