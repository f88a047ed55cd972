/**
 * `aml-datapath diff <envA> <envB>`: every setting that differs between two environments, from their
 * synthesized stacks (offline), grouped by resource; what a reviewer reads before promoting.
 *
 * Resources are matched by Terraform address, which does not contain the environment's name. A value
 * that differs only by the environment's name (resource names, tags, state keys) is not a difference,
 * and content-hash version names read `{hash}`, so only real differences remain. The security rule
 * pack's findings and accepted exceptions come from the synth's annotations (cdktf.out/manifest.json).
 */
import * as fs from "fs";
import * as path from "path";
import type { StackJson } from "./stack-model";

export interface SettingDifference {
  /** `<terraform type> <construct path below the stack>` of the resource. */
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

/** One synth annotation (cdktf.out/manifest.json). */
export interface Annotation {
  readonly constructPath: string;
  readonly level: string;
  readonly message: string;
}

/** One environment's synthesized stack, and its synth annotations when they were found. */
export interface StackSide {
  readonly name: string;
  readonly json: StackJson;
  readonly annotations?: readonly Annotation[];
}

/** The annotations of `stack` in the synth output's manifest.json, if there is one. */
export function annotationsOf(outDir: string, stack: string): Annotation[] | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(outDir, "manifest.json"), "utf8")) as { stacks?: Record<string, { annotations?: Annotation[] }> };
    return manifest.stacks?.[stack]?.annotations ?? undefined;
  } catch {
    return undefined;
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  readonly label: string;
  readonly body: { [key: string]: Json };
}

function resourcesOf(side: StackSide): Map<string, Resource> {
  const out = new Map<string, Resource>();
  for (const [type, byId] of Object.entries(side.json.resource ?? {})) {
    for (const [id, body] of Object.entries(byId)) {
      // The construct path below the stack: the same in every environment.
      const at = ((body as { "//"?: { metadata?: { path?: string } } })["//"]?.metadata?.path ?? "").split("/").slice(1).join("/");
      out.set(`${type}.${id}`, { label: `${type} ${at || id}`, body: body as { [key: string]: Json } });
    }
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Replaces the environment's name (where it starts or ends a word) and content hashes, so equal settings compare equal. */
export function normaliser(env: string): (s: string) => string {
  const name = new RegExp(`(?<![A-Za-z0-9])${escape(env)}|${escape(env)}(?![A-Za-z0-9])`, "g");
  return (s: string) => (s === env ? "{env}" : s.replace(name, "{env}").replace(/\b[0-9a-f]{16}\b/g, "{hash}"));
}

function flatten(value: Json, norm: (s: string) => string, at: string, out: Map<string, string>): void {
  if (Array.isArray(value)) value.forEach((v, i) => flatten(v, norm, `${at}[${i}]`, out));
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) if (k !== "//") flatten(v, norm, at ? `${at}.${k}` : k, out);
  } else out.set(at, typeof value === "string" ? norm(value) : JSON.stringify(value));
}

/** The rule pack's findings and accepted exceptions, `<rule> on <construct path below the stack>`. */
function rulePack(side: StackSide): Record<string, string> | undefined {
  if (!side.annotations) return undefined;
  const list = (suppressed: boolean) =>
    [
      ...new Set(
        side.annotations!.flatMap((a) => {
          const rule = /^\[([\w-]+)\] /.exec(a.message)?.[1];
          if (!rule || / suppressed: /.test(a.message) !== suppressed) return [];
          return [`${rule} on ${a.constructPath.split("/").slice(1).join("/")}`];
        }),
      ),
    ]
      .sort()
      .join("; ") || "(none)";
  return { findings: list(false), suppressions: list(true) };
}

export function diffStacks(a: StackSide, b: StackSide): EnvironmentDiff {
  const [ra, rb] = [resourcesOf(a), resourcesOf(b)];
  const [na, nb] = [normaliser(a.name), normaliser(b.name)];
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
  // What the security rule pack reported, when the synth's annotations are there for both.
  const [pa, pb] = [rulePack(a), rulePack(b)];
  if (pa && pb) for (const key of Object.keys(pa)) if (pa[key] !== pb[key]) settings.push({ resource: "security rule pack", setting: key, a: pa[key], b: pb[key] });
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
