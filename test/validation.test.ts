import { Testing, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { collectProblems, ConfigValidationError, relativePathProblem, reportProblems } from "../lib/core/validation";
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
    constructor(scope: Construct, id: string, bad: boolean) {
      super(scope, id);
      if (bad) reportProblems(this, [{ path: this.node.path, property: "p", value: id, rule: "must be good" }]);
    }
  }

  test("a construct on its own throws at once", () => {
    expect(() => new Thing(new TerraformStack(Testing.app(), "s"), "a", true)).toThrow(ConfigValidationError);
  });

  test("inside a collecting scope every problem is gathered, nested scopes defer to the outermost", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    let err: unknown;
    try {
      collectProblems(stack, () => {
        new Thing(stack, "a", true);
        new Thing(stack, "ok", false);
        collectProblems(stack, () => new Thing(stack, "b", true));
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect((err as Error).message).toBe('Invalid configuration (2 problems):\n  - s/a: p "a" must be good\n  - s/b: p "b" must be good');
  });

  test("an unrelated failure after bad input reports the bad input", () => {
    const stack = new TerraformStack(Testing.app(), "s");
    expect(() =>
      collectProblems(stack, () => {
        new Thing(stack, "a", true);
        throw new TypeError("cannot read properties of undefined");
      }),
    ).toThrow(/s\/a: p "a" must be good/);
  });
});
