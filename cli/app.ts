/**
 * The environments of the app the CLI runs in, whichever app that is:
 *
 * - its synthesized stacks, `<output>/stacks/<stack>/cdk.tf.json` (output: cdktf.json's `output`,
 *   default `cdktf.out`): every `DatapathPipeline` leaves an `aml_datapath_<pipeline>` output there
 *   (lib/pipeline/cli-manifest.ts), whose references to the stack's own resources are resolved
 *   offline, from their arguments;
 * - `aml-datapath.json` in the app's folder: the same fields, literal, for teams that do not synthesize
 *   first (an entry there wins over a stack of the same name).
 *
 * The app's folder is `--app-dir`, else the nearest folder at or above the working directory with a
 * cdktf.json, else the working directory.
 */
import * as fs from "fs";
import * as path from "path";
import { CLI_MANIFEST_FORMAT, CLI_MANIFEST_PREFIX, CliManifest } from "../lib/pipeline/cli-manifest";
import { UsageError, Vars } from "./context";
import { providerSetting, StackJson, StackModel, SYNTH_HINT, Unresolved } from "./stack-model";
import { ClusterInfo, Cloud, cloudOf, findSubscription, InputContainer, noSubscription, parseArmId, SubscriptionSource, Target } from "./target";

/** The file an app may list its environments in. */
export const CONFIG_FILE = "aml-datapath.json";

/** One pipeline of an environment, resolved on demand (a manifest's references, the subscription). */
export interface EnvironmentPipeline {
  readonly name: string;
  readonly resolve: (vars: Vars) => Promise<Target>;
}

export interface Environment {
  /** The stack's name (or the config entry's): what `--env` takes. */
  readonly name: string;
  /** Where it was found, for messages. */
  readonly source: string;
  /** Folder of the synthesized stack (verify, diff and local read it), when there is one. */
  readonly stackDir?: string;
  readonly pipelines: readonly EnvironmentPipeline[];
}

export interface App {
  /** The app's folder. */
  readonly dir: string;
  /** Where its stacks are synthesized. */
  readonly outDir: string;
  readonly environments: readonly Environment[];
  /** What was found but could not be used (a stack without a manifest, an unreadable file). */
  readonly notes: readonly string[];
}

