import * as fs from "fs";
import * as path from "path";
import { annotationsOf, diffStacks, formatDiff, normaliser, StackSide } from "../cli/diff";
import { readStack } from "../cli/stack-model";
import { environments } from "../stacks/environments";
import { EnvironmentConfig } from "../stacks/config";
import { cli, sampleApp } from "./cli-harness";
import { shared } from "./helpers";

/** The sample app's environments, synthesized as `npm run synth` writes them. */
const app = () => sampleApp(environments);
const side = (name: string): StackSide => {
  const out = path.join(app(), "cdktf.out");
  return { name, json: readStack(path.join(out, "stacks", name), name), annotations: annotationsOf(out, name) };
};
const pairs: [EnvironmentConfig, EnvironmentConfig][] = environments.slice(1).map((b, i) => [environments[i], b]);
const row = (d: ReturnType<typeof diffStacks>, resource: RegExp, setting: string) => d.settings.find((s) => resource.test(s.resource) && s.setting === setting);

jest.setTimeout(60_000);

describe.each(pairs.map(([a, b]) => [a.name, b.name, a, b] as const))("aml-datapath diff %s %s (from the synthesized stacks)", (_a, _b, a, b) => {
  const d = shared(() => diffStacks(side(a.name), side(b.name)));

  test("cluster size and priority, from the configs", () => {
    const vm = row(d(), /^azurerm_machine_learning_compute_cluster /, "vm_size");
    expect(vm && [vm.a, vm.b]).toEqual(a.cluster.vmSize === b.cluster.vmSize ? undefined : [a.cluster.vmSize.toUpperCase(), b.cluster.vmSize.toUpperCase()]);
    const max = row(d(), /^azurerm_machine_learning_compute_cluster /, "scale_settings.max_node_count");
    expect(max && [max.a, max.b]).toEqual(a.cluster.maxNodes === b.cluster.maxNodes ? undefined : [String(a.cluster.maxNodes), String(b.cluster.maxNodes)]);
    const prio = row(d(), /^azurerm_machine_learning_compute_cluster /, "vm_priority");
    expect(prio && [prio.a, prio.b]).toEqual(a.cluster.vmPriority === b.cluster.vmPriority ? undefined : [a.cluster.vmPriority, b.cluster.vmPriority]);
  });

  test("protection and redundancy", () => {
    const destroy = row(d(), /^azurerm_storage_account /, "lifecycle.prevent_destroy");
    expect(destroy && [destroy.a, destroy.b]).toEqual(a.protection.preventDestroy === b.protection.preventDestroy ? undefined : [String(a.protection.preventDestroy), String(b.protection.preventDestroy)]);
    const purge = row(d(), /^azurerm_key_vault /, "purge_protection_enabled");
    expect(purge && [purge.a, purge.b]).toEqual(a.protection.purgeProtection === b.protection.purgeProtection ? undefined : [String(a.protection.purgeProtection), String(b.protection.purgeProtection)]);
    const lrs = row(d(), /^azurerm_storage_account /, "account_replication_type");
    expect(lrs && [lrs.a, lrs.b]).toEqual(a.storageReplicationType === b.storageReplicationType ? undefined : [a.storageReplicationType, b.storageReplicationType]);
  });

  test("the security rule pack's accepted exceptions appear as a setting (from the synth's annotations)", () => {
    const s = row(d(), /^security rule pack$/, "suppressions");
    const configured = (c: EnvironmentConfig) => (c.suppressions ?? []).map((x) => `${x.ruleId} on ${x.path}`).sort();
    if (s) {
      for (const [cfg, value] of [[a, s.a], [b, s.b]] as const) for (const x of configured(cfg)) expect(value).toContain(x);
    } else {
      // No difference reported: then the configured exceptions are the same on both sides.
      expect(configured(a)).toEqual(configured(b));
    }
  });

  test("names that only carry the environment are not differences; version hashes neither", () => {
    for (const s of d().settings) {
      expect(s.a).not.toContain(`-${a.name}`);
      expect(s.b).not.toContain(`-${b.name}`);
      expect(`${s.a}${s.b}`).not.toMatch(/\b[0-9a-f]{16}\b/);
    }
  });

  test("private networking exists only where the profile is private", () => {
    const privateOnly = (c: EnvironmentConfig, other: EnvironmentConfig) => c.network.profile === "private" && other.network.profile === "public";
    expect(d().onlyIn.a.some((r) => r.startsWith("azurerm_private_endpoint "))).toBe(privateOnly(a, b));
    expect(d().onlyIn.b.some((r) => r.startsWith("azurerm_private_endpoint "))).toBe(privateOnly(b, a));
  });
});

