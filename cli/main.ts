/**
 * aml-datapath: start and watch runs of the data-path pipeline from the terminal, in whichever app
 * uses the constructs (its environments are its synthesized stacks, see app.ts).
 *
 *   aml-datapath run --env <stack> --path parquet/offerpath3 [--datastore input_data] [--follow]
 *   aml-datapath status <run id> --env <stack> [--follow]
 *   aml-datapath runs --env <stack> [--last 10] [--price] [--json]
 *   aml-datapath backfill --env <stack> (--under <path> [--depth N] [--match <glob>] | --paths-from <file>) [--dry-run]
 *   aml-datapath backfill --env <stack> --resume <state file>
 *   aml-datapath cancel <run id> --env <stack>
 *   aml-datapath prune-deployments --env <stack> [--keep 2] [--dry-run]
 *   aml-datapath verify --env <stack> [--json]
 *   aml-datapath local --path <folder> [--env <stack>]
 *   aml-datapath diff <stack> <stack> [--json]
 *
 * The commands are a table (cli/commands/); this parses the command line strictly against the
 * chosen command's options, prints the usage and help generated from the table, and runs the
 * command with a Context. bin/aml-datapath.js owns the process: Ctrl-C and the exit code.
 */
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { findUp } from "../lib/core/paths";
import type { EnvironmentConfig } from "../stacks/config";
import { App, appDirOf, describeEnvironments, envChoices, readApp } from "./app";
import { COMMANDS } from "./commands";
import { Context, Output, systemClock, UsageError, Vars } from "./context";
import { Args, Command, commandHelp, EXIT, usage } from "./help";

export { EXIT } from "./help";
export { culpritOf, latestPerActivity } from "./follow";

/** Output to the process's stdout and stderr. */
export function processOutput(): Output {
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    write: (t) => process.stdout.write(t),
    isTty: Boolean(process.stdout.isTTY),
    columns: process.stdout.columns ?? 120,
  };
}

/** The real context (process output, system clock, DefaultAzureCredential, the app found from the working directory); `init` replaces parts. */
export function productionContext(init: Partial<Context> = {}): Context {
  const cwd = init.cwd ?? process.cwd();
  return {
    ...processOutput(),
    clock: systemClock,
    clients: (t) => (require("./azure") as typeof import("./azure")).createClients(t),
    environments: (appDir) => readApp(appDirOf(cwd, appDir)),
    env: process.env,
    signal: new AbortController().signal,
    ...init,
    cwd,
  };
}

/** The package's version: package.json is two folders up from dist/cli, one from cli/. */
function packageVersion(): string {
  const dir = findUp(__dirname, "package.json");
  return dir ? String((JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version?: string }).version) : "unknown";
}

/** The app for help texts; its problem, if it cannot be read, becomes a line of the help. */
function appForHelp(ctx: Context, appDir?: string): { app?: App; lines: string[] } {
  try {
    const app = ctx.environments(appDir);
    return { app, lines: describeEnvironments(app, ctx.cwd) };
  } catch (e) {
    return { lines: [`Environments: ${(e as Error).message}`] };
  }
}

function usageText(ctx: Context): string {
  const { app, lines } = appForHelp(ctx);
  return usage(COMMANDS, envChoices(app), lines);
}

function helpText(ctx: Context, name: string, appDir?: string): string {
  const c = COMMANDS[name];
  const { app, lines } = appForHelp(ctx, appDir);
  return commandHelp(name, c, envChoices(app), c.options.env || c.positionals?.usage.includes("{envs}") ? lines : []);
}

const HELP = new Set(["--help", "-h"]);

