import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { Fn, ITerraformDependable, TerraformOutput, TerraformStack, Token } from "cdktf";
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
import { BlobTriggerOptions, PipelineTriggers, ScheduleTriggerOptions, validateBlobTriggerPath, validateScheduleTrigger } from "./adf-triggers";
import { DEFAULT_DEPLOYMENT_RETENTION, DEPLOYMENT_PREFIX, PipelineBatchEndpoint } from "./batch-endpoint";
import { WorkspaceCodeStore } from "./code-access";
import { PipelineAssets, StepSource } from "./pipeline-assets";
import { readSourceFiles } from "./content-hash";
import { checkName } from "../core/naming";
import { pipelineDefaults } from "./naming";
import { Checker, isObject, reportProblems, text, under } from "../core/validation";
import { GUID_PATTERN } from "../core/arm";
import { checkWorkspace, IMlWorkspace } from "../platform/ml-workspace";
import { checkCluster, IComputeCluster } from "../platform/compute-cluster";
import { checkFactory, IDataFactory } from "../platform/data-factory";
import { checkDatastore, IBlobDatastore } from "../platform/blob-datastore";
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

/**
 * The platform the pipeline is added to: constructs of this stack, or existing resources
 * (`MlWorkspace.fromAttributes`, `ComputeCluster.fromAttributes`, ...), so it can live in another stack.
 */
export interface PipelinePlatform {
  /** The workspace the assets, endpoint and deployments are created in (in its region; the step code goes into its storage account). */
  readonly workspace: IMlWorkspace;
  /** The cluster the deployment runs on by default (`parallel.instanceCount` is checked against its `maxNodes` when known). */
  readonly cluster: IComputeCluster;
  /** The factory whose ADF pipeline starts the runs. */
  readonly factory: IDataFactory;
  /** Datastore the data path is relative to (the ADF parameter's default). */
  readonly inputDatastore: IBlobDatastore;
  /** Datastore each run's output is written to (fixed for the pipeline, not a run parameter). */
  readonly outputDatastore: IBlobDatastore;
  /**
   * Further datastores (by name) a run may read besides the input datastore; any other
   * `datastore_name` fails the run before anything is invoked. Their access is not granted here:
   * grant the cluster and the factory Storage Blob Data Reader on their containers (`grantRead`).
   * @default []
   */
  readonly allowedDatastores?: readonly string[];
  /**
   * Grant what a run needs when the pipeline is created: the cluster's identity Storage Blob Data
   * Reader on the input datastore's container and Storage Blob Data Contributor on the output
   * datastore's; the factory's identity the same two (batch jobs read and write data as the
   * identity that invoked them) and AzureML Data Scientist on the workspace (to invoke the endpoint
   * and read the job). A grant the stack makes already is not made twice. Turn it off only where
   * these five role assignments are made elsewhere (another stack, a platform team).
   * @default true
   */
  readonly grantRunAccess?: boolean;
  /**
   * Blob endpoint of the workspace's storage account, for clouds other than Azure public (a trailing '/' is trimmed).
   * @default "https://<storage account name>.blob.core.windows.net"
   */
  readonly blobEndpoint?: string;
  /**
   * Datastore whose container receives the step code, as azure-ai-ml uploads code into the
   * workspace's default blob datastore. Its container name is read from the workspace at deploy time.
   * The cluster's and the workspace's identities get Storage Blob Data Reader on it (the workspace's
   * only when its principal id is known: else grant it yourself).
   * @default "workspaceblobstore"
   */
  readonly codeDatastoreName?: string;
}

/** The flat platform props of 0.2, each replaced by a construct in 0.3 (`PipelinePlatform`). */
export const REMOVED_PLATFORM_PROPS = {
  workspaceId: "workspace",
  location: "workspace (the pipeline uses its region)",
  storageAccountId: "workspace (its storage account)",
  storageAccountName: "workspace (its storage account)",
  workspacePrincipalId: "workspace (its identity)",
  computeClusterName: "cluster",
  computeMaxNodes: "cluster (its maxNodes)",
  computePrincipalId: "cluster (its identity)",
  dataFactoryId: "factory",
  linkedServiceName: "factory (its linkedServiceName)",
  integrationRuntimeName: "factory (its integrationRuntimeName)",
  inputDatastoreName: "inputDatastore",
  outputDatastoreName: "outputDatastore",
} as const;

