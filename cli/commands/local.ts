/** `aml-datapath local`: the three steps on a local folder, as AML runs them (no Azure; see local.ts). */
import * as fs from "fs";
import * as path from "path";
import { selectEnvironment, selectPipeline } from "../app";
import { UsageError } from "../context";
import { Command } from "../help";
import { defaultSpec, runLocal, stackSpec, withScratch } from "../local";
import { SELECT, str } from "../options";
import { readStack, SYNTH_HINT } from "../stack-model";

/** Where runs without --out go, below the working directory: one folder to ignore (.gitignore has it), one per run inside. */
export const LOCAL_RUNS = path.join(".aml-datapath", "local-runs");

export const command: Command = {
  summary: "run the three steps on a local folder, as AML would (no Azure)",
  options: {
    path: { type: "string", value: "<folder>", help: "local folder with .parquet files", synopsis: "required" },
    out: { type: "string", value: "<dir>", help: `empty or new folder for work_list/ and results.jsonl (default\n${LOCAL_RUNS}/<time>)`, synopsis: "optional" },
    workers: { type: "string", value: "<n>", help: "worker processes (default: CPU count)", synopsis: "optional" },
    ...SELECT,
    env: { ...SELECT.env, help: "whose steps and settings to use, from its synthesized stack (default: the\nlibrary's reference steps with their default settings)", synopsis: "optional" },
  },
  notes: "Environment: PYTHON (default python3, >= 3.10).",
  azure: false,
  async run(ctx, args) {
    const folder = str(args.values.path);
    if (folder === undefined) throw new UsageError("--path is required: a local folder with .parquet files");
    const full = path.resolve(ctx.cwd, folder);
    if (!fs.existsSync(full) || !fs.statSync(full).isDirectory()) throw new UsageError(`--path "${folder}" is not a folder`);
    const given = str(args.values.workers);
    const workers = given === undefined ? undefined : Number(given);
    if (workers !== undefined && (!Number.isInteger(workers) || workers < 1 || given?.trim() === "")) throw new UsageError(`--workers "${given}" must be a whole number >= 1`);
    const givenOut = str(args.values.out);
    const out = givenOut ?? path.join(LOCAL_RUNS, new Date(ctx.clock.now()).toISOString().replace(/[:.]/g, "-"));
    const envName = str(args.values.env) ?? str(args.values.stack);
    return withScratch(async (scratch) => {
      let spec = defaultSpec();
      if (envName !== undefined || args.values.pipeline !== undefined) {
        const app = ctx.environments(str(args.values["app-dir"]));
        const env = selectEnvironment(app, { env: str(args.values.env), stack: str(args.values.stack) });
        const pipeline = selectPipeline(env, str(args.values.pipeline));
        if (!env.stackDir) throw new UsageError(`environment "${env.name}" has no synthesized stack to take its steps from (it comes from ${env.source}): ${SYNTH_HINT}`);
        spec = stackSpec(readStack(env.stackDir, env.name), env.name, pipeline.name, path.join(scratch, "code"));
      }
      // Said before the steps' own output, so it is known even if the run is stopped.
      ctx.out(`Results go to ${out}${path.sep}${givenOut === undefined ? " (--out <dir> to choose)" : ""}`);
      return runLocal(ctx, spec, folder, out, workers, scratch);
    });
  },
};
