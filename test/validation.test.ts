import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { declareOrigin, explainBuildFailure, ConfigValidationError, problemsIn, relativePathProblem, reportProblems, throwIfProblems } from "../lib/core/validation";
import { deriveNames, NAME_RULES, NameKind } from "../lib/core/naming";

describe("relativePathProblem", () => {
  test.each(["parquet/offerpath2", "a", "folder with spaces/x", "2026/11/25", "a-b_c.d/e"])("accepts %j", (p) => {
    expect(relativePathProblem(p)).toBeUndefined();
  });
  test.each(["", " ", "/abs", "C:/x", "a/../b", "./a", "a\\b", "a//b", "https://x/y", "a\nb", "a'b", "@concat('x')", "a/${var.x}", "a%{if}", 42, undefined])(
    "rejects %j",
    (p) => expect(relativePathProblem(p)).toEqual(expect.any(String)),
  );
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

  test("a prop declared as made from a reported field is not reported again; from an unreported one it is", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    reportProblems(stack, [{ path: "s", property: "cfg.x", value: 0, rule: "must be positive" }]);
    declareOrigin(stack, "a", "x", ["cfg.x"]);
    declareOrigin(stack, "b", "x", ["cfg.y"]);
    declareOrigin(stack, "c", "limits", ["cfg"]);
    new Thing(stack, "a", true, "x");
    new Thing(stack, "b", true, "x");
    new Thing(stack, "c", true, "limits.max");
    new Thing(stack, "d", true, "x");
    expect(listed(stack)).toEqual(["s: cfg.x", "s/b: x", "s/d: x"]);
  });

  test("problems live in their app: another app's synth does not see them", () => {
    const bad = Testing.app();
    new Thing(new TerraformStack(bad, "s"), "a", true);
    const good = Testing.app();
    new Thing(new TerraformStack(good, "s"), "a", false);
    expect(() => throwIfProblems(good)).not.toThrow();
    expect(() => throwIfProblems(bad)).toThrow(ConfigValidationError);
  });

  test("an unrelated failure after bad input reports the bad input; without bad input the failure itself", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    const failure = new TypeError("cannot read properties of undefined");
    expect(explainBuildFailure(stack, failure)).toBe(failure);
    new Thing(stack, "a", true);
    const explained = explainBuildFailure(stack, failure);
    expect(explained).toBeInstanceOf(ConfigValidationError);
    expect((explained as Error).message).toMatch(/s\/a: p "a" must be good/);
  });
});
