import { TerraformStack, Testing } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { DatapathPipeline } from "../lib/pipeline/datapath-pipeline";
import { CLI_MANIFEST_FORMAT } from "../lib/pipeline/cli-manifest";
import { dev } from "../stacks/environments";
import { envStack, synthJson } from "./helpers";
import { pipelineProps } from "./pipeline-fixtures";

describe("the manifest each DatapathPipeline leaves for the CLI", () => {
  test("the sample app's stack: one aml_datapath_<name> output with references to its own resources", () => {
    const json = synthJson(envStack(dev));
    const out = json.output!.aml_datapath_datapath as { value: Record<string, unknown>; description?: string };
    expect(out.description).toContain("aml-datapath CLI");
    expect(out.value).toEqual({
      format: CLI_MANIFEST_FORMAT,
      pipeline_name: "datapath",
      construct_path: "dev/pipeline",
      data_factory_id: expect.stringMatching(/^\$\{azurerm_data_factory\.factory_[0-9A-F]{8}\.id\}$/),
      adf_pipeline_name: expect.stringMatching(/^\$\{azapi_resource\.pipeline_adf_pipeline_[0-9A-F]{8}\.name\}$/),
      workspace_id: expect.stringMatching(/^\$\{azurerm_machine_learning_workspace\.workspace_[0-9A-F]{8}\.id\}$/),
      location: dev.location,
      batch_endpoint_name: expect.stringMatching(/^\$\{azapi_resource\.pipeline_batch_endpoint_[0-9A-F]{8}\.name\}$/),
      input_datastore_name: dev.data.inputDatastore,
      invocation_style: "batchEndpoint",
      deployment_retention: 2,
    });
  });

  test("two pipelines in one stack get one output each; the classic style has no endpoint; literal ids stay literal", () => {
    const stack = new TerraformStack(Testing.app(), "team-c");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    const props = pipelineProps();
    new DatapathPipeline(stack, "offers", { ...props, name: "offers", endpointName: "ep-offers", deploymentRetention: 3 });
    new DatapathPipeline(stack, "legacy", {
      ...props,
      name: "legacy",
      endpointName: "ep-legacy",
      invocation: { style: "classicPipelineEndpoint", pipelineEndpointId: "11111111-2222-3333-4444-555555555555" },
    });
    const outputs = synthJson(stack).output as Record<string, { value: Record<string, unknown> }>;
    expect(Object.keys(outputs).filter((k) => k.startsWith("aml_datapath_")).sort()).toEqual(["aml_datapath_legacy", "aml_datapath_offers"]);
    expect(outputs.aml_datapath_offers.value).toMatchObject({ data_factory_id: props.dataFactoryId, workspace_id: props.workspaceId, deployment_retention: 3, construct_path: "team-c/offers" });
    expect(outputs.aml_datapath_legacy.value.invocation_style).toBe("classicPipelineEndpoint");
    expect(outputs.aml_datapath_legacy.value).not.toHaveProperty("batch_endpoint_name");
  });
});
