import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { Fn, ITerraformDependable } from "cdktf";
import { resolvedText } from "../core/tokens";
import { findUp } from "../core/paths";
import {
  COMPONENT_NAME,
  ParallelSettings,
  PORTS,
  ResolvedParallelSettings,
  resolveParallelSettings,
  ResolvedWorkItemSettings,
  resolveWorkItemSettings,
  WorkItemSettings,
} from "./component-specs";
import {
  batchEndpointActivities,
  BatchEndpointActivitiesOptions,
  classicPipelineActivities,
  invokeBodyExpression,
  PARAMS,
  POLL_INTERVAL,
  toWire,
  VARS,
  WireActivity,
} from "./adf-activities";
import { AdfPipeline } from "./adf-pipeline";
import { BlobTriggerOptions, PipelineTriggers, SCHEDULE_FREQUENCIES, ScheduleTriggerOptions } from "./adf-triggers";
import { DEFAULT_DEPLOYMENT_RETENTION, DEPLOYMENT_PREFIX, PipelineBatchEndpoint } from "./batch-endpoint";
import { WorkspaceCodeStore } from "./code-access";
import { PipelineAssets, StepSource } from "./pipeline-assets";
import { readSourceFiles } from "./content-hash";
import { checkName, pipelineDefaults } from "../core/naming";
import { Checker, GUID_PATTERN, isObject, reportProblems, text } from "../core/validation";
import { addCliManifest } from "./cli-manifest";


/**
 * The reference steps shipped with this library: the package's pipeline/ folder, found from here
 * whether this runs as TypeScript (lib/pipeline/) or compiled (dist/lib/pipeline/).
 */
export const DEFAULT_PIPELINE_DIR = path.join(findUp(__dirname, path.join("pipeline", "prepare.py")) ?? path.join(__dirname, "..", ".."), "pipeline");
/** AML's base image for MPI/parallel jobs, pinned to a dated tag so a rebuild gives the same image. */
export const DEFAULT_BASE_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1";

/** Code for one step: files below a folder, one of which the step runs. */
export interface StepCode {
  /** Folder that holds the step's files (read at synth time; its path never reaches the output). */
  readonly directory: string;
  /** The script the step runs, relative to `directory`. */
  readonly script: string;
  /**
   * Every file uploaded as the step's code, relative to `directory`.
   * @default [script]
   */
  readonly files?: readonly string[];
}

/** Start runs through a v2 batch endpoint (the supported route): Web activity, poll, fail on failure. */
export interface BatchEndpointInvocation {
  readonly style: "batchEndpoint";
  /**
   * Seconds between two status polls (an ADF parameter; this is its default).
   * @default 60
   */
  readonly pollIntervalSeconds?: number;
  /**
   * How long ADF waits for the job, "d.hh:mm:ss".
   * @default "0.12:00:00"
   */
  readonly jobTimeout?: string;
}

/**
 * Legacy: start runs through an existing AML v1 published pipeline endpoint (ADF's Machine Learning
 * Execute Pipeline activity, which accepts only v1 assets). AML SDK v1 support ended 2026-06-30 and v1
 * pipelines cannot be published without it, so its id comes from configuration. With this style the
 * construct deploys only the ADF pipeline: no code, components, batch endpoint or deployment.
 * @deprecated Use the `batchEndpoint` style; this exists to keep an existing v1 pipeline running while it is migrated.
 */
export interface ClassicPipelineEndpointInvocation {
  readonly style: "classicPipelineEndpoint";
  /** Id of the v1 published pipeline endpoint (a GUID). */
  readonly pipelineEndpointId: string;
  /**
   * Version of the pipeline endpoint to run.
   * @default - the endpoint's default version
   */
  readonly pipelineVersion?: string;
  /**
   * Experiment the runs are recorded under.
   * @default - the construct's name
   */
  readonly experimentName?: string;
  /**
   * Name of the v1 pipeline's data-path parameter (its `PipelineParameter` of a `DataPath`).
   * @default "input_datapath"
   */
  readonly dataPathParameterName?: string;
  /**
   * Further literal pipeline parameters.
   * @default {}
   */
  readonly pipelineParameters?: Readonly<Record<string, string>>;
  /**
   * Activity timeout, "d.hh:mm:ss".
   * @default "0.12:00:00"
   */
  readonly timeout?: string;
}

export type Invocation = BatchEndpointInvocation | ClassicPipelineEndpointInvocation;

