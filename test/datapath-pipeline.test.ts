import * as fs from "fs";
import * as path from "path";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { DEFAULT_PIPELINE_DIR } from "../lib/pipeline/datapath-pipeline";
import { AML_API_VERSION } from "../lib/pipeline/aml-assets";
import { md5Hex } from "../lib/pipeline/content-hash";
import { adfPipelineOf, problemsOf, resourcesOf, shared, single, synthJson, TfJson, unescapeTemplate } from "./helpers";
import { ADF, CLUSTER_PRINCIPAL, copyOfPipelineDir, FACTORY_PRINCIPAL, pipelineProps, pipelineStack, platformIn, SA, WS } from "./pipeline-fixtures";
import { DataFactory } from "../lib/platform/data-factory";
import { PARALLEL_NODE_KEYS } from "../lib/pipeline/component-specs";
import { ROLE_PROPAGATION_WAIT } from "../lib/pipeline/code-access";
import { BATCH_ACTIVITY } from "../lib/pipeline/adf-activities";
import { plannedDestroys } from "./plan";
import { DatapathPipeline } from "../lib/pipeline/datapath-pipeline";
import { problemsIn } from "../lib/core/validation";
import { adfRoundTrip, mlRoundTrip } from "./azure-models";
import { evaluate } from "./adf-expression";

