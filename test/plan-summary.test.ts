import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { changedAttributes, countChanges, kindOf, PlanJson, resourceAddress, ResourceChange, runPlanSummary, statefulFor, summarize, SummaryIo } from "../scripts/plan-summary";

const ROOT = path.join(__dirname, "..");
const FIXTURES = path.join(__dirname, "fixtures", "plans");
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as PlanJson;
const stateful = JSON.parse(fs.readFileSync(path.join(__dirname, "stateful-addresses.json"), "utf8")) as Record<string, string[]>;

function io(overrides: Partial<SummaryIo> = {}): SummaryIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { cwd: ROOT, env: process.env, stdout: (s) => out.push(s), stderr: (s) => err.push(s), stdin: () => "", out, err, ...overrides };
}

describe("plan summary: counts as Terraform counts them (real Terraform 1.11.4 plans)", () => {
  const plan = fixture("terraform-data-changes.plan.json");

  test("the Plan: line Terraform printed for the same plan (2 to add, 1 to change, 3 to destroy)", () => {
    expect(countChanges(plan)).toEqual({ add: 2, change: 1, destroy: 3, replace: 1, forget: 1, import: 0, move: 1 });
    const md = summarize(plan, { env: "dev", stateful });
    expect(md).toContain("**Plan: 2 to add, 1 to change, 3 to destroy.** 1 replaced, 1 forgotten, 1 moved. (Terraform 1.11.4)");
  });

  test("every action of the plan is named: replace, destroy, forget, update, create, move; unchanged objects are not listed", () => {
    const kinds = Object.fromEntries((plan.resource_changes ?? []).map((rc) => [rc.address, kindOf(rc)]));
    expect(kinds).toEqual({
      "terraform_data.counted[0]": "no-op",
      "terraform_data.counted[1]": "destroy",
      "terraform_data.created": "create",
      "terraform_data.deleted": "destroy",
      "terraform_data.forgotten": "forget",
      "terraform_data.kept": "no-op",
      "terraform_data.renamed_new": "move",
      "terraform_data.replaced": "replace",
      "terraform_data.updated": "update",
    });
    const md = summarize(plan, { env: "dev", stateful });
    expect(md).toContain("| replace | `terraform_data.replaced` | forced by `triggers_replace`; deleted first |");
    expect(md).toContain("| destroy | `terraform_data.counted[1]` | count reduced |");
    expect(md).toContain("| forget | `terraform_data.forgotten` | removed from state, not deleted |");
    expect(md).toContain("| update | `terraform_data.updated` | `input`, `output` |");
    expect(md).toContain("| move | `terraform_data.renamed_new` | moved from `terraform_data.renamed_old` |");
    expect(md).not.toContain("terraform_data.kept");
    // Nothing here is stateful.
    expect(md).not.toContain("CAUTION");
  });

  test("a plan without changes says so", () => {
    const md = summarize(fixture("terraform-data-no-changes.plan.json"), { env: "dev", stateful });
    expect(md).toContain("**No changes.** The infrastructure matches the configuration (Terraform 1.11.4).");
    expect(md).not.toContain("| action |");
  });
});