/** The platform the pipeline is added to, by reference (ids and names), so it can live in another stack. */
export interface PipelinePlatformReference {
  readonly workspaceId: string;
  /** Region of the workspace (endpoints and deployments are created there). */
  readonly location: string;
  /** Compute cluster the deployment runs on by default. */
  readonly computeClusterName: string;
  /**
   * Maximum nodes of the cluster, to check `parallel.instanceCount` against at synth time.
   * @default - not checked
   */
  readonly computeMaxNodes?: number;
  /**
   * Object id of the cluster's identity: gets read access to the uploaded code (when this pipeline creates the code container).
   * @default - no grant
   */
  readonly computePrincipalId?: string;
  /**
   * Object id of the workspace's identity: gets read access to the uploaded code, which AML
   * snapshots when a job starts.
   * @default - no grant
   */
  readonly workspacePrincipalId?: string;
  /** The workspace's storage account (ARM id and name): the step code is uploaded into its default blob datastore. */
  readonly storageAccountId: string;
  readonly storageAccountName: string;
  /**
   * Blob endpoint of that account, for clouds other than Azure public (a trailing '/' is trimmed).
   * @default "https://<storageAccountName>.blob.core.windows.net"
   */
  readonly blobEndpoint?: string;
  /**
   * Datastore whose container receives the step code, as azure-ai-ml uploads code into the
   * workspace's default blob datastore. Its container name is read from the workspace at deploy time.
   * @default "workspaceblobstore"
   */
  readonly codeDatastoreName?: string;
  readonly dataFactoryId: string;
  /**
   * Integration runtime the Web activities run on (a managed-VNet runtime in the private profile,
   * so the calls reach the workspace through its managed private endpoint).
   * @default - the factory's default Azure runtime
   */
  readonly integrationRuntimeName?: string;
  /** The factory's `AzureMLService` linked service (classic style). */
  readonly linkedServiceName: string;
  /** Datastore the data path is relative to (the ADF parameter's default). */
  readonly inputDatastoreName: string;
  /** Datastore each run's output is written to (fixed for the pipeline, not a run parameter). */
  readonly outputDatastoreName: string;
  /**
   * Further datastores a run may read besides `inputDatastoreName`; any other `datastore_name`
   * fails the run before anything is invoked.
   * @default []
   */
  readonly allowedDatastores?: readonly string[];
}

