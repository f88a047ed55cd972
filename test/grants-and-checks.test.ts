// The core the constructs share: region and ARM id checks (as strict as the environment config),
// address-stable grants, and a plain app.synth() with bad props ending in one readable block.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Construct } from "constructs";
import { TerraformStack, TerraformVariable, Testing } from "cdktf";
import { armIdName, armIdResourceGroup, armIdSubscription, checkArmId, checkRegion } from "../lib/core/arm";
import { assignRole, checkRoleAssignments, grantTo, GRANTS } from "../lib/core/roles";
import { Checker } from "../lib/core/validation";
import { armIds } from "./azure-ids";
import { bareStack, resourcesOf, synthJson } from "./helpers";

const ids = armIds("5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f", "rg-ml");

describe("region and ARM id checks", () => {
  test.each([
    ["westeurope", []],
    ["WestEurope", ["location \"WestEurope\" must be an Azure region name such as westeurope"]],
    ["West Europe", ["location \"West Europe\" must be an Azure region name such as westeurope"]],
    ["westeurope2", ["location \"westeurope2\" is not an Azure region (e.g. westeurope; the list is in lib/core/azure-lists.ts)"]],
    [42, ["location 42 must be a string that is an Azure region name such as westeurope"]],
  ])("checkRegion(%j)", (value, expected) => {
    const c = new Checker("p");
    checkRegion(c, "location", value);
    expect(c.problems.map((p) => `${p.property} ${JSON.stringify(p.value)} ${p.rule}`)).toEqual(expected);
  });

  test("a reference passes both checks: it is only known at plan time", () => {
    const stack = bareStack();
    const ref = new TerraformVariable(stack, "v", { type: "string" }).stringValue;
    const c = new Checker("p");
    expect([checkRegion(c, "location", ref), checkArmId(c, "id", ref, "Microsoft.Storage/storageAccounts", "storageAccount")]).toEqual([true, true]);
    expect(c.problems).toEqual([]);
  });

  test("checkArmId: the type is compared case-insensitively (as ARM does), nested types need every level, the name its rule", () => {
    const c = new Checker("p");
    expect(checkArmId(c, "a", ids.storage("stdemo").toLowerCase().replace("storageaccounts", "STORAGEACCOUNTS"), "Microsoft.Storage/storageAccounts", "storageAccount")).toBe(true);
    expect(checkArmId(c, "b", `${ids.workspace("mlw")}/computes/cpu`, "Microsoft.MachineLearningServices/workspaces/computes", "computeCluster")).toBe(true);
    expect(checkArmId(c, "c", ids.workspace("mlw"), "Microsoft.MachineLearningServices/workspaces/computes")).toBe(false);
    expect(checkArmId(c, "d", `${ids.storage("stdemo")}/blobServices/default`, "Microsoft.Storage/storageAccounts")).toBe(false);
    expect(checkArmId(c, "e", ids.storage("st"), "Microsoft.Storage/storageAccounts", "storageAccount")).toBe(false);
    expect(c.problems.map((p) => p.property)).toEqual(["c", "d", "e"]);
  });

  test("names, resource groups and subscriptions are read from literal ids, and through Terraform from references", () => {
    expect([armIdName(ids.factory("adf-x")), armIdResourceGroup(ids.factory("adf-x")), armIdSubscription(ids.factory("adf-x"))]).toEqual(["adf-x", "rg-ml", "5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f"]);
    const stack = bareStack();
    const ref = new TerraformVariable(stack, "id", { type: "string" }).stringValue;
    const { TerraformOutput } = require("cdktf") as typeof import("cdktf");
    new TerraformOutput(stack, "name", { value: armIdName(ref) });
    new TerraformOutput(stack, "rg", { value: armIdResourceGroup(ref) });
    const out = synthJson(stack).output!;
    expect([out.name.value, out.rg.value]).toEqual(['${element(reverse(split("/", var.id)), 0)}', '${element(split("/", var.id), 4)}']);
  });
});

