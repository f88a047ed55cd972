import * as fs from "fs";
import * as path from "path";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { DEFAULT_PIPELINE_DIR } from "../lib/datapath-pipeline";
import { AML_API_VERSION } from "../lib/aml-assets";
import { md5Hex } from "../lib/content-hash";
import { problemsOf, refTo, resourcesOf, single, synthJson, TfJson } from "./helpers";
import { copyOfPipelineDir, pipelineProps, pipelineStack, platform, WS } from "./pipeline-fixtures";
import { DatapathPipeline } from "../lib/datapath-pipeline";
import { adfRoundTrip, mlRoundTrip } from "./azure-models";
import { evaluate } from "./adf-expression";

type Res = Record<string, unknown>;
const azapi = (json: TfJson) => resourcesOf(json, "azapi_resource");
/** The azapi resource whose logical id starts with `prefix` (construct path joined by "_"). */
function byId(json: TfJson, prefix: string): Res {
  const hits = Object.entries(azapi(json)).filter(([id]) => id.replace(/_[0-9A-F]{8}$/, "") === prefix);
  if (hits.length !== 1) throw new Error(`expected one azapi_resource ${prefix}, found ${hits.length}`);
  return hits[0][1];
}
const idOf = (json: TfJson, prefix: string) => {
  const id = Object.keys(azapi(json)).find((k) => k.replace(/_[0-9A-F]{8}$/, "") === prefix);
  return `\${azapi_resource.${id}.id}`;
};
const spec = (r: Res) => (r.body as { properties: { componentSpec: Record<string, unknown> } }).properties.componentSpec;
const escaped = (s: string) => s.replace(/\$\{\{/g, () => "$${{");

describe("DatapathPipeline on AML v2", () => {
  const { stack } = pipelineStack();
  const json = synthJson(stack);

  test("uploads each step's code as blobs with content MD5, no local paths", () => {
    const blobs = Object.values(resourcesOf(json, "azurerm_storage_blob"));
    expect(blobs.map((b) => b.name)).toEqual([expect.stringMatching(/^datapath\/prepare\/[0-9a-f]{16}\/prepare\.py$/), expect.stringMatching(/^datapath\/process\/[0-9a-f]{16}\/process\.py$/)]);
    for (const b of blobs) {
      const file = path.basename(String(b.name));
      const content = fs.readFileSync(path.join(DEFAULT_PIPELINE_DIR, file), "utf8");
      expect(b).toMatchObject({ storage_account_name: "stdemo", type: "Block", content_md5: md5Hex(content) });
      expect(b).not.toHaveProperty("source");
      expect(String(b.source_content).replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{")).toBe(content);
    }
    const codeVersion = byId(json, "p_prepare-code_version");
    const prepareBlob = blobs[0];
    expect(codeVersion).toMatchObject({ type: `Microsoft.MachineLearningServices/workspaces/codes/versions@${AML_API_VERSION}` });
    expect((codeVersion.body as { properties: { codeUri: string } }).properties.codeUri).toBe(
      `https://stdemo.blob.core.windows.net/datapath-code/${path.dirname(String(prepareBlob.name))}`,
    );
    expect(codeVersion.name).toBe(String(prepareBlob.name).split("/")[2]);
    expect(codeVersion.depends_on).toEqual([expect.stringMatching(/^azurerm_storage_blob\.p_prepare-code-preparepy_/)]);
  });

  test("a blob endpoint given as a reference is trimmed in Terraform: no double slash in codeUri", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const endpoint = new TerraformVariable(stack, "endpoint", { type: "string" }).stringValue;
    new DatapathPipeline(stack, "p", pipelineProps({ blobEndpoint: endpoint }));
    const codeUri = (byId(synthJson(stack), "p_prepare-code_version").body as { properties: { codeUri: string } }).properties.codeUri;
    expect(codeUri).toMatch(/^\$\{trimsuffix\(var\.endpoint, "\/"\)\}\/datapath-code\/datapath\/prepare\/[0-9a-f]{16}$/);
  });

  test("asset containers and versions are children of the workspace, version names are content hashes", () => {
    for (const [kind, name] of [["codes", "datapath-prepare"], ["codes", "datapath-process"], ["environments", "datapath-env"], ["components", "datapath_prepare"], ["components", "datapath_process"], ["components", "datapath"]]) {
      const container = Object.values(azapi(json)).find((r) => r.name === name && String(r.type).startsWith(`Microsoft.MachineLearningServices/workspaces/${kind}@`));
      expect(container).toMatchObject({ parent_id: WS, type: `Microsoft.MachineLearningServices/workspaces/${kind}@2024-04-01` });
    }
    const versions = Object.values(azapi(json)).filter((r) => String(r.type).includes("/versions@"));
    expect(versions).toHaveLength(6);
    for (const v of versions) {
      expect(v.name).toMatch(/^[0-9a-f]{16}$/);
      expect(v.parent_id).toMatch(/^\$\{azapi_resource\..*container.*\.id\}$/);
      expect(v.lifecycle).toEqual({ create_before_destroy: true });
    }
  });

  test("the environment carries the conda file's content and a base image", () => {
    const env = byId(json, "p_environment_version");
    expect((env.body as { properties: Res }).properties).toEqual({
      image: "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:20250601.v1",
      condaFile: fs.readFileSync(path.join(DEFAULT_PIPELINE_DIR, "conda.yaml"), "utf8"),
      osType: "Linux",
      description: "Runtime of both steps",
      isAnonymous: false,
      isArchived: false,
    });
  });

  test("components reference code, environment and each other by ARM id; bindings are escaped for Terraform", () => {
    const prepare = byId(json, "p_prepare-component_version");
    const process = byId(json, "p_process-component_version");
    const pipeline = byId(json, "p_pipeline-component_version");
    const codeRef = (step: string) => `azureml:${idOf(json, `p_${step}-code_version`)}`;
    const envRef = `azureml:${idOf(json, "p_environment_version")}`;

    // A data path names a folder, not its content: AML must never reuse an earlier run's outputs.
    expect(spec(prepare).is_deterministic).toBe(false);
    expect(spec(process).is_deterministic).toBe(false);
    expect(spec(prepare)).toMatchObject({
      name: "datapath_prepare",
      version: prepare.name,
      type: "command",
      code: codeRef("prepare"),
      environment: envRef,
      command: escaped("python prepare.py --input_folder ${{inputs.input_datapath}} --work_list ${{outputs.work_list}}"),
      inputs: { input_datapath: { type: "uri_folder", mode: "ro_mount" } },
      outputs: { work_list: { type: "uri_folder", mode: "rw_mount" } },
    });
    expect(spec(process)).toMatchObject({
      name: "datapath_process",
      version: process.name,
      type: "parallel",
      input_data: escaped("${{inputs.work_list}}"),
      mini_batch_size: "10",
      resources: { instance_count: 2 },
      max_concurrency_per_instance: 2,
      retry_settings: { max_retries: 2, timeout: 300 },
      error_threshold: -1,
      mini_batch_error_threshold: 0,
      logging_level: "INFO",
      task: {
        type: "run_function",
        code: codeRef("process"),
        entry_script: "process.py",
        environment: envRef,
        program_arguments: escaped("--input_root ${{inputs.input_root}}"),
        append_row_to: escaped("${{outputs.results}}"),
      },
    });
    const p = spec(pipeline);
    expect(p).toMatchObject({ name: "datapath", version: pipeline.name, type: "pipeline", inputs: { input_datapath: { type: "uri_folder" } } });
    expect(p.jobs).toEqual({
      prepare: {
        name: "prepare",
        type: "command",
        componentId: idOf(json, "p_prepare-component_version"),
        inputs: { input_datapath: { job_input_type: "literal", value: escaped("${{parent.inputs.input_datapath}}") } },
      },
      process: {
        name: "process",
        type: "parallel",
        componentId: idOf(json, "p_process-component_version"),
        inputs: {
          work_list: { job_input_type: "literal", value: escaped("${{parent.jobs.prepare.outputs.work_list}}") },
          input_root: { job_input_type: "literal", value: escaped("${{parent.inputs.input_datapath}}") },
        },
        outputs: { results: { value: escaped("${{parent.outputs.results}}"), type: "literal" } },
      },
    });
    // Every name matches the CLI's component name rule; default compute is not on the pipeline component.
    for (const c of [prepare, process, pipeline]) expect(spec(c).name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(p).not.toHaveProperty("compute");
    expect(p).not.toHaveProperty("settings");
    // No unescaped AML binding reaches Terraform.
    expect(Testing.synth(stack)).not.toMatch(/[^$]\$\{\{/);
  });

  test("batch endpoint (AAD token) with a pipeline-component deployment made its default", () => {
    const endpoint = byId(json, "p_endpoint");
    expect(endpoint).toMatchObject({
      type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints@2024-04-01",
      name: "ep-demo",
      parent_id: WS,
      location: "westeurope",
      body: { properties: { authMode: "AADToken" } },
      response_export_values: ["properties.scoringUri"],
    });
    const deployment = byId(json, "p_deployment");
    expect(deployment).toMatchObject({
      type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments@2024-04-01",
      name: "pipeline",
      parent_id: idOf(json, "p_endpoint"),
      location: "westeurope",
    });
    expect((deployment.body as { properties: Res }).properties.deploymentConfiguration).toEqual({
      deploymentConfigurationType: "PipelineComponent",
      componentId: { referenceType: "Id", assetId: idOf(json, "p_pipeline-component_version") },
      settings: { default_compute: "cpu-demo", continue_on_step_failure: "false" },
    });
    expect(single(json, "azapi_update_resource")).toMatchObject({
      type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints@2024-04-01",
      resource_id: idOf(json, "p_endpoint"),
      body: { properties: { defaults: { deploymentName: "pipeline" } } },
      depends_on: [expect.stringMatching(/^azapi_resource\.p_deployment_/)],
    });
  });

  test("request bodies pass Azure's REST-spec models", () => {
    // What azapi sends: the body, with location and tags from their own attributes.
    const body = (prefix: string) => {
      const r = byId(json, prefix);
      return { ...(r.body as { properties: Res }), ...(r.location ? { location: r.location } : {}), ...(r.tags ? { tags: r.tags } : {}) };
    };
    for (const [prefix, model] of [
      ["p_prepare-code_version", "CodeVersion"],
      ["p_environment_version", "EnvironmentVersion"],
      ["p_prepare-component_version", "ComponentVersion"],
      ["p_process-component_version", "ComponentVersion"],
      ["p_pipeline-component_version", "ComponentVersion"],
      ["p_endpoint", "BatchEndpoint"],
      ["p_prepare-code_container", "CodeContainer"],
      ["p_environment_container", "EnvironmentContainer"],
      ["p_pipeline-component_container", "ComponentContainer"],
    ] as const) {
      expect([prefix, mlRoundTrip(model, body(prefix))]).toEqual([prefix, body(prefix)]);
    }
    // The SDK's model (API 2022-10-01) predates deploymentConfiguration: it drops exactly that field and keeps the rest.
    const deployment = body("p_deployment");
    const { deploymentConfiguration, ...rest } = deployment.properties;
    expect(deploymentConfiguration).toBeDefined();
    const back = mlRoundTrip("BatchDeployment", deployment) as { properties: Res };
    // It also fills in its client-side defaults for model deployments, which are not sent by azapi.
    const { errorThreshold, maxConcurrencyPerInstance, miniBatchSize, outputFileName, ...kept } = back.properties;
    expect([errorThreshold, maxConcurrencyPerInstance, miniBatchSize, outputFileName]).toEqual([-1, 1, 10, "predictions.csv"]);
    expect({ ...back, properties: kept }).toEqual({ ...deployment, properties: rest });
  });

  test("grants on the code container it creates: the deployer may upload, the cluster reads", () => {
    const grants = Object.entries(resourcesOf(json, "azurerm_role_assignment")).map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), r.role_definition_name, r.principal_id, r.scope]).sort();
    const codeContainer = refTo(json, "azurerm_storage_container", "resource_manager_id");
    expect(grants).toEqual([
      ["p_compute-code-reader", "Storage Blob Data Reader", platform.computePrincipalId, codeContainer],
      ["p_deployer-code-upload", "Storage Blob Data Contributor", expect.stringMatching(/^\$\{data\.azurerm_client_config\..*\.object_id\}$/), codeContainer],
    ]);
    for (const b of Object.values(resourcesOf(json, "azurerm_storage_blob"))) {
      expect(b.depends_on).toEqual([expect.stringMatching(/^azurerm_role_assignment\.p_deployer-code-upload_/)]);
    }
  });
});

describe("the ADF pipeline", () => {
  test("batch-endpoint style: data path, datastore, output datastore and poll interval are ordinary parameters", () => {
    const { stack, pipeline } = pipelineStack();
    const json = synthJson(stack);
    const adf = single(json, "azurerm_data_factory_pipeline");
    expect(adf).toMatchObject({
      name: "datapath",
      data_factory_id: platform.dataFactoryId,
      concurrency: 4,
      parameters: { datastore_name: "input_data", relative_path: "parquet/offerpath2", poll_interval_seconds: "60" },
      variables: { job_status: "NotStarted" },
    });
    // The synthesized text itself: valid JSON, accepted by Azure's REST model, and the data path flows into the body.
    const activities = JSON.parse(String(adf.activities_json));
    expect(activities.map((a: { name: string; type: string }) => `${a.type}:${a.name}`)).toEqual([
      "IfCondition:Validate parameters",
      "WebActivity:Invoke batch endpoint",
      "Until:Wait for job",
      "IfCondition:Check job result",
    ]);
    expect(adfRoundTrip("PipelineResource", { properties: { activities } })).toEqual({ properties: { activities } });
    const body = evaluate(activities[1].typeProperties.body.value, {
      parameters: { ...(adf.parameters as Record<string, string>), relative_path: "parquet/offerpath9" },
      runId: "r1",
    });
    expect(JSON.parse(String(body)).properties.InputData.input_datapath.Uri).toBe("azureml://datastores/input_data/paths/parquet/offerpath9");
    // The POST goes to this pipeline's own endpoint; no integration runtime unless one is given.
    expect(activities[1].typeProperties.url).toMatch(/^\$\{azapi_resource\.p_endpoint_[0-9A-F]{8}\.output\.properties\.scoringUri\}$/);
    expect(activities[1].typeProperties).not.toHaveProperty("connectVia");
    expect(pipeline.invokeBodyExpression()).toBe(activities[1].typeProperties.body.value);
  });

  test("with an integration runtime both Web activities run on it (private profile)", () => {
    const { stack } = pipelineStack({ integrationRuntimeName: "ManagedVnetIR" });
    const activities = JSON.parse(String(single(synthJson(stack), "azurerm_data_factory_pipeline").activities_json));
    const ref = { referenceName: "ManagedVnetIR", type: "IntegrationRuntimeReference" };
    expect(activities[1].typeProperties.connectVia).toEqual(ref);
    expect(activities[2].typeProperties.activities[1].typeProperties.connectVia).toEqual(ref);
    expect(adfRoundTrip("PipelineResource", { properties: { activities } })).toEqual({ properties: { activities } });
  });

  test("classic style: an AzureMLExecutePipeline activity on the linked service, no polling parameters", () => {
    const { stack } = pipelineStack({
      invocation: { style: "classicPipelineEndpoint", pipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f" },
    });
    const adf = single(synthJson(stack), "azurerm_data_factory_pipeline");
    expect(adf.parameters).toEqual({ datastore_name: "input_data", relative_path: "parquet/offerpath2" });
    expect(adf).not.toHaveProperty("variables");
    const run = JSON.parse(String(adf.activities_json))[1];
    expect(run).toMatchObject({
      type: "AzureMLExecutePipeline",
      linkedServiceName: { referenceName: "AzureMLService", type: "LinkedServiceReference" },
      typeProperties: {
        mlPipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f",
        experimentName: "datapath",
        dataPathAssignments: {
          input_datapath: {
            DataStoreName: { type: "Expression", value: "@pipeline().parameters.datastore_name" },
            RelativePath: { type: "Expression", value: "@pipeline().parameters.relative_path" },
          },
        },
      },
    });
  });

  test("schedule and blob-created triggers pass the data path to this pipeline", () => {
    const { stack } = pipelineStack({
      scheduleTrigger: { frequency: "Day", interval: 1, relativePath: "parquet/daily", startTime: "2026-12-01T05:00:00Z" },
      blobTrigger: { storageAccountId: platform.storageAccountId, containerName: "input-data", pathPrefix: "parquet" },
    });
    const json = synthJson(stack);
    const adfName = refTo(json, "azurerm_data_factory_pipeline", "name");
    expect(single(json, "azurerm_data_factory_trigger_schedule")).toMatchObject({
      frequency: "Day",
      interval: 1,
      start_time: "2026-12-01T05:00:00Z",
      time_zone: "UTC",
      activated: true,
      pipeline: [{ name: adfName, parameters: { relative_path: "parquet/daily", datastore_name: "input_data" } }],
    });
    expect(single(json, "azurerm_data_factory_trigger_blob_event")).toMatchObject({
      storage_account_id: platform.storageAccountId,
      events: ["Microsoft.Storage.BlobCreated"],
      blob_path_begins_with: "/input-data/blobs/parquet/",
      blob_path_ends_with: "/_SUCCESS",
      pipeline: [{ name: adfName, parameters: { datastore_name: "input_data", relative_path: "@substring(triggerBody().folderPath, 11, sub(length(triggerBody().folderPath), 11))" } }],
    });
  });
});

describe("versions follow content", () => {
  const versionsOf = (json: TfJson) =>
    Object.fromEntries(Object.entries(azapi(json)).map(([id, r]) => [id, JSON.stringify(r)]));

  test("unchanged input synthesizes byte-identical JSON", () => {
    expect(Testing.synth(pipelineStack().stack)).toBe(Testing.synth(pipelineStack().stack));
  });

  test("changing process.py changes only the process code, its component, the pipeline component and the deployment revision", () => {
    const dir = copyOfPipelineDir();
    const base = synthJson(pipelineStack({ processStep: { directory: dir, script: "process.py" } }).stack);
    fs.appendFileSync(path.join(dir, "process.py"), "\n# a change\n");
    const changed = synthJson(pipelineStack({ processStep: { directory: dir, script: "process.py" } }).stack);
    fs.rmSync(dir, { recursive: true, force: true });

    const a = versionsOf(base);
    const b = versionsOf(changed);
    expect(Object.keys(b)).toEqual(Object.keys(a)); // same Terraform addresses
    const differing = Object.keys(a).filter((k) => a[k] !== b[k]).map((k) => k.replace(/_[0-9A-F]{8}$/, "")).sort();
    expect(differing).toEqual(["p_deployment", "p_pipeline-component_version", "p_process-code_version", "p_process-component_version"]);
    // Unrelated resources are untouched: blobs of prepare, the ADF pipeline, the endpoint.
    for (const t of ["azurerm_data_factory_pipeline", "azurerm_storage_container", "azapi_update_resource"]) {
      expect(resourcesOf(changed, t)).toEqual(resourcesOf(base, t));
    }
    const prepareBlobs = (j: TfJson) => Object.values(resourcesOf(j, "azurerm_storage_blob")).filter((x) => String(x.name).includes("/prepare/"));
    expect(prepareBlobs(changed)).toEqual(prepareBlobs(base));
  });

  test("changing the conda file changes the environment and everything built on it, not the code", () => {
    const dir = copyOfPipelineDir();
    const base = versionsOf(synthJson(pipelineStack({ condaFile: path.join(dir, "conda.yaml") }).stack));
    fs.appendFileSync(path.join(dir, "conda.yaml"), "# pinned again\n");
    const changed = versionsOf(synthJson(pipelineStack({ condaFile: path.join(dir, "conda.yaml") }).stack));
    fs.rmSync(dir, { recursive: true, force: true });
    const differing = Object.keys(base).filter((k) => base[k] !== changed[k]).map((k) => k.replace(/_[0-9A-F]{8}$/, "")).sort();
    expect(differing).toEqual(["p_deployment", "p_environment_version", "p_pipeline-component_version", "p_prepare-component_version", "p_process-component_version"]);
  });

  test("changing a parallel setting changes the process component, not the code", () => {
    const base = versionsOf(synthJson(pipelineStack().stack));
    const changed = versionsOf(synthJson(pipelineStack({ parallel: { miniBatchSize: 50 } }).stack));
    const differing = Object.keys(base).filter((k) => base[k] !== changed[k]).map((k) => k.replace(/_[0-9A-F]{8}$/, "")).sort();
    expect(differing).toEqual(["p_deployment", "p_pipeline-component_version", "p_process-component_version"]);
  });
});

describe("validation", () => {
  const build = (o: Parameters<typeof pipelineProps>[0]) => () => new DatapathPipeline(pipelineStack().stack, "bad", pipelineProps(o));

  test("reports every bad prop at once", () => {
    expect(
      problemsOf(
        build({
          name: "Data-Path",
          endpointName: "1ep",
          defaultRelativePath: "../etc",
          inputDatastoreName: "in-put",
          parallel: { miniBatchSize: 0, errorThreshold: -2, miniBatchErrorThreshold: -5, instanceCount: 5, maxRetries: -1, loggingLevel: "TRACE" as never },
          invocation: { style: "batchEndpoint", pollIntervalSeconds: 1, jobTimeout: "12h" },
          scheduleTrigger: { frequency: "Hourly" as never, interval: 0, relativePath: "/abs" },
        }),
      ),
    ).toEqual([
      `test/bad: name "Data-Path" must be 2-30 lowercase letters, digits or '_', starting with a letter`,
      `test/bad: name "Data-Path" must be a valid component name`,
      `test/bad: inputDatastoreName "in-put" must be 1-255 lowercase letters, digits or '_', starting with a letter or digit`,
      `test/bad: endpointName "1ep" must be 3-32 letters, digits or '-', starting with a letter and ending with a letter or digit`,
      `test/bad: defaultRelativePath "../etc" must not contain '.' or '..' segments`,
      `test/bad: codeContainerName "Data-Path-code" must be 3-63 lowercase letters, digits or '-', starting and ending with a letter or digit, with no '--'`,
      `test/bad: invocation.pollIntervalSeconds 1 must be an integer from 10 to 3600`,
      `test/bad: invocation.jobTimeout "12h" must be a duration "d.hh:mm:ss" of at most 99 days`,
      `test/bad: scheduleTrigger.frequency "Hourly" must be one of "Minute", "Hour", "Day", "Week", "Month"`,
      `test/bad: scheduleTrigger.interval 0 must be an integer from 1 to 1000`,
      `test/bad: scheduleTrigger.relativePath "/abs" must be relative to the datastore root (no leading '/', drive letter or scheme)`,
      `test/bad: parallel.miniBatchSize 0 must be an integer from 1 to 100000`,
      `test/bad: parallel.maxRetries -1 must be an integer from 0 to 100`,
      `test/bad: parallel.errorThreshold -2 must be an integer from -1 to ${Number.MAX_SAFE_INTEGER}`,
      `test/bad: parallel.miniBatchErrorThreshold -5 must be an integer from -1 to ${Number.MAX_SAFE_INTEGER}`,
      `test/bad: parallel.loggingLevel "TRACE" must be one of "INFO", "WARNING", "DEBUG"`,
      `test/bad: parallel.instanceCount 5 must not exceed the cluster's maxNodes (4)`,
    ]);
  });

  test("classic style without a pipeline endpoint id", () => {
    expect(problemsOf(build({ invocation: { style: "classicPipelineEndpoint", pipelineEndpointId: "" } }))).toEqual([
      `test/bad: invocation.pipelineEndpointId "" must be the GUID of an AML v1 published pipeline endpoint`,
    ]);
  });

  test("missing step code and conda file", () => {
    expect(
      problemsOf(build({ processStep: { directory: DEFAULT_PIPELINE_DIR, script: "nope.py" }, condaFile: "/nonexistent/conda.yaml" })),
    ).toEqual([
      `test/bad: processStep.files "nope.py" must be readable files in the step's directory`,
      `test/bad: condaFile "/nonexistent/conda.yaml" must be a readable file`,
    ]);
  });

  test("step files outside the step's folder", () => {
    expect(problemsOf(build({ prepareStep: { directory: DEFAULT_PIPELINE_DIR, script: "prepare.py", files: ["prepare.py", "../secrets.py"] } }))).toEqual([
      `test/bad: prepareStep.files "../secrets.py" must be relative to the step's directory, without '..'`,
      `test/bad: prepareStep.files "secrets.py" must be readable files in the step's directory`,
    ]);
  });
});
