// The jest environment of `npm run mutation` (jest.mutation.config.js): once a test has failed for the
// active mutant, that mutant is killed, so the tests after it (in this file and the files after it) are
// skipped rather than run. Jest has no programmatic bail, and StrykerJS runs every test that covers a
// mutant, so without this a killed mutant costs as much as a surviving one. A survivor still runs every
// test, so Killed and Survived are decided as before (Stryker names only the first failing test anyway).
// What can change: a mutant that would later have timed out or broken the runner is counted as
// killed; both count as detected or are rare, and the score treats timeouts as detected already.
// Outside a mutant run (no __STRYKER_ACTIVE_MUTANT__: Stryker's initial run, or plain jest) nothing is skipped.
"use strict";
const { TestEnvironment } = require("jest-environment-node");

// Module state on purpose: the environment module is loaded once per test process, so this outlives a
// test file; it names the mutant a test already failed for.
let killed;

class MutationEnvironment extends TestEnvironment {
  async handleTestEvent(event) {
    const active = process.env.__STRYKER_ACTIVE_MUTANT__;
    if (active === undefined) return;
    if (event.name === "test_start" && killed === active) event.test.mode = "skip";
    if (event.name === "test_done" && event.test.errors.length > 0) killed = active;
  }
}

module.exports = MutationEnvironment;
