/**
 * `aml-datapath verify --env <env>`: the live platform against the synthesized stack, read-only.
 *
 * Asset versions and batch deployments are created by `azapi_resource_action` PUTs, which Terraform
 * never reads back: a version deleted or changed in Azure goes unnoticed by a plan and fails runs
 * later. This reads (ARM GETs only) what the stack says must exist and compares: every PUT action and
 * azapi resource (the synthesized body as a subset of the live one; for the ADF pipeline the
 * activities exactly), the endpoint settings `azapi_update_resource` makes, the ADF triggers' runtime
 * state, and the role assignments. Each item gets one line, with the command that restores it.
 */
import * as path from "path";
import { createPipelineRequest } from "@azure/core-rest-pipeline";
import { Clients, explain, isAuthError } from "./azure";
import { Context, requestSignal, UsageError } from "./context";
import { EXIT } from "./help";
import { Target } from "./target";
import { addressOf, Block, parseRef, readStack, splitType, StackModel, SYNTH_HINT, Unresolved } from "./stack-model";

export interface VerifyOptions {
  /** The folder with cdk.tf.json (default: the environment's synthesized stack). */
  readonly stackDir?: string;
  readonly json: boolean;
  readonly requestTimeoutMs: number;
  /** Requests in flight at once. */
  readonly concurrency?: number;
}

export type Status = "ok" | "missing" | "differs" | "skipped" | "error";

/** One verified item: what it is, how it compares, and the command that restores it. */
export interface Finding {
  readonly status: Status;
  readonly kind: string;
  readonly name: string;
  /** Terraform address of what makes it. */
  readonly address: string;
  readonly id?: string;
  /** For `differs`: the fields that differ. */
  readonly fields?: readonly string[];
  /** Parts that could not be compared, and why. */
  readonly notChecked?: readonly string[];
  readonly restore?: string;
  /** For `skipped` and `error`: why. */
  readonly message?: string;
}

/** An ARM answer that is neither 200 nor 404 (statusCode for isAuthError/explain). */
class ArmError extends Error {
  constructor(message: string, readonly statusCode: number) {
    super(message);
    this.name = "ArmError";
  }
}

/**
 * GETs on Resource Manager, each URL read once, at most `max` at a time. The client's pipeline waits
 * out a 429 for the Retry-After Azure sends (and retries network errors and 5xx) before an answer
 * gets here.
 */
export class Arm {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly cache = new Map<string, Promise<Block | undefined>>();
  /** The first sign-in or permission failure: every later request fails with it at once. */
  authError: unknown;

  /** `signal`: a fresh one for each request (its timeout, or Ctrl-C). */
  constructor(private readonly c: Clients, private readonly signal: () => AbortSignal, private readonly max: number) {}

  /** A resource's JSON, or undefined when it does not exist. */
  resource = (id: string, apiVersion: string): Promise<Block | undefined> => this.get(`${this.c.armEndpoint}${encodePath(id)}?api-version=${apiVersion}`);

  /** Every item of a list (following nextLink), or undefined when its scope does not exist. */
  async list(pathAndQuery: string): Promise<Block[] | undefined> {
    const items: Block[] = [];
    let url: string | undefined = `${this.c.armEndpoint}${pathAndQuery}`;
    for (let page = 0; url && page < 50; page++) {
      const body = await this.get(url);
      if (!body) return page === 0 ? undefined : items;
      items.push(...((body.value as Block[] | undefined) ?? []));
      const next = body.nextLink;
      url = typeof next === "string" && next.startsWith(this.c.armEndpoint) ? next : undefined;
    }
    return items;
  }

  private get(url: string): Promise<Block | undefined> {
    let known = this.cache.get(url);
    if (!known) {
      known = this.send(url);
      this.cache.set(url, known);
    }
    return known;
  }