/**
 * Removed in 0.3: the flat platform props. TypeScript rejects them; from JavaScript each is a synth
 * problem naming its replacement.
 * @deprecated give `workspace`, `cluster`, `factory`, `inputDatastore` and `outputDatastore` instead.
 */
export type RemovedPlatformProps = { readonly [K in keyof typeof REMOVED_PLATFORM_PROPS]?: never };

export interface DatapathPipelineProps extends PipelinePlatform, PipelineSettings, RemovedPlatformProps {
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


/** What an environment config sets of a pipeline (under `pipeline`), and the construct takes under the same names. */
export interface PipelineSettings {
  /** Pipeline name: prefix of every asset name (lowercase letters, digits, `_`; 2-30 characters). */
  readonly name: string;
  /**
   * How ADF starts runs.
   * @default { style: "batchEndpoint" }
   */
  readonly invocation?: Invocation;
  /** @default DEFAULT_PARALLEL_SETTINGS */
  readonly parallel?: ParallelSettings;
  /** @default DEFAULT_WORK_ITEM_SETTINGS */
  readonly workItems?: WorkItemSettings;
  /** @default 2 */
  readonly deploymentRetention?: number;
}

/** Deployments kept on the endpoint: at least the current one. */
export const DEPLOYMENT_RETENTION = { min: 1, max: 20 } as const;

/**
 * Problems with a pipeline's settings, reported under `prefix` (the construct: none; an environment
 * config: `pipeline`). Returns the parallel and work-item settings with their defaults filled in.
 */
export function validatePipelineSettings(c: Checker, prefix: string, s: PipelineSettings): { readonly parallel: ResolvedParallelSettings; readonly workItems: ResolvedWorkItemSettings } {
  const at = (key: keyof PipelineSettings) => under(prefix, key);
  if (c.name(at("name"), s.name, /^(?=.{2,30}$)[a-z][a-z0-9_]*$/, "must be 2-30 lowercase letters, digits or '_', starting with a letter") && !COMPONENT_NAME.test(s.name)) {
    c.fail(at("name"), s.name, "must be a valid component name");
  }
  validateInvocation(c, at("invocation"), s.invocation);
  if (s.deploymentRetention !== undefined) c.integer(at("deploymentRetention"), s.deploymentRetention, DEPLOYMENT_RETENTION.min, DEPLOYMENT_RETENTION.max);
  return { parallel: resolveParallelSettings(c, at("parallel"), s.parallel), workItems: resolveWorkItemSettings(c, at("workItems"), s.workItems) };
}

/**
 * Problems with how ADF starts runs, reported under `prefix` (the construct: `invocation`; an
 * environment config: `pipeline.invocation`).
 */
export function validateInvocation(c: Checker, prefix: string, invocation: Invocation | undefined): void {
  const inv = invocation ?? { style: "batchEndpoint" };
  if (!isObject(inv)) {
    c.fail(prefix, inv, 'must be an object: { style: "batchEndpoint", ... } or { style: "classicPipelineEndpoint", pipelineEndpointId, ... }');
    return;
  }
  const at = (key: string) => under(prefix, key);
  if (!c.oneOf(at("style"), inv.style, ["batchEndpoint", "classicPipelineEndpoint"] as const)) return;
  if (inv.style === "batchEndpoint") {
    if (inv.pollIntervalSeconds !== undefined) c.integer(at("pollIntervalSeconds"), inv.pollIntervalSeconds, POLL_INTERVAL.min, POLL_INTERVAL.max);
    if (inv.jobTimeout !== undefined) c.name(at("jobTimeout"), inv.jobTimeout, DURATION, 'must be a duration "d.hh:mm:ss" of at most 99 days');
    return;
  }
  c.name(at("pipelineEndpointId"), inv.pipelineEndpointId, GUID_PATTERN, "must be the GUID of an AML v1 published pipeline endpoint");
  if (inv.pipelineVersion !== undefined) c.name(at("pipelineVersion"), inv.pipelineVersion, /^[A-Za-z0-9._-]{1,64}$/, "must be 1-64 letters, digits, '.', '_' or '-' (a pipeline endpoint's version)");
  if (inv.timeout !== undefined) c.name(at("timeout"), inv.timeout, DURATION, 'must be a duration "d.hh:mm:ss" of at most 99 days');
  if (inv.dataPathParameterName !== undefined) c.name(at("dataPathParameterName"), inv.dataPathParameterName, PIPELINE_PARAMETER_NAME, "must be a pipeline parameter name (letters, digits, '_')");
  if (inv.experimentName !== undefined) c.name(at("experimentName"), inv.experimentName, /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, "must be 1-255 letters, digits, '_' or '-'");
  if (inv.pipelineParameters !== undefined) {
    if (!isObject(inv.pipelineParameters)) c.fail(at("pipelineParameters"), inv.pipelineParameters, "must be an object of strings by pipeline parameter name");
    else {
      for (const [key, value] of Object.entries(inv.pipelineParameters)) {
        if (!PIPELINE_PARAMETER_NAME.test(key)) c.fail(at(`pipelineParameters.${key}`), value, "must be keyed by a pipeline parameter name (letters, digits, '_')");
        else c.name(at(`pipelineParameters.${key}`), value, /^[^\u0000-\u001f\u007f]*$/, "must be a string without control characters");
      }
    }
  }
}

const PIPELINE_PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The files a pipeline's code folder holds: each step's script, and the environment's conda file. */
export const CODE_FILES = { prepareStep: "prepare.py", processStep: "process.py", checkStep: "check_results.py", condaFile: "conda.yaml" } as const;

/**
 * Problems with a folder of step code, reported under `property` (an environment config:
 * `pipeline.codeDirectory`): it must hold a readable file for each of `CODE_FILES`.
 */
export function validateCodeDirectory(c: Checker, property: string, directory: unknown): boolean {
  if (!c.nonEmptyString(property, directory)) return false;
  const unreadable = Object.values(CODE_FILES).filter((file) => {
    try {
      fs.accessSync(path.join(directory, file), fs.constants.R_OK);
      return !fs.statSync(path.join(directory, file)).isFile();
    } catch {
      return true;
    }
  });
  if (unreadable.length === 0) return true;
  return c.fail(property, directory, `must be a folder holding ${Object.values(CODE_FILES).join(", ")} (cannot read ${unreadable.join(", ")})`);
}

/**
 * Publishes the two-step data-path pipeline on AML v2 (code, environment, components, a batch
 * endpoint with a pipeline-component deployment) and an ADF pipeline whose data path is an
 * ordinary ADF parameter, invoked through the batch endpoint or an existing v1 pipeline endpoint.
 *
 * What a run needs, and who grants it (role on scope, to identity):
 * - Storage Blob Data Reader on the input datastore's container and Storage Blob Data Contributor
 *   on the output datastore's, to the cluster's and to the factory's identity; AzureML Data
 *   Scientist on the workspace, to the factory's identity: granted here (`grantRunAccess`), unless
 *   turned off; then grant exactly these elsewhere. Further `allowedDatastores` are never granted
 *   here: Storage Blob Data Reader on their containers, to both identities.
 * - Storage Blob Data Reader on the code datastore's container (`workspaceblobstore` by default,
 *   container `azureml-blobstore-<workspace guid>`), to the cluster's and the workspace's identity:
 *   granted here; the workspace's only when its principal id is known (`MlWorkspace.fromAttributes`
 *   without `workspacePrincipalId`: grant it yourself).
 * - Storage Blob Data Contributor on that container, to the identity running Terraform (to upload
 *   the step code): granted here unless `grantDeployerUpload` is false.
 * Granting needs Owner or User Access Administrator (or Role Based Access Control Administrator)
 * on those scopes for the identity running Terraform.
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
  private readonly batchActivityOptions?: BatchEndpointActivitiesOptions;
  /** The ids and names the pipeline uses of its platform. */
  private readonly refs: PlatformRefs;
  /** What `addOutputs` puts into the start-run command. */
  private readonly startRun: { readonly factory?: IDataFactory; readonly relativePath: string };

