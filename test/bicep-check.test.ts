import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  BicepTypes,
  Finding,
  formatPath,
  parseTerraformString,
  unescapeTerraformString,
  validateResourceBody,
  validateValue,
} from "./bicep-types";
import { run } from "../scripts/check-azapi-bodies";

/**
 * A small hand-written types.json in the Bicep format (not a copy of Azure's): one writable resource type
 * Test.Rp/pipelines@2020-01-01 whose properties exercise every rule, and a read-only resource type.
 */
const ref = (n: number) => ({ $ref: `#/${n}` });
const R = 1; // Required
const RO = 2; // ReadOnly
const WO = 4; // WriteOnly
const DTC = 8; // DeployTimeConstant
const FIXTURE: unknown[] = [
  /* 0 */ { $type: "StringType" },
  /* 1 */ { $type: "IntegerType", minValue: 1, maxValue: 10 },
  /* 2 */ { $type: "BooleanType" },
  /* 3 */ { $type: "AnyType" },
  /* 4 */ { $type: "StringLiteralType", value: "Test.Rp/pipelines" },
  /* 5 */ { $type: "StringType", pattern: "^[a-z][a-z0-9-]{0,9}$" },
  /* 6 */ { $type: "StringLiteralType", value: "Wait" },
  /* 7 */ { $type: "StringLiteralType", value: "Web" },
  /* 8 */ { $type: "StringLiteralType", value: "GET" },
  /* 9 */ { $type: "StringLiteralType", value: "POST" },
  /* 10 */ { $type: "UnionType", elements: [ref(8), ref(9)] },
  /* 11 */ { $type: "ObjectType", name: "WaitProps", properties: { seconds: { type: ref(1), flags: R } } },
  /* 12 */ {
    $type: "ObjectType",
    name: "WaitActivity",
    properties: { type: { type: ref(6), flags: R }, typeProperties: { type: ref(11), flags: R } },
  },
  /* 13 */ {
    $type: "ObjectType",
    name: "WebProps",
    properties: {
      method: { type: ref(10), flags: R },
      url: { type: ref(0), flags: R },
      timeout: { type: ref(3), flags: 0 },
      headers: { type: ref(14), flags: 0 },
      password: { type: ref(0), flags: WO },
    },
  },
  /* 14 */ { $type: "ObjectType", name: "StringMap", properties: {}, additionalProperties: ref(0) },
  /* 15 */ {
    $type: "ObjectType",
    name: "WebActivity",
    properties: { type: { type: ref(7), flags: R }, typeProperties: { type: ref(13), flags: R } },
  },
  /* 16 */ {
    $type: "DiscriminatedObjectType",
    name: "Activity",
    discriminator: "type",
    baseProperties: {
      name: { type: ref(0), flags: R },
      description: { type: ref(0), flags: 0 },
      runId: { type: ref(0), flags: RO },
    },
    elements: { Wait: ref(12), Web: ref(15) },
  },
  /* 17 */ { $type: "ArrayType", itemType: ref(16) },
  /* 18 */ { $type: "ArrayType", itemType: ref(0), minLength: 1, maxLength: 3 },
  /* 19 */ { $type: "ArrayType", itemType: ref(34) },
  /* 20 */ {
    $type: "ObjectType",
    name: "PipelineProperties",
    properties: {
      activities: { type: ref(17), flags: R },
      labels: { type: ref(18), flags: 0 },
      matrix: { type: ref(19), flags: 0 },
      enabled: { type: ref(2), flags: 0 },
      concurrency: { type: ref(1), flags: 0 },
      provisioningState: { type: ref(0), flags: RO },
      code: { type: ref(21), flags: 0 },
      extra: { type: ref(3), flags: 0 },
      osType: { type: ref(22), flags: 0 },
      choice: { type: ref(30), flags: 0 },
    },
  },
  /* 21 */ { $type: "StringType", minLength: 2, maxLength: 5 },
  /* 22 */ { $type: "UnionType", elements: [ref(23), ref(24), ref(0)] },
  /* 23 */ { $type: "StringLiteralType", value: "Linux" },
  /* 24 */ { $type: "StringLiteralType", value: "Windows" },
  /* 25 */ {
    $type: "ObjectType",
    name: "Test.Rp/pipelines",
    properties: {
      id: { type: ref(0), flags: RO | DTC },
      name: { type: ref(5), flags: R | DTC },
      type: { type: ref(4), flags: RO | DTC },
      apiVersion: { type: ref(26), flags: RO | DTC },
      location: { type: ref(0), flags: R | DTC },
      tags: { type: ref(14), flags: 0 },
      properties: { type: ref(20), flags: R },
      systemData: { type: ref(27), flags: RO },
      etag: { type: ref(0), flags: R | RO },
    },
  },
  /* 26 */ { $type: "StringLiteralType", value: "2020-01-01" },
  /* 27 */ { $type: "ObjectType", name: "SystemData", properties: { createdBy: { type: ref(0), flags: 0 } } },
  /* 28 */ { $type: "ResourceType", name: "Test.Rp/pipelines@2020-01-01", body: ref(25), readableScopes: 8, writableScopes: 8 },
  /* 29 */ { $type: "ResourceType", name: "Test.Rp/snapshots@2020-01-01", body: ref(27), readableScopes: 8, writableScopes: 0 },
  /* 30 */ { $type: "UnionType", elements: [ref(31), ref(32)] },
  /* 31 */ { $type: "ObjectType", name: "ChoiceA", properties: { a: { type: ref(0), flags: R } } },
  /* 32 */ { $type: "ObjectType", name: "ChoiceB", properties: { b: { type: ref(1), flags: R } } },
  /* 33 */ { $type: "ObjectType", name: "Cell", properties: { v: { type: ref(1), flags: R } } },
  /* 34 */ { $type: "ArrayType", itemType: ref(33) },
];

