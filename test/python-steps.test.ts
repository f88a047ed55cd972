/**
 * The Python step tests (pipeline/tests) without pyarrow, as `npm run test:python` runs them
 * (scripts/python-tests.py). Here, so they run on one of jest's workers next to the rest of the suite
 * instead of before it; their output is shown when they fail.
 */
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

test("npm run test:python: the pipeline step tests pass, pyarrow hidden", () => {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The slow test and the pyarrow pass are CI's (.ci/run).
  delete env.PIPELINE_SLOW_TESTS;
  const r = spawnSync("python3", [path.join("scripts", "python-tests.py")], { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`python3 scripts/python-tests.py exited with ${r.status}:\n${r.stdout}\n${r.stderr}`);
  expect(`${r.stdout}${r.stderr}`).toContain("python-tests: passed: without-pyarrow");
}, 300_000);
