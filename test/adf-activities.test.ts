import type { ActivityUnion } from "@azure/arm-datafactory";
import {
  batchEndpointActivities,
  classicPipelineActivities,
  invalidParametersExpression,
  invokeBodyExpression,
  toWire,
  WireActivity,
} from "../lib/adf-activities";
import { folderWithoutContainer } from "../lib/datapath-pipeline";
import { evaluate } from "./adf-expression";
import { adfRoundTrip } from "./azure-models";
import * as Mappers from "@azure/arm-datafactory/dist-esm/src/models/mappers";
import { createSerializer, CompositeMapper } from "@azure/core-client";

const options = {
  scoringUri: "https://ep.westeurope.inference.ml.azure.com/jobs",
  inputName: "input_datapath",
  outputName: "results",
  outputPrefix: "runs/datapath",
  outputFileName: "results.jsonl",
  jobTimeout: "0.12:00:00",
  outputDatastore: "output_data",
  allowedDatastores: ["input_data", "landing"],
};
const params = (relative_path: string, datastore_name = "input_data") => ({
  parameters: { relative_path, datastore_name, poll_interval_seconds: "60" },
  runId: "0b7c6e5e-run",
});

describe("invoke body", () => {
  test("the data path parameters become the job's input URI; each run gets its own output", () => {
    const body = JSON.parse(evaluate(invokeBodyExpression(options), params("parquet/offerpath2")) as string);
    expect(body).toEqual({
      properties: {
        InputData: { input_datapath: { JobInputType: "UriFolder", Uri: "azureml://datastores/input_data/paths/parquet/offerpath2" } },
        OutputData: {
          results: { JobOutputType: "UriFile", Uri: "azureml://datastores/output_data/paths/runs/datapath/0b7c6e5e-run/results.jsonl" },
        },
      },
    });
  });

  test.each([
    'a"},"OutputData":{"x":{"Uri":"evil',
    "back\\slash\\",
    'mixed \\" quote',
    "it's here",
    "folder with spaces/2026",
  ])("a hostile or odd relative_path %j stays inside its JSON string", (path) => {
    const text = evaluate(invokeBodyExpression(options), params(path)) as string;
    const body = JSON.parse(text);
    expect(body.properties.InputData.input_datapath.Uri).toBe(`azureml://datastores/input_data/paths/${path}`);
    expect(Object.keys(body.properties.OutputData)).toEqual(["results"]);
  });

  test("the expression escapes backslash before quote (the order matters)", () => {
    // Text of the escaping, as ADF reads it: replace \ by \\ first, then " by \".
    expect(invokeBodyExpression(options)).toContain(
      `replace(replace(pipeline().parameters.relative_path, '\\', '\\\\'), '"', '\\"')`,
    );
  });
});

describe("parameter validation activity", () => {
  const rejects = (relative_path: string, datastore_name = "input_data") =>
    evaluate(invalidParametersExpression(["input_data", "landing"]), params(relative_path, datastore_name));

  test.each(["parquet/offerpath2", "a", "folder with spaces/x", "2026/11/25/", "x..y/z"])("accepts %j", (p) => {
    expect(rejects(p)).toBe(false);
  });
  test.each(["", "  ", "/abs", "a/../b", "..", "./a", "a/.", "a//b", "a\\b", 'a"b', "a'b"])("rejects %j", (p) => {
    expect(rejects(p)).toBe(true);
  });
  test.each(["", "a/b", 'x"', "x\\y", "x'y", "workspaceblobstore", "input_data "])("rejects datastore %j", (d) => {
    expect(rejects("ok", d)).toBe(true);
  });
  test("accepts each allowed datastore", () => {
    expect([rejects("ok", "input_data"), rejects("ok", "landing")]).toEqual([false, false]);
  });
});

