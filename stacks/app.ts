import * as fs from "fs";
import * as path from "path";
import { App, DISABLE_STACK_TRACE_IN_METADATA, TerraformStack } from "cdktf";
import { ConfigValidationError, isObject, reportProblems, throwIfProblems } from "../lib/core/validation";
import { EnvironmentConfig, localStatePath, validateEnvironmentConfig, validateEnvironmentSet } from "./config";
import { DatapathStack } from "./datapath-stack";

/** What cdktf takes as a stack's name: no whitespace, glob character or path separator. */
const STACK_ID = /^[^\s*?[\]{}!/]+$/;

/**
 * Build one `DatapathStack` per environment in `app`, reporting every config problem of every
 * environment at once. `AML_DATAPATH_LOCAL_STATE=1` (set by `npm run plan/deploy -- <env> --local-state`)
 * keeps state in local files (`localStatePath`, relative to each stack folder) instead of the
 * configured backend; it is the only way a test or prod config may go without one.
 */
export function addEnvironments(app: App, configs: readonly EnvironmentConfig[], vars: NodeJS.ProcessEnv = process.env): DatapathStack[] {
  const local = vars.AML_DATAPATH_LOCAL_STATE === "1";
  reportProblems(app, validateEnvironmentSet("app", configs));
  const stacks: DatapathStack[] = [];
  const ids = new Set<string>();
  configs.forEach((cfg, i) => {
    // A config that is not an object is reported above, by its place in the list. One whose name
    // cannot name a stack (not text, or with characters cdktf refuses in stack names), or repeats an
    // earlier environment's name (reported above), is checked under its place in the list and not
    // built; any other is built, and its stack checks it first and builds nothing when it has problems.
    if (!isObject(cfg)) return;
    const id = typeof cfg.name === "string" && STACK_ID.test(cfg.name) && !ids.has(cfg.name) ? cfg.name : undefined;
    if (id === undefined) {
      reportProblems(app, validateEnvironmentConfig(`environments[${i}]`, cfg, { localState: local }));
      return;
    }
    ids.add(id);
    try {
      stacks.push(new DatapathStack(app, id, cfg, local ? { localStatePath: localStatePath(id) } : {}));
    } catch (e) {
      // A config with problems builds nothing (its problems are recorded): go on, so the others are checked too.
      if (!(e instanceof ConfigValidationError)) throw e;
    }
  });
  throwIfProblems(app);
  return stacks;
}

/** Error annotations (e.g. security findings in prod) stopped the synthesis: nothing is written. */
export class SynthFindingsError extends Error {
  constructor(readonly findings: readonly string[]) {
    super(`Synth failed with ${findings.length} error${findings.length === 1 ? "" : "s"}:\n${findings.map((f) => `  - ${f}`).join("\n")}`);
    this.name = "SynthFindingsError";
  }
}

interface Annotation {
  /** The stack (environment) whose construct it is on. */
  readonly stack: string;
  readonly level: "ERROR" | "WARN" | "INFO";
  readonly message: string;
}

/**
 * cdktf's App.synth throws on error annotations, with a hint to bypass the check. Turn that into our
 * own error listing each finding; any other error is returned unchanged.
 */
function findingsFrom(e: unknown): unknown {
  const message = e instanceof Error ? e.message : "";
  if (!message.startsWith('Encountered Annotations with level "ERROR"')) return e;
  const findings = message.split("\n").flatMap((line) => /^\[[^\]]+\] (.+)$/.exec(line)?.[1] ?? []);
  return findings.length > 0 ? new SynthFindingsError(findings) : e;
}

/**
 * The annotations of every stack, from the manifest cdktf wrote. Errors normally stop the synth
 * before; under the cdktf/cdktn CLI (CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS) they are written instead.
 */
export function readAnnotations(outdir: string): Annotation[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as {
    stacks: Record<string, { annotations: { level: string; message: string }[] }>;
  };
  const all = Object.entries(manifest.stacks).flatMap(([stack, st]) =>
    st.annotations.map((a) => ({ stack, level: (a.level.replace("@cdktf/", "").toUpperCase() as string).replace(/^WARNING$/, "WARN") as Annotation["level"], message: a.message })),
  );
  return all;
}

/** One environment's synth in numbers: what `npm run synth` prints for it (`summaryLine`). */
export interface StackSummary {
  readonly stack: string;
  /** Resources in its cdk.tf.json (data sources not counted). */
  readonly resources: number;
  readonly errors: number;
  readonly warnings: number;
  /** Findings of the security rule pack accepted by a suppression in the config (infos saying "suppressed:"). */
  readonly acceptedExceptions: number;
  /** Any other info. */
  readonly infos: number;
}