const TYPE = "Test.Rp/pipelines@2020-01-01";
const types = new BicepTypes(FIXTURE);

type Props = Record<string, unknown>;

/** Validates a pipeline body with `properties` (activities default to []), as azapi_resource "p1" in westeurope. */
function check(properties: Props, extra: Props = {}, partial = false): Finding[] {
  return validateResourceBody(types, {
    type: TYPE,
    body: { properties: { activities: [], ...properties }, ...extra },
    name: "p1",
    location: "westeurope",
    partial,
  });
}

/** `path code` of the findings of one severity. */
function of(findings: Finding[], severity: Finding["severity"] = "error"): string[] {
  return findings.filter((f) => f.severity === severity).map((f) => `${f.path} ${f.code}`);
}

const wait = (extra: Props = {}) => ({ name: "w", type: "Wait", typeProperties: { seconds: 5 }, ...extra });
const web = (typeProperties: Props = {}, extra: Props = {}) => ({
  name: "get",
  type: "Web",
  typeProperties: { method: "GET", url: "https://example.com", ...typeProperties },
  ...extra,
});

describe("bicep-check: a valid body", () => {
  test("has no findings", () => {
    expect(check({ activities: [wait(), web({ headers: { a: "b" }, password: "s" })], enabled: true, concurrency: 3 }, { tags: { env: "dev" } })).toEqual([]);
  });
});

describe("bicep-check: unknown properties", () => {
  test("are errors, with a suggestion for a likely typo", () => {
    const findings = check({ activites: [] });
    expect(of(findings)).toEqual(["properties.activites unknown-property"]);
    expect(findings[0].message).toContain('Did you mean "activities"?');
  });

  test("are errors inside a discriminated element too", () => {
    expect(of(check({ activities: [web({ verb: "GET" })] }))).toEqual(["properties.activities[0].typeProperties.verb unknown-property"]);
  });
});

