import * as fs from "fs";
import * as path from "path";
import { Construct } from "constructs";
import { Fn, ITerraformDependable } from "cdktf";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container";
import { StorageBlob } from "@cdktf/provider-azurerm/lib/storage-blob";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import { DataFactoryPipeline } from "@cdktf/provider-azurerm/lib/data-factory-pipeline";
import { DataFactoryTriggerSchedule } from "@cdktf/provider-azurerm/lib/data-factory-trigger-schedule";
import { DataFactoryTriggerBlobEvent } from "@cdktf/provider-azurerm/lib/data-factory-trigger-blob-event";
import { AzapiResource, AzapiUpdateResource, escapeTemplates, escapeTemplateString } from "./azapi";
import {
  amlType,
  BatchEndpointBody,
  CodeVersionBody,
  ComponentVersionBody,
  EnvironmentVersionBody,
  PipelineComponentDeploymentBody,
  VersionedAsset,
} from "./aml-assets";
import {
  COMPONENT_NAME,
  ParallelSettings,
  PORTS,
  pipelineComponentSpec,
  prepareComponentSpec,
  processComponentSpec,
  ResolvedParallelSettings,
  resolveParallelSettings,
} from "./component-specs";
import {
  batchEndpointActivities,
  BatchEndpointActivitiesOptions,
  classicPipelineActivities,
  invokeBodyExpression,
  PARAMS,
  toWire,
  VARS,
  WireActivity,
} from "./adf-activities";
import { contentVersion, md5Hex, readSourceFiles, SourceFile } from "./content-hash";
import { checkName, pipelineDefaults } from "./naming";
import { ROLES } from "./roles";
import { Checker, reportProblems } from "./validation";

/** The reference steps shipped with this library. */
export const DEFAULT_PIPELINE_DIR = path.join(__dirname, "..", "pipeline");
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
 * Start runs through an existing AML v1 published pipeline endpoint (ADF's Machine Learning Execute
 * Pipeline activity). v1 pipelines cannot be published without the retired Python SDK v1, so its id
 * comes from configuration.
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

export const SCHEDULE_FREQUENCIES = ["Minute", "Hour", "Day", "Week", "Month"] as const;

/** Run on a schedule with a fixed data path. */
export interface ScheduleTriggerOptions {
  readonly frequency: (typeof SCHEDULE_FREQUENCIES)[number];
  readonly interval: number;
  /** Data path passed to every scheduled run. */
  readonly relativePath: string;
  /**
   * First run, RFC 3339 (e.g. "2026-12-01T06:00:00Z").
   * @default - when the trigger is created
   */
  readonly startTime?: string;
  /** @default "UTC" */
  readonly timeZone?: string;
  /** @default true */
  readonly activated?: boolean;
}

