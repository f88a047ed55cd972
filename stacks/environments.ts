import { EnvironmentConfig } from "./config";

// Shared by every environment: change these to your organisation's values.
const projectPrefix = "amldp";
const location = "westeurope";
const data = {
  inputContainer: "input-data",
  inputDatastore: "input_data",
  outputContainer: "output-data",
  outputDatastore: "output_data",
  defaultRelativePath: "parquet/offerpath2",
} as const;
// A producer writes a folder under parquet/ and then an empty _SUCCESS blob: that folder is processed.
const blobTrigger = { pathPrefix: "parquet", markerFileName: "_SUCCESS" } as const;

// The private environments create their own virtual network (pick ranges that do not overlap
// networks you will peer with), or attach to an existing one with virtualNetworkId + subnetId.
// Terraform uploads the step code to storage: run it from a network that reaches the storage's
// private endpoint (a self-hosted runner peered with this network), or list the public address it
// runs from in deployerIpAllowList.
const network = (addressSpace: string, subnetPrefix: string) => ({ profile: "private" as const, addressSpace, subnetPrefix });

// Accepted findings of the security rule pack, each with its reason (listed on every synth).
const sharedKeyStaysOn = {
  ruleId: "storage-shared-key-disabled",
  path: "workspace/storage",
  reason:
    "AML's own system datastores (workspaceblobstore, workspacefilestore) still use the account key: azurerm 4.55 cannot switch them to identity access, so disabling shared keys would break the workspace. Our datastores and uploads use Entra ID only.",
};

// One storage account holds every environment's state, one key per environment (see DatapathStack).
const backend = {
  resourceGroupName: "rg-amldp-tfstate",
  storageAccountName: "stamldptfstate",
  containerName: "tfstate",
} as const;

/**
 * dev: public network profile (no private networking needed), security findings are warnings, small
 * dedicated cluster (it scales to zero: low priority would save little and a preempted job ends
 * Canceled, failing the run), no delete protection.
 */
export const dev: EnvironmentConfig = {
  name: "dev",
  tier: "dev",
  projectPrefix,
  location,
  network: { profile: "public" },
  storageReplicationType: "LRS",
  cluster: { vmSize: "Standard_DS3_v2", vmPriority: "Dedicated", minNodes: 0, maxNodes: 2, idleSecondsBeforeScaleDown: 120 },
  protection: { preventDestroy: false, purgeProtection: false, blobSoftDeleteRetentionDays: 7 },
  data,
  pipeline: { name: "datapath", parallel: { instanceCount: 2, maxConcurrencyPerInstance: 2 }, blobTrigger },
  monitoring: { logRetentionDays: 30 },
  backend,
};

/** test: private network profile and production-like secrets protection, no prevent_destroy so it can be rebuilt. */
export const test: EnvironmentConfig = {
  name: "test",
  tier: "test",
  projectPrefix,
  location,
  network: network("10.42.0.0/24", "10.42.0.0/26"),
  suppressions: [sharedKeyStaysOn],
  storageReplicationType: "LRS",
  cluster: { vmSize: "Standard_DS3_v2", vmPriority: "Dedicated", minNodes: 0, maxNodes: 4, idleSecondsBeforeScaleDown: 300 },
  protection: { preventDestroy: false, purgeProtection: true, blobSoftDeleteRetentionDays: 14 },
  data,
  pipeline: {
    name: "datapath",
    parallel: { instanceCount: 4, maxConcurrencyPerInstance: 2 },
    schedule: { frequency: "Day", interval: 1, relativePath: "parquet/offerpath2", startTime: "2026-12-01T05:00:00Z" },
    blobTrigger,
  },
  monitoring: { logRetentionDays: 30 },
  backend,
};

/** prod: private network profile, larger cluster, geo-zone-redundant storage, every delete protection on. */
export const prod: EnvironmentConfig = {
  name: "prod",
  tier: "prod",
  projectPrefix,
  location,
  network: network("10.43.0.0/24", "10.43.0.0/26"),
  suppressions: [sharedKeyStaysOn],
  storageReplicationType: "GZRS",
  cluster: { vmSize: "Standard_DS4_v2", vmPriority: "Dedicated", minNodes: 0, maxNodes: 8, idleSecondsBeforeScaleDown: 600 },
  protection: { preventDestroy: true, purgeProtection: true, blobSoftDeleteRetentionDays: 30 },
  data,
  pipeline: {
    name: "datapath",
    parallel: { instanceCount: 8, maxConcurrencyPerInstance: 4, maxRetries: 3, miniBatchTimeoutSeconds: 600 },
    schedule: { frequency: "Day", interval: 1, relativePath: "parquet/offerpath2", startTime: "2026-12-01T05:00:00Z" },
    blobTrigger,
  },
  // Add the addresses of whoever runs prod: until then every synth warns that alerts notify nobody.
  monitoring: { logRetentionDays: 90, alertEmailReceivers: [] },
  backend,
};

export const environments: readonly EnvironmentConfig[] = [dev, test, prod];
