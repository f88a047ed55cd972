/**
 * `aml-datapath diff <envA> <envB>`: every setting that differs between two environments, from their
 * synthesized stacks (offline), grouped by resource; what a reviewer reads before promoting.
 *
 * Resources are matched by Terraform address, which does not contain the environment's name. Names
 * derived from the environment (resource group, storage account, ...) are replaced by their role, and
 * content-hash version names by `{hash}`, so only real differences remain.
 */
import { TerraformResource, Testing } from "cdktf";
import { deriveNames } from "../lib/core/naming";
import { EnvironmentConfig } from "../stacks/config";
import { DatapathStack } from "../stacks/datapath-stack";

export interface SettingDifference {
  /** `<terraform type> <construct path>` of the resource. */
  readonly resource: string;
  /** Attribute path inside the resource. */
  readonly setting: string;
  readonly a: string;
  readonly b: string;
}

export interface EnvironmentDiff {
  readonly a: string;
  readonly b: string;
  readonly settings: readonly SettingDifference[];
  /** Resources (`<type> <construct path>`) in one environment only. */
  readonly onlyIn: { readonly a: readonly string[]; readonly b: readonly string[] };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  readonly label: string;
  readonly body: { [key: string]: Json };
}

function resourcesOf(cfg: EnvironmentConfig): { resources: Map<string, Resource>; suppressed: string } {
  const stack = new DatapathStack(Testing.app(), cfg.name, cfg);
  const json = JSON.parse(Testing.synth(stack)) as { resource: Record<string, Record<string, { [key: string]: Json }>> };
  // Construct paths below the stack, by address: the same in every environment.
  const paths = new Map(
    stack.node
      .findAll()
      .filter((c): c is TerraformResource => c instanceof TerraformResource)
      .map((r) => [`${r.terraformResourceType}.${r.friendlyUniqueId}`, r.node.path.split("/").slice(1).join("/")]),
  );
  const out = new Map<string, Resource>();
  for (const [type, byId] of Object.entries(json.resource)) {
    for (const [id, body] of Object.entries(byId)) out.set(`${type}.${id}`, { label: `${type} ${paths.get(`${type}.${id}`) ?? id}`, body });
  }
  // Every accepted exception, the config's and the ones the stack derives (allow-list, receivers), by rule and place.
  const below = (p: string) => p.split("/").slice(1).join("/");
  const suppressed = [...new Set(stack.securityPack.findings.filter((f) => f.suppressedBecause !== undefined).map((f) => `${f.ruleId} on ${below(f.path)}`))].sort().join("; ");
  return { resources: out, suppressed: suppressed || "(none)" };
}

/** Replace what only names the environment, and content hashes, so equal settings compare equal. */
function normaliser(cfg: EnvironmentConfig): (s: string) => string {
  const suffix = cfg.nameSuffix ?? "";
  const names = [
    ...Object.entries(deriveNames(cfg.projectPrefix, cfg.name, suffix)).map(([role, name]) => [name, `{${role}}`] as const),
    // Other names built from prefix and environment (private endpoints, DNS links, networks).
    [[cfg.projectPrefix, cfg.name, suffix].filter(Boolean).join("-"), "{prefix}-{env}"] as const,
    [`${cfg.projectPrefix}-${cfg.name}`, "{prefix}-{env}"] as const,
  ].sort((x, y) => y[0].length - x[0].length);
  return (s: string) => {
    if (s === cfg.name) return "{env}";
    let out = s;
    for (const [name, role] of names) out = out.split(name).join(role);
    return out.replace(/\b[0-9a-f]{16}\b/g, "{hash}").replace(new RegExp(`/${cfg.name}\\.tfstate$`), "/{env}.tfstate");
  };
}

function flatten(value: Json, norm: (s: string) => string, at: string, out: Map<string, string>): void {
  if (Array.isArray(value)) value.forEach((v, i) => flatten(v, norm, `${at}[${i}]`, out));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) if (k !== "//") flatten(v, norm, at ? `${at}.${k}` : k, out);
  } else out.set(at, typeof value === "string" ? norm(value) : JSON.stringify(value));
}

export function diffEnvironments(a: EnvironmentConfig, b: EnvironmentConfig): EnvironmentDiff {
  const { resources: ra, suppressed: sa } = resourcesOf(a);
  const { resources: rb, suppressed: sb } = resourcesOf(b);
  const [na, nb] = [normaliser(a), normaliser(b)];
  const settings: SettingDifference[] = [];
  for (const [address, resA] of ra) {
    const resB = rb.get(address);
    if (!resB) continue;
    const fa = new Map<string, string>();
    const fb = new Map<string, string>();
    flatten(resA.body, na, "", fa);
    flatten(resB.body, nb, "", fb);
    for (const key of [...new Set([...fa.keys(), ...fb.keys()])].sort()) {
      const [va, vb] = [fa.get(key) ?? "(not set)", fb.get(key) ?? "(not set)"];
      if (va !== vb) settings.push({ resource: resA.label, setting: key, a: va, b: vb });
    }
  }
  // What decides rules rather than resources: tier, network profile, how findings are treated, the accepted exceptions.
  const policy = (c: EnvironmentConfig): Record<string, string> => ({
    tier: c.tier,
    "network.profile": c.network.profile,
    securityFindings: c.securityFindings ?? (c.tier === "dev" ? "warning" : "error"),
  });
  const [pa, pb]: Record<string, string>[] = [{ ...policy(a), suppressions: sa }, { ...policy(b), suppressions: sb }];
  for (const key of Object.keys(pa)) if (pa[key] !== pb[key]) settings.push({ resource: "environment config", setting: key, a: pa[key], b: pb[key] });
  const only = (x: Map<string, Resource>, y: Map<string, Resource>) => [...x].filter(([k]) => !y.has(k)).map(([, r]) => r.label).sort();
  return { a: a.name, b: b.name, settings: settings.sort((x, y) => x.resource.localeCompare(y.resource) || x.setting.localeCompare(y.setting)), onlyIn: { a: only(ra, rb), b: only(rb, ra) } };
}

const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
// Setting paths differ at their end: keep the tail.
const clipStart = (s: string, n = 60) => (s.length > n ? `…${s.slice(s.length - n + 1)}` : s);

/** The report as text: one block per resource, then the resources only one side has. */
export function formatDiff(d: EnvironmentDiff): string {
  const lines: string[] = [];
  let current = "";
  const width = Math.max(7, ...d.settings.map((s) => Math.min(60, s.setting.length)));
  const widthA = Math.max(d.a.length, ...d.settings.map((s) => Math.min(40, s.a.length)));
  for (const s of d.settings) {
    if (s.resource !== current) {
      current = s.resource;
      lines.push("", current, `  ${"SETTING".padEnd(width)}  ${d.a.toUpperCase().padEnd(widthA)}  ${d.b.toUpperCase()}`);
    }
    lines.push(`  ${clipStart(s.setting).padEnd(width)}  ${clip(s.a, 40).padEnd(widthA)}  ${clip(s.b, 40)}`);
  }
  const only = (env: string, list: readonly string[]) => (list.length === 0 ? [] : ["", `Only in ${env} (${list.length}):`, ...list.map((r) => `  ${r}`)]);
  lines.push(...only(d.a, d.onlyIn.a), ...only(d.b, d.onlyIn.b));
  const summary = `${d.settings.length} setting(s) differ between ${d.a} and ${d.b}; ${d.onlyIn.a.length} resource(s) only in ${d.a}, ${d.onlyIn.b.length} only in ${d.b}.`;
  return [summary, ...lines].join("\n");
}
