import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { AddressInfo } from "net";
import selfsigned from "selfsigned";

/**
 * A local stand-in for Azure Resource Manager (and AML's run history, Blob storage's List Blobs
 * path-style at /<account>/<container>, and the Retail Prices API) on 127.0.0.1: HTTPS with a
 * throwaway certificate, which in-process tests trust through their clients' agent and the binary's
 * tests through NODE_EXTRA_CA_CERTS. It answers only the documented operations the CLI may call,
 * checks their api-versions and auth header (an ARM token, a storage token, or none for the
 * public price list), and records anything else as unexpected (answered 500).
 */
export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Never answer (the client must time out). */
  readonly hang?: boolean;
  /** A body sent as it is (Blob storage answers XML), with its content type. */
  readonly text?: { readonly body: string; readonly contentType: string };
}

export interface RecordedRequest {
  readonly method: string;
  readonly operation: string;
  readonly path: string;
  readonly apiVersion: string | null;
  /** The query string (including api-version). */
  readonly query: string;
  readonly headers: import("http").IncomingHttpHeaders;
  readonly body: unknown;
  readonly at: number;
}

type Handler = (req: RecordedRequest, n: number) => Reply;

const SUB = "/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)";
const ADF = `${SUB}/providers/Microsoft.DataFactory/factories/(?<factory>[^/]+)`;
const WS = `${SUB}/providers/Microsoft.MachineLearningServices/workspaces/(?<ws>[^/]+)`;

/** The ARM operations the CLI uses: method, path, and the api-version it must send (the SDK's, or the one the CLI sets). */
export const OPERATIONS = {
  createRun: { method: "POST", path: new RegExp(`^${ADF}/pipelines/(?<pipeline>[^/]+)/createRun$`), apiVersion: "2018-06-01" },
  getRun: { method: "GET", path: new RegExp(`^${ADF}/pipelineruns/(?<run>[^/]+)$`), apiVersion: "2018-06-01" },
  queryActivityRuns: { method: "POST", path: new RegExp(`^${ADF}/pipelineruns/(?<run>[^/]+)/queryActivityruns$`), apiVersion: "2018-06-01" },
  queryPipelineRuns: { method: "POST", path: new RegExp(`^${ADF}/queryPipelineRuns$`), apiVersion: "2018-06-01" },
  getJob: {
    method: "GET",
    path: new RegExp(`^${WS}/jobs/(?<job>[^/]+)$`),
    apiVersion: "2024-04-01",
  },
  cancelRun: { method: "POST", path: new RegExp(`^${ADF}/pipelineruns/(?<run>[^/]+)/cancel$`), apiVersion: "2018-06-01" },
  cancelJob: { method: "POST", path: new RegExp(`^${WS}/jobs/(?<job>[^/]+)/cancel$`), apiVersion: "2024-04-01" },
  // prune-deployments: the batch endpoint (its default deployment), its deployments, deleting one.
  getBatchEndpoint: { method: "GET", path: new RegExp(`^${WS}/batchEndpoints/(?<endpoint>[^/]+)$`), apiVersion: "2024-04-01" },
  listBatchDeployments: { method: "GET", path: new RegExp(`^${WS}/batchEndpoints/(?<endpoint>[^/]+)/deployments$`), apiVersion: "2024-04-01" },
  deleteBatchDeployment: { method: "DELETE", path: new RegExp(`^${WS}/batchEndpoints/(?<endpoint>[^/]+)/deployments/(?<deployment>[^/]+)$`), apiVersion: "2024-04-01" },
  // verify: the resources a stack makes (and the owners of what it references), read-only.
  getAmlAsset: { method: "GET", path: new RegExp(`^${WS}/(?<kind>codes|components|environments)/(?<name>[^/]+)(/versions/(?<version>[^/]+))?$`), apiVersion: "2024-04-01" },
  getBatchDeployment: { method: "GET", path: new RegExp(`^${WS}/batchEndpoints/(?<endpoint>[^/]+)/deployments/(?<deployment>[^/]+)$`), apiVersion: "2024-04-01" },
  getDatastore: { method: "GET", path: new RegExp(`^${WS}/datastores/(?<datastore>[^/]+)$`), apiVersion: "2024-04-01" },
  getCompute: { method: "GET", path: new RegExp(`^${WS}/computes/(?<compute>[^/]+)$`), apiVersion: "2024-04-01" },
  getWorkspace: { method: "GET", path: new RegExp(`^${WS}$`), apiVersion: "2024-04-01" },
  getFactory: { method: "GET", path: new RegExp(`^${ADF}$`), apiVersion: "2018-06-01" },
  getAdfPipeline: { method: "GET", path: new RegExp(`^${ADF}/pipelines/(?<pipeline>[^/]+)$`), apiVersion: "2018-06-01" },
  getTrigger: { method: "GET", path: new RegExp(`^${ADF}/triggers/(?<trigger>[^/]+)$`), apiVersion: "2018-06-01" },
  listRoleAssignments: { method: "GET", path: /^(?<scope>\/subscriptions\/.+)\/providers\/Microsoft\.Authorization\/roleAssignments$/, apiVersion: "2022-04-01" },
  listRoleDefinitions: { method: "GET", path: /^\/subscriptions\/(?<sub>[^/]+)\/providers\/Microsoft\.Authorization\/roleDefinitions$/, apiVersion: "2022-04-01" },
  // AML run history (the regional data plane): child runs of a pipeline job and a run's error.
  jobChildren: { method: "GET", path: new RegExp(`^/history/v1\\.0${WS}/runs/(?<job>[^/]+)/children$`), apiVersion: null },
  runDetails: { method: "GET", path: new RegExp(`^/history/v1\\.0${WS}/runs/(?<job>[^/]+)/details$`), apiVersion: null },
  // Blob storage's List Blobs (path-style, AML_DATAPATH_BLOB_ENDPOINT=<url>/{account}), with a storage token.
  listBlobs: { method: "GET", path: /^\/(?<account>[a-z0-9]{3,24})\/(?<container>[a-z0-9-]{3,63})$/, apiVersion: null, auth: "storage" },
  // The public Azure Retail Prices API (AML_DATAPATH_PRICES_ENDPOINT=<url>/api/retail/prices): no token at all.
  retailPrices: { method: "GET", path: /^\/api\/retail\/prices$/, apiVersion: null, auth: "none" },
} as const;
export type Operation = keyof typeof OPERATIONS;

