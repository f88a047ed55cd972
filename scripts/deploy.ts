/**
 * `npm run plan -- <env>` and `npm run deploy -- <env>`: synthesize with plain node (works on every
 * supported Node line, unlike cdktf-cli 0.21, whose terminal library has no build for Node 24/26),
 * then run Terraform in the environment's stack folder.
 *
 *   npm run plan -- <env> [--local-state]
 *   npm run deploy -- <env> [--local-state] [--auto-approve]
 *
 * The backend comes from the environment's config (remote state); `--local-state` keeps state in
 * state/<env>.tfstate instead, to try a deploy without the state account.
 */
import { spawnSync } from "child_process";
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
}

export class UsageError extends Error {}

const USAGE = "usage: npm run plan -- <env> [--local-state] | npm run deploy -- <env> [--local-state] [--auto-approve]";

/** Parse `<env> [--local-state] [--auto-approve]`; the environment must be one of `configs`. */
export function parseDeployArgs(action: DeployOptions["action"], argv: readonly string[], configs: readonly EnvironmentConfig[]): DeployOptions {
  const flags = argv.filter((a) => a.startsWith("--"));
  const positionals = argv.filter((a) => !a.startsWith("--"));
  const known = action === "deploy" ? ["--local-state", "--auto-approve"] : ["--local-state"];
  const unknown = flags.filter((f) => !known.includes(f));
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.join(", ")}\n${USAGE}`);
  if (positionals.length !== 1) throw new UsageError(`name one environment (${configs.map((c) => c.name).join(", ")})\n${USAGE}`);
  const env = positionals[0];
  if (!configs.some((c) => c.name === env)) throw new UsageError(`unknown environment "${env}": use one of ${configs.map((c) => c.name).join(", ")}`);
  return { action, env, localState: flags.includes("--local-state"), autoApprove: flags.includes("--auto-approve") };
}

/** The commands, in order, each run from the project root. */
export function deployCommands(o: DeployOptions): Command[] {
  const dir = path.join("cdktf.out", "stacks", o.env);
  const tf = (...args: string[]) => ({ cmd: "terraform", args: [`-chdir=${dir}`, ...args] });
  const synthEnv: Record<string, string> = o.localState ? { AML_DATAPATH_LOCAL_STATE: "1" } : {};
  // `npm run plan/deploy` build dist/ before this runs (it is dist/scripts/deploy.js itself).
  const commands: Command[] = [
    { cmd: "node", args: ["dist/main.js"], env: { CHECKPOINT_DISABLE: "1", ...synthEnv } },
    // -reconfigure: switching between the configured backend and --local-state never migrates state by surprise.
    tf("init", "-input=false", "-reconfigure"),
    tf("plan", "-input=false", "-out=tfplan"),
  ];
  if (o.action === "deploy") {
    commands.push({ ...tf("apply", "-input=false", "tfplan"), ...(o.autoApprove ? {} : { confirm: `Apply this plan to ${o.env}?` }) });
  }
  return commands;
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
    options = parseDeployArgs(action, process.argv.slice(3), environments);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(e.message);
    return 2;
  }
  if (options.action === "deploy" && !options.autoApprove && !process.stdin.isTTY) {
    console.error("deploy needs a terminal to confirm the plan, or --auto-approve (e.g. in a pipeline)");
    return 2;
  }
  // npm runs scripts from the project root.
  const root = process.cwd();
  if (options.localState) fs.mkdirSync(path.join(root, "state"), { recursive: true });
  for (const c of deployCommands(options)) {
    if (c.confirm && !(await ask(c.confirm))) {
      console.error("Not applied.");
      return 1;
    }
    console.error(`> ${[c.cmd, ...c.args].join(" ")}`);
    const r = spawnSync(c.cmd, [...c.args], { cwd: root, stdio: "inherit", env: { ...process.env, ...(c.env ?? {}) } });
    if (r.error) {
      console.error(`${c.cmd}: ${r.error.message}${c.cmd === "terraform" ? " (install Terraform >= 1.5)" : ""}`);
      return 1;
    }
    if (r.status !== 0) return r.status ?? 1;
  }
  return 0;
}

if (require.main === module) main().then((code) => process.exit(code));