test("findings and suppressions the stack derives (dev's warnings, prod's alert rules while nobody is told) are differences too", () => {
  const dev = environments.find((e) => e.tier === "dev");
  const prodTier = environments.find((e) => e.tier === "prod" && (e.monitoring.alertEmailReceivers ?? []).length === 0);
  if (!dev || !prodTier) return;
  const d = diffStacks(side(dev.name), side(prodTier.name));
  // Dev's findings are warnings (its tier lets them through); prod's only ones are its alert rules
  // without receivers (a warning in the prod tier), not accepted exceptions.
  const f = row(d, /^security rule pack$/, "findings");
  expect(f?.a).toContain("key-vault-purge-protection on workspace/key-vault");
  expect(f?.a).not.toContain("alert-receiver-configured");
  expect(f?.b).toBe(["failed-aml-job", "failed-pipeline-run", "long-run"].map((r) => `alert-receiver-configured on alerts/${r}`).join("; "));
  const s = row(d, /^security rule pack$/, "suppressions");
  expect(`${s?.a ?? ""} ${s?.b ?? ""}`).not.toContain("alert-receiver-configured");
});

test("a value differing only by the environment's name is equal; one differing otherwise keeps its difference", () => {
  const [dev, prod] = [normaliser("dev"), normaliser("prod")];
  expect(["rg-amldp-dev", "stamldpdev", "dev", "aml-datapath/dev.tfstate"].map(dev)).toEqual(["rg-amldp-{env}", "stamldp{env}", "{env}", "aml-datapath/{env}.tfstate"]);
  expect(prod("rg-amldp-prod")).toBe(dev("rg-amldp-dev"));
  expect(dev("Standard_DS3_v2")).not.toBe(prod("Standard_DS4_v2"));
  expect(dev("component 0123456789abcdef")).toBe("component {hash}");
});

test("the text report and --json from the CLI, offline (no subscription, no Azure client)", async () => {
  const [a, b] = [environments[environments.length - 2].name, environments[environments.length - 1].name];
  const never = () => {
    throw new Error("diff must not create Azure clients");
  };
  const text = await cli(["diff", a, b], { cwd: app(), env: { AZURE_SUBSCRIPTION_ID: undefined }, clients: never });
  expect([text.code, text.err]).toEqual([0, ""]);
  expect(text.out).toBe(formatDiff(diffStacks(side(a), side(b))));
  const json = await cli(["diff", a, b, "--json"], { cwd: app(), clients: never });
  expect(JSON.parse(json.out)).toMatchObject({ a, b, settings: expect.any(Array), onlyIn: { a: expect.any(Array), b: expect.any(Array) } });
  const help = await cli(["diff", "--help"], { cwd: app() });
  expect(help.out).toContain(`aml-datapath diff <${environments.map((e) => e.name).sort().join("|")}> <`);
});

test("diff needs two environments that have synthesized stacks", async () => {
  const one = await cli(["diff", "dev"], { cwd: app() });
  expect([one.code, one.err]).toEqual([2, `aml-datapath: diff needs two environments (of ${environments.map((e) => e.name).sort().join(", ")}), got 1`]);
  const unknown = await cli(["diff", "dev", "staging"], { cwd: app() });
  expect(unknown.code).toBe(2);
  expect(unknown.err).toContain(`unknown environment "staging"`);
  // An environment from aml-datapath.json has no stack to compare.
  const dir = fs.mkdtempSync(path.join(app(), "..", "diff-config-"));
  const entry = (name: string) => ({
    name,
    data_factory_id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.DataFactory/factories/adf-${name}`,
    adf_pipeline_name: "datapath",
    workspace_id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw-${name}`,
    location: "westeurope",
    input_datastore_name: "input_data",
    batch_endpoint_name: `ep-${name}`,
  });
  fs.writeFileSync(path.join(dir, "aml-datapath.json"), JSON.stringify({ environments: [entry("a"), entry("b")] }));
  try {
    const r = await cli(["diff", "a", "b"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`environment "a" has no synthesized stack to compare (it comes from aml-datapath.json)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
