import * as fs from "fs";
import * as path from "path";
import { IConstruct } from "constructs";
import { App, TerraformElement, TerraformStack, Token } from "cdktf";

/** A suppression's reason must explain the exception: at least this many characters. */
export const MIN_REASON_LENGTH = 20;
export const reasonTooShort = (reason: unknown): boolean => typeof reason !== "string" || reason.trim().length < MIN_REASON_LENGTH;

/** One thing wrong with the input: where, which property, what value, which rule it breaks. */
export interface Problem {
  /** Construct path, e.g. `dev/workspace`. */
  readonly path: string;
  /** Property path inside the props/config, e.g. `cluster.maxNodes`. */
  readonly property: string;
  /** The offending value as given. */
  readonly value: unknown;
  /** The rule, phrased to follow the value: `must be 3-24 lowercase letters or digits`. */
  readonly rule: string;
}

export function formatProblem(p: Problem): string {
  return `${p.path}: ${describeProblem(p)}`;
}

/** The problem without its path (cdktf prefixes a validation message with the construct path itself). */
function describeProblem(p: Problem): string {
  return `${p.property} ${showValue(p.value)} ${p.rule}`;
}

function showValue(v: unknown): string {
  if (v === undefined) return "(missing)";
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s;
  } catch {
    return String(v);
  }
}

/** Thrown once, with every problem found, before anything is synthesized. */
export class ConfigValidationError extends Error {
  /** @param cause a failure the problems explain (kept for DEBUG=1) */
  constructor(public readonly problems: readonly Problem[], cause?: unknown) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
      cause === undefined ? undefined : { cause },
    );
    this.name = "ConfigValidationError";
  }
}

// Problems live on the construct tree (node metadata of the construct that found them), not in
// module state: every app, so every synth, has its own list, and two copies of this library in one
// program share it. A stack with problems gets a guard element that fails its synthesis with every
// problem of the app before any stack is written, and each reporting construct a cdktf validation.
const PROBLEM = "aml-datapath/problem";
const GUARD_ID = "aml-datapath-problems";

const entries = <T>(scope: IConstruct, type: string): T[] => scope.node.metadata.filter((m) => m.type === type).map((m) => m.data as T);

/** Fails the synthesis of its stack with every problem of the app; written only into stacks with problems. */
class ProblemGuard extends TerraformElement {
  toTerraform(): Record<string, unknown> {
    throwIfProblems(this);
    return {};
  }
  toHclTerraform(): Record<string, unknown> {
    return this.toTerraform();
  }
}

/**
 * Record problems `scope` found in its input; the construct goes on building, so every other problem
 * is found too. Synthesizing fails with all of them before any stack is written (cdktf prepares every
 * stack first), whether through `synthToDisk`, a plain `app.synth()` or `Testing.synth`. A problem
 * reported before (same path and property) is not repeated; the problems of one call are all kept.
 */
export function reportProblems(scope: IConstruct, problems: readonly Problem[]): void {
  const earlier = problemsIn(scope.node.root);
  const fresh = problems.filter((p) => !earlier.some((q) => q.path === p.path && q.property === p.property));
  if (fresh.length === 0) return;
  if (entries<Problem>(scope, PROBLEM).length === 0) {
    scope.node.addValidation({ validate: () => entries<Problem>(scope, PROBLEM).map(describeProblem) });
  }
  for (const p of fresh) scope.node.addMetadata(PROBLEM, p);
  const stack = scope.node.scopes.find((s) => TerraformStack.isStack(s));
  if (stack && !stack.node.tryFindChild(GUARD_ID)) new ProblemGuard(stack, GUARD_ID);
  guardSynth(scope.node.root);
}

// Marks an app whose synth() is guarded (a symbol in the global registry: two copies of this library share it).
const GUARDED = Symbol.for("aml-datapath/guarded-synth");

