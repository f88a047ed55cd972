import { score, scoreTable, survivors, MutantResult } from "../scripts/mutation-report";

const mutant = (status: string, line = 1, mutatorName = "BooleanLiteral"): MutantResult => ({ id: `${status}${line}`, mutatorName, replacement: "false", status, location: { start: { line, column: 1 } } });

describe("mutation scores (npm run mutation)", () => {
  test("detected = killed + timed out, over every valid mutant; ignored and non-compiling ones do not count", () => {
    const s = score([mutant("Killed"), mutant("Killed"), mutant("Timeout"), mutant("Survived"), mutant("NoCoverage"), mutant("Ignored"), mutant("CompileError")]);
    expect(s).toEqual({ killed: 2, timeout: 1, survived: 1, noCoverage: 1, ignored: 1, invalid: 1, score: 60 });
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
