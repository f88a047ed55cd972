/**
 * What a command talks to: one pipeline of one environment of the app, with every name and id the
 * commands need. It comes from the app (see app.ts), never from names typed by hand.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError, Vars } from "./context";

export { UsageError } from "./context";

/** "the app": named by the stack (its provider, or literal ids) or aml-datapath.json. */
export type SubscriptionSource = "the app" | "AZURE_SUBSCRIPTION_ID" | "ARM_SUBSCRIPTION_ID" | "the Azure CLI's default subscription";

/** The Azure cloud the environment lives in: its Resource Manager and AML's regional API. */
export interface Cloud {
  /** Resource Manager, without a trailing '/' (tokens are requested for `<arm>/.default`). */
  readonly arm: string;
  /**
   * AML's regional API (run history, for the failed step's own error), `{region}` standing for the
   * workspace's region; undefined when not known for this cloud (the step details are then not read).
   */
  readonly aml?: string;
  /**
   * Blob storage's data plane, `{account}` standing for the storage account (backfill lists data
   * paths there); undefined when not known for this cloud.
   */
  readonly blob?: string;
}

/** The input datastore's storage container (where backfill lists data paths). */
export interface InputContainer {
  readonly account: string;
  readonly container: string;
}

/** The compute cluster the pipeline's jobs run on, as the stack declares it (for price estimates). */
export interface ClusterInfo {
  readonly name: string;
  /** VM size as written in the stack (e.g. STANDARD_DS3_V2). */
  readonly vmSize?: string;
  readonly lowPriority?: boolean;
  /** The cluster's region. */
  readonly location?: string;
}

export interface Target {
  /** The environment (stack) name, as `--env` takes it. */
  readonly env: string;
  /** The pipeline's name in the app (`--pipeline` picks it when the environment has several). */
  readonly pipelineName: string;
  /** The options that choose this target again (`--env <env>`, and `--pipeline`, `--app-dir` when needed), for printed commands. */
  readonly select: string;
  /** The factory's subscription: the one the tool talks to. */
  readonly subscriptionId: string;
  /** Where the subscription came from (the tool says so when it is ARM_SUBSCRIPTION_ID or the az default). */
  readonly subscriptionSource: SubscriptionSource;
  /** The factory's resource group. */
  readonly resourceGroup: string;
  readonly factory: string;
  /** ARM id of the factory (for portal links). */
  readonly factoryId: string;
  /** The ADF pipeline. */
  readonly pipeline: string;
  readonly workspace: string;
  /** ARM id of the workspace (jobs, batch endpoints and run history are under it). */
  readonly workspaceId: string;
  /** The batch endpoint the pipeline invokes; undefined when the pipeline starts runs through a classic pipeline endpoint. */
  readonly batchEndpoint?: string;
  /** Region of the workspace (its run history is served there). */
  readonly location: string;
  readonly defaultDatastore: string;
  /** Deployments `prune-deployments` keeps by default. */
  readonly deploymentRetention?: number;
  readonly cloud: Cloud;
  /** Folder of the environment's synthesized stack, when there is one. */
  readonly stackDir?: string;
  /** The input datastore's container, when the stack declares it (otherwise the datastore is read from Azure). */
  readonly inputContainer?: InputContainer;
  /** The ADF pipeline's `concurrency`, when the stack sets it (otherwise read from the factory). */
  readonly adfConcurrency?: number;
  /** The cluster the pipeline's jobs run on, when the stack declares it. */
  readonly cluster?: ClusterInfo;
}

export function portalLink(t: Target, runId: string): string {
  return `https://adf.azure.com/en/monitoring/pipelineruns/${runId}?factory=${encodeURIComponent(t.factoryId)}`;
}

/** The options that name this target again, for printed commands. */
export const targetOptions = (t: Target): string => t.select;

