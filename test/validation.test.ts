import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { ConfigValidationError, daysInMonth, problemsIn, relativePathProblem, reportProblems, throwIfProblems, timeProblem } from "../lib/core/validation";
import { deriveNames, NAME_RULES, NameKind } from "../lib/core/naming";

describe("relativePathProblem", () => {
  test.each(["parquet/offerpath2", "a", "2026/11/25", "a-b_c.d/e", "year=2026/month=11", "a~b!c$d&e(f)g*h+i,j;k=l:m@n"])("accepts %j", (p) => {
    expect(relativePathProblem(p)).toBeUndefined();
  });
  test.each(["", " ", "/abs", "C:/x", "a/../b", "./a", "a\\b", "a//b", "https://x/y", "a\nb", "a'b", "@concat('x')", "a/${var.x}", "a%{if}", 42, undefined])(
    "rejects %j",
    (p) => expect(relativePathProblem(p)).toEqual(expect.any(String)),
  );
  test.each([
    ["parquet/offer path2", "' ' (space)"],
    ["caf\u00e9/x", "'\u00e9' (U+00E9)"],
    ["100%", "'%' (U+0025)"],
    ["a?b#c", "'?' (U+003F), '#' (U+0023)"],
    ["a[0]/{b}|c^d`e<f>", "'[' (U+005B), ']' (U+005D), '{' (U+007B), '}' (U+007D), '|' (U+007C), '^' (U+005E), '`' (U+0060), '<' (U+003C), '>' (U+003E)"],
  ])("rejects %j, naming each character a URI path would need percent-encoded", (p, named) => {
    expect(relativePathProblem(p)).toBe(
      `must not contain ${named}: a data path is part of azureml://datastores/<datastore>/paths/<path>, where that would need percent-encoding (allowed: letters A-Z a-z, digits, - . _ ~ ! $ & ( ) * + , ; = : @ and /)`,
    );
  });
});

describe("timeProblem", () => {
  test.each(["2026-12-01T05:00:00Z", "2028-02-29T00:00:00Z", "2000-02-29T23:59:59.999+01:00", "2026-01-31T00:00:00-23:59", "2026-04-30T12:00:00+05:30"])("accepts %j", (t) => {
    expect(timeProblem(t)).toBeUndefined();
  });
  test.each([
    ["2026-13-45T25:61:00Z", "month 13 is not 01-12; day 45 is not 01-31; hour 25 is not 00-23; minute 61 is not 00-59"],
    ["2027-02-29T00:00:00Z", "February 2027 has no day 29"],
    ["1900-02-29T00:00:00Z", "February 1900 has no day 29"],
    ["2026-04-31T00:00:00Z", "April 2026 has no day 31"],
    ["2026-00-10T00:00:00Z", "month 00 is not 01-12"],
    ["2026-12-00T00:00:00Z", "December 2026 has no day 00"],
    ["2026-12-01T23:59:60Z", "second 60 is not 00-59"],
    ["2026-12-01T05:00:00+24:00", "offset 24:00 is beyond 23:59"],
    ["2026-12-01T05:00:00-01:60", "offset 01:60 is beyond 23:59"],
  ])("rejects %j: %s", (t, why) => {
    expect(timeProblem(t)).toBe(`must be a time that exists, e.g. 2026-12-01T06:00:00Z (${why})`);
  });
  test.each(["2026-12-01", "2026-12-01 05:00:00Z", "2026-12-01T05:00Z", "2026-12-01T05:00:00", "tomorrow", 20261201, undefined])("rejects the shape of %j", (t) => {
    expect(timeProblem(t)).toBe("must be an RFC 3339 time such as 2026-12-01T06:00:00Z");
  });
  test("knows every month's length, leap years included", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((m) => daysInMonth(2026, m))).toEqual([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]);
    expect([1996, 2000, 2024, 2100, 2400].map((y) => daysInMonth(y, 2))).toEqual([29, 29, 29, 28, 29]);
  });
});

describe("deriveNames", () => {
  test.each(["ab", "amldp", "abcdefghijkl"])("prefix %j gives valid names for every environment", (prefix) => {
    for (const env of ["dev", "test", "prod"]) {
      const names = deriveNames(prefix, env);
      const kinds: [keyof typeof names, NameKind][] = [
        ["resourceGroup", "resourceGroup"],
        ["storageAccount", "storageAccount"],
        ["keyVault", "keyVault"],
        ["mlWorkspace", "mlWorkspace"],
        ["logAnalyticsWorkspace", "logAnalyticsWorkspace"],
        ["applicationInsights", "applicationInsights"],
        ["containerRegistry", "containerRegistry"],
        ["computeCluster", "computeCluster"],
        ["dataFactory", "dataFactory"],
      ];
      for (const [field, kind] of kinds) expect(names[field]).toMatch(NAME_RULES[kind].pattern);
    }
  });
});

describe("problem collection", () => {
  class Thing extends Construct {
    constructor(scope: Construct, id: string, bad: boolean, property = "p") {
      super(scope, id);
      if (bad) reportProblems(this, [{ path: this.node.path, property, value: id, rule: "must be good" }]);
    }
  }
  const listed = (scope: Construct) => problemsIn(scope.node.root).map((p) => `${p.path}: ${p.property}`);

  test("a construct on its own builds, and cdktf's validation fails the synth with its problems", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    new Thing(stack, "a", true);
    new Thing(stack, "ok", false);
    expect(() => Testing.synth(stack, true)).toThrow(/\[s\/a\] p "a" must be good/);
    expect(() => Testing.synth(stack, true)).not.toThrow(/s\/ok/);
  });

  test("every problem of every stack of an app is listed together, in tree order", () => {
    const app = Testing.app();
    new Thing(new TerraformStack(app, "s1"), "a", true);
    new Thing(new TerraformStack(app, "s2"), "b", true);
    let err: unknown;
    try {
      throwIfProblems(app);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect((err as Error).message).toBe('Invalid configuration (2 problems):\n  - s1/a: p "a" must be good\n  - s2/b: p "b" must be good');
  });

  test("the same construct path and property is reported once, whatever the wording", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const thing = new Thing(stack, "a", true);
    reportProblems(thing, [{ path: "s/a", property: "p", value: "a", rule: "is worded differently" }, { path: "s/a", property: "q", value: 1, rule: "must be 2" }]);
    expect(listed(stack)).toEqual(["s/a: p", "s/a: q"]);
    expect(() => Testing.synth(stack, true)).toThrow(/\[s\/a\] q 1 must be 2/);
  });

  test("problems live in their app: another app's synth does not see them", () => {
    const bad = Testing.app();
    new Thing(new TerraformStack(bad, "s"), "a", true);
    const good = Testing.app();
    new Thing(new TerraformStack(good, "s"), "a", false);
    expect(() => throwIfProblems(good)).not.toThrow();
    expect(() => throwIfProblems(bad)).toThrow(ConfigValidationError);
  });
});
