/**
 * AML v2 component specs (`componentSpec` of `workspaces/components/versions`), in the CLI v2 YAML
 * schema with snake_case keys as azure-ai-ml serializes them. Pure functions: the construct passes
 * ARM ids (tokens at synth time) or, for hashing, stable placeholders.
 */
import { Checker, isObject, under } from "../core/validation";

export const LOGGING_LEVELS = ["INFO", "WARNING", "DEBUG"] as const;
export type LoggingLevel = (typeof LOGGING_LEVELS)[number];

/** How the parallel step spreads the work list over the cluster. */
export interface ParallelSettings {
  /**
   * Work items per mini-batch. An item already names up to `WorkItemSettings.maxFilesPerItem` files
   * (1,000 by default), which amortises AML's per-mini-batch overhead; one item per mini-batch keeps
   * the finest spread over workers, and a mini-batch of 1,000 files or 1 GiB stays well inside the
   * default `miniBatchTimeoutSeconds`.
   * @default 1
   */
  readonly miniBatchSize?: number;
  /**
   * Nodes the parallel step runs on (at most the cluster's maximum).
   * @default 2
   */
  readonly instanceCount?: number;
  /**
   * Worker processes per node.
   * @default 2
   */
  readonly maxConcurrencyPerInstance?: number;
  /**
   * Retries of a failed or timed-out mini-batch.
   * @default 2
   */
  readonly maxRetries?: number;
  /**
   * Seconds a mini-batch may run before it counts as timed out.
   * @default 300
   */
  readonly miniBatchTimeoutSeconds?: number;
  /**
   * Failed work items tolerated before the job fails; -1 tolerates any number.
   * @default -1 (a file that cannot be processed is a row with status "error", judged by the check
   * step against `WorkItemSettings.maxFailedFiles`; only an unreadable work item fails its mini-batch)
   */
  readonly errorThreshold?: number;
  /**
   * Failed mini-batches (after retries) tolerated before the job fails; -1 tolerates any number.
   * @default 0 (one mini-batch that keeps failing fails the run: nothing is silently skipped)
   */
  readonly miniBatchErrorThreshold?: number;
  /**
   * Log level of the parallel run driver.
   * @default "INFO"
   */
  readonly loggingLevel?: LoggingLevel;
}

export type ResolvedParallelSettings = Required<ParallelSettings>;

export const DEFAULT_PARALLEL_SETTINGS: ResolvedParallelSettings = {
  miniBatchSize: 1,
  instanceCount: 2,
  maxConcurrencyPerInstance: 2,
  maxRetries: 2,
  miniBatchTimeoutSeconds: 300,
  errorThreshold: -1,
  miniBatchErrorThreshold: 0,
  loggingLevel: "INFO",
};

/** How the prepare step groups files into work items, and how many failed files a run tolerates. */
export interface WorkItemSettings {
  /**
   * Files per work item at most.
   * @default 1000
   */
  readonly maxFilesPerItem?: number;
  /**
   * Input bytes per work item at most (an item is closed at whichever limit comes first; a single
   * larger file is an item of its own).
   * @default 1073741824 (1 GiB)
   */
  readonly maxBytesPerItem?: number;
  /**
   * Files that may fail (unreadable, not parquet, gone) before the run fails; every file is tried first.
   * @default 0 (any failed file fails the run)
   */
  readonly maxFailedFiles?: number;
}
export type ResolvedWorkItemSettings = Required<WorkItemSettings>;
export const DEFAULT_WORK_ITEM_SETTINGS: ResolvedWorkItemSettings = { maxFilesPerItem: 1000, maxBytesPerItem: 1024 ** 3, maxFailedFiles: 0 };

/**
 * `given` over `defaults`: a value left undefined keeps its default; something other than an object
 * is reported under `prefix`, and so is a key `defaults` does not have (a misspelt setting would
 * otherwise be ignored without a word).
 */
function withDefaults<T extends object>(c: Checker, prefix: string, what: string, defaults: Required<T>, given: T | undefined): Required<T> {
  if (given === undefined) return defaults;
  if (!isObject(given)) {
    c.fail(prefix, given, `must be an object of ${what}`);
    return defaults;
  }
  const entries = Object.entries(given).filter(([, v]) => v !== undefined);
  for (const [key, value] of entries) if (!Object.hasOwn(defaults, key)) c.fail(under(prefix, key), value, `is not one of the ${what} (${Object.keys(defaults).join(", ")})`);
  return { ...defaults, ...Object.fromEntries(entries) };
}

/** Validate and fill in defaults; problems go to `c` under `prefix` (the construct: `workItems`; an environment config: `pipeline.workItems`). */
export function resolveWorkItemSettings(c: Checker, prefix: string, s?: WorkItemSettings): ResolvedWorkItemSettings {
  const r = withDefaults(c, prefix, "work item settings", DEFAULT_WORK_ITEM_SETTINGS, s);
  c.integer(`${prefix}.maxFilesPerItem`, r.maxFilesPerItem, 1, 1_000_000);
  c.integer(`${prefix}.maxBytesPerItem`, r.maxBytesPerItem, 1, 1024 ** 4);
  c.integer(`${prefix}.maxFailedFiles`, r.maxFailedFiles, 0);
  return r;
}

