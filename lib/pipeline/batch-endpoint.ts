import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { AzapiResource, AzapiResourceAction, AzapiUpdateResource, RBAC_PROPAGATION_RETRY } from "../core/azapi";
import { declareRemoved } from "../core/moves";
import { resolvedText } from "../core/tokens";
import { amlType, BatchEndpointBody, PipelineComponentDeploymentBody } from "./aml-assets";
import { contentVersion } from "./content-hash";
import { ensureProvider } from "../core/providers";

/** Hex digits of the content hash in a deployment's name (`<prefix>-<hash>`). */
export const DEPLOYMENT_HASH_LENGTH = 12;
/** AML deployment names are 3-32 characters: the prefix leaves room for `-` and the hash. */
export const DEPLOYMENT_PREFIX = {
  pattern: new RegExp(`^[a-zA-Z]([a-zA-Z0-9-]{0,${32 - DEPLOYMENT_HASH_LENGTH - 3}}[a-zA-Z0-9])?$`),
  rule: `must be 1-${32 - DEPLOYMENT_HASH_LENGTH - 1} letters, digits or '-', starting with a letter and ending with a letter or digit (the deployment is named <prefix>-<${DEPLOYMENT_HASH_LENGTH} hex digits>)`,
} as const;
/** Deployments kept on the endpoint by default: the current one and the one before. */
export const DEFAULT_DEPLOYMENT_RETENTION = 2;

export interface PipelineBatchEndpointProps {
  readonly workspaceId: string;
  readonly location: string;
  /** Endpoint name: unique in the region. */
  readonly endpointName: string;
  /** Prefix of the deployment's name: the deployment is `<prefix>-<hash of its content>`. */
  readonly deploymentNamePrefix: string;
  /** ARM id of the pipeline component version the deployment runs (a reference). */
  readonly pipelineComponentId: string;
  /** Version of that component (a content hash): part of the deployment's name and description. */
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
 * A batch endpoint (Entra ID tokens only) with one pipeline-component deployment per version of the
 * pipeline, the current one made the endpoint's default.
 *
 * A deployment is never changed in place: Microsoft documents creating a new deployment and making it
 * the default (`az ml batch-deployment create --set-default`), not changing a deployment's component.
 * So the deployment is named after a hash of everything in its body and created with a PUT that
 * Terraform never deletes (as asset versions are): a code change creates a new deployment next to the
 * old one, then the default moves to it. The endpoint's default therefore always names a deployment
 * that exists, a job running on an earlier deployment keeps running, and going back to an earlier
 * commit re-uses that commit's deployment. Older deployments are removed outside Terraform, keeping
 * the newest ones and never the default (`aml-datapath prune-deployments`, run by `npm run deploy`).
 */
export class PipelineBatchEndpoint extends Construct {
  readonly endpoint: AzapiResource;
  /** The PUT that creates this version's deployment. */
  readonly deployment: AzapiResourceAction;
  /** This version's deployment: the endpoint's default and the one every ADF run names. */
  readonly deploymentName: string;
  /** The deployment's body, as sent. */
  readonly deploymentBody: PipelineComponentDeploymentBody & { location: string; tags?: Readonly<Record<string, string>> };

  constructor(scope: Construct, id: string, props: PipelineBatchEndpointProps) {
    super(scope, id);
    ensureProvider(this, "azapi");
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
    this.deploymentBody = {
      location: props.location,
      ...(props.tags && Object.keys(props.tags).length > 0 ? { tags: props.tags } : {}),
      properties: {
        description: `Pipeline component revision ${props.pipelineComponentVersion}`,
        deploymentConfiguration: {
          deploymentConfigurationType: "PipelineComponent",
          componentId: { referenceType: "Id", assetId: props.pipelineComponentId },
          settings: { default_compute: props.computeClusterName, continue_on_step_failure: "false" },
        },
      },
    };
    // Everything in the body, with references as their Terraform expressions (stable across synths):
    // the same name never carries two different bodies.
    const hash = contentVersion("deployment", resolvedText(this, JSON.stringify(this.deploymentBody))).slice(0, DEPLOYMENT_HASH_LENGTH);
    this.deploymentName = `${props.deploymentNamePrefix}-${hash}`;
    this.deployment = new AzapiResourceAction(this, "deployment", {
      type: amlType("batchEndpoints/deployments"),
      resourceId: `${this.endpoint.id}/deployments/${this.deploymentName}`,
      method: "PUT",
      when: "apply",
      body: this.deploymentBody,
      retry: RBAC_PROPAGATION_RETRY,
    });
    // Up to 0.2 the deployment was an `azapi_resource` updated in place at this address. Forget it
    // without deleting it: it is the endpoint's default until the new deployment replaces it there,
    // and pruning removes it later like any older deployment.
    declareRemoved(this, `azapi_resource.${this.deployment.friendlyUniqueId}`);
    // Set once the deployment exists, so the default never names a deployment that does not exist yet.
    // Runs from ADF name the deployment in a header anyway; the default serves other callers.
    new AzapiUpdateResource(this, "default-deployment", {
      type: amlType("batchEndpoints"),
      resourceId: this.endpoint.id,
      body: { properties: { defaults: { deploymentName: this.deploymentName } } },
      dependsOn: [this.deployment],
    });
  }

  /** The endpoint's scoring URI (known after deployment). */
  get scoringUri(): string {
    return this.endpoint.exported("properties.scoringUri");
  }
}
