/**
 * `aml-datapath prune-deployments`: delete the older batch deployments of the environment's endpoint.
 *
 * Every code change deploys a new batch deployment (named from the pipeline component's version) and
 * makes it the endpoint's default; Terraform never deletes the old ones. This keeps the endpoint's
 * current default, the newest `keep - 1` others that provisioned (the one before is the rollback
 * target; a failed deployment fills no slot), and any deployment still provisioning, and asks Azure to delete the rest, oldest first, without waiting for
 * the deletions to finish.
 *
 * Only type imports and light modules at the top: the Azure SDKs are loaded once a request is due.
 */
import type { HttpMethods } from "@azure/core-rest-pipeline";
import type { Clients } from "./azure";
import { Context, requestSignal, UsageError } from "./context";
import { EXIT } from "./help";
import { Target } from "./target";
import { JOBS_API_VERSION } from "../lib/pipeline/adf-activities";

/** The ML workspace API version for batch endpoints and deployments (the stable one the jobs use). */
export const BATCH_API_VERSION = JOBS_API_VERSION;

/** Keep the default and the one before it. */
export const DEFAULT_KEEP = 2;

/** Provisioning states in which a deployment may be deleted; any other (Creating, Updating, Scaling, Deleting, ...) is left alone. */
const SETTLED = new Set(["Succeeded", "Failed", "Canceled"]);

/** Pages of deployments followed at most (a nextLink loop must not run forever). */
const MAX_PAGES = 100;

export interface Deployment {
  readonly name: string;
  /** `systemData.createdAt`, ISO 8601. */
  readonly createdAt?: string;
  /** `properties.provisioningState`. */
  readonly provisioningState?: string;
}

export interface PlanLine {
  readonly action: "keep" | "delete";
  readonly name: string;
  /** Why a deployment is kept beyond the count: `default`, its provisioning state, or no creation time. */
  readonly note?: string;
}

/**
 * `--keep`: a whole number >= 1 (the default deployment is always one of them). Without it, the
 * environment's `pipeline.deploymentRetention`, else DEFAULT_KEEP.
 */
export function checkKeep(value: string | undefined, configured?: number): number {
  if (value === undefined) return configured ?? DEFAULT_KEEP;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`--keep "${value}" must be a whole number >= 1 (the endpoint's default deployment is always kept)`);
  }
  return n;
}

/** Why an environment has nothing to prune. */
export function noEndpoint(t: Target): string {
  return `environment "${t.env}"${t.select.includes("--pipeline") ? ` (pipeline ${t.pipelineName})` : ""} starts runs through a classic pipeline endpoint: it has no batch deployments to prune`;
}

const createdMs = (d: Deployment) => (d.createdAt === undefined ? NaN : Date.parse(d.createdAt));

/**
 * What to keep and what to delete: the default first, then the other kept deployments newest first,
 * then the deletions oldest first (the order they are sent in).
 */
export function planPrune(deployments: readonly Deployment[], defaultName: string, keep: number): PlanLine[] {
  const others = deployments
    .filter((d) => d.name !== defaultName)
    .sort((a, b) => (createdMs(b) || 0) - (createdMs(a) || 0) || a.name.localeCompare(b.name));
  const kept: PlanLine[] = [{ action: "keep", name: defaultName, note: "default" }];
  const deleted: PlanLine[] = [];
  let newer = 0;
  for (const d of others) {
    const state = d.provisioningState ?? "Unknown";
    if (Number.isNaN(createdMs(d))) kept.push({ action: "keep", name: d.name, note: "no creation time" });
    // Only a deployment that provisioned fills a slot: a kept one is a rollback target, and a failed one is not.
    else if (state === "Succeeded" && newer < keep - 1) {
      newer++;
      kept.push({ action: "keep", name: d.name });
    } else if (!SETTLED.has(state)) kept.push({ action: "keep", name: d.name, note: state });
    else deleted.push({ action: "delete", name: d.name, ...(state === "Succeeded" ? {} : { note: state }) });
  }
  return [...kept, ...deleted.reverse()];
}