/** Run when a producer finishes a folder: a marker blob created in the input container starts a run on its folder. */
export interface BlobTriggerOptions {
  /** ARM id of the storage account that holds the input container. */
  readonly storageAccountId: string;
  /** Input container name. */
  readonly containerName: string;
  /** Only folders under this prefix (relative to the container) trigger runs. */
  readonly pathPrefix: string;
  /**
   * The blob whose creation marks a folder as complete. Triggering on every data file would start
   * one run per file, each over the whole folder.
   * @default "_SUCCESS"
   */
  readonly markerFileName?: string;
  /** @default true */
  readonly activated?: boolean;
}

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
  /** Storage account (ARM id and name) where the step code is uploaded: the workspace's storage. */
  readonly storageAccountId: string;
  readonly storageAccountName: string;
  /**
   * Blob endpoint of that account, for clouds other than Azure public (a trailing '/' is trimmed).
   * @default "https://<storageAccountName>.blob.core.windows.net"
   */
  readonly blobEndpoint?: string;
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
   * Deployment name under the endpoint.
   * @default "pipeline"
   */
  readonly deploymentName?: string;
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
   * Conda file of the environment both steps run in.
   * @default the library's pipeline/conda.yaml
   */
  readonly condaFile?: string;
  /** @default DEFAULT_BASE_IMAGE */
  readonly baseImage?: string;
  /** @default DEFAULT_PARALLEL_SETTINGS */
  readonly parallel?: ParallelSettings;
  /**
   * Container the step code is uploaded to (one folder per code version).
   * @default "<name>-code" (with `_` as `-`), so pipelines in one account never share a container by accident
   */
  readonly codeContainerName?: string;
  /**
   * Create the code container; false uses an existing one (e.g. shared by several pipelines).
   * @default true
   */
  readonly createCodeContainer?: boolean;
  /**
   * `lifecycle.prevent_destroy` on the code container.
   * @default false (its content is rebuilt from the repository)
   */
  readonly preventDestroy?: boolean;
  /**
   * Resources the code upload must wait for (e.g. the storage account's private endpoint).
   * @default []
   */
  readonly uploadDependsOn?: ITerraformDependable[];
  /**
   * Grant the identity running Terraform Storage Blob Data Contributor on the code container: the
   * provider uploads blobs with Entra ID. Role assignments take a few minutes to apply, so a first
   * deployment may need a second `deploy`.
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

interface StepFiles {
  readonly code: StepCode;
  readonly files: SourceFile[];
}

/**
 * Publishes the two-step data-path pipeline on AML v2 (code, environment, components, a batch
 * endpoint with a pipeline-component deployment) and an ADF pipeline whose data path is an
 * ordinary ADF parameter, invoked through the batch endpoint or an existing v1 pipeline endpoint.
 */
export class DatapathPipeline extends Construct {
  readonly name: string;
  readonly adfPipeline: DataFactoryPipeline;
  readonly endpoint: AzapiResource;
  readonly deployment: AzapiResource;
  readonly prepareCode: VersionedAsset<CodeVersionBody>;
  readonly processCode: VersionedAsset<CodeVersionBody>;
  readonly environment: VersionedAsset<EnvironmentVersionBody>;
  readonly prepareComponent: VersionedAsset<ComponentVersionBody>;
  readonly processComponent: VersionedAsset<ComponentVersionBody>;
  readonly pipelineComponent: VersionedAsset<ComponentVersionBody>;
  /** The activities as written to `activities_json` (wire format). */
  readonly activities: readonly WireActivity[];
  /** ADF parameters and their defaults. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly invocation: Invocation;
  readonly parallelSettings: ResolvedParallelSettings;
  readonly scheduleTrigger?: DataFactoryTriggerSchedule;
  readonly blobTrigger?: DataFactoryTriggerBlobEvent;
  private readonly integrationRuntimeName?: string;
  private readonly adfName: string;
  private readonly outputDatastore: string;
  /** Datastores a run may name in `datastore_name`. */
  readonly allowedDatastores: readonly string[];

