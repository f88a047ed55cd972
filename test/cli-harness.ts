/**
 * Running the CLI in-process in tests: a fake clock (no real sleeping; a request's timeout fires when
 * the test moves the clock), captured output, clients that talk to the local ARM stand-in with a
 * static token, and apps synthesized into temp folders (the sample app's environments, or another
 * team's app).
 */
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { createClients, STORAGE_SCOPE } from "../cli/azure";
import { Clock, Context, Vars } from "../cli/context";
import { productionContext, run } from "../cli/main";
import { EnvironmentConfig } from "../stacks/config";
import { DatapathStack } from "../stacks/datapath-stack";
import type { FakeArm } from "./fake-arm";

export const SUB = "00000000-0000-0000-0000-0000000000aa";

/**
 * Virtual time: `sleep` moves it on at once (and records how long it was asked to wait), `timeout`
 * signals abort when it passes their deadline; `advance` moves it without a sleep (a request that
 * never answers).
 */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  private t: number;
  private timers: { at: number; abort: () => void }[] = [];

  constructor(start = Date.parse("2026-11-25T10:00:00Z")) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    this.sleeps.push(ms);
    this.advance(ms);
    // Let I/O and other callbacks run, as a real wait would.
    return new Promise((resolve) => setImmediate(resolve));
  }

  timeout(ms: number): AbortSignal {
    const controller = new AbortController();
    this.timers.push({ at: this.t + ms, abort: () => controller.abort(new DOMException("The operation timed out.", "TimeoutError")) });
    return controller.signal;
  }

  /** Moves the time on by `ms`, firing the timeouts that are due. */
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const x of due) x.abort();
  }
}

/** A fixed token per audience: `storage-token` for storage's data plane, `test-token` for anything else (the stand-in checks which). */
class StaticToken implements TokenCredential {
  constructor(private readonly token: string) {}
  async getToken(scopes: string | string[]): Promise<AccessToken> {
    const storage = [scopes].flat().includes(STORAGE_SCOPE);
    return { token: storage ? "storage-token" : this.token, expiresOnTimestamp: Date.now() + 3600_000 };
  }
}

export interface Result {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** What `write` got (the redrawn progress block on a terminal). */
  readonly written: string;
  readonly clock: FakeClock;
}

export interface RunOptions {
  /** The ARM stand-in (and its URL) the clients talk to: the cloud variables point at it, its certificate is trusted. */
  readonly arm?: { readonly arm: FakeArm; readonly url: string };
  /** Working directory (the app is found from it). */
  readonly cwd?: string;
  /** Environment variables (AZURE_SUBSCRIPTION_ID is SUB unless given; HOME points nowhere). */
  readonly env?: Vars;
  readonly clock?: FakeClock;
  readonly isTty?: boolean;
  readonly columns?: number;
  /** Called with each stdout line; `abort` is Ctrl-C. */
  readonly onOut?: (line: string, abort: () => void) => void;
  /** Replaces the clients factory (e.g. one that must never be called). */
  readonly clients?: Context["clients"];
  /** Ctrl-C: aborting it is what bin/aml-datapath.js does on SIGINT. */
  readonly controller?: AbortController;
}

/** Runs the CLI in-process with `args`; nothing touches the real clock, terminal or process. */
export async function cli(args: readonly string[], o: RunOptions = {}): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  let written = "";
  const clock = o.clock ?? new FakeClock();
  const controller = o.controller ?? new AbortController();
  const ca = o.arm ? fs.readFileSync(o.arm.arm.certFile, "utf8") : undefined;
  const env: Vars = {
    HOME: "/nonexistent",
    AZURE_SUBSCRIPTION_ID: SUB,
    // The stand-in serves ARM, run history, Blob storage (path-style) and the price list.
    ...(o.arm
      ? { AML_DATAPATH_ARM_ENDPOINT: o.arm.url, AML_DATAPATH_AML_ENDPOINT: o.arm.url, AML_DATAPATH_BLOB_ENDPOINT: `${o.arm.url}/{account}`, AML_DATAPATH_PRICES_ENDPOINT: `${o.arm.url}/api/retail/prices` }
      : {}),
    ...(o.env ?? {}),
  };
  const ctx = productionContext({
    out: (l) => {
      out.push(l);
      o.onOut?.(l, () => controller.abort());
    },
    err: (l) => err.push(l),
    write: (t) => (written += t),
    isTty: o.isTty ?? false,
    columns: o.columns ?? 120,
    clock,
    env,
    signal: controller.signal,
    cwd: o.cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), "cli-empty-")),
    clients:
      o.clients ??
      ((t) => {
        if (!ca) throw new Error("this test has no ARM stand-in: no request may be sent");
        return createClients(t, {
          credential: new StaticToken("test-token"),
          // Trust the stand-in's certificate; the SDK's own retries wait milliseconds, not seconds.
          pipeline: { agent: new https.Agent({ ca }), retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } },
        });
      }),
  });
  const code = await run(args, ctx);
  return { code, out: out.join("\n"), err: err.join("\n"), written, clock };
}

/** Runs `body` with a started stand-in, stopping it afterwards. */
export async function withArm(arm: FakeArm, body: (a: { arm: FakeArm; url: string }) => Promise<void>): Promise<void> {
  const url = await arm.start();
  try {
    await body({ arm, url });
  } finally {
    await arm.stop();
  }
}

/** A folder with a cdktf.json (and `output` in it, when given). */
export function appFolder(prefix: string, output?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.writeFileSync(path.join(dir, "cdktf.json"), JSON.stringify({ language: "typescript", app: "node main.js", ...(output ? { output } : {}) }));
  return dir;
}

const sampleApps = new Map<string, string>();

/**
 * The sample app's environments synthesized into a temp app folder (cdktf.json, cdktf.out/stacks/<env>),
 * as `npm run synth` writes them; made once per test file and set of environments.
 */
export function sampleApp(configs: readonly EnvironmentConfig[]): string {
  const key = configs.map((c) => c.name).join(",");
  let dir = sampleApps.get(key);
  if (!dir) {
    dir = appFolder("cli-sample-app");
    const app = new App({ outdir: path.join(dir, "cdktf.out") });
    for (const cfg of configs) new DatapathStack(app, cfg.name, cfg, { useBackend: true });
    app.synth();
    sampleApps.set(key, dir);
  }
  return dir;
}
