import { withEnv } from "./helpers";
import { isSample, outOfSample, score, scoreTable, seedSample, survivors, wilson95, MutantResult } from "../scripts/mutation-report";

const mutant = (status: string, line = 1, mutatorName = "BooleanLiteral"): MutantResult => ({ id: `${status}${line}`, mutatorName, replacement: "false", status, location: { start: { line, column: 1 } } });

describe("mutation scores (npm run mutation)", () => {
  test("detected = killed + timed out, over every valid mutant; ignored and non-compiling ones do not count", () => {
    const s = score([mutant("Killed"), mutant("Killed"), mutant("Timeout"), mutant("Survived"), mutant("NoCoverage"), mutant("Ignored"), mutant("CompileError")]);
    expect(s).toEqual({ killed: 2, timeout: 1, survived: 1, noCoverage: 1, ignored: 1, invalid: 1, notSampled: 0, score: 60 });
    expect(score([mutant("Ignored")]).score).toBeUndefined();
  });

  test("the table has a row per top folder, summed over its files, then a row per file", () => {
    const table = scoreTable([
      { files: { "lib/core/a.ts": { mutants: [mutant("Killed"), mutant("Survived")] }, "stacks/b.ts": { mutants: [mutant("Killed")] } } },
      { files: { "lib/platform/c.ts": { mutants: [mutant("Killed"), mutant("Killed")] } } },
    ]).split("\n");
    expect(table).toContain("| **lib/** | 75.0% | 3 | 0 | 1 | 0 | 0 | 0 |");
    expect(table).toContain("| **stacks/** | 100.0% | 1 | 0 | 0 | 0 | 0 | 0 |");
    expect(table).toContain("| lib/core/a.ts | 50.0% | 1 | 0 | 1 | 0 | 0 | 0 |");
  });

  test("survivors name the file, line, status and mutation", () => {
    expect(survivors([{ files: { "lib/x.ts": { mutants: [mutant("Killed"), mutant("Survived", 7), mutant("NoCoverage", 9, "StringLiteral")] } } }])).toEqual([
      `lib/x.ts:7 Survived BooleanLiteral -> "false"`,
      `lib/x.ts:9 NoCoverage StringLiteral -> "false"`,
    ]);
  });
});

