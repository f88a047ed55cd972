// A StrykerJS checker plugin ("sample") for `npm run mutation -- --sample=<rates>`: tests a random
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

/** The folders a rate can be given for ("*": every folder without its own rate). */
const FOLDERS = ["lib", "stacks", "cli", "*"];

/**
 * The sample's rates per top folder and its seed, from "lib=0.03,stacks=0.1,seed=1" (or one rate for
 * every folder: "0.1"). Samples with different seeds are independent; with the same seed, a smaller
 * rate's sample is part of a larger one's. A seed whose survivors were used to write tests is spent:
 * a score estimated from it would be too high (docs/mutation.md).
 * @returns {{ rates: Record<string, number>, seed: number }}
 */
function parseSample(text) {
  const rates = {};
  let seed = 0;
  for (const part of String(text).split(",")) {
    const pieces = part.split("=");
    const [key, value] = pieces.length === 1 ? ["*", pieces[0]] : pieces;
    const name = String(key).trim().replace(/\/$/, "");
    if (pieces.length > 2) throw new Error(`sample ${JSON.stringify(part)}: one '=' per entry, e.g. lib=0.03,stacks=0.1,seed=1`);
    if (name === "seed") {
      if (!/^\d+$/.test(String(value))) throw new Error(`sample seed ${JSON.stringify(value)}: a whole number expected`);
      seed = Number(value);
      continue;
    }
    if (!FOLDERS.includes(name)) throw new Error(`sample folder ${JSON.stringify(name)}: one of lib, stacks, cli (or a rate alone for every folder)`);
    const rate = Number(value);
    if (!(rate > 0 && rate <= 1)) throw new Error(`sample rate ${JSON.stringify(part)}: a number in (0, 1] expected, e.g. lib=0.03,stacks=0.1`);
    rates[name] = rate;
  }
  return { rates, seed };
}

/** The project's root: where this file's folder (scripts/) is. */
const ROOT = require("path").resolve(__dirname, "..").replace(/\\/g, "/");

/**
 * The mutant's path in the project, from wherever Stryker names it: below the project root, or below a
 * sandbox (.stryker-tmp/sandbox-x/), or already relative.
 */
function projectPath(fileName) {
  let p = String(fileName).replace(/\\/g, "/");
  if (p.startsWith(`${ROOT}/`)) p = p.slice(ROOT.length + 1);
  const sandbox = /^(?:.*\/)?\.stryker-tmp\/[^/]+\/(.*)$/.exec(p);
  return sandbox ? sandbox[1] : p;
}

/** A number in [0, 1) fixed by what the mutant is and the seed, not by its id (ids follow discovery order). */
function sampleKey(mutant, seed = 0) {
  const { start, end } = mutant.location;
  const text = `${seed > 0 ? `${seed}:` : ""}${projectPath(mutant.fileName)}:${start.line}:${start.column}-${end.line}:${end.column}:${mutant.mutatorName}:${mutant.replacement}`;
  return parseInt(createHash("sha256").update(text).digest("hex").slice(0, 8), 16) / 2 ** 32;
}

/** Whether the mutant is in the sample: its top folder's rate (or the "*" rate) is above its key. */
function inSample(mutant, rates, seed = 0) {
  const folder = projectPath(mutant.fileName).split("/")[0];
  const rate = rates[folder] ?? rates["*"];
  return rate !== undefined && sampleKey(mutant, seed) < rate;
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
    this.sample = process.env.MUTATION_SAMPLE ? parseSample(process.env.MUTATION_SAMPLE) : { rates: { "*": 1 }, seed: 0 };
  }
  async init() {}
  async check(mutants) {
    const results = {};
    for (const m of mutants) results[m.id] = inSample(m, this.sample.rates, this.sample.seed) ? { status: "passed" } : { status: "compileError", reason: NOT_SAMPLED };
    return results;
  }
}
SampleChecker.inject = [];

// One `exports.x =` per name: Node finds the named exports of a CommonJS module Stryker imports by
// reading these assignments (cjs-module-lexer), not by running the module.
exports.NOT_SAMPLED = NOT_SAMPLED;
exports.parseSample = parseSample;
exports.projectPath = projectPath;
exports.sampleKey = sampleKey;
exports.inSample = inSample;
exports.incrementalKey = incrementalKey;
exports.strykerPlugins = [{ kind: "Checker", name: "sample", injectableClass: SampleChecker }];
