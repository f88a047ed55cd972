/**
 * `npm run plan -- <env>` and `npm run deploy -- <env>`: synthesize with plain node (works on every
 * supported Node line, unlike cdktf-cli 0.21, whose terminal library has no build for Node 24/26),
 * then run Terraform in the environment's stack folder.
 *
 *   npm run plan -- <env> [--local-state] [--verbose]
 *   npm run deploy -- <env> [--local-state] [--auto-approve] [--verbose]
 *
 * The synth prints one summary line for the environment (resources, errors, warnings, accepted
 * exceptions); `--verbose` (or AML_DATAPATH_VERBOSE=1) lists its warnings and accepted exceptions.
 *
 * The backend comes from the environment's config (remote state); `--local-state` keeps state in
 * state/<env>.tfstate instead, to try a deploy without the state account.
 *
 * Terraform's output is passed through as it comes and also read: a deploy whose only errors are
 * the step code upload being refused with 403 AuthorizationPermissionMismatch (the deployer's new
 * Storage Blob Data Contributor grant has not reached storage yet, which can take up to 30 minutes;
 * azurerm_storage_blob does not retry) plans and applies again with backoff (`ROLE_PROPAGATION_RETRY`:
 * 6 attempts over 30 minutes); any other error stops at once with Terraform's exit code. A failed
 * sign-in ends with a hint.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as readline from "readline";
import { EnvironmentConfig } from "../stacks/config";

export interface Command {
  readonly cmd: string;
  readonly args: readonly string[];
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Ask before running it (deploy without --auto-approve). */
  readonly confirm?: string;
}

export interface DeployOptions {
  readonly action: "plan" | "deploy";
  readonly env: string;
  readonly localState: boolean;
  readonly autoApprove: boolean;
  /**
   * List the environment's synth notes (warnings, accepted exceptions) instead of its summary line.
   * @default false
   */
  readonly verbose?: boolean;
  /**
   * After a successful apply, run `aml-datapath prune-deployments` (batch-endpoint environments).
   * @default false
   */
  readonly pruneDeployments?: boolean;
}

export class UsageError extends Error {}

const USAGE = "usage: npm run plan -- <env> [--local-state] [--verbose] | npm run deploy -- <env> [--local-state] [--auto-approve] [--verbose]";

