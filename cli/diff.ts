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

/** Where a line may be broken, best first: after a space, after a separator of ids, lists or paths, after a word's joint. */
const BREAKS = [" ", "/,;&", ".:=?_-"];

/**
 * `s` in lines of at most `width` characters (all of it: nothing is dropped), each broken after the
 * best separator in its second half, else at `width`.
 */
export function wrap(s: string, width: number): string[] {
  const lines: string[] = [];
  let rest = s;
  while (rest.length > width) {
    let cut = width;
    search: for (const chars of BREAKS) {
      for (let i = width - 1; i >= Math.ceil(width / 2); i--) {
        if (chars.includes(rest[i])) {
          cut = i + 1;
          break search;
        }
      }
    }
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  lines.push(rest);
  return lines;
}

/** Where a setting's path may be broken: after a "." or before a "[". */
const joints = (setting: string): number[] => [...setting].flatMap((c, i) => (i > 0 && (setting[i - 1] === "." || c === "[") ? [i] : []));

/** A setting's path in lines of at most `width`, broken between its segments (at `width` only when one segment is longer): never cut. */
export function wrapPath(setting: string, width: number): string[] {
  const lines: string[] = [];
  let rest = setting;
  while (rest.length > width) {
    const at = joints(rest).filter((i) => i <= width);
    const cut = at.length > 0 ? at[at.length - 1] : width;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  lines.push(rest);
  return lines;
}

/**
 * The leading segments all of a resource's settings share (`body.properties.componentSpec.jobs.process`),
 * when there are two settings or more; each keeps at least its last segment.
 */
export function commonPath(settings: readonly string[]): string {
  if (settings.length < 2) return "";
  let prefix = settings[0];
  for (const s of settings.slice(1)) {
    let i = 0;
    while (i < prefix.length && i < s.length && prefix[i] === s[i]) i++;
    prefix = prefix.slice(0, i);
  }
  // Back to a joint that every setting has there, leaving each at least its last segment.
  const ok = (i: number) => settings.every((s) => joints(s).includes(i));
  let end = prefix.length;
  while (end > 0 && !ok(end)) end--;
  return settings[0].slice(0, end).replace(/\.$/, "");
}

const GAP = "  ";
const INDENT = "  ";

/** Widths of the setting, a and b columns within `width`: their natural widths when those fit. */
function columns(rows: readonly (readonly [string, string, string])[], width: number): [number, number, number] {
  const natural = (k: 0 | 1 | 2) => Math.max(...rows.map((r) => r[k].length));
  const [s, a, b] = [natural(0), natural(1), natural(2)];
  const room = Math.max(36, width - INDENT.length - 2 * GAP.length);
  if (s + a + b <= room) return [s, a, b];
  // The setting takes up to 40 %; each value half of the rest, or what it needs when that is less,
  // the other one taking the difference; room the values leave goes back to the setting.
  const values = room - Math.min(s, Math.max(12, Math.floor(room * 0.4)));
  const half = Math.floor(values / 2);
  const aw = a <= half ? a : b <= values - half ? Math.min(a, values - b) : half;
  const bw = Math.min(b, values - aw);
  return [Math.min(s, room - aw - bw), aw, bw];
}

/** A line longer than `width` over several, the continuations indented by `indent` more. */
const fold = (line: string, width: number, indent = "  "): string[] => {
  const lead = /^ */.exec(line)![0];
  const [first, ...rest] = wrap(line.slice(lead.length), Math.max(20, width - lead.length));
  const more = rest.length === 0 ? [] : wrap(rest.join(""), Math.max(20, width - lead.length - indent.length));
  return [lead + first, ...more.map((l) => lead + indent + l)];
};

/**
 * The report as text, fitted to `width` columns (the terminal's): one block per resource, its
 * settings under the path they share, then the resources only one side has. Long settings are
 * wrapped between their segments, long values over continuation lines: nothing is cut.
 */
export function formatDiff(d: EnvironmentDiff, width = 120): string {
  const lines: string[] = [];
  const resources = [...new Set(d.settings.map((s) => s.resource))];
  for (const resource of resources) {
    const settings = d.settings.filter((s) => s.resource === resource);
    const under = commonPath(settings.map((s) => s.setting));
    lines.push("", ...fold(resource, width, "    "));
    if (under) lines.push(...fold(`${INDENT}under ${under}:`, width));
    const rows = [["SETTING", d.a.toUpperCase(), d.b.toUpperCase()] as const, ...settings.map((s) => [s.setting.slice(under ? under.length + (s.setting[under.length] === "." ? 1 : 0) : 0), s.a, s.b] as const)];
    const [sw, aw, bw] = columns(rows, width);
    for (const [setting, a, b] of rows) {
      const cells = [wrapPath(setting, sw), wrap(a, aw), wrap(b, bw)];
      const n = Math.max(...cells.map((c) => c.length));
      for (let i = 0; i < n; i++) lines.push(`${INDENT}${(cells[0][i] ?? "").padEnd(sw)}${GAP}${(cells[1][i] ?? "").padEnd(aw)}${GAP}${cells[2][i] ?? ""}`.trimEnd());
    }
  }
  const only = (env: string, list: readonly string[]) => (list.length === 0 ? [] : ["", `Only in ${env} (${list.length}):`, ...list.flatMap((r) => fold(`${INDENT}${r}`, width))]);
  lines.push(...only(d.a, d.onlyIn.a), ...only(d.b, d.onlyIn.b));
  const summary = `${d.settings.length} setting(s) differ between ${d.a} and ${d.b}; ${d.onlyIn.a.length} resource(s) only in ${d.a}, ${d.onlyIn.b.length} only in ${d.b}.`;
  return [...fold(summary, width), ...lines].join("\n");
}
