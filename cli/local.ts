/**
 * `aml-datapath local --path <folder>`: run the three steps on a local folder exactly as the AML
 * component specs say (built by the construct's own spec functions, with an environment's
 * settings), through pipeline/local_run.py. How a user debugs a step before deploying.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Checker } from "../lib/core/validation";
import {
  checkComponentSpec,
  ComponentSpec,
  prepareComponentSpec,
  processComponentSpec,
  resolveParallelSettings,
  resolveWorkItemSettings,
} from "../lib/pipeline/component-specs";
import { DEFAULT_PIPELINE_DIR } from "../lib/pipeline/datapath-pipeline";
import { EnvironmentConfig } from "../stacks/config";

/** What local_run.py takes: each step's command (or entry script) from its component spec. */
export interface LocalSpec {
  readonly prepare: { readonly code_dir: string; readonly command: string };
  readonly process: {
    readonly code_dir: string;
    readonly entry_script: string;
    readonly program_arguments: string;
    readonly mini_batch_size: string;
    readonly error_threshold: number;
    readonly mini_batch_error_threshold: number;
    readonly max_retries: number;
  };
  readonly check: { readonly code_dir: string; readonly command: string };
}

/** The spec for `cfg`'s pipeline; its step code from `pipeline.codeDirectory` or the library's own. */
export function localSpec(cfg: EnvironmentConfig): LocalSpec {
  const c = new Checker(`${cfg.name}/pipeline`);
  const parallel = resolveParallelSettings(c, "parallel", cfg.pipeline.parallel);
  const workItems = resolveWorkItemSettings(c, "workItems", cfg.pipeline.workItems);
  if (c.problems.length > 0) throw new Error(c.problems.map((p) => `${p.path}: ${p.property} ${JSON.stringify(p.value)} ${p.rule}`).join("\n"));
  const dir = path.resolve(cfg.pipeline.codeDirectory ?? DEFAULT_PIPELINE_DIR);
  const assets = { codeId: "local", environmentId: "local" };
  const name = cfg.pipeline.name;
  const prepare = prepareComponentSpec(`${name}_prepare`, "local", assets, workItems);
  const process = processComponentSpec(`${name}_process`, "local", assets, parallel);
  const check = checkComponentSpec(`${name}_check`, "local", assets, workItems);
  const task = process.task as ComponentSpec;
  return {
    prepare: { code_dir: dir, command: String(prepare.command) },
    process: {
      code_dir: dir,
      entry_script: String(task.entry_script),
      program_arguments: String(task.program_arguments),
      mini_batch_size: String(process.mini_batch_size),
      error_threshold: Number(process.error_threshold),
      mini_batch_error_threshold: Number(process.mini_batch_error_threshold),
      max_retries: Number((process.retry_settings as { max_retries: number }).max_retries),
    },
    check: { code_dir: dir, command: String(check.command) },
  };
}

/** Run local_run.py with `spec`; resolves to its exit code (its output goes straight to the terminal). */
export function runLocal(spec: LocalSpec, folder: string, out: string, workers: number | undefined, python = process.env.PYTHON ?? "python3"): Promise<number> {
  const specFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "aml-datapath-local-")), "spec.json");
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 2));
  // The runner ships with the library; the step code may live elsewhere (pipeline.codeDirectory).
  const args = [path.join(DEFAULT_PIPELINE_DIR, "local_run.py"), "--spec", specFile, "--path", path.resolve(folder), "--out", path.resolve(out)];
  if (workers !== undefined) args.push("--workers", String(workers));
  return new Promise((resolve) => {
    const child = spawn(python, args, { stdio: "inherit" });
    const forward = () => child.kill("SIGINT");
    process.once("SIGINT", forward);
    child.on("error", () => {
      process.removeListener("SIGINT", forward);
      process.stderr.write(`aml-datapath: ${python} not found: the local run needs Python >= 3.10 (set PYTHON to use another)\n`);
      resolve(1);
    });
    child.on("close", (code) => {
      process.removeListener("SIGINT", forward);
      fs.rmSync(path.dirname(specFile), { recursive: true, force: true });
      resolve(code ?? 1);
    });
  });
}