describe("bicep-check: required properties", () => {
  test("missing ones are errors, at every level", () => {
    expect(of(check({ activities: [{ type: "Wait", typeProperties: {} }] })).sort()).toEqual([
      "properties.activities[0].name required",
      "properties.activities[0].typeProperties.seconds required",
    ]);
    expect(of(validateResourceBody(types, { type: TYPE, body: {}, name: "p1", location: "x" }))).toEqual(["properties required"]);
  });

  test("top-level name, type, apiVersion, id, location and tags are not required (azapi fills them in)", () => {
    expect(validateResourceBody(types, { type: TYPE, body: { properties: { activities: [] } } })).toEqual([]);
  });

  test("a partial body (azapi_update_resource) may leave them out, discriminator included", () => {
    const findings = check({ activities: [{ typeProperties: {} }] }, {}, true);
    expect(of(findings)).toEqual([]);
    expect(of(findings, "info")).toEqual(["properties.activities[0].type unchecked"]);
    expect(of(validateResourceBody(types, { type: TYPE, body: { properties: { enabled: 1 } }, partial: true }))).toEqual([
      "properties.enabled mismatch",
    ]);
  });
});

describe("bicep-check: read-only properties", () => {
  test("present ones are errors (object and discriminated base properties)", () => {
    expect(of(check({ provisioningState: "Succeeded", activities: [wait({ runId: "1" })] }, { systemData: {} })).sort()).toEqual([
      "properties.activities[0].runId read-only",
      "properties.provisioningState read-only",
      "systemData read-only",
    ]);
  });

  test("top-level type, apiVersion and id in the body are read-only errors, as azapi reports them", () => {
    expect(of(check({}, { type: "Test.Rp/pipelines", apiVersion: "2020-01-01", id: "/x" })).sort()).toEqual([
      "apiVersion read-only",
      "id read-only",
      "type read-only",
    ]);
  });

  test("required and read-only (azapi accepts it) is not an error", () => {
    expect(check({}, { etag: "abc" })).toEqual([]);
  });

  test("write-only properties are accepted", () => {
    expect(check({ activities: [web({ password: "secret" })] })).toEqual([]);
  });
});

describe("bicep-check: primitive types", () => {
  test("string, integer and boolean mismatches are errors", () => {
    const findings = check({ activities: [web({ url: 42 })], enabled: "true", concurrency: "3" });
    expect(of(findings).sort()).toEqual([
      "properties.activities[0].typeProperties.url mismatch",
      "properties.concurrency mismatch",
      "properties.enabled mismatch",
    ]);
    expect(findings.find((f) => f.path === "properties.concurrency")?.message).toBe('expected integer, got string "3"');
  });

  test("objects and arrays are checked for kind", () => {
    expect(of(check({ activities: {}, code: ["ab"] })).sort()).toEqual(["properties.activities mismatch", "properties.code mismatch"]);
  });

  test("IntegerType minValue/maxValue; a fraction is a warning (azapi skips floats)", () => {
    expect(of(check({ concurrency: 0 }))).toEqual(["properties.concurrency range"]);
    expect(of(check({ concurrency: 11 }))).toEqual(["properties.concurrency range"]);
    expect(of(check({ concurrency: 10 }))).toEqual([]);
    const fraction = check({ concurrency: 2.5 });
    expect(of(fraction)).toEqual([]);
    expect(of(fraction, "warning")).toEqual(["properties.concurrency not-integer"]);
  });

  test("StringType minLength/maxLength/pattern", () => {
    expect(of(check({ code: "a" }))).toEqual(["properties.code length"]);
    expect(of(check({ code: "abcdef" }))).toEqual(["properties.code length"]);
    expect(of(check({ code: "abc" }))).toEqual([]);
    // the resource's name attribute is merged into the body and checked against the name pattern
    const findings = validateResourceBody(types, { type: TYPE, body: { properties: { activities: [] } }, name: "Bad_Name" });
    expect(of(findings)).toEqual(["name pattern"]);
  });

  test("null values are not checked (azapi skips them)", () => {
    expect(check({ enabled: null, code: null })).toEqual([]);
  });
});

