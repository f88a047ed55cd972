/** Scores from StrykerJS's mutation reports (mutation-testing-report-schema), for `npm run mutation`. */

/** The parts a full run measures, one Stryker run each. */
export const MUTATION_PARTS = ["lib/core", "lib/platform", "lib/pipeline", "lib/aspects", "stacks", "cli"];

export interface MutantResult {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly statusReason?: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number }; readonly end?: { readonly line: number; readonly column: number } };
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
  /** Left out of a sample run (scripts/mutation-sample.cjs): never run, not counted. */
  readonly notSampled: number;
  /** Detected (killed + timed out) per valid, covered or not; undefined without valid mutants. */
  readonly score: number | undefined;
}

// The sample checker (scripts/mutation-sample.cjs): the reason it gives a mutant it leaves out, and its choice.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { NOT_SAMPLED, inSample } = require("./mutation-sample.cjs") as {
  NOT_SAMPLED: string;
  inSample: (mutant: { fileName: string; mutatorName: string; replacement?: string; location: Location }, rates: Readonly<Record<string, number>>, seed?: number) => boolean;
};
interface Location {
  readonly start: { readonly line: number; readonly column: number };
  readonly end: { readonly line: number; readonly column: number };
}
const unsampled = (m: MutantResult): boolean => m.status === "CompileError" && m.statusReason === NOT_SAMPLED;

/** A result a sample counts: tested (not left out by its sample, not still pending), with a full position. */
const measured = (m: MutantResult): boolean => !unsampled(m) && m.status !== "Pending" && m.location.end !== undefined;

/** Whether a sample with `rates` and `seed` chooses the mutant: report positions count from 1, the checker's from 0. */
function chosen(file: string, m: MutantResult, rates: Readonly<Record<string, number>>, seed: number): boolean {
  const from0 = (p: { line: number; column: number }) => ({ line: p.line - 1, column: p.column - 1 });
  return inSample({ ...m, fileName: file, location: { start: from0(m.location.start), end: from0(m.location.end!) } }, rates, seed);
}

/** Stryker's mutation score: killed and timed-out mutants over all valid ones (ignored and non-compiling excluded). */
export function score(all: readonly MutantResult[]): Score {
  const mutants = all.filter((m) => !unsampled(m));
  const count = (...statuses: string[]) => mutants.filter((m) => statuses.includes(m.status)).length;
  const killed = count("Killed");
  const timeout = count("Timeout");
  const survived = count("Survived");
  const noCoverage = count("NoCoverage");
  const valid = killed + timeout + survived + noCoverage;
  return { killed, survived, noCoverage, timeout, ignored: count("Ignored"), invalid: count("CompileError", "RuntimeError"), notSampled: all.length - mutants.length, score: valid === 0 ? undefined : (100 * (killed + timeout)) / valid };
}

/** Whether the report is of a sample run: some of its mutants were left out by the sample checker. */
export const isSample = (report: MutationReport): boolean => Object.values(report.files).some(({ mutants }) => mutants.some(unsampled));

/**
 * The 95% Wilson score interval, in percent, of a score measured on a random sample: `detected` of `valid`
 * sampled mutants. Wilson rather than the normal approximation, which breaks down near 100% and on small samples.
 */
export function wilson95(detected: number, valid: number): readonly [number, number] {
  const z = 1.959964;
  const p = detected / valid;
  const centre = (p + (z * z) / (2 * valid)) / (1 + (z * z) / valid);
  const half = (z * Math.sqrt((p * (1 - p)) / valid + (z * z) / (4 * valid * valid))) / (1 + (z * z) / valid);
  return [100 * (centre - half), 100 * (centre + half)];
}

/** The top folder a file is scored under: `lib/`, `stacks/` or `cli/`. */
const folderOf = (file: string): string => `${file.replace(/\\/g, "/").split("/")[0]}/`;

/**
 * How a table reads its reports: `full` (the counts are the score), `sample` (a finished random
 * sample: the score is an estimate, given with its 95% interval) or `partial` (an interrupted sample:
 * what finished first is not random, so no estimate is given).
 */
export type TableKind = "full" | "sample" | "partial";

/** A markdown table: one row per top folder, then one per file, from every report given. */
export function scoreTable(reports: readonly MutationReport[], kind: TableKind = reports.some(isSample) ? "sample" : "full"): string {
  const byFile = new Map<string, readonly MutantResult[]>();
  for (const r of reports) for (const [file, { mutants }] of Object.entries(r.files)) byFile.set(file.replace(/\\/g, "/"), mutants);
  const files = [...byFile.keys()].sort();
  const sampled = kind !== "full";
  const estimate = (s: Score) => {
    if (s.score === undefined) return "-";
    if (kind === "partial") return `(${s.score.toFixed(1)}%, interrupted)`;
    const valid = s.killed + s.timeout + s.survived + s.noCoverage;
    const [low, high] = wilson95(s.killed + s.timeout, valid);
    return kind === "sample" ? `${s.score.toFixed(1)}% (${low.toFixed(1)}-${high.toFixed(1)})` : `${s.score.toFixed(1)}%`;
  };
  const row = (name: string, s: Score) =>
    `| ${name} | ${estimate(s)} | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.ignored} | ${s.invalid} |${sampled ? ` ${s.notSampled} |` : ""}`;
  const lines = sampled
    ? ["| scope | score (95% interval) | killed | timeout | survived | no coverage | ignored | invalid | not sampled |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    : ["| scope | score | killed | timeout | survived | no coverage | ignored | invalid |", "|---|---:|---:|---:|---:|---:|---:|---:|"];
  for (const folder of [...new Set(files.map(folderOf))]) {
    lines.push(row(`**${folder}**`, score(files.filter((f) => folderOf(f) === folder).flatMap((f) => byFile.get(f) ?? []))));
  }
  for (const f of files) lines.push(row(f, score(byFile.get(f) ?? [])));
  return lines.join("\n");
}

/**
 * Measured mutants of a sample that its own rates and seed would not choose (report positions from 1,
 * the checker's from 0). Always none unless results were carried over after the code moved: then the
 * sample is no longer random and its estimate is not to be trusted.
 */
export function outOfSample(report: MutationReport, rates: Readonly<Record<string, number>>, seed = 0): string[] {
  return Object.entries(report.files).flatMap(([file, { mutants }]) =>
    mutants.filter((m) => measured(m) && !chosen(file, m, rates, seed)).map((m) => `${file}:${m.location.start.line}`),
  );
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

/**
 * The results of `report` a sample run with `rates` can reuse: its tested mutants (not those its own
 * sample left out) that are in the new sample. A smaller sample, or a larger one of the same
 * files, then only runs the mutants it has not got yet. Reports count lines and columns from 1, the
 * sample checker sees Stryker's own positions, from 0.
 */
export function seedSample<R extends MutationReport>(report: R, rates: Readonly<Record<string, number>>, seed = 0): R {
  const files = Object.fromEntries(Object.entries(report.files).map(([file, entry]) => [file, { ...entry, mutants: entry.mutants.filter((m) => measured(m) && chosen(file, m, rates, seed)) }]));
  return { ...report, files };
}