describe("plan summary: stateful addresses are called out", () => {
  const plan = fixture("azurerm-stateful.plan.json");
  const md = summarize(plan, { env: "dev", stateful });

  test("every destroy or replacement of a stateful address, before the table, with the reason", () => {
    const caution = md.slice(md.indexOf("[!CAUTION]"), md.indexOf("| action |"));
    expect(caution).toContain("**3 stateful resources are destroyed or replaced**");
    expect(caution).toContain("- **replace** `azurerm_storage_account.workspace_storage_7969F94B` (forced by `name`; deleted first)");
    expect(caution).toContain("- **destroy** `azurerm_storage_container.output-data_container_96480CCC` (no longer in the configuration)");
    // The deployer's grant changing principal means the plan ran as another identity.
    expect(caution).toMatch(/- \*\*replace\*\* `azurerm_role_assignment\.pipeline_code-access_deployer-upload_AB5C6CB7` \(forced by `principal_id`; deleted first\): this plan ran as another identity/);
    expect(md).toContain("| destroy :warning: | `azurerm_storage_container.output-data_container_96480CCC` |");
  });

  test("what is not a loss is not called out: a non-stateful destroy, an update, a move, an import, a forget, a data read", () => {
    const caution = md.slice(md.indexOf("[!CAUTION]"), md.indexOf("| action |"));
    for (const address of [
      "azurerm_monitor_diagnostic_setting.factory_diagnostics_5F1B2C3D",
      "azurerm_machine_learning_compute_cluster.cluster_A4C38409",
      "azurerm_data_factory.factory_658123B2",
      "azurerm_storage_container.input-data_container_BD9EB4F8",
      "azapi_resource.pipeline_deployment_0D1E2F3A",
    ]) {
      expect(caution).not.toContain(address);
      expect(md).toContain(address);
    }
    expect(md).toContain("| destroy | `azurerm_monitor_diagnostic_setting.factory_diagnostics_5F1B2C3D` |");
    expect(md).not.toContain("client_config");
    expect(countChanges(plan)).toEqual({ add: 3, change: 1, destroy: 4, replace: 2, forget: 1, import: 1, move: 1 });
  });

  test("attribute names only, never values (a plan holds sensitive values in clear)", () => {
    expect(md).toContain("| update | `azurerm_machine_learning_compute_cluster.cluster_A4C38409` | `scale_settings`, `tags` |");
    expect(md).not.toContain("SENSITIVE-VALUE-MUST-NOT-APPEAR");
    expect(md).not.toContain("team-b");
    expect(md).not.toContain("22222222-2222");
  });

  test("changes made outside Terraform (drift found while refreshing) are listed", () => {
    expect(md).toContain("2 objects changed outside Terraform");
    expect(md).toContain("- `azurerm_storage_account.workspace_storage_7969F94B` changed: `min_tls_version`");
    expect(md).toContain("- `azurerm_role_assignment.input-data_workspace-reader_F3934E7E` deleted");
  });

  test("the environment's own list is used; an environment the lock does not list gets every listed address", () => {
    // workspace-reader-storage-blob is stateful in test and prod only.
    const onlyTest = "azurerm_role_assignment.workspace-reader-storage-blob";
    expect(stateful.dev).not.toContain(onlyTest);
    const destroy: ResourceChange = { address: onlyTest, mode: "managed", change: { actions: ["delete"], before: {}, after: null } };
    const p: PlanJson = { format_version: "1.2", resource_changes: [destroy] };
    expect(summarize(p, { env: "dev", stateful })).not.toContain("CAUTION");
    expect(summarize(p, { env: "test", stateful })).toContain("CAUTION");
    const unlisted = summarize(p, { env: "staging", stateful });
    expect(unlisted).toContain("CAUTION");
    expect(unlisted).toContain("has no list for `staging`");
    expect(statefulFor(stateful, "dev").fallback).toBe(false);
  });

  test("an instance (count/for_each) of a stateful resource is stateful", () => {
    expect(resourceAddress('azurerm_storage_container.c["input"]')).toBe("azurerm_storage_container.c");
    expect(resourceAddress("azurerm_storage_container.c[0]")).toBe("azurerm_storage_container.c");
    const p: PlanJson = { format_version: "1.2", resource_changes: [{ address: "azurerm_key_vault.workspace_key-vault_B059A08D[0]", change: { actions: ["create", "delete"] } }] };
    expect(summarize(p, { env: "dev", stateful })).toContain("- **replace** `azurerm_key_vault.workspace_key-vault_B059A08D[0]` (new one created first)");
  });

  test("an errored plan says it cannot be applied; addresses with pipes or backticks stay in their table cell", () => {
    const p: PlanJson = { format_version: "1.2", errored: true, resource_changes: [{ address: 'x.y["a|`b"]', change: { actions: ["create"] } }] };
    const out = summarize(p, { env: "dev", stateful });
    expect(out).toContain("incomplete and cannot be applied");
    expect(out).toContain('| create | ``x.y["a\\|`b"]`` |  |');
  });

  test("changed attributes: differing values and values known only after apply", () => {
    const rc: ResourceChange = { address: "a.b", change: { actions: ["update"], before: { a: 1, b: 2, c: { d: 1 } }, after: { a: 1, b: 3, c: { d: 1 } }, after_unknown: { c: { d: false }, e: true } } };
    expect(changedAttributes(rc)).toEqual(["b", "e"]);
  });
});