describe("batch endpoint activities", () => {
  const activities = batchEndpointActivities(options);
  const wire = activities.map(toWire);

  test("validate, invoke, wait, verdict in order, each depending on the previous", () => {
    expect(wire.map((a) => [a.name, a.type, (a.dependsOn as { activity: string }[] | undefined)?.[0]?.activity])).toEqual([
      ["Validate parameters", "IfCondition", undefined],
      ["Invoke batch endpoint", "WebActivity", "Validate parameters"],
      ["Wait for job", "Until", "Invoke batch endpoint"],
      ["Check job result", "IfCondition", "Wait for job"],
    ]);
  });

  test("invoke and poll use the factory's managed identity for ml.azure.com; the POST is never retried", () => {
    const tp = (a: WireActivity) => a.typeProperties as Record<string, unknown>;
    expect(tp(wire[1])).toMatchObject({ method: "POST", url: options.scoringUri, authentication: { type: "MSI", resource: "https://ml.azure.com" } });
    expect(wire[1].policy).toMatchObject({ retry: 0, timeout: "0.00:10:00" });
    const inner = tp(wire[2]).activities as WireActivity[];
    expect(inner.map((a) => a.type)).toEqual(["Wait", "WebActivity", "SetVariable"]);
    expect(tp(inner[1])).toMatchObject({ method: "GET", authentication: { type: "MSI", resource: "https://ml.azure.com" } });
    const url = evaluate((tp(inner[1]).url as { value: string }).value, { activityOutputs: { "Invoke batch endpoint": { name: "job-123" } } });
    expect(url).toBe(`${options.scoringUri}/job-123`);
    expect(tp(wire[2]).timeout).toBe("0.12:00:00");
  });

  test.each([
    ["Running", false],
    ["Completed", true],
    ["Failed", true],
    ["Canceled", true],
    ["NotResponding", true],
  ])("the wait loop ends on %s: %s", (status, ends) => {
    const tp = wire[2].typeProperties as { expression: { value: string } };
    expect(evaluate(tp.expression.value, { variables: { job_status: status } })).toBe(ends);
  });

  test.each([
    ["Completed", false],
    ["Failed", true],
    ["Canceled", true],
  ])("job status %s fails the ADF run: %s, naming job and status", (status, fails) => {
    const tp = wire[3].typeProperties as { expression: { value: string }; ifTrueActivities: WireActivity[] };
    const ctx = { variables: { job_status: status }, activityOutputs: { "Invoke batch endpoint": { name: "job-9" } } };
    expect(evaluate(tp.expression.value, ctx)).toBe(fails);
    const failActivity = tp.ifTrueActivities[0];
    expect(failActivity.type).toBe("Fail");
    const message = (failActivity.typeProperties as { message: { value: string } }).message.value;
    expect(evaluate(message, ctx)).toBe(`AML job job-9 ended with status ${status}`);
  });

  test("passes Azure's REST-spec model: no unknown, misspelled or mistyped field", () => {
    const doc = { properties: { activities: wire } };
    expect(adfRoundTrip("PipelineResource", doc)).toEqual(doc);
  });

  test("the wire JSON deserializes to exactly the SDK models it was built from", () => {
    const serializer = createSerializer(Mappers as unknown as { [k: string]: CompositeMapper }, false);
    const back = serializer.deserialize(Mappers.PipelineResource, { properties: { activities: wire } }, "wire") as { activities: ActivityUnion[] };
    expect(back.activities).toEqual(activities);
  });
});

describe("classic pipeline endpoint activity", () => {
  const wire = classicPipelineActivities({
    linkedServiceName: "AzureMLService",
    pipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f",
    pipelineVersion: "3",
    experimentName: "datapath",
    dataPathParameterName: "input_datapath",
    pipelineParameters: { mode: "full" },
    timeout: "0.06:00:00",
    allowedDatastores: ["input_data"],
  }).map(toWire);

  test("dataPathAssignments come from the ADF parameters, one expression per value", () => {
    const run = wire[1];
    expect(run).toMatchObject({
      type: "AzureMLExecutePipeline",
      linkedServiceName: { referenceName: "AzureMLService", type: "LinkedServiceReference" },
      dependsOn: [{ activity: "Validate parameters", dependencyConditions: ["Succeeded"] }],
    });
    const tp = run.typeProperties as Record<string, unknown>;
    expect(tp).toMatchObject({ mlPipelineEndpointId: "7e5c1c1c-6f0e-4b8e-9a47-0a0b0c0d0e0f", version: "3", experimentName: "datapath", mlPipelineParameters: { mode: "full" } });
    const dpa = tp.dataPathAssignments as Record<string, { DataStoreName: { value: string }; RelativePath: { value: string } }>;
    const ctx = params('odd "path"\\x');
    expect(Object.keys(dpa)).toEqual(["input_datapath"]);
    // ADF substitutes each value whole: even quotes and backslashes arrive unchanged, no JSON is built from text.
    expect(evaluate(dpa.input_datapath.DataStoreName.value, ctx)).toBe("input_data");
    expect(evaluate(dpa.input_datapath.RelativePath.value, ctx)).toBe('odd "path"\\x');
  });

  test("passes Azure's REST-spec model", () => {
    const doc = { properties: { activities: wire } };
    expect(adfRoundTrip("PipelineResource", doc)).toEqual(doc);
  });
});

describe("blob trigger folder expression", () => {
  test.each([
    ["input-data/parquet/offerpath2", "parquet/offerpath2"],
    ["input-data/parquet/input-data/x", "parquet/input-data/x"],
  ])("%s -> %s", (folderPath, expected) => {
    expect(evaluate(folderWithoutContainer("input-data"), { triggerBody: { folderPath } })).toBe(expected);
  });
});
