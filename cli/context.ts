/**
 * What every command gets: where its output goes, the clock, the Azure clients, the app's
 * environments, the environment variables (as data) and the Ctrl-C signal. `bin/aml-datapath.js`
 * builds the real one (`productionContext`); tests build their own with a fake clock, captured
 * output and clients that talk to a local stand-in.
 */
import type { App } from "./app";
import type { Clients } from "./azure";
import type { Target } from "./target";

export interface Output {
  /** A line on stdout. */
  readonly out: (line: string) => void;
  /** A line on stderr. */
  readonly err: (line: string) => void;
  /** Raw text on stdout (the redrawn progress block). */
  readonly write: (text: string) => void;
  readonly isTty: boolean;
  /** Terminal width in columns (lines of the redrawn block are clipped to it). */
  readonly columns: number;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts; never rejects. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** A signal that aborts after `ms`: one request's timeout. */
  timeout(ms: number): AbortSignal;
}

export type Vars = Readonly<Record<string, string | undefined>>;

export interface Context extends Output {
  readonly clock: Clock;
  /** The Azure clients for a target (production: DefaultAzureCredential and the target's cloud). */
  readonly clients: (t: Target) => Clients;
  /** The environments of the app in `appDir` (default: found from `cwd`, see app.ts). */
  readonly environments: (appDir?: string) => App;
  /** Environment variables, as data (subscription, cloud, PYTHON). */
  readonly env: Vars;
  /** Aborted by Ctrl-C: a command stops what it waits for, says how to resume, and returns EXIT.interrupted. */
  readonly signal: AbortSignal;
  /** The working directory (relative paths in arguments and in printed commands). */
  readonly cwd: string;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    }),
  timeout: (ms) => AbortSignal.timeout(ms),
};

/** Waits `ms` on the context's clock; returns early on Ctrl-C (check `ctx.signal.aborted` after). */
export const sleep = (ctx: Pick<Context, "clock" | "signal">, ms: number): Promise<void> => ctx.clock.sleep(ms, ctx.signal);

/** The signal for one Azure request: its timeout on the context's clock, or Ctrl-C. */
export const requestSignal = (ctx: Pick<Context, "clock" | "signal">, timeoutMs: number): AbortSignal => AbortSignal.any([ctx.signal, ctx.clock.timeout(timeoutMs)]);

/** A mistake in the command line or in the app's environments: exit code 2, nothing was sent to Azure. */
export class UsageError extends Error {}