/** Validate and fill in defaults; problems go to `c` under `prefix` (the construct: `parallel`; an environment config: `pipeline.parallel`). */
export function resolveParallelSettings(c: Checker, prefix: string, s?: ParallelSettings): ResolvedParallelSettings {
  const r = withDefaults(c, prefix, "parallel settings", DEFAULT_PARALLEL_SETTINGS, s);
  c.integer(`${prefix}.miniBatchSize`, r.miniBatchSize, 1, 100000);
  c.integer(`${prefix}.instanceCount`, r.instanceCount, 1, 1000);
  c.integer(`${prefix}.maxConcurrencyPerInstance`, r.maxConcurrencyPerInstance, 1, 1000);
  c.integer(`${prefix}.maxRetries`, r.maxRetries, 0, 100);
  c.integer(`${prefix}.miniBatchTimeoutSeconds`, r.miniBatchTimeoutSeconds, 1, 7 * 24 * 3600);
  c.integer(`${prefix}.errorThreshold`, r.errorThreshold, -1);
  c.integer(`${prefix}.miniBatchErrorThreshold`, r.miniBatchErrorThreshold, -1);
  c.oneOf(`${prefix}.loggingLevel`, r.loggingLevel, LOGGING_LEVELS);
  return r;
}

/** A component spec: free-form JSON in the REST spec, the CLI v2 schema in practice. */
export type ComponentSpec = { readonly [key: string]: unknown };

export interface StepAssets {
  /** ARM id of the code version. */
  readonly codeId: string;
  /** ARM id of the environment version. */
  readonly environmentId: string;
}

const SCHEMA = "https://azuremlschemas.azureedge.net/latest";
/** Component names: the REST path allows more, the CLI and SDK only this. */
export const COMPONENT_NAME = /^[a-z][a-z0-9_]*$/;

// Port names shared by the components and the pipeline that wires them.
export const PORTS = {
  pipelineInput: "input_datapath",
  pipelineOutput: "results",
  workList: "work_list",
  inputRoot: "input_root",
  /** The check step's input of the process step's rows. */
  results: "results",
} as const;

const ro = { type: "uri_folder", mode: "ro_mount" } as const;
/** `code`/`environment` in a component are ARM ids with the `azureml:` prefix (the short form is client-side only). */
const asset = (id: string) => `azureml:${id}`;

/** Step 1: a command component that turns the input folder into a work list. */
export function prepareComponentSpec(name: string, version: string, a: StepAssets, w: ResolvedWorkItemSettings, script = "prepare.py"): ComponentSpec {
  return {
    $schema: `${SCHEMA}/commandComponent.schema.json`,
    name,
    version,
    display_name: "Prepare work list",
    description: `Lists every .parquet file under the input data path into work items of up to ${w.maxFilesPerItem} files or ${w.maxBytesPerItem} bytes (JSON Lines).`,
    type: "command",
    inputs: { [PORTS.pipelineInput]: { ...ro, description: "Folder to process (the run's data path)" } },
    outputs: { [PORTS.workList]: { type: "uri_folder", mode: "rw_mount", description: "Work items: JSON Lines files naming the input files" } },
    // The data path names a folder, not its content: AML must not reuse an earlier run's work list.
    is_deterministic: false,
    code: asset(a.codeId),
    environment: asset(a.environmentId),
    command:
      `python ${script} --input_folder \${{inputs.${PORTS.pipelineInput}}} --work_list \${{outputs.${PORTS.workList}}}` +
      ` --max_files_per_item ${w.maxFilesPerItem} --max_bytes_per_item ${w.maxBytesPerItem}`,
  };
}

/** Step 3: a command component that fails the run when more files failed than tolerated. */
export function checkComponentSpec(name: string, version: string, a: StepAssets, w: ResolvedWorkItemSettings, script = "check_results.py"): ComponentSpec {
  return {
    $schema: `${SCHEMA}/commandComponent.schema.json`,
    name,
    version,
    display_name: "Check results",
    description: `Summarises the result rows and fails when more than ${w.maxFailedFiles} files failed (or a work item got no rows).`,
    type: "command",
    inputs: {
      [PORTS.results]: { type: "uri_file", mode: "ro_mount", description: "The process step's result rows" },
      [PORTS.workList]: { ...ro, description: "The work items, to find files without a row" },
    },
    is_deterministic: false,
    code: asset(a.codeId),
    environment: asset(a.environmentId),
    command: `python ${script} --results \${{inputs.${PORTS.results}}} --work_list \${{inputs.${PORTS.workList}}} --max_failed_files ${w.maxFailedFiles}`,
  };
}