  constructor(scope: Construct, id: string, props: DatapathPipelineProps) {
    super(scope, id);
    const c = new Checker(this.node.path);
    const { prepare, process, conda } = this.validate(c, props);
    this.parallelSettings = resolveParallelSettings(c, "parallel", props.parallel);
    if (props.computeMaxNodes !== undefined && this.parallelSettings.instanceCount > props.computeMaxNodes) {
      c.fail("parallel.instanceCount", this.parallelSettings.instanceCount, `must not exceed the cluster's maxNodes (${props.computeMaxNodes})`);
    }
    reportProblems(this, c.problems);

    this.name = props.name;
    this.integrationRuntimeName = props.integrationRuntimeName;
    this.allowedDatastores = [...new Set([props.inputDatastoreName, ...(props.allowedDatastores ?? [])])];
    this.invocation = props.invocation ?? { style: "batchEndpoint" };
    const tags = { ...(props.tags ?? {}), pipeline: props.name };

    // --- Code upload: one immutable folder per code version ---
    const containerName = props.codeContainerName ?? pipelineDefaults.codeContainerName(props.name);
    const container =
      props.createCodeContainer ?? true
        ? new StorageContainer(this, "code-container", {
            name: containerName,
            storageAccountId: props.storageAccountId,
            containerAccessType: "private",
            lifecycle: { preventDestroy: props.preventDestroy ?? false },
          })
        : undefined;
    const containerId = container?.resourceManagerId ?? `${props.storageAccountId}/blobServices/default/containers/${containerName}`;
    // Grants on the code container come with the container: a shared, existing container is granted by its owner
    // (two pipelines granting the same role on the same scope would collide in Azure).
    const uploadDeps: ITerraformDependable[] = [...(props.uploadDependsOn ?? [])];
    if (container) {
      if (props.grantDeployerUpload ?? true) {
        const me = new DataAzurermClientConfig(this, "deployer", {});
        uploadDeps.push(
          new RoleAssignment(this, "deployer-code-upload", {
            scope: containerId,
            roleDefinitionName: ROLES.storageBlobDataContributor,
            principalId: me.objectId,
          }),
        );
      }
      const codeReaders = { "compute-code-reader": props.computePrincipalId, "workspace-code-reader": props.workspacePrincipalId };
      for (const [grantId, principalId] of Object.entries(codeReaders)) {
        if (principalId === undefined) continue;
        new RoleAssignment(this, grantId, {
          scope: containerId,
          roleDefinitionName: ROLES.storageBlobDataReader,
          principalId,
          principalType: "ServicePrincipal",
        });
      }
    }
    const blobEndpoint = props.blobEndpoint !== undefined ? Fn.trimsuffix(props.blobEndpoint, "/") : `https://${props.storageAccountName}.blob.core.windows.net`;
    const uploadCode = (step: "prepare" | "process", s: StepFiles) => {
      const version = contentVersion("code", s.files);
      const folder = `${props.name}/${step}/${version}`;
      const blobs = s.files.map(
        (f) =>
          new StorageBlob(this, `${step}-code-${f.name}`, {
            name: `${folder}/${f.name}`,
            storageAccountName: props.storageAccountName,
            storageContainerName: container?.name ?? containerName,
            type: "Block",
            sourceContent: escapeTemplateString(f.content),
            contentMd5: md5Hex(f.content),
            contentType: f.name.endsWith(".py") ? "text/x-python" : "text/plain",
            dependsOn: uploadDeps,
          }),
      );
      const body: CodeVersionBody = {
        properties: { codeUri: `${blobEndpoint}/${containerName}/${folder}`, description: `${step} step code`, isAnonymous: false, isArchived: false },
      };
      return new VersionedAsset(this, `${step}-code`, {
        workspaceId: props.workspaceId,
        kind: "codes",
        name: `${props.name}-${step}`,
        version,
        description: `Code of the ${step} step of ${props.name}`,
        versionBody: body,
        dependsOn: blobs,
      });
    };
    this.prepareCode = uploadCode("prepare", prepare);
    this.processCode = uploadCode("process", process);

    // --- Environment ---
    const image = props.baseImage ?? DEFAULT_BASE_IMAGE;
    const envBody: EnvironmentVersionBody = {
      properties: { image, condaFile: conda, osType: "Linux", description: "Runtime of both steps", isAnonymous: false, isArchived: false },
    };
    this.environment = new VersionedAsset(this, "environment", {
      workspaceId: props.workspaceId,
      kind: "environments",
      name: `${props.name}-env`,
      version: contentVersion("environment", image, conda),
      description: `Environment of ${props.name}`,
      versionBody: envBody,
    });

    // --- Components: versions hash the spec with dependency versions in place of ids ---
    const component = (key: string, name: string, spec: (version: string, ids: boolean) => Record<string, unknown>, description: string) => {
      const version = contentVersion("component", spec("", false));
      const body: ComponentVersionBody = { properties: { componentSpec: spec(version, true), description, isAnonymous: false, isArchived: false } };
      return new VersionedAsset(this, key, { workspaceId: props.workspaceId, kind: "components", name, version, description, versionBody: body });
    };
    const stepAssets = (code: VersionedAsset<CodeVersionBody>, ids: boolean) => ({
      codeId: ids ? code.id : `code:${code.versionName}`,
      environmentId: ids ? this.environment.id : `environment:${this.environment.versionName}`,
    });
    this.prepareComponent = component(
      "prepare-component",
      `${props.name}_prepare`,
      (v, ids) => prepareComponentSpec(`${props.name}_prepare`, v, stepAssets(this.prepareCode, ids), prepare.code.script),
      "Step 1: prepare the work list",
    );
    this.processComponent = component(
      "process-component",
      `${props.name}_process`,
      (v, ids) => processComponentSpec(`${props.name}_process`, v, stepAssets(this.processCode, ids), this.parallelSettings, process.code.script),
      "Step 2: process every work item in parallel",
    );
    const ref = (a: VersionedAsset<ComponentVersionBody>, ids: boolean) => (ids ? a.id : `component:${a.versionName}`);
    this.pipelineComponent = component(
      "pipeline-component",
      props.name,
      (v, ids) => pipelineComponentSpec(props.name, v, { prepareId: ref(this.prepareComponent, ids), processId: ref(this.processComponent, ids) }),
      "The two-step data-path pipeline",
    );

    // --- Batch endpoint and pipeline-component deployment ---
    const endpointBody: BatchEndpointBody = {
      properties: { authMode: "AADToken", description: `Runs ${props.name} on a data path chosen per run` },
    };
    this.endpoint = new AzapiResource(this, "endpoint", {
      type: amlType("batchEndpoints"),
      name: props.endpointName,
      parentId: props.workspaceId,
      location: props.location,
      body: endpointBody,
      responseExportValues: ["properties.scoringUri"],
      tags,
    });
    const deploymentName = props.deploymentName ?? "pipeline";
    const deploymentBody: PipelineComponentDeploymentBody = {
      properties: {
        // The revision names the deployed pipeline version: a new component version updates this deployment in place.
        description: `${props.name} revision ${this.pipelineComponent.versionName}`,
        deploymentConfiguration: {
          deploymentConfigurationType: "PipelineComponent",
          componentId: { referenceType: "Id", assetId: this.pipelineComponent.id },
          settings: { default_compute: props.computeClusterName, continue_on_step_failure: "false" },
        },
      },
    };
    this.deployment = new AzapiResource(this, "deployment", {
      type: amlType("batchEndpoints/deployments"),
      name: deploymentName,
      parentId: this.endpoint.id,
      location: props.location,
      body: deploymentBody,
      tags,
    });
    // An endpoint's default must name an existing deployment, so it is set once the deployment exists.
    new AzapiUpdateResource(this, "endpoint-default", {
      type: amlType("batchEndpoints"),
      resourceId: this.endpoint.id,
      body: { properties: { defaults: { deploymentName } } },
      dependsOn: [this.deployment],
    });
    // --- Data Factory pipeline ---
    const adfName = props.adfPipelineName ?? pipelineDefaults.adfPipelineName(props.name);
    this.adfName = adfName;
    this.outputDatastore = props.outputDatastoreName;
    const params: Record<string, string> = {
      [PARAMS.datastoreName]: props.inputDatastoreName,
      [PARAMS.relativePath]: props.defaultRelativePath,
    };
    let activities: WireActivity[];
    const variables: Record<string, string> = {};
    if (this.invocation.style === "batchEndpoint") {
      params[PARAMS.pollIntervalSeconds] = String(this.invocation.pollIntervalSeconds ?? 60);
      variables[VARS.jobStatus] = "NotStarted";
      activities = batchEndpointActivities(this.batchOptions(adfName, this.invocation)).map(toWire);
    } else {
      const inv = this.invocation;
      activities = classicPipelineActivities({
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
    this.activities = activities;
    this.parameters = params;
    this.adfPipeline = new DataFactoryPipeline(this, "adf-pipeline", {
      name: adfName,
      dataFactoryId: props.dataFactoryId,
      description: `Runs ${props.name} on the data path given by ${PARAMS.datastoreName} + ${PARAMS.relativePath}`,
      parameters: escapeTemplates(params) as Record<string, string>,
      variables: Object.keys(variables).length > 0 ? variables : undefined,
      concurrency: props.maxConcurrentRuns ?? 4,
      activitiesJson: escapeTemplateString(JSON.stringify(activities)),
      annotations: ["aml-datapath-pipeline"],
    });

    // --- Triggers ---
    if (props.scheduleTrigger) {
      const t = props.scheduleTrigger;
      this.scheduleTrigger = new DataFactoryTriggerSchedule(this, "schedule-trigger", {
        name: `${adfName}-schedule`,
        dataFactoryId: props.dataFactoryId,
        frequency: t.frequency,
        interval: t.interval,
        startTime: t.startTime,
        timeZone: t.timeZone ?? "UTC",
        activated: t.activated ?? true,
        pipeline: [{ name: this.adfPipeline.name, parameters: { [PARAMS.relativePath]: escapeTemplateString(t.relativePath), [PARAMS.datastoreName]: props.inputDatastoreName } }],
      });
    }
    if (props.blobTrigger) {
      const t = props.blobTrigger;
      const prefix = t.pathPrefix.replace(/\/?$/, "/");
      this.blobTrigger = new DataFactoryTriggerBlobEvent(this, "blob-trigger", {
        name: `${adfName}-on-new-folder`,
        dataFactoryId: props.dataFactoryId,
        storageAccountId: t.storageAccountId,
        events: ["Microsoft.Storage.BlobCreated"],
        blobPathBeginsWith: `/${t.containerName}/blobs/${prefix}`,
        blobPathEndsWith: `/${t.markerFileName ?? "_SUCCESS"}`,
        ignoreEmptyBlobs: false,
        activated: t.activated ?? true,
        pipeline: [
          {
            name: this.adfPipeline.name,
            parameters: { [PARAMS.relativePath]: folderWithoutContainer(t.containerName), [PARAMS.datastoreName]: props.inputDatastoreName },
          },
        ],
      });
    }
  }

  private batchOptions(adfName: string, inv: BatchEndpointInvocation): BatchEndpointActivitiesOptions {
    return {
      scoringUri: this.scoringUri,
      inputName: PORTS.pipelineInput,
      outputName: PORTS.pipelineOutput,
      outputPrefix: `runs/${adfName}`,
      outputFileName: OUTPUT_FILE,
      jobTimeout: inv.jobTimeout ?? "0.12:00:00",
      integrationRuntimeName: this.integrationRuntimeName,
      outputDatastore: this.outputDatastore,
      allowedDatastores: this.allowedDatastores,
    };
  }

  /** The batch endpoint's scoring URI (known after deployment). */
  get scoringUri(): string {
    return this.endpoint.exported("properties.scoringUri");
  }
  get endpointName(): string {
    return this.endpoint.name;
  }
  get adfPipelineName(): string {
    return this.adfPipeline.name;
  }

  /** The ADF expression that builds the invoke body (batch-endpoint style). */
  invokeBodyExpression(): string | undefined {
    return this.invocation.style === "batchEndpoint" ? invokeBodyExpression(this.batchOptions(this.adfName, this.invocation)) : undefined;
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

  private validate(c: Checker, p: DatapathPipelineProps): { prepare: StepFiles; process: StepFiles; conda: string } {
    c.name("name", p.name, /^(?=.{2,30}$)[a-z][a-z0-9_]*$/, "must be 2-30 lowercase letters, digits or '_', starting with a letter");
    if (typeof p.name === "string" && !COMPONENT_NAME.test(p.name)) c.fail("name", p.name, "must be a valid component name");
    c.resourceId("workspaceId", p.workspaceId);
    c.nonEmptyString("location", p.location);
    checkName(c, "computeClusterName", p.computeClusterName, "computeCluster");
    c.resourceId("storageAccountId", p.storageAccountId);
    checkName(c, "storageAccountName", p.storageAccountName, "storageAccount");
    c.resourceId("dataFactoryId", p.dataFactoryId);
    checkName(c, "linkedServiceName", p.linkedServiceName, "dataFactoryChild");
    checkName(c, "inputDatastoreName", p.inputDatastoreName, "mlDatastore");
    checkName(c, "outputDatastoreName", p.outputDatastoreName, "mlDatastore");
    (p.allowedDatastores ?? []).forEach((d, i) => checkName(c, `allowedDatastores[${i}]`, d, "mlDatastore"));
    checkName(c, "endpointName", p.endpointName, "batchEndpoint");
    if (p.deploymentName !== undefined) checkName(c, "deploymentName", p.deploymentName, "batchEndpoint");
    c.relativePath("defaultRelativePath", p.defaultRelativePath);
    checkName(c, "codeContainerName", p.codeContainerName ?? pipelineDefaults.codeContainerName(String(p.name)), "storageContainer");
    if (p.adfPipelineName !== undefined) checkName(c, "adfPipelineName", p.adfPipelineName, "dataFactoryChild");
    if (p.maxConcurrentRuns !== undefined) c.integer("maxConcurrentRuns", p.maxConcurrentRuns, 1, 50);

    const inv = p.invocation ?? { style: "batchEndpoint" };
    if (c.oneOf("invocation.style", inv.style, ["batchEndpoint", "classicPipelineEndpoint"] as const)) {
      if (inv.style === "batchEndpoint") {
        if (inv.pollIntervalSeconds !== undefined) c.integer("invocation.pollIntervalSeconds", inv.pollIntervalSeconds, 10, 3600);
        if (inv.jobTimeout !== undefined) c.name("invocation.jobTimeout", inv.jobTimeout, DURATION, 'must be a duration "d.hh:mm:ss" of at most 99 days');
      } else {
        c.name("invocation.pipelineEndpointId", inv.pipelineEndpointId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be the GUID of an AML v1 published pipeline endpoint");
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
    const condaPath = p.condaFile ?? path.join(DEFAULT_PIPELINE_DIR, "conda.yaml");
    let conda = "";
    try {
      conda = fs.readFileSync(condaPath, "utf8").replace(/\r\n/g, "\n");
    } catch {
      c.fail("condaFile", p.condaFile ?? "pipeline/conda.yaml", "must be a readable file");
    }
    return { prepare, process, conda };
  }

  private readStep(c: Checker, property: string, code: StepCode): StepFiles {
    const files = code.files ?? [code.script];
    if (!files.includes(code.script)) c.fail(`${property}.files`, files, `must include the script "${code.script}"`);
    for (const f of files) {
      const bad = f.startsWith("/") || f.split("/").some((s) => s === ".." || s === "") || f.includes("\\");
      if (bad) c.fail(`${property}.files`, f, "must be relative to the step's directory, without '..'");
    }
    try {
      return { code, files: readSourceFiles(code.directory, files) };
    } catch (e) {
      const file = (e as NodeJS.ErrnoException).path ? path.basename(String((e as NodeJS.ErrnoException).path)) : String(files);
      c.fail(`${property}.files`, file, "must be readable files in the step's directory");
      return { code, files: [] };
    }
  }
}

/**
 * `@triggerBody().folderPath` is `<container>/<folder>`: strip the container (by length, not by text,
 * so a folder that repeats the container's name is left alone).
 */
export function folderWithoutContainer(containerName: string): string {
  const n = containerName.length + 1;
  return `@substring(triggerBody().folderPath, ${n}, sub(length(triggerBody().folderPath), ${n}))`;
}
