/**
 * `npm run synth [-- --verbose]`, after `npm run build`: the app (`node dist/main.js`, what the
 * cdktf/cdktn CLIs run too) into cdktf.out, then the architecture diagrams into docs/architecture.
 *
 * Quiet by default: one summary line per environment (resources, errors, warnings, accepted
 * exceptions) and one line for the diagrams. `--verbose` (or AML_DATAPATH_VERBOSE=1) lists every
 * warning and accepted exception and every diagram; a failed synth always lists them, with what failed.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { main as diagrams } from "./diagram";

const USAGE = "usage: npm run synth [-- --verbose]";

function synth(argv: readonly string[]): number | Promise<void> {
  const unknown = argv.filter((a) => a !== "--verbose");
  if (unknown.length > 0) {
    console.error(`synth: unknown option ${unknown.join(", ")}\n${USAGE}`);
    return 2;
  }
  const verbose = argv.includes("--verbose") || process.env.AML_DATAPATH_VERBOSE === "1";
  const app = spawnSync(process.execPath, [path.join(__dirname, "..", "main.js")], { stdio: "inherit", env: { ...process.env, AML_DATAPATH_VERBOSE: verbose ? "1" : "0" } });
  if (app.status !== 0) return app.status ?? 1;
  return diagrams(verbose);
}

const done = synth(process.argv.slice(2));
if (typeof done === "number") process.exit(done);
