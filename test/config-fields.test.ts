import { Testing } from "cdktf";
import { addEnvironments } from "../stacks/app";
import { BackendConfig, ClusterConfig, DataConfig, EnvironmentConfig, MonitoringConfig, PipelineConfig, PrivateNetworkConfig, ProtectionConfig, SuppressionConfig, validateEnvironmentConfig } from "../stacks/config";
import { dev } from "../stacks/environments";
import { AlertSettings } from "../lib/platform/alerts";
import { ServicePrincipalAuthentication } from "../lib/platform/data-factory";
import { ParallelSettings, WorkItemSettings } from "../lib/pipeline/component-specs";
import { ScheduleTriggerOptions } from "../lib/pipeline/adf-triggers";
import { BatchEndpointInvocation, ClassicPipelineEndpointInvocation, DEFAULT_PIPELINE_DIR } from "../lib/pipeline/datapath-pipeline";
import { isObject } from "../lib/core/validation";
import { problemsOf } from "./helpers";

// Fully populated configs: every field a user can set has a valid value. The types make the
// compiler insist on every optional field too (`Required<...>` of each part), so a new config field
// is walked below as soon as it exists. Where the type offers alternatives (a new or an existing
// network, the invocation style, the factory's authentication), the samples cover each.
const sub = "/subscriptions/7f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f/resourceGroups/rg-net/providers";
const cluster: Required<ClusterConfig> = { vmSize: "Standard_DS3_v2", allowUnlistedVmSize: false, vmPriority: "Dedicated", minNodes: 0, maxNodes: 4, idleSecondsBeforeScaleDown: 300 };
const protection: Required<ProtectionConfig> = { preventDestroy: false, purgeProtection: true, blobSoftDeleteRetentionDays: 14 };
const data: Required<DataConfig> = { inputContainer: "landing", inputDatastore: "landing", outputContainer: "results", outputDatastore: "results", defaultRelativePath: "parquet/2026" };
const parallel: Required<ParallelSettings> = { miniBatchSize: 1, instanceCount: 2, maxConcurrencyPerInstance: 2, maxRetries: 2, miniBatchTimeoutSeconds: 300, errorThreshold: -1, miniBatchErrorThreshold: 0, loggingLevel: "INFO" };
const workItems: Required<WorkItemSettings> = { maxFilesPerItem: 500, maxBytesPerItem: 2 ** 29, maxFailedFiles: 3 };
const schedule: Required<ScheduleTriggerOptions> = { frequency: "Day", interval: 1, relativePath: "parquet/daily", startTime: "2028-02-29T05:00:00+01:00", timeZone: "UTC", activated: true };
const batchEndpoint: Required<BatchEndpointInvocation> = { style: "batchEndpoint", pollIntervalSeconds: 60, jobTimeout: "0.06:00:00" };
const classic: Required<ClassicPipelineEndpointInvocation> = {
  style: "classicPipelineEndpoint",
  pipelineEndpointId: "0b7c6e5e-1d2c-4b3a-9f8e-7d6c5b4a3f2e",
  pipelineVersion: "3",
  experimentName: "datapath-runs",
  dataPathParameterName: "input_datapath",
  pipelineParameters: { mode: "full" },
  timeout: "0.02:00:00",
};
const pipeline = (invocation: BatchEndpointInvocation | ClassicPipelineEndpointInvocation): Required<PipelineConfig> => ({
  name: "datapath",
  invocation,
  parallel,
  workItems,
  deploymentRetention: 3,
  schedule,
  blobTrigger: { pathPrefix: "parquet", markerFileName: "_DONE" } satisfies Required<PipelineConfig["blobTrigger"] & object>,
  codeDirectory: DEFAULT_PIPELINE_DIR,
});
const alerts: Required<AlertSettings> = {
  failedPipelineRunSeverity: 1,
  failedPipelineRunThreshold: 0,
  failedAmlJobSeverity: 3,
  failedAmlJobThreshold: 2,
  longRunSeverity: 2,
  longRunThresholdMinutes: 120,
  longRunEvaluationMinutes: 30,
};
const monitoring: Required<MonitoringConfig> = { logRetentionDays: 90, diagnostics: true, alertEmailReceivers: ["ops@example.com"], alerts };
const backend: Required<BackendConfig> = { resourceGroupName: "rg-tfstate", storageAccountName: "sttfstate01", containerName: "tfstate" };
const suppression: Required<SuppressionConfig> = { ruleId: "storage-shared-key-disabled", path: "workspace/storage", reason: "AML's own datastores still use the account key." };
const servicePrincipal: Required<ServicePrincipalAuthentication> = {
  type: "ServicePrincipal",
  servicePrincipalId: "5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  tenantId: "6e2d3c4b-5f6a-4b7c-9d8e-0f1a2b3c4d5e",
  keyVaultId: `${sub}/Microsoft.KeyVault/vaults/kv-shared`,
  secretName: "adf-sp-key",
};
const createdNetwork: Required<Omit<PrivateNetworkConfig, "virtualNetworkId" | "subnetId">> = {
  profile: "private",
  addressSpace: "10.50.0.0/24",
  subnetPrefix: "10.50.0.0/26",
  existingDnsZoneIds: { "privatelink.blob.core.windows.net": `${sub}/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net` },
  deployerIpAllowList: ["203.0.113.8/30"],
};
const existingNetwork: Required<Omit<PrivateNetworkConfig, "addressSpace" | "subnetPrefix">> = {
  profile: "private",
  virtualNetworkId: `${sub}/Microsoft.Network/virtualNetworks/vnet-hub`,
  subnetId: `${sub}/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe`,
  existingDnsZoneIds: {},
  deployerIpAllowList: [],
};
const base = (over: Pick<EnvironmentConfig, "network" | "pipeline" | "dataFactoryAuthentication">): Required<EnvironmentConfig> => ({
  name: "full",
  tier: "dev",
  projectPrefix: "contoso",
  nameSuffix: "x1",
  location: "westeurope",
  subscriptionId: "8a7b6c5d-4e3f-4a2b-9c1d-0e9f8a7b6c5d",
  securityFindings: "warning",
  suppressions: [suppression],
  storageReplicationType: "ZRS",
  cluster,
  protection,
  data,
  monitoring,
  backend,
  tags: { team: "data" },
  ...over,
} as Required<EnvironmentConfig>);
const SAMPLES: readonly EnvironmentConfig[] = [
  base({ network: createdNetwork, pipeline: pipeline(batchEndpoint), dataFactoryAuthentication: servicePrincipal }),
  base({ network: existingNetwork, pipeline: pipeline(classic), dataFactoryAuthentication: { type: "MSI" } }),
];

