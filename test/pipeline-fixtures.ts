import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct } from "constructs";
import { TerraformStack, Testing } from "cdktf";
import { DatapathPipeline, DatapathPipelineProps, DEFAULT_PIPELINE_DIR, PipelinePlatform } from "../lib/pipeline/datapath-pipeline";
import { MlWorkspace } from "../lib/platform/ml-workspace";
import { ComputeCluster } from "../lib/platform/compute-cluster";
import { DataFactory } from "../lib/platform/data-factory";
import { BlobDatastore } from "../lib/platform/blob-datastore";
import { armIds } from "./azure-ids";

const ids = armIds("00000000-0000-0000-0000-0000000000aa", "rg-ml");
export const WS = ids.workspace("mlw-demo");
export const SA = ids.storage("stdemo");
export const ADF = ids.factory("adf-demo");
export const CLUSTER = `${WS}/computes/cpu-demo`;
/** Object ids of the existing cluster's and factory's identities. */
export const CLUSTER_PRINCIPAL = "11111111-1111-1111-1111-111111111111";
export const FACTORY_PRINCIPAL = "22222222-2222-2222-2222-222222222222";

const platforms = new WeakMap<Construct, PipelinePlatform>();

/**
 * An existing workspace, cluster, factory and two datastores, as another stack references them
 * (`fromAttributes`), made once in `scope` (as `platform-*`).
 */
export function platformIn(scope: Construct): PipelinePlatform {
  const known = platforms.get(scope);
  if (known) return known;
  const platform: PipelinePlatform = {
    workspace: MlWorkspace.fromAttributes(scope, "platform-workspace", { workspaceId: WS, location: "westeurope", storageAccountId: SA }),
    cluster: ComputeCluster.fromAttributes(scope, "platform-cluster", { clusterId: CLUSTER, principalId: CLUSTER_PRINCIPAL, maxNodes: 4 }),
    factory: DataFactory.fromAttributes(scope, "platform-factory", { dataFactoryId: ADF, principalId: FACTORY_PRINCIPAL }),
    inputDatastore: BlobDatastore.fromAttributes(scope, "platform-input", { datastoreName: "input_data", storageAccountId: SA, containerName: "input-data" }),
    outputDatastore: BlobDatastore.fromAttributes(scope, "platform-output", { datastoreName: "output_data", storageAccountId: SA, containerName: "output-data" }),
  };
  platforms.set(scope, platform);
  return platform;
}

/**
 * Props of a pipeline on that platform. The platform is made in `scope` (where the run-access grants
 * then are), else in a stack of its own.
 */
export function pipelineProps(overrides: Partial<DatapathPipelineProps> = {}, scope: Construct = new TerraformStack(Testing.app(), "platform")): DatapathPipelineProps {
  return { ...platformIn(scope), name: "datapath", endpointName: "ep-demo", defaultRelativePath: "parquet/offerpath2", ...overrides };
}

/** A pipeline in a stack of its own, on the platform made in the same stack. */
export function pipelineStack(overrides: Partial<DatapathPipelineProps> = {}): { stack: TerraformStack; pipeline: DatapathPipeline } {
  const stack = new TerraformStack(Testing.app(), "test");
  const pipeline = new DatapathPipeline(stack, "p", pipelineProps(overrides, stack));
  return { stack, pipeline };
}

/** A copy of the shipped pipeline/ folder in a temp dir, for tests that change one file. */
export function copyOfPipelineDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-"));
  for (const f of ["prepare.py", "process.py", "conda.yaml"]) fs.copyFileSync(path.join(DEFAULT_PIPELINE_DIR, f), path.join(dir, f));
  return dir;
}
