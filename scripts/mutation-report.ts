/** Scores from StrykerJS's mutation reports (mutation-testing-report-schema), for `npm run mutation`. */

/** The parts a full run measures, one Stryker run each. */
export const MUTATION_PARTS = ["lib/core", "lib/platform", "lib/pipeline", "lib/aspects", "stacks", "cli"];

export interface MutantResult {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
}
export interface MutationReport {
  readonly files: Readonly<Record<string, { readonly mutants: readonly MutantResult[] }>>;
}

export interface Score {
  readonly killed: number;
  readonly survived: number;
  readonly noCoverage: number;
  readonly timeout: number;
  readonly ignored: number;
  readonly invalid: number;
  /** Detected (killed + timed out) per valid, covered or not; undefined without valid mutants. */
  readonly score: number | undefined;
}

/** Stryker's mutation score: killed and timed-out mutants over all valid ones (ignored and non-compiling excluded). */
export function score(mutants: readonly MutantResult[]): Score {
  const count = (...statuses: string[]) => mutants.filter((m) => statuses.includes(m.status)).length;
  const killed = count("Killed");
  const timeout = count("Timeout");
  const survived = count("Survived");
  const noCoverage = count("NoCoverage");
  const valid = killed + timeout + survived + noCoverage;
  return { killed, survived, noCoverage, timeout, ignored: count("Ignored"), invalid: count("CompileError", "RuntimeError"), score: valid === 0 ? undefined : (100 * (killed + timeout)) / valid };
}

/** The top folder a file is scored under: `lib/`, `stacks/` or `cli/`. */
const folderOf = (file: string): string => `${file.replace(/\\/g, "/").split("/")[0]}/`;

/** A markdown table: one row per top folder, then one per file, from every report given. */
export function scoreTable(reports: readonly MutationReport[]): string {
  const byFile = new Map<string, readonly MutantResult[]>();
  for (const r of reports) for (const [file, { mutants }] of Object.entries(r.files)) byFile.set(file.replace(/\\/g, "/"), mutants);
  const files = [...byFile.keys()].sort();
  const row = (name: string, s: Score) =>
    `| ${name} | ${s.score === undefined ? "-" : s.score.toFixed(1) + "%"} | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.ignored} | ${s.invalid} |`;
  const lines = ["| scope | score | killed | timeout | survived | no coverage | ignored | invalid |", "|---|---:|---:|---:|---:|---:|---:|---:|"];
  for (const folder of [...new Set(files.map(folderOf))]) {
    lines.push(row(`**${folder}**`, score(files.filter((f) => folderOf(f) === folder).flatMap((f) => byFile.get(f) ?? []))));
  }
  for (const f of files) lines.push(row(f, score(byFile.get(f) ?? [])));
  return lines.join("\n");
}

/** Surviving and uncovered mutants, one line each: `file:line mutator -> replacement`. */
export function survivors(reports: readonly MutationReport[]): string[] {
  return reports.flatMap((r) =>
    Object.entries(r.files).flatMap(([file, { mutants }]) =>
      mutants
        .filter((m) => m.status === "Survived" || m.status === "NoCoverage")
        .map((m) => `${file}:${m.location.start.line} ${m.status} ${m.mutatorName} -> ${JSON.stringify(m.replacement ?? "")}`),
    ),
  );
}
