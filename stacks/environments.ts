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

// One storage account holds every environment's state, one key per environment (see DatapathStack).
const backend = {
  resourceGroupName: "rg-amldp-tfstate",
  storageAccountName: "stamldptfstate",
  containerName: "tfstate",
} as const;

/** dev: public network (no private networking needed), small low-priority cluster, no delete protection. */
export const dev: EnvironmentConfig = {
  name: "dev",
  projectPrefix,
  location,
  publicNetworkAccess: true,
  storageReplicationType: "LRS",
  cluster: { vmSize: "Standard_DS3_v2", vmPriority: "LowPriority", minNodes: 0, maxNodes: 2, idleSecondsBeforeScaleDown: 120 },
  protection: { preventDestroy: false, purgeProtection: false, blobSoftDeleteRetentionDays: 7 },
  data,
  pipeline: { name: "datapath", parallel: { instanceCount: 2, maxConcurrencyPerInstance: 2 }, blobTrigger },
  backend,
};

/** test: production-like protection of secrets, no prevent_destroy so it can be rebuilt. */
export const test: EnvironmentConfig = {
  name: "test",
  projectPrefix,
  location,
  publicNetworkAccess: false,
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
  backend,
};

/** prod: larger cluster, zone-redundant storage, every delete protection on. */
export const prod: EnvironmentConfig = {
  name: "prod",
  projectPrefix,
  location,
  publicNetworkAccess: false,
  storageReplicationType: "ZRS",
  cluster: { vmSize: "Standard_DS4_v2", vmPriority: "Dedicated", minNodes: 0, maxNodes: 8, idleSecondsBeforeScaleDown: 600 },
  protection: { preventDestroy: true, purgeProtection: true, blobSoftDeleteRetentionDays: 30 },
  data,
  pipeline: {
    name: "datapath",
    parallel: { instanceCount: 8, maxConcurrencyPerInstance: 4, miniBatchSize: 20, maxRetries: 3, miniBatchTimeoutSeconds: 600 },
    schedule: { frequency: "Day", interval: 1, relativePath: "parquet/offerpath2", startTime: "2026-12-01T05:00:00Z" },
    blobTrigger,
  },
  backend,
};

export const environments: readonly EnvironmentConfig[] = [dev, test, prod];
