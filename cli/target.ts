/**
 * What the CLI talks to, derived from the same environment configs the stacks are built from: no
 * resource name is typed by hand.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deriveNames, pipelineDefaults } from "../lib/core/naming";
import { EnvironmentConfig } from "../stacks/config";
import { environments } from "../stacks/environments";

export interface Target {
  readonly env: string;
  readonly subscriptionId: string;
  /** Where the subscription came from (the tool says so unless it is the config). */
  readonly subscriptionSource: "config" | "AZURE_SUBSCRIPTION_ID" | "ARM_SUBSCRIPTION_ID" | "the Azure CLI's default subscription";
  readonly resourceGroup: string;
  readonly factory: string;
  readonly pipeline: string;
  readonly workspace: string;
  /**
   * The batch endpoint the pipeline invokes (named as the stack names it, `deriveNames().batchEndpoint`);
   * undefined when the environment starts runs through a classic pipeline endpoint instead.
   */
  readonly batchEndpoint?: string;
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
  const found = findSubscription(cfg, vars);
  if (!found) {
    throw new UsageError(`no subscription for "${env}": set subscriptionId in stacks/environments.ts or AZURE_SUBSCRIPTION_ID, or choose one with az account set`);
  }
  const { subscriptionId, source: subscriptionSource } = found;
  const n = deriveNames(cfg.projectPrefix, cfg.name, cfg.nameSuffix ?? "");
  return {
    env,
    subscriptionId,
    subscriptionSource,
    resourceGroup: n.resourceGroup,
    factory: n.dataFactory,
    pipeline: pipelineDefaults.adfPipelineName(cfg.pipeline.name),
    workspace: n.mlWorkspace,
    batchEndpoint: (cfg.pipeline.invocation?.style ?? "batchEndpoint") === "batchEndpoint" ? n.batchEndpoint : undefined,
    location: cfg.location,
    defaultDatastore: cfg.data.inputDatastore,
    factoryId: `/subscriptions/${subscriptionId}/resourceGroups/${n.resourceGroup}/providers/Microsoft.DataFactory/factories/${n.dataFactory}`,
  };
}

export function portalLink(t: Target, runId: string): string {
  return `https://adf.azure.com/en/monitoring/pipelineruns/${runId}?factory=${encodeURIComponent(t.factoryId)}`;
}

/**
 * The subscription: the config's, AZURE_SUBSCRIPTION_ID, ARM_SUBSCRIPTION_ID, then the Azure CLI's
 * default (the entry with isDefault in azureProfile.json under AZURE_CONFIG_DIR or ~/.azure).
 */
export function findSubscription(cfg: EnvironmentConfig, vars: NodeJS.ProcessEnv): { subscriptionId: string; source: Target["subscriptionSource"] } | undefined {
  if (cfg.subscriptionId) return { subscriptionId: cfg.subscriptionId, source: "config" };
  if (vars.AZURE_SUBSCRIPTION_ID) return { subscriptionId: vars.AZURE_SUBSCRIPTION_ID, source: "AZURE_SUBSCRIPTION_ID" };
  if (vars.ARM_SUBSCRIPTION_ID) return { subscriptionId: vars.ARM_SUBSCRIPTION_ID, source: "ARM_SUBSCRIPTION_ID" };
  const dir = vars.AZURE_CONFIG_DIR ?? path.join(vars.HOME ?? os.homedir(), ".azure");
  try {
    // The Azure CLI writes this file with a byte-order mark.
    const profile = JSON.parse(fs.readFileSync(path.join(dir, "azureProfile.json"), "utf8").replace(/^\uFEFF/, "")) as { subscriptions?: { id?: string; isDefault?: boolean }[] };
    const id = profile.subscriptions?.find((s) => s.isDefault)?.id;
    return id ? { subscriptionId: id, source: "the Azure CLI's default subscription" } : undefined;
  } catch {
    return undefined;
  }
}
