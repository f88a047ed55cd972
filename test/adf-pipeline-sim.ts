/**
 * Runs a Data Factory pipeline's wire activities the way ADF's control flow does, so tests can check
 * which activities run on each failure path and how the run ends, with the real expressions
 * evaluated by `evaluate`. Web calls go to a scripted `world`.
 *
 * Semantics (Microsoft's "Pipeline failure and error message" and activity-dependency docs):
 * - an activity runs when every dependency has ended in one of its listed conditions
 *   (Succeeded, Failed, Skipped, Completed = Succeeded or Failed); otherwise it is Skipped;
 * - a container's (pipeline's, branch's, loop body's) outcome: evaluate each leaf activity; a
 *   skipped leaf is replaced by its parents; the outcome is success iff every evaluated one succeeded;
 * - Until runs its body, then its expression, until the expression is true, and fails when it runs
 *   out of iterations (its `timeout`, here a count given by the test). Microsoft: "If an inner
 *   activity fails, the Until activity doesn't stop"; whether it then ends as failed is not
 *   documented, so `untilFailsOnInnerFailure` selects either reading;
 * - an expression that cannot be evaluated fails its activity;
 * - a Web activity with `policy.retry` is attempted up to retry + 1 times.
 */
import { AdfContext, evaluate } from "./adf-expression";

type Wire = { readonly [key: string]: unknown };
type Status = "Succeeded" | "Failed" | "Skipped";

export interface WebCall {
  readonly activity: string;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly auth: { type: string; resource: string };
  readonly httpRequestTimeout?: string;
}

/** Answers a Web activity call: an output object, or throws an Error whose message becomes the activity's error. */
export type World = (call: WebCall) => unknown;

export interface SimOptions {
  readonly parameters: Record<string, string>;
  readonly variables?: Record<string, string>;
  readonly runId?: string;
  readonly world: World;
  /** Until iterations before the loop counts as timed out. @default 50 */
  readonly untilIterations?: number;
  /** An Until whose iteration failed ends as failed (once its expression is true). @default false */
  readonly untilFailsOnInnerFailure?: boolean;
}

export interface SimResult {
  readonly status: "Succeeded" | "Failed";
  /** Every activity run, in order (loop bodies once per iteration). */
  readonly ran: { name: string; status: Status; error?: string }[];
  readonly calls: WebCall[];
  /** The error of the first failed leaf that decided the run (a Fail activity's message, say). */
  readonly error?: { message: string; errorCode?: string };
  readonly variables: Record<string, string>;
  statusOf(name: string): Status | undefined;
}

/** A mistake in the pipeline definition the simulator cannot run (not an ADF run-time failure). */
class SimulatorError extends Error {}

class ActivityFailure extends Error {
  constructor(message: string, readonly errorCode?: string) {
    super(message);
  }
}