/**
 * A good synth: the notes (warnings and infos, one line each) and a summary of each stack, of the
 * stacks `notesOf` keeps. A failed one: its message, and after an error finding the notes too.
 */
export type SynthOutcome =
  | { readonly ok: true; readonly notes: readonly string[]; readonly summaries: readonly StackSummary[] }
  | { readonly ok: false; readonly message: string; readonly notes?: readonly string[] };

const noteLine = (a: Annotation): string => `${a.level === "WARN" ? "warning" : "info"}: ${a.message}`;
const isAcceptedException = (a: Annotation): boolean => a.level === "INFO" && / suppressed: /.test(a.message);

/** The warnings and infos recorded on the constructs of each stack (of `notesOf`, when it names one), as note lines. */
function notesInTree(app: App, notesOf: string | undefined): string[] {
  const stacks = app.node.children.filter((c) => TerraformStack.isStack(c));
  const shown = stacks.some((s) => s.node.id === notesOf) ? stacks.filter((s) => s.node.id === notesOf) : stacks;
  const levels: Record<string, Annotation["level"]> = { "@cdktf/warn": "WARN", "@cdktf/info": "INFO" };
  return shown.flatMap((stack) =>
    stack.node.findAll().flatMap((c) => c.node.metadata.flatMap((m) => (levels[m.type] ? [noteLine({ stack: stack.node.id, level: levels[m.type], message: String(m.data) })] : []))),
  );
}

/** Each stack's summary (in the manifest's order), of `only` if given: resources from its cdk.tf.json, notes by level. */
function summariesOf(outdir: string, annotations: readonly Annotation[], only: string | undefined): StackSummary[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, { synthesizedStackPath: string }> };
  return Object.entries(manifest.stacks)
    .filter(([stack]) => only === undefined || stack === only)
    .map(([stack, st]) => {
      const tf = JSON.parse(fs.readFileSync(path.join(outdir, st.synthesizedStackPath), "utf8")) as { resource?: Record<string, Record<string, unknown>> };
      const mine = annotations.filter((a) => a.stack === stack);
      const count = (keep: (a: Annotation) => boolean) => mine.filter(keep).length;
      return {
        stack,
        resources: Object.values(tf.resource ?? {}).reduce((n, byId) => n + Object.keys(byId).length, 0),
        errors: count((a) => a.level === "ERROR"),
        warnings: count((a) => a.level === "WARN"),
        acceptedExceptions: count(isAcceptedException),
        infos: count((a) => a.level === "INFO" && !isAcceptedException(a)),
      };
    });
}

const counted = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

/** `dev: 62 resources, 0 errors, 2 warnings, 3 accepted exceptions` (and `, 1 other note` when there are any). */
export function summaryLine(s: StackSummary): string {
  const parts = [counted(s.resources, "resource"), counted(s.errors, "error"), counted(s.warnings, "warning"), counted(s.acceptedExceptions, "accepted exception")];
  if (s.infos > 0) parts.push(counted(s.infos, "other note"));
  return `${s.stack}: ${parts.join(", ")}`;
}

/**
 * The lines a good synth prints. AML_DATAPATH_VERBOSE=0 (what `npm run synth`, plan and deploy set
 * without --verbose): one summary line per environment, and how to list the notes when there are
 * any. Otherwise (=1, or unset: `node dist/main.js` run by hand) every note, then the summaries.
 */
export function synthReport(outcome: { readonly notes: readonly string[]; readonly summaries: readonly StackSummary[] }, vars: NodeJS.ProcessEnv = process.env): string[] {
  const lines = outcome.summaries.map(summaryLine);
  if (vars.AML_DATAPATH_VERBOSE !== "0") return [...outcome.notes, ...lines];
  if (outcome.notes.length === 0) return lines;
  // Under plan/deploy (AML_DATAPATH_ENV) the flag goes to their own command line.
  const hint = vars.AML_DATAPATH_ENV ? "--verbose lists them" : "npm run synth -- --verbose lists them";
  return lines.length === 1 ? [`${lines[0]} (${hint})`] : [...lines, `(${hint})`];
}

export interface SynthOptions {
  /**
   * Return only this stack's notes (warnings and infos), e.g. the environment being planned. Every
   * stack is still synthesized, and an error finding in any of them still fails the synth.
   * @default - every stack's notes
   */
  readonly notesOf?: string;
}

/**
 * Build the app with `build`, then synthesize into a scratch folder and swap it into `outdir`, so a
 * failure (bad config, an error finding) never leaves a partial output. Never throws.
 */
