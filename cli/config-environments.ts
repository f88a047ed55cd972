/**
 * Environments given as this repository's `EnvironmentConfig`s, for a script that runs the CLI
 * in-process on configs it built itself (scripts/integ: a throwaway copy of an environment). Names
 * are derived from a config the way `DatapathStack` derives them. The CLI itself reads the app's
 * synthesized stacks (app.ts).
 */
import type { App, Environment } from "./app";
import { Vars } from "./context";
import { deriveNames } from "../lib/core/naming";
import { pipelineDefaults } from "../lib/pipeline/naming";
import type { EnvironmentConfig } from "../stacks/config";
import { cloudOf, findSubscription, noSubscription, SubscriptionSource, Target } from "./target";
import { UsageError } from "./context";

function environmentOf(cfg: EnvironmentConfig): Environment {
  const resolve = async (vars: Vars): Promise<Target> => {
    const found: { subscriptionId: string; source: SubscriptionSource } | undefined = cfg.subscriptionId ? { subscriptionId: cfg.subscriptionId, source: "the app" } : findSubscription(vars);
    if (!found) throw new UsageError(noSubscription(cfg.name));
    const n = deriveNames(cfg.projectPrefix, cfg.name, cfg.nameSuffix ?? "");
    const group = `/subscriptions/${found.subscriptionId}/resourceGroups/${n.resourceGroup}`;
    return {
      env: cfg.name,
      pipelineName: cfg.pipeline.name,
      select: `--env ${cfg.name}`,
      subscriptionId: found.subscriptionId,
      subscriptionSource: found.source,
      resourceGroup: n.resourceGroup,
      factory: n.dataFactory,
      factoryId: `${group}/providers/Microsoft.DataFactory/factories/${n.dataFactory}`,
      pipeline: pipelineDefaults.adfPipelineName(cfg.pipeline.name),
      workspace: n.mlWorkspace,
      workspaceId: `${group}/providers/Microsoft.MachineLearningServices/workspaces/${n.mlWorkspace}`,
      batchEndpoint: (cfg.pipeline.invocation?.style ?? "batchEndpoint") === "batchEndpoint" ? n.batchEndpoint : undefined,
      location: cfg.location,
      defaultDatastore: cfg.data.inputDatastore,
      deploymentRetention: cfg.pipeline.deploymentRetention,
      cloud: cloudOf(vars),
    };
  };
  return { name: cfg.name, source: "the configs given", pipelines: [{ name: cfg.pipeline.name, resolve }] };
}

/** An app made of `configs` (no synthesized stacks: verify, diff and local --env need those). */
export function appOfConfigs(configs: readonly EnvironmentConfig[], dir: string): App {
  return { dir, outDir: dir, environments: configs.map(environmentOf), notes: [] };
}