export interface DatapathPipelineProps extends PipelinePlatformReference {
  /** Pipeline name: prefix of every asset name (lowercase letters, digits, `_`; 2-30 characters). */
  readonly name: string;
  /** Batch endpoint name: unique in the region (3-32 letters, digits or `-`, starting with a letter). */
  readonly endpointName: string;
  /**
   * Prefix of the deployments' names: each version of the pipeline gets its own deployment,
   * `<prefix>-<12 hex digits of its content>` (AML names are 3-32 characters, so at most 19 here).
   * @default "pipeline"
   */
  readonly deploymentNamePrefix?: string;
  /**
   * Deployments kept on the endpoint, the current one included: `aml-datapath prune-deployments`
   * (run by `npm run deploy` after an apply) removes older ones, never the endpoint's default.
   * Published as the stack output `batch_deployment_retention`.
   * @default 2 (the current deployment and the one before)
   */
  readonly deploymentRetention?: number;
  /** Data path used when a run passes none (relative to the input datastore). */
  readonly defaultRelativePath: string;
  /**
   * How ADF starts runs.
   * @default { style: "batchEndpoint" }
   */
  readonly invocation?: Invocation;
  /**
   * Step 1 code.
   * @default prepare.py from the library's pipeline/ folder
   */
  readonly prepareStep?: StepCode;
  /**
   * Step 2 code (an entry script with init() and run(mini_batch)).
   * @default process.py from the library's pipeline/ folder
   */
  readonly processStep?: StepCode;
  /**
   * Step 3 code (judges the result rows against `workItems.maxFailedFiles`).
   * @default check_results.py from the library's pipeline/ folder
   */
  readonly checkStep?: StepCode;
  /**
   * How files are grouped into work items, and how many may fail before the run fails.
   * @default DEFAULT_WORK_ITEM_SETTINGS (1,000 files or 1 GiB per item; no failed file tolerated)
   */
  readonly workItems?: WorkItemSettings;
  /**
   * Conda file of the environment the steps run in.
   * @default the library's pipeline/conda.yaml
   */
  readonly condaFile?: string;
  /** @default DEFAULT_BASE_IMAGE */
  readonly baseImage?: string;
  /** @default DEFAULT_PARALLEL_SETTINGS */
  readonly parallel?: ParallelSettings;
  /**
   * Resources the code upload must wait for (e.g. the storage account's private endpoint).
   * @default []
   */
  readonly uploadDependsOn?: ITerraformDependable[];
  /**
   * Grant the identity running Terraform Storage Blob Data Contributor on the code container (the
   * provider uploads blobs with Entra ID) and wait `ROLE_PROPAGATION_WAIT` for the grant to
   * propagate before the first upload, so a first deploy succeeds in one run.
   * @default true
   */
  readonly grantDeployerUpload?: boolean;
  /**
   * ADF pipeline name.
   * @default the construct's name with `_` turned into `-`
   */
  readonly adfPipelineName?: string;
  /**
   * Runs of the ADF pipeline allowed at the same time.
   * @default 4
   */
  readonly maxConcurrentRuns?: number;
  /** @default - no schedule */
  readonly scheduleTrigger?: ScheduleTriggerOptions;
  /** @default - no blob trigger */
  readonly blobTrigger?: BlobTriggerOptions;
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

const DURATION = /^(\d{1,2}\.)?([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;
const OUTPUT_FILE = "results.jsonl";


/**
 * Publishes the two-step data-path pipeline on AML v2 (code, environment, components, a batch
 * endpoint with a pipeline-component deployment) and an ADF pipeline whose data path is an
 * ordinary ADF parameter, invoked through the batch endpoint or an existing v1 pipeline endpoint.
 */
export class DatapathPipeline extends Construct {
  readonly name: string;
  /** The ADF pipeline (an azapi resource: the REST body is sent unchanged). */
  readonly adfPipeline: AdfPipeline;
  /** The AML assets (batch-endpoint style only). */
  readonly assets?: PipelineAssets;
  /** The batch endpoint and this version's deployment (batch-endpoint style only). */
  readonly batchEndpoint?: PipelineBatchEndpoint;
  /** Deployments kept on the endpoint (see `deploymentRetention`). */
  readonly deploymentRetention: number;
  readonly triggers: PipelineTriggers;
  /** The activities as sent to ADF (wire format). */
  readonly activities: readonly WireActivity[];
  /** ADF parameters and their defaults. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly invocation: Invocation;
  readonly parallelSettings: ResolvedParallelSettings;
  readonly workItemSettings: ResolvedWorkItemSettings;
  /** Datastores a run may name in `datastore_name`. */
  readonly allowedDatastores: readonly string[];
  private readonly adfName: string;
  private readonly outputDatastore: string;
  private readonly batchActivityOptions?: BatchEndpointActivitiesOptions;

  constructor(scope: Construct, id: string, given: DatapathPipelineProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const { prepare, process, check, conda } = this.validate(c, given);
    // Names every resource is named from: reported above when they are not strings, built on regardless.
    const props = { ...given, name: text(given.name), inputDatastoreName: text(given.inputDatastoreName) };
    this.parallelSettings = resolveParallelSettings(c, "parallel", props.parallel);
    this.workItemSettings = resolveWorkItemSettings(c, "workItems", props.workItems);
    if (props.computeMaxNodes !== undefined && this.parallelSettings.instanceCount > props.computeMaxNodes) {
      c.fail("parallel.instanceCount", this.parallelSettings.instanceCount, `must not exceed the cluster's maxNodes (${props.computeMaxNodes})`);
    }
    reportProblems(this, c.problems);

    this.name = props.name;
    this.deploymentRetention = props.deploymentRetention ?? DEFAULT_DEPLOYMENT_RETENTION;
    this.allowedDatastores = [...new Set([props.inputDatastoreName, ...(Array.isArray(props.allowedDatastores) ? props.allowedDatastores : [])])];
    this.invocation = props.invocation ?? { style: "batchEndpoint" };
    this.adfName = props.adfPipelineName ?? pipelineDefaults.adfPipelineName(props.name);
    this.outputDatastore = props.outputDatastoreName;
    const tags = { ...(props.tags ?? {}), pipeline: props.name };
    const params: Record<string, string> = { [PARAMS.datastoreName]: props.inputDatastoreName, [PARAMS.relativePath]: props.defaultRelativePath };
    const variables: Record<string, string> = {};

    if (this.invocation.style === "batchEndpoint") {
      const inv = this.invocation;
      this.assets = this.publishAssets(props, { prepare, process, check }, conda);
      this.batchEndpoint = this.deployEndpoint(props, this.assets, tags);
      this.batchActivityOptions = this.batchOptions(props, inv, this.batchEndpoint);
      params[PARAMS.pollIntervalSeconds] = String(inv.pollIntervalSeconds ?? 60);
      variables[VARS.jobStatus] = "NotStarted";
      variables[VARS.pollError] = "";
      this.activities = batchEndpointActivities(this.batchActivityOptions).map(toWire);
    } else {
      this.activities = this.classicActivities(props, this.invocation);
    }
    this.parameters = params;
    this.adfPipeline = new AdfPipeline(this, "adf", {
      name: this.adfName,
      dataFactoryId: props.dataFactoryId,
      description: `Runs ${props.name} on the data path given by ${PARAMS.datastoreName} + ${PARAMS.relativePath}`,
      parameters: params,
      variables,
      concurrency: props.maxConcurrentRuns ?? 4,
      activities: this.activities,
      annotations: ["aml-datapath-pipeline"],
      // The invoke header names this version's deployment: switch to it only once it exists.
      dependsOn: this.batchEndpoint ? [this.batchEndpoint.deployment] : undefined,
    });

    this.triggers = new PipelineTriggers(this, "triggers", {
      dataFactoryId: props.dataFactoryId,
      pipelineName: this.adfPipeline.name,
      namePrefix: this.adfName,
      datastoreName: props.inputDatastoreName,
      schedule: props.scheduleTrigger,
      blobTrigger: props.blobTrigger,
    });
    addCliManifest(this, props);
  }

  /** The batch endpoint with a deployment of the pipeline component. */
  private deployEndpoint(props: DatapathPipelineProps, assets: PipelineAssets, tags: Record<string, string>): PipelineBatchEndpoint {
    return new PipelineBatchEndpoint(this, "batch", {
      workspaceId: props.workspaceId,
      location: props.location,
      endpointName: props.endpointName,
      deploymentNamePrefix: props.deploymentNamePrefix ?? "pipeline",
      pipelineComponentId: assets.pipelineComponent.id,
      pipelineComponentVersion: assets.pipelineComponent.versionName,
      computeClusterName: props.computeClusterName,
      description: `Runs ${props.name} on a data path chosen per run`,
      tags,
    });
  }

  private batchOptions(props: DatapathPipelineProps, inv: BatchEndpointInvocation, endpoint: PipelineBatchEndpoint): BatchEndpointActivitiesOptions {
    return {
      scoringUri: endpoint.scoringUri,
      deploymentName: endpoint.deploymentName,
      endpointName: props.endpointName,
      workspaceId: props.workspaceId,
      inputName: PORTS.pipelineInput,
      outputName: PORTS.pipelineOutput,
      outputPrefix: `runs/${this.adfName}`,
      outputFileName: OUTPUT_FILE,
      jobTimeout: inv.jobTimeout ?? "0.12:00:00",
      integrationRuntimeName: props.integrationRuntimeName,
      outputDatastore: props.outputDatastoreName,
      allowedDatastores: this.allowedDatastores,
    };
  }

  private classicActivities(props: DatapathPipelineProps, inv: ClassicPipelineEndpointInvocation): WireActivity[] {
    return classicPipelineActivities({
      linkedServiceName: props.linkedServiceName,
      pipelineEndpointId: inv.pipelineEndpointId,
      pipelineVersion: inv.pipelineVersion,
      experimentName: inv.experimentName ?? props.name,
      dataPathParameterName: inv.dataPathParameterName ?? PORTS.pipelineInput,
      allowedDatastores: this.allowedDatastores,
      pipelineParameters: inv.pipelineParameters,
      timeout: inv.timeout ?? "0.12:00:00",
    }).map(toWire);
  }

  /** Code upload (with the grants it needs) and the AML assets. */
  private publishAssets(props: DatapathPipelineProps, steps: { prepare: StepSource; process: StepSource; check: StepSource }, conda: string): PipelineAssets {
    // Code goes where azure-ai-ml puts it: the workspace's default blob datastore, whose container
    // name (azureml-blobstore-<workspace guid>) is read from the workspace rather than guessed.
    const store = WorkspaceCodeStore.obtain(this, {
      workspaceId: props.workspaceId,
      storageAccountId: props.storageAccountId,
      datastoreName: props.codeDatastoreName,
      grantDeployerUpload: props.grantDeployerUpload,
      uploadDependsOn: props.uploadDependsOn,
    });
    store.addReader("compute", props.computePrincipalId);
    store.addReader("workspace", props.workspacePrincipalId);
    const containerName = store.containerName;
    const blobEndpoint = props.blobEndpoint !== undefined ? Fn.trimsuffix(props.blobEndpoint, "/") : `https://${props.storageAccountName}.blob.core.windows.net`;
    return new PipelineAssets(this, "assets", {
      workspaceId: props.workspaceId,
      name: props.name,
      storageAccountName: props.storageAccountName,
      blobEndpoint,
      codeContainerName: containerName,
      codeLocationKey: [props.codeDatastoreName ?? "workspaceblobstore", resolvedText(this, blobEndpoint)].join("|"),
      ...steps,
      image: props.baseImage ?? DEFAULT_BASE_IMAGE,
      conda,
      parallel: this.parallelSettings,
      workItems: this.workItemSettings,
      uploadDependsOn: store.uploadDependencies,
    });
  }

  /** The batch endpoint's scoring URI (batch-endpoint style). */
  get scoringUri(): string | undefined {
    return this.batchEndpoint?.scoringUri;
  }
  get endpointName(): string | undefined {
    return this.batchEndpoint?.endpoint.name;
  }
  get adfPipelineName(): string {
    return this.adfPipeline.name;
  }

  /** The ADF expression that builds the invoke body (batch-endpoint style). */
  invokeBodyExpression(): string | undefined {
    return this.batchActivityOptions ? invokeBodyExpression(this.batchActivityOptions) : undefined;
  }

  /** The body a run sends to the endpoint, with the ADF parameters as `<placeholders>`. */
  invokeBodyTemplate(): string {
    return JSON.stringify({
      properties: {
        InputData: { [PORTS.pipelineInput]: { JobInputType: "UriFolder", Uri: `azureml://datastores/<${PARAMS.datastoreName}>/paths/<${PARAMS.relativePath}>` } },
        OutputData: {
          [PORTS.pipelineOutput]: {
            JobOutputType: "UriFile",
            Uri: `azureml://datastores/${this.outputDatastore}/paths/runs/${this.adfName}/<run id>/${OUTPUT_FILE}`,
          },
        },
      },
    });
  }

  private validate(c: Checker, p: DatapathPipelineProps): { prepare: StepSource; process: StepSource; check: StepSource; conda: string } {
    if (c.name("name", p.name, /^(?=.{2,30}$)[a-z][a-z0-9_]*$/, "must be 2-30 lowercase letters, digits or '_', starting with a letter") && !COMPONENT_NAME.test(p.name as string)) {
      c.fail("name", p.name, "must be a valid component name");
    }
    c.resourceId("workspaceId", p.workspaceId);
    c.nonEmptyString("location", p.location);
    checkName(c, "computeClusterName", p.computeClusterName, "computeCluster");
    c.resourceId("storageAccountId", p.storageAccountId);
    checkName(c, "storageAccountName", p.storageAccountName, "storageAccount");
    c.resourceId("dataFactoryId", p.dataFactoryId);
    checkName(c, "linkedServiceName", p.linkedServiceName, "dataFactoryChild");
    checkName(c, "inputDatastoreName", p.inputDatastoreName, "mlDatastore");
    checkName(c, "outputDatastoreName", p.outputDatastoreName, "mlDatastore");
    c.list("allowedDatastores", p.allowedDatastores).forEach((d, i) => checkName(c, `allowedDatastores[${i}]`, d, "mlDatastore"));
    checkName(c, "endpointName", p.endpointName, "batchEndpoint");
    if (p.deploymentNamePrefix !== undefined) c.name("deploymentNamePrefix", p.deploymentNamePrefix, DEPLOYMENT_PREFIX.pattern, DEPLOYMENT_PREFIX.rule);
    if (p.deploymentRetention !== undefined) c.integer("deploymentRetention", p.deploymentRetention, 1, 20);
    c.relativePath("defaultRelativePath", p.defaultRelativePath);
    if (p.codeDatastoreName !== undefined) checkName(c, "codeDatastoreName", p.codeDatastoreName, "mlDatastore");
    if (p.adfPipelineName !== undefined) checkName(c, "adfPipelineName", p.adfPipelineName, "dataFactoryChild");
    if (p.maxConcurrentRuns !== undefined) c.integer("maxConcurrentRuns", p.maxConcurrentRuns, 1, 50);

    const inv = p.invocation ?? { style: "batchEndpoint" };
    if (c.oneOf("invocation.style", inv.style, ["batchEndpoint", "classicPipelineEndpoint"] as const)) {
      if (inv.style === "batchEndpoint") {
        if (inv.pollIntervalSeconds !== undefined) c.integer("invocation.pollIntervalSeconds", inv.pollIntervalSeconds, POLL_INTERVAL.min, POLL_INTERVAL.max);
        if (inv.jobTimeout !== undefined) c.name("invocation.jobTimeout", inv.jobTimeout, DURATION, 'must be a duration "d.hh:mm:ss" of at most 99 days');
      } else {
        c.name("invocation.pipelineEndpointId", inv.pipelineEndpointId, GUID_PATTERN, "must be the GUID of an AML v1 published pipeline endpoint");
        if (inv.timeout !== undefined) c.name("invocation.timeout", inv.timeout, DURATION, 'must be a duration "d.hh:mm:ss" of at most 99 days');
        if (inv.dataPathParameterName !== undefined) c.name("invocation.dataPathParameterName", inv.dataPathParameterName, /^[A-Za-z_][A-Za-z0-9_]*$/, "must be a pipeline parameter name (letters, digits, '_')");
        if (inv.experimentName !== undefined) c.name("invocation.experimentName", inv.experimentName, /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, "must be 1-255 letters, digits, '_' or '-'");
      }
    }
    if (p.scheduleTrigger) {
      const t = p.scheduleTrigger;
      c.oneOf("scheduleTrigger.frequency", t.frequency, SCHEDULE_FREQUENCIES);
      c.integer("scheduleTrigger.interval", t.interval, 1, 1000);
      c.relativePath("scheduleTrigger.relativePath", t.relativePath);
      if (t.startTime !== undefined) c.name("scheduleTrigger.startTime", t.startTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/, "must be an RFC 3339 time such as 2026-12-01T06:00:00Z");
    }
    if (p.blobTrigger) {
      const t = p.blobTrigger;
      c.resourceId("blobTrigger.storageAccountId", t.storageAccountId);
      checkName(c, "blobTrigger.containerName", t.containerName, "storageContainer");
      c.relativePath("blobTrigger.pathPrefix", t.pathPrefix);
      if (t.markerFileName !== undefined) c.name("blobTrigger.markerFileName", t.markerFileName, /^[^/\\"']{1,255}$/, "must be a file name (no '/', '\\' or quotes)");
    }

    const prepare = this.readStep(c, "prepareStep", p.prepareStep ?? { directory: DEFAULT_PIPELINE_DIR, script: "prepare.py" });
    const process = this.readStep(c, "processStep", p.processStep ?? { directory: DEFAULT_PIPELINE_DIR, script: "process.py" });
    const check = this.readStep(c, "checkStep", p.checkStep ?? { directory: DEFAULT_PIPELINE_DIR, script: "check_results.py" });
    const condaPath = p.condaFile ?? path.join(DEFAULT_PIPELINE_DIR, "conda.yaml");
    let conda = "";
    try {
      conda = fs.readFileSync(condaPath, "utf8").replace(/\r\n/g, "\n");
    } catch {
      c.fail("condaFile", p.condaFile ?? "pipeline/conda.yaml", "must be a readable file");
    }
    return { prepare, process, check, conda };
  }

  private readStep(c: Checker, property: string, code: StepCode): StepSource {
    if (!isObject(code)) return (c.fail(property, code, "must be an object { directory, script, files? }"), { script: "", files: [] });
    if (!c.nonEmptyString(`${property}.script`, code.script) || !c.nonEmptyString(`${property}.directory`, code.directory)) return { script: text(code.script), files: [] };
    const files = code.files === undefined ? [code.script] : c.list(`${property}.files`, code.files);
    if (!files.includes(code.script)) c.fail(`${property}.files`, files, `must include the script "${code.script}"`);
    const outside = files.filter((f, i) => {
      const bad = typeof f !== "string" || f.startsWith("/") || f.split("/").some((s) => s === ".." || s === "") || f.includes("\\");
      if (bad) c.fail(`${property}.files[${i}]`, f, "must be relative to the step's directory, without '..'");
      return bad;
    });
    // A file outside the folder is not read: the problem above is the whole mistake.
    if (outside.length > 0) return { script: code.script, files: [] };
    try {
      return { script: code.script, files: readSourceFiles(code.directory, files) };
    } catch (e) {
      const file = (e as NodeJS.ErrnoException).path ? path.basename(String((e as NodeJS.ErrnoException).path)) : String(files);
      c.fail(`${property}.files`, file, "must be readable files in the step's directory");
      return { script: code.script, files: [] };
    }
  }
}
