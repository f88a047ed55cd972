import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { TerraformStack, Testing } from "cdktf";
import { DatapathPipeline, DatapathPipelineProps, DEFAULT_PIPELINE_DIR } from "../lib/pipeline/datapath-pipeline";
import { armIds } from "./azure-ids";

const ids = armIds("00000000-0000-0000-0000-0000000000aa", "rg-ml");
export const WS = ids.workspace("mlw-demo");
export const SA = ids.storage("stdemo");
export const ADF = ids.factory("adf-demo");

/** Platform references of an existing workspace and factory, as another stack would pass them. */
export const platform = {
  workspaceId: WS,
  location: "westeurope",
  computeClusterName: "cpu-demo",
  computeMaxNodes: 4,
  computePrincipalId: "11111111-1111-1111-1111-111111111111",
  storageAccountId: SA,
  storageAccountName: "stdemo",
  dataFactoryId: ADF,
  linkedServiceName: "AzureMLService",
  inputDatastoreName: "input_data",
  outputDatastoreName: "output_data",
} as const;

export function pipelineProps(overrides: Partial<DatapathPipelineProps> = {}): DatapathPipelineProps {
  return { ...platform, name: "datapath", endpointName: "ep-demo", defaultRelativePath: "parquet/offerpath2", ...overrides };
}

export function pipelineStack(overrides: Partial<DatapathPipelineProps> = {}): { stack: TerraformStack; pipeline: DatapathPipeline } {
  const stack = new TerraformStack(Testing.app(), "test");
  const pipeline = new DatapathPipeline(stack, "p", pipelineProps(overrides));
  return { stack, pipeline };
}

/** A copy of the shipped pipeline/ folder in a temp dir, for tests that change one file. */
export function copyOfPipelineDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-"));
  for (const f of ["prepare.py", "process.py", "conda.yaml"]) fs.copyFileSync(path.join(DEFAULT_PIPELINE_DIR, f), path.join(dir, f));
  return dir;
}
