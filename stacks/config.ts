import { AmlAuthentication } from "../lib/data-factory";
import { Invocation, ScheduleTriggerOptions } from "../lib/datapath-pipeline";
import { ParallelSettings } from "../lib/component-specs";
import { StorageReplicationType } from "../lib/ml-workspace";
import { VmPriority } from "../lib/compute-cluster";
import { checkName } from "../lib/naming";
import { NETWORK_PROFILES } from "../lib/aspects/rule";
import { Checker, Problem } from "../lib/validation";

export const ENVIRONMENT_NAMES = ["dev", "test", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export interface ClusterConfig {
  readonly vmSize: string;
  readonly vmPriority: VmPriority;
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly idleSecondsBeforeScaleDown: number;
}

export interface ProtectionConfig {
  /** `prevent_destroy` on workspace, storage account, data containers and key vault. Must be true in prod. */
  readonly preventDestroy: boolean;
  /** Key vault purge protection (irreversible once on). Must be true in prod. */
  readonly purgeProtection: boolean;
  /** Blob and container soft-delete retention in days. */
  readonly blobSoftDeleteRetentionDays: number;
}

export interface DataConfig {
  /** Container and datastore the pipeline reads from. */
  readonly inputContainer: string;
  readonly inputDatastore: string;
  /** Container and datastore the pipeline writes results to. */
  readonly outputContainer: string;
  readonly outputDatastore: string;
  /** The data path used when a run does not pass one, relative to the input datastore. */
  readonly defaultRelativePath: string;
}

/** The data-path pipeline published into the environment. */
export interface PipelineConfig {
  /** Pipeline name (lowercase letters, digits, `_`): prefix of its AML assets and its ADF pipeline. */
  readonly name: string;
  /**
   * How ADF starts runs.
   * @default { style: "batchEndpoint" }
   */
  readonly invocation?: Invocation;
  /** @default DEFAULT_PARALLEL_SETTINGS (instance count must fit the cluster) */
  readonly parallel?: ParallelSettings;
  /** @default - no schedule */
  readonly schedule?: ScheduleTriggerOptions;
  /**
   * Start a run when a folder under this prefix of the input container is marked complete.
   * @default - no blob trigger
   */
  readonly blobTrigger?: { readonly pathPrefix: string; readonly markerFileName?: string };
}

/** `public`: no private networking needed (dev). */
export interface PublicNetworkConfig {
  readonly profile: "public";
}

/**
 * `private`: public network access off on workspace, storage, key vault, registry and factory;
 * private endpoints (with private DNS zones) in `subnetId`; the workspace's managed network allows
 * approved outbound only; the factory runs in a managed VNet with a managed private endpoint to the
 * workspace. Terraform must run from inside the network (it uploads the step code to storage).
 */
export interface PrivateNetworkConfig {
  readonly profile: "private";
  /** Subnet for the private endpoints and the compute cluster's nodes. */
  readonly subnetId: string;
  /** Virtual network of that subnet (the private DNS zones are linked to it). */
  readonly virtualNetworkId: string;
  /**
   * Existing private DNS zones by name (e.g. a hub's); zones not listed are created in the environment's group.
   * @default {}
   */
  readonly existingDnsZoneIds?: Readonly<Record<string, string>>;
}

export type NetworkConfig = PublicNetworkConfig | PrivateNetworkConfig;

/** An accepted security finding: which rule, on which resource (construct path below the stack), and why. */
export interface SuppressionConfig {
  readonly ruleId: string;
  /** Construct path relative to the stack, e.g. `workspace/storage`. */
  readonly path: string;
  /** Mandatory: why the finding is accepted (printed on every synth). */
  readonly reason: string;
}

/** Where the environment keeps its Terraform state (azurerm backend). */
export interface BackendConfig {
  readonly resourceGroupName: string;
  readonly storageAccountName: string;
  readonly containerName: string;
}

/** Everything that differs between environments. One `DatapathStack` is built from each. */
export interface EnvironmentConfig {
  readonly name: EnvironmentName;
  /** Seed of every resource name: 2-12 lowercase letters or digits. */
  readonly projectPrefix: string;
  /**
   * Extra characters for globally unique names (storage, key vault, factory).
   * @default ""
   */
  readonly nameSuffix?: string;
  /** Azure region, e.g. `westeurope`. */
  readonly location: string;
  /**
   * Subscription to deploy into.
   * @default - from the environment (ARM_SUBSCRIPTION_ID or the az CLI's current subscription)
   */
  readonly subscriptionId?: string;
  /** Network profile: `public` (dev) or `private` (test, prod). */
  readonly network: NetworkConfig;
  /**
   * How security findings are reported: `error` fails the synth, `warning` only reports.
   * @default "error", except "warning" in dev
   */
  readonly securityFindings?: "error" | "warning";
  /**
   * Accepted findings, each with its reason.
   * @default []
   */
  readonly suppressions?: readonly SuppressionConfig[];
  readonly storageReplicationType: StorageReplicationType;
  readonly cluster: ClusterConfig;
  readonly protection: ProtectionConfig;
  readonly data: DataConfig;
  readonly pipeline: PipelineConfig;
  /**
   * Remote state. Tests may leave it out (local state).
   * @default - local state
   */
  readonly backend?: BackendConfig;
  /**
   * How the factory's AML linked service authenticates.
   * @default { type: "MSI" }
   */
  readonly dataFactoryAuthentication?: AmlAuthentication;
  /**
   * Tags on every resource (an `environment` tag is always added).
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Problems with an environment config that no single construct can see. */
export function validateEnvironmentConfig(path: string, cfg: EnvironmentConfig): Problem[] {
  const c = new Checker(path);
  if (cfg === null || typeof cfg !== "object") {
    c.fail("config", cfg, "must be an object");
    return c.problems;
  }
  c.oneOf("name", cfg.name, ENVIRONMENT_NAMES);
  checkName(c, "projectPrefix", cfg.projectPrefix, "projectPrefix");
  if (cfg.nameSuffix !== undefined) {
    c.name("nameSuffix", cfg.nameSuffix, /^[a-z0-9]{0,6}$/, "must be 0-6 lowercase letters or digits");
  }
  c.name("location", cfg.location, /^[a-z][a-z0-9]+$/, "must be an Azure region name such as westeurope");
  if (cfg.subscriptionId !== undefined) {
    c.name("subscriptionId", cfg.subscriptionId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a subscription GUID");
  }
  if (cfg.network === null || typeof cfg.network !== "object") c.fail("network", cfg.network, "must be an object");
  else if (c.oneOf("network.profile", cfg.network.profile, NETWORK_PROFILES) && cfg.network.profile === "private") {
    const n = cfg.network;
    const subnetOk = c.resourceId("network.subnetId", n.subnetId);
    const vnetOk = c.resourceId("network.virtualNetworkId", n.virtualNetworkId);
    if (subnetOk && vnetOk && !String(n.subnetId).toLowerCase().startsWith(`${String(n.virtualNetworkId).toLowerCase()}/subnets/`)) {
      c.fail("network.subnetId", n.subnetId, "must be a subnet of network.virtualNetworkId");
    }
  }
  if (cfg.name === "prod" && cfg.network?.profile !== "private") {
    c.fail("network.profile", cfg.network?.profile, 'must be "private" in prod');
  }
  if (cfg.securityFindings !== undefined) c.oneOf("securityFindings", cfg.securityFindings, ["error", "warning"] as const);
  if (cfg.name === "prod" && cfg.securityFindings === "warning") c.fail("securityFindings", cfg.securityFindings, 'must be "error" in prod');
  (cfg.suppressions ?? []).forEach((sup, i) => {
    c.nonEmptyString(`suppressions[${i}].ruleId`, sup.ruleId);
    c.nonEmptyString(`suppressions[${i}].path`, sup.path);
    if (typeof sup.reason !== "string" || sup.reason.trim().length < 20) {
      c.fail(`suppressions[${i}].reason`, sup.reason, "must explain the exception (at least 20 characters)");
    }
  });
  for (const key of ["cluster", "protection", "data", "pipeline"] as const) {
    if (cfg[key] === null || typeof cfg[key] !== "object") c.fail(key, cfg[key], "must be an object");
  }
  if (cfg.protection && typeof cfg.protection === "object") {
    const p = cfg.protection;
    c.boolean("protection.preventDestroy", p.preventDestroy);
    c.boolean("protection.purgeProtection", p.purgeProtection);
    c.integer("protection.blobSoftDeleteRetentionDays", p.blobSoftDeleteRetentionDays, 1, 365);
    if (cfg.name === "prod") {
      if (p.preventDestroy !== true) c.fail("protection.preventDestroy", p.preventDestroy, "must be true in prod (delete protection)");
      if (p.purgeProtection !== true) c.fail("protection.purgeProtection", p.purgeProtection, "must be true in prod (key vault purge protection)");
      if (typeof p.blobSoftDeleteRetentionDays === "number" && p.blobSoftDeleteRetentionDays < 7) {
        c.fail("protection.blobSoftDeleteRetentionDays", p.blobSoftDeleteRetentionDays, "must be at least 7 in prod");
      }
    }
  }
  if (cfg.data && typeof cfg.data === "object") {
    c.relativePath("data.defaultRelativePath", cfg.data.defaultRelativePath);
    if (cfg.data.inputContainer === cfg.data.outputContainer) {
      c.fail("data.outputContainer", cfg.data.outputContainer, "must differ from data.inputContainer (outputs never go into the input container)");
    }
    if (cfg.data.inputDatastore === cfg.data.outputDatastore) {
      c.fail("data.outputDatastore", cfg.data.outputDatastore, "must differ from data.inputDatastore");
    }
  }
  if (cfg.backend !== undefined) {
    checkName(c, "backend.resourceGroupName", cfg.backend.resourceGroupName, "resourceGroup");
    checkName(c, "backend.storageAccountName", cfg.backend.storageAccountName, "storageAccount");
    checkName(c, "backend.containerName", cfg.backend.containerName, "storageContainer");
  }
  if (cfg.tags !== undefined) {
    if (cfg.tags === null || typeof cfg.tags !== "object") c.fail("tags", cfg.tags, "must be an object of strings");
    else for (const [k, v] of Object.entries(cfg.tags)) if (typeof v !== "string") c.fail(`tags.${k}`, v, "must be a string");
  }
  return c.problems;
}

/** Problems across a set of environments: duplicate names. */
export function validateEnvironmentSet(path: string, configs: readonly EnvironmentConfig[]): Problem[] {
  const c = new Checker(path);
  const seen = new Set<string>();
  configs.forEach((cfg, i) => {
    if (seen.has(cfg.name)) c.fail(`environments[${i}].name`, cfg.name, "must be unique (each environment has its own stack and state)");
    seen.add(cfg.name);
  });
  return c.problems;
}