/** Step 2: a parallel component over the work list; each item is read from the input root. */
export function processComponentSpec(
  name: string,
  version: string,
  a: StepAssets,
  s: ResolvedParallelSettings,
  entryScript = "process.py",
): ComponentSpec {
  return {
    $schema: `${SCHEMA}/parallelComponent.schema.json`,
    name,
    version,
    display_name: "Process work items",
    description: "Processes every file of every work item in parallel mini-batches and appends one result row per file.",
    type: "parallel",
    is_deterministic: false,
    inputs: {
      [PORTS.workList]: { ...ro, description: "Work items written by the prepare step" },
      [PORTS.inputRoot]: { ...ro, description: "The input folder the work items point into" },
    },
    // append_row_to aggregates every returned row into one file.
    outputs: { [PORTS.pipelineOutput]: { type: "uri_file", mode: "rw_mount", description: "One JSON row per processed file" } },
    input_data: `\${{inputs.${PORTS.workList}}}`,
    mini_batch_size: String(s.miniBatchSize),
    resources: { instance_count: s.instanceCount },
    max_concurrency_per_instance: s.maxConcurrencyPerInstance,
    retry_settings: { max_retries: s.maxRetries, timeout: s.miniBatchTimeoutSeconds },
    error_threshold: s.errorThreshold,
    mini_batch_error_threshold: s.miniBatchErrorThreshold,
    logging_level: s.loggingLevel,
    task: {
      type: "run_function",
      code: asset(a.codeId),
      entry_script: entryScript,
      environment: asset(a.environmentId),
      program_arguments: `--input_root \${{inputs.${PORTS.inputRoot}}}`,
      append_row_to: `\${{outputs.${PORTS.pipelineOutput}}}`,
    },
  };
}

const literal = (value: string) => ({ job_input_type: "literal", value });

/**
 * Keys azure-ai-ml's `Parallel` node builder (`entities/_builders/parallel.py`) copies from a parallel
 * component onto its pipeline node and sends beside `componentId`; the node carries the same values
 * so the body matches what the service gets from its own SDK. `mini_batch_size` is an integer there.
 */
export const PARALLEL_NODE_KEYS = [
  "input_data",
  "task",
  "mini_batch_size",
  "retry_settings",
  "resources",
  "max_concurrency_per_instance",
  "mini_batch_error_threshold",
  "logging_level",
  "error_threshold",
] as const;

/** The parallel settings of `processSpec` as azure-ai-ml puts them on the pipeline node. */
export function parallelNodeSettings(processSpec: ComponentSpec): Record<string, unknown> {
  const node: Record<string, unknown> = {};
  for (const key of PARALLEL_NODE_KEYS) {
    if (processSpec[key] === undefined) continue;
    node[key] = key === "mini_batch_size" ? Number(processSpec[key]) : processSpec[key];
  }
  return node;
}

/**
 * The pipeline component: prepare's work list feeds process, and the data path reaches the parallel
 * step as its own input (a data path cannot be passed straight into a parallel step's input_data).
 * Default compute is set on the deployment: AML ignores it on a pipeline component.
 */
export function pipelineComponentSpec(
  name: string,
  version: string,
  ids: { prepareId: string; processId: string; checkId: string },
  specs: { process: ComponentSpec },
): ComponentSpec {
  const parentInput = `\${{parent.inputs.${PORTS.pipelineInput}}}`;
  return {
    $schema: `${SCHEMA}/pipelineComponent.schema.json`,
    name,
    version,
    display_name: "Data-path pipeline",
    description: "Prepare a work list from the data path, process every file in parallel, then check the failures against the threshold.",
    type: "pipeline",
    inputs: { [PORTS.pipelineInput]: { type: "uri_folder", description: "Folder to process, chosen per run" } },
    outputs: { [PORTS.pipelineOutput]: { type: "uri_file", description: "One JSON row per processed file" } },
    jobs: {
      prepare: {
        name: "prepare",
        type: "command",
        componentId: ids.prepareId,
        inputs: { [PORTS.pipelineInput]: literal(parentInput) },
      },
      process: {
        name: "process",
        type: "parallel",
        componentId: ids.processId,
        ...parallelNodeSettings(specs.process),
        inputs: {
          [PORTS.workList]: literal(`\${{parent.jobs.prepare.outputs.${PORTS.workList}}}`),
          [PORTS.inputRoot]: literal(parentInput),
        },
        outputs: { [PORTS.pipelineOutput]: { value: `\${{parent.outputs.${PORTS.pipelineOutput}}}`, type: "literal" } },
      },
      check: {
        name: "check",
        type: "command",
        componentId: ids.checkId,
        inputs: {
          [PORTS.results]: literal(`\${{parent.jobs.process.outputs.${PORTS.pipelineOutput}}}`),
          [PORTS.workList]: literal(`\${{parent.jobs.prepare.outputs.${PORTS.workList}}}`),
        },
      },
    },
  };
}