export interface PruneOptions {
  readonly keep: number;
  readonly dryRun: boolean;
  readonly timeoutMs: number;
}

type Signal = () => AbortSignal;

interface ArmResponse {
  readonly status: number;
  readonly body: unknown;
}

/** An ARM error the way the SDKs throw it: `statusCode` for isAuthError/explain, ARM's message. */
function armFailure(what: string, r: ArmResponse): Error {
  const message = (r.body as { error?: { message?: string } } | null)?.error?.message;
  return Object.assign(new Error(`${what}: HTTP ${r.status}${message ? ` ${message}` : ""}`), { statusCode: r.status });
}

async function send(c: Clients, method: HttpMethods, url: string, signal: Signal): Promise<ArmResponse> {
  const { createPipelineRequest } = require("@azure/core-rest-pipeline") as typeof import("@azure/core-rest-pipeline");
  const response = await c.ml.sendRequest(createPipelineRequest({ url, method, abortSignal: signal() }));
  let body: unknown = undefined;
  try {
    body = response.bodyAsText ? JSON.parse(response.bodyAsText) : undefined;
  } catch {
    body = response.bodyAsText;
  }
  return { status: response.status, body };
}

function endpointUrl(c: Clients, t: Target, endpoint: string, suffix = ""): string {
  return `${c.armEndpoint}${t.workspaceId}/batchEndpoints/${encodeURIComponent(endpoint)}${suffix}`;
}

const withVersion = (url: string) => `${url}?api-version=${BATCH_API_VERSION}`;

/** The endpoint's default deployment (`properties.defaults.deploymentName`), if it has one. */
async function defaultDeployment(c: Clients, t: Target, endpoint: string, signal: Signal): Promise<string | undefined> {
  const r = await send(c, "GET", withVersion(endpointUrl(c, t, endpoint)), signal);
  if (r.status !== 200) throw armFailure(`reading batch endpoint ${endpoint}`, r);
  const name = (r.body as { properties?: { defaults?: { deploymentName?: unknown } | null } } | null)?.properties?.defaults?.deploymentName;
  return typeof name === "string" && name !== "" ? name : undefined;
}

/** All deployments of the endpoint, every page (nextLink is followed only on the same Resource Manager). */
async function listDeployments(c: Clients, t: Target, endpoint: string, signal: Signal): Promise<Deployment[]> {
  const out: Deployment[] = [];
  let url: string | undefined = withVersion(endpointUrl(c, t, endpoint, "/deployments"));
  for (let page = 0; url; page++) {
    if (page >= MAX_PAGES) throw new Error(`listing the deployments of ${endpoint}: more than ${MAX_PAGES} pages, giving up`);
    const r = await send(c, "GET", url, signal);
    if (r.status !== 200) throw armFailure(`listing the deployments of ${endpoint}`, r);
    const body = (r.body ?? {}) as { value?: { name?: string; systemData?: { createdAt?: string } | null; properties?: { provisioningState?: string } | null }[]; nextLink?: string | null };
    for (const d of body.value ?? []) {
      if (typeof d.name === "string") out.push({ name: d.name, createdAt: d.systemData?.createdAt ?? undefined, provisioningState: d.properties?.provisioningState ?? undefined });
    }
    const next = body.nextLink ?? undefined;
    // The bearer token goes with every request: never to another host than the one configured.
    if (next !== undefined && !next.startsWith(`${c.armEndpoint}/`)) throw new Error(`listing the deployments of ${endpoint}: a nextLink outside ${c.armEndpoint} (${next}), not followed`);
    url = next;
  }
  return out;
}

/** Asks Azure to delete one deployment; 200/202/204 (or 404: already gone). The long-running deletion is not waited for. */
async function deleteDeployment(c: Clients, t: Target, endpoint: string, name: string, signal: Signal): Promise<void> {
  const r = await send(c, "DELETE", withVersion(endpointUrl(c, t, endpoint, `/deployments/${encodeURIComponent(name)}`)), signal);
  if (![200, 202, 204, 404].includes(r.status)) throw armFailure(`deleting deployment ${name}`, r);
}