describe("bicep-check: enums", () => {
  test("a string literal type must match", () => {
    expect(validateValue(types, ref(4), "Test.Rp/pipelines")).toEqual([]);
    expect(of(validateValue(types, ref(4), "Test.Rp/other"))).toEqual([" enum"]);
  });

  test("a union of literals is a closed enum", () => {
    const findings = check({ activities: [web({ method: "GTE" })] });
    expect(of(findings)).toEqual(["properties.activities[0].typeProperties.method enum"]);
    expect(findings[0].message).toBe('value "GTE" is not one of [GET, POST]. Did you mean "GET"?');
    expect(of(check({ activities: [web({ method: 1 })] }))).toEqual(["properties.activities[0].typeProperties.method enum"]);
  });

  test("literals | string is an extensible enum: accepted, an unknown value is a warning", () => {
    expect(check({ osType: "Linux" })).toEqual([]);
    const findings = check({ osType: "Linx" });
    expect(of(findings)).toEqual([]);
    expect(of(findings, "warning")).toEqual(["properties.osType enum"]);
  });

  test("a union of objects reports the closest alternative", () => {
    expect(check({ choice: { a: "x" } })).toEqual([]);
    expect(check({ choice: { b: 3 } })).toEqual([]);
    expect(of(check({ choice: { b: 30 } }))).toEqual(["properties.choice union", "properties.choice.b range"]);
  });
});

describe("bicep-check: discriminated objects", () => {
  test("the discriminator selects the element; base properties are merged in", () => {
    expect(check({ activities: [wait({ description: "d" }), web()] })).toEqual([]);
    // Wait's typeProperties checked against WaitProps, Web's against WebProps
    expect(of(check({ activities: [wait({ typeProperties: { method: "GET", url: "u" } }), web({ seconds: 1 })] })).sort()).toEqual([
      "properties.activities[0].typeProperties.method unknown-property",
      "properties.activities[0].typeProperties.seconds required",
      "properties.activities[0].typeProperties.url unknown-property",
      "properties.activities[1].typeProperties.seconds unknown-property",
    ]);
  });

  test("an unknown discriminator value is an error listing the options", () => {
    const findings = check({ activities: [{ name: "x", type: "Wiat" }] });
    expect(of(findings)).toEqual(["properties.activities[0].type discriminator"]);
    expect(findings[0].message).toBe('unknown type "Wiat": expected one of [Wait, Web]. Did you mean "Wait"?');
  });

  test("a missing or non-string discriminator is an error", () => {
    expect(of(check({ activities: [{ name: "x" }] }))).toEqual(["properties.activities[0].type required"]);
    expect(of(check({ activities: [{ name: "x", type: 3 }] }))).toEqual(["properties.activities[0].type mismatch"]);
  });
});

describe("bicep-check: additionalProperties and AnyType", () => {
  test("additionalProperties allows any key and checks the value type", () => {
    expect(check({ activities: [web({ headers: { "x-a": "1", "Content-Type": "json" } })] })).toEqual([]);
    expect(of(check({ activities: [web({ headers: { "x-a": 1 } })] }))).toEqual([
      'properties.activities[0].typeProperties.headers["x-a"] mismatch',
    ]);
  });

  test("AnyType accepts anything", () => {
    for (const value of ["s", 1, 1.5, true, [1, "a"], { deep: { x: [null] } }]) {
      expect(check({ extra: value, activities: [web({ timeout: value })] })).toEqual([]);
    }
  });
});