describe("mutation samples (npm run mutation -- --sample=...)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sampler = require("../scripts/mutation-sample.cjs");
  const root = require("path").resolve(__dirname, "..") as string;
  const at = (fileName: string, line: number, mutatorName = "StringLiteral", replacement = `""`) => ({
    id: String(line),
    fileName,
    mutatorName,
    replacement,
    location: { start: { line, column: 4 }, end: { line, column: 9 } },
  });

  test("rates are per top folder or one for all, each in (0, 1]; a seed picks an independent sample", () => {
    expect(sampler.parseSample("lib=0.06,stacks/=0.2")).toEqual({ rates: { lib: 0.06, stacks: 0.2 }, seed: 0 });
    expect(sampler.parseSample("0.1")).toEqual({ rates: { "*": 0.1 }, seed: 0 });
    expect(sampler.parseSample("lib=0.03,seed=2")).toEqual({ rates: { lib: 0.03 }, seed: 2 });
    for (const bad of ["lib=0", "lib=1.5", "lib=x", "", "stacks="]) expect(() => sampler.parseSample(bad)).toThrow(/a number in \(0, 1\]/);
    for (const bad of ["stack=0.1", "./lib=0.1", "lib/core=0.2"]) expect(() => sampler.parseSample(bad)).toThrow(/one of lib, stacks, cli/);
    expect(() => sampler.parseSample("lib=0.1=x")).toThrow(/one '=' per entry/);
    expect(() => sampler.parseSample("lib=0.1,seed=x")).toThrow(/whole number/);
  });

  test("a mutant's key depends on what it is, not on where Stryker's sandbox is or on its id", () => {
    const here = at(`${root}/lib/core/naming.ts`, 3);
    const sandboxed = { ...at(`${root}/.stryker-tmp/sandbox-7/lib/core/naming.ts`, 3), id: "999" };
    expect(sampler.sampleKey(sandboxed)).toBe(sampler.sampleKey(here));
    expect(sampler.sampleKey(at("lib/core/naming.ts", 3))).toBe(sampler.sampleKey(here));
    expect(sampler.sampleKey(at("lib/core/naming.ts", 4))).not.toBe(sampler.sampleKey(here));
    expect(sampler.sampleKey({ ...here, replacement: `"x"` })).not.toBe(sampler.sampleKey(here));
    expect(sampler.sampleKey(here, 1)).not.toBe(sampler.sampleKey(here));
    // A folder named like ours above the project does not decide the folder.
    expect(sampler.projectPath(`${root}/stacks/config.ts`)).toBe("stacks/config.ts");
  });

  test("the sample takes about its rate of each folder's mutants, and only from folders given a rate", () => {
    const many = (folder: string) => Array.from({ length: 4000 }, (_, i) => at(`${folder}/f${i % 7}.ts`, i + 1));
    const { rates } = sampler.parseSample("lib=0.05,stacks=0.25");
    const share = (folder: string) => many(folder).filter((m) => sampler.inSample(m, rates)).length / 4000;
    expect(share("lib")).toBeGreaterThan(0.04);
    expect(share("lib")).toBeLessThan(0.06);
    expect(share("stacks")).toBeGreaterThan(0.23);
    expect(share("stacks")).toBeLessThan(0.27);
    expect(share("cli")).toBe(0);
    // The rate "*" covers the folders without their own; a folder's own rate wins.
    const { rates: mixed } = sampler.parseSample("1,lib=0.05");
    expect(many("cli").every((m) => sampler.inSample(m, mixed))).toBe(true);
    expect(many("lib").filter((m) => sampler.inSample(m, mixed)).length).toBe(many("lib").filter((m) => sampler.inSample(m, rates)).length);
    // Another seed draws another sample of the same size: the two overlap about as much as chance makes them.
    const first = new Set(many("stacks").filter((m) => sampler.inSample(m, rates)).map((m) => m.id));
    const second = many("stacks").filter((m) => sampler.inSample(m, rates, 7));
    expect(second.length / 4000).toBeGreaterThan(0.23);
    expect(second.length / 4000).toBeLessThan(0.27);
    const overlap = second.filter((m) => first.has(m.id)).length / second.length;
    expect(overlap).toBeGreaterThan(0.18);
    expect(overlap).toBeLessThan(0.32);
  });

  test("the checker passes sampled mutants and fails the rest with the reason the scores count apart", async () => {
    const Checker = sampler.strykerPlugins[0].injectableClass;
    expect(sampler.strykerPlugins[0]).toMatchObject({ kind: "Checker", name: "sample" });
    // The checker reads its sample (rates and seed) from the environment its Stryker process inherits.
    const checker = withEnv({ MUTATION_SAMPLE: "lib=0.5,seed=4" }, () => new Checker());
    const mutants = Array.from({ length: 40 }, (_, i) => at(`${root}/lib/a.ts`, i + 1));
    const results = await checker.check(mutants);
    for (const m of mutants) {
      expect(results[m.id]).toEqual(sampler.inSample(m, { lib: 0.5 }, 4) ? { status: "passed" } : { status: "compileError", reason: sampler.NOT_SAMPLED });
    }
    const passed = Object.values(results).filter((r) => (r as { status: string }).status === "passed").length;
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThan(40);
  });

  test("mutants left out of a sample are neither valid nor invalid, and a sample's table gives the 95% interval", () => {
    const out = { ...mutant("CompileError", 5), statusReason: sampler.NOT_SAMPLED };
    const s = score([mutant("Killed"), mutant("Killed"), mutant("Survived"), mutant("CompileError"), out, out]);
    expect(s).toMatchObject({ killed: 2, survived: 1, invalid: 1, notSampled: 2 });
    expect(s.score).toBeCloseTo(66.67, 1);
    // Textbook values: 8 of 10 gives 49.0%-94.3%; 0 of 10 gives 0%-27.8%.
    const [low, high] = wilson95(8, 10);
    expect(low).toBeCloseTo(49.0, 1);
    expect(high).toBeCloseTo(94.3, 1);
    expect(wilson95(0, 10)[1]).toBeCloseTo(27.8, 1);
    const report = { files: { "lib/a.ts": { mutants: [...Array(8).fill(mutant("Killed")), mutant("Survived"), mutant("Survived"), out] } } };
    expect(isSample(report)).toBe(true);
    expect(isSample({ files: { "lib/a.ts": { mutants: [mutant("CompileError")] } } })).toBe(false);
    expect(scoreTable([report]).split("\n")).toContain("| **lib/** | 80.0% (49.0-94.3) | 8 | 0 | 2 | 0 | 0 | 0 | 1 |");
  });
});