describe("grants", () => {
  class Grantee extends Construct {
    readonly principalId = "11111111-1111-1111-1111-111111111111";
  }

  test("a grantee construct holds its grant, named by the scope; an object id is granted by the resource, named by the principal", () => {
    const stack = bareStack();
    const resource = new Construct(stack, "data");
    const reader = new Grantee(stack, "reader");
    grantTo(resource, "grantRead", ids.container("stdemo", "in"), GRANTS.read, reader);
    grantTo(resource, "grantRead", ids.container("stdemo", "in"), GRANTS.read, "22222222-2222-2222-2222-222222222222");
    const json = synthJson(stack);
    expect(Object.keys(resourcesOf(json, "azurerm_role_assignment")).map((id) => id.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual(["data_reader-22222222-2222-2222-2222-222222222222", "reader_input-reader-in"]);
  });

  test("the same role on the same scope for the same principal is one assignment in a stack, however it is asked for", () => {
    const stack = bareStack();
    const reader = new Grantee(stack, "reader");
    const first = grantTo(new Construct(stack, "a"), "grantRead", ids.container("stdemo", "in"), GRANTS.read, reader);
    expect(grantTo(new Construct(stack, "b"), "grantRead", ids.container("stdemo", "in"), GRANTS.read, reader.principalId)).toBe(first);
    expect(assignRole(stack, "explicit", { scope: ids.container("stdemo", "in"), role: GRANTS.read.role, principalId: reader.principalId })).toBe(first);
    // In another stack it is another assignment (the stack cannot see it).
    const other = new TerraformStack(Testing.app(), "other");
    expect(grantTo(new Construct(other, "a"), "grantRead", ids.container("stdemo", "in"), GRANTS.read, reader.principalId)).not.toBe(first);
  });

  test("two scopes with the same last segment get two addresses, not a clash", () => {
    const stack = bareStack();
    const reader = new Grantee(stack, "reader");
    grantTo(new Construct(stack, "a"), "grantRead", ids.container("stdemo", "in"), GRANTS.read, reader);
    grantTo(new Construct(stack, "b"), "grantRead", ids.container("stother", "in"), GRANTS.read, reader);
    expect(Object.keys(resourcesOf(synthJson(stack), "azurerm_role_assignment")).map((id) => id.replace(/_[0-9A-F]{8}$/, "")).sort()).toEqual(["reader_input-reader-in", "reader_input-reader-in-2"]);
  });

  test("role assignments: a role name or definition id, a GUID principal, a known principal type", () => {
    const c = new Checker("p");
    const valid = checkRoleAssignments(c, "roleAssignments", {
      ok: { roleDefinitionIdOrName: "Reader", principalId: "11111111-1111-1111-1111-111111111111" },
      empty: { roleDefinitionIdOrName: "Reader", principalId: "11111111-1111-1111-1111-111111111111", description: "" },
    });
    expect(valid.map(([key]) => key)).toEqual(["ok"]);
    expect(c.problems.map((p) => p.property)).toEqual(["roleAssignments.empty.description"]);
    expect(checkRoleAssignments(c, "roleAssignments", "x" as never)).toEqual([]);
  });
});

describe("a plain app.synth() with bad props, as another team's program runs it", () => {
  // The consumer's own program, run by plain node: no synthToDisk, no try/catch.
  const program = (outdir: string) => `
    const { App, TerraformStack } = require("cdktf");
    const { MlWorkspace } = require(${JSON.stringify(path.join(__dirname, "..", "lib", "platform", "ml-workspace"))});
    const { ComputeCluster } = require(${JSON.stringify(path.join(__dirname, "..", "lib", "platform", "compute-cluster"))});
    const app = new App({ outdir: ${JSON.stringify(outdir)} });
    const stack = new TerraformStack(app, "team-b");
    const workspace = MlWorkspace.fromAttributes(stack, "workspace", { workspaceId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw", location: "westeurope", storageAccountId: "st" });
    new ComputeCluster(stack, "cluster", { workspace, name: "cpu", location: "WestEurope", maxNodes: 0 });
    app.synth();
    console.log("not reached");
  `;
  const run = (debug: string | undefined) => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plain-synth-"));
    const outdir = path.join(tmp, "cdktf.out");
    const env = { ...process.env, DEBUG: debug };
    if (debug === undefined) delete env.DEBUG;
    const r = spawnSync(process.execPath, ["--require", "ts-node/register/transpile-only", "-e", program(outdir)], { cwd: path.join(__dirname, ".."), encoding: "utf8", env });
    const left = fs.existsSync(outdir);
    fs.rmSync(tmp, { recursive: true, force: true });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^\(node:\d+\) \[DEP0044\].*\n.*trace-deprecation.*\n/m, ""), left };
  };

  test("ends with exit code 1 and exactly the problems: no stack trace, no source line, nothing written", () => {
    expect(run(undefined)).toEqual({
      status: 1,
      stdout: "",
      stderr: [
        "Invalid configuration (3 problems):",
        `  - team-b/workspace: storageAccountId "st" must be an Azure resource id (/subscriptions/<id>/resourceGroups/<rg>/providers/...)`,
        `  - team-b/cluster: location "WestEurope" must be an Azure region name such as westeurope`,
        `  - team-b/cluster: maxNodes 0 must be an integer from 1 to 1000`,
        "",
      ].join("\n"),
      left: false,
    });
  }, 60_000);

  test("with DEBUG set, Node reports the error as it is: the stack trace is there", () => {
    const r = run("1");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("ConfigValidationError: Invalid configuration (3 problems):");
    expect(r.stderr).toMatch(/\n\s+at /);
  }, 60_000);
});