export function synthToDisk(build: (app: App) => void, outdir: string, options: SynthOptions = {}): SynthOutcome {
  const scratch = `${outdir}.partial`;
  // cdktf captures a full stack trace for every token it creates; with ts-node's source-map support
  // installed, formatting each one dominates synth time. Our errors never show traces, so use V8's
  // plain formatting while building and synthesizing (DEBUG=1 keeps the mapped traces).
  const errorClass = Error as { prepareStackTrace?: unknown; captureStackTrace: (target: object, below?: unknown) => void };
  const mappedTraces = errorClass.prepareStackTrace;
  const capture = errorClass.captureStackTrace;
  if (!process.env.DEBUG) {
    errorClass.prepareStackTrace = undefined;
    // cdktf records a full stack trace (at unlimited depth) for every token it creates, only to show
    // it when a token cannot be resolved; we never show traces, so record an empty one. Errors thrown
    // here still get their own stack: V8 fills it without this function.
    errorClass.captureStackTrace = (target: object) => {
      (target as { stack?: string }).stack = "";
    };
  }
  let notes: string[] | undefined;
  let app: App | undefined;
  try {
    fs.rmSync(scratch, { recursive: true, force: true });
    // Stack traces in annotations would put this machine's absolute paths into the manifest.
    app = new App({ outdir: scratch, skipValidation: false, context: { [DISABLE_STACK_TRACE_IN_METADATA]: true } });
    build(app);
    // Every problem of every stack at once, before cdktf writes the first one.
    throwIfProblems(app);
    app.synth();
    const annotations = readAnnotations(scratch);
    // A name that is no stack filters nothing: better every note than silently none.
    const only = options.notesOf !== undefined && annotations.some((a) => a.stack === options.notesOf) ? options.notesOf : undefined;
    notes = annotations.filter((a) => a.level !== "ERROR" && (only === undefined || a.stack === only)).map(noteLine);
    // The same rule as without the CLI: an error finding fails the synth and nothing is written.
    const errors = annotations.filter((a) => a.level === "ERROR").map((a) => a.message);
    if (errors.length > 0) throw new SynthFindingsError(errors);
    const summaries = summariesOf(scratch, annotations, only);
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.renameSync(scratch, outdir);
    return { ok: true, notes, summaries };
  } catch (thrown) {
    const e = findingsFrom(thrown);
    fs.rmSync(scratch, { recursive: true, force: true });
    if (process.env.DEBUG) console.error(e);
    const known = e instanceof ConfigValidationError || e instanceof SynthFindingsError;
    const message = known ? e.message : `Synth failed: ${e instanceof Error ? e.message : String(e)}`;
    // After an error finding, the notes of the same synth belong to the full picture: from the
    // manifest, or when cdktf stopped at the first stack with an error, from the constructs (the
    // stacks it got to).
    if (e instanceof SynthFindingsError && notes === undefined && app !== undefined) notes = notesInTree(app, options.notesOf);
    return e instanceof SynthFindingsError && notes !== undefined && notes.length > 0 ? { ok: false, message, notes } : { ok: false, message };
  } finally {
    errorClass.prepareStackTrace = mappedTraces;
    errorClass.captureStackTrace = capture;
  }
}

/**
 * `synthToDisk` into $CDKTF_OUTDIR (or cdktf.out) for the command line: findings and errors are
 * printed as readable lines without a stack trace (DEBUG=1 shows one), and a failure exits 1.
 * AML_DATAPATH_ENV=<env> (set by `npm run plan/deploy -- <env>`) prints only that environment's
 * notes; every environment is still synthesized and checked. AML_DATAPATH_VERBOSE=0 prints a
 * summary line per environment instead of the notes (`synthReport`); a failure always lists them.
 */
export function synthApp(build: (app: App) => void, vars: NodeJS.ProcessEnv = process.env): void {
  const notesOf = vars.AML_DATAPATH_ENV === undefined || vars.AML_DATAPATH_ENV === "" ? undefined : vars.AML_DATAPATH_ENV;
  const outcome = synthToDisk(build, path.resolve(vars.CDKTF_OUTDIR ?? "cdktf.out"), { notesOf });
  // The cdktf/cdktn CLI prints the manifest's annotations itself (and shows our stderr as errors):
  // print the notes only when run directly, so each appears once.
  const direct = vars.CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS !== "true";
  if (outcome.ok) {
    if (direct) for (const line of synthReport(outcome, vars)) console.error(line);
    return;
  }
  if (direct) for (const note of outcome.notes ?? []) console.error(note);
  console.error(outcome.message);
  process.exit(1);
}
