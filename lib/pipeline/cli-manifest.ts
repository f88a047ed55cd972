/**
 * What the operator CLI (`aml-datapath`) needs to find a pipeline, left in the pipeline's stack as a
 * Terraform output: `aml_datapath_<pipeline name>`. The CLI reads it from the synthesized
 * `cdk.tf.json` (offline: references to the stack's own resources are resolved from their
 * arguments), so `--env <stack name>` works in any app that uses `DatapathPipeline`, without the CLI
 * knowing how that app names things. `aml-datapath.json` (see the README) holds the same fields for
 * teams that do not synthesize first.
 */
import { TerraformOutput, TerraformStack, Token } from "cdktf";
import type { DatapathPipeline } from "./datapath-pipeline";

/** The output's name is this prefix and the pipeline's name (one output per pipeline). */
export const CLI_MANIFEST_PREFIX = "aml_datapath_";

/** Marks the output's value as a manifest, with the version of its shape. */
export const CLI_MANIFEST_FORMAT = "aml-datapath-cli/1";

/**
 * The output's value: ARM ids and names as Terraform references or literals, as the pipeline was
 * given them. The factory's and the workspace's names, resource groups and subscriptions are the
 * parts of their ids.
 */
export interface CliManifest {
  readonly format: typeof CLI_MANIFEST_FORMAT;
  /** The pipeline's name (`DatapathPipelineProps.name`): `--pipeline` picks it when a stack has several. */
  readonly pipeline_name: string;
  /** Construct path, for messages. */
  readonly construct_path: string;
  readonly data_factory_id: string;
  readonly adf_pipeline_name: string;
  readonly workspace_id: string;
  /** Region of the workspace. */
  readonly location: string;
  /** The batch endpoint (batch-endpoint style only). */
  readonly batch_endpoint_name?: string;
  /** Datastore a run's path is relative to unless `--datastore` says otherwise. */
  readonly input_datastore_name: string;
  readonly invocation_style: "batchEndpoint" | "classicPipelineEndpoint";
  /** Deployments `prune-deployments` keeps by default. */
  readonly deployment_retention: number;
}

/** What the manifest takes from the pipeline's platform: ids and names as the pipeline resolved them. */
export interface CliManifestRefs {
  readonly dataFactoryId?: unknown;
  readonly workspaceId?: unknown;
  readonly location?: unknown;
  readonly inputDatastoreName?: unknown;
}

const PIPELINE_NAME = /^[a-z][a-z0-9_]{1,29}$/;
const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/**
 * Adds the manifest output for `pipeline` to its stack. A pipeline whose props are invalid gets none
 * (its problems are reported and fail the synth anyway); neither does a second pipeline of the same
 * name in one stack (two pipelines of one name would collide in the workspace too).
 */
export function addCliManifest(pipeline: DatapathPipeline, props: CliManifestRefs): TerraformOutput | undefined {
  const name = pipeline.name;
  if (typeof name !== "string" || Token.isUnresolved(name) || !PIPELINE_NAME.test(name)) return undefined;
  const stack = TerraformStack.of(pipeline);
  const id = `${CLI_MANIFEST_PREFIX}${name}`;
  if (stack.node.tryFindChild(id)) return undefined;
  const value: Record<string, unknown> = {
    format: CLI_MANIFEST_FORMAT,
    pipeline_name: name,
    construct_path: pipeline.node.path,
    data_factory_id: text(props.dataFactoryId),
    adf_pipeline_name: pipeline.adfPipelineName,
    workspace_id: text(props.workspaceId),
    location: text(props.location),
    batch_endpoint_name: pipeline.endpointName,
    input_datastore_name: text(props.inputDatastoreName),
    invocation_style: pipeline.invocation.style,
    deployment_retention: pipeline.deploymentRetention,
  };
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  // In the stack's scope, so the output keeps this name wherever the pipeline sits in the tree.
  const output = new TerraformOutput(stack, id, {
    // As a token: cdktf 0.21 checks a plain object output with util.isArray, which Node 22+ reports as
    // deprecated (DEP0044) on every synth; a token is resolved to the same JSON without that check.
    value: Token.asAny(value),
    description: `What the aml-datapath CLI needs to find pipeline ${name} (${pipeline.node.path}); it reads it from the synthesized stack`,
  });
  output.overrideLogicalId(id);
  return output;
}
