/**
 * The data-flow picture of a synthesized stack: what starts a run, the ADF pipeline and its
 * parameters, the batch endpoint, the three AML steps with the parallel step's size, and the result
 * file, with the identity used at each hop. Read from cdk.tf.json only, like the resource diagram.
 * Drawn top to bottom so it stays narrow enough to be read at README width.
 */
import { TerraformJson } from "./diagram-model";

type Block = { readonly [key: string]: unknown };

const literal = (v: unknown): string | undefined => (typeof v === "string" && !v.includes("${") ? v : undefined);
const quote = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;

export interface DataFlow {
  readonly starters: readonly string[];
  readonly factory: string;
  readonly pipeline: string;
  readonly parameters: readonly string[];
  readonly endpoint: string;
  readonly deployment: string;
  readonly steps: readonly { readonly name: string; readonly type: string; readonly detail: string }[];
  readonly cluster: string;
  readonly output: string;
}

const resources = (tf: TerraformJson, type: string): Block[] => Object.values((tf.resource?.[type] ?? {}) as Record<string, Block>);

/** The facts the picture shows, or undefined for a stack without a batch-endpoint pipeline. */
export function dataFlowOf(tf: TerraformJson): DataFlow | undefined {
  const azapi = resources(tf, "azapi_resource");
  const adf = azapi.find((r) => String(r.type).startsWith("Microsoft.DataFactory/factories/pipelines@"));
  const endpoint = azapi.find((r) => /\/batchEndpoints@/.test(String(r.type)));
  // One deployment per pipeline version, created by a PUT action: named <prefix>-<content hash>.
  const deployment = resources(tf, "azapi_resource_action").find((r) => /\/batchEndpoints\/deployments@/.test(String(r.type)));
  const pipelineSpec = resources(tf, "azapi_resource_action")
    .map((r) => ((r.body as Block | undefined)?.properties as Block | undefined)?.componentSpec as Block | undefined)
    .find((spec) => spec?.type === "pipeline");
  if (!adf || !endpoint || !pipelineSpec) return undefined;
  const props = (adf.body as { properties: { parameters?: Record<string, unknown>; activities?: unknown[] } }).properties;
  const jobs = pipelineSpec.jobs as Record<string, Block>;
  const order = ["prepare", "process", "check"].filter((j) => j in jobs);
  const steps = order.map((name) => {
    const job = jobs[name];
    const nodes = (job.resources as { instance_count?: number } | undefined)?.instance_count;
    const workers = job.max_concurrency_per_instance as number | undefined;
    const detail = job.type === "parallel" ? `parallel: ${nodes ?? "?"} nodes x ${workers ?? "?"} workers,\n${String(job.mini_batch_size ?? "?")} work item(s) per mini-batch` : "command";
    return { name, type: String(job.type), detail };
  });
  const starters: string[] = ["Operator\naml-datapath run,\nADF UI or az CLI"];
  for (const t of resources(tf, "azurerm_data_factory_trigger_blob_event")) {
    starters.push(`Blob trigger\n${String(t.blob_path_ends_with ?? "").replace(/^\//, "")} under\n${String(t.blob_path_begins_with ?? "").replace(/\/blobs\//, "/")}`);
  }
  for (const t of resources(tf, "azurerm_data_factory_trigger_schedule")) starters.push(`Schedule trigger\nevery ${String(t.interval)} ${String(t.frequency).toLowerCase()}`);
  const factory = resources(tf, "azurerm_data_factory")[0];
  const cluster = resources(tf, "azurerm_machine_learning_compute_cluster")[0];
  // The invoke body's output URI: azureml://datastores/<ds>/paths/<prefix>/' + RunId + '/results.jsonl
  const uri = /azureml:\/\/datastores\/([a-z0-9_]+)\/paths\/([^'"]*)\/'/.exec(JSON.stringify(props.activities ?? []).replace(/\\"/g, '"'));
  return {
    starters,
    factory: literal(factory?.name) ?? "factory",
    pipeline: literal(adf.name) ?? "pipeline",
    parameters: Object.keys(props.parameters ?? {}).sort(),
    endpoint: literal(endpoint.name) ?? "endpoint",
    // The hash changes with every code change; the picture names the pattern so it stays the same.
    deployment: deploymentPattern(deployment?.resource_id) ?? "deployment",
    steps,
    cluster: literal(cluster?.name) ?? "cluster",
    output: uri ? `${uri[1]}: ${uri[2]}/<ADF run id>/results.jsonl` : "results.jsonl",
  };
}

/** Graphviz DOT of the data flow, top to bottom; edge labels name the identity of each hop. */
export function dataFlowDot(f: DataFlow, title: string): string {
  const lines = [
    `digraph ${quote(title)} {`,
    `  graph [label=${quote(title)}, labelloc="t", fontname="Helvetica", fontsize=16, rankdir="TB", nodesep=0.4, ranksep=0.45, pad=0.2];`,
    `  node [shape="box", style="rounded,filled", fillcolor="white", color="#555555", fontname="Helvetica", fontsize=14, margin="0.25,0.08"];`,
    `  edge [color="#555555", fontname="Helvetica", fontsize=13];`,
  ];
  f.starters.forEach((s, i) => lines.push(`  start${i} [label=${quote(s)}, fillcolor="#f4f4f4"];`));
  lines.push(`  adf [label=${quote(`ADF pipeline ${f.pipeline}\nin factory ${f.factory}\nparameters:\n${f.parameters.join("\n")}`)}, fillcolor="#fff4e5"];`);
  lines.push(`  endpoint [label=${quote(`Batch endpoint ${f.endpoint}\ndeployment ${f.deployment}`)}, fillcolor="#eef3fb"];`);
  f.steps.forEach((s) => lines.push(`  step_${s.name} [label=${quote(`${s.name} (${s.detail})\non cluster ${f.cluster}`)}, fillcolor="#eef3fb"];`));
  lines.push(`  worklist [label="work list (JSON Lines work items)", shape="note", fillcolor="#ecf7ee"];`);
  lines.push(`  results [label=${quote(`results: ${f.output.replace(": ", "\n")}`)}, shape="note", fillcolor="#ecf7ee"];`);
  f.starters.forEach((_s, i) => lines.push(`  start${i} -> adf [label=${quote(i === 0 ? "your sign-in" : "the factory")}];`));
  lines.push(`  adf -> endpoint [label=${quote(`factory managed identity\n(token for ml.azure.com)`)}];`);
  const first = f.steps[0]?.name;
  if (first) lines.push(`  endpoint -> step_${first} [label=${quote("pipeline job\n(data read as the caller)")}];`);
  const has = (n: string) => f.steps.some((s) => s.name === n);
  if (has("prepare")) lines.push(`  step_prepare -> worklist;`);
  if (has("process")) lines.push(`  worklist -> step_process;`, `  step_process -> results [label="append_row_to"];`);
  if (has("check")) lines.push(`  results -> step_check [label="fails the run past\\nmaxFailedFiles"];`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/** `.../deployments/pipeline-0123456789ab` → `pipeline-<version>`. */
function deploymentPattern(resourceId: unknown): string | undefined {
  const m = typeof resourceId === "string" ? /\/deployments\/([A-Za-z0-9-]+?)-[0-9a-f]{12}$/.exec(resourceId) : null;
  return m ? `${m[1]}-<version>` : undefined;
}