describe("reusing earlier results in a new sample", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sampler = require("../scripts/mutation-sample.cjs");
  // A report mutant (lines and columns from 1) and what the sample checker sees of it (from 0).
  const reported = (line: number, status: string, statusReason?: string): MutantResult => ({
    id: String(line),
    mutatorName: "StringLiteral",
    replacement: `""`,
    status,
    ...(statusReason ? { statusReason } : {}),
    location: { start: { line, column: 3 }, end: { line, column: 8 } },
  });
  const seen = (file: string, m: MutantResult) => ({ ...m, fileName: file, location: { start: { line: m.location.start.line - 1, column: 2 }, end: { line: m.location.end!.line - 1, column: 7 } } });

  test("a sample keeps the tested results its own sample would have chosen, and nothing it left out or did not finish", () => {
    const file = "lib/core/a.ts";
    const mutants = Array.from({ length: 400 }, (_, i) => reported(i + 1, i % 3 === 0 ? "Killed" : "Survived"));
    const left = [reported(401, "CompileError", sampler.NOT_SAMPLED), reported(402, "Pending")];
    const rates = { lib: 0.25 };
    const seed = seedSample({ files: { [file]: { mutants: [...mutants, ...left] } } }, rates);
    const expected = mutants.filter((m) => sampler.inSample(seen(file, m), rates));
    expect(seed.files[file].mutants).toEqual(expected);
    expect(expected.length).toBeGreaterThan(60);
    expect(expected.length).toBeLessThan(140);
  });

  test("the incremental file is named by the part and the sample's rates, never shared between them", () => {
    expect(sampler.incrementalKey("lib/platform/a.ts")).toBe("lib-platform-a");
    expect(sampler.incrementalKey("lib,stacks", "lib=0.03,stacks=0.1")).toBe("lib-stacks-sample-lib-0-03-stacks-0-1");
    expect(sampler.incrementalKey("lib,stacks", "lib=0.06")).not.toBe(sampler.incrementalKey("lib,stacks", "lib=0.03"));
    expect(sampler.incrementalKey(undefined)).toBe("all");
  });
});

describe("reading a sample's results", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sampler = require("../scripts/mutation-sample.cjs");
  const at = (line: number, status: string): MutantResult => ({ id: String(line), mutatorName: "StringLiteral", replacement: `""`, status, location: { start: { line, column: 3 }, end: { line, column: 8 } } });
  const chosen = (line: number, rates: Record<string, number>, seed: number) =>
    sampler.inSample({ fileName: "lib/a.ts", mutatorName: "StringLiteral", replacement: `""`, location: { start: { line: line - 1, column: 2 }, end: { line: line - 1, column: 7 } } }, rates, seed);

  test("an interrupted sample gets no estimate: what finished first is not a random part of it", () => {
    const out = { ...at(9, "CompileError"), statusReason: sampler.NOT_SAMPLED };
    const report = { files: { "lib/a.ts": { mutants: [at(1, "Killed"), at(2, "Survived"), out] } } };
    const partial = scoreTable([report], "partial").split("\n");
    expect(partial).toContain("| **lib/** | (50.0%, interrupted) | 1 | 0 | 1 | 0 | 0 | 0 | 1 |");
    expect(scoreTable([report], "sample")).toContain("| **lib/** | 50.0% (9.5-90.5) |");
  });

  test("measured mutants its own rates and seed would not choose are named (results carried over after the code moved)", () => {
    const rates = { lib: 0.5 };
    const lines = Array.from({ length: 60 }, (_, i) => i + 1);
    const inside = lines.filter((l) => chosen(l, rates, 3));
    const outside = lines.filter((l) => !chosen(l, rates, 3));
    expect(inside.length).toBeGreaterThan(10);
    expect(outside.length).toBeGreaterThan(10);
    const report = { files: { "lib/a.ts": { mutants: [...inside.map((l) => at(l, "Killed")), { ...at(outside[0], "CompileError"), statusReason: sampler.NOT_SAMPLED }] } } };
    expect(outOfSample(report, rates, 3)).toEqual([]);
    const drifted = { files: { "lib/a.ts": { mutants: [...report.files["lib/a.ts"].mutants, at(outside[1], "Killed")] } } };
    expect(outOfSample(drifted, rates, 3)).toEqual([`lib/a.ts:${outside[1]}`]);
  });
});
