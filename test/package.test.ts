import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { adfPipelineOf, resourcesOf, TfJson, unescapeTemplate } from "./helpers";

const ROOT = path.resolve(__dirname, "..");
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

// Pack the library as npm would publish it, install the tarball into a fresh consumer app (its
// dependencies linked from this repository's node_modules: no network), and synthesize a stack
// there with plain node: only what the package ships is used.
describe("the packed library in another team's app", () => {
  let tmp: string;
  let files: string[];
  let json: TfJson;
  let synth: ReturnType<typeof spawnSync>;
  let consumerDir: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pack-"));
    const out = execFileSync(npm, ["pack", "--silent", "--pack-destination", tmp], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
    const tarball = path.join(tmp, out[out.length - 1]);
    files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).trim().split("\n").map((f) => f.replace(/^package\//, ""));
    const consumer = path.join(tmp, "consumer");
    const installed = path.join(consumer, "node_modules", "aml-datapath-pipeline");
    fs.mkdirSync(installed, { recursive: true });
    execFileSync("tar", ["-xzf", tarball, "-C", installed, "--strip-components=1"]);
    for (const dep of ["cdktf", "constructs", "@cdktf"]) fs.symlinkSync(path.join(ROOT, "node_modules", dep), path.join(consumer, "node_modules", dep), "dir");
    fs.copyFileSync(path.join(__dirname, "fixtures", "consumer", "main.js"), path.join(consumer, "main.js"));
    synth = spawnSync(process.execPath, ["main.js"], { cwd: consumer, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: path.join(consumer, "out") } });
    consumerDir = consumer;
    if (synth.status === 0) json = JSON.parse(fs.readFileSync(path.join(consumer, "out", "stacks", "team-b", "cdk.tf.json"), "utf8"));
  }, 180_000);

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("the tarball has compiled JavaScript, declarations and the step code, and nothing of the repository's tests or sources", () => {
    for (const f of ["dist/lib/index.js", "dist/lib/index.d.ts", "dist/lib/pipeline/index.js", "dist/stacks/index.js", "dist/cli/main.js", "bin/aml-datapath.js", "pipeline/prepare.py", "pipeline/process.py", "pipeline/check_results.py", "pipeline/local_run.py", "pipeline/conda.yaml", "package.json"]) {
      expect([f, files.includes(f)]).toEqual([f, true]);
    }
    expect(files.filter((f) => f.startsWith("test/") || f.startsWith("pipeline/tests/") || f.startsWith("scripts/") || f.startsWith("dist/test/"))).toEqual([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  test("every compiled module in the tarball has its source in the repository (no stale build output)", () => {
    const stale = files.filter((f) => f.startsWith("dist/") && f.endsWith(".js")).filter((f) => !fs.existsSync(path.join(ROOT, f.replace(/^dist\//, "").replace(/\.js$/, ".ts"))));
    expect(stale).toEqual([]);
  });

  test.each([["node10", "commonjs"], ["node16", "node16"]])("a TypeScript consumer (moduleResolution %s) type-checks against the declarations", (resolution, module) => {
    fs.writeFileSync(
      path.join(consumerDir, "check.ts"),
      [
        `import { ComputeCluster } from "aml-datapath-pipeline/platform";`,
        `import { DatapathPipeline, DatapathPipelineProps } from "aml-datapath-pipeline/pipeline";`,
        `import { DatapathStack } from "aml-datapath-pipeline/stacks";`,
        `import * as all from "aml-datapath-pipeline";`,
        `export const used: unknown[] = [ComputeCluster, DatapathPipeline, DatapathStack, all.MlWorkspace];`,
        `export type P = DatapathPipelineProps["parallel"];`,
      ].join("\n"),
    );
    const tsconfig = { compilerOptions: { strict: true, noEmit: true, module, moduleResolution: resolution, target: "ES2022", types: [], skipLibCheck: true }, files: ["check.ts"] };
    fs.writeFileSync(path.join(consumerDir, "tsconfig.json"), JSON.stringify(tsconfig));
    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", consumerDir], { encoding: "utf8" });
    expect([tsc.status, tsc.stdout]).toEqual([0, ""]);
  }, 60_000);

  test("plain node synthesizes the consumer's stack: no SyntaxError, no missing provider", () => {
    expect([synth.status, synth.stderr]).toEqual([0, ""]);
  });

  test("the stack has the cluster, the pipeline's assets, endpoint and ADF pipeline, and the providers the constructs added", () => {
    expect(Object.keys(resourcesOf(json, "azurerm_machine_learning_compute_cluster"))).toHaveLength(1);
    const types = Object.values(resourcesOf(json, "azapi_resource")).map((r) => String(r.type).split("@")[0].split("/").pop());
    expect(types.sort()).toEqual(["batchEndpoints", "codes", "codes", "codes", "components", "components", "components", "components", "environments", "pipelines"]);
    // Versions and this version's deployment are PUT requests Terraform never deletes.
    const puts = Object.values(resourcesOf(json, "azapi_resource_action")).map((r) => String(r.type).split("@")[0].split("/").slice(-2).join("/"));
    expect(puts.sort()).toEqual(["batchEndpoints/deployments", "codes/versions", "codes/versions", "codes/versions", "components/versions", "components/versions", "components/versions", "components/versions", "environments/versions"]);
    expect(adfPipelineOf(json).resource.name).toBe("team-b");
    // DatapathPipeline brought azapi and time itself: the consumer configured only azurerm.
    expect(Object.keys(json.provider ?? {}).sort()).toEqual(["azapi", "azurerm", "time"]);
    // The step code uploaded is the package's own pipeline/ folder.
    const blob = Object.values(resourcesOf(json, "azurerm_storage_blob")).find((b) => String(b.name).endsWith("/process.py"))!;
    expect(unescapeTemplate(blob.source_content)).toBe(fs.readFileSync(path.join(ROOT, "pipeline", "process.py"), "utf8"));
  });

  test("the installed CLI runs from the compiled JavaScript and knows its version", () => {
    const bin = path.join(consumerDir, "node_modules", "aml-datapath-pipeline", "bin", "aml-datapath.js");
    const r = spawnSync(process.execPath, [bin, "--version"], { cwd: consumerDir, encoding: "utf8" });
    expect([r.status, r.stdout.trim(), r.stderr]).toEqual([0, JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version, ""]);
    const help = spawnSync(process.execPath, [bin, "--help"], { cwd: consumerDir, encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("aml-datapath run --env <");
  });

  test("the README's reuse example is this consumer's code", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme).toContain(fs.readFileSync(path.join(__dirname, "fixtures", "consumer", "main.js"), "utf8").trim());
  });
});
