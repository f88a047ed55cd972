/**
 * `npm run --silent plan:summary -- <env>`: a Markdown summary of a saved Terraform plan, for a CI
 * job summary (`>> "$GITHUB_STEP_SUMMARY"`) or a pull request comment.
 *
 *   npm run --silent plan:summary -- <env> [--plan <file>] [--json <file>|-] [--stateful <file>] [--title <text>]
 *
 * By default it reads `terraform -chdir=cdktf.out/stacks/<env> show -json tfplan` (the plan
 * `npm run plan -- <env>` / `npm run deploy -- <env>` saved); `--plan` names another plan file in
 * that folder, `--json` reads JSON Terraform already printed (a file, or `-` for stdin), so no
 * Terraform is needed. It prints the counts (as Terraform's own `Plan:` line counts them, plus
 * replacements, forgotten, imported and moved objects), calls out every destroy or replacement of a
 * stateful address (`test/stateful-addresses.json`, this environment's list) above everything else,
 * lists every change with the names of the attributes it touches (never their values: a plan
 * holds sensitive values in clear), and what changed in Azure outside Terraform.
 *
 * Exit codes: 0 summary printed; 1 the plan could not be read (a Markdown line says why, so the job
 * summary still explains); 2 usage.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

// ---------------------------------------------------------------------------------------------
// Terraform's JSON plan (format 1.x), the parts read here

export interface ResourceChange {
  readonly address: string;
  readonly previous_address?: string;
  readonly mode?: "managed" | "data";
  readonly type?: string;
  readonly change: {
    readonly actions: readonly string[];
    readonly before?: unknown;
    readonly after?: unknown;
    readonly after_unknown?: unknown;
    readonly replace_paths?: readonly (readonly (string | number)[])[];
    readonly importing?: unknown;
  };
  readonly action_reason?: string;
}

export interface PlanJson {
  readonly format_version?: string;
  readonly terraform_version?: string;
  readonly resource_changes?: readonly ResourceChange[];
  readonly resource_drift?: readonly ResourceChange[];
  readonly errored?: boolean;
}

/** What one resource change does, in Terraform's words. */
export type Kind = "create" | "update" | "replace" | "destroy" | "forget" | "import" | "move" | "read" | "no-op";

export function kindOf(rc: ResourceChange): Kind {
  const a = rc.change.actions.join(",");
  if (a === "delete,create" || a === "create,delete") return "replace";
  if (a === "create") return "create";
  if (a === "update") return "update";
  if (a === "delete") return "destroy";
  if (a === "forget") return "forget";
  if (a === "read") return "read";
  // An unchanged object that is imported or moved is still something the plan does.
  if (rc.change.importing !== undefined && rc.change.importing !== null) return "import";
  if (rc.previous_address !== undefined && rc.previous_address !== rc.address) return "move";
  return "no-op";
}

export interface Counts {
  /** Terraform's `Plan: N to add, N to change, N to destroy` (a replacement is one add and one destroy). */
  readonly add: number;
  readonly change: number;
  readonly destroy: number;
  readonly replace: number;
  readonly forget: number;
  readonly import: number;
  readonly move: number;
}

const managed = (rc: ResourceChange) => (rc.mode ?? "managed") === "managed";

export function countChanges(plan: PlanJson): Counts {
  const rcs = (plan.resource_changes ?? []).filter(managed);
  const n = (k: Kind) => rcs.filter((rc) => kindOf(rc) === k).length;
  const imported = rcs.filter((rc) => rc.change.importing !== undefined && rc.change.importing !== null).length;
  const moved = rcs.filter((rc) => rc.previous_address !== undefined && rc.previous_address !== rc.address).length;
  return {
    add: n("create") + n("replace"),
    change: n("update"),
    destroy: n("destroy") + n("replace"),
    replace: n("replace"),
    forget: n("forget"),
    import: imported,
    move: moved,
  };
}

/** `azurerm_x.y["k"]` and `azurerm_x.y[0]` are instances of `azurerm_x.y`. */
export const resourceAddress = (address: string): string => address.replace(/\[[^\]]*\]$/, "");

