/**
 * `aml-datapath local --path <folder>`: run the three steps on a local folder exactly as the AML
 * component specs say, through pipeline/local_run.py. How a user debugs a step before deploying.
 *
 * With `--env`, the specs and the step code are the environment's: read from its synthesized stack
 * (the component versions' command lines and settings, the step files it uploads). Without, the
 * library's reference steps with their default settings.
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
import { Context, UsageError } from "./context";
import { EXIT } from "./help";
import { Block, parseRef, StackJson } from "./stack-model";

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

function specOf(prepare: ComponentSpec, process: ComponentSpec, check: ComponentSpec, dirs: { prepare: string; process: string; check: string }): LocalSpec {
  const task = process.task as ComponentSpec;
  return {
    prepare: { code_dir: dirs.prepare, command: String(prepare.command) },
    process: {
      code_dir: dirs.process,
      entry_script: String(task.entry_script),
      program_arguments: String(task.program_arguments),
      mini_batch_size: String(process.mini_batch_size),
      error_threshold: Number(process.error_threshold),
      mini_batch_error_threshold: Number(process.mini_batch_error_threshold),
      max_retries: Number((process.retry_settings as { max_retries: number }).max_retries),
    },
    check: { code_dir: dirs.check, command: String(check.command) },
  };
}

/** The library's reference steps (its pipeline/ folder) with the default settings. */
export function defaultSpec(): LocalSpec {
  const c = new Checker("local");
  const parallel = resolveParallelSettings(c, "parallel", undefined);
  const workItems = resolveWorkItemSettings(c, "workItems", undefined);
  const assets = { codeId: "local", environmentId: "local" };
  return specOf(
    prepareComponentSpec("datapath_prepare", "local", assets, workItems),
    processComponentSpec("datapath_process", "local", assets, parallel),
    checkComponentSpec("datapath_check", "local", assets, workItems),
    { prepare: DEFAULT_PIPELINE_DIR, process: DEFAULT_PIPELINE_DIR, check: DEFAULT_PIPELINE_DIR },
  );
}

/** Undo Terraform's template escapes (`$${` and `%%{`) in a literal of cdk.tf.json. */
const unescape = (v: unknown): unknown => {
  if (typeof v === "string") return v.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
  if (Array.isArray(v)) return v.map(unescape);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unescape(x)]));
  return v;
};

const STEPS = ["prepare", "process", "check"] as const;

/**
 * The spec of pipeline `pipeline` in a synthesized stack, its step code written below `codeDir`
 * (one folder per step, as uploaded). A usage error when the stack does not have it.
 */
export function stackSpec(json: StackJson, env: string, pipeline: string, codeDir: string): LocalSpec {
  const actions = json.resource?.azapi_resource_action ?? {};
  const blobs = Object.values(json.resource?.azurerm_storage_blob ?? {});
  const specs = {} as Record<(typeof STEPS)[number], ComponentSpec>;
  const dirs = {} as Record<(typeof STEPS)[number], string>;
  for (const step of STEPS) {
    const component = Object.values(actions).find((a) => (a.body as { properties?: { componentSpec?: { name?: unknown } } } | undefined)?.properties?.componentSpec?.name === `${pipeline}_${step}`);
    if (!component) throw new UsageError(`environment "${env}" has no ${step} component of pipeline ${pipeline} in its stack (the classic invocation style has no steps to run locally)`);
    const spec = unescape((component.body as { properties: { componentSpec: ComponentSpec } }).properties.componentSpec) as ComponentSpec;
    specs[step] = spec;
    // The code version the component names, and the folder its files are uploaded to.
    const code = String((step === "process" ? (spec.task as ComponentSpec).code : spec.code) ?? "").replace(/^azureml:/, "");
    const ref = parseRef(code.replace(/^\$\{|\}$/g, ""));
    const version = ref && !ref.data && ref.type === "azapi_resource_action" ? (actions[ref.name] as Block | undefined) : undefined;
    const uri = String((version?.body as { properties?: { codeUri?: unknown } } | undefined)?.properties?.codeUri ?? "");
    const folder = /\/(LocalUpload\/.+)$/.exec(uri)?.[1];
    const files = folder ? blobs.filter((b) => typeof b.name === "string" && b.name.startsWith(`${folder}/`)) : [];
    if (files.length === 0) throw new UsageError(`environment "${env}": the ${step} step's code of pipeline ${pipeline} is not in its stack (no uploaded files found)`);
    dirs[step] = path.join(codeDir, step);
    for (const b of files) {
      const file = path.join(dirs[step], String(b.name).slice(folder!.length + 1));
      fs.mkdirSync(path.dirname(file), { recursive: true });
      if (typeof b.source_content === "string") fs.writeFileSync(file, unescape(b.source_content) as string);
      else if (typeof b.source === "string") fs.copyFileSync(b.source, file);
    }
  }
  return specOf(specs.prepare, specs.process, specs.check, dirs);
}

/**
 * Runs local_run.py with `spec` (the runner ships with the library; the step code may be elsewhere),
 * its output passed on as it comes; resolves to its exit code. Ctrl-C is passed on to it.
 */
export function runLocal(ctx: Context, spec: LocalSpec, folder: string, out: string, workers: number | undefined, scratch: string): Promise<number> {
  const specFile = path.join(scratch, "spec.json");
  fs.writeFileSync(specFile, JSON.stringify(spec, null, 2));
  const python = ctx.env.PYTHON ?? "python3";
  const args = [path.join(DEFAULT_PIPELINE_DIR, "local_run.py"), "--spec", specFile, "--path", path.resolve(ctx.cwd, folder), "--out", path.resolve(ctx.cwd, out)];
  if (workers !== undefined) args.push("--workers", String(workers));
  return new Promise((resolve) => {
    const child = spawn(python, args, { cwd: ctx.cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...ctx.env } as NodeJS.ProcessEnv });
    child.stdout.setEncoding("utf8").on("data", (d: string) => ctx.write(d));
    let partial = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      const lines = (partial + d).split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) ctx.err(l);
    });
    const forward = () => child.kill("SIGINT");
    ctx.signal.addEventListener("abort", forward, { once: true });
    child.on("error", () => {
      ctx.signal.removeEventListener("abort", forward);
      ctx.err(`aml-datapath: ${python} not found: the local run needs Python >= 3.10 (set PYTHON to use another)`);
      resolve(EXIT.failed);
    });
    child.on("close", (code) => {
      ctx.signal.removeEventListener("abort", forward);
      if (partial) ctx.err(partial);
      resolve(ctx.signal.aborted ? EXIT.interrupted : code ?? EXIT.failed);
    });
  });
}

/** A scratch folder for the spec and the environment's step code, removed after `run`. */
export async function withScratch<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "aml-datapath-local-"));
  try {
    return await run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
