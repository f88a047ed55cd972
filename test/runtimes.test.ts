/**
 * The repository's app under the CLIs that run cdktf.json's `app` command (`npm run --silent build &&
 * node dist/main.js`): CDK Terrain's `cdktn synth` (cdktn-cli 0.24, a devDependency) on every Node
 * line this suite runs on (CI: 22 and 26), and cdktf-cli 0.21's `cdktf synth` on Node 22 (its terminal
 * library, node-pty, has no build for 24 or 26). Each must write the same stacks as the repository's own
 * synth, byte for byte, and the same manifest. They run in a copy of the shared checkout of the working
 * tree (test/shared-build.ts: prepare has built dist/ there, so their `npm run build` has nothing to
 * do), without terraform on PATH, with CHECKPOINT_DISABLE=1 (telemetry) and DISABLE_VERSION_CHECK=1
 * (cdktn's `npm view` version check); cdktf.json has sendCrashReports "false".
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readPackageJson, ROOT } from "../scripts/install-routes";
import { copyOfRepo, sharedBuild } from "./shared-build";

const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
const FILES = (out: string) => ["manifest.json", ...fs.readdirSync(path.join(out, "stacks")).sort().map((s) => `stacks/${s}/cdk.tf.json`)];

let tmp: string;
let app: string;
let env: NodeJS.ProcessEnv;
/** `node dist/main.js` (the repository's synth, after a CLI's build) into `out`. */
let ownSynth: string;

/** A PATH with this node and npm first and no directory holding terraform or tofu. */
function pathWithoutTerraform(bin: string): string {
  fs.mkdirSync(bin, { recursive: true });
  fs.symlinkSync(process.execPath, path.join(bin, "node"));
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const npm = dirs.map((d) => path.join(d, "npm")).find((f) => fs.existsSync(f));
  if (!npm) throw new Error("npm is not on PATH");
  fs.symlinkSync(fs.realpathSync(npm), path.join(bin, "npm"));
  return [bin, ...dirs.filter((d) => !["terraform", "tofu"].some((t) => fs.existsSync(path.join(d, t))))].join(path.delimiter);
}

function cli(binary: string, out: string) {
  const r = spawnSync(process.execPath, [binary, "synth", "--output", out], { cwd: app, env, encoding: "utf8", timeout: 240_000 });
  if (r.status !== 0) throw new Error(`${path.basename(binary)} synth failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** `node dist/main.js` of the shared checkout (whose dist/ this copy has): its synth, made once. */
function ownSynthInto(out: string): void {
  if (!fs.existsSync(out)) fs.cpSync(sharedBuild().synthOut, out, { recursive: true });
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "runtimes-"));
  app = copyOfRepo(path.join(tmp, "repo"));
  env = { ...process.env, PATH: pathWithoutTerraform(path.join(tmp, "bin")), CHECKPOINT_DISABLE: "1", DISABLE_VERSION_CHECK: "1", CI: "true" };
  // The synth settings of the shell that runs the suite are not the app's.
  for (const key of ["CDKTF_OUTDIR", "AML_DATAPATH_ENV", "AML_DATAPATH_LOCAL_STATE", "DEBUG"]) delete env[key];
  ownSynth = path.join(tmp, "node.out");
}, 240_000);

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test("the pins: cdktn-cli 0.24.0 and constructs in both runtimes' peer ranges (cdktf ^10.4.2, cdktn >=10.6.0 <10.8.0)", () => {
  const pkg = readPackageJson();
  expect(pkg.devDependencies?.["cdktn-cli"]).toBe("0.24.0");
  const constructs = readPackageJson(path.join(ROOT, "node_modules", "constructs")).version;
  expect(constructs).toBe(pkg.devDependencies?.constructs);
  const [major, minor] = constructs.split(".").map(Number);
  expect(major === 10 && minor >= 6 && minor < 8).toBe(true);
  expect(readPackageJson(path.join(ROOT, "node_modules", "cdktn")).peerDependencies?.constructs).toBe(">=10.6.0 <10.8.0");
  expect(readPackageJson(path.join(ROOT, "node_modules", "cdktf")).peerDependencies?.constructs).toBe("^10.4.2");
});

test(`cdktn synth (CDK Terrain CLI) on Node ${NODE_MAJOR} writes the repository's stacks and manifest byte for byte, without terraform`, () => {
  const out = path.join(tmp, "cdktn.out");
  const r = cli(path.join(ROOT, "node_modules", "cdktn-cli", "bin", "cdktn"), out);
  expect(r.stdout).toMatch(/Generated Terraform code for the stacks: dev, prod, test/);
  ownSynthInto(ownSynth);
  const files = FILES(ownSynth);
  expect(files).toEqual(["manifest.json", "stacks/dev/cdk.tf.json", "stacks/prod/cdk.tf.json", "stacks/test/cdk.tf.json"]);
  expect(FILES(out)).toEqual(files);
  const differing = files.filter((f) => !fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(ownSynth, f))));
  expect(differing).toEqual([]);
}, 240_000);

(NODE_MAJOR === 22 ? test : test.skip)("cdktf synth (cdktf-cli 0.21, Node 22 only) writes the same stacks and manifest byte for byte", () => {
  const out = path.join(tmp, "cdktf.out");
  cli(path.join(ROOT, "node_modules", "cdktf-cli", "bundle", "bin", "cdktf"), out);
  if (!fs.existsSync(ownSynth)) ownSynthInto(ownSynth);
  const files = FILES(ownSynth);
  expect(FILES(out)).toEqual(files);
  const differing = files.filter((f) => !fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(path.join(ownSynth, f))));
  expect(differing).toEqual([]);
}, 240_000);

test("an app written on the cdktn library itself cannot hold the constructs: they import cdktf (the README says so)", () => {
  // The consumer fixture with cdktn's App and TerraformStack: the constructs' cdktf elements fail in cdktn's synth.
  const fixture = fs.readFileSync(path.join(ROOT, "test", "fixtures", "consumer", "main.js"), "utf8");
  const mixed = fixture
    .replace('require("cdktf")', 'require("cdktn")')
    .replace('require("aml-datapath-pipeline/platform")', `require(${JSON.stringify(path.join(app, "dist", "lib", "platform"))})`)
    .replace('require("aml-datapath-pipeline/pipeline")', `require(${JSON.stringify(path.join(app, "dist", "lib", "pipeline"))})`);
  expect(mixed).toContain('require("cdktn")');
  if (!fs.existsSync(path.join(app, "dist", "lib", "platform", "index.js"))) throw new Error("no build in the checkout (prepare builds it: test/shared-build.ts)");
  fs.writeFileSync(path.join(app, "mixed.js"), mixed);
  const r = spawnSync(process.execPath, ["mixed.js"], { cwd: app, env: { ...env, CDKTF_OUTDIR: path.join(tmp, "mixed.out") }, encoding: "utf8" });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(/_resetResolveDiscoveredProviderFeatureUsage is not a function/);
});
