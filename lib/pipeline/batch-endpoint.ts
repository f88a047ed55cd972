import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { AzapiResource, AzapiUpdateResource, RBAC_PROPAGATION_RETRY } from "../core/azapi";
import { amlType, BatchEndpointBody, PipelineComponentDeploymentBody } from "./aml-assets";
import { ensureProvider } from "../core/providers";

export interface PipelineBatchEndpointProps {
  readonly workspaceId: string;
  readonly location: string;
  /** Endpoint name: unique in the region. */
  readonly endpointName: string;
  /** Deployment name under the endpoint. */
  readonly deploymentName: string;
  /** ARM id of the pipeline component version the deployment runs (a reference). */
  readonly pipelineComponentId: string;
  /** Version of that component: recorded in the deployment's description as its revision. */
  readonly pipelineComponentVersion: string;
  /** Cluster the deployment's jobs run on (a reference, so the deployment goes after the cluster). */
  readonly computeClusterName: string;
  /** What the endpoint describes itself as. */
  readonly description: string;
  /** @default [] */
  readonly dependsOn?: readonly ITerraformDependable[];
  /** @default {} */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A batch endpoint (Entra ID tokens only) with one pipeline-component deployment, made the
 * endpoint's default. A new component version updates the deployment in place.
 */
export class PipelineBatchEndpoint extends Construct {
  readonly endpoint: AzapiResource;
  readonly deployment: AzapiResource;
  readonly deploymentName: string;

  constructor(scope: Construct, id: string, props: PipelineBatchEndpointProps) {
    super(scope, id);
    ensureProvider(this, "azapi");
    this.deploymentName = props.deploymentName;
    const endpointBody: BatchEndpointBody = { properties: { authMode: "AADToken", description: props.description } };
    this.endpoint = new AzapiResource(this, "endpoint", {
      type: amlType("batchEndpoints"),
      name: props.endpointName,
      parentId: props.workspaceId,
      location: props.location,
      body: endpointBody,
      responseExportValues: ["properties.scoringUri"],
      tags: props.tags,
      retry: RBAC_PROPAGATION_RETRY,
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });
    const deploymentBody: PipelineComponentDeploymentBody = {
      properties: {
        description: `Pipeline component revision ${props.pipelineComponentVersion}`,
        deploymentConfiguration: {
          deploymentConfigurationType: "PipelineComponent",
          componentId: { referenceType: "Id", assetId: props.pipelineComponentId },
          settings: { default_compute: props.computeClusterName, continue_on_step_failure: "false" },
        },
      },
    };
    this.deployment = new AzapiResource(this, "deployment", {
      type: amlType("batchEndpoints/deployments"),
      name: props.deploymentName,
      parentId: this.endpoint.id,
      location: props.location,
      body: deploymentBody,
      tags: props.tags,
      retry: RBAC_PROPAGATION_RETRY,
    });
    // An endpoint's default must name an existing deployment, so it is set once the deployment
    // exists. Runs from ADF name the deployment in a header anyway; the default serves other callers.
    new AzapiUpdateResource(this, "default-deployment", {
      type: amlType("batchEndpoints"),
      resourceId: this.endpoint.id,
      body: { properties: { defaults: { deploymentName: props.deploymentName } } },
      dependsOn: [this.deployment],
    });
  }

  /** The endpoint's scoring URI (known after deployment). */
  get scoringUri(): string {
    return this.endpoint.exported("properties.scoringUri");
  }
}
