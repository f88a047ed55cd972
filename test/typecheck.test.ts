/**
 * The type check of the whole project, sources and tests (`npm run typecheck`: tsc --noEmit, with its
 * build info in tsconfig.tsbuildinfo). jest itself only transpiles; here the check runs on one of its
 * workers next to the rest of the suite instead of before it, and tsc's errors are shown when it fails.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { NPM } from "../scripts/install-routes";

const ROOT = path.resolve(__dirname, "..");

test("npm run typecheck: the sources and the tests type-check", () => {
  const r = spawnSync(NPM, ["run", "--silent", "typecheck"], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`npm run typecheck exited with ${r.status}:\n${r.stdout}${r.stderr}`);
}, 300_000);