/** The options and arguments of `argv` for `c`, strictly: an option it does not take is a usage error. */
function parse(name: string, c: Command, argv: readonly string[]): Args {
  const options = Object.fromEntries(Object.entries(c.options).map(([k, o]) => [k, o.short ? { type: o.type, short: o.short } : { type: o.type }]));
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    const err = e as { code?: string; message: string };
    if (!err.code?.startsWith("ERR_PARSE_ARGS")) throw e;
    const option = /'(-[^' ]+)/.exec(err.message)?.[1] ?? "";
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const owners = Object.entries(COMMANDS)
        .filter(([, other]) => option.replace(/^-+/, "") in other.options)
        .map(([n]) => n);
      throw new UsageError(`${name} has no option ${option}${owners.length > 0 ? ` (${owners.join(", ")} ${owners.length > 1 ? "have" : "has"} it)` : ""}: \`aml-datapath ${name} --help\` lists its options`);
    }
    if (/argument missing/.test(err.message)) throw new UsageError(`${option} needs a value (\`aml-datapath ${name} --help\`)`);
    throw new UsageError(`${name}: ${err.message}`);
  }
  const max = c.positionals?.max ?? 0;
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals.slice(max).map((p) => `"${p}"`).join(", ");
    throw new UsageError(`${name} takes ${max === 0 ? "no arguments" : `at most ${max} argument(s)`} besides its options; got ${extra}`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

async function dispatch(argv: readonly string[], ctx: Context): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    ctx.out(usageText(ctx));
    return EXIT.usage;
  }
  if (first === "--version") {
    ctx.out(packageVersion());
    return EXIT.ok;
  }
  if (first === "help" || HELP.has(first)) {
    const topic = rest[0];
    if (topic !== undefined && !(topic in COMMANDS)) throw new UsageError(`no command "${topic}"\n${usageText(ctx)}`);
    ctx.out(topic ? helpText(ctx, topic) : usageText(ctx));
    return EXIT.ok;
  }
  if (first.startsWith("-")) throw new UsageError(`the command comes first: aml-datapath <command> [options]\n${usageText(ctx)}`);
  const c = COMMANDS[first];
  if (!c) throw new UsageError(`unknown command "${first}"\n${usageText(ctx)}`);
  const end = rest.indexOf("--");
  if ((end < 0 ? rest : rest.slice(0, end)).some((a) => HELP.has(a))) {
    // The help names the environments of the app --app-dir points at, if it is given.
    const loose = parseArgs({ args: rest, options: { "app-dir": { type: "string" } }, strict: false, allowPositionals: true }).values["app-dir"];
    ctx.out(helpText(ctx, first, typeof loose === "string" ? loose : undefined));
    return EXIT.ok;
  }
  return c.run(ctx, parse(first, c, rest));
}

/** Runs one command line; resolves to the exit code (nothing here exits the process). */
export async function run(argv: readonly string[], ctx: Context): Promise<number> {
  try {
    return await dispatch(argv, ctx);
  } catch (e) {
    if (ctx.signal.aborted) {
      ctx.err("aml-datapath: interrupted (Ctrl-C)");
      return EXIT.interrupted;
    }
    if (e instanceof UsageError) {
      ctx.err(`aml-datapath: ${e.message}`);
      return EXIT.usage;
    }
    ctx.err(`aml-datapath: ${(e as Error).message ?? String(e)}`);
    return EXIT.failed;
  }
}

/**
 * In-process entry for scripts: `io` replaces the process's output, `vars` the environment
 * variables, and `configs`, when given, are the environments (scripts/integ runs the CLI on the
 * throwaway environment it deploys); otherwise the app is found from the working directory.
 */
export async function main(argv: string[], io?: Partial<Output>, vars?: Vars, configs?: readonly EnvironmentConfig[]): Promise<number> {
  const fromConfigs = (): Partial<Context> => {
    if (!configs) return {};
    const { appOfConfigs } = require("./config-environments") as typeof import("./config-environments");
    return { environments: () => appOfConfigs(configs, process.cwd()) };
  };
  return run(argv, productionContext({ ...(io ?? {}), ...(vars ? { env: vars } : {}), ...fromConfigs() }));
}
