/**
 * Backfill's data paths from the input datastore's container: the sub-folders of a folder at a
 * given depth (Blob storage's List Blobs with a `/` delimiter, which lists the virtual hierarchy of
 * any account, hierarchical namespace or not), kept by a glob and by the dates their names are.
 * Read with a token for `https://storage.azure.com/` (the reader needs "Storage Blob Data Reader"
 * on the container).
 */
import { createHttpHeaders, createPipelineRequest } from "@azure/core-rest-pipeline";
import type { Clients } from "./azure";
import { UsageError } from "./context";
import type { InputContainer } from "./target";

/** The storage REST version sent (any version from 2017-11-09 accepts OAuth tokens). */
export const STORAGE_API_VERSION = "2021-08-06";

/** A fresh signal for each request (its timeout, or Ctrl-C). */
type Signal = () => AbortSignal;

/** A storage error, with what a person can act on. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const decodeXml = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_m, e: string) => {
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    if (e[0] !== "#") return named[e.toLowerCase()];
    return String.fromCodePoint(e[1].toLowerCase() === "x" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });

/** The folder names (`<prefix><name>/`) and the next marker of one List Blobs answer. */
export function parseListing(xml: string): { prefixes: string[]; next?: string } {
  const prefixes = [...xml.matchAll(/<BlobPrefix>\s*<Name( Encoded="true")?>([^<]*)<\/Name>/g)].map((m) => {
    const name = decodeXml(m[2]);
    // Names with characters XML cannot carry come percent-encoded, marked Encoded="true".
    return m[1] ? decodeURIComponent(name) : name;
  });
  const next = /<NextMarker>([^<]+)<\/NextMarker>/.exec(xml)?.[1];
  return { prefixes, next: next ? decodeXml(next) : undefined };
}

/** The sub-folders of `prefix` (`a/b/`, or "" for the container's root), as `a/b/<name>`, in listing order. */
export async function listFolders(c: Clients, where: InputContainer, prefix: string, signal: Signal): Promise<string[]> {
  const endpoint = c.blobEndpoint(where.account);
  if (endpoint === undefined) throw new UsageError("this cloud's blob endpoint is not known: set AML_DATAPATH_BLOB_ENDPOINT (e.g. https://{account}.blob.core.windows.net)");
  const found: string[] = [];
  let marker: string | undefined;
  for (let page = 0; ; page++) {
    const query = new URLSearchParams({ restype: "container", comp: "list", delimiter: "/", maxresults: "5000" });
    if (prefix !== "") query.set("prefix", prefix);
    if (marker) query.set("marker", marker);
    const url = `${endpoint}/${encodeURIComponent(where.container)}?${query.toString()}`;
    const response = await c.storage.sendRequest(createPipelineRequest({ url, method: "GET", abortSignal: signal(), headers: createHttpHeaders({ "x-ms-version": STORAGE_API_VERSION }) }));
    const body = response.bodyAsText ?? "";
    if (response.status !== 200) {
      const code = /<Code>([^<]+)<\/Code>/.exec(body)?.[1] ?? response.headers.get("x-ms-error-code");
      throw new StorageError(storageProblem(response.status, code, where), response.status, code);
    }
    const { prefixes, next } = parseListing(body);
    found.push(...prefixes.map((p) => p.replace(/\/$/, "")));
    if (!next || page >= 10_000) return found;
    marker = next;
  }
}

/** One sentence on a storage error: which role, which container, or which firewall. */
export function storageProblem(status: number, code: string | undefined, where: InputContainer): string {
  const on = `container ${where.container} of storage account ${where.account}`;
  const what = `HTTP ${status}${code ? ` ${code}` : ""}`;
  if (status === 401 || status === 403) {
    return `Access denied (${what}) listing ${on}: the signed-in identity needs the "Storage Blob Data Reader" role on the container (or the account), and the account's firewall must admit this network.`;
  }
  if (status === 404) return `Not found (${what}): ${on}. Is the environment deployed?`;
  return `Listing ${on} failed (${what}).`;
}

// ---------------------------------------------------------------------------------------------
// Which folders: depth, --match and --since/--until.

/** A glob as a regular expression: `*` and `?` within one segment, `[...]` a class, the rest literal. */
export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) throw new UsageError(`--match "${glob}" has a '[' without its ']'`);
      const body = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
      re += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
      i = end;
    } else re += ch.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** `--match`: one pattern per level (when it has `depth` segments) or one for the last level only. */