  constructor(scope: Construct, id: string, given: DatapathPipelineProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const platform = checkPlatform(c, given);
    const settings = validatePipelineSettings(c, "", given);
    const { prepare, process, check, conda } = this.validate(c, given);
    // Names every resource is named from: reported above when they are not strings, built on regardless.
    const props: Resolved = { ...given, ...refsOf(platform), name: text(given.name) };
    this.parallelSettings = settings.parallel;
    this.workItemSettings = settings.workItems;
    const maxNodes = platform.cluster?.maxNodes;
    if (typeof maxNodes === "number" && Number.isInteger(maxNodes) && this.parallelSettings.instanceCount > maxNodes) {
      c.fail("parallel.instanceCount", this.parallelSettings.instanceCount, `must not exceed the cluster's maxNodes (${maxNodes})`);
    }
    reportProblems(this, c.problems);
    if (given.grantRunAccess !== false) grantRunAccess(platform);

    this.name = props.name;
    this.deploymentRetention = props.deploymentRetention ?? DEFAULT_DEPLOYMENT_RETENTION;
    // A wrong item is reported (validate): left out here, so the rest still builds.
    this.allowedDatastores = [...new Set([props.inputDatastoreName, ...(Array.isArray(props.allowedDatastores) ? props.allowedDatastores.filter((d) => typeof d === "string") : [])])];
    this.invocation = props.invocation ?? { style: "batchEndpoint" };
    this.adfName = props.adfPipelineName ?? pipelineDefaults.adfPipelineName(props.name);
    this.refs = props;
    this.startRun = { factory: platform.factory, relativePath: text(props.defaultRelativePath) };
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
    // The platform's ids and names, as resolved from the constructs given (props carries them).
    addCliManifest(this, props);
  }