describe("npm run plan:summary", () => {
  test("--json reads a file; the summary goes to stdout", () => {
    const o = io();
    expect(runPlanSummary(["dev", "--json", path.join(FIXTURES, "azurerm-stateful.plan.json")], o)).toBe(0);
    expect(o.out.join("")).toContain("### Terraform plan: `dev`");
    expect(o.err).toEqual([]);
  });

  test("--json - reads stdin; --title replaces the heading", () => {
    const o = io({ stdin: () => fs.readFileSync(path.join(FIXTURES, "terraform-data-no-changes.plan.json"), "utf8") });
    expect(runPlanSummary(["prod", "--json", "-", "--title", "prod: the plan to approve"], o)).toBe(0);
    expect(o.out.join("")).toMatch(/^### prod: the plan to approve\n\n\*\*No changes\.\*\*/);
  });

  test("without --json it runs terraform show -json on the stack's saved plan", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-summary-"));
    try {
      const stack = path.join(tmp, "cdktf.out", "stacks", "test");
      fs.mkdirSync(stack, { recursive: true });
      fs.writeFileSync(path.join(stack, "tfplan"), "binary plan");
      fs.mkdirSync(path.join(tmp, "test"));
      fs.copyFileSync(path.join(__dirname, "stateful-addresses.json"), path.join(tmp, "test", "stateful-addresses.json"));
      // A stand-in terraform: records its arguments and prints a fixture.
      const bin = path.join(tmp, "bin");
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, "terraform"), `#!/bin/sh\necho "$@" > "${tmp}/args"\ncat "${path.join(FIXTURES, "azurerm-stateful.plan.json")}"\n`, { mode: 0o755 });
      const o = io({ cwd: tmp, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` } });
      expect(runPlanSummary(["test"], o)).toBe(0);
      expect(fs.readFileSync(path.join(tmp, "args"), "utf8").trim()).toBe(`-chdir=${path.join("cdktf.out", "stacks", "test")} show -json -no-color tfplan`);
      expect(o.out.join("")).toContain("stateful resources are destroyed or replaced");

      // terraform failing: exit 1, and the Markdown says why.
      fs.writeFileSync(path.join(bin, "terraform"), `#!/bin/sh\necho "Error: Failed to read the given file as a state or plan file" >&2\nexit 1\n`, { mode: 0o755 });
      const failed = io({ cwd: tmp, env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` } });
      expect(runPlanSummary(["test"], failed)).toBe(1);
      expect(failed.out.join("")).toContain("**No plan to summarize:** terraform show -json tfplan failed (exit 1): Error: Failed to read");
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test("no plan file (the plan step failed): exit 1 with a line for the job summary", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "plan-summary-"));
    const o = io({ cwd: tmp });
    expect(runPlanSummary(["prod"], o)).toBe(1);
    fs.rmSync(tmp, { recursive: true, force: true });
    expect(o.out.join("")).toContain(`**No plan to summarize:** ${path.join("cdktf.out", "stacks", "prod", "tfplan")} does not exist`);
  });

  test("not a plan, or usage errors", () => {
    const o = io({ stdin: () => '{"format_version":"0.1"}' });
    expect(runPlanSummary(["dev", "--json", "-"], o)).toBe(1);
    expect(o.out.join("")).toContain("not a Terraform JSON plan");
    for (const argv of [[], ["dev", "test"], ["dev", "--json"], ["dev", "--colour"]]) {
      const u = io();
      expect(runPlanSummary(argv, u)).toBe(2);
      expect(u.err.join("")).toContain("usage: npm run --silent plan:summary -- <env>");
      expect(u.out).toEqual([]);
    }
  });

  test("the npm script runs it with ts-node, as CI calls it", () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
    expect(scripts["plan:summary"]).toBe("node --require ts-node/register scripts/plan-summary.ts");
    const r = spawnSync(process.execPath, ["--require", "ts-node/register", "scripts/plan-summary.ts", "dev", "--json", "test/fixtures/plans/terraform-data-changes.plan.json"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("**Plan: 2 to add, 1 to change, 3 to destroy.**");
  });
});