/** `--app-dir`, else the nearest folder at or above `cwd` with a cdktf.json, else `cwd`. */
export function appDirOf(cwd: string, given?: string): string {
  if (given !== undefined) {
    const dir = path.resolve(cwd, given);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--app-dir "${given}" is not a folder`);
    return dir;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "cdktf.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(cwd);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const relativeTo = (from: string, file: string) => path.relative(from, file) || ".";

/** The app in `dir`: its stacks' manifests and its aml-datapath.json. */
export function readApp(dir: string): App {
  const notes: string[] = [];
  let output = "cdktf.out";
  const cdktfJson = path.join(dir, "cdktf.json");
  if (fs.existsSync(cdktfJson)) {
    try {
      const configured = (JSON.parse(fs.readFileSync(cdktfJson, "utf8")) as { output?: unknown }).output;
      if (typeof configured === "string" && configured !== "") output = configured;
    } catch (e) {
      notes.push(`${cdktfJson} is not valid JSON (${(e as Error).message}); looking in cdktf.out`);
    }
  }
  const outDir = path.resolve(dir, output);
  const byName = new Map<string, Environment>();
  for (const env of stackEnvironments(dir, outDir, notes)) byName.set(env.name, env);
  for (const env of configEnvironments(dir, notes)) byName.set(env.name, { ...env, stackDir: byName.get(env.name)?.stackDir });
  return { dir, outDir, environments: [...byName.values()].sort((a, b) => a.name.localeCompare(b.name)), notes };
}

function stackEnvironments(dir: string, outDir: string, notes: string[]): Environment[] {
  const stacks = path.join(outDir, "stacks");
  if (!fs.existsSync(stacks)) return [];
  const found: Environment[] = [];
  for (const name of fs.readdirSync(stacks).sort()) {
    const stackDir = path.join(stacks, name);
    const file = path.join(stackDir, "cdk.tf.json");
    if (!fs.existsSync(file)) continue;
    let json: StackJson;
    try {
      json = JSON.parse(fs.readFileSync(file, "utf8")) as StackJson;
    } catch (e) {
      notes.push(`${relativeTo(dir, file)} is not valid JSON (${(e as Error).message})`);
      continue;
    }
    const manifests = Object.entries(json.output ?? {}).filter(([key, o]) => key.startsWith(CLI_MANIFEST_PREFIX) && isObject(o.value) && o.value.format === CLI_MANIFEST_FORMAT);
    if (manifests.length === 0) {
      notes.push(`stack ${name} has no ${CLI_MANIFEST_PREFIX}<pipeline> output (no DatapathPipeline, or synthesized with an older aml-datapath-pipeline)`);
      continue;
    }
    const source = relativeTo(dir, file);
    found.push({
      name,
      source,
      stackDir,
      pipelines: manifests.map(([key, o]) => {
        const manifest = o.value as Record<string, unknown>;
        const pipeline = typeof manifest.pipeline_name === "string" ? manifest.pipeline_name : key.slice(CLI_MANIFEST_PREFIX.length);
        return { name: pipeline, resolve: (vars: Vars) => resolveManifest(name, pipeline, manifests.length, source, stackDir, json, manifest, vars) };
      }),
    });
  }
  return found;
}

/** The fields a manifest (or a config entry) must have, with what each must be. */
const FIELDS: readonly [keyof CliManifest, "string" | "number", boolean][] = [
  ["data_factory_id", "string", true],
  ["adf_pipeline_name", "string", true],
  ["workspace_id", "string", true],
  ["location", "string", true],
  ["input_datastore_name", "string", true],
  ["invocation_style", "string", false],
  ["batch_endpoint_name", "string", false],
  ["deployment_retention", "number", false],
];

/** A manifest's references resolved offline from its stack, and the target they name. */
async function resolveManifest(
  env: string,
  pipeline: string,
  pipelines: number,
  source: string,
  stackDir: string,
  json: StackJson,
  manifest: Record<string, unknown>,
  vars: Vars,
): Promise<Target> {
  const literal = providerSetting(json, "azurerm", "subscription_id");
  const found = literal ? { subscriptionId: literal, source: "the app" as const } : findSubscription(vars);
  const model = new StackModel(json, found?.subscriptionId ?? new Unresolved(noSubscription(env)));
  const values = (await model.value(manifest)) as Record<string, unknown>;
  for (const [key, , required] of FIELDS) {
    const v = values[key];
    if (v instanceof Unresolved) {
      if (v.why === noSubscription(env)) throw new UsageError(v.why);
      throw new UsageError(
        `environment "${env}": ${key} of pipeline ${pipeline} in ${source} (${String(manifest[key])}) cannot be known offline: ${v.why}. List the environment in ${CONFIG_FILE} instead (see the README).`,
      );
    }
    if (v === undefined && required) throw new UsageError(`environment "${env}": the manifest of pipeline ${pipeline} in ${source} has no ${key}: synthesize the app again`);
  }
  const subscriptionSource: SubscriptionSource = model.subscriptionUsed && found ? found.source : "the app";
  const t = targetOf(env, pipeline, pipelines, source, values, cloudOf(vars, providerSetting(json, "azurerm", "environment")), subscriptionSource, stackDir);
  return { ...t, ...(await stackDetails(model, values)) };
}

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
const sameId = (a: unknown, b: unknown) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

/**
 * What backfill and the usage columns need beyond the manifest, read from the stack where it
 * declares it (each is left out otherwise, and the commands read it from Azure or do without):
 * the input datastore's storage container, the ADF pipeline's concurrency, and the cluster the
 * batch deployment runs on (its VM size, priority and region, for price estimates).
 */
export async function stackDetails(model: StackModel, manifest: Record<string, unknown>): Promise<Pick<Target, "inputContainer" | "adfConcurrency" | "cluster">> {
  const out: { inputContainer?: InputContainer; adfConcurrency?: number; cluster?: ClusterInfo } = {};
  const workspaceId = manifest.workspace_id;
  // The input datastore: azurerm's blob datastore of that name in the workspace, and its container's id.
  for (const [, b] of model.resources("azurerm_machine_learning_datastore_blobstorage")) {
    if ((await model.value(b.name)) !== manifest.input_datastore_name || !sameId(await model.value(b.workspace_id), workspaceId)) continue;
    const container = containerOf(await model.value(b.storage_container_id));
    if (container) out.inputContainer = container;
  }
  // The ADF pipeline: an azapi pipeline of that name in the factory.
  for (const [, b] of model.resources("azapi_resource")) {
    if (!String(b.type).startsWith("Microsoft.DataFactory/factories/pipelines@")) continue;
    if ((await model.value(b.name)) !== manifest.adf_pipeline_name || !sameId(await model.value(b.parent_id), manifest.data_factory_id)) continue;
    const concurrency = await model.value((b.body as { properties?: { concurrency?: unknown } } | undefined)?.properties?.concurrency);
    if (typeof concurrency === "number" && Number.isInteger(concurrency) && concurrency >= 1) out.adfConcurrency = concurrency;
  }
  // The cluster: the batch deployment's default_compute among the workspace's clusters, else the only one.
  const defaults = new Set<string>();
  for (const [, b] of model.resources("azapi_resource_action")) {
    if (!String(b.type).startsWith("Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments@")) continue;
    const id = await model.value(b.resource_id);
    if (typeof id !== "string" || !id.toLowerCase().startsWith(`${String(workspaceId).toLowerCase()}/batchendpoints/`)) continue;
    const settings = (b.body as { properties?: { deploymentConfiguration?: { settings?: Record<string, unknown> } } } | undefined)?.properties?.deploymentConfiguration?.settings;
    const compute = text(await model.value(settings?.default_compute));
    if (compute) defaults.add(compute);
  }
  const clusters: ClusterInfo[] = [];
  for (const [, b] of model.resources("azurerm_machine_learning_compute_cluster")) {
    if (!sameId(await model.value(b.machine_learning_workspace_id), workspaceId)) continue;
    const name = text(await model.value(b.name));
    if (!name) continue;
    const priority = text(await model.value(b.vm_priority));
    clusters.push({ name, vmSize: text(await model.value(b.vm_size)), lowPriority: priority === undefined ? undefined : priority === "LowPriority", location: text(await model.value(b.location)) });
  }
  const chosen = clusters.filter((c) => defaults.has(c.name));
  const cluster = chosen.length === 1 ? chosen[0] : clusters.length === 1 && defaults.size === 0 ? clusters[0] : undefined;
  if (cluster) out.cluster = cluster;
  return out;
}

/** The account and container of a container's ARM id (or of its data-plane URL). */
export function containerOf(id: unknown): InputContainer | undefined {
  if (typeof id !== "string") return undefined;
  const arm = /\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)\/blobServices\/default\/containers\/([^/]+)$/i.exec(id);
  if (arm) return { account: arm[1], container: arm[2] };
  const url = /^https:\/\/([a-z0-9]+)\.blob\.[^/]+\/([^/?#]+)\/?$/.exec(id);
  return url ? { account: url[1], container: url[2] } : undefined;
}

/** The target a manifest's (resolved) values name; a usage error saying which value is wrong. */
function targetOf(
  env: string,
  pipeline: string,
  pipelines: number,
  source: string,
  v: Record<string, unknown>,
  cloud: Cloud,
  subscriptionSource: SubscriptionSource,
  stackDir: string | undefined,
): Target {
  const wrong = (key: string, what: string) => new UsageError(`environment "${env}": ${key} ${JSON.stringify(v[key])} of pipeline ${pipeline} in ${source} ${what}`);
  for (const [key, type, required] of FIELDS) {
    if ((v[key] !== undefined || required) && (typeof v[key] !== type || v[key] === "")) throw wrong(key, `must be a ${type === "string" ? "non-empty string" : "number"}`);
  }
  const factory = parseArmId(String(v.data_factory_id), "Microsoft.DataFactory/factories");
  if (!factory) throw wrong("data_factory_id", "must be the ARM id of a data factory (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.DataFactory/factories/<name>)");
  const workspace = parseArmId(String(v.workspace_id), "Microsoft.MachineLearningServices/workspaces");
  if (!workspace) throw wrong("workspace_id", "must be the ARM id of an AML workspace (/subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.MachineLearningServices/workspaces/<name>)");
  const style = v.invocation_style ?? "batchEndpoint";
  if (style !== "batchEndpoint" && style !== "classicPipelineEndpoint") throw wrong("invocation_style", `must be "batchEndpoint" or "classicPipelineEndpoint"`);
  if (style === "batchEndpoint" && v.batch_endpoint_name === undefined) throw wrong("batch_endpoint_name", "is required with the batchEndpoint invocation style");
  const retention = v.deployment_retention as number | undefined;
  if (retention !== undefined && (!Number.isInteger(retention) || retention < 1)) throw wrong("deployment_retention", "must be a whole number >= 1");
  return {
    env,
    pipelineName: pipeline,
    select: `--env ${env}${pipelines > 1 ? ` --pipeline ${pipeline}` : ""}`,
    subscriptionId: factory.subscriptionId,
    subscriptionSource,
    resourceGroup: factory.resourceGroup,
    factory: factory.name,
    factoryId: String(v.data_factory_id),
    pipeline: String(v.adf_pipeline_name),
    workspace: workspace.name,
    workspaceId: String(v.workspace_id),
    batchEndpoint: style === "batchEndpoint" ? String(v.batch_endpoint_name) : undefined,
    location: String(v.location),
    defaultDatastore: String(v.input_datastore_name),
    deploymentRetention: retention,
    cloud,
    stackDir,
  };
}

/**
 * aml-datapath.json: `{ "environments": [ { "name": ..., <the manifest's fields> } ] }`, literal ARM
 * ids; entries with the same name are the pipelines of one environment (`pipeline_name` tells them apart).
 */
function configEnvironments(dir: string, notes: string[]): Environment[] {
  const file = path.join(dir, CONFIG_FILE);
  if (!fs.existsSync(file)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    notes.push(`${CONFIG_FILE} is not valid JSON (${(e as Error).message})`);
    return [];
  }
  const entries = isObject(parsed) && Array.isArray(parsed.environments) ? parsed.environments : undefined;
  if (!entries) {
    notes.push(`${CONFIG_FILE} has no "environments" list`);
    return [];
  }
  const byName = new Map<string, Record<string, unknown>[]>();
  entries.forEach((e: unknown, i) => {
    if (isObject(e) && typeof e.name === "string" && /^[\w.-]+$/.test(e.name)) byName.set(e.name, [...(byName.get(e.name) ?? []), e]);
    else notes.push(`${CONFIG_FILE}: environments[${i}] has no name (letters, digits, '_', '-', '.')`);
  });
  return [...byName].map(([name, list]) => ({
    name,
    source: CONFIG_FILE,
    pipelines: list.map((e) => {
      const pipeline = typeof e.pipeline_name === "string" ? e.pipeline_name : String(e.adf_pipeline_name);
      return {
        name: pipeline,
        resolve: async (vars: Vars) => {
          for (const [key, , required] of FIELDS) if (e[key] === undefined && required) throw new UsageError(`environment "${name}" in ${CONFIG_FILE} has no ${key}`);
          return targetOf(name, pipeline, list.length, CONFIG_FILE, e, cloudOf(vars), "the app", undefined);
        },
      };
    }),
  }));
}

/** `a|b|c`, for usage lines; a placeholder when there are none. */
export const envChoices = (app: App | undefined): string => (app && app.environments.length > 0 ? app.environments.map((e) => e.name).join("|") : "stack");

/** What the help says about the environments found, or how to make them exist. */
export function describeEnvironments(app: App, cwd: string): string[] {
  const where = relativeTo(cwd, app.dir);
  if (app.environments.length === 0) {
    return [
      `No environments found in ${where === "." ? "this folder" : where} (${relativeTo(app.dir, path.join(app.outDir, "stacks"))}/<stack>/cdk.tf.json or ${CONFIG_FILE}):`,
      `  ${SYNTH_HINT}, or list them in ${CONFIG_FILE} (see the README); --app-dir <dir> looks in another app.`,
      ...app.notes.map((n) => `  (${n})`),
    ];
  }
  const names = app.environments.map((e) => `${e.name}${e.pipelines.length > 1 ? ` (pipelines: ${e.pipelines.map((p) => p.name).join(", ")})` : ""}`);
  const width = Math.max(...names.map((n) => n.length));
  const lines = app.environments.map((e, i) => `  ${names[i].padEnd(width)}  from ${e.source}`);
  return [`Environments (in ${where === "." ? "this folder" : where}):`, ...lines];
}

/** Which environment and pipeline `--env`/`--stack` and `--pipeline` name. */
export interface Selection {
  readonly env?: string;
  readonly stack?: string;
  readonly pipeline?: string;
}

const howToGetSome = (app: App) => ` No environments found in ${app.dir}: ${SYNTH_HINT}, or list them in ${CONFIG_FILE}.${app.notes.length > 0 ? ` (${app.notes.join("; ")})` : ""}`;

/** The environment `--env` (or its alias `--stack`) names. */
export function selectEnvironment(app: App, s: Selection): Environment {
  if (s.env !== undefined && s.stack !== undefined && s.env !== s.stack) throw new UsageError(`--env "${s.env}" and --stack "${s.stack}" name different environments (--stack is another name for --env)`);
  const name = s.env ?? s.stack;
  const names = app.environments.map((e) => e.name).join(", ");
  if (name === undefined) throw new UsageError(`--env is required${app.environments.length > 0 ? ` (one of ${names})` : `.${howToGetSome(app)}`}`);
  const env = app.environments.find((e) => e.name === name);
  if (!env) throw new UsageError(`unknown environment "${name}": ${app.environments.length > 0 ? `use one of ${names}` : howToGetSome(app).trim()}`);
  return env;
}

/** The pipeline `--pipeline` names (the only one, when the environment has one). */
export function selectPipeline(env: Environment, name: string | undefined): EnvironmentPipeline {
  const names = env.pipelines.map((p) => p.name);
  if (name !== undefined) {
    const p = env.pipelines.find((x) => x.name === name);
    if (!p) throw new UsageError(`environment "${env.name}" has no pipeline "${name}": use one of ${names.join(", ")}`);
    return p;
  }
  if (env.pipelines.length > 1) throw new UsageError(`environment "${env.name}" has ${env.pipelines.length} pipelines: choose one with --pipeline <${names.join("|")}>`);
  return env.pipelines[0];
}
