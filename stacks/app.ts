import * as fs from "fs";
import * as path from "path";
import { App } from "cdktf";
import { collectProblems, ConfigValidationError, reportProblems } from "../lib/validation";
import { EnvironmentConfig, validateEnvironmentSet } from "./config";
import { DatapathStack } from "./datapath-stack";

/** Build one `DatapathStack` per environment in `app`, reporting every config problem of every environment at once. */
export function addEnvironments(app: App, configs: readonly EnvironmentConfig[]): DatapathStack[] {
  return collectProblems(app, () => {
    reportProblems(app, validateEnvironmentSet("app", configs));
    return configs.map((cfg) => new DatapathStack(app, String(cfg.name), cfg));
  });
}

/**
 * Build the app with `build`, then synthesize into a scratch folder and swap it into place, so a
 * failure (bad config, a synth-time error) never leaves a partial `cdktf.out`. Errors are printed
 * as one readable message, without a stack trace (set DEBUG=1 for one), and exit non-zero.
 */
export function synthApp(build: (app: App) => void): void {
  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
  const scratch = `${outdir}.partial`;
  try {
    fs.rmSync(scratch, { recursive: true, force: true });
    const app = new App({ outdir: scratch, skipValidation: false });
    build(app);
    app.synth();
    fs.rmSync(outdir, { recursive: true, force: true });
    fs.renameSync(scratch, outdir);
  } catch (e) {
    fs.rmSync(scratch, { recursive: true, force: true });
    if (process.env.DEBUG) console.error(e);
    const message = e instanceof ConfigValidationError ? e.message : `Synth failed: ${e instanceof Error ? e.message : String(e)}`;
    console.error(message);
    process.exit(1);
  }
}
