/**
 * The shape of a command (cli/commands/*.ts) and the usage and help generated from the table of
 * commands: what a command accepts is what its help says, and nothing else is accepted.
 */
import type { Context } from "./context";
import { CLOUD_VARIABLES } from "./target";

export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3, unknown: 4, auth: 5, interrupted: 130 } as const;

/** One option: its `util.parseArgs` config and its help. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** The value's placeholder in the help, e.g. `<s>`. */
  readonly value?: string;
  /** What it does and its default; lines after the first continue it. */
  readonly help: string;
  /** In the usage line: bare when required, in brackets when optional; otherwise only in the option list. */
  readonly synopsis?: "required" | "optional";
  /** The usage line shows the environments found instead of `value` (`--env <dev|test|prod>`). */
  readonly environments?: boolean;
}

export type Options = Readonly<Record<string, OptionSpec>>;

/** What a command gets from the command line: option values by name, and its positional arguments. */
export interface Args {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
}

export interface Command {
  /** One line, lowercase, no full stop. */
  readonly summary: string;
  /** Positional arguments: their usage text (`{envs}` stands for the environments) and how many at most. */
  readonly positionals?: { readonly usage: string; readonly max: number };
  readonly options: Options;
  /** Help text after the options (environment variables, what the output looks like). */
  readonly notes?: string;
  /** It talks to Azure: the help explains subscription, sign-in and cloud. */
  readonly azure: boolean;
  readonly run: (ctx: Context, args: Args) => Promise<number>;
}

const EXIT_CODES = `Exit codes:
  0    success
  1    the run failed (or was cancelled), or Azure returned an error; the failing activity and AML step are printed
  2    usage error (nothing was sent to Azure)
  3    --timeout reached while following (the run keeps running)
  4    the outcome is unknown (Azure could not be read repeatedly)
  5    sign-in or permission failure (az login, or the role named in the message)
  130  Ctrl-C (a run being followed keeps running; the command that resumes is printed)`;

const AZURE = `Environments: the stacks of the app (--app-dir, else the nearest folder with cdktf.json above the
working directory): each DatapathPipeline leaves an aml_datapath_<pipeline> output in its synthesized
stack (cdktf.out/stacks/<stack>/cdk.tf.json); or the entries of aml-datapath.json in the app's folder.
Subscription: the stack's azurerm provider subscription_id (or the ids themselves), else
AZURE_SUBSCRIPTION_ID, else ARM_SUBSCRIPTION_ID, else the Azure CLI's default subscription (az account
set); the tool says which one it used when it is one of the last two.
Sign-in: DefaultAzureCredential (az login, a managed identity, or AZURE_CLIENT_ID/AZURE_TENANT_ID/
AZURE_CLIENT_SECRET); AZURE_TOKEN_CREDENTIALS=AzureCliCredential (or another credential's name) uses
only that one.
Cloud: Azure public, or ARM_ENVIRONMENT / the stack's azurerm provider environment (usgovernment,
china); another cloud: ${CLOUD_VARIABLES.arm} (its Resource Manager, e.g. https://management.example)
and ${CLOUD_VARIABLES.aml} (its AML API, {region} for the workspace's region); ${CLOUD_VARIABLES.blob}
(Blob storage, {account} for the storage account; backfill lists data paths there).`;

/** `  --name <value>         help` lines, continuation lines aligned under the text. */
export function optionLines(options: Options): string {
  return Object.entries(options)
    .map(([name, o]) => {
      const flag = `${o.short ? `-${o.short}, ` : ""}--${name}${o.value ? ` ${o.value}` : ""}`;
      const [first, ...rest] = o.help.split("\n");
      return [`  ${flag.padEnd(21)}  ${first}`, ...rest.map((l) => `${" ".repeat(25)}${l}`)].join("\n");
    })
    .join("\n");
}

/** `aml-datapath <name> [<positionals>] --env <envs> [--optional ...]`. */
export function usageLine(name: string, c: Command, envs: string): string {
  const parts = [`aml-datapath ${name}`];
  if (c.positionals) parts.push(c.positionals.usage.replace(/\{envs\}/g, envs));
  for (const [option, o] of Object.entries(c.options)) {
    if (!o.synopsis) continue;
    const value = o.environments ? `<${envs}>` : o.value;
    const text = `--${option}${value ? ` ${value}` : ""}`;
    parts.push(o.synopsis === "required" ? text : `[${text}]`);
  }
  return parts.join(" ");
}

export function usage(commands: Readonly<Record<string, Command>>, envs: string, environments: readonly string[]): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return [
    "Usage:",
    ...Object.entries(commands).map(([name, c]) => `  ${usageLine(name, c, envs)}`),
    "Commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    ...environments,
    "Run `aml-datapath <command> --help` for its options; `aml-datapath --version` prints the version.",
  ].join("\n");
}

export function commandHelp(name: string, c: Command, envs: string, environments: readonly string[]): string {
  return [
    `${c.summary[0].toUpperCase()}${c.summary.slice(1)}.`,
    "",
    `Usage: ${usageLine(name, c, envs)}`,
    "Options:",
    optionLines(c.options),
    "  -h, --help             this help",
    ...(c.notes ? [c.notes] : []),
    "",
    ...(c.azure ? [AZURE, ""] : []),
    ...(environments.length > 0 ? [...environments, ""] : []),
    EXIT_CODES,
  ].join("\n");
}
