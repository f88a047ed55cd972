/**
 * What the CLI talks to, derived from the same environment configs the stacks are built from: no
 * resource name is typed by hand.
 */
import { deriveNames, pipelineDefaults } from "../lib/core/naming";
import { EnvironmentConfig } from "../stacks/config";
import { environments } from "../stacks/environments";

export interface Target {
  readonly env: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly factory: string;
  readonly pipeline: string;
  readonly workspace: string;
  /** Region of the workspace (its run history is served there). */
  readonly location: string;
  readonly defaultDatastore: string;
  /** ARM id of the factory (for portal links). */
  readonly factoryId: string;
}

export class UsageError extends Error {}

export function resolveTarget(env: string | undefined, configs: readonly EnvironmentConfig[] = environments, vars: NodeJS.ProcessEnv = process.env): Target {
  if (!env) throw new UsageError(`--env is required (one of ${configs.map((c) => c.name).join(", ")})`);
  const cfg = configs.find((c) => c.name === env);
  if (!cfg) throw new UsageError(`unknown environment "${env}": use one of ${configs.map((c) => c.name).join(", ")}`);
  const subscriptionId = cfg.subscriptionId ?? vars.AZURE_SUBSCRIPTION_ID ?? vars.ARM_SUBSCRIPTION_ID;
  if (!subscriptionId) {
    throw new UsageError(`no subscription for "${env}": set subscriptionId in stacks/environments.ts or AZURE_SUBSCRIPTION_ID`);
  }
  const n = deriveNames(cfg.projectPrefix, cfg.name, cfg.nameSuffix ?? "");
  return {
    env,
    subscriptionId,
    resourceGroup: n.resourceGroup,
    factory: n.dataFactory,
    pipeline: pipelineDefaults.adfPipelineName(cfg.pipeline.name),
    workspace: n.mlWorkspace,
    location: cfg.location,
    defaultDatastore: cfg.data.inputDatastore,
    factoryId: `/subscriptions/${subscriptionId}/resourceGroups/${n.resourceGroup}/providers/Microsoft.DataFactory/factories/${n.dataFactory}`,
  };
}

export function portalLink(t: Target, runId: string): string {
  return `https://adf.azure.com/en/monitoring/pipelineruns/${runId}?factory=${encodeURIComponent(t.factoryId)}`;
}