  /** The batch endpoint with a deployment of the pipeline component. */
  private deployEndpoint(props: Resolved, assets: PipelineAssets, tags: Record<string, string>): PipelineBatchEndpoint {
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

  private batchOptions(props: Resolved, inv: BatchEndpointInvocation, endpoint: PipelineBatchEndpoint): BatchEndpointActivitiesOptions {
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

  private classicActivities(props: Resolved, inv: ClassicPipelineEndpointInvocation): WireActivity[] {
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
  private publishAssets(props: Resolved, steps: { prepare: StepSource; process: StepSource; check: StepSource }, conda: string): PipelineAssets {
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
    const blobEndpoint = typeof props.blobEndpoint === "string" ? Fn.trimsuffix(props.blobEndpoint, "/") : `https://${props.storageAccountName}.blob.core.windows.net`;
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

  /** ARM id of the workspace the pipeline is published in. */
  get workspaceId(): string {
    return this.refs.workspaceId;
  }
  /** Region of the workspace (the endpoint's). */
  get location(): string {
    return this.refs.location;
  }
  /** ARM id of the factory whose ADF pipeline starts runs. */
  get dataFactoryId(): string {
    return this.refs.dataFactoryId;
  }
  /** Datastore a run's path is relative to unless it names another. */
  get inputDatastoreName(): string {
    return this.refs.inputDatastoreName;
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
            Uri: `azureml://datastores/${this.refs.outputDatastoreName}/paths/runs/${this.adfName}/<run id>/${OUTPUT_FILE}`,
          },
        },
      },
    });
  }

  /**
   * Add the stack outputs a run is started with, as `DatapathStack` has them: `start_run_command`
   * (an Azure CLI command that starts a run on the default data path), `adf_pipeline_name`, and for
   * the batch-endpoint style `invoke_body_template`, `batch_endpoint_name`,
   * `batch_endpoint_scoring_uri`, `batch_deployment_name` and `batch_deployment_retention`.
   * @param prefix put before each output's name; each pipeline of a stack needs its own. @default ""
   * @returns the outputs by name (without the prefix)
   */
  addOutputs(prefix = ""): Readonly<Record<string, TerraformOutput>> {
    const c = new Checker(this.node.path);
    const taken = TerraformStack.of(this).node.findAll().filter((n): n is TerraformOutput => n instanceof TerraformOutput).map((o) => o.friendlyUniqueId);
    const mine = this.outputValues();
    const clash = Object.keys(mine).map((n) => `${prefix}${n}`).filter((n) => taken.includes(n));
    if (c.name("addOutputs(prefix)", prefix, /^([A-Za-z_][A-Za-z0-9_-]*)?$/, "must be empty or start an output name (letters, digits, '_' or '-', starting with a letter or '_')") && clash.length > 0) {
      c.fail("addOutputs(prefix)", prefix, `names outputs the stack has already (${clash.join(", ")}): give each pipeline its own prefix`);
    }
    reportProblems(this, c.problems);
    if (c.problems.length > 0) return {};
    return Object.fromEntries(
      Object.entries(mine).map(([name, config]) => {
        const output = new TerraformOutput(this, `output-${name}`, config);
        output.overrideLogicalId(`${prefix}${name}`);
        return [name, output];
      }),
    );
  }

  /** The outputs `addOutputs` adds, by name. */
  private outputValues(): Record<string, { readonly value: unknown; readonly description?: string }> {
    const run = this.startRun;
    const endpoint = this.batchEndpoint;
    return {
      adf_pipeline_name: { value: this.adfPipelineName },
      ...(endpoint
        ? {
            batch_endpoint_name: { value: this.endpointName },
            batch_endpoint_scoring_uri: { value: this.scoringUri },
            invoke_body_template: { value: this.invokeBodyTemplate() },
            batch_deployment_name: { value: endpoint.deploymentName, description: "This version's deployment: the endpoint's default" },
            batch_deployment_retention: { value: this.deploymentRetention, description: "Deployments aml-datapath prune-deployments keeps on the endpoint (the default included)" },
          }
        : {}),
      start_run_command: {
        description: "Starts a run with a new data path (Azure CLI with the datafactory extension)",
        value: startRunCommand(text(run.factory?.resourceGroupName), text(run.factory?.name), this.adfPipelineName, this.inputDatastoreName, run.relativePath),
      },
    };
  }

  private validate(c: Checker, p: DatapathPipelineProps): { prepare: StepSource; process: StepSource; check: StepSource; conda: string } {
    for (const [removed, replacement] of Object.entries(REMOVED_PLATFORM_PROPS)) {
      const value: unknown = (p as unknown as Record<string, unknown>)[removed];
      if (value !== undefined) c.fail(removed, value, `is no longer taken (0.3): give ${replacement}`);
    }
    c.optionalBoolean("grantRunAccess", p.grantRunAccess);
    c.list("allowedDatastores", p.allowedDatastores).forEach((d, i) => checkName(c, `allowedDatastores[${i}]`, d, "mlDatastore"));
    if (p.blobEndpoint !== undefined && typeof p.blobEndpoint === "string" && !Token.isUnresolved(p.blobEndpoint)) c.name("blobEndpoint", p.blobEndpoint, /^https:\/\/[^/\s]+\/?$/, "must be an https URL of a blob endpoint, e.g. https://<account>.blob.core.usgovcloudapi.net");
    else if (p.blobEndpoint !== undefined) c.nonEmptyString("blobEndpoint", p.blobEndpoint);
    checkName(c, "endpointName", p.endpointName, "batchEndpoint");
    if (p.deploymentNamePrefix !== undefined) c.name("deploymentNamePrefix", p.deploymentNamePrefix, DEPLOYMENT_PREFIX.pattern, DEPLOYMENT_PREFIX.rule);
    c.relativePath("defaultRelativePath", p.defaultRelativePath);
    if (p.codeDatastoreName !== undefined) checkName(c, "codeDatastoreName", p.codeDatastoreName, "mlDatastore");
    if (p.adfPipelineName !== undefined) checkName(c, "adfPipelineName", p.adfPipelineName, "dataFactoryChild");
    if (p.maxConcurrentRuns !== undefined) c.integer("maxConcurrentRuns", p.maxConcurrentRuns, 1, 50);
    if (p.scheduleTrigger !== undefined) validateScheduleTrigger(c, "scheduleTrigger", p.scheduleTrigger);
    if (p.blobTrigger !== undefined && (isObject(p.blobTrigger) || c.fail("blobTrigger", p.blobTrigger, "must be an object { storageAccountId, containerName, pathPrefix, markerFileName?, activated? }"))) {
      const t = p.blobTrigger;
      c.resourceId("blobTrigger.storageAccountId", t.storageAccountId);
      checkName(c, "blobTrigger.containerName", t.containerName, "storageContainer");
      validateBlobTriggerPath(c, "blobTrigger", t);
      c.optionalBoolean("blobTrigger.activated", t.activated);
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


/** A ready-to-paste Azure CLI command that starts one run on `relativePath`. */
export function startRunCommand(resourceGroup: string, factory: string, pipeline: string, datastore: string, relativePath: string): string {
  const parameters = JSON.stringify({ datastore_name: datastore, relative_path: relativePath });
  return `az datafactory pipeline create-run --resource-group ${resourceGroup} --factory-name ${factory} --name ${pipeline} --parameters '${parameters}'`;
}

/** The platform constructs a pipeline was given, those that are what they must be (the others are reported). */
interface CheckedPlatform {
  readonly workspace?: IMlWorkspace;
  readonly cluster?: IComputeCluster;
  readonly factory?: IDataFactory;
  readonly input?: IBlobDatastore;
  readonly output?: IBlobDatastore;
}

function checkPlatform(c: Checker, p: DatapathPipelineProps): CheckedPlatform {
  const platform = {
    workspace: checkWorkspace(c, "workspace", p.workspace),
    cluster: checkCluster(c, "cluster", p.cluster),
    factory: checkFactory(c, "factory", p.factory),
    input: checkDatastore(c, "inputDatastore", p.inputDatastore),
    output: checkDatastore(c, "outputDatastore", p.outputDatastore),
  };
  const { input, output } = platform;
  if (input && output && (input.datastoreName === output.datastoreName || resolvedText(input, input.containerId) === resolvedText(input, output.containerId))) {
    c.fail("outputDatastore", output.datastoreName, "must differ from inputDatastore, in name and container (a run's output never goes into its input)");
  }
  return platform;
}

/** What the pipeline uses of its platform: ids and names, read from the constructs it was given. */
interface PlatformRefs {
  readonly workspaceId: string;
  /** Region of the workspace (endpoints and deployments are created there). */
  readonly location: string;
  readonly storageAccountId: string;
  readonly storageAccountName: string;
  readonly workspacePrincipalId?: string;
  readonly computeClusterName: string;
  readonly computePrincipalId: string;
  readonly dataFactoryId: string;
  readonly linkedServiceName: string;
  readonly integrationRuntimeName?: string;
  readonly inputDatastoreName: string;
  readonly outputDatastoreName: string;
}

type Resolved = Omit<DatapathPipelineProps, keyof RemovedPlatformProps> & PlatformRefs;

function refsOf({ workspace, cluster, factory, input, output }: CheckedPlatform): PlatformRefs {
  return {
    workspaceId: text(workspace?.workspaceId),
    location: text(workspace?.location),
    storageAccountId: text(workspace?.storageAccountId),
    storageAccountName: text(workspace?.storageAccountName),
    workspacePrincipalId: typeof workspace?.workspacePrincipalId === "string" ? workspace.workspacePrincipalId : undefined,
    computeClusterName: text(cluster?.name),
    computePrincipalId: text(cluster?.principalId),
    dataFactoryId: text(factory?.id),
    linkedServiceName: text(factory?.linkedServiceName),
    integrationRuntimeName: typeof factory?.integrationRuntimeName === "string" ? factory.integrationRuntimeName : undefined,
    inputDatastoreName: text(input?.datastoreName),
    outputDatastoreName: text(output?.datastoreName),
  };
}

/** See `PipelinePlatform.grantRunAccess`: the five grants a run needs on data and workspace. */
function grantRunAccess({ workspace, cluster, factory, input, output }: CheckedPlatform): void {
  for (const identity of [cluster, factory]) {
    if (!identity) continue;
    input?.grantRead(identity);
    output?.grantReadWrite(identity);
  }
  if (factory) workspace?.grantJobSubmit(factory);
}