/**
 * Make a plain `app.synth()` of an app with problems end like `synthApp` does for this repository's
 * own app: every problem at once, before cdktf prepares or writes any stack, and nothing left behind
 * (the empty `stacks/` folder and output folder cdktf creates when the App is constructed are
 * removed). The error is still thrown, so a caller (or a test) can catch it. When nothing catches it,
 * Node would print it with the source line of the throw, a caret and its version around it, which no
 * property of an error can suppress: so only for this error, and only until the next turn of the
 * event loop, an `uncaughtException` listener prints the problems alone and sets exit code 1.
 * With `DEBUG` set, the error is left to Node as it is (stack trace and cause included).
 */
function guardSynth(root: IConstruct): void {
  if (!App.isApp(root) || (root as unknown as Record<symbol, unknown>)[GUARDED]) return;
  const app = root;
  const synth = app.synth.bind(app);
  Object.defineProperty(app, GUARDED, { value: true });
  app.synth = (): void => {
    try {
      throwIfProblems(app);
      synth();
    } catch (e) {
      if (!(e instanceof Error) || e.name !== "ConfigValidationError") throw e;
      removeIfEmpty(path.join(app.outdir, "stacks"));
      removeIfEmpty(app.outdir);
      if (!process.env.DEBUG) reportIfUncaught(e);
      throw e;
    }
  };
}

function removeIfEmpty(dir: string): void {
  try {
    if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  } catch {
    // Not there, or not ours to remove: nothing to clean up.
  }
}

/** Print `error`'s message alone (exit code 1) if nothing catches it in this turn of the event loop. */
function reportIfUncaught(error: Error): void {
  const listener = (thrown: unknown): void => {
    process.off("uncaughtException", listener);
    if (thrown === error) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    } else if (process.listenerCount("uncaughtException") === 0) {
      // Another error while ours was caught: end the way Node would have without this listener.
      process.stderr.write(`${thrown instanceof Error ? (thrown.stack ?? String(thrown)) : String(thrown)}\n`);
      process.exit(1);
    }
  };
  process.on("uncaughtException", listener);
  setImmediate(() => process.off("uncaughtException", listener)).unref();
}

/** Every problem reported under `scope`, in tree order (a stack's config before its constructs). */
export function problemsIn(scope: IConstruct): Problem[] {
  return scope.node.findAll().flatMap((n) => entries<Problem>(n, PROBLEM));
}

/** Throw every problem reported in `scope`'s app at once (nothing to do when there is none). */
export function throwIfProblems(scope: IConstruct): void {
  const problems = problemsIn(scope.node.root);
  if (problems.length > 0) throw new ConfigValidationError(problems);
}

/**
 * Small helper that accumulates problems for one construct path.
 * Each check returns true when the value passed, so callers can skip dependent checks.
 */
export class Checker {
  readonly problems: Problem[] = [];
  constructor(private readonly path: string) {}

  fail(property: string, value: unknown, rule: string): false {
    this.problems.push({ path: this.path, property, value, rule });
    return false;
  }

  /** A required string matching `pattern`; `rule` describes the pattern. */
  name(property: string, value: unknown, pattern: RegExp, rule: string): boolean {
    if (typeof value !== "string") return this.fail(property, value, `must be a string that ${rule.replace(/^must be /, "is ").replace(/^must /, "")}`);
    return pattern.test(value) ? true : this.fail(property, value, rule);
  }

  /** Unresolved tokens are references that only resolve at plan time: accepted. */
  nonEmptyString(property: string, value: unknown): value is string {
    if (typeof value !== "string" || value.trim() === "") return this.fail(property, value, "must be a non-empty string");
    return true;
  }