/** One sentence for an error, worded for the workspace (the shared explain() speaks of the factory). */
function describe(e: unknown, t: Target, endpoint: string, timeoutMs: number): string {
  const status = (e as { statusCode?: number }).statusCode;
  const where = `workspace ${t.workspace} (resource group ${t.resourceGroup}, subscription ${t.subscriptionId})`;
  if (status === 403) {
    return `Access denied (HTTP 403) on batch endpoint ${endpoint} in ${where}: deleting deployments needs a role such as "AzureML Data Scientist" on the workspace ("Reader" is enough for --dry-run).`;
  }
  if (status === 404) return `Not found (HTTP 404): batch endpoint ${endpoint} in ${where}. Is the ${t.env} environment deployed?`;
  return (require("./azure") as typeof import("./azure")).explain(e, t, timeoutMs / 1000);
}

const isAuthError = (e: unknown) => (require("./azure") as typeof import("./azure")).isAuthError(e);

/**
 * Prints one line per deployment on stdout (notes and errors on stderr); resolves to the exit code.
 * Ctrl-C stops before the next deletion (the error goes on to the dispatcher).
 */
export async function pruneDeployments(ctx: Context, c: Clients, t: Target, o: PruneOptions): Promise<number> {
  const io = ctx;
  const signal = () => requestSignal(ctx, o.timeoutMs);
  const endpoint = t.batchEndpoint;
  if (!endpoint) {
    // The command says so before any request; this only guards other callers.
    io.err(`aml-datapath: ${noEndpoint(t)}`);
    return EXIT.usage;
  }
  let plan: PlanLine[];
  try {
    const current = await defaultDeployment(c, t, endpoint, signal);
    const deployments = await listDeployments(c, t, endpoint, signal);
    if (current === undefined) {
      io.err(`Batch endpoint ${endpoint} has no default deployment: which one is in use is unknown, so nothing was deleted.`);
      return EXIT.failed;
    }
    if (!deployments.some((d) => d.name === current)) {
      io.err(`The default deployment ${current} of batch endpoint ${endpoint} is not among its deployments (${deployments.map((d) => d.name).join(", ") || "none"}); nothing was deleted.`);
      return EXIT.failed;
    }
    plan = planPrune(deployments, current, o.keep);
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    io.err(describe(e, t, endpoint, o.timeoutMs));
    return isAuthError(e) ? EXIT.auth : EXIT.failed;
  }
  for (const line of plan) io.out(`${line.action} ${line.name}${line.note ? ` (${line.note})` : ""}`);
  const doomed = plan.filter((l) => l.action === "delete");
  if (doomed.length === 0) {
    io.err(`Nothing to delete: batch endpoint ${endpoint} has ${plan.length} deployment(s), --keep ${o.keep}.`);
    return EXIT.ok;
  }
  if (o.dryRun) {
    io.err(`Dry run: ${doomed.length} deployment(s) of batch endpoint ${endpoint} would be deleted; nothing was deleted.`);
    return EXIT.ok;
  }
  let failed = 0;
  for (const [i, { name }] of doomed.entries()) {
    try {
      if (ctx.signal.aborted) throw new Error("interrupted");
      await deleteDeployment(c, t, endpoint, name, signal);
    } catch (e) {
      if (ctx.signal.aborted) {
        io.err(`Interrupted: deletion requested for ${i - failed} of ${doomed.length} deployment(s) of batch endpoint ${endpoint}; run prune-deployments again for the rest.`);
        return EXIT.interrupted;
      }
      io.err(`Deployment ${name} was not deleted: ${describe(e, t, endpoint, o.timeoutMs)}`);
      // Sign-in and permission failures hold for every deployment: stop at the first.
      if (isAuthError(e)) return EXIT.auth;
      failed++;
    }
  }
  io.err(
    `Deletion requested for ${doomed.length - failed} of ${doomed.length} deployment(s) of batch endpoint ${endpoint}; Azure finishes deleting them in the background.`,
  );
  return failed > 0 ? EXIT.failed : EXIT.ok;
}