describe("bicep-check: Terraform interpolations", () => {
  test("an interpolation fits any unconstrained string slot silently", () => {
    expect(check({ activities: [web({ url: "${var.url}" }), web({ url: "https://${var.host}/x" })] })).toEqual([]);
  });

  test("in a non-string or constrained slot it is info (unchecked reference), never an error", () => {
    const findings = check({
      enabled: "${var.enabled}",
      concurrency: "${local.n}",
      activities: "${local.activities}",
      labels: ["${var.l}"],
      code: "${var.code}",
    });
    expect(of(findings)).toEqual([]);
    expect(of(findings, "info").sort()).toEqual([
      "properties.activities unchecked",
      "properties.code unchecked",
      "properties.concurrency unchecked",
      "properties.enabled unchecked",
    ]);
    expect(findings.every((f) => f.message.startsWith("unchecked reference"))).toBe(true);
  });

  test("an enum or discriminator given by reference is unchecked", () => {
    const findings = check({ activities: [web({ method: "${var.method}" }), { name: "x", type: "${var.kind}", whatever: 1 }] });
    expect(of(findings)).toEqual([]);
    expect(of(findings, "info")).toEqual([
      "properties.activities[0].typeProperties.method unchecked",
      "properties.activities[1].type unchecked",
    ]);
    expect(of(validateResourceBody(types, { type: TYPE, body: { properties: { activities: [] } }, name: "${var.name}" }), "info")).toEqual([
      "name unchecked",
    ]);
  });

  test("$${ and %%{ are escapes: the unescaped literal is what is checked", () => {
    expect(parseTerraformString("a $${x} %%{y}")).toEqual({ dynamic: false, literal: "a ${x} %{y}" });
    expect(parseTerraformString("a ${x}").dynamic).toBe(true);
    expect(parseTerraformString("%{ if x }y%{ endif }").dynamic).toBe(true);
    expect(parseTerraformString("$$${x}")).toEqual({ dynamic: false, literal: "$${x}" });
    expect(unescapeTerraformString("$${{inputs.x}}")).toBe("${{inputs.x}}");
    // an escaped value is a literal string: an error in an integer slot, and 5 bytes after unescaping
    expect(of(check({ concurrency: "$${n}" }))).toEqual(["properties.concurrency mismatch"]);
    expect(check({ code: "$${ab}" })).toEqual([]);
    expect(of(check({ code: "$${abc}" }))).toEqual(["properties.code length"]);
  });

  test("plain JSON mode does not treat ${ specially", () => {
    expect(of(validateValue(types, ref(1), "${x}", { terraformStrings: false }))).toEqual([" mismatch"]);
  });
});

describe("bicep-check: arrays", () => {
  test("nested arrays are checked item by item with indexed paths", () => {
    expect(check({ matrix: [[{ v: 1 }], [{ v: 2 }, { v: 3 }]] })).toEqual([]);
    expect(of(check({ matrix: [[{ v: 1 }], [{ v: 2 }, { v: 30, w: 1 }], "row"] }))).toEqual([
      "properties.matrix[1][1].v range",
      "properties.matrix[1][1].w unknown-property",
      "properties.matrix[2] mismatch",
    ]);
    expect(of(check({ activities: [wait(), wait({ typeProperties: { seconds: "5" } })] }))).toEqual([
      "properties.activities[1].typeProperties.seconds mismatch",
    ]);
  });

  test("ArrayType minLength/maxLength", () => {
    expect(of(check({ labels: [] }))).toEqual(["properties.labels length"]);
    expect(of(check({ labels: ["a", "b", "c", "d"] }))).toEqual(["properties.labels length"]);
    expect(of(check({ labels: ["a", 1] }))).toEqual(["properties.labels[1] mismatch"]);
  });
});

describe("bicep-check: resource lookup", () => {
  test("an unknown type or api version is an error; the type is matched case-insensitively", () => {
    expect(validateResourceBody(types, { type: "test.rp/PIPELINES@2020-01-01", body: { properties: { activities: [] } } })).toEqual([]);
    expect(of(validateResourceBody(types, { type: "Test.Rp/pipelines@2021-01-01", body: {} }))).toEqual([" resource-type"]);
    expect(() => validateResourceBody(types, { type: "Test.Rp/pipelines", body: {} })).toThrow(/api version/);
  });

  test("a resource type with no writable scope cannot be written", () => {
    expect(of(validateResourceBody(types, { type: "Test.Rp/snapshots@2020-01-01", body: {} }))).toEqual([" resource-type"]);
  });

  test("a name in the body is replaced by the name attribute (warning)", () => {
    expect(of(check({}, { name: "other" }), "warning")).toEqual(["name ignored"]);
  });

  test("identity blocks are converted as azapi does", () => {
    const findings = validateResourceBody(types, {
      type: TYPE,
      body: { properties: { activities: [] } },
      identity: [{ type: "UserAssigned", identity_ids: ["/x"] }],
    });
    // the fixture body has no identity property
    expect(of(findings)).toEqual(["identity unknown-property"]);
  });

  test("paths quote keys that are not identifiers", () => {
    expect(formatPath(["properties", "a.b", 0, "$schema", "x y"])).toBe('properties["a.b"][0].$schema["x y"]');
  });
});