/** The subscription, resource group and name in an ARM id of `provider`/`type`. */
export function parseArmId(id: string, provider: string): { subscriptionId: string; resourceGroup: string; name: string } | undefined {
  const m = new RegExp(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/${provider.replace(/[./]/g, (c) => `\\${c}`)}/([^/]+)$`, "i").exec(id);
  return m ? { subscriptionId: m[1], resourceGroup: m[2], name: m[3] } : undefined;
}

/**
 * The subscription when the stack does not name it: AZURE_SUBSCRIPTION_ID, ARM_SUBSCRIPTION_ID, then
 * the Azure CLI's default (the entry with isDefault in azureProfile.json under AZURE_CONFIG_DIR or ~/.azure).
 */
export function findSubscription(vars: Vars): { subscriptionId: string; source: SubscriptionSource } | undefined {
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

/** Why there is no subscription, and the ways to give one. */
export const noSubscription = (env: string): string =>
  `no subscription for "${env}": set subscription_id on the stack's azurerm provider, or AZURE_SUBSCRIPTION_ID, or choose one with az account set`;

/** The clouds Terraform's azurerm provider names (ARM_ENVIRONMENT, the provider's `environment`). */
export const CLOUDS: Readonly<Record<string, Required<Cloud>>> = {
  public: { arm: "https://management.azure.com", aml: "https://{region}.api.azureml.ms", blob: "https://{account}.blob.core.windows.net" },
  usgovernment: { arm: "https://management.usgovcloudapi.net", aml: "https://{region}.api.ml.azure.us", blob: "https://{account}.blob.core.usgovcloudapi.net" },
  china: { arm: "https://management.chinacloudapi.cn", aml: "https://{region}.api.ml.azure.cn", blob: "https://{account}.blob.core.chinacloudapi.cn" },
};

/** Variables that choose another cloud (documented in the help and the README). */
export const CLOUD_VARIABLES = {
  arm: "AML_DATAPATH_ARM_ENDPOINT",
  aml: "AML_DATAPATH_AML_ENDPOINT",
  blob: "AML_DATAPATH_BLOB_ENDPOINT",
} as const;

const trim = (url: string) => url.replace(/\/+$/, "");

/**
 * The cloud: AML_DATAPATH_ARM_ENDPOINT (a private or sovereign cloud's Resource Manager, with
 * AML_DATAPATH_AML_ENDPOINT for its AML API), else ARM_ENVIRONMENT or the stack's azurerm provider
 * `environment` (public, usgovernment, china, as Terraform names them), else Azure public.
 */
export function cloudOf(vars: Vars, stackEnvironment?: string): Cloud {
  const aml = vars[CLOUD_VARIABLES.aml] ? trim(vars[CLOUD_VARIABLES.aml]!) : undefined;
  const blob = vars[CLOUD_VARIABLES.blob] ? trim(vars[CLOUD_VARIABLES.blob]!) : undefined;
  if (blob !== undefined && (!/^https:\/\/[^?#\s]+$/.test(blob) || !blob.includes("{account}"))) {
    throw new UsageError(`${CLOUD_VARIABLES.blob} "${blob}" must be an https:// URL with {account} for the storage account (e.g. https://{account}.blob.core.windows.net)`);
  }
  const arm = vars[CLOUD_VARIABLES.arm];
  if (arm) {
    if (!/^https:\/\/[^/?#\s]+\/?$/.test(arm)) throw new UsageError(`${CLOUD_VARIABLES.arm} "${arm}" must be an https:// URL of a host (the cloud's Resource Manager)`);
    const known = Object.values(CLOUDS).find((c) => c.arm === trim(arm));
    return withBlob({ arm: trim(arm), aml: aml ?? known?.aml }, blob ?? known?.blob);
  }
  const name = (vars.ARM_ENVIRONMENT ?? stackEnvironment ?? "public").toLowerCase();
  const cloud = CLOUDS[name];
  if (!cloud) {
    const from = vars.ARM_ENVIRONMENT !== undefined ? "ARM_ENVIRONMENT" : "the stack's azurerm provider environment";
    throw new UsageError(`${from} "${name}" is not one of ${Object.keys(CLOUDS).join(", ")}: for another cloud set ${CLOUD_VARIABLES.arm} (and ${CLOUD_VARIABLES.aml})`);
  }
  return withBlob({ arm: cloud.arm, aml: aml ?? cloud.aml }, blob ?? cloud.blob);
}

/** The cloud with its blob endpoint, when there is one (no `blob: undefined` member). */
const withBlob = (c: Cloud, blob: string | undefined): Cloud => (blob === undefined ? c : { ...c, blob });
