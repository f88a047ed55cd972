import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { adfPipelineOf, refTo, resourcesOf, TfJson, unescapeTemplate } from "./helpers";
import { sharedBuild } from "./shared-build";

const ROOT = path.resolve(__dirname, "..");

// The library packed as npm would publish it (npm pack of a checkout of the working tree, after
// prepare: test/shared-build.ts), installed into a fresh consumer app (its dependencies linked from
// this repository's node_modules: no network), and a stack synthesized there with plain node: only
// what the package ships is used.
describe("the packed library in another team's app", () => {
  let tmp: string;
  let files: string[];
  let json: TfJson;
  let synth: ReturnType<typeof spawnSync>;
  let consumerDir: string;

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pack-"));
    const { tarball } = sharedBuild();
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

  test("a TypeScript consumer type-checks against the declarations, with moduleResolution node10 (typesVersions) and node16 (exports)", () => {
    fs.writeFileSync(
      path.join(consumerDir, "check.ts"),
      [
        `import { ComputeCluster, IBlobDatastore, IComputeCluster, IDataFactory, IMlWorkspace } from "aml-datapath-pipeline/platform";`,
        `import { DatapathPipeline, DatapathPipelineProps } from "aml-datapath-pipeline/pipeline";`,
        `import { DatapathStack } from "aml-datapath-pipeline/stacks";`,
        `import * as all from "aml-datapath-pipeline";`,
        `export const used: unknown[] = [ComputeCluster, DatapathPipeline, DatapathStack, all.MlWorkspace, all.BlobDatastore.fromAttributes];`,
        `export type P = DatapathPipelineProps["parallel"];`,
        `export type Platform = [IMlWorkspace, IComputeCluster, IDataFactory, IBlobDatastore];`,
        // The flat props of 0.2 are rejected by the compiler.
        `// @ts-expect-error workspaceId is no longer taken`,
        `export const old: Partial<DatapathPipelineProps> = { workspaceId: "x" };`,
      ].join("\n"),
    );
    const configs = [
      ["node10", "commonjs"],
      ["node16", "node16"],
    ].map(([resolution, module]) => {
      const file = path.join(consumerDir, `tsconfig.${resolution}.json`);
      fs.writeFileSync(file, JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module, moduleResolution: resolution, target: "ES2022", types: [], skipLibCheck: true }, files: ["check.ts"] }));
      return file;
    });
    // One tsc for both (build mode: the declarations are read once); --verbose names the project of an error.
    const tsc = spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-b", ...configs, "--verbose"], { encoding: "utf8" });
    expect(tsc.stdout).not.toMatch(/error TS/);
    expect(tsc.status).toBe(0);
    expect(tsc.stdout.match(/Building project /g)).toHaveLength(2);
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

  test("in the consumer's folder the installed CLI offers the consumer's stack, not this repository's environments", () => {
    // As a team's project has it: cdktf.json naming where the stacks are synthesized.
    fs.writeFileSync(path.join(consumerDir, "cdktf.json"), JSON.stringify({ language: "typescript", app: "node main.js", output: "out" }));
    const bin = path.join(consumerDir, "node_modules", "aml-datapath-pipeline", "bin", "aml-datapath.js");
    const help = spawnSync(process.execPath, [bin, "run", "--help"], { cwd: consumerDir, encoding: "utf8" });
    expect([help.status, help.stderr]).toEqual([0, ""]);
    const stacks = Object.keys(JSON.parse(fs.readFileSync(path.join(consumerDir, "out", "manifest.json"), "utf8")).stacks);
    expect(help.stdout).toContain(`--env <${stacks.join("|")}>`);
    for (const env of ["dev", "test", "prod"]) expect(help.stdout).not.toMatch(new RegExp(`[<|]${env}[|>]`));
  });

  test("the README's reuse example is this consumer's code, exactly", () => {
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Using the constructs in another stack"));
    const examples = [...section.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
    expect(examples).toEqual([fs.readFileSync(path.join(__dirname, "fixtures", "consumer", "main.js"), "utf8")]);
  });

  test("the consumer's run can read its data: cluster and factory read the input and write the results, the factory submits jobs", () => {
    const rg = "/subscriptions/5b2c8f8e-6d1a-4f3b-9c7e-2a1b3c4d5e6f/resourceGroups/rg-ml-shared/providers";
    const input = `${rg}/Microsoft.Storage/storageAccounts/stmlshared/blobServices/default/containers/input-data`;
    const results = refTo(json, "azurerm_storage_container", "id");
    const cluster = refTo(json, "azurerm_machine_learning_compute_cluster", "identity[0].principal_id");
    const factory = "7d1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6";
    const grants = Object.values(resourcesOf(json, "azurerm_role_assignment")).map((r) => [r.role_definition_name, r.scope, r.principal_id, r.principal_type]);
    for (const expected of [
      ["Storage Blob Data Reader", input, cluster, "ServicePrincipal"],
      ["Storage Blob Data Contributor", results, cluster, "ServicePrincipal"],
      ["Storage Blob Data Reader", input, factory, "ServicePrincipal"],
      ["Storage Blob Data Contributor", results, factory, "ServicePrincipal"],
      ["AzureML Data Scientist", `${rg}/Microsoft.MachineLearningServices/workspaces/mlw-shared`, factory, "ServicePrincipal"],
      // The workspace identity previews the results in the studio; the analysts' group reads them.
      ["Storage Blob Data Reader", results, "0c5f9a3e-1d2b-4c6a-8e7f-9a0b1c2d3e4f", "ServicePrincipal"],
      ["Storage Blob Data Reader", results, "3f6b2a1c-8d4e-4f5a-9b6c-7d8e9f0a1b2c", "Group"],
    ]) {
      expect(grants).toContainEqual(expected);
    }
    // No role is assigned twice on one scope to one principal (Azure refuses the second).
    const triples = grants.map((g) => g.slice(0, 3).join("|"));
    expect(new Set(triples).size).toBe(triples.length);
  });

  test("the consumer's stack has the outputs to start a run with", () => {
    const out = json.output!;
    expect(Object.keys(out)).toEqual(expect.arrayContaining(["start_run_command", "invoke_body_template", "adf_pipeline_name", "batch_endpoint_scoring_uri"]));
    expect(out.start_run_command.value).toBe(
      `az datafactory pipeline create-run --resource-group rg-ml-shared --factory-name adf-shared --name \${${adfPipelineOf(json).address}.name} --parameters '{"datastore_name":"input_data","relative_path":"parquet/latest"}'`,
    );
    const template = JSON.parse(String(out.invoke_body_template.value));
    expect(template.properties.OutputData.results.Uri).toBe("azureml://datastores/team_b_results/paths/runs/team-b/<run id>/results.jsonl");
  });

  test("bad props under a plain app.synth(): the problems alone, exit code 1, nothing written", () => {
    const bad = fs.readFileSync(path.join(consumerDir, "main.js"), "utf8").replace(`location: "westeurope"`, `location: "WestEurope"`).replace("maxNodes: 3", "maxNodes: 0");
    fs.writeFileSync(path.join(consumerDir, "bad.js"), bad);
    const outdir = path.join(consumerDir, "bad-out");
    const r = spawnSync(process.execPath, ["bad.js"], { cwd: consumerDir, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: outdir, DEBUG: "" } });
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Using the constructs in another stack"));
    const shown = /\n```\n(Invalid configuration[\s\S]*?)```\n/.exec(section)?.[1];
    expect([r.status, r.stdout, r.stderr]).toEqual([1, "", shown]);
    expect(fs.existsSync(outdir)).toBe(false);
  });
});
