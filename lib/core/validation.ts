import { IConstruct } from "constructs";
import { Token } from "cdktf";

/** A GUID (subscription, run, pipeline endpoint ids). */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A suppression's reason must explain the exception: at least this many characters. */
export const MIN_REASON_LENGTH = 20;
export const reasonTooShort = (reason: unknown): boolean => typeof reason !== "string" || reason.trim().length < MIN_REASON_LENGTH;

/** ARM id of a blob container of a storage account. */
export const containerIdOf = (storageAccountId: string, containerName: string): string => `${storageAccountId}/blobServices/default/containers/${containerName}`;

/** True when `subnetId` is a subnet of `virtualNetworkId` (compared case-insensitively, as ARM ids are). */
export const isSubnetOf = (subnetId: string, virtualNetworkId: string): boolean => subnetId.toLowerCase().startsWith(`${virtualNetworkId.toLowerCase()}/subnets/`);

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
  return `${p.path}: ${p.property} ${showValue(p.value)} ${p.rule}`;
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
  constructor(public readonly problems: readonly Problem[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
    this.name = "ConfigValidationError";
  }
}

// Scopes currently collecting problems (an App or a stack being built). Constructs inside such a
// scope add their problems to it instead of throwing, so the user sees all problems at once.
const collectors = new WeakMap<IConstruct, Problem[]>();

function findCollector(scope: IConstruct): Problem[] | undefined {
  const chain = scope.node.scopes;
  for (let i = chain.length - 1; i >= 0; i--) {
    const list = collectors.get(chain[i]);
    if (list) return list;
  }
  return undefined;
}

/**
 * Report problems found by `scope`. Inside `collectProblems` they are gathered; otherwise
 * (a construct used on its own) they are thrown at once.
 */
export function reportProblems(scope: IConstruct, problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  const list = findCollector(scope);
  if (!list) throw new ConfigValidationError(problems);
  for (const p of problems) if (!list.some((q) => sameRootCause(q, p))) list.push(p);
}

/**
 * A value an enclosing scope already rejected for the same rule (a stack's config field that a
 * construct inside it receives again) is reported once, under the name the user wrote.
 */
function sameRootCause(reported: Problem, p: Problem): boolean {
  const same = p.rule === reported.rule && JSON.stringify(p.value) === JSON.stringify(reported.value);
  if (p.path === reported.path) return same && p.property === reported.property;
  return same && p.path.startsWith(`${reported.path}/`);
}

/**
 * Run `build` with `scope` collecting every problem reported beneath it, then throw them together.
 * Nested calls defer to the outermost collector.
 */
export function collectProblems<T>(scope: IConstruct, build: () => T): T {
  if (findCollector(scope)) return build();
  const list: Problem[] = [];
  collectors.set(scope, list);
  let result: T;
  try {
    result = build();
  } catch (e) {
    // Bad input often causes the later failure: report the collected problems first.
    if (list.length > 0 && !(e instanceof ConfigValidationError)) throw new ConfigValidationError(list);
    if (e instanceof ConfigValidationError && list.length > 0) throw new ConfigValidationError([...list, ...e.problems]);
    throw e;
  } finally {
    collectors.delete(scope);
  }
  if (list.length > 0) throw new ConfigValidationError(list);
  return result;
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
    if (typeof value !== "string") return this.fail(property, value, `must be a string that ${rule.replace(/^must /, "")}`);
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

  /** A folder path relative to a datastore/container root. */
  relativePath(property: string, value: unknown): boolean {
    const problem = relativePathProblem(value);
    return problem ? this.fail(property, value, problem) : true;
  }
}

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
  return undefined;
}