/** The stateful addresses of `env` from the lock file; an environment it does not list gets every listed address (the names are the same in every stack). */
export function statefulFor(lock: Readonly<Record<string, readonly string[]>>, env: string): { addresses: ReadonlySet<string>; fallback: boolean } {
  if (lock[env]) return { addresses: new Set(lock[env]), fallback: false };
  return { addresses: new Set(Object.values(lock).flat()), fallback: true };
}

/** Top-level attribute names whose value changes (or becomes known only after apply). Names only. */
export function changedAttributes(rc: ResourceChange): string[] {
  const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const before = obj(rc.change.before);
  const after = obj(rc.change.after);
  const unknown = obj(rc.change.after_unknown);
  const names = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  // As Terraform's own diff: a value that differs, or one known only after apply (`(known after apply)`).
  const becomesUnknown = (u: unknown) => u === true || (u !== null && typeof u === "object" && JSON.stringify(u).includes("true"));
  return [...names].filter((k) => becomesUnknown(unknown[k]) || JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/** Attribute paths that force the replacement (`replace_paths`), as `a.b[0]`. */
export function replacePaths(rc: ResourceChange): string[] {
  return (rc.change.replace_paths ?? []).map((p) => p.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join(""));
}

// ---------------------------------------------------------------------------------------------
// Markdown

/** Inline code that survives any address (backticks, pipes in a table). */
function code(text: string): string {
  const t = text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
  const ticks = "`".repeat(Math.max(0, ...(t.match(/`+/g) ?? []).map((m) => m.length)) + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${ticks}${pad}${t}${pad}${ticks}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const REASONS: Readonly<Record<string, string>> = {
  replace_because_cannot_update: "an attribute cannot be updated in place",
  replace_because_tainted: "tainted",
  replace_by_request: "-replace requested",
  replace_by_triggers: "replace_triggered_by",
  delete_because_no_resource_config: "no longer in the configuration",
  delete_because_no_module: "its module is gone",
  delete_because_wrong_repetition: "count/for_each changed",
  delete_because_count_index: "count reduced",
  delete_because_each_key: "for_each key removed",
  delete_because_no_move_target: "moved to an address that does not exist",
};

export interface SummaryOptions {
  readonly env: string;
  /** The stateful-address lock (`test/stateful-addresses.json`). */
  readonly stateful: Readonly<Record<string, readonly string[]>>;
  readonly title?: string;
  /** At most this many rows in the change table. @default 200 */
  readonly maxRows?: number;
}

/** The Markdown summary of one plan. */
export function summarize(plan: PlanJson, o: SummaryOptions): string {
  const out: string[] = [];
  const counts = countChanges(plan);
  const { addresses, fallback } = statefulFor(o.stateful, o.env);
  const rcs = (plan.resource_changes ?? []).filter(managed);
  const changes = rcs.filter((rc) => !["no-op", "read"].includes(kindOf(rc)));
  const isStateful = (rc: ResourceChange) => addresses.has(resourceAddress(rc.address));

  out.push(`### ${o.title ?? `Terraform plan: ${code(o.env)}`}`, "");
  if (plan.errored) out.push("> [!WARNING]", "> Terraform reported errors while planning: this plan is incomplete and cannot be applied.", "");
  const extras = [
    counts.replace ? `${counts.replace} replaced` : "",
    counts.forget ? `${counts.forget} forgotten` : "",
    counts.import ? `${counts.import} imported` : "",
    counts.move ? `${counts.move} moved` : "",
  ].filter(Boolean);
  const version = plan.terraform_version ? ` (Terraform ${plan.terraform_version})` : "";
  if (changes.length === 0) {
    out.push(`**No changes.** The infrastructure matches the configuration${version}.`, "");
  } else {
    out.push(`**Plan: ${counts.add} to add, ${counts.change} to change, ${counts.destroy} to destroy.**${extras.length ? ` ${extras.join(", ")}.` : ""}${version}`, "");
  }

  // Stateful addresses first: this is what a reviewer must not miss.
  const lost = changes.filter((rc) => isStateful(rc) && ["replace", "destroy"].includes(kindOf(rc)));
  if (lost.length > 0) {
    out.push(
      "> [!CAUTION]",
      `> **${plural(lost.length, "stateful resource")} ${lost.length === 1 ? "is" : "are"} destroyed or replaced**: data, identity or access is lost (the stateful addresses of \`test/stateful-addresses.json\`). Unless that is intended, do not apply this plan: declare a move (\`declareMove\`, a \`moved\` block) or revert the change.`,
    );
    for (const rc of lost) {
      const why = kindOf(rc) === "replace" ? replaceWhy(rc) : REASONS[rc.action_reason ?? ""] ?? "";
      out.push(`> - **${kindOf(rc)}** ${code(rc.address)}${why ? ` (${why})` : ""}${deployerChanged(rc) ? DEPLOYER_NOTE : ""}`);
    }
    out.push("");
  }
  const forgotten = changes.filter((rc) => isStateful(rc) && kindOf(rc) === "forget");
  if (forgotten.length > 0) {
    out.push("> [!NOTE]", `> ${plural(forgotten.length, "stateful resource")} leave${forgotten.length === 1 ? "s" : ""} Terraform's state without being deleted (a \`removed\` block): ${forgotten.map((rc) => code(rc.address)).join(", ")}.`, "");
  }
  if (fallback) out.push(`_\`test/stateful-addresses.json\` has no list for ${code(o.env)}: every listed environment's addresses were checked._`, "");

  if (changes.length > 0) {
    const order: Kind[] = ["destroy", "replace", "forget", "update", "create", "import", "move"];
    const sorted = [...changes].sort((a, b) => order.indexOf(kindOf(a)) - order.indexOf(kindOf(b)) || a.address.localeCompare(b.address));
    const max = o.maxRows ?? 200;
    out.push("| action | address | what changes |", "|---|---|---|");
    for (const rc of sorted.slice(0, max)) {
      out.push(`| ${kindOf(rc)}${isStateful(rc) && ["replace", "destroy"].includes(kindOf(rc)) ? " :warning:" : ""} | ${code(rc.address)} | ${details(rc)} |`);
    }
    if (sorted.length > max) out.push(`| | … and ${sorted.length - max} more | |`);
    out.push("");
  }

  const drift = (plan.resource_drift ?? []).filter(managed).filter((rc) => !["no-op", "read"].includes(kindOf(rc)));
  if (drift.length > 0) {
    out.push(`<details><summary>${plural(drift.length, "object")} changed outside Terraform (found while refreshing)</summary>`, "");
    for (const rc of drift) {
      const what = kindOf(rc) === "destroy" ? "deleted" : kindOf(rc) === "update" ? `changed: ${changedAttributes(rc).map(code).join(", ") || "(attributes not shown)"}` : kindOf(rc);
      out.push(`- ${code(rc.address)} ${what}`);
    }
    out.push("", "</details>", "");
  }
  return out.join("\n");
}

/**
 * The stack grants whoever runs Terraform upload rights on the code container (`<...>deployer-upload`,
 * principal = the signed-in identity): its principal changing means this plan ran as another identity
 * than the last apply.
 */
const deployerChanged = (rc: ResourceChange) => /deployer-upload/.test(rc.address) && replacePaths(rc).includes("principal_id");
const DEPLOYER_NOTE = ": this plan ran as another identity than the last apply (the grant goes to whoever runs Terraform); plan and deploy as the same identity";

function replaceWhy(rc: ResourceChange): string {
  const paths = replacePaths(rc);
  const forced = paths.length ? `forced by ${paths.map(code).join(", ")}` : REASONS[rc.action_reason ?? ""] ?? "";
  const order = rc.change.actions[0] === "create" ? "new one created first" : "deleted first";
  return [forced, order].filter(Boolean).join("; ");
}

function details(rc: ResourceChange): string {
  switch (kindOf(rc)) {
    case "update":
      return changedAttributes(rc).map(code).join(", ");
    case "replace":
      return replaceWhy(rc);
    case "destroy":
      return REASONS[rc.action_reason ?? ""] ?? "";
    case "forget":
      return "removed from state, not deleted";
    case "move":
      return `moved from ${code(rc.previous_address ?? "")}`;
    case "import":
      return "imported";
    default:
      return rc.previous_address && rc.previous_address !== rc.address ? `moved from ${code(rc.previous_address)}` : "";
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

export class UsageError extends Error {}

const USAGE = "usage: npm run --silent plan:summary -- <env> [--plan <file>] [--json <file>|-] [--stateful <file>] [--title <text>]";

export interface SummaryArgs {
  readonly env: string;
  /** Plan file, relative to the stack folder. */
  readonly plan: string;
  readonly json?: string;
  readonly stateful: string;
  readonly title?: string;
}

export function parseArgs(argv: readonly string[]): SummaryArgs {
  const values: Record<string, string> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (["--plan", "--json", "--stateful", "--title"].includes(a)) {
      const v = argv[++i];
      if (v === undefined || (v.startsWith("--") && v !== "-")) throw new UsageError(`${a} needs a value\n${USAGE}`);
      values[a.slice(2)] = v;
    } else if (a.startsWith("--")) {
      throw new UsageError(`unknown option ${a}\n${USAGE}`);
    } else positionals.push(a);
  }
  if (positionals.length !== 1) throw new UsageError(`name one environment\n${USAGE}`);
  return {
    env: positionals[0],
    plan: values.plan ?? "tfplan",
    json: values.json,
    stateful: values.stateful ?? path.join("test", "stateful-addresses.json"),
    title: values.title,
  };
}

export interface SummaryIo {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly stdin: () => string;
}

/** Resolves to the exit code. */
export function runPlanSummary(argv: readonly string[], io: SummaryIo): number {
  let args: SummaryArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr(`${e.message}\n`);
    return 2;
  }
  const title = args.title ?? `Terraform plan: ${code(args.env)}`;
  const cannot = (why: string) => {
    io.stdout(`### ${title}\n\n**No plan to summarize:** ${why}\n`);
    io.stderr(`plan-summary: ${why}\n`);
    return 1;
  };
  let text: string;
  if (args.json !== undefined) {
    try {
      text = args.json === "-" ? io.stdin() : fs.readFileSync(path.resolve(io.cwd, args.json), "utf8");
    } catch (e) {
      return cannot(`cannot read ${args.json}: ${(e as Error).message}`);
    }
  } else {
    const dir = path.join("cdktf.out", "stacks", args.env);
    if (!fs.existsSync(path.join(io.cwd, dir, args.plan))) return cannot(`${path.join(dir, args.plan)} does not exist (did the plan step fail? its log says why)`);
    const r = spawnSync("terraform", [`-chdir=${dir}`, "show", "-json", "-no-color", args.plan], { cwd: io.cwd, env: io.env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
    if (r.error) return cannot(`terraform: ${r.error.message}`);
    if (r.status !== 0) return cannot(`terraform show -json ${args.plan} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" ")}`);
    text = r.stdout;
  }
  let plan: PlanJson;
  try {
    plan = JSON.parse(text) as PlanJson;
    if (plan === null || typeof plan !== "object" || !String(plan.format_version ?? "").startsWith("1.")) throw new Error(`not a Terraform JSON plan (format_version ${JSON.stringify(plan?.format_version)})`);
  } catch (e) {
    return cannot((e as Error).message);
  }
  let stateful: Record<string, string[]> = {};
  try {
    stateful = JSON.parse(fs.readFileSync(path.resolve(io.cwd, args.stateful), "utf8")) as Record<string, string[]>;
  } catch (e) {
    return cannot(`cannot read the stateful addresses ${args.stateful}: ${(e as Error).message}`);
  }
  io.stdout(summarize(plan, { env: args.env, stateful, title }));
  return 0;
}

if (require.main === module) {
  const exit = runPlanSummary(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    stdin: () => fs.readFileSync(0, "utf8"),
  });
  process.exitCode = exit;
}