type Res = Record<string, unknown>;
/** azapi resources and requests (asset versions are PUT requests) by logical id. */
const azapi = (json: TfJson): Record<string, Res> => ({ ...resourcesOf(json, "azapi_resource"), ...resourcesOf(json, "azapi_resource_action") });
const typeOf = (json: TfJson, id: string) => (id in resourcesOf(json, "azapi_resource_action") ? "azapi_resource_action" : "azapi_resource");
/** The azapi resource whose logical id is `prefix` (construct path joined by "_") plus the hash suffix. */
function byId(json: TfJson, prefix: string): Res {
  const hits = Object.entries(azapi(json)).filter(([id]) => id.replace(/_[0-9A-F]{8}$/, "") === prefix);
  if (hits.length !== 1) throw new Error(`expected one azapi resource ${prefix}, found ${hits.length}`);
  return hits[0][1];
}
const idOf = (json: TfJson, prefix: string) => {
  const id = Object.keys(azapi(json)).find((k) => k.replace(/_[0-9A-F]{8}$/, "") === prefix);
  return `\${${typeOf(json, id!)}.${id}.id}`;
};
/** An activity by name, at any depth (loop bodies, If branches). */
function findActivity<A extends { name: string; typeProperties: Record<string, unknown> }>(list: readonly A[], name: string): A {
  for (const a of list) {
    if (a.name === name) return a;
    for (const key of ["activities", "ifTrueActivities", "ifFalseActivities"]) {
      const inner = a.typeProperties?.[key] as A[] | undefined;
      const found = inner && findActivityOrUndefined(inner, name);
      if (found) return found;
    }
  }
  throw new Error(`no activity ${name}`);
}
const findActivityOrUndefined = <A extends { name: string; typeProperties: Record<string, unknown> }>(list: readonly A[], name: string): A | undefined => {
  try {
    return findActivity(list, name);
  } catch {
    return undefined;
  }
};
/** The name of the deployment the stack creates (the last segment of its resource id). */
const deploymentNameOf = (json: TfJson) => String(byId(json, "p_batch_deployment").resource_id).split("/").pop()!;
const spec = (r: Res) => (r.body as { properties: { componentSpec: Record<string, unknown> } }).properties.componentSpec;
const escaped = (s: string) => s.replace(/\$\{\{/g, () => "$${{");
/** The code container: the workspace's default datastore's, read at deploy time. */
const CONTAINER = /^\$\{data\.azapi_resource\.p_code-access_datastore_[0-9A-F]{8}\.output\.properties\.containerName\}$/;
const containerRef = (json: TfJson) => `\${data.azapi_resource.${Object.keys((json.data as Record<string, Record<string, unknown>>).azapi_resource)[0]}.output.properties.containerName}`;

describe("DatapathPipeline on AML v2", () => {
  const json = shared(() => synthJson(pipelineStack().stack));

  test("uploads each step's code into the workspace's default blob datastore, with content MD5 and no local paths", () => {
    const blobs = Object.values(resourcesOf(json(), "azurerm_storage_blob"));
    expect(blobs.map((b) => String(b.name).replace(/^LocalUpload\/[0-9a-f]{16}\//, "LocalUpload/<version>/")).sort()).toEqual([
      "LocalUpload/<version>/datapath-check/check_results.py",
      "LocalUpload/<version>/datapath-prepare/prepare.py",
      "LocalUpload/<version>/datapath-process/process.py",
    ]);
    for (const b of blobs) {
      const file = path.basename(String(b.name));
      const content = fs.readFileSync(path.join(DEFAULT_PIPELINE_DIR, file), "utf8");
      expect(b).toMatchObject({ storage_account_name: "stdemo", type: "Block", content_md5: md5Hex(content) });
      expect(String(b.storage_container_name)).toMatch(CONTAINER);
      expect(b).not.toHaveProperty("source");
      expect(unescapeTemplate(b.source_content)).toBe(content);
    }
    const codeVersion = byId(json(), "p_assets_prepare-code_version");
    const prepareBlob = blobs.find((b) => String(b.name).endsWith("/prepare.py"))!;
    expect(codeVersion).toMatchObject({ type: `Microsoft.MachineLearningServices/workspaces/codes/versions@${AML_API_VERSION}`, method: "PUT" });
    expect((codeVersion.body as { properties: { codeUri: string } }).properties.codeUri).toBe(
      `https://stdemo.blob.core.windows.net/${containerRef(json())}/${path.dirname(String(prepareBlob.name))}`,
    );
    expect(String(codeVersion.resource_id).split("/").pop()).toBe(String(prepareBlob.name).split("/")[1]);
    expect(codeVersion.depends_on).toEqual([expect.stringMatching(/^azurerm_storage_blob\.p_assets_prepare-code-preparepy_/)]);
  });

  test("the default datastore's container is read from the workspace, not guessed", () => {
    const data = (json().data as Record<string, Record<string, Res>>).azapi_resource;
    expect(Object.values(data)).toEqual([
      {
        type: `Microsoft.MachineLearningServices/workspaces/datastores@${AML_API_VERSION}`,
        name: "workspaceblobstore",
        parent_id: WS,
        response_export_values: ["properties.containerName"],
      },
    ]);
  });

  test("a blob endpoint given as a reference is trimmed in Terraform: no double slash in codeUri", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const endpoint = new TerraformVariable(stack, "endpoint", { type: "string" }).stringValue;
    new DatapathPipeline(stack, "p", pipelineProps({ blobEndpoint: endpoint }));
    const j = synthJson(stack);
    const codeUri = (byId(j, "p_assets_prepare-code_version").body as { properties: { codeUri: string } }).properties.codeUri;
    expect(codeUri.startsWith(`\${trimsuffix(var.endpoint, "/")}/${containerRef(j)}/LocalUpload/`)).toBe(true);
    expect(codeUri).toMatch(/\/datapath-prepare$/);
  });

  test("asset containers are children of the workspace; versions are PUT once, named by content hash, never deleted", () => {
    for (const [kind, name] of [["codes", "datapath-prepare"], ["codes", "datapath-process"], ["codes", "datapath-check"], ["environments", "datapath-env"], ["components", "datapath_prepare"], ["components", "datapath_process"], ["components", "datapath_check"], ["components", "datapath"]]) {
      const container = Object.values(resourcesOf(json(), "azapi_resource")).find((r) => r.name === name && String(r.type).startsWith(`Microsoft.MachineLearningServices/workspaces/${kind}@`));
      expect(container).toMatchObject({ parent_id: WS, type: `Microsoft.MachineLearningServices/workspaces/${kind}@2024-04-01` });
    }
    expect(Object.values(resourcesOf(json(), "azapi_resource")).filter((r) => String(r.type).includes("/versions@"))).toEqual([]);
    // Besides the eight versions, the only PUT action is the deployment (checked on its own below).
    const versions = Object.values(resourcesOf(json(), "azapi_resource_action")).filter((r) => String(r.type).includes("/versions@"));
    expect(versions).toHaveLength(8);
    expect(Object.keys(resourcesOf(json(), "azapi_resource_action"))).toHaveLength(9);
    for (const v of versions) {
      expect(v).toMatchObject({ method: "PUT", when: "apply" });
      expect(v.resource_id).toMatch(/^\$\{azapi_resource\..*container.*\.id\}\/versions\/[0-9a-f]{16}$/);
      expect(v).not.toHaveProperty("action");
      expect(v).not.toHaveProperty("lifecycle");
    }
  });

  test("the environment carries the conda file's content and a base image", () => {
    const env = byId(json(), "p_assets_environment_version");
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
    const prepare = byId(json(), "p_assets_prepare-component_version");
    const process = byId(json(), "p_assets_process-component_version");
    const pipeline = byId(json(), "p_assets_pipeline-component_version");
    const versionOf = (r: Res) => String(r.resource_id).split("/").pop();
    const codeRef = (step: string) => `azureml:${idOf(json(), `p_assets_${step}-code_version`)}`;
    const envRef = `azureml:${idOf(json(), "p_assets_environment_version")}`;

    // A data path names a folder, not its content: AML must never reuse an earlier run's outputs.
    expect(spec(prepare).is_deterministic).toBe(false);
    expect(spec(process).is_deterministic).toBe(false);
    expect(spec(prepare)).toMatchObject({
      name: "datapath_prepare",
      version: versionOf(prepare),
      type: "command",
      code: codeRef("prepare"),
      environment: envRef,
      command: escaped("python prepare.py --input_folder ${{inputs.input_datapath}} --work_list ${{outputs.work_list}} --max_files_per_item 1000 --max_bytes_per_item 1073741824"),
      inputs: { input_datapath: { type: "uri_folder", mode: "ro_mount" } },
      outputs: { work_list: { type: "uri_folder", mode: "rw_mount" } },
    });
    expect(spec(process)).toMatchObject({
      name: "datapath_process",
      version: versionOf(process),
      type: "parallel",
      input_data: escaped("${{inputs.work_list}}"),
      mini_batch_size: "1",
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
    expect(p).toMatchObject({ name: "datapath", version: versionOf(pipeline), type: "pipeline", inputs: { input_datapath: { type: "uri_folder" } } });
    // The parallel node carries the component's parallel settings, as azure-ai-ml's node builder sends them.
    const nodeSettings = Object.fromEntries(PARALLEL_NODE_KEYS.map((k) => [k, k === "mini_batch_size" ? Number(spec(process)[k]) : spec(process)[k]]));
    expect(nodeSettings.mini_batch_size).toBe(1);
    expect(p.jobs).toEqual({
      prepare: {
        name: "prepare",
        type: "command",
        componentId: idOf(json(), "p_assets_prepare-component_version"),
        inputs: { input_datapath: { job_input_type: "literal", value: escaped("${{parent.inputs.input_datapath}}") } },
      },
      process: {
        name: "process",
        type: "parallel",
        componentId: idOf(json(), "p_assets_process-component_version"),
        ...nodeSettings,
        inputs: {
          work_list: { job_input_type: "literal", value: escaped("${{parent.jobs.prepare.outputs.work_list}}") },
          input_root: { job_input_type: "literal", value: escaped("${{parent.inputs.input_datapath}}") },
        },
        outputs: { results: { value: escaped("${{parent.outputs.results}}"), type: "literal" } },
      },
      // Step 3 judges the rows of step 2 against the failed-file threshold, after every file was tried.
      check: {
        name: "check",
        type: "command",
        componentId: idOf(json(), "p_assets_check-component_version"),
        inputs: {
          results: { job_input_type: "literal", value: escaped("${{parent.jobs.process.outputs.results}}") },
          work_list: { job_input_type: "literal", value: escaped("${{parent.jobs.prepare.outputs.work_list}}") },
        },
      },
    });
    const check = byId(json(), "p_assets_check-component_version");
    expect(spec(check)).toMatchObject({
      name: "datapath_check",
      type: "command",
      is_deterministic: false,
      code: codeRef("check"),
      environment: envRef,
      command: escaped("python check_results.py --results ${{inputs.results}} --work_list ${{inputs.work_list}} --max_failed_files 0"),
      inputs: { results: { type: "uri_file", mode: "ro_mount" }, work_list: { type: "uri_folder", mode: "ro_mount" } },
    });
    // Every name matches the CLI's component name rule; default compute is not on the pipeline component.
    for (const c of [prepare, process, pipeline]) expect(spec(c).name).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(p).not.toHaveProperty("compute");
    expect(p).not.toHaveProperty("settings");
    // No unescaped AML binding reaches Terraform.
    expect(JSON.stringify(json())).not.toMatch(/[^$]\$\{\{/);
  });

  test("batch endpoint (AAD token) with a pipeline-component deployment made its default", () => {
    const endpoint = byId(json(), "p_batch_endpoint");
    expect(endpoint).toMatchObject({
      type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints@2024-04-01",
      name: "ep-demo",
      parent_id: WS,
      location: "westeurope",
      body: { properties: { authMode: "AADToken" } },
      response_export_values: ["properties.scoringUri"],
    });
    // A deployment per pipeline version, named after its content, created by a PUT Terraform never undoes.
    const deployment = byId(json(), "p_batch_deployment");
    const name = deploymentNameOf(json());
    expect(name).toMatch(/^pipeline-[0-9a-f]{12}$/);
    expect(deployment).toEqual({
      type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments@2024-04-01",
      resource_id: `${idOf(json(), "p_batch_endpoint")}/deployments/${name}`,
      method: "PUT",
      when: "apply",
      body: {
        location: "westeurope",
        tags: { pipeline: "datapath" },
        properties: {
          description: expect.stringMatching(/^Pipeline component revision [0-9a-f]{16}$/),
          deploymentConfiguration: {
            deploymentConfigurationType: "PipelineComponent",
            componentId: { referenceType: "Id", assetId: idOf(json(), "p_assets_pipeline-component_version") },
            settings: { default_compute: "cpu-demo", continue_on_step_failure: "false" },
          },
        },
      },
      retry: expect.any(Object),
    });
    // The default moves to it only once it exists.
    expect(single(json(), "azapi_update_resource")).toMatchObject({
      type: "Microsoft.MachineLearningServices/workspaces/batchEndpoints@2024-04-01",
      resource_id: idOf(json(), "p_batch_endpoint"),
      body: { properties: { defaults: { deploymentName: name } } },
      depends_on: [expect.stringMatching(/^azapi_resource_action\.p_batch_deployment_[0-9A-F]{8}$/)],
    });
  });

  test("the deployment that 0.2 updated in place is forgotten, never deleted (a removed block; Terraform >= 1.7)", () => {
    const address = Object.keys(resourcesOf(json(), "azapi_resource_action")).find((id) => id.startsWith("p_batch_deployment_"))!;
    expect((json() as { removed?: unknown }).removed).toEqual([{ from: `azapi_resource.${address}`, lifecycle: { destroy: false } }]);
    expect((json().terraform as { required_version?: string }).required_version).toBe(">= 1.7.0");
    // As the plan sees it: the old address leaves the state without a DELETE.
    const before = { ...json(), resource: { ...json().resource, azapi_resource: { ...resourcesOf(json(), "azapi_resource"), [address]: { type: "x/deployments@1", name: "pipeline" } } } } as TfJson;
    const plan = plannedDestroys(before, json());
    expect(plan.deletes).toEqual([]);
    expect(plan.forgotten.map((f) => f.address)).toEqual([`azapi_resource.${address}`]);
  });

  test("the deployment prefix and retention are checked", () => {
    const problems = problemsOf(() => pipelineStack({ deploymentNamePrefix: "a-very-long-prefix-xyz", deploymentRetention: 0 }).stack);
    expect(problems).toEqual([
      "test/p: deploymentRetention 0 must be an integer from 1 to 20",
      expect.stringMatching(/^test\/p: deploymentNamePrefix "a-very-long-prefix-xyz" must be 1-19 letters, digits or '-'/),
    ]);
    const json = synthJson(pipelineStack({ deploymentNamePrefix: "dp", deploymentRetention: 3 }).stack);
    expect(deploymentNameOf(json)).toMatch(/^dp-[0-9a-f]{12}$/);
  });

  test("request bodies pass Azure's REST-spec models", () => {
    // What azapi sends: the body, with location and tags from their own attributes.
    const body = (prefix: string) => {
      const r = byId(json(), prefix);
      return { ...(r.body as { properties: Res }), ...(r.location ? { location: r.location } : {}), ...(r.tags ? { tags: r.tags } : {}) };
    };
    for (const [prefix, model] of [
      ["p_assets_prepare-code_version", "CodeVersion"],
      ["p_assets_environment_version", "EnvironmentVersion"],
      ["p_assets_prepare-component_version", "ComponentVersion"],
      ["p_assets_process-component_version", "ComponentVersion"],
      ["p_assets_pipeline-component_version", "ComponentVersion"],
      ["p_batch_endpoint", "BatchEndpoint"],
      ["p_assets_prepare-code_container", "CodeContainer"],
      ["p_assets_environment_container", "EnvironmentContainer"],
      ["p_assets_pipeline-component_container", "ComponentContainer"],
    ] as const) {
      expect([prefix, mlRoundTrip(model, body(prefix))]).toEqual([prefix, body(prefix)]);
    }
    // The SDK's model (API 2022-10-01) predates deploymentConfiguration: it drops exactly that field and keeps the rest.
    const deployment = body("p_batch_deployment");
    const { deploymentConfiguration, ...rest } = deployment.properties;
    expect(deploymentConfiguration).toBeDefined();
    const back = mlRoundTrip("BatchDeployment", deployment) as { properties: Res };
    // It also fills in its client-side defaults for model deployments, which are not sent by azapi.
    const { errorThreshold, maxConcurrencyPerInstance, miniBatchSize, outputFileName, ...kept } = back.properties;
    expect([errorThreshold, maxConcurrencyPerInstance, miniBatchSize, outputFileName]).toEqual([-1, 1, 10, "predictions.csv"]);
    expect({ ...back, properties: kept }).toEqual({ ...deployment, properties: rest });
  });

  const grants = (j: TfJson) =>
    Object.entries(resourcesOf(j, "azurerm_role_assignment")).map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), r.role_definition_name, r.principal_id, r.scope, r.principal_type]).sort();

  test("grants on the code container: the deployer may upload (after the grant propagated), the cluster reads", () => {
    const container = `${SA}/blobServices/default/containers/${containerRef(json())}`;
    expect(grants(json()).filter(([id]) => String(id).startsWith("p_"))).toEqual([
      ["p_code-access_compute-reader", "Storage Blob Data Reader", CLUSTER_PRINCIPAL, container, "ServicePrincipal"],
      ["p_code-access_deployer-upload", "Storage Blob Data Contributor", expect.stringMatching(/^\$\{data\.azurerm_client_config\..*\.object_id\}$/), container, undefined],
    ]);
    // The upload waits for the grant to propagate; the wait reruns only when the grant is recreated.
    const sleep = single(json(), "time_sleep");
    const upload = Object.keys(resourcesOf(json(), "azurerm_role_assignment")).find((id) => id.startsWith("p_code-access_deployer-upload_"));
    expect(sleep).toMatchObject({ create_duration: ROLE_PROPAGATION_WAIT, triggers: { grant: `\${azurerm_role_assignment.${upload}.id}` } });
    for (const b of Object.values(resourcesOf(json(), "azurerm_storage_blob"))) {
      expect(b.depends_on).toEqual([expect.stringMatching(/^time_sleep\.p_code-access_deployer-upload-propagation_/)]);
    }
    expect(json().provider!.time).toBeDefined();
    expect(json().provider!.azapi).toBeDefined();
  });

  test("a run can read its data: the cluster and the factory read the input and write the output, the factory submits jobs; each held by its grantee", () => {
    const container = (name: string) => `${SA}/blobServices/default/containers/${name}`;
    expect(grants(json()).filter(([id]) => String(id).startsWith("platform-"))).toEqual([
      ["platform-cluster_input-reader-input-data", "Storage Blob Data Reader", CLUSTER_PRINCIPAL, container("input-data"), "ServicePrincipal"],
      ["platform-cluster_output-writer-output-data", "Storage Blob Data Contributor", CLUSTER_PRINCIPAL, container("output-data"), "ServicePrincipal"],
      ["platform-factory_input-reader-input-data", "Storage Blob Data Reader", FACTORY_PRINCIPAL, container("input-data"), "ServicePrincipal"],
      ["platform-factory_output-writer-output-data", "Storage Blob Data Contributor", FACTORY_PRINCIPAL, container("output-data"), "ServicePrincipal"],
      ["platform-factory_workspace-data-scientist-mlw-demo", "AzureML Data Scientist", FACTORY_PRINCIPAL, WS, "ServicePrincipal"],
    ]);
  });

  test("grantRunAccess: false grants nothing on data or workspace; a grant the stack made already is not made twice", () => {
    const off = new TerraformStack(Testing.app(), "off");
    new DatapathPipeline(off, "p", pipelineProps({ grantRunAccess: false }, off));
    expect(grants(synthJson(off)).filter(([id]) => !String(id).startsWith("p_code-access"))).toEqual([]);

    const twice = new TerraformStack(Testing.app(), "twice");
    const platform = platformIn(twice);
    platform.inputDatastore.grantRead(platform.cluster);
    platform.workspace.grantJobSubmit(platform.factory);
    new DatapathPipeline(twice, "p", pipelineProps({}, twice));
    const all = grants(synthJson(twice));
    expect(all.filter(([id]) => String(id).startsWith("platform-"))).toHaveLength(5);
    // No role is assigned twice on one scope to one principal (Azure refuses the second).
    const triples = all.map(([, role, principal, scope]) => `${role}|${principal}|${scope}`);
    expect(new Set(triples).size).toBe(triples.length);
  });

  test("ARM calls that follow new grants retry while the grant propagates (error codes only)", () => {
    for (const [id, r] of Object.entries(azapi(json()))) {
      if (String(r.type).includes("DataFactory")) continue;
      expect([id, r.retry]).toEqual([id, { error_message_regex: ["AuthorizationFailed", "LinkedAuthorizationFailed", "AuthorizationPermissionMismatch"], interval_seconds: 15, max_interval_seconds: 60 }]);
    }
  });
});

describe("the ADF pipeline", () => {
  type Activity = { name: string; type: string; typeProperties: Record<string, never> };
  test("batch-endpoint style: sent through azapi as its REST body; data path, datastore and poll interval are ordinary parameters", () => {
    const { stack, pipeline } = pipelineStack();
    const json = synthJson(stack);
    const { resource: adf, activities } = adfPipelineOf(json);
    expect(adf).toMatchObject({ type: "Microsoft.DataFactory/factories/pipelines@2018-06-01", name: "datapath", parent_id: ADF });
    const props = (adf.body as { properties: Res }).properties;
    expect(props).toMatchObject({
      concurrency: 4,
      parameters: {
        datastore_name: { type: "String", defaultValue: "input_data" },
        relative_path: { type: "String", defaultValue: "parquet/offerpath2" },
        poll_interval_seconds: { type: "String", defaultValue: "60" },
      },
      variables: { job_status: { type: "String", defaultValue: "NotStarted" }, poll_error: { type: "String", defaultValue: "" } },
      annotations: ["aml-datapath-pipeline"],
    });
    // No nulls anywhere: what is sent is what is read back.
    expect(JSON.stringify(adf.body)).not.toContain("null");
    const acts = activities as unknown as Activity[];
    expect(acts.map((a) => `${a.type}:${a.name}`)).toEqual([
      "IfCondition:Validate parameters",
      "WebActivity:Invoke batch endpoint",
      "Fail:Invoke failed",
      "Until:Wait for job",
      "WebActivity:Cancel job after wait failure",
      "Fail:Wait failed",
      "IfCondition:Check job result",
    ]);
    expect(adfRoundTrip("PipelineResource", { properties: { activities } })).toEqual({ properties: { activities } });
    const invoke = acts.find((a) => a.name === BATCH_ACTIVITY.invoke)!;
    const parameters = Object.fromEntries(Object.entries(props.parameters as Record<string, { defaultValue: string }>).map(([k, v]) => [k, v.defaultValue]));
    const body = evaluate((invoke.typeProperties.body as { value: string }).value, { parameters: { ...parameters, relative_path: "parquet/offerpath9" }, runId: "r1" });
    expect(JSON.parse(String(body)).properties.InputData.input_datapath.Uri).toBe("azureml://datastores/input_data/paths/parquet/offerpath9");
    // The POST goes to this pipeline's own endpoint and deployment; no integration runtime unless one is given.
    expect(invoke.typeProperties.url).toMatch(/^\$\{azapi_resource\.p_batch_endpoint_[0-9A-F]{8}\.output\.properties\.scoringUri\}$/);
    expect((invoke.typeProperties.headers as Record<string, string>)["azureml-model-deployment"]).toBe(deploymentNameOf(json));
    // The header switches to a new deployment only once it exists.
    expect(adf.depends_on).toEqual([expect.stringMatching(/^azapi_resource_action\.p_batch_deployment_[0-9A-F]{8}$/)]);
    expect(invoke.typeProperties).not.toHaveProperty("connectVia");
    expect(pipeline.invokeBodyExpression()).toBe((invoke.typeProperties.body as { value: string }).value);
    // The status and cancel calls go to this workspace's jobs API through ARM.
    for (const name of [BATCH_ACTIVITY.cancelAfterWaitFailure, BATCH_ACTIVITY.getStatus]) {
      const web = findActivity(acts, name);
      expect([name, (web.typeProperties.url as { value: string }).value]).toEqual([name, expect.stringContaining(`'https://management.azure.com${WS}/jobs/'`)]);
      expect([name, web.typeProperties.authentication]).toEqual([name, { type: "MSI", resource: "https://management.azure.com/" }]);
    }
  });

  test("with an integration runtime every Web activity runs on it (private profile)", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const factory = DataFactory.fromAttributes(stack, "adf", { dataFactoryId: ADF, principalId: FACTORY_PRINCIPAL, integrationRuntimeName: "ManagedVnetIR" });
    new DatapathPipeline(stack, "p", { ...pipelineProps({}, stack), factory });
    const { activities } = adfPipelineOf(synthJson(stack));
    const ref = { referenceName: "ManagedVnetIR", type: "IntegrationRuntimeReference" };
    const web: Res[] = [];
    const walk = (list: Res[]) =>
      list.forEach((a) => {
        if (a.type === "WebActivity") web.push(a);
        const tp = (a.typeProperties ?? {}) as Record<string, Res[] | undefined>;
        ["activities", "ifTrueActivities"].forEach((k) => tp[k] && walk(tp[k]!));
      });
    walk(activities);
    expect(web).toHaveLength(4);
    for (const a of web) expect((a.typeProperties as Res).connectVia).toEqual(ref);
    expect(adfRoundTrip("PipelineResource", { properties: { activities } })).toEqual({ properties: { activities } });
  });

  test("classic style (legacy): only the ADF pipeline with an AzureMLExecutePipeline activity; no v2 endpoint, assets or uploads", () => {
    const { stack, pipeline } = pipelineStack({
      invocation: { style: "classicPipelineEndpoint", pipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f" },
    });
    const json = synthJson(stack);
    const { resource: adf, activities } = adfPipelineOf(json);
    const props = (adf.body as { properties: Res }).properties;
    expect(props.parameters).toEqual({ datastore_name: { type: "String", defaultValue: "input_data" }, relative_path: { type: "String", defaultValue: "parquet/offerpath2" } });
    expect(props).not.toHaveProperty("variables");
    // Nothing of AML v2 is deployed: nothing would invoke it.
    expect(Object.values(resourcesOf(json, "azapi_resource")).map((r) => r.type)).toEqual(["Microsoft.DataFactory/factories/pipelines@2018-06-01"]);
    for (const t of ["azapi_resource_action", "azapi_update_resource", "azurerm_storage_blob", "time_sleep"]) expect([t, resourcesOf(json, t)]).toEqual([t, {}]);
    // No code store: the only grants are the run's access to its data and workspace.
    expect(Object.keys(resourcesOf(json, "azurerm_role_assignment")).filter((id) => !id.startsWith("platform-"))).toEqual([]);
    expect(json.data ?? {}).toEqual({});
    expect([pipeline.batchEndpoint, pipeline.assets, pipeline.scoringUri]).toEqual([undefined, undefined, undefined]);
    const run = activities[1];
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

  test("schedule and blob-created triggers pass the data path to this pipeline, created after it", () => {
    const { stack } = pipelineStack({
      scheduleTrigger: { frequency: "Day", interval: 1, relativePath: "parquet/daily", startTime: "2026-12-01T05:00:00Z" },
      blobTrigger: { storageAccountId: SA, containerName: "input-data", pathPrefix: "parquet" },
    });
    const json = synthJson(stack);
    const adfName = `\${${adfPipelineOf(json).address}.name}`;
    expect(single(json, "azurerm_data_factory_trigger_schedule")).toMatchObject({
      frequency: "Day",
      interval: 1,
      start_time: "2026-12-01T05:00:00Z",
      time_zone: "UTC",
      activated: true,
      pipeline: [{ name: adfName, parameters: { relative_path: "parquet/daily", datastore_name: "input_data" } }],
    });
    expect(single(json, "azurerm_data_factory_trigger_blob_event")).toMatchObject({
      storage_account_id: SA,
      events: ["Microsoft.Storage.BlobCreated"],
      blob_path_begins_with: "/input-data/blobs/parquet/",
      blob_path_ends_with: "/_SUCCESS",
      pipeline: [{ name: adfName, parameters: { datastore_name: "input_data", relative_path: "@substring(triggerBody().folderPath, 11, sub(length(triggerBody().folderPath), 11))" } }],
    });
  });
});

describe("addOutputs", () => {
  test("the outputs DatapathStack has, named with a prefix per pipeline; a clash is reported, not merged", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const platform = platformIn(stack);
    const offers = new DatapathPipeline(stack, "offers", { ...platform, name: "offers", endpointName: "ep-offers", defaultRelativePath: "parquet/offers" });
    const clicks = new DatapathPipeline(stack, "clicks", { ...platform, name: "clicks", endpointName: "ep-clicks", defaultRelativePath: "events", invocation: { style: "classicPipelineEndpoint", pipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f" } });
    expect(Object.keys(offers.addOutputs()).sort()).toEqual(["adf_pipeline_name", "batch_deployment_name", "batch_deployment_retention", "batch_endpoint_name", "batch_endpoint_scoring_uri", "invoke_body_template", "start_run_command"]);
    // The classic style has no endpoint: only the ADF pipeline's name and the start-run command.
    expect(Object.keys(clicks.addOutputs("clicks_")).sort()).toEqual(["adf_pipeline_name", "start_run_command"]);
    const outputs = synthJson(stack).output!;
    expect(Object.keys(outputs).filter((k) => !k.startsWith("aml_datapath_")).sort()).toEqual([
      "adf_pipeline_name",
      "batch_deployment_name",
      "batch_deployment_retention",
      "batch_endpoint_name",
      "batch_endpoint_scoring_uri",
      "clicks_adf_pipeline_name",
      "clicks_start_run_command",
      "invoke_body_template",
      "start_run_command",
    ]);
    const clicksAdf = Object.keys(resourcesOf(synthJson(stack), "azapi_resource")).find((id) => id.startsWith("clicks_adf_pipeline_"));
    expect(outputs.clicks_start_run_command.value).toBe(
      `az datafactory pipeline create-run --resource-group rg-ml --factory-name adf-demo --name \${azapi_resource.${clicksAdf}.name} --parameters '{"datastore_name":"input_data","relative_path":"events"}'`,
    );
    expect(problemsOf(() => (clicks.addOutputs(), clicks))).toEqual([
      `test/clicks: addOutputs(prefix) "" names outputs the stack has already (adf_pipeline_name, start_run_command): give each pipeline its own prefix`,
    ]);
  });
});

describe("work items and the failed-file threshold", () => {
  test("the props flow into the prepare and check command lines", () => {
    const json = synthJson(pipelineStack({ workItems: { maxFilesPerItem: 500, maxBytesPerItem: 2 ** 20, maxFailedFiles: 3 } }).stack);
    expect(String(spec(byId(json, "p_assets_prepare-component_version")).command)).toMatch(/ --max_files_per_item 500 --max_bytes_per_item 1048576$/);
    expect(String(spec(byId(json, "p_assets_check-component_version")).command)).toMatch(/ --max_failed_files 3$/);
  });

  test("bad values are reported with the others", () => {
    expect(problemsOf(() => pipelineStack({ workItems: { maxFilesPerItem: 0, maxBytesPerItem: 1.5, maxFailedFiles: -1 } }).stack)).toEqual([
      `test/p: workItems.maxFilesPerItem 0 must be an integer from 1 to 1000000`,
      `test/p: workItems.maxBytesPerItem 1.5 must be an integer from 1 to ${1024 ** 4}`,
      `test/p: workItems.maxFailedFiles -1 must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`,
    ]);
  });
});

describe("versions follow content", () => {
  const all = (json: TfJson) => Object.fromEntries(Object.entries(azapi(json)).map(([id, r]) => [id.replace(/_[0-9A-F]{8}$/, ""), JSON.stringify(r)]));
  const changedKeys = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).filter((k) => a[k] !== b[k]).sort();
  const withProcess = (dir: string) => synthJson(pipelineStack({ processStep: { directory: dir, script: "process.py" } }).stack);

  test("unchanged input synthesizes byte-identical JSON", () => {
    expect(Testing.synth(pipelineStack().stack)).toBe(Testing.synth(pipelineStack().stack));
  });

  test("changing process.py creates new process versions and a new deployment; the default and the ADF header move to it", () => {
    const dir = copyOfPipelineDir();
    const base = withProcess(dir);
    fs.appendFileSync(path.join(dir, "process.py"), "\n# a change\n");
    const changed = withProcess(dir);
    fs.rmSync(dir, { recursive: true, force: true });

    const a = all(base);
    const b = all(changed);
    expect(Object.keys(b)).toEqual(Object.keys(a)); // same Terraform addresses
    expect(changedKeys(a, b)).toEqual(["p_adf_pipeline", "p_assets_pipeline-component_version", "p_assets_process-code_version", "p_assets_process-component_version", "p_batch_deployment"]);
    // A new deployment under a new name; no deployment's body changes under its old name.
    const [before, after] = [deploymentNameOf(base), deploymentNameOf(changed)];
    expect(after).not.toBe(before);
    const deployment = (j: TfJson) => byId(j, "p_batch_deployment");
    expect(String(deployment(changed).resource_id)).toBe(String(deployment(base).resource_id).replace(before, after));
    expect(plannedDestroys(base, changed).forgotten.map((f) => f.address)).toContain(`azapi_resource_action.${Object.keys(resourcesOf(base, "azapi_resource_action")).find((k) => k.startsWith("p_batch_deployment_"))}`);
    // The endpoint's default and the invoke header name the new deployment, and switch after it exists.
    const update = single(changed, "azapi_update_resource");
    expect((update.body as { properties: { defaults: { deploymentName: string } } }).properties.defaults.deploymentName).toBe(after);
    expect(update.depends_on).toEqual([`azapi_resource_action.${Object.keys(resourcesOf(changed, "azapi_resource_action")).find((k) => k.startsWith("p_batch_deployment_"))}`]);
    const header = (j: TfJson) => (findActivity(adfPipelineOf(j).activities as never[], BATCH_ACTIVITY.invoke) as { typeProperties: { headers: Record<string, string> } }).typeProperties.headers["azureml-model-deployment"];
    expect([header(base), header(changed)]).toEqual([before, after]);
    // The ADF pipeline differs by the header alone.
    expect(JSON.stringify(adfPipelineOf(changed).resource).split(after).join(before)).toBe(JSON.stringify(adfPipelineOf(base).resource));
    // Unrelated resources are untouched: blobs of prepare, grants, the wait.
    for (const t of ["time_sleep", "azurerm_role_assignment"]) expect(resourcesOf(changed, t)).toEqual(resourcesOf(base, t));
    const prepareBlobs = (j: TfJson) => Object.values(resourcesOf(j, "azurerm_storage_blob")).filter((x) => String(x.name).includes("-prepare/"));
    expect(prepareBlobs(changed)).toEqual(prepareBlobs(base));
  });

  test("going back to the earlier code re-uses the earlier deployment's name and body", () => {
    const dir = copyOfPipelineDir();
    const original = fs.readFileSync(path.join(dir, "process.py"), "utf8");
    const first = withProcess(dir);
    fs.appendFileSync(path.join(dir, "process.py"), "\n# a change\n");
    withProcess(dir);
    fs.writeFileSync(path.join(dir, "process.py"), original);
    const back = withProcess(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(byId(back, "p_batch_deployment")).toEqual(byId(first, "p_batch_deployment"));
  });

  test("a code change applies without deleting any asset version: old versions stay for past jobs", () => {
    const dir = copyOfPipelineDir();
    const base = withProcess(dir);
    fs.appendFileSync(path.join(dir, "process.py"), "\n# another change\n");
    const changed = withProcess(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    const plan = plannedDestroys(base, changed);
    // Every replaced version is a PUT request Terraform only forgets: it sends no DELETE.
    expect(plan.deletes.filter((d) => /\/versions@/.test(d.armType))).toEqual([]);
    expect(plan.forgotten.map((d) => d.address.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual([
      "azapi_resource_action.p_assets_pipeline-component_version",
      "azapi_resource_action.p_assets_process-code_version",
      "azapi_resource_action.p_assets_process-component_version",
      // The earlier deployment stays too: a job running on it keeps running.
      "azapi_resource_action.p_batch_deployment",
    ]);
    expect(plan.deletes.filter((d) => /\/deployments@/.test(d.armType))).toEqual([]);
    // What is deleted: only the old upload of the changed file, after its replacement exists (see docs/deploy-assumptions.md).
    expect(plan.deletes.map((d) => d.address.replace(/_[0-9A-F]{8}$/, ""))).toEqual(["azurerm_storage_blob.p_assets_process-code-processpy"]);
    const blob = Object.values(resourcesOf(changed, "azurerm_storage_blob")).find((b) => String(b.name).endsWith("/process.py"))!;
    expect(blob.lifecycle).toEqual({ create_before_destroy: true });
  });

  test("changing the conda file changes the environment and everything built on it, not the code", () => {
    const dir = copyOfPipelineDir();
    const base = all(synthJson(pipelineStack({ condaFile: path.join(dir, "conda.yaml") }).stack));
    fs.appendFileSync(path.join(dir, "conda.yaml"), "# pinned again\n");
    const changed = all(synthJson(pipelineStack({ condaFile: path.join(dir, "conda.yaml") }).stack));
    fs.rmSync(dir, { recursive: true, force: true });
    expect(changedKeys(base, changed)).toEqual([
      "p_adf_pipeline", // the invoke header names the new deployment
      "p_assets_check-component_version",
      "p_assets_environment_version",
      "p_assets_pipeline-component_version",
      "p_assets_prepare-component_version",
      "p_assets_process-component_version",
      "p_batch_deployment",
    ]);
  });

  test("changing a parallel setting changes the process component, not the code", () => {
    const base = all(synthJson(pipelineStack().stack));
    const changed = all(synthJson(pipelineStack({ parallel: { miniBatchSize: 50 } }).stack));
    expect(changedKeys(base, changed)).toEqual(["p_adf_pipeline", "p_assets_pipeline-component_version", "p_assets_process-component_version", "p_batch_deployment"]);
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
          parallel: { miniBatchSize: 0, errorThreshold: -2, miniBatchErrorThreshold: -5, instanceCount: 5, maxRetries: -1, loggingLevel: "TRACE" as never },
          invocation: { style: "batchEndpoint", pollIntervalSeconds: 1, jobTimeout: "12h" },
          scheduleTrigger: { frequency: "Hourly" as never, interval: 0, relativePath: "/abs" },
        }),
      ),
    ).toEqual([
      // The settings an environment config shares with the construct (validatePipelineSettings) first, then the construct's own.
      `test/bad: name "Data-Path" must be 2-30 lowercase letters, digits or '_', starting with a letter`,
      `test/bad: invocation.pollIntervalSeconds 1 must be an integer from 10 to 3600`,
      `test/bad: invocation.jobTimeout "12h" must be a duration "d.hh:mm:ss" of at most 99 days`,
      `test/bad: parallel.miniBatchSize 0 must be an integer from 1 to 100000`,
      `test/bad: parallel.maxRetries -1 must be an integer from 0 to 100`,
      `test/bad: parallel.errorThreshold -2 must be an integer from -1 to ${Number.MAX_SAFE_INTEGER}`,
      `test/bad: parallel.miniBatchErrorThreshold -5 must be an integer from -1 to ${Number.MAX_SAFE_INTEGER}`,
      `test/bad: parallel.loggingLevel "TRACE" must be one of "INFO", "WARNING", "DEBUG"`,
      `test/bad: endpointName "1ep" must be 3-32 letters, digits or '-', starting with a letter and ending with a letter or digit`,
      `test/bad: defaultRelativePath "../etc" must not contain '.' or '..' segments`,
      `test/bad: scheduleTrigger.frequency "Hourly" must be one of "Minute", "Hour", "Day", "Week", "Month"`,
      `test/bad: scheduleTrigger.interval 0 must be an integer from 1 to 1000`,
      `test/bad: scheduleTrigger.relativePath "/abs" must be relative to the datastore root (no leading '/', drive letter or scheme)`,
      `test/bad: parallel.instanceCount 5 must not exceed the cluster's maxNodes (4)`,
    ]);
  });

  test("the platform must be constructs; the flat props of 0.2 say what replaced them", () => {
    const stack = new TerraformStack(Testing.app(), "test");
    const { inputDatastore } = platformIn(stack);
    const props = { ...pipelineProps({}, stack), workspace: { workspaceId: WS } as never, cluster: "cpu-demo" as never, factory: undefined as never, outputDatastore: inputDatastore };
    expect(problemsOf(() => new DatapathPipeline(stack, "bad", { ...props, dataFactoryId: ADF, inputDatastoreName: "input_data" } as never))).toEqual([
      `test/bad: workspace {"workspaceId":"${WS}"} must be a workspace: an MlWorkspace, or MlWorkspace.fromAttributes(scope, id, { workspaceId, location, storageAccountId })`,
      `test/bad: cluster "cpu-demo" must be a compute cluster: a ComputeCluster, or ComputeCluster.fromAttributes(scope, id, { clusterId, principalId })`,
      `test/bad: factory (missing) must be a data factory: a DataFactory, or DataFactory.fromAttributes(scope, id, { dataFactoryId, principalId })`,
      `test/bad: outputDatastore "input_data" must differ from inputDatastore, in name and container (a run's output never goes into its input)`,
      `test/bad: dataFactoryId "${ADF}" is no longer taken (0.3): give factory`,
      `test/bad: inputDatastoreName "input_data" is no longer taken (0.3): give inputDatastore`,
    ]);
  });

  test("classic style without a pipeline endpoint id", () => {
    expect(problemsOf(build({ invocation: { style: "classicPipelineEndpoint", pipelineEndpointId: "" } }))).toEqual([
      `test/bad: invocation.pipelineEndpointId "" must be the GUID of an AML v1 published pipeline endpoint`,
    ]);
  });

  test("classic style: every optional setting is checked, each by its own rule", () => {
    const invocation = { style: "classicPipelineEndpoint" as const, pipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f", timeout: "100.00:00:00", dataPathParameterName: "data-path", experimentName: "-x" };
    expect(problemsOf(build({ invocation }))).toEqual([
      `test/bad: invocation.timeout "100.00:00:00" must be a duration "d.hh:mm:ss" of at most 99 days`,
      `test/bad: invocation.dataPathParameterName "data-path" must be a pipeline parameter name (letters, digits, '_')`,
      `test/bad: invocation.experimentName "-x" must be 1-255 letters, digits, '_' or '-'`,
    ]);
    const good = build({ invocation: { ...invocation, timeout: "99.23:59:59", dataPathParameterName: "data_path", experimentName: "x" } })();
    expect(problemsIn(good.node.root)).toEqual([]);
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
      `test/bad: prepareStep.files[1] "../secrets.py" must be relative to the step's directory, without '..'`,
    ]);
  });
});
