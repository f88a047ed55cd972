import { spawnSync } from "child_process";
import * as path from "path";
import { diffEnvironments, formatDiff } from "../cli/diff";
import { environments } from "../stacks/environments";
import { EnvironmentConfig } from "../stacks/config";
import { shared } from "./helpers";

const pairs: [EnvironmentConfig, EnvironmentConfig][] = environments.slice(1).map((b, i) => [environments[i], b]);
const row = (d: ReturnType<typeof diffEnvironments>, resource: RegExp, setting: string) => d.settings.find((s) => resource.test(s.resource) && s.setting === setting);

describe.each(pairs.map(([a, b]) => [a.name, b.name, a, b] as const))("aml-datapath diff %s %s", (_a, _b, a, b) => {
  const d = shared(() => diffEnvironments(a, b));

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

  test("network profile, findings and suppressions appear as environment settings", () => {
    const profile = row(d(), /^environment config$/, "network.profile");
    expect(profile && [profile.a, profile.b]).toEqual(a.network.profile === b.network.profile ? undefined : [a.network.profile, b.network.profile]);
    // Every configured suppression shows up on its side (the stack's derived ones too: see below).
    const s = row(d(), /^environment config$/, "suppressions");
    const configured = (c: EnvironmentConfig) => (c.suppressions ?? []).map((x) => `${x.ruleId} on ${x.path}`).sort();
    if (s) {
      for (const [cfg, side] of [[a, s.a], [b, s.b]] as const) for (const x of configured(cfg)) expect(side).toContain(x);
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

test("suppressions the stack derives (prod without alert receivers) are differences too", () => {
  const prodTier = environments.find((e) => e.tier === "prod" && (e.monitoring.alertEmailReceivers ?? []).length === 0);
  const other = environments.find((e) => e.tier !== "prod");
  if (!prodTier || !other) return;
  const s = row(diffEnvironments(other, prodTier), /^environment config$/, "suppressions");
  expect(s?.b).toContain("alert-receiver-configured on alerts/");
  expect(s?.a ?? "").not.toContain("alert-receiver-configured");
});

test("the text report and --json from the real CLI, offline (no subscription, no network)", () => {
  const [a, b] = [environments[environments.length - 2].name, environments[environments.length - 1].name];
  const bin = path.join(__dirname, "..", "bin", "aml-datapath.js");
  const text = spawnSync(process.execPath, [bin, "diff", a, b], { encoding: "utf8", env: { PATH: process.env.PATH } });
  expect(text.status).toBe(0);
  expect(text.stdout).toBe(`${formatDiff(diffEnvironments(environments.find((e) => e.name === a)!, environments.find((e) => e.name === b)!))}\n`);
  const json = spawnSync(process.execPath, [bin, "diff", a, b, "--json"], { encoding: "utf8", env: { PATH: process.env.PATH } });
  expect(JSON.parse(json.stdout)).toMatchObject({ a, b, settings: expect.any(Array), onlyIn: { a: expect.any(Array), b: expect.any(Array) } });
}, 60_000);

test("a config with problems is refused with its problems, not diffed", () => {
  const [a] = environments;
  const broken = { ...a, cluster: { ...a.cluster, maxNodes: 0 } } as EnvironmentConfig;
  expect(() => diffEnvironments(a, broken)).toThrow(new RegExp(`Invalid configuration \\(1 problem\\):\\n  - ${a.name}/cluster: maxNodes 0 must be an integer from 1 to 1000`));
});
