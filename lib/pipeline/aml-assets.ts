/**
 * AML v2 resources that azurerm lacks, declared through azapi with request bodies typed by
 * `@azure/arm-machinelearning`'s models (type-only imports: nothing of the SDK runs at synth time).
 */
import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import type {
  BatchDeploymentProperties,
  BatchEndpointProperties,
  CodeContainerProperties,
  CodeVersionProperties,
  ComponentContainerProperties,
  ComponentVersionProperties,
  EnvironmentContainerProperties,
  EnvironmentVersionProperties,
} from "@azure/arm-machinelearning";
import { AzapiResource, AzapiResourceAction, RBAC_PROPAGATION_RETRY } from "../core/azapi";
import { ensureProvider } from "../core/providers";

/** 2024-04-01 is the first stable version with pipeline-component batch deployments (2023-10-01 lacks them). */
export const AML_API_VERSION = "2024-04-01";
const WORKSPACES = "Microsoft.MachineLearningServices/workspaces";
export const amlType = (child: string): string => `${WORKSPACES}/${child}@${AML_API_VERSION}`;

type ContainerBody = { properties: CodeContainerProperties | EnvironmentContainerProperties | ComponentContainerProperties };
export type CodeVersionBody = { properties: CodeVersionProperties };
export type EnvironmentVersionBody = { properties: EnvironmentVersionProperties };
export type ComponentVersionBody = { properties: ComponentVersionProperties };
export type BatchEndpointBody = { properties: BatchEndpointProperties };

/**
 * `@azure/arm-machinelearning` 2.1.1 targets API 2022-10-01, which predates pipeline-component batch
 * deployments; this extends its BatchDeploymentProperties with `deploymentConfiguration` as the
 * 2024-04-01 REST spec defines it. That kind takes no model, code or compute fields.
 */
export interface PipelineComponentDeploymentConfiguration {
  readonly deploymentConfigurationType: "PipelineComponent";
  readonly componentId: { readonly referenceType: "Id"; readonly assetId: string };
  /** Job settings; values are strings (e.g. `default_compute`, `continue_on_step_failure`). */
  readonly settings?: Readonly<Record<string, string>>;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string>>;
}
export type PipelineComponentDeploymentBody = {
  properties: Pick<BatchDeploymentProperties, "description" | "properties"> & {
    deploymentConfiguration: PipelineComponentDeploymentConfiguration;
  };
};

export type AssetKind = "codes" | "environments" | "components";

export interface VersionedAssetProps<B extends object> {
  readonly workspaceId: string;
  readonly kind: AssetKind;
  /** Container (asset) name. */
  readonly name: string;
  /** Version: derive it from the content, versions are immutable. */
  readonly version: string;
  readonly description: string;
  readonly versionBody: B;
  /**
   * Resources the version needs first (e.g. the uploaded code blobs).
   * @default []
   */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * An asset container (`codes/<name>`, ...) and one immutable version in it.
 *
 * The container is an ordinary resource. The version is created with a PUT that Terraform never
 * undoes: AML versions are immutable and past jobs reference them (lineage, reruns), and AML's own
 * SDK and CLI archive old versions instead of deleting them. A new content hash is a new version
 * (`resource_id` changes, so Terraform replaces the request: it forgets the old version, sends
 * nothing for it, and PUTs the new one); the old version stays in the workspace.
 */
export class VersionedAsset<B extends object> extends Construct {
  readonly container: AzapiResource;
  readonly version: AzapiResourceAction;
  readonly versionName: string;

  constructor(scope: Construct, id: string, props: VersionedAssetProps<B>) {
    super(scope, id);
    ensureProvider(this, "azapi");
    this.versionName = props.version;
    const containerBody: ContainerBody = { properties: { description: props.description, isArchived: false } };
    // Created explicitly (rather than implicitly by the first version) so Terraform owns it.
    this.container = new AzapiResource(this, "container", {
      type: amlType(props.kind),
      name: props.name,
      parentId: props.workspaceId,
      body: containerBody,
      retry: RBAC_PROPAGATION_RETRY,
    });
    this.version = new AzapiResourceAction(this, "version", {
      type: amlType(`${props.kind}/versions`),
      resourceId: `${this.container.id}/versions/${props.version}`,
      method: "PUT",
      when: "apply",
      body: props.versionBody,
      dependsOn: props.dependsOn,
      retry: RBAC_PROPAGATION_RETRY,
    });
  }

  /** ARM id of the version, as a reference: users are created after the version. */
  get id(): string {
    return this.version.id;
  }
}
