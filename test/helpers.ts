import { Testing, TerraformStack } from "cdktf";
import { EnvironmentConfig } from "../stacks/config";
import { DatapathStack } from "../stacks/datapath-stack";
import { IConstruct } from "constructs";
import { ConfigValidationError, formatProblem, problemsIn } from "../lib/core/validation";

/** The synthesized stack as written to cdk.tf.json. */
export interface TfJson {
  readonly resource: Record<string, Record<string, Record<string, unknown>>>;
  readonly data?: Record<string, Record<string, Record<string, unknown>>>;
  readonly output?: Record<string, { value: unknown }>;
  readonly provider?: Record<string, Record<string, unknown>[]>;
  readonly terraform: Record<string, unknown>;
}

export function synthJson(stack: TerraformStack): TfJson {
  return JSON.parse(Testing.synth(stack)) as TfJson;
}

/** All resources of one type (bodies, keyed by logical id). */
export function resourcesOf(json: TfJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource[type] ?? {};
}

/** The only resource of `type`; fails when there is not exactly one. */
export function single(json: TfJson, type: string, where: (r: Record<string, unknown>) => boolean = () => true): Record<string, unknown> {
  const all = Object.values(resourcesOf(json, type)).filter(where);
  if (all.length !== 1) throw new Error(`expected exactly one matching ${type}, found ${all.length}`);
  return all[0];
}

/** Terraform reference to a resource attribute, as cdktf writes it. */
export function refTo(json: TfJson, type: string, attr: string, index = 0): string {
  const id = Object.keys(resourcesOf(json, type))[index];
  return `\${${type}.${id}.${attr}}`;
}

/**
 * A value made on first use and shared by a file's tests. In StrykerJS's coverage run (`npm run
 * mutation`, no mutant active) it is made afresh in every test that asks: Stryker credits code to the
 * test running while it executes, so a value made once would hide which tests check a mutant's code.
 * With a mutant active the code is the same for the whole run, so the value is shared again.
 */
export function shared<T>(make: () => T): () => T {
  let made: { readonly value: T } | undefined;
  return () => {
    const stryker = (globalThis as { __stryker__?: { activeMutant?: unknown } }).__stryker__;
    if (process.env.STRYKER_MUTATOR_WORKER !== undefined && stryker?.activeMutant === undefined) return make();
    made ??= { value: make() };
    return made.value;
  };
}

/** A bare stack for testing one construct on its own. */
export function bareStack(id = "test"): TerraformStack {
  return new TerraformStack(Testing.app(), id);
}

export function envStack(config: EnvironmentConfig): DatapathStack {
  return new DatapathStack(Testing.app(), config.name, config, { useBackend: true });
}

/**
 * Run `build` and return the problems it reported: thrown as a ConfigValidationError, or recorded
 * in the app of the construct (or first of the constructs) it returns. Fails when there are none.
 */
export function problemsOf(build: () => unknown): string[] {
  let built: unknown;
  try {
    built = build();
  } catch (e) {
    if (e instanceof ConfigValidationError) return e.message.split("\n").slice(1).map((l) => l.replace(/^ {2}- /, ""));
    throw e;
  }
  const scope = (Array.isArray(built) ? built[0] : built) as IConstruct | undefined;
  const problems = scope?.node ? problemsIn(scope.node.root) : [];
  if (problems.length === 0) throw new Error("expected problems, but none were reported");
  return problems.map(formatProblem);
}

/** Undo Terraform's template escaping (`$${` -> `${`, `%%{` -> `%{`) of a literal written into the output. */
export const unescapeTemplate = (v: unknown): string => String(v).replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");

/** Run `run` with environment variables set (undefined: unset), restoring them afterwards. */
export function withEnv<T>(vars: Record<string, string | undefined>, run: () => T): T {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  apply(vars);
  try {
    return run();
  } finally {
    apply(before);
  }
}

/**
 * Parse a JSON document that Terraform will template: `${...}` interpolations may contain quotes
 * (e.g. `split("/", x)`), which are escaped here so the structure can be inspected.
 */
export function parseTemplatedJson(s: string): unknown {
  return JSON.parse(s.replace(/\$\{[^}]*\}/g, (m) => m.replace(/(?<!\\)"/g, '\\"')));
}

/** The ADF pipeline of a stack: an azapi resource of type Microsoft.DataFactory/factories/pipelines. */
export function adfPipelineOf(json: TfJson, index = 0): { address: string; resource: Record<string, unknown>; activities: Record<string, unknown>[] } {
  const all = Object.entries(resourcesOf(json, "azapi_resource")).filter(([, r]) => String(r.type).startsWith("Microsoft.DataFactory/factories/pipelines@"));
  if (all.length <= index) throw new Error(`no ADF pipeline #${index}`);
  const [id, resource] = all[index];
  const activities = (resource.body as { properties: { activities: Record<string, unknown>[] } }).properties.activities;
  return { address: `azapi_resource.${id}`, resource, activities };
}

/** Props of a small MlWorkspace for construct tests (names valid, nothing shared with the environment configs). */
export const WORKSPACE_PROPS = {
  location: "westeurope",
  resourceGroupName: "rg-demo",
  workspaceName: "mlw-demo",
  storageAccountName: "stdemo01",
  keyVaultName: "kv-demo",
  logAnalyticsWorkspaceName: "log-demo",
  applicationInsightsName: "appi-demo",
} as const;