  integer(property: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      return this.fail(property, value, `must be an integer from ${min} to ${max}`);
    }
    if (value < min || value > max) return this.fail(property, value, `must be an integer from ${min} to ${max}`);
    return true;
  }

  boolean(property: string, value: unknown): value is boolean {
    return typeof value === "boolean" ? true : this.fail(property, value, "must be true or false");
  }

  optionalBoolean(property: string, value: unknown): boolean {
    return value === undefined || this.boolean(property, value);
  }

  oneOf<T extends string>(property: string, value: unknown, allowed: readonly T[]): value is T {
    if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return true;
    return this.fail(property, value, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}`);
  }

  /** An ARM resource id (or an unresolved token, which cannot be checked at synth). */
  resourceId(property: string, value: unknown): boolean {
    if (typeof value !== "string") return this.fail(property, value, "must be an Azure resource id string");
    if (Token.isUnresolved(value)) return true;
    return /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+/i.test(value)
      ? true
      : this.fail(property, value, "must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)");
  }

  /** An optional list: the value, or no items when it is not an array (reported). */
  list<T>(property: string, value: readonly T[] | undefined): readonly T[] {
    if (value === undefined) return [];
    if (Array.isArray(value)) return value;
    this.fail(property, value, "must be a list");
    return [];
  }

  /** An optional list of objects: the items that are objects; any other item is reported and left out. */
  objects<T extends object>(property: string, value: readonly T[] | undefined): readonly T[] {
    return this.list(property, value).filter((item, i) => isObject(item) || this.fail(`${property}[${i}]`, item, "must be an object"));
  }

  /** An optional list of ARM ids: the valid ones (or references); any other item is reported and left out. */
  resourceIds(property: string, value: readonly string[] | undefined): readonly string[] {
    return this.list(property, value).filter((id, i) => this.resourceId(`${property}[${i}]`, id));
  }

  /** A folder path relative to a datastore/container root. */
  relativePath(property: string, value: unknown): boolean {
    const problem = relativePathProblem(value);
    return problem ? this.fail(property, value, problem) : true;
  }

  /** A point in time, RFC 3339, that exists on the calendar. */
  time(property: string, value: unknown): boolean {
    const problem = timeProblem(value);
    return problem ? this.fail(property, value, problem) : true;
  }
}

/**
 * The name of `key` under `prefix` (`cluster` + `maxNodes` is `cluster.maxNodes`; no prefix, the key
 * itself): validation functions shared by a construct and the environment config report under either's names.
 */
export const under = (prefix: string, key: string): string => (prefix === "" ? key : `${prefix}.${key}`);

/**
 * `value` when it is a construct with each of `strings` a string and each of `methods` a function
 * (an `IMlWorkspace`, an `IComputeCluster`, ...); anything else is reported under `property` as
 * `must be <what>`, and undefined returned.
 */
export function checkReference<T>(c: Checker, property: string, value: unknown, shape: { readonly strings: readonly string[]; readonly methods?: readonly string[] }, what: string): T | undefined {
  const v = value as Record<string, unknown>;
  const fits = isObject(value) && "node" in value && shape.strings.every((f) => typeof v[f] === "string") && (shape.methods ?? []).every((m) => typeof v[m] === "function");
  if (fits) return value as T;
  c.fail(property, describeValue(value), `must be ${what}`);
  return undefined;
}

/** A construct by its path, anything else as it is (for problem messages: a construct does not serialize). */
export const describeValue = (value: unknown): unknown => {
  const node = isObject(value) ? (value as Partial<IConstruct>).node : undefined;
  return node && typeof node.path === "string" ? `<construct ${node.path}>` : value;
};

/** A plain object (not null, not a list). */
export const isObject = (value: unknown): value is object => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * `value` when it is a string, else "": lets a construct go on building after a wrong-typed prop,
 * whose problem its checks have already reported (every other problem is still found).
 */
export const text = (value: unknown): string => (typeof value === "string" ? value : "");

/** Returns why `value` is not a safe datastore-relative folder path, or undefined when it is. */
export function relativePathProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || value.trim() === "") return "must be a non-empty relative path";
  if (value.startsWith("/") || /^[a-zA-Z]:/.test(value) || value.includes("://")) {
    return "must be relative to the datastore root (no leading '/', drive letter or scheme)";
  }
  if (value.includes("\\")) return "must use '/' as separator (no backslashes)";
  if (value.split("/").some((seg) => seg === ".." || seg === ".")) return "must not contain '.' or '..' segments";
  if (value.includes("//")) return "must not contain empty segments ('//')";
  if (value.endsWith("/")) return "must not end with '/' (name the folder itself)";
  // Quotes and control characters would have to be escaped in every consumer (ADF expressions, URIs).
  if (/["'\u0000-\u001f\u007f]/.test(value)) return "must not contain quotes or control characters";
  // A leading '@' makes ADF read a trigger parameter as an expression; '${' and '%{' are Terraform templates.
  if (value.startsWith("@") || value.includes("${") || value.includes("%{")) return "must not start with '@' or contain '${' or '%{'";
  const outside = [...new Set([...value].filter((ch) => !URI_PATH_CHARACTER.test(ch)))];
  if (outside.length > 0) {
    return `must not contain ${outside.map(describeCharacter).join(", ")}: a data path is part of azureml://datastores/<datastore>/paths/<path>, where that would need percent-encoding (allowed: letters A-Z a-z, digits, - . _ ~ ! $ & ( ) * + , ; = : @ and /)`;
  }
  return undefined;
}

