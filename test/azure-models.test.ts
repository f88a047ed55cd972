import { adfRoundTrip, mlRoundTrip } from "./azure-models";

// The checks other tests rely on must be able to fail.
describe("Azure SDK model round trip", () => {
  const pipeline = (typeProperties: object) => ({
    properties: { activities: [{ name: "Run", type: "AzureMLExecutePipeline", linkedServiceName: { referenceName: "ls", type: "LinkedServiceReference" }, typeProperties }] },
  });

  test("keeps a correct AzureMLExecutePipeline activity", () => {
    const wire = pipeline({ mlPipelineEndpointId: "e", dataPathAssignments: { input_datapath: { DataStoreName: "d", RelativePath: "p" } } });
    expect(adfRoundTrip("PipelineResource", wire)).toEqual(wire);
  });

  test("drops a misspelled field, so the comparison fails", () => {
    const wire = pipeline({ mlPipelineEndpointId: "e", dataPathAssignment: {} });
    expect(adfRoundTrip("PipelineResource", wire)).not.toEqual(wire);
  });

  test("throws on a mistyped field", () => {
    const wire = { properties: { activities: [{ name: "W", type: "Wait", typeProperties: { waitTimeInSeconds: 1 } }], concurrency: "two" } };
    expect(() => adfRoundTrip("PipelineResource", wire)).toThrow(/concurrency/);
  });

  test("ML models: a code version keeps codeUri and drops an unknown field", () => {
    const ok = { properties: { codeUri: "https://a.blob.core.windows.net/c/f", isAnonymous: false, isArchived: false } };
    expect(mlRoundTrip("CodeVersion", ok)).toEqual(ok);
    const bad = { properties: { codeURI: "https://a.blob.core.windows.net/c/f" } };
    expect(mlRoundTrip("CodeVersion", bad)).not.toEqual(bad);
  });
});
