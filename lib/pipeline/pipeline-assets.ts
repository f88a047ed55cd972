import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { StorageBlob } from "@cdktf/provider-azurerm/lib/storage-blob";
import { escapeTemplateString } from "../core/azapi";
import { CodeVersionBody, ComponentVersionBody, EnvironmentVersionBody, VersionedAsset } from "./aml-assets";
import {
  checkComponentSpec,
  pipelineComponentSpec,
  prepareComponentSpec,
  processComponentSpec,
  ResolvedParallelSettings,
  ResolvedWorkItemSettings,
  StepAssets,
} from "./component-specs";
import { contentVersion, md5Hex, SourceFile } from "./content-hash";

/** One step's code as read at synth time. */
export interface StepSource {
  /** The script the step runs (relative to its folder). */
  readonly script: string;
  readonly files: readonly SourceFile[];
}

export interface PipelineAssetsProps {
  readonly workspaceId: string;
  /** Pipeline name: prefix of every asset name. */
  readonly name: string;
  /** Storage account of the code container. */
  readonly storageAccountName: string;
  /** Blob endpoint of that account, without a trailing '/'. */
  readonly blobEndpoint: string;
  /** Container the code is uploaded to (the workspace's default blob datastore's). */
  readonly codeContainerName: string;
  /**
   * What identifies the code's location when the endpoint and container are references (e.g. the
   * datastore's name and the blob endpoint's expression): part of the code versions' names.
   * @default ""
   */
  readonly codeLocationKey?: string;
  readonly prepare: StepSource;
  readonly process: StepSource;
  readonly check: StepSource;
  /** Base image of the environment. */
  readonly image: string;
  /** Conda file content of the environment. */
  readonly conda: string;
  readonly parallel: ResolvedParallelSettings;
  readonly workItems: ResolvedWorkItemSettings;
  /**
   * What the code upload waits for (the deployer's propagated upload grant, private endpoints).
   * @default []
   */
  readonly uploadDependsOn?: readonly ITerraformDependable[];
}

/** Folder of one code version in the default datastore, as azure-ai-ml lays out local uploads. */
export const codeFolder = (pipeline: string, step: string, version: string): string => `LocalUpload/${version}/${pipeline}-${step}`;

/**
 * The pipeline's AML assets: each step's code uploaded into the workspace's default blob datastore
 * (where azure-ai-ml puts code) and registered as a code version, the environment, and the prepare,
 * process, check and pipeline components. Every version is named after a hash of its content, so an
 * unchanged repository changes nothing and a changed file creates new versions next to the old ones.
 */
export class PipelineAssets extends Construct {
  readonly prepareCode: VersionedAsset<CodeVersionBody>;
  readonly processCode: VersionedAsset<CodeVersionBody>;
  readonly checkCode: VersionedAsset<CodeVersionBody>;
  readonly environment: VersionedAsset<EnvironmentVersionBody>;
  readonly prepareComponent: VersionedAsset<ComponentVersionBody>;
  readonly processComponent: VersionedAsset<ComponentVersionBody>;
  readonly checkComponent: VersionedAsset<ComponentVersionBody>;
  readonly pipelineComponent: VersionedAsset<ComponentVersionBody>;

  constructor(scope: Construct, id: string, props: PipelineAssetsProps) {
    super(scope, id);
    const asset = <B extends object>(key: string, kind: "codes" | "environments" | "components", name: string, version: string, description: string, body: B, dependsOn?: ITerraformDependable[]) =>
      new VersionedAsset<B>(this, key, { workspaceId: props.workspaceId, kind, name, version, description, versionBody: body, dependsOn });

    const uploadCode = (step: "prepare" | "process" | "check", s: StepSource) => {
      // The version covers everything in the body: a new location is a new version, never a re-PUT of an immutable one.
      const version = contentVersion("code", s.files, props.codeLocationKey);
      const folder = codeFolder(props.name, step, version);
      const blobs = s.files.map(
        (f) =>
          new StorageBlob(this, `${step}-code-${f.name}`, {
            name: `${folder}/${f.name}`,
            storageAccountName: props.storageAccountName,
            storageContainerName: props.codeContainerName,
            type: "Block",
            sourceContent: escapeTemplateString(f.content),
            contentMd5: md5Hex(f.content),
            contentType: f.name.endsWith(".py") ? "text/x-python" : "text/plain",
            dependsOn: [...(props.uploadDependsOn ?? [])],
            // A changed file is a new blob (its folder names the version): the old one goes only after
            // the new versions and the deployment no longer need it.
            lifecycle: { createBeforeDestroy: true },
          }),
      );
      const body: CodeVersionBody = {
        properties: { codeUri: `${props.blobEndpoint}/${props.codeContainerName}/${folder}`, description: `${step} step code`, isAnonymous: false, isArchived: false },
      };
      return asset(`${step}-code`, "codes", `${props.name}-${step}`, version, `Code of the ${step} step of ${props.name}`, body, blobs);
    };
    this.prepareCode = uploadCode("prepare", props.prepare);
    this.processCode = uploadCode("process", props.process);
    this.checkCode = uploadCode("check", props.check);

    const envBody: EnvironmentVersionBody = {
      properties: { image: props.image, condaFile: props.conda, osType: "Linux", description: "Runtime of both steps", isAnonymous: false, isArchived: false },
    };
    this.environment = asset("environment", "environments", `${props.name}-env`, contentVersion("environment", props.image, props.conda), `Environment of ${props.name}`, envBody);

    // Component versions hash the spec with dependency versions in place of ids (ids are tokens at synth time).
    const component = (key: string, name: string, spec: (version: string, ids: boolean) => Record<string, unknown>, description: string) => {
      const version = contentVersion("component", spec("", false));
      const body: ComponentVersionBody = { properties: { componentSpec: spec(version, true), description, isAnonymous: false, isArchived: false } };
      return asset(key, "components", name, version, description, body);
    };
    const stepAssets = (code: VersionedAsset<CodeVersionBody>, ids: boolean): StepAssets => ({
      codeId: ids ? code.id : `code:${code.versionName}`,
      environmentId: ids ? this.environment.id : `environment:${this.environment.versionName}`,
    });
    this.prepareComponent = component(
      "prepare-component",
      `${props.name}_prepare`,
      (v, ids) => prepareComponentSpec(`${props.name}_prepare`, v, stepAssets(this.prepareCode, ids), props.workItems, props.prepare.script),
      "Step 1: prepare the work list",
    );
    this.processComponent = component(
      "process-component",
      `${props.name}_process`,
      (v, ids) => processComponentSpec(`${props.name}_process`, v, stepAssets(this.processCode, ids), props.parallel, props.process.script),
      "Step 2: process every work item in parallel",
    );
    this.checkComponent = component(
      "check-component",
      `${props.name}_check`,
      (v, ids) => checkComponentSpec(`${props.name}_check`, v, stepAssets(this.checkCode, ids), props.workItems, props.check.script),
      "Step 3: fail the run when more files failed than tolerated",
    );
    const ref = (a: VersionedAsset<ComponentVersionBody>, ids: boolean) => (ids ? a.id : `component:${a.versionName}`);
    this.pipelineComponent = component(
      "pipeline-component",
      props.name,
      (v, ids) =>
        pipelineComponentSpec(props.name, v, { prepareId: ref(this.prepareComponent, ids), processId: ref(this.processComponent, ids), checkId: ref(this.checkComponent, ids) }, {
          process: processComponentSpec(`${props.name}_process`, "", stepAssets(this.processCode, ids), props.parallel, props.process.script),
        }),
      "The two-step data-path pipeline",
    );
  }
}
