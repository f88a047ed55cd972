/**
 * Data Factory activities for the two invocation styles, built as `@azure/arm-datafactory` models
 * (type-only imports) and turned into the wire JSON that `activities_json` holds.
 * Expressions are ADF's own language: string literals are single-quoted, `''` is a quote.
 */
import type {
  ActivityPolicy,
  ActivityUnion,
  AzureMLExecutePipelineActivity,
  Expression,
  FailActivity,
  IfConditionActivity,
  SetVariableActivity,
  UntilActivity,
  WaitActivity,
  WebActivity,
} from "@azure/arm-datafactory";

/** ADF pipeline parameter names: the data path is an ordinary, visible parameter. */
export const PARAMS = {
  datastoreName: "datastore_name",
  relativePath: "relative_path",
  pollIntervalSeconds: "poll_interval_seconds",
} as const;
export const VARS = { jobStatus: "job_status" } as const;

export const expr = (value: string): Expression => ({ type: "Expression", value });
export const param = (name: string): string => `pipeline().parameters.${name}`;

/** An ADF string literal: single quotes, with `'` doubled. */
export function adfString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * An ADF expression that yields `value` escaped for use inside a JSON string: backslashes and
 * double quotes are escaped, so a parameter value cannot end the string or inject JSON.
 * (ADF string literals have no escapes of their own: '\' is one backslash.)
 */
export function jsonEscaped(value: string): string {
  return `replace(replace(${value}, '\\', '\\\\'), '"', '\\"')`;
}

/**
 * The checks every run's parameters must pass before anything is invoked: a data path relative to
 * the datastore (no leading '/', no '..', no backslash or quote) and one of the allowed datastores.
 * Mirrors the construct's synth-time rules for the defaults.
 */
export function invalidParametersExpression(allowedDatastores: readonly string[]): string {
  const p = param(PARAMS.relativePath);
  const d = param(PARAMS.datastoreName);
  // Only the datastores this pipeline is meant to read: not, say, workspaceblobstore (account-key access).
  const allowed = `createArray(${allowedDatastores.map(adfString).join(", ")})`;
  const quotesOrBackslash = (v: string) => [`contains(${v}, '\\')`, `contains(${v}, '"')`, `contains(${v}, '''')`];
  const segments = `concat('/', ${p}, '/')`;
  return `@${nestOr([
    `equals(trim(${p}), '')`,
    `startsWith(${p}, '/')`,
    `contains(${p}, '//')`,
    `contains(${segments}, '/../')`,
    `contains(${segments}, '/./')`,
    ...quotesOrBackslash(p),
    `not(contains(${allowed}, ${d}))`,
  ])}`;
}

export interface PolicyOptions {
  /** "d.hh:mm:ss" */
  readonly timeout: string;
  readonly retry: number;
  readonly retryIntervalInSeconds?: number;
}

export function policy(o: PolicyOptions): ActivityPolicy {
  return {
    timeout: o.timeout,
    retry: o.retry,
    retryIntervalInSeconds: o.retryIntervalInSeconds ?? 30,
    secureInput: false,
    secureOutput: false,
  };
}

const succeeded = (activity: string) => ({ activity, dependencyConditions: ["Succeeded" as const] });

/** First activity of both styles: fail fast, with a clear message, on a malformed data path or datastore. */
export function validateParametersActivity(allowedDatastores: readonly string[]): IfConditionActivity {
  const fail: FailActivity = {
    name: "Reject invalid parameters",
    type: "Fail",
    message: expr(
      `@concat('Invalid parameters: ${PARAMS.relativePath} must be a folder path relative to the datastore ` +
        `(no leading /, no . or .. segments, no quotes or backslashes) and ${PARAMS.datastoreName} one of ${allowedDatastores.join(", ")}. Got ${PARAMS.datastoreName}=', ` +
        `${param(PARAMS.datastoreName)}, ' ${PARAMS.relativePath}=', ${param(PARAMS.relativePath)})`,
    ),
    errorCode: "InvalidDataPath",
  };
  return {
    name: "Validate parameters",
    type: "IfCondition",
    expression: expr(invalidParametersExpression(allowedDatastores)),
    ifTrueActivities: [fail],
  };
}

export interface BatchEndpointActivitiesOptions {
  /** The endpoint's scoring URI (a Terraform reference at synth time). */
  readonly scoringUri: string;
  /** Name of the pipeline input that receives the data path. */
  readonly inputName: string;
  /** Name of the pipeline output. */
  readonly outputName: string;
  /** Datastore every run writes its output to (fixed: not a run parameter). */
  readonly outputDatastore: string;
  /** Datastores a run may read (`datastore_name` must be one of them). */
  readonly allowedDatastores: readonly string[];
  /** Folder (on the output datastore) under which each run writes its own output. */
  readonly outputPrefix: string;
  /** File name of the output inside the run's folder. */
  readonly outputFileName: string;
  /** Timeout of the whole wait loop, "d.hh:mm:ss". */
  readonly jobTimeout: string;
  /**
   * Integration runtime the Web activities run on.
   * @default - the factory's default Azure runtime
   */
  readonly integrationRuntimeName?: string;
}

/** The invoke body's expression: the data path parameters become the job's input URI. */
export function invokeBodyExpression(o: BatchEndpointActivitiesOptions): string {
  const ds = jsonEscaped(param(PARAMS.datastoreName));
  const path = jsonEscaped(param(PARAMS.relativePath));

  // pipeline().RunId is a GUID: every ADF run writes to a new output path (an existing path fails the job).
  return (
    "@concat(" +
    [
      adfString(`{"properties":{"InputData":{"${o.inputName}":{"JobInputType":"UriFolder","Uri":"azureml://datastores/`),
      ds,
      adfString("/paths/"),
      path,
      adfString(`"}},"OutputData":{"${o.outputName}":{"JobOutputType":"UriFile","Uri":"azureml://datastores/${o.outputDatastore}/paths/${o.outputPrefix}/`),
      "pipeline().RunId",
      adfString(`/${o.outputFileName}"}}}}`),
    ].join(", ") +
    ")"
  );
}

const MSI_ML = { type: "MSI", resource: "https://ml.azure.com" };
const runtime = (name?: string) => (name ? { connectVia: { referenceName: name, type: "IntegrationRuntimeReference" as const } } : {});
const TERMINAL = ["Completed", "Failed", "Canceled", "NotResponding"];

/**
 * Style `batchEndpoint`: POST the job to the batch endpoint, poll it until it ends, and fail the ADF
 * run unless it Completed. The scoring URI is fixed at deploy time, not a parameter: a run cannot
 * send the factory's token elsewhere.
 */
export function batchEndpointActivities(o: BatchEndpointActivitiesOptions): ActivityUnion[] {
  const invokeName = "Invoke batch endpoint";
  const jobName = `activity('${invokeName}').output.name`;
  const invoke: WebActivity = {
    name: invokeName,
    type: "WebActivity",
    dependsOn: [succeeded("Validate parameters")],
    // No retry: a retried POST could start a second job.
    policy: policy({ timeout: "0.00:10:00", retry: 0 }),
    method: "POST",
    url: o.scoringUri,
    headers: { "Content-Type": "application/json" },
    body: expr(invokeBodyExpression(o)),
    authentication: MSI_ML,
    ...runtime(o.integrationRuntimeName),
  };
  const wait: WaitActivity = {
    name: "Wait before polling",
    type: "Wait",
    waitTimeInSeconds: expr(`@int(${param(PARAMS.pollIntervalSeconds)})`),
  };
  const check: WebActivity = {
    name: "Get job status",
    type: "WebActivity",
    dependsOn: [succeeded(wait.name)],
    policy: policy({ timeout: "0.00:05:00", retry: 3 }),
    method: "GET",
    url: expr(`@concat(${adfString(o.scoringUri)}, '/', ${jobName})`),
    authentication: MSI_ML,
    ...runtime(o.integrationRuntimeName),
  };
  const setStatus: SetVariableActivity = {
    name: "Record job status",
    type: "SetVariable",
    dependsOn: [succeeded(check.name)],
    variableName: VARS.jobStatus,
    value: expr(`@activity('${check.name}').output.properties.status`),
  };
  const status = `variables('${VARS.jobStatus}')`;
  const until: UntilActivity = {
    name: "Wait for job",
    type: "Until",
    dependsOn: [succeeded(invokeName)],
    expression: expr(`@${nestOr(TERMINAL.map((t) => `equals(${status}, '${t}')`))}`),
    timeout: o.jobTimeout,
    activities: [wait, check, setStatus],
  };
  const fail: FailActivity = {
    name: "Fail run",
    type: "Fail",
    message: expr(`@concat('AML job ', ${jobName}, ' ended with status ', ${status})`),
    errorCode: "AmlJobNotCompleted",
  };
  const verdict: IfConditionActivity = {
    name: "Check job result",
    type: "IfCondition",
    dependsOn: [succeeded(until.name)],
    expression: expr(`@not(equals(${status}, 'Completed'))`),
    ifTrueActivities: [fail],
  };
  return [validateParametersActivity(o.allowedDatastores), invoke, until, verdict];
}

/** ADF's `or` takes exactly two arguments: fold a list into nested pairs. */
export function nestOr(terms: string[]): string {
  return terms.length === 1 ? terms[0] : `or(${terms[0]}, ${nestOr(terms.slice(1))})`;
}

export interface ClassicActivitiesOptions {
  /** Name of the AzureMLService linked service. */
  readonly linkedServiceName: string;
  /** Id of the AML v1 published pipeline endpoint. */
  readonly pipelineEndpointId: string;
  /** @default - the endpoint's default version */
  readonly pipelineVersion?: string;
  readonly experimentName: string;
  /** Datastores a run may read (`datastore_name` must be one of them). */
  readonly allowedDatastores: readonly string[];
  /** Name of the v1 pipeline's data-path parameter. */
  readonly dataPathParameterName: string;
  /** Extra literal pipeline parameters. */
  readonly pipelineParameters?: Readonly<Record<string, string>>;
  readonly timeout: string;
}

/**
 * Style `classicPipelineEndpoint`: the AzureMLExecutePipeline activity with `dataPathAssignments`
 * built from the ADF parameters. Each value is its own expression, so ADF substitutes the parameter
 * as a whole string: no JSON is assembled from text and nothing needs escaping.
 */
export function classicPipelineActivities(o: ClassicActivitiesOptions): ActivityUnion[] {
  const run: AzureMLExecutePipelineActivity = {
    name: "Run AML pipeline",
    type: "AzureMLExecutePipeline",
    dependsOn: [succeeded("Validate parameters")],
    linkedServiceName: { referenceName: o.linkedServiceName, type: "LinkedServiceReference" },
    policy: policy({ timeout: o.timeout, retry: 0 }),
    mlPipelineEndpointId: o.pipelineEndpointId,
    experimentName: o.experimentName,
    dataPathAssignments: {
      [o.dataPathParameterName]: {
        DataStoreName: expr(`@${param(PARAMS.datastoreName)}`),
        RelativePath: expr(`@${param(PARAMS.relativePath)}`),
      },
    },
  };
  if (o.pipelineVersion !== undefined) run.version = o.pipelineVersion;
  if (o.pipelineParameters !== undefined) run.mlPipelineParameters = { ...o.pipelineParameters };
  return [validateParametersActivity(o.allowedDatastores), run];
}

// Keys that stay at the top of an activity; everything else goes under typeProperties on the wire.
const TOP_LEVEL = new Set(["name", "type", "description", "state", "onInactiveMarkAs", "dependsOn", "userProperties", "linkedServiceName", "policy"]);
const NESTED = new Set(["activities", "ifTrueActivities", "ifFalseActivities"]);

export type WireActivity = { readonly [key: string]: unknown };

/** The REST wire shape of an SDK activity model: type-specific fields under `typeProperties`. */
export function toWire(activity: ActivityUnion): WireActivity {
  const top: Record<string, unknown> = {};
  const typeProperties: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(activity)) {
    if (value === undefined) continue;
    if (TOP_LEVEL.has(key)) top[key] = value;
    else typeProperties[key] = NESTED.has(key) ? (value as ActivityUnion[]).map(toWire) : value;
  }
  return Object.keys(typeProperties).length > 0 ? { ...top, typeProperties } : top;
}
