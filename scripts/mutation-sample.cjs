// A StrykerJS checker plugin ("sample") for `npm run mutation -- --sample <rates>`: tests a random
// sample of the mutants instead of all of them, when a full run does not fit (about 6,500 mutants at
// roughly 8 a minute on 2 cores). The sample is a Bernoulli sample keyed by a hash of each mutant's
// file, location, mutator and replacement: stable across runs (so the incremental file resumes it) and
// independent of the order Stryker finds mutants in. A mutant outside the sample is returned as a
// failed check with NOT_SAMPLED as its reason, so it is never run; the score script
// (scripts/mutation-report.ts) counts those apart and reports the sample's score with its interval.
// Plain CommonJS without imports from Stryker, so jest can test it and Stryker can load it.
"use strict";
const { createHash } = require("crypto");

/** The reason a mutant outside the sample carries in the report. */
const NOT_SAMPLED = "not in the sample (npm run mutation -- --sample)";

/**
 * The sampling rate per top folder from "lib=0.06,stacks=0.2,cli=0.05" or one rate for all ("0.1").
 * @returns {Record<string, number>} folder ("*" for all) to a rate in (0, 1]
 */
function parseRates(text) {
  const rates = {};
  for (const part of String(text).split(",")) {
    const [folder, value] = part.includes("=") ? part.split("=") : ["*", part];
    const rate = Number(value);
    if (!(rate > 0 && rate <= 1)) throw new Error(`sample rate ${JSON.stringify(part)}: a number in (0, 1] expected, e.g. lib=0.06,stacks=0.2`);
    rates[folder.trim().replace(/\/$/, "")] = rate;
  }
  return rates;
}

/** The mutant's place in the project, from whatever directory (sandbox or not) Stryker names it in. */
function projectPath(fileName) {
  const normal = String(fileName).replace(/\\/g, "/");
  const match = /(?:^|\/)((?:lib|stacks|cli)\/.*)$/.exec(normal);
  return match ? match[1] : normal;
}

/** A number in [0, 1) fixed by what the mutant is, not by its id (ids follow discovery order). */
function sampleKey(mutant) {
  const { start, end } = mutant.location;
  const text = `${projectPath(mutant.fileName)}:${start.line}:${start.column}-${end.line}:${end.column}:${mutant.mutatorName}:${mutant.replacement}`;
  return parseInt(createHash("sha256").update(text).digest("hex").slice(0, 8), 16) / 2 ** 32;
}

/** Whether the mutant is in the sample: its folder's rate (or the "*" rate) is above its key. */
function inSample(mutant, rates) {
  const file = projectPath(mutant.fileName);
  const folder = Object.keys(rates)
    .filter((f) => f !== "*" && (file === f || file.startsWith(`${f}/`)))
    .sort((a, b) => b.length - a.length)[0];
  const rate = folder !== undefined ? rates[folder] : rates["*"];
  return rate !== undefined && sampleKey(mutant) < rate;
}

/**
 * The name of a run's incremental file (mutation/<key>.json): its part, and its sample's rates if any,
 * so a sample never reuses another sample's or a full run's results unfiltered (stryker.config.mjs).
 */
function incrementalKey(part, sample) {
  return [part ? part.replace(/\.ts$/, "") : "all", ...(sample ? ["sample", sample] : [])].join("-").replace(/[^A-Za-z0-9]+/g, "-");
}

class SampleChecker {
  constructor() {
    this.rates = process.env.MUTATION_SAMPLE ? parseRates(process.env.MUTATION_SAMPLE) : { "*": 1 };
  }
  async init() {}
  async check(mutants) {
    const results = {};
    for (const m of mutants) results[m.id] = inSample(m, this.rates) ? { status: "passed" } : { status: "compileError", reason: NOT_SAMPLED };
    return results;
  }
}
SampleChecker.inject = [];

// One `exports.x =` per name: Node finds the named exports of a CommonJS module Stryker imports by
// reading these assignments (cjs-module-lexer), not by running the module.
exports.NOT_SAMPLED = NOT_SAMPLED;
exports.parseRates = parseRates;
exports.projectPath = projectPath;
exports.sampleKey = sampleKey;
exports.inSample = inSample;
exports.incrementalKey = incrementalKey;
exports.strykerPlugins = [{ kind: "Checker", name: "sample", injectableClass: SampleChecker }];