type Key = string | number;
/** Every leaf of `value` (a value that is no object or list) with the keys that lead to it. */
function leaves(value: unknown, keys: Key[] = []): [Key[], unknown][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...keys, i]));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => leaves(v, [...keys, k]));
  return [[keys, value]];
}
/** A field's name as problems give it: `pipeline.schedule.startTime`, `monitoring.alertEmailReceivers[0]`. */
const fieldName = (keys: Key[]): string => keys.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? k : `.${k}`)).join("");
function withValue(cfg: EnvironmentConfig, keys: Key[], value: unknown): EnvironmentConfig {
  const copy = structuredClone(cfg) as unknown as Record<Key, unknown>;
  const parent = keys.slice(0, -1).reduce<Record<Key, unknown>>((o, k) => o[k] as Record<Key, unknown>, copy);
  parent[keys[keys.length - 1]] = value;
  return copy as unknown as EnvironmentConfig;
}
/** Values no field takes: the wrong type for what it holds; for a number also negative and fractional ones. */
const badValues = (valid: unknown): unknown[] => {
  if (typeof valid === "number") return [String(valid), -2, valid + 0.5];
  if (typeof valid === "boolean") return ["yes", 1];
  return [42, null];
};

const FIELDS = new Map<string, { readonly sample: EnvironmentConfig; readonly keys: Key[]; readonly valid: unknown }>();
for (const sample of SAMPLES) for (const [keys, valid] of leaves(sample)) if (!FIELDS.has(fieldName(keys))) FIELDS.set(fieldName(keys), { sample, keys, valid });

describe("every config field a user can set", () => {
  test.each(SAMPLES.map((s, i) => [i, s] as const))("fully populated sample %i is a valid config", (_i, sample) => {
    expect(validateEnvironmentConfig(sample.name, sample)).toEqual([]);
  });

  test("the samples reach every part of the config, alternatives included", () => {
    const names = [...FIELDS.keys()];
    expect(names.length).toBeGreaterThanOrEqual(80);
    for (const f of ["network.addressSpace", "network.subnetId", "pipeline.invocation.pollIntervalSeconds", "pipeline.invocation.pipelineParameters.mode", "dataFactoryAuthentication.secretName", "monitoring.alerts.longRunEvaluationMinutes", "pipeline.schedule.timeZone", "tags.team", "suppressions[0].reason"]) {
      expect(names).toContain(f);
    }
  });

  // Nothing is built from a config with a problem: the problem is the config's, under the field the user wrote.
  test.each([...FIELDS.entries()].map(([name, f]) => [name, f] as const))("%s: a bad value is reported under that field, by the environment, and nothing is built", (name, { sample, keys, valid }) => {
    for (const bad of badValues(valid)) {
      const cfg = withValue(sample, keys, bad);
      const env = name === "name" ? "environments[0]" : sample.name;
      const lines = problemsOf(() => addEnvironments(Testing.app(), [cfg]));
      const shown = JSON.stringify(bad) ?? String(bad);
      expect([bad, lines.some((l) => l.startsWith(`${env}: ${name} ${shown} `))]).toEqual([bad, true]);
      for (const line of lines) expect([bad, line.startsWith(`${env}: `)]).toEqual([bad, true]);
    }
  });

  test("the same holds for the dev config as shipped: a wrong value in a field it sets is reported under that field", () => {
    for (const [keys, valid] of leaves(dev)) {
      const name = fieldName(keys);
      const lines = problemsOf(() => addEnvironments(Testing.app(), [withValue(dev, keys, badValues(valid)[0])]));
      expect([name, lines.some((l) => l.includes(`: ${name} `))]).toEqual([name, true]);
    }
  });
});
