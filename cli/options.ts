/**
 * Options several commands share, and the checks of their values. Each command lists the ones it
 * takes (cli/commands/*.ts); an option it does not list is a usage error.
 */
import type { OptionSpec } from "./help";
import { UsageError } from "./context";

export const ENV: OptionSpec = {
  type: "string",
  value: "<name>",
  help: "environment: a stack of the app, or an entry of aml-datapath.json",
  synopsis: "required",
  environments: true,
};
export const STACK: OptionSpec = { type: "string", value: "<name>", help: "another name for --env" };
export const PIPELINE: OptionSpec = { type: "string", value: "<name>", help: "the pipeline, when the environment has several" };
export const APP_DIR: OptionSpec = {
  type: "string",
  value: "<dir>",
  help: "the app whose environments to use (default: the nearest folder with\ncdktf.json at or above the working directory, else the working directory)",
};
export const REQUEST_TIMEOUT: OptionSpec = { type: "string", value: "<s>", help: "give up on a single Azure request after this long (default 60)" };
export const POLL: OptionSpec = { type: "string", value: "<s>", help: "seconds between two looks at the run while following (default 15)" };
export const TIMEOUT: OptionSpec = { type: "string", value: "<s>", help: "stop following after this long, leaving the run running (default 43200 = 12 h)" };
export const JSON_OUTPUT: OptionSpec = { type: "boolean", help: "machine-readable output", synopsis: "optional" };

/** The options that choose an environment (and a pipeline in it). */
export const SELECT = { env: ENV, stack: STACK, pipeline: PIPELINE, "app-dir": APP_DIR } as const;

/** Seconds given as `--<name> <value>`, in milliseconds; `fallback` seconds when not given. */
export function seconds(name: string, value: string | boolean | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback * 1000;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || n < min) throw new UsageError(`--${name} "${String(value)}" must be a number of seconds >= ${min}`);
  return n * 1000;
}

/** A string option's value (parseArgs gives strings for string options). */
export const str = (v: string | boolean | undefined): string | undefined => (typeof v === "string" ? v : undefined);