/** Parse `<env> [--local-state] [--auto-approve] [--verbose]`; the environment must be one of `configs`. */
export function parseDeployArgs(action: DeployOptions["action"], argv: readonly string[], configs: readonly EnvironmentConfig[]): DeployOptions {
  const flags = argv.filter((a) => a.startsWith("--"));
  const positionals = argv.filter((a) => !a.startsWith("--"));
  const known = action === "deploy" ? ["--local-state", "--auto-approve", "--verbose"] : ["--local-state", "--verbose"];
  const unknown = flags.filter((f) => !known.includes(f));
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.join(", ")}\n${USAGE}`);
  if (positionals.length !== 1) throw new UsageError(`name one environment (${configs.map((c) => c.name).join(", ")})\n${USAGE}`);
  const env = positionals[0];
  if (!configs.some((c) => c.name === env)) throw new UsageError(`unknown environment "${env}": use one of ${configs.map((c) => c.name).join(", ")}`);
  // Only a batch-endpoint environment has deployments (the classic style deploys none).
  const cfg = configs.find((c) => c.name === env);
  const pruneDeployments = action === "deploy" && (cfg?.pipeline?.invocation?.style ?? "batchEndpoint") === "batchEndpoint";
  return { action, env, localState: flags.includes("--local-state"), autoApprove: flags.includes("--auto-approve"), verbose: flags.includes("--verbose"), pruneDeployments };
}

/** The commands, in order, each run from the project root. */
export function deployCommands(o: DeployOptions): Command[] {
  const dir = path.join("cdktf.out", "stacks", o.env);
  const tf = (...args: string[]) => ({ cmd: "terraform", args: [`-chdir=${dir}`, ...args] });
  const synthEnv: Record<string, string> = o.localState ? { AML_DATAPATH_LOCAL_STATE: "1" } : {};
  // `npm run plan/deploy` build dist/ before this runs (it is dist/scripts/deploy.js itself).
  const commands: Command[] = [
    // Every environment is synthesized and checked; AML_DATAPATH_ENV: only this one's findings are
    // printed, as one summary line unless verbose (AML_DATAPATH_VERBOSE=1: the list).
    { cmd: "node", args: ["dist/main.js"], env: { CHECKPOINT_DISABLE: "1", AML_DATAPATH_ENV: o.env, AML_DATAPATH_VERBOSE: o.verbose ? "1" : "0", ...synthEnv } },
    // -reconfigure: switching between the configured backend and --local-state never migrates state by surprise.
    tf("init", "-input=false", "-reconfigure"),
    tf("plan", "-input=false", "-out=tfplan"),
  ];
  if (o.action === "deploy") {
    commands.push({ ...tf("apply", "-input=false", "tfplan"), ...(o.autoApprove ? {} : { confirm: `Apply this plan to ${o.env}?` }) });
  }
  return commands;
}

/**
 * After a successful apply: remove batch deployments older than the environment's retention (each
 * code change creates one; Terraform never deletes them). Never the endpoint's default.
 */
export function pruneCommand(o: Pick<DeployOptions, "env">): Command {
  return { cmd: "node", args: ["bin/aml-datapath.js", "prune-deployments", "--env", o.env] };
}

// ---------------------------------------------------------------------------------------------
// Reading Terraform's output

/**
 * Terraform's error diagnostics, each as one line of plain text: colour codes removed, the box
 * margins (`╷`, `│ `, `╵`) taken off and the wrapping undone (Terraform wraps at 78 columns when its
 * output is not a terminal, as here), so a message reads the same however it was laid out.
 */
export function errorDiagnostics(output: string): string[] {
  const lines = output
    .replace(/\x1b\[[0-9;]*[A-Za-z]/g, "")
    .split(/\r?\n/)
    .map((l) => l.replace(/^\s*[│|] ?/, ""));
  const diagnostics: string[][] = [];
  let current: string[] | undefined;
  for (const line of lines) {
    if (/^\s*[╷╵]\s*$/.test(line) || /^(Warning|Error): /.test(line)) current = undefined;
    if (/^Error: /.test(line)) diagnostics.push((current = []));
    current?.push(line);
  }
  return diagnostics.map((d) => d.join(" ").replace(/\s+/g, " ").trim());
}

/** One diagnostic names a blob of azurerm_storage_blob: azurerm 4.x's blob id (`Blob "<name>" (Account ... / Container Name ...)`), the resource address, or 3.x's client. */
const BLOB = /\bBlob "[^"]*" \(Account\b|\bazurerm_storage_blob\.|\bblobs\.Client#/;
/** ...refused with 403 for want of a data role: the error code, or (a HEAD has no body) Azure's status text for it. AuthorizationFailure (firewall) is not it. */
const STATUS_403 = /\b(?:unexpected status|StatusCode=|Status=|status code:?|RESPONSE) ?403\b/i;
const PERMISSION_MISMATCH = /\bAuthorizationPermissionMismatch\b|not authorized to perform this operation using this permission/i;

/**
 * The run failed only because storage refused the step code upload (or a read of an uploaded blob)
 * with 403 AuthorizationPermissionMismatch: the deployer's Storage Blob Data Contributor grant has
 * not reached the data plane yet. True only when there is at least one error and every error is that.
 */
export function isRoleNotYetOnStorage(output: string): boolean {
  const errors = errorDiagnostics(output);
  return errors.length > 0 && errors.every((e) => BLOB.test(e) && STATUS_403.test(e) && PERMISSION_MISMATCH.test(e));
}

/** Terraform (the azurerm provider or the azurerm backend) could not sign in to Azure. */
export function isSignInFailure(output: string): boolean {
  const text = errorDiagnostics(output).join("\n");
  if (/Error building ARM Config|unable to build authorizer|Please run 'az login'|\baz login\b|\bAADSTS\d+/i.test(text)) return true;
  // The azurerm backend lists the state container first: an authentication or authorization failure there.
  return /Failed to get existing workspaces/.test(text) && /authori[sz]|authenticat|credential|token|\b40[13]\b/i.test(text);
}

/** Printed after a failed sign-in. */
export function signInHint(o: Pick<DeployOptions, "action" | "env">): string {
  return [
    "Terraform could not sign in to Azure. Sign in and choose the subscription, then run it again:",
    "  az login",
    "  az account set --subscription <subscription-id>   # or subscriptionId in the config / ARM_SUBSCRIPTION_ID",
    `Or try it without the state account: npm run ${o.action} -- ${o.env} --local-state`,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Waiting for the role assignment

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Seconds to wait before attempt `next` (2 .. attempts). */
  readonly delaySeconds: (next: number) => number;
}

/**
 * 6 attempts over 30 minutes, the longest a role assignment takes to reach storage's data plane:
 * waits of 1, 2, 4, 8 and 15 minutes.
 */
export const ROLE_PROPAGATION_RETRY: RetryPolicy = { attempts: 6, delaySeconds: (next) => Math.min(60 * 2 ** (next - 2), 900) };

export const roleWaitMessage = (next: number, attempts: number, seconds: number): string =>
  `waiting for the role assignment to reach storage (attempt ${next} of ${attempts}, next in ${seconds} s)`;

/** The policy's waits in all, readably: "30 minutes", "50 s". */
function totalWait(p: RetryPolicy): string {
  const seconds = Array.from({ length: Math.max(0, p.attempts - 1) }, (_, i) => p.delaySeconds(i + 2)).reduce((a, b) => a + b, 0);
  return seconds >= 120 ? `${Math.round(seconds / 60)} minutes` : `${seconds} s`;
}

// ---------------------------------------------------------------------------------------------
// Running

export interface DeployDeps {
  /** The project root: every command runs here. */
  readonly cwd: string;
  /** The environment of the commands (PATH finds node and terraform). */
  readonly env: NodeJS.ProcessEnv;
  /** Where the commands' output is passed on to as it comes (tee). */
  readonly stdout: (chunk: string) => void;
  readonly stderr: (chunk: string) => void;
  /** Our own lines (to stderr). */
  readonly log: (line: string) => void;
  /** Ask a yes/no question. */
  readonly ask: (question: string) => Promise<boolean>;
  readonly sleep: (seconds: number) => Promise<void>;
  /** @default ROLE_PROPAGATION_RETRY */
  readonly retry?: RetryPolicy;
}

interface Ran {
  readonly code: number;
  readonly output: string;
}

/** Run a command, passing its output on as it comes and keeping a copy. */
function run(c: Command, d: DeployDeps): Promise<Ran> {
  d.log(`> ${[c.cmd, ...c.args].join(" ")}`);
  return new Promise((resolve) => {
    let output = "";
    const child = spawn(c.cmd, [...c.args], { cwd: d.cwd, stdio: ["inherit", "pipe", "pipe"], env: { ...d.env, ...(c.env ?? {}) } });
    child.stdout.setEncoding("utf8").on("data", (s: string) => ((output += s), d.stdout(s)));
    child.stderr.setEncoding("utf8").on("data", (s: string) => ((output += s), d.stderr(s)));
    child.on("error", (e) => {
      d.log(`${c.cmd}: ${e.message}${c.cmd === "terraform" ? " (install Terraform >= 1.7)" : ""}`);
      resolve({ code: 127, output });
    });
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

/**
 * Synthesize, init, plan and (deploy) apply. A deploy that fails only on the code upload's 403
 * (`isRoleNotYetOnStorage`) waits and plans + applies again, up to `retry.attempts` in all; without
 * --auto-approve each new plan is asked about again (it is a new plan). Resolves to the exit code:
 * Terraform's own when it fails.
 */
export async function runDeploy(o: DeployOptions, d: DeployDeps): Promise<number> {
  const retry = d.retry ?? ROLE_PROPAGATION_RETRY;
  const [synth, init, plan, apply] = deployCommands(o);
  if (o.localState) fs.mkdirSync(path.join(d.cwd, "state"), { recursive: true });
  const failed = (r: Ran): number => {
    if (isSignInFailure(r.output)) d.log(signInHint(o));
    return r.code === 0 ? 1 : r.code;
  };
  for (const c of [synth, init]) {
    const r = await run(c, d);
    if (r.code !== 0) return failed(r);
  }
  for (let attempt = 1; ; attempt++) {
    let r = await run(plan, d);
    if (r.code === 0 && apply) {
      if (apply.confirm && !(await d.ask(apply.confirm))) {
        d.log("Not applied.");
        return 1;
      }
      r = await run(apply, d);
      if (r.code === 0 && o.pruneDeployments) await prune(o, d);
    }
    if (r.code === 0) return 0;
    if (o.action === "deploy" && isRoleNotYetOnStorage(r.output)) {
      if (attempt < retry.attempts) {
        const wait = retry.delaySeconds(attempt + 1);
        d.log(roleWaitMessage(attempt + 1, retry.attempts, wait));
        await d.sleep(wait);
        continue;
      }
      d.log(
        `The role assignment has not reached storage after ${retry.attempts} attempts (${totalWait(retry)} of waiting): check that the deploying identity holds Storage Blob Data Contributor on the code container, then deploy again (what was created stays).`,
      );
    }
    return failed(r);
  }
}

/**
 * The deploy has succeeded whatever this does: a failed prune leaves older deployments in place
 * (harmless, they only take a name), so it warns with the command to run again instead of failing.
 */
async function prune(o: DeployOptions, d: DeployDeps): Promise<void> {
  const c = pruneCommand(o);
  const r = await run(c, d);
  if (r.code !== 0) d.log(`warning: pruning old batch deployments failed (exit ${r.code}); the deploy itself succeeded. Run it again later: ${[c.cmd, ...c.args].join(" ")}`);
}

/** Ask on the terminal; no terminal, or input that ends before an answer, is a no. */
async function ask(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const answer = await new Promise<string | undefined>((resolve) => {
    rl.question(`${question} Only "yes" applies: `, resolve);
    rl.on("close", () => resolve(undefined));
  });
  rl.close();
  return answer?.trim() === "yes";
}

async function main(): Promise<number> {
  const action = process.argv[2] as DeployOptions["action"];
  let options: DeployOptions;
  try {
    const { environments } = await import("../stacks/environments");
    const parsed = parseDeployArgs(action, process.argv.slice(3), environments);
    options = { ...parsed, verbose: parsed.verbose || process.env.AML_DATAPATH_VERBOSE === "1" };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(e.message);
    return 2;
  }
  if (options.action === "deploy" && !options.autoApprove && !process.stdin.isTTY) {
    console.error("deploy needs a terminal to confirm the plan, or --auto-approve (e.g. in a pipeline)");
    return 2;
  }
  return runDeploy(options, {
    // npm runs scripts from the project root.
    cwd: process.cwd(),
    env: process.env,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    log: (line) => console.error(line),
    ask,
    sleep: (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
  });
}

if (require.main === module) main().then((code) => process.exit(code));