export class FakeArm {
  readonly requests: RecordedRequest[] = [];
  readonly unexpected: string[] = [];
  /** PEM file of the server's certificate, for the client's NODE_EXTRA_CA_CERTS (set by start()). */
  certFile = "";
  private server?: https.Server;
  private readonly counts = new Map<Operation, number>();
  private readonly pending: import("http").ServerResponse[] = [];
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(
    private readonly handlers: Partial<Record<Operation, Handler>>,
    private readonly token = "test-token",
    private readonly storageToken = "storage-token",
  ) {}

  async start(): Promise<string> {
    const pems = await selfsigned.generate([{ name: "commonName", value: "127.0.0.1" }], {
      notAfterDate: new Date(Date.now() + 24 * 3600_000),
      keySize: 2048,
      extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
    });
    this.certFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "fake-arm-")), "cert.pem");
    fs.writeFileSync(this.certFile, pems.cert);
    this.server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => this.handle(req.method ?? "", req.url ?? "", req.headers, raw, res));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    return `https://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.pending) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    if (this.certFile) fs.rmSync(path.dirname(this.certFile), { recursive: true, force: true });
  }

  /** Resolves once `count` requests for `op` have arrived (at once if they have). */
  received(op: Operation, count = 1): Promise<void> {
    return new Promise((resolve) => {
      const check = () => this.calls(op).length >= count;
      if (check()) return resolve();
      this.waiters.push({ check, resolve });
    });
  }

  /** Requests made for one operation, in order. */
  calls(op: Operation): RecordedRequest[] {
    return this.requests.filter((r) => r.operation === op);
  }

  private handle(method: string, url: string, headers: import("http").IncomingHttpHeaders, raw: string, res: import("http").ServerResponse): void {
    const auth = headers.authorization;
    const u = new URL(url, "https://127.0.0.1");
    const entry = (Object.entries(OPERATIONS) as [Operation, (typeof OPERATIONS)[Operation]][]).find(([, o]) => o.method === method && o.path.test(u.pathname));
    let body: unknown = raw;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      /* keep raw */
    }
    const reply = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(payload === undefined ? "" : JSON.stringify(payload));
    };
    if (!entry) {
      this.unexpected.push(`${method} ${u.pathname}${u.search}`);
      return reply(500, { error: { code: "Unexpected", message: `unexpected request ${method} ${u.pathname}` } });
    }
    const [operation, spec] = entry;
    const record: RecordedRequest = { method, operation, path: u.pathname, apiVersion: u.searchParams.get("api-version"), query: u.search, headers, body, at: Date.now() };
    this.requests.push(record);
    const ready = this.waiters.filter((w) => w.check());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
    if (record.apiVersion !== spec.apiVersion) {
      this.unexpected.push(`${operation} with api-version ${record.apiVersion} (expected ${spec.apiVersion})`);
      return reply(400, { error: { code: "InvalidApiVersion", message: "unsupported api-version" } });
    }
    const kind = "auth" in spec ? spec.auth : "arm";
    const expected = kind === "none" ? undefined : `Bearer ${kind === "storage" ? this.storageToken : this.token}`;
    if (auth !== expected) {
      this.unexpected.push(kind === "none" ? `${operation} with an Authorization header (it must carry no token)` : `${operation} without the ${kind} bearer token`);
      return reply(401, { error: { code: "InvalidAuthenticationToken", message: "no token" } });
    }
    if (kind === "storage" && !headers["x-ms-version"]) this.unexpected.push(`${operation} without x-ms-version`);
    const handler = this.handlers[operation];
    if (!handler) {
      this.unexpected.push(`${operation} (no handler in this scenario)`);
      return reply(500, { error: { code: "Unexpected", message: operation } });
    }
    const n = (this.counts.get(operation) ?? 0) + 1;
    this.counts.set(operation, n);
    const r = handler(record, n);
    if (r.hang) {
      this.pending.push(res);
      return;
    }
    if (r.text) {
      res.writeHead(r.status, { "content-type": r.text.contentType, ...(r.headers ?? {}) });
      return void res.end(r.text.body);
    }
    reply(r.status, r.body, r.headers);
  }
}

/** ARM's error body shape. */
export const armError = (code: string, message: string) => ({ error: { code, message } });
