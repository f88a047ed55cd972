/**
 * `npm run integ -- <env>`: the integration run against a real subscription (see steps.ts). Without
 * ARM_SUBSCRIPTION_ID and a working sign-in it prints one line saying why it skipped and exits 0.
 *
 * Optional: INTEG_DEPLOYER_IP (this machine's public IP) for private-profile environments when
 * Terraform runs outside their network; INTEG_KEEP_WORKDIR=1 keeps the scratch folder.
 */
import { spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { environments } from "../../stacks/environments";
import { DEFAULT_PIPELINE_DIR } from "../../lib/pipeline/datapath-pipeline";
import { main as cli } from "../../cli/main";
import { Exec, runInteg, synthWithLocalState } from "./steps";

const exec: Exec = (cmd, args, opts) =>
  new Promise((resolve) => {
    const child = spawn(cmd, [...args], { cwd: opts?.cwd, env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b) => {
      stdout += b;
      process.stdout.write(b);
    });
    child.stderr.on("data", (b) => {
      stderr += b;
      process.stderr.write(b);
    });
    child.on("error", () => resolve({ code: 127, stdout, stderr: `${cmd} not found` }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });

async function main(): Promise<number> {
  const env = process.argv[2];
  const base = environments.find((e) => e.name === env);
  if (!base) {
    console.error(`usage: npm run integ -- <${environments.map((e) => e.name).join("|")}>`);
    return 2;
  }
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "aml-datapath-integ-"));
  try {
    return await runInteg(
      {
        exec,
        log: (line) => console.log(line),
        vars: process.env,
        workDir,
        // Lowercase letters and digits, starting with a letter: valid in every derived name.
        suffix: `i${randomBytes(3).toString("hex").slice(0, 5)}`,
        synth: synthWithLocalState,
        cli: async (argv, config) => {
          const lines: string[] = [];
          const io = {
            out: (l: string) => (lines.push(l), console.log(l)),
            err: (l: string) => (lines.push(l), console.error(l)),
            isTty: false,
            write: (t: string) => process.stdout.write(t),
          };
          const code = await cli(argv, io, process.env, [config]);
          return { code, output: lines.join("\n") };
        },
        changedCodeCopy: (from, line) => {
          const to = path.join(workDir, "code");
          fs.cpSync(from, to, { recursive: true, filter: (src) => !src.includes("__pycache__") && !src.includes(`${path.sep}tests`) });
          fs.appendFileSync(path.join(to, "process.py"), `\n${line}\n`);
          return to;
        },
        readFile: (file) => fs.readFileSync(file, "utf8"),
        pipelineDir: DEFAULT_PIPELINE_DIR,
      },
      base,
    );
  } finally {
    if (process.env.INTEG_KEEP_WORKDIR !== "1") fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