/**
 * One character of a URI path segment that needs no percent-encoding (RFC 3986 `pchar`: unreserved,
 * sub-delims, ':' and '@'), or the '/' between segments. Every run's data path becomes part of an
 * `azureml://datastores/<datastore>/paths/<path>` URI; whether AML decodes a percent-encoded path is
 * not documented (docs/deploy-assumptions.md), so characters that would need it are refused everywhere
 * a data path is taken: the config, the ADF pipeline's "Validate parameters" and the CLI.
 */
const URI_PATH_CHARACTER = /^[A-Za-z0-9\-._~!$&'()*+,;=:@\/]$/u;

function describeCharacter(ch: string): string {
  if (ch === " ") return "' ' (space)";
  const code = ch.codePointAt(0)!;
  return `'${ch}' (U+${code.toString(16).toUpperCase().padStart(4, "0")})`;
}

const TIME = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(?:Z|[+-](\d\d):(\d\d))$/;
const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const TIME_EXAMPLE = "2026-12-01T06:00:00Z";

/** Days of `month` (1-12) in `year`, leap years included (Gregorian). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Returns why `value` is not an RFC 3339 time that exists (month 01-12, a day its month has, leap
 * years included, hour 00-23, minute and second 00-59, offset up to 23:59), or undefined when it is.
 */
export function timeProblem(value: unknown): string | undefined {
  const m = typeof value === "string" ? TIME.exec(value) : null;
  if (!m) return `must be an RFC 3339 time such as ${TIME_EXAMPLE}`;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const wrong: string[] = [];
  if (month < 1 || month > 12) wrong.push(`month ${m[2]} is not 01-12`);
  if (month >= 1 && month <= 12) {
    if (day < 1 || day > daysInMonth(year, month)) wrong.push(`${MONTH_NAMES[month - 1]} ${m[1]} has no day ${m[3]}`);
  } else if (day < 1 || day > 31) wrong.push(`day ${m[3]} is not 01-31`);
  if (hour > 23) wrong.push(`hour ${m[4]} is not 00-23`);
  if (minute > 59) wrong.push(`minute ${m[5]} is not 00-59`);
  if (second > 59) wrong.push(`second ${m[6]} is not 00-59`);
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) wrong.push(`offset ${m[8]}:${m[9]} is beyond 23:59`);
  return wrong.length > 0 ? `must be a time that exists, e.g. ${TIME_EXAMPLE} (${wrong.join("; ")})` : undefined;
}