describe("check-azapi-bodies CLI", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "azapi-bodies-"));
    fs.mkdirSync(path.join(dir, "types", "test.rp", "2020-01-01"), { recursive: true });
    fs.writeFileSync(path.join(dir, "types", "test.rp", "2020-01-01", "types.json"), JSON.stringify(FIXTURE));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function writeStack(name: string, resource: Props): void {
    fs.mkdirSync(path.join(dir, "stacks", name), { recursive: true });
    fs.writeFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), JSON.stringify({ resource }));
  }

  function cli(...args: string[]): { status: number; out: string[]; err: string[] } {
    const out: string[] = [];
    const err: string[] = [];
    const status = run(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { status, out, err };
  }

  test("reports problems per stack and address, lists skipped resources, exits 1 on errors", () => {
    writeStack("dev", {
      azapi_resource: {
        good: { type: TYPE, name: "p1", location: "westeurope", body: { properties: { activities: [web({ url: "$${x}" })], code: "$${ab}" } } },
        bad: { type: TYPE, name: "p2", body: { properties: { activities: [], enabled: "yes" } } },
        other: { type: "Other.Rp/things@2020-01-01", name: "t", body: {} },
      },
      azapi_update_resource: { patch: { type: TYPE, resource_id: "${azapi_resource.good.id}", body: { properties: { concurrency: 2 } } } },
      azapi_resource_action: {
        put: { type: TYPE, resource_id: "${x}", method: "PUT", body: { properties: {} } },
        post: { type: TYPE, resource_id: "${x}", action: "start" },
      },
    });
    writeStack("prod", { azapi_resource: { ok: { type: TYPE, name: "p1", body: { properties: { activities: [] } } } } });
    const { status, out } = cli("--types", path.join(dir, "types"), path.join(dir, "stacks"));
    expect(status).toBe(1);
    expect(out).toEqual([
      "dev azapi_resource.bad: properties.enabled: error: expected boolean, got string \"yes\"",
      "dev azapi_resource_action.put: properties.activities: error: required property is missing",
      "dev azapi_resource.other: skipped: no types file for Other.Rp/things@2020-01-01 (other.rp/2020-01-01/types.json)",
      "dev azapi_resource_action.post: skipped: method POST: an action call, not a resource body",
      "check-azapi-bodies: 5 resource(s) checked in 2 stack(s), 2 skipped; 2 error(s) in 2 resource(s), 0 warning(s), 0 info",
    ]);
  });

  test("exits 0 without errors and prints info lines unless --quiet", () => {
    writeStack("dev", { azapi_resource: { a: { type: TYPE, name: "p1", body: { properties: { activities: [], enabled: "${var.on}" } } } } });
    const loud = cli("--types", path.join(dir, "types"), path.join(dir, "stacks"));
    expect(loud.status).toBe(0);
    expect(loud.out[0]).toBe("dev azapi_resource.a: properties.enabled: info: unchecked reference: boolean expected, value known only at plan/apply");
    const quiet = cli("--quiet", "--types", path.join(dir, "types"), path.join(dir, "stacks"));
    expect(quiet.status).toBe(0);
    expect(quiet.out).toHaveLength(1);
  });

  test("schema_validation_enabled = false turns errors into warnings", () => {
    writeStack("dev", { azapi_resource: { a: { type: TYPE, name: "p1", schema_validation_enabled: false, body: { properties: { bogus: 1, activities: [] } } } } });
    const { status, out } = cli("--types", path.join(dir, "types"), path.join(dir, "stacks"));
    expect(status).toBe(0);
    expect(out[0]).toMatch(/^dev azapi_resource\.a: properties\.bogus: warning: .*\(schema_validation_enabled = false\)$/);
  });

  test("usage problems exit 2", () => {
    expect(cli(path.join(dir, "stacks")).status).toBe(2);
    expect(cli("--types", path.join(dir, "nope"), path.join(dir, "stacks")).status).toBe(2);
    expect(cli("--types", path.join(dir, "types"), path.join(dir, "missing")).status).toBe(2);
  });
});
