import * as fs from "fs";
import * as path from "path";
import { CLI_MANIFEST_FORMAT } from "../lib/pipeline/cli-manifest";
import { dev } from "../stacks/environments";
import { appFolder } from "./cli-harness";
import { CONSUMER_OUTPUT, consumerIds, PROD, STAGING, synthConsumerApp } from "./fixtures/cli-consumer";
import { envStack, synthJson } from "./helpers";

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
    const dir = appFolder("manifest-consumer", CONSUMER_OUTPUT);
    try {
      synthConsumerApp(dir);
      const read = (stack: string) => JSON.parse(fs.readFileSync(path.join(dir, CONSUMER_OUTPUT, "stacks", stack, "cdk.tf.json"), "utf8")).output as Record<string, { value: Record<string, unknown> }>;
      const prod = read(PROD);
      expect(Object.keys(prod).filter((k) => k.startsWith("aml_datapath_")).sort()).toEqual(["aml_datapath_clicks", "aml_datapath_team_b"]);
      expect(prod.aml_datapath_team_b.value).toMatchObject({ data_factory_id: consumerIds("prod").factoryId, workspace_id: consumerIds("prod").workspaceId, deployment_retention: 2, construct_path: `${PROD}/team_b` });
      expect(prod.aml_datapath_clicks.value.invocation_style).toBe("classicPipelineEndpoint");
      expect(prod.aml_datapath_clicks.value).not.toHaveProperty("batch_endpoint_name");
      expect(read(STAGING).aml_datapath_team_b.value.deployment_retention).toBe(3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
