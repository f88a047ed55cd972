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
export const VARS = { jobStatus: "job_status", pollError: "poll_error" } as const;
/** What `job_status` becomes when polling fails even after its retries: it ends the wait loop. */
export const POLL_FAILED = "PollFailed";

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
 * the datastore (no leading or trailing '/', no empty, '.' or '..' segment, no quote, and no character
 * a URI path would need percent-encoded) and one of the allowed datastores. The same rule as the
 * config's and the CLI's (`relativePathProblem`), except for what only synth-time values need (a
 * leading '@', Terraform templates).
 */
export function invalidParametersExpression(allowedDatastores: readonly string[], checkPollInterval = false): string {
  const p = param(PARAMS.relativePath);
  const d = param(PARAMS.datastoreName);
  // Only the datastores this pipeline is meant to read: not, say, workspaceblobstore (account-key access).
  const allowed = `createArray(${allowedDatastores.map(adfString).join(", ")})`;
  const segments = `concat('/', ${p}, '/')`;
  return `@${nestOr([
    `equals(trim(${p}), '')`,
    `startsWith(${p}, '/')`,
    `endsWith(${p}, '/')`,
    `contains(${p}, '//')`,
    `contains(${segments}, '/../')`,
    `contains(${segments}, '/./')`,
    // A URI path takes a single quote; a data path does not (quotes end string literals downstream).
    `contains(${p}, '''')`,
    uriEscapedCharacterTerm(p),
    `not(contains(${allowed}, ${d}))`,
    ...(checkPollInterval ? pollIntervalTerms(param(PARAMS.pollIntervalSeconds)) : []),
  ])}`;
}

/**
 * The characters a URI path takes as they are besides the unreserved ones (RFC 3986 sub-delims
 * without the quote, ':' and '@', and the '/' between segments), which `uriComponent` escapes all
 * the same ('~' too, in case it escapes that).
 */
export const URI_PATH_EXTRA_CHARACTERS = ["/", "!", "$", "&", "(", ")", "*", "+", ",", ";", "=", ":", "@", "~"] as const;

/**
 * A term true when `v` holds a character a URI path would need percent-encoded: a space, '%', '#',
 * '?', a backslash, '"', '<', '>', '{', '}', '|', '^', '`', '[', ']', a control character or anything
 * beyond ASCII. ADF has no regular expressions, but `uriComponent` escapes every character outside
 * the unreserved set (letters, digits, '-', '.', '_', '~') as %XX: once the other characters a path
 * takes are removed, any '%' in its result stands for a character that needs encoding (a literal
 * '%' among them).
 */
export function uriEscapedCharacterTerm(v: string): string {
  const stripped = URI_PATH_EXTRA_CHARACTERS.reduce((acc, ch) => `replace(${acc}, ${adfString(ch)}, '')`, v);
  return `contains(uriComponent(${stripped}), '%')`;
}

/** Longest poll interval text that is converted (`POLL_INTERVAL.max` has 4 digits): longer text is rejected first. */
const POLL_INTERVAL_MAX_DIGITS = 5;

/**
 * Terms true when `v` is not a whole number of seconds within `POLL_INTERVAL`. `int()` of "abc", ""
 * or "60.5" fails the activity with a raw expression error instead of the InvalidDataPath message,
 * so the text is checked to be digits first (removing every digit leaves nothing), and `int()` only
 * ever converts digits: its argument is `v` when that is digits and '0' otherwise, whether or not ADF
 * evaluates both branches of `if`.
 */
export function pollIntervalTerms(v: string): string[] {
  let stripped = v;
  for (const digit of "0123456789") stripped = `replace(${stripped}, '${digit}', '')`;
  const digitsOnly = `and(greater(length(${v}), 0), and(lessOrEquals(length(${v}), ${POLL_INTERVAL_MAX_DIGITS}), equals(${stripped}, '')))`;
  const seconds = `int(if(${digitsOnly}, ${v}, '0'))`;
  return [`not(${digitsOnly})`, `less(${seconds}, ${POLL_INTERVAL.min})`, `greater(${seconds}, ${POLL_INTERVAL.max})`];
}

/** Seconds allowed between two status polls (the construct checks its default against the same range). */
export const POLL_INTERVAL = { min: 10, max: 3600 } as const;

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


/** First activity of both styles: fail fast, with a clear message, on a malformed data path or datastore. */
export function validateParametersActivity(allowedDatastores: readonly string[], checkPollInterval = false): IfConditionActivity {
  const fail: FailActivity = {
    name: "Reject invalid parameters",
    type: "Fail",
    message: expr(
      `@concat('Invalid parameters: ${PARAMS.relativePath} must be a folder path relative to the datastore ` +
        `(no leading or trailing /, no . or .. segments, no quotes; only letters, digits and - . _ ~ ! $ & ( ) * + , ; = : @ /, so no spaces, %, backslashes, non-ASCII or control characters) and ${PARAMS.datastoreName} one of ${allowedDatastores.join(", ")}` +
        (checkPollInterval ? `, ${PARAMS.pollIntervalSeconds} a whole number from ${POLL_INTERVAL.min} to ${POLL_INTERVAL.max}` : "") +
        `. Got ${PARAMS.datastoreName}=', ${param(PARAMS.datastoreName)}, ' ${PARAMS.relativePath}=', ${param(PARAMS.relativePath)})`,
    ),
    errorCode: "InvalidDataPath",
  };
  return {
    name: "Validate parameters",
    type: "IfCondition",
    expression: expr(invalidParametersExpression(allowedDatastores, checkPollInterval)),
    ifTrueActivities: [fail],
  };
}

export interface BatchEndpointActivitiesOptions {
  /** The endpoint's scoring URI (a Terraform reference at synth time). */
  readonly scoringUri: string;
  /** Deployment every run is sent to (the `azureml-model-deployment` header), whatever the endpoint's default. */
  readonly deploymentName: string;
  /** The endpoint's name (for messages that tell a user where to look). */
  readonly endpointName: string;
  /** ARM id of the workspace (a Terraform reference at synth time): jobs are read and cancelled through ARM. */
  readonly workspaceId: string;
  /**
   * Azure Resource Manager endpoint the status and cancel calls go to.
   * @default "https://management.azure.com"
   */
  readonly resourceManagerEndpoint?: string;
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

/** The run's output URI; `runId` is spliced in as is (an ADF expression fragment or a placeholder). */
function outputUri(o: BatchEndpointActivitiesOptions, runId: string): string {
  return `azureml://datastores/${o.outputDatastore}/paths/${o.outputPrefix}/${runId}/${o.outputFileName}`;
}

/** AML jobs API version (Jobs_Get, Jobs_Cancel of the 2024-04-01 stable spec), used by the pipeline and the CLI alike. */
export const JOBS_API_VERSION = "2024-04-01";
/** Names of the batch-endpoint style's activities (the CLI finds the job through the invoke's output). */
export const BATCH_ACTIVITY = {
  validate: "Validate parameters",
  invoke: "Invoke batch endpoint",
  invokeFailed: "Invoke failed",
  waitLoop: "Wait for job",
  wait: "Wait before next poll",
  getStatus: "Get job status",
  recordStatus: "Record job status",
  recordPollFailure: "Record polling error",
  markPollFailed: "Record polling failure",
  cancelAfterWaitFailure: "Cancel job after wait failure",
  waitFailed: "Wait failed",
  verdict: "Check job result",
  cancelAfterBadStatus: "Cancel job not completed",
  jobFailed: "Job not completed",
} as const;

/** ADF's rule for activity names: letters, digits, spaces, '-' and '_', at most 55 characters. */
export const ACTIVITY_NAME = /^[A-Za-z0-9 _-]{1,55}$/;

/**
 * Web activity fields of the 2018-06-01 REST spec (and Azure's Bicep types) that
 * `@azure/arm-datafactory` 12's model predates: `httpRequestTimeout` ("hh:mm:ss", 1-10 minutes;
 * ADF's default is one minute) and `turnOffAsync` (do not follow a 202's Location header).
 */
export type WebActivityWithTimeout = WebActivity & { httpRequestTimeout: string; turnOffAsync?: boolean };

const MSI_ML = { type: "MSI", resource: "https://ml.azure.com" };
const runtime = (name?: string) => (name ? { connectVia: { referenceName: name, type: "IntegrationRuntimeReference" as const } } : {});
/**
 * Statuses that end the wait loop: the job's terminal ones (NotResponding is stuck, not finished, so
 * it is cancelled) and our own PollFailed.
 */
export const TERMINAL_STATUSES = ["Completed", "Failed", "Canceled", "NotResponding"] as const;
type Condition = "Succeeded" | "Failed" | "Completed" | "Skipped";
const on = (activity: string, ...conditions: Condition[]) => ({ activity, dependencyConditions: conditions });

/**
 * Style `batchEndpoint`: POST the job to the batch endpoint's named deployment, poll it through ARM
 * (`GET <workspace>/jobs/<name>`, a management token) until it ends, and fail the ADF run unless it
 * Completed. The scoring URI is fixed at deploy time, not a parameter:
 * a run cannot send the factory's token elsewhere.
 *
 * Every failure after a successful invoke (the wait loop timing out, polling failing, a status other
 * than Completed) first asks ARM to cancel the job, so nothing keeps running or billing, then fails
 * the run with the job's name, its last status and the reason. An Until loop does not stop when an
 * inner activity fails, so a poll that still fails after its retries records `PollFailed`, which ends
 * the loop. A failed or timed-out invoke may have created a job anyway: that failure says how to find it.
 */
export function batchEndpointActivities(o: BatchEndpointActivitiesOptions): ActivityUnion[] {
  const A = BATCH_ACTIVITY;
  const jobName = `activity('${A.invoke}').output.name`;
  const status = `variables('${VARS.jobStatus}')`;
  const pollError = `variables('${VARS.pollError}')`;
  const noAsync = { turnOffAsync: true };
  const invoke: WebActivityWithTimeout = {
    name: A.invoke,
    type: "WebActivity",
    dependsOn: [on(A.validate, "Succeeded")],
    // No retry: a retried POST could start a second job.
    policy: policy({ timeout: "0.00:12:00", retry: 0 }),
    method: "POST",
    url: o.scoringUri,
    // The header pins the deployment: a later change of the endpoint's default cannot redirect runs.
    headers: { "Content-Type": "application/json", "azureml-model-deployment": o.deploymentName },
    body: expr(invokeBodyExpression(o)),
    authentication: MSI_ML,
    // The maximum: a slow answer must not fail the run while the job is being created.
    httpRequestTimeout: "00:10:00",
    // The answer is the job itself; never wait on a Location header.
    ...noAsync,
    ...runtime(o.integrationRuntimeName),
  };
  const invokeFailed: FailActivity = {
    name: A.invokeFailed,
    type: "Fail",
    dependsOn: [on(A.invoke, "Failed")],
    message: expr(
      `@concat('Invoking batch endpoint ${o.endpointName} (deployment ${o.deploymentName}) failed or timed out: ', activity('${A.invoke}').error.message, ` +
        `'. A job may have been created anyway: in AML studio, open the endpoint ${o.endpointName}, Jobs, and look for the job whose output is ` +
        `${outputUri(o, "', pipeline().RunId, '")}; cancel it if it runs.')`,
    ),
    errorCode: "AmlInvokeFailed",
  };
  const ended = nestOr([...TERMINAL_STATUSES, POLL_FAILED].map((t) => `equals(${status}, '${t}')`));
  const rm = o.resourceManagerEndpoint ?? "https://management.azure.com";
  const msiArm = { type: "MSI", resource: `${rm}/` };
  const jobUrl = (suffix: string) => expr(`@concat(${adfString(`${rm}${o.workspaceId}/jobs/`)}, ${jobName}, ${adfString(`${suffix}?api-version=${JOBS_API_VERSION}`)})`);
  // The job is read through ARM (Jobs_Get serves every job type), with the identity and token the
  // cancel call uses; the invoke response's `name` is the workspace job's name.
  const check: WebActivityWithTimeout = {
    name: A.getStatus,
    type: "WebActivity",
    // A GET is safe to retry: a passing network error (about five minutes of them) does not end the wait.
    policy: policy({ timeout: "0.00:10:00", retry: 5, retryIntervalInSeconds: 60 }),
    method: "GET",
    url: jobUrl(""),
    authentication: msiArm,
    httpRequestTimeout: "00:02:00",
    ...noAsync,
    ...runtime(o.integrationRuntimeName),
  };
  const setStatus: SetVariableActivity = {
    name: A.recordStatus,
    type: "SetVariable",
    dependsOn: [on(check.name, "Succeeded")],
    variableName: VARS.jobStatus,
    value: expr(`@activity('${check.name}').output.properties.status`),
  };
  const recordPollError: SetVariableActivity = {
    name: A.recordPollFailure,
    type: "SetVariable",
    dependsOn: [on(check.name, "Failed")],
    variableName: VARS.pollError,
    value: expr(`@activity('${check.name}').error.message`),
  };
  const markPollFailed: SetVariableActivity = {
    name: A.markPollFailed,
    type: "SetVariable",
    dependsOn: [on(recordPollError.name, "Succeeded")],
    variableName: VARS.jobStatus,
    value: POLL_FAILED,
  };
  // The iteration's last activity joins both branches, so an iteration whose poll failed (and was
  // recorded) still succeeds. It waits the poll interval, or a second once the loop is about to end.
  const wait: WaitActivity = {
    name: A.wait,
    type: "Wait",
    dependsOn: [on(setStatus.name, "Succeeded", "Skipped"), on(markPollFailed.name, "Succeeded", "Skipped")],
    waitTimeInSeconds: expr(`@if(${ended}, 1, int(${param(PARAMS.pollIntervalSeconds)}))`),
  };
  const until: UntilActivity = {
    name: A.waitLoop,
    type: "Until",
    dependsOn: [on(A.invoke, "Succeeded")],
    expression: expr(`@${ended}`),
    timeout: o.jobTimeout,
    activities: [check, setStatus, recordPollError, markPollFailed, wait],
  };
  const cancel = (name: string, dependsOn?: { activity: string; dependencyConditions: Condition[] }[]): WebActivityWithTimeout => ({
    name,
    type: "WebActivity",
    ...(dependsOn ? { dependsOn } : {}),
    // Cancelling twice is harmless; a passing error must not leave the job running.
    policy: policy({ timeout: "0.00:10:00", retry: 2 }),
    method: "POST",
    url: jobUrl("/cancel"),
    body: "{}",
    headers: { "Content-Type": "application/json" },
    authentication: msiArm,
    httpRequestTimeout: "00:02:00",
    // ARM answers 202 with a Location to poll; the request is what matters, not waiting for it.
    ...noAsync,
    ...runtime(o.integrationRuntimeName),
  });
  const cancelAfterWait = cancel(A.cancelAfterWaitFailure, [on(A.waitLoop, "Failed")]);
  const waitFailed: FailActivity = {
    name: A.waitFailed,
    type: "Fail",
    // Completed: the run fails with the reason whether or not the cancel call itself succeeded.
    dependsOn: [on(cancelAfterWait.name, "Completed")],
    message: expr(
      // The loop's own error says what happened (a timeout, or an expression that failed): not assumed here.
      `@concat('Waiting for AML job ', ${jobName}, ' failed: ', activity('${A.waitLoop}').error.message, ` +
        `' (the wait gives up after ${o.jobTimeout}); cancel requested. Last status seen: ', ${status})`,
    ),
    errorCode: "AmlJobWaitFailed",
  };
  const cancelAfterStatus = cancel(A.cancelAfterBadStatus);
  const jobFailed: FailActivity = {
    name: A.jobFailed,
    type: "Fail",
    dependsOn: [on(cancelAfterStatus.name, "Completed")],
    message: expr(
      `@if(equals(${status}, '${POLL_FAILED}'), ` +
        `concat('Polling AML job ', ${jobName}, ' kept failing after its retries (', ${pollError}, '); cancel requested.'), ` +
        `concat('AML job ', ${jobName}, ' ended with status ', ${status}, ` +
        `if(equals(${status}, 'NotResponding'), '; cancel requested so it stops running', ''), ` +
        `if(equals(${status}, 'Canceled'), ' (cancelled by a user, or its low-priority nodes were preempted)', '')))`,
    ),
    errorCode: "AmlJobNotCompleted",
  };
  const verdict: IfConditionActivity = {
    name: A.verdict,
    type: "IfCondition",
    dependsOn: [on(until.name, "Succeeded")],
    expression: expr(`@not(equals(${status}, 'Completed'))`),
    // Cancel is a no-op for a job that already failed, and stops one that is NotResponding or unobserved.
    ifTrueActivities: [cancelAfterStatus, jobFailed],
  };
  return [validateParametersActivity(o.allowedDatastores, true), invoke, invokeFailed, until, cancelAfterWait, waitFailed, verdict];
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
    dependsOn: [{ activity: "Validate parameters", dependencyConditions: ["Succeeded"] }],
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