  private async send(url: string): Promise<Block | undefined> {
    if (this.active < this.max) this.active++;
    else await new Promise<void>((r) => this.waiting.push(r));
    try {
      if (this.authError) throw this.authError;
      const response = await this.c.ml.sendRequest(createPipelineRequest({ url, method: "GET", abortSignal: this.signal() }));
      if (response.status === 404) return undefined;
      let body: unknown;
      try {
        body = JSON.parse(response.bodyAsText ?? "null");
      } catch {
        body = undefined;
      }
      if (response.status !== 200) {
        const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
        const where = url.slice(this.c.armEndpoint.length).replace(/\?.*$/, "");
        throw new ArmError(`HTTP ${response.status} reading ${where}${error ? `: ${error.code ?? ""} ${error.message ?? ""}`.trimEnd() : ""}`, response.status);
      }
      return isBlock(body) ? body : {};
    } catch (e) {
      if (isAuthError(e)) this.authError ??= e;
      throw e;
    } finally {
      // Hand the slot to the next request in line, so no more than `max` are ever in flight.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const isBlock = (v: unknown): v is Block => typeof v === "object" && v !== null && !Array.isArray(v);
const encodePath = (id: string) => id.split("/").map(encodeURIComponent).join("/");
const lastSegment = (id: string) => id.slice(id.lastIndexOf("/") + 1);
const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? "undefined";
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

/** ARM ids and names compare case-insensitively (services return `resourcegroups` and the like). */
function sameScalar(expected: unknown, live: unknown): boolean {
  if (expected === live) return true;
  if (expected === null || expected === undefined || live === null || live === undefined) return expected == live;
  if (typeof expected === "object" || typeof live === "object") return false;
  const [a, b] = [String(expected), String(live)];
  // A service may return "1" for 1 (or the other way round): the same value.
  if (a === b) return true;
  return /^\/subscriptions\//i.test(a) && a.toLowerCase() === b.toLowerCase();
}

const isEmpty = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0) || (isBlock(v) && Object.keys(v).length === 0);
/** Fields ADF adds to an activity with their default value (not a hand edit); empty ones are ignored anyway. */
const ACTIVITY_DEFAULTS: Readonly<Record<string, unknown>> = { state: "Active" };
const keyPath = (parent: string, key: string) => (/^[\w$-]+$/.test(key) ? (parent ? `${parent}.${key}` : key) : `${parent}[${JSON.stringify(key)}]`);

export interface Comparison {
  /** Paths of the fields that differ, with the live and synthesized values of scalars. */
  readonly diffs: string[];
  /** Fields not compared, with why. */
  readonly skipped: string[];
}

/**
 * The synthesized value as a subset of the live one: every field it sets must be there with that
 * value; fields the service adds are ignored, except under a key `strictUnder` names (the ADF
 * pipeline's activities), where a non-empty added field is a hand edit. Lists have the same items;
 * lists of named objects (activities) are matched by name.
 */
export function compareSubset(expected: unknown, live: unknown, strictUnder: (key: string) => boolean = () => false): Comparison {
  const out: Comparison = { diffs: [], skipped: [] };
  const walk = (exp: unknown, got: unknown, at: string, strict: boolean): void => {
    if (exp instanceof Unresolved) {
      out.skipped.push(`${at || "body"}: ${exp.why}`);
      return;
    }
    if (exp === undefined) return;
    if (Array.isArray(exp)) {
      if (got === undefined || got === null) {
        if (exp.length > 0) out.diffs.push(`${at} (missing)`);
        return;
      }
      if (!Array.isArray(got)) return void out.diffs.push(`${at} (not a list)`);
      const named = (xs: unknown[]) => xs.every((x) => isBlock(x) && typeof x.name === "string") && new Set(xs.map((x) => (x as Block).name)).size === xs.length;
      if (exp.length > 0 && named(exp) && named(got)) {
        const byName = new Map(got.map((x) => [(x as Block).name as string, x]));
        for (const e of exp as Block[]) {
          const at2 = `${at}[${JSON.stringify(e.name)}]`;
          if (byName.has(e.name as string)) walk(e, byName.get(e.name as string), at2, strict);
          else out.diffs.push(`${at2} (missing)`);
        }
        const wanted = new Set((exp as Block[]).map((e) => e.name));
        for (const g of got as Block[]) if (!wanted.has(g.name)) out.diffs.push(`${at}[${JSON.stringify(g.name)}] (added)`);
        return;
      }
      if (exp.length !== got.length) out.diffs.push(`${at} (${got.length} items, stack has ${exp.length})`);
      for (let i = 0; i < Math.min(exp.length, got.length); i++) walk(exp[i], got[i], `${at}[${i}]`, strict);
      return;
    }
    if (isBlock(exp)) {
      if (!isBlock(got)) {
        if ((got === undefined || got === null) && isEmpty(exp)) return;
        return void out.diffs.push(`${at}${got === undefined || got === null ? " (missing)" : " (not an object)"}`);
      }
      for (const [k, v] of Object.entries(exp)) walk(v, got[k], keyPath(at, k), strict || strictUnder(k));
      if (strict) {
        for (const [k, v] of Object.entries(got)) {
          if (k in exp || isEmpty(v) || (k in ACTIVITY_DEFAULTS && ACTIVITY_DEFAULTS[k] === v)) continue;
          out.diffs.push(`${keyPath(at, k)} (added: ${show(v)})`);
        }
      }
      return;
    }
    if (sameScalar(exp, got)) return;
    out.diffs.push(got === undefined ? `${at} (missing)` : `${at} (live ${show(got)}, stack ${show(exp)})`);
  };
  walk(expected, live, "", false);
  return out;
}

/** What the resource types are called in the output. */
const KINDS: Readonly<Record<string, string>> = {
  "Microsoft.MachineLearningServices/workspaces/codes": "code container",
  "Microsoft.MachineLearningServices/workspaces/codes/versions": "code version",
  "Microsoft.MachineLearningServices/workspaces/components": "component container",
  "Microsoft.MachineLearningServices/workspaces/components/versions": "component version",
  "Microsoft.MachineLearningServices/workspaces/environments": "environment container",
  "Microsoft.MachineLearningServices/workspaces/environments/versions": "environment version",
  "Microsoft.MachineLearningServices/workspaces/batchEndpoints": "batch endpoint",
  "Microsoft.MachineLearningServices/workspaces/batchEndpoints/deployments": "batch deployment",
  "Microsoft.DataFactory/factories/pipelines": "ADF pipeline",
};
const ADF_PIPELINE = "Microsoft.DataFactory/factories/pipelines";

/** `container:version` for asset versions, `endpoint/deployment` for deployments, else the last segment. */
function nameFromId(id: string): string {
  const m = /(?:^|\/)([^/]+)\/versions\/([^/]+)$/.exec(id) ?? /\/batchEndpoints\/([^/]+)\/deployments\/([^/]+)$/i.exec(id);
  if (m) return `${m[1]}${id.includes("/versions/") ? ":" : "/"}${m[2]}`;
  return lastSegment(id);
}

/** Flattened `a.b = value` pairs of a small body, for naming what an update sets. */
function settings(body: unknown, at = ""): string[] {
  if (!isBlock(body)) return [`${at} = ${typeof body === "string" ? body : show(body)}`];
  return Object.entries(body).flatMap(([k, v]) => settings(v, at ? `${at}.${k}` : k));
}

/** What the checks share. */
interface Checks {
  readonly model: StackModel;
  readonly arm: Arm;
  readonly t: Target;
  /** `terraform -chdir=<the stack's folder> apply`. */
  readonly apply: string;
  /** `terraform -chdir=<the stack's folder> apply -replace=<address>`. */
  readonly replace: (address: string) => string;
}

/** A check, named before it runs (so a failure to read can say which item it was). */
interface Check {
  readonly kind: string;
  readonly name: string;
  readonly address: string;
  readonly run: () => Promise<Finding>;
}

/** An azapi body (PUT action, resource, update) against the live resource. */
function bodyCheck(ctx: Checks, address: string, block: Block, id: () => Promise<string | Unresolved>, name: (id: string) => string): Check {
  const typed = splitType(block.type);
  const kind = (typed && KINDS[typed[0]]) ?? typed?.[0] ?? "resource";
  return {
    kind,
    name: typeof block.name === "string" ? block.name : nameFromId(ctx.model.named(String(block.resource_id))),
    address,
    run: async () => {
      const base = { kind, address };
      const resolved = await id();
      if (!typed) return { ...base, status: "skipped", name: String(block.name ?? "?"), message: `its type "${String(block.type)}" has no api-version` };
      if (resolved instanceof Unresolved) return { ...base, status: "skipped", name: String(block.name ?? "?"), message: resolved.why };
      const label = name(resolved);
      const live = await ctx.arm.resource(resolved, typed[1]);
      if (!live) return { ...base, status: "missing", name: label, id: resolved, restore: ctx.replace(address) };
      const strict = typed[0] === ADF_PIPELINE ? (k: string) => /activities$/i.test(k) : undefined;
      const { diffs, skipped } = compareSubset(await ctx.model.value(block.body ?? {}), live, strict);
      return {
        ...base,
        status: diffs.length > 0 ? "differs" : "ok",
        name: label,
        id: resolved,
        ...(diffs.length > 0 ? { fields: diffs, restore: ctx.replace(address) } : {}),
        ...(skipped.length > 0 ? { notChecked: skipped } : {}),
      };
    },
  };
}

/** The trigger's runtime state (and the pipelines it starts) against the stack. */
function triggerCheck(ctx: Checks, type: string, name: string, block: Block): Check {
  const address = `${type}.${name}`;
  const base = { kind: "ADF trigger", name: String(block.name), address };
  return {
    ...base,
    run: async () => {
      const id = await ctx.model.idOf({ data: false, type, name });
      if (id instanceof Unresolved) return { ...base, status: "skipped", message: id.why };
      const live = await ctx.arm.resource(id, "2018-06-01");
      if (!live) return { ...base, status: "missing", id, restore: ctx.replace(address) };
      // azurerm's `activated` defaults to true: the trigger is started after apply.
      const expectedState = block.activated === false ? "Stopped" : "Started";
      const props = isBlock(live.properties) ? live.properties : {};
      const fields: string[] = [];
      if (props.runtimeState !== expectedState) fields.push(`properties.runtimeState (live ${show(props.runtimeState)}, stack ${show(expectedState)})`);
      const blocks = Array.isArray(block.pipeline) ? block.pipeline : block.pipeline !== undefined ? [block.pipeline] : [];
      const pipelines = await Promise.all(
        (blocks as Block[]).map(async (p) => ({ pipelineReference: { referenceName: await ctx.model.value(p.name) }, parameters: await ctx.model.value(p.parameters ?? {}) })),
      );
      const { diffs, skipped } = compareSubset({ properties: { pipelines } }, live);
      fields.push(...diffs);
      if (fields.length === 0) return { ...base, status: "ok", id, ...(skipped.length > 0 ? { notChecked: skipped } : {}) };
      // Only the state is off: start (or stop) it; anything else is re-created from the stack.
      const m = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.DataFactory\/factories\/([^/]+)\/triggers\/([^/]+)$/i.exec(id);
      const az = m ? `az datafactory trigger ${expectedState === "Started" ? "start" : "stop"} --resource-group ${m[1]} --factory-name ${m[2]} --name ${m[3]}` : undefined;
      const restore = diffs.length === 0 && az ? `${az} (or: ${ctx.apply})` : ctx.replace(address);
      return { ...base, status: "differs", id, fields, restore, ...(skipped.length > 0 ? { notChecked: skipped } : {}) };
    },
  };
}

/** Who a principal id names, for the output: the resource whose identity it is. */
function principalLabel(ctx: Checks, expr: unknown): string {
  const ref = typeof expr === "string" ? parseRef(expr.replace(/^\$\{|\}$/g, "")) : undefined;
  if (ref?.type === "azurerm_client_config") return "the identity running terraform";
  if (ref) return `${String(ctx.model.block(ref)?.name ?? addressOf(ref))}'s identity`;
  return `principal ${String(expr)}`;
}

const guidOf = (id: unknown) => lastSegment(String(id)).toLowerCase();
const sameScope = (a: unknown, b: string) => String(a).replace(/\/$/, "").toLowerCase() === b.replace(/\/$/, "").toLowerCase();

/** A role assignment the stack makes: one with that role for that principal at that scope. */
function roleCheck(ctx: Checks, name: string, block: Block, roleIds: (roleName: string) => Promise<string | undefined>): Check {
  const address = `azurerm_role_assignment.${name}`;
  const role = String(block.role_definition_name ?? block.role_definition_id);
  const kind = "role assignment";
  const who = `"${role}" for ${principalLabel(ctx, block.principal_id)}`;
  return {
    kind,
    name: who,
    address,
    run: async () => {
      const scope = await ctx.model.value(block.scope);
      const scopeLabel = typeof scope === "string" ? scope.split("/").slice(-2).join("/") : String(block.scope);
      const base = { kind, name: `${who} on ${scopeLabel}`, address };
      if (scope instanceof Unresolved) return { ...base, status: "skipped", message: `its scope: ${scope.why}` };
      if (typeof scope !== "string") return { ...base, status: "skipped", message: "its scope is not an id" };
      const wanted = block.role_definition_id !== undefined ? await ctx.model.value(block.role_definition_id) : await roleIds(String(block.role_definition_name));
      if (wanted instanceof Unresolved) return { ...base, status: "skipped", id: scope, message: `its role: ${wanted.why}` };
      if (wanted === undefined) return { ...base, status: "error", id: scope, message: `no role definition named "${role}" in subscription ${ctx.t.subscriptionId}` };
      const principal = await ctx.model.value(block.principal_id);
      const assignments = await ctx.arm.list(
        `${encodePath(scope)}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=${encodeURIComponent("atScope()")}`,
      );
      if (!assignments) return { ...base, status: "missing", id: scope, message: "its scope does not exist", restore: ctx.replace(address) };
      const props = (a: Block) => (isBlock(a.properties) ? a.properties : {});
      const withRole = assignments.filter((a) => guidOf(props(a).roleDefinitionId) === guidOf(wanted));
      const forPrincipal = principal instanceof Unresolved ? withRole : withRole.filter((a) => String(props(a).principalId).toLowerCase() === String(principal).toLowerCase());
      const notChecked = principal instanceof Unresolved ? [`the principal (any holder of the role counts): ${principal.why}`] : undefined;
      if (forPrincipal.some((a) => sameScope(props(a).scope, scope))) return { ...base, status: "ok", id: scope, ...(notChecked ? { notChecked } : {}) };
      const inherited = forPrincipal.find((a) => typeof props(a).scope === "string");
      return {
        ...base,
        status: "missing",
        id: scope,
        restore: ctx.replace(address),
        ...(inherited ? { message: `only inherited from ${String(props(inherited).scope)}` } : {}),
        ...(notChecked ? { notChecked } : {}),
      };
    },
  };
}

/** Everything the stack says must exist, as checks in the stack's order. */
function plan(ctx: Checks): Check[] {
  const m = ctx.model;
  const checks: Check[] = [];
  for (const [name, b] of m.resources("azapi_resource_action")) {
    if (String(b.method).toUpperCase() !== "PUT" || b.when === "destroy") continue;
    checks.push(bodyCheck(ctx, `azapi_resource_action.${name}`, b, async () => m.value(b.resource_id) as Promise<string | Unresolved>, nameFromId));
  }
  for (const [name, b] of m.resources("azapi_resource")) {
    checks.push(bodyCheck(ctx, `azapi_resource.${name}`, b, () => m.idOf({ data: false, type: "azapi_resource", name }), nameFromId));
  }
  for (const [name, b] of m.resources("azapi_update_resource")) {
    const what = (id: string) => `${nameFromId(id)}: ${settings(b.body).join(", ")}`;
    checks.push(bodyCheck(ctx, `azapi_update_resource.${name}`, b, () => m.idOf({ data: false, type: "azapi_update_resource", name }), what));
  }
  for (const type of m.resourceTypes().filter((t) => t.startsWith("azurerm_data_factory_trigger_"))) {
    for (const [name, b] of m.resources(type)) checks.push(triggerCheck(ctx, type, name, b));
  }
  const roleIds = new Map<string, Promise<string | undefined>>();
  const roleId = (roleName: string) => {
    let known = roleIds.get(roleName);
    if (!known) {
      known = ctx.arm
        .list(
          `/subscriptions/${ctx.t.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions?api-version=2022-04-01&$filter=${encodeURIComponent(
            `roleName eq '${roleName}'`,
          )}`,
        )
        .then((defs) => {
          const def = defs?.find((d) => isBlock(d.properties) && d.properties.roleName === roleName);
          return def ? String(def.id ?? def.name) : undefined;
        });
      roleIds.set(roleName, known);
    }
    return known;
  };
  for (const [name, b] of m.resources("azurerm_role_assignment")) checks.push(roleCheck(ctx, name, b, roleId));
  return checks;
}

/** One line per finding (and its restore command). */
export function formatFinding(f: Finding): string[] {
  const what = `${f.kind} ${f.name} (${f.address})`;
  const notChecked = f.notChecked && f.notChecked.length > 0 ? ` (not checked: ${f.notChecked.join("; ")})` : "";
  const head =
    f.status === "differs"
      ? `differs ${what}: ${(f.fields ?? []).join(", ")}`
      : f.status === "skipped"
      ? `skipped ${what} (not checked: ${f.message})`
      : `${f.status} ${what}${f.message ? `: ${f.message}` : ""}`;
  return [`${head}${f.status === "skipped" ? "" : notChecked}`, ...(f.restore ? [`  restore: ${f.restore}`] : [])];
}

const quote = (s: string) => (/^[\w./:=@-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** `verify`: exit 0 when everything matches, 1 when something is missing, differs or cannot be read, 5 on sign-in or permission failures. */
export async function verifyCommand(io: Context, t: Target, o: VerifyOptions): Promise<number> {
  const stackDir = o.stackDir !== undefined ? path.resolve(io.cwd, o.stackDir) : t.stackDir;
  if (stackDir === undefined) {
    throw new UsageError(`environment "${t.env}" has no synthesized stack to verify against (it comes from aml-datapath.json): ${SYNTH_HINT}, or point --stack-dir at the folder with cdk.tf.json`);
  }
  const dir = stackDir;
  const json = readStack(dir, t.env);
  const relative = path.relative(io.cwd, dir);
  const chdir = quote(relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : dir);
  const arm = new Arm(io.clients(t), () => requestSignal(io, o.requestTimeoutMs), o.concurrency ?? 4);
  const model = new StackModel(json, t.subscriptionId, (id, apiVersion) => arm.resource(id, apiVersion));
  const apply = `terraform -chdir=${chdir} apply`;
  const ctx: Checks = { model, arm, t, apply, replace: (address) => `${apply} -replace=${quote(address)}` };
  const findings = await Promise.all(
    plan(ctx).map(async (check): Promise<Finding> => {
      try {
        return await check.run();
      } catch (e) {
        if (io.signal.aborted) throw e;
        // An ARM answer says what it was about; throttling and timeouts get explain's advice.
        const ownMessage = e instanceof ArmError && e.statusCode !== 429;
        return {
          status: "error",
          kind: check.kind,
          name: check.name,
          address: check.address,
          message: ownMessage ? (e as Error).message : explain(e, t, o.requestTimeoutMs / 1000),
        };
      }
    }),
  );
  // Without sign-in or permission the comparison means nothing: one message instead of a line per item.
  if (arm.authError) {
    const e = arm.authError;
    io.err(
      e instanceof ArmError && e.statusCode === 403
        ? `Access denied: ${e.message}. verify reads every resource of the stack and the role assignments at their scopes: the signed-in identity needs "Reader" on resource group ${t.resourceGroup} (subscription ${t.subscriptionId}).`
        : explain(e, t, o.requestTimeoutMs / 1000),
    );
    return EXIT.auth;
  }
  const count = (s: Status) => findings.filter((f) => f.status === s).length;
  const replaces = findings.filter((f) => f.restore === ctx.replace(f.address)).map((f) => f.address);
  if (o.json) {
    io.out(JSON.stringify({ env: t.env, subscriptionId: t.subscriptionId, stackDir: dir, findings }, null, 2));
  } else {
    for (const f of findings) for (const line of formatFinding(f)) io.out(line);
    const parts = [`${count("ok")} ok`, `${count("missing")} missing`, `${count("differs")} differ`, `${count("skipped")} not checked`, `${count("error")} unreadable`];
    io.out(`${t.env}: ${parts.join(", ")}`);
    if (replaces.length > 1) io.out(`restore all: ${apply} ${replaces.map((a) => `-replace=${quote(a)}`).join(" ")}`);
  }
  return count("ok") + count("skipped") === findings.length ? EXIT.ok : EXIT.failed;
}