export function matchLevels(match: string | undefined, depth: number): (RegExp | undefined)[] {
  const levels: (RegExp | undefined)[] = Array(depth).fill(undefined);
  if (match === undefined) return levels;
  const parts = match.split("/");
  if (match === "" || parts.some((p) => p === "")) throw new UsageError(`--match "${match}" must be a glob such as '2026-11-*' (no empty segments)`);
  if (parts.length === depth) return parts.map(globToRegExp);
  if (parts.length === 1) {
    levels[depth - 1] = globToRegExp(match);
    return levels;
  }
  throw new UsageError(`--match "${match}" has ${parts.length} segments: give one (for the folder's own name) or --depth ${depth} (one per level)`);
}

/** A day given as YYYY-MM-DD: its start (UTC ms). */
export function parseDay(option: string, value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const t = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  if (!m || new Date(t).getUTCDate() !== Number(m[3]) || new Date(t).getUTCMonth() !== Number(m[2]) - 1) {
    throw new UsageError(`--${option} "${value}" must be a date, YYYY-MM-DD`);
  }
  return t;
}

const DAY = 24 * 3600_000;

/**
 * The period a folder's path below --under names, or undefined when it is not a date: YYYY,
 * YYYY-MM or YYYY-MM-DD, the parts joined by '-', '_', '.', '/' (one level each) or nothing
 * (YYYYMMDD), each segment optionally `key=value` (year=2026/month=11/day=01).
 */
export function folderPeriod(relative: string): { start: number; end: number } | undefined {
  const joined = relative
    .split("/")
    .map((s) => s.replace(/^[A-Za-z_]\w*=/, ""))
    .join("-");
  const m = /^(\d{4})(?:[-_.]?(\d{2})(?:[-_.]?(\d{2}))?)?$/.exec(joined);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), m[2] === undefined ? undefined : Number(m[2]), m[3] === undefined ? undefined : Number(m[3])];
  if (mo !== undefined && (mo < 1 || mo > 12)) return undefined;
  if (mo === undefined) return { start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) - 1 };
  if (d === undefined) return { start: Date.UTC(y, mo - 1, 1), end: Date.UTC(y, mo, 1) - 1 };
  const start = Date.UTC(y, mo - 1, d);
  if (new Date(start).getUTCDate() !== d) return undefined;
  return { start, end: start + DAY - 1 };
}

export interface FolderQuery {
  /** The folder to look under, relative to the container ("" for its root). */
  readonly under: string;
  readonly depth: number;
  readonly match?: string;
  /** --since/--until, UTC ms of the days' starts (inclusive). */
  readonly since?: number;
  readonly until?: number;
}

export interface FoundPaths {
  /** The data paths, sorted. */
  readonly paths: string[];
  /** Folders left out by --since/--until because their names are not dates. */
  readonly notDates: string[];
  /** List Blobs requests sent. */
  readonly requests: number;
}

/** The folders at `depth` below `under`, kept by --match and --since/--until (listing pruned level by level). */
export async function findDataPaths(c: Clients, where: InputContainer, q: FolderQuery, signal: Signal): Promise<FoundPaths> {
  const levels = matchLevels(q.match, q.depth);
  const base = q.under === "" ? "" : `${q.under}/`;
  let current = [""];
  let requests = 0;
  for (let level = 0; level < q.depth; level++) {
    const next: string[] = [];
    for (const rel of current) {
      requests++;
      const folders = await listFolders(c, where, `${base}${rel}${rel ? "/" : ""}`.replace(/^\/$/, ""), signal);
      for (const folder of folders) {
        const name = folder.slice(folder.lastIndexOf("/") + 1);
        if (levels[level] && !levels[level]!.test(name)) continue;
        next.push(rel ? `${rel}/${name}` : name);
      }
    }
    current = next;
  }
  const notDates: string[] = [];
  const kept = current.filter((rel) => {
    if (q.since === undefined && q.until === undefined) return true;
    const period = folderPeriod(rel);
    if (!period) {
      notDates.push(`${base}${rel}`);
      return false;
    }
    return (q.since === undefined || period.end >= q.since) && (q.until === undefined || period.start <= q.until + DAY - 1);
  });
  return { paths: kept.map((rel) => `${base}${rel}`).sort(), notDates, requests };
}