export function simulatePipeline(activities: readonly Wire[], o: SimOptions): SimResult {
  const outputs: Record<string, unknown> = {};
  const errors: Record<string, { message: string; errorCode?: string }> = {};
  const statuses: Record<string, Status> = {};
  const variables: Record<string, string> = { ...(o.variables ?? {}) };
  const ran: SimResult["ran"] = [];
  const calls: WebCall[] = [];
  const ctx = (): AdfContext => ({ parameters: o.parameters, runId: o.runId ?? "run-1", variables, activityOutputs: outputs, activityErrors: errors });
  const value = (v: unknown): unknown => {
    if (v !== null && typeof v === "object" && (v as { type?: string }).type === "Expression") return evaluate((v as { value: string }).value, ctx());
    if (typeof v === "string" && v.startsWith("@")) return evaluate(v, ctx());
    return v;
  };

  const runOne = (a: Wire): void => {
    const name = String(a.name);
    const tp = (a.typeProperties ?? {}) as Record<string, unknown>;
    switch (a.type) {
      case "WebActivity": {
        const retry = Number((a.policy as { retry?: number } | undefined)?.retry ?? 0);
        const headers = Object.fromEntries(Object.entries((tp.headers ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(value(v))]));
        const call: WebCall = {
          activity: name,
          method: String(tp.method),
          url: String(value(tp.url)),
          headers,
          body: tp.body === undefined ? undefined : String(value(tp.body)),
          auth: tp.authentication as WebCall["auth"],
          httpRequestTimeout: tp.httpRequestTimeout as string | undefined,
        };
        let last: unknown;
        for (let attempt = 0; attempt <= retry; attempt++) {
          calls.push(call);
          try {
            outputs[name] = o.world(call);
            return;
          } catch (e) {
            last = e;
          }
        }
        throw new ActivityFailure((last as Error).message);
      }
      case "Wait": {
        const seconds = value(tp.waitTimeInSeconds);
        if (!Number.isInteger(seconds)) throw new ActivityFailure(`waitTimeInSeconds is not an integer: ${JSON.stringify(seconds)}`);
        return;
      }
      case "SetVariable":
        variables[String(tp.variableName)] = String(value(tp.value));
        return;
      case "Fail":
        throw new ActivityFailure(String(value(tp.message)), String(value(tp.errorCode)));
      case "IfCondition": {
        const branch = value(tp.expression) === true ? tp.ifTrueActivities : tp.ifFalseActivities;
        const failed = runContainer((branch ?? []) as Wire[]);
        if (failed) throw new ActivityFailure(failed.message, failed.errorCode);
        return;
      }
      case "Until": {
        const limit = o.untilIterations ?? 50;
        let innerFailure: { message: string; errorCode?: string } | undefined;
        for (let i = 0; i < limit; i++) {
          innerFailure = runContainer(tp.activities as Wire[]) ?? innerFailure;
          if (value(tp.expression) === true) {
            if (innerFailure && o.untilFailsOnInnerFailure) throw new ActivityFailure(innerFailure.message, innerFailure.errorCode);
            return;
          }
        }
        throw new ActivityFailure(`Activity '${name}' timed out after ${String(tp.timeout)}`, "ActivityTimedOut");
      }
      default:
        throw new SimulatorError(`simulator: unsupported activity type ${String(a.type)}`);
    }
  };

  /** Runs a list of activities by their dependencies; returns the error that fails the container, if any. */
  const runContainer = (list: readonly Wire[]): { message: string; errorCode?: string } | undefined => {
    const names = list.map((a) => String(a.name));
    const deps = (a: Wire) => ((a.dependsOn ?? []) as { activity: string; dependencyConditions: string[] }[]);
    for (const a of list) for (const d of deps(a)) if (!names.includes(d.activity)) throw new SimulatorError(`${String(a.name)} depends on unknown ${d.activity}`);
    const local: Record<string, Status> = {};
    const pending = [...list];
    while (pending.length > 0) {
      const i = pending.findIndex((a) => deps(a).every((d) => local[d.activity] !== undefined));
      if (i < 0) throw new SimulatorError(`simulator: dependency cycle among ${pending.map((a) => a.name).join(", ")}`);
      const a = pending.splice(i, 1)[0];
      const name = String(a.name);
      const meets = deps(a).every((d) =>
        d.dependencyConditions.some((c) => c === local[d.activity] || (c === "Completed" && local[d.activity] !== "Skipped")),
      );
      let status: Status = "Skipped";
      let error: string | undefined;
      if (meets) {
        try {
          runOne(a);
          status = "Succeeded";
        } catch (e) {
          if (e instanceof SimulatorError || !(e instanceof Error)) throw e;
          // An expression that cannot be evaluated fails the activity, as in ADF.
          status = "Failed";
          error = e.message;
          errors[name] = { message: e.message, errorCode: e instanceof ActivityFailure ? e.errorCode : "ExpressionEvaluationFailed" };
        }
      }
      local[name] = status;
      statuses[name] = status;
      ran.push({ name, status, ...(error !== undefined ? { error } : {}) });
    }
    // Outcome: leaves, with skipped leaves replaced by their parents.
    const isParent = new Set(list.flatMap((a) => deps(a).map((d) => d.activity)));
    const byName = new Map(list.map((a) => [String(a.name), a]));
    const evaluated = new Set<string>();
    const visit = (name: string): void => {
      if (local[name] === "Skipped") deps(byName.get(name)!).forEach((d) => visit(d.activity));
      else evaluated.add(name);
    };
    names.filter((n) => !isParent.has(n)).forEach(visit);
    const failed = [...evaluated].find((n) => local[n] === "Failed");
    return failed ? errors[failed] : undefined;
  };

  const error = runContainer(activities);
  return {
    status: error ? "Failed" : "Succeeded",
    ran,
    calls,
    error,
    variables,
    statusOf: (name) => statuses[name],
  };
}
