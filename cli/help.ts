/**
 * The CLI's usage and per-command help. Environment names come from the configs it was given, so a
 * new environment shows up here without editing anything.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3, unknown: 4, auth: 5, interrupted: 130 } as const;

const EXIT_CODES = `Exit codes:
  0    success
  1    the run failed (or was cancelled), or Azure returned an error; the failing activity and AML step are printed
  2    usage error (nothing was sent to Azure)
  3    --timeout reached while following (the run keeps running)
  4    the outcome is unknown (Azure could not be read repeatedly)
  5    sign-in or permission failure (az login, or the role named in the message)
  130  Ctrl-C while following (the run keeps running)`;

const SUBSCRIPTION = `Subscription: the environment's subscriptionId, else AZURE_SUBSCRIPTION_ID, else ARM_SUBSCRIPTION_ID,
else the Azure CLI's default subscription (az account set); the tool says which one it used when it
is not the config's.
Sign-in: DefaultAzureCredential (az login, a managed identity, or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET).`;

const REQUEST = `  --request-timeout <s>  give up on a single Azure request after this long (default 60)`;
const FOLLOW = `  --poll <s>             seconds between two looks at the run while following (default 15)
  --timeout <s>          stop following after this long, leaving the run running (default 43200 = 12 h)`;

export interface CommandHelp {
  readonly summary: string;
  readonly usage: (envs: string) => string;
  readonly options: string;
  readonly azure: boolean;
}

export const COMMANDS: Readonly<Record<string, CommandHelp>> = {
  run: {
    summary: "start a run on a data path (and follow it with --follow)",
    usage: (envs) => `aml-datapath run --env <${envs}> --path <relative path> [--datastore <name>] [--follow]`,
    options: `  --env <name>           environment (from stacks/environments.ts)
  --path <path>          folder to process, relative to the datastore (e.g. parquet/offerpath2)
  --datastore <name>     datastore the path is in (default: the environment's input datastore)
  --follow               show progress until the run ends; the exit code says how it ended
${FOLLOW}
${REQUEST}`,
    azure: true,
  },
  status: {
    summary: "show one run (and follow it with --follow)",
    usage: (envs) => `aml-datapath status <run id> --env <${envs}> [--follow]`,
    options: `  --env <name>           environment
  --follow               keep watching until the run ends
${FOLLOW}
${REQUEST}`,
    azure: true,
  },
  runs: {
    summary: "list the latest runs of the environment's pipeline",
    usage: (envs) => `aml-datapath runs --env <${envs}> [--last <n>]`,
    options: `  --env <name>           environment
  --last <n>             how many runs, 1-100 (default 10)
${REQUEST}`,
    azure: true,
  },
  cancel: {
    summary: "cancel a run and the AML job it started",
    usage: (envs) => `aml-datapath cancel <run id> --env <${envs}>`,
    options: `  --env <name>           environment
${REQUEST}`,
    azure: true,
  },
  "prune-deployments": {
    summary: "delete old batch deployments (keeps the endpoint's default and the newest others)",
    usage: (envs) => `aml-datapath prune-deployments --env <${envs}> [--keep <n>] [--dry-run]`,
    options: `  --env <name>           environment
  --keep <n>             deployments to keep, the endpoint's default included, >= 1 (default: the
                         environment's pipeline.deploymentRetention, else 2: the default and the newest
                         other that provisioned); one still provisioning is never deleted
  --dry-run              print what would be deleted; delete nothing
${REQUEST}`,
    azure: true,
  },
  verify: {
    summary: "check the live platform against the synthesized stack (read-only; exit 1 if something is missing or differs)",
    usage: (envs) => `aml-datapath verify --env <${envs}> [--stack-dir <dir>] [--json]`,
    options: `  --env <name>           environment
  --stack-dir <dir>      folder with the synthesized cdk.tf.json (default cdktf.out/stacks/<env>; run
                         \`npm run synth\` first)
  --json                 machine-readable output
${REQUEST}
One line per item (ok, missing, differs: <fields>) and the command that restores it.`,
    azure: true,
  },
  local: {
    summary: "run the three steps on a local folder, as AML would (no Azure)",
    usage: (envs) => `aml-datapath local --path <folder> [--out <dir>] [--workers <n>] [--env <${envs}>]`,
    options: `  --path <folder>        local folder with .parquet files
  --out <dir>            empty or new folder for work_list/ and results.jsonl (default local-run-<time>)
  --workers <n>          worker processes (default: CPU count)
  --env <name>           whose pipeline settings to use (default: the first environment)
Environment: PYTHON (default python3, >= 3.10).`,
    azure: false,
  },
  diff: {
    summary: "what differs between two environments (offline, for a promotion review)",
    usage: (envs) => `aml-datapath diff <${envs}> <${envs}> [--json]`,
    options: `  --json                 machine-readable output`,
    azure: false,
  },
};

export function usage(envs: string): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return `Usage:
${Object.values(COMMANDS)
  .map((c) => `  ${c.usage(envs)}`)
  .join("\n")}
Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join("\n")}
Run \`aml-datapath <command> --help\` for its options; \`aml-datapath --version\` prints the version.`;
}

export function commandHelp(name: string, envs: string): string {
  const c = COMMANDS[name];
  return `${c.summary[0].toUpperCase()}${c.summary.slice(1)}.

Usage: ${c.usage(envs)}
Options:
${c.options}
  -h, --help             this help
${c.azure ? `\n${SUBSCRIPTION}\n` : ""}
${EXIT_CODES}`;
}
