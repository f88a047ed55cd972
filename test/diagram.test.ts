import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildModel, DiagramModel, findReferences, interpolations, nodeFor, TerraformJson, toDot } from "../lib/diagram/diagram-model";
import { deriveNames } from "../lib/core/naming";
import { dataFlowOf } from "../lib/diagram/data-flow";
import { DEFAULT_PARALLEL_SETTINGS } from "../lib/pipeline/component-specs";
import { environments } from "../stacks/environments";
import { diagramReport } from "../scripts/diagram";
import { sharedBuild } from "./shared-build";

const ROOT = path.resolve(__dirname, "..");
const ENVS = environments.map((e) => e.name);

/** The compiled script (`npm run diagram` runs dist/scripts/diagram.js), from the shared build of the working tree. */
const run = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [path.join(sharedBuild().repo, "dist", "scripts", "diagram.js"), ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });

// The whole app as the shared build's node dist/main.js synthesized it.
let tmp: string;
let synthDir: string;
const stacks: Record<string, TerraformJson> = {};
const models: Record<string, DiagramModel> = {};

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "diagram-"));
  synthDir = sharedBuild().synthOut;
  for (const env of ENVS) {
    stacks[env] = JSON.parse(fs.readFileSync(path.join(synthDir, "stacks", env, "cdk.tf.json"), "utf8")) as TerraformJson;
    models[env] = buildModel(stacks[env]);
  }
}, 240_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Address (`type.logicalId`) of the only resource of `type` whose construct path ends with `suffix`. */
function addressOf(tf: TerraformJson, type: string, suffix = ""): string {
  const ids = Object.entries(tf.resource?.[type] ?? {})
    .filter(([, body]) => String((body["//"] as { metadata: { path: string } }).metadata.path).endsWith(suffix))
    .map(([id]) => id);
  if (ids.length !== 1) throw new Error(`expected one ${type} ending in ${suffix}, found ${ids.length}`);
  return `${type}.${ids[0]}`;
}

function box(env: string, type: string, suffix = "") {
  const node = nodeFor(models[env], addressOf(stacks[env], type, suffix));
  if (node === undefined) throw new Error(`no box for ${type} ${suffix}`);
  return node;
}

const edgesBetween = (model: DiagramModel, from: string, to: string) => model.edges.filter((e) => e.from === from && e.to === to);

describe("references", () => {
  const tf: TerraformJson = {
    resource: { a_thing: { x: {} }, b_thing: { "y-1_AB": {} } },
    data: { azurerm_client_config: { me: {} } },
  };

  test("interpolations: nested braces, escaped $${ ignored", () => {
    expect(interpolations('pre ${a_thing.x.id} $${{inputs.foo}} ${element(split("/", b_thing.y-1_AB.id), 2)}')).toEqual([
      "a_thing.x.id",
      'element(split("/", b_thing.y-1_AB.id), 2)',
    ]);
  });

  test("finds references recursively (also in JSON strings and depends_on), only to existing addresses", () => {
    const refs = findReferences(tf, {
      nested: [{ s: '{"url":"${a_thing.x.output.properties.scoringUri}"}' }],
      p: "${data.azurerm_client_config.me.object_id}",
      other: "${unknown_type.x.id} ${{parent.inputs.x}}",
      depends_on: ["b_thing.y-1_AB"],
      "//": { metadata: { path: "${a_thing.x.id}" } },
    });
    expect(refs.map((r) => [r.address, r.attribute, r.path])).toEqual([
      ["b_thing.y-1_AB", "", "depends_on[0]"],
      ["a_thing.x", "output.properties.scoringUri", "nested[0].s"],
      ["data.azurerm_client_config.me", "object_id", "p"],
    ]);
  });
});

describe("model of the dev stack", () => {
  test("groups: workspace in ml, factory in factory, storage account in storage", () => {
    expect(box("dev", "azurerm_machine_learning_workspace").group).toBe("ml");
    expect(box("dev", "azurerm_machine_learning_compute_cluster").group).toBe("ml");
    expect(box("dev", "azapi_resource", "batch/endpoint").group).toBe("ml");
    expect(box("dev", "azurerm_data_factory").group).toBe("factory");
    expect(box("dev", "azapi_resource", "adf/pipeline").group).toBe("factory");
    expect(box("dev", "azapi_resource", "adf/pipeline").label).toBe("ADF pipeline\ndatapath");
    expect(box("dev", "azurerm_storage_account").group).toBe("storage");
    expect(box("dev", "azurerm_storage_container", "output-data/container").group).toBe("storage");
    expect(box("dev", "azurerm_machine_learning_datastore_blobstorage", "input-data/datastore").group).toBe("storage");
  });

  test("labels: kind plus literal name, never a ${} reference or a version hash", () => {
    const n = deriveNames(environments[0].projectPrefix, "dev", environments[0].nameSuffix ?? "");
    expect(box("dev", "azurerm_storage_account").label).toBe(`Storage account\n${n.storageAccount}`);
    expect(box("dev", "azapi_resource", "batch/endpoint").label).toBe(`Batch endpoint\n${deriveNames(environments[0].projectPrefix, "dev", environments[0].nameSuffix ?? "").batchEndpoint}`);
    expect(box("dev", "azurerm_machine_learning_workspace").label).toBe(`ML workspace\n${n.mlWorkspace}`);
    for (const n of models.dev.nodes) {
      expect(n.label).not.toContain("${");
      expect(n.label).not.toMatch(/[0-9a-f]{16}/);
    }
  });

  test("AML container + version pairs and the code blobs of one step are one box each", () => {
    const code = box("dev", "azapi_resource", "prepare-code/container");
    expect(box("dev", "azapi_resource_action", "prepare-code/version")).toBe(code);
    expect(code.label).toBe("Code version\ndatapath-prepare");
    const blobs = box("dev", "azurerm_storage_blob", "prepare-code-prepare.py");
    expect(blobs.label).toBe("Code blobs (datapath-prepare)\n1 file");
    expect(edgesBetween(models.dev, code.id, blobs.id)).toHaveLength(1); // depends_on
    expect(models.dev.nodes.length).toBeLessThanOrEqual(36);
  });

  test("role assignments are dashed edges principal → scope, not boxes", () => {
    const factory = box("dev", "azurerm_data_factory").id;
    const workspace = box("dev", "azurerm_machine_learning_workspace").id;
    const cluster = box("dev", "azurerm_machine_learning_compute_cluster").id;
    const output = box("dev", "azurerm_storage_container", "output-data/container").id;
    // The code goes to the workspace's default datastore container, read from the workspace.
    const code = models.dev.nodes.find((n) => n.label === "Blob container\nof datastore workspaceblobstore")!.id;
    expect(box("dev", "azurerm_storage_account").group).toBe(models.dev.nodes.find((n) => n.id === code)!.group);
    expect(models.dev.nodes.some((n) => n.addresses.some((a) => a.startsWith("azurerm_role_assignment.")))).toBe(false);
    expect(edgesBetween(models.dev, factory, workspace)).toContainEqual({ from: factory, to: workspace, kind: "role", label: "AzureML Data Scientist" });
    expect(edgesBetween(models.dev, cluster, output)).toContainEqual({ from: cluster, to: output, kind: "role", label: "Storage Blob Data Contributor" });
    // The deployer (a data source) uploads the code: a "Deploying identity" box.
    const deployer = models.dev.nodes.find((n) => n.label === "Deploying identity");
    expect(deployer?.group).toBe("identity");
    expect(edgesBetween(models.dev, deployer?.id ?? "", code)).toEqual([{ from: deployer?.id, to: code, kind: "role", label: "Storage Blob Data Contributor" }]);
    const roleCount = Object.keys(stacks.dev.resource?.azurerm_role_assignment ?? {}).length;
    expect(models.dev.edges.filter((e) => e.kind === "role")).toHaveLength(roleCount);
  });

  test("data flow: the ADF pipeline calls the batch endpoint's scoringUri; the trigger starts the pipeline", () => {
    const pipeline = box("dev", "azapi_resource", "adf/pipeline").id;
    const endpoint = box("dev", "azapi_resource", "batch/endpoint").id;
    const trigger = box("dev", "azurerm_data_factory_trigger_blob_event").id;
    expect(edgesBetween(models.dev, pipeline, endpoint)).toEqual([{ from: pipeline, to: endpoint, kind: "reference", label: "scoringUri" }]);
    expect(edgesBetween(models.dev, trigger, pipeline)).toHaveLength(1);
    // trigger → factory is implied by trigger → pipeline → factory (structural edge dropped).
    expect(edgesBetween(models.dev, trigger, box("dev", "azurerm_data_factory").id)).toEqual([]);
  });

  test("no edge to the resource group, data sources or role assignments; every edge joins two boxes", () => {
    const ids = new Set(models.dev.nodes.map((n) => n.id));
    const rg = box("dev", "azurerm_resource_group").id;
    for (const e of models.dev.edges) {
      expect(ids.has(e.from) && ids.has(e.to)).toBe(true);
      expect(e.from).not.toBe(e.to);
      expect(e.to).not.toBe(rg);
    }
  });

  test("sorted and deterministic", () => {
    expect(buildModel(JSON.parse(JSON.stringify(stacks.dev)) as TerraformJson)).toEqual(models.dev);
    expect(toDot(models.dev, "dev")).toBe(toDot(buildModel(stacks.dev), "dev"));
  });
});

describe("data flow of each stack", () => {
  test.each(ENVS)("%s: starters, ADF parameters, endpoint, the three steps with the parallel step's size, the results path", (env) => {
    const cfg = environments.find((e) => e.name === env)!;
    const f = dataFlowOf(stacks[env])!;
    expect(f.starters[0]).toMatch(/^Operator\n/);
    expect(f.starters.some((s) => s.startsWith("Blob trigger\n"))).toBe(cfg.pipeline.blobTrigger !== undefined);
    expect(f.starters.some((s) => s.startsWith("Schedule trigger"))).toBe(cfg.pipeline.schedule !== undefined);
    expect(f.parameters).toEqual(["datastore_name", "poll_interval_seconds", "relative_path"]);
    expect(f.steps.map((s) => s.name)).toEqual(["prepare", "process", "check"]);
    const parallel = { ...DEFAULT_PARALLEL_SETTINGS, ...(cfg.pipeline.parallel ?? {}) };
    expect(f.steps[1].detail).toBe(`parallel: ${parallel.instanceCount} nodes x ${parallel.maxConcurrencyPerInstance} workers,\n${parallel.miniBatchSize} work item(s) per mini-batch`);
    expect(f.output).toBe(`${cfg.data.outputDatastore}: runs/${cfg.pipeline.name}/<ADF run id>/results.jsonl`);
  });

  test("the resource group is not drawn as an identity", () => {
    expect(box("dev", "azurerm_resource_group").group).toBe("other");
  });
});

describe("network group", () => {
  test("private endpoints only in test and prod", () => {
    expect(models.dev.nodes.filter((n) => n.group === "network")).toEqual([]);
    for (const env of ["test", "prod"]) {
      const network = models[env].nodes.filter((n) => n.group === "network");
      expect(network.filter((n) => n.label.startsWith("Private endpoint\n")).length).toBeGreaterThanOrEqual(5);
      expect(box(env, "azurerm_private_endpoint", "pe-workspace").group).toBe("network");
      const pe = box(env, "azurerm_private_endpoint", "pe-workspace").id;
      expect(edgesBetween(models[env], pe, box(env, "azurerm_machine_learning_workspace").id)).toHaveLength(1);
    }
  });
});

describe("toDot", () => {
  test("one cluster per non-empty group, labelled, left to right", () => {
    const dev = toDot(models.dev, "Stack dev");
    for (const [group, label] of [
      ["storage", "Storage"],
      ["ml", "Machine Learning"],
      ["factory", "Data Factory"],
      ["identity", "Identity"],
    ]) {
      expect(dev).toContain(`subgraph cluster_${group} {`);
      expect(dev).toContain(`label="${label}"`);
    }
    expect(dev).not.toContain("cluster_network");
    expect(toDot(models.test, "Stack test")).toContain('subgraph cluster_network {\n    graph [label="Network"');
    expect(dev).toContain('rankdir="LR"');
    expect(dev).toMatch(/-> "azurerm_machine_learning_workspace\.[^"]+" \[label="AzureML Data Scientist", style="dashed"/);
  });

  test("quotes are escaped", () => {
    expect(toDot({ nodes: [{ id: 'a"b', label: 'x\\y"\nz', group: "other", addresses: [] }], edges: [] }, "t")).toContain(
      '"a\\"b" [label="x\\\\y\\"\\nz"];',
    );
  });
});

describe("npm run diagram", () => {
  const diagram = (outdir: string, args: string[] = [], cdktfOut = synthDir) => run(args, { CDKTF_OUTDIR: cdktfOut, DIAGRAM_OUTDIR: outdir });
  // Drawn once (--verbose: a line per file), then again into the same folder.
  let first: ReturnType<typeof run>;
  let again: ReturnType<typeof run>;
  let out: string;
  let mtimes: number[];
  const files = () => fs.readdirSync(out).sort();
  beforeAll(() => {
    out = path.join(tmp, "svg");
    first = diagram(out, ["--verbose"]);
    // Back-dated, so a rewrite would show.
    mtimes = files().map((f) => {
      const old = fs.statSync(path.join(out, f)).mtimeMs - 60_000;
      fs.utimesSync(path.join(out, f), new Date(old), new Date(old));
      return old;
    });
    again = diagram(out);
  }, 240_000);

  test("writes a well-formed SVG per stack and flow, equal to the committed ones", () => {
    expect([first.status, first.stderr]).toEqual([0, ""]);
    expect(first.stdout.trim().split("\n").sort()).toEqual(files().map((f) => expect.stringMatching(new RegExp(`^wrote ${path.join(out, f).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(\\d+ (boxes, \\d+ arrows|steps)\\)$`))));
    expect(files()).toEqual(ENVS.flatMap((e) => [`${e}.svg`, `${e}-dataflow.svg`]).sort());
    for (const env of ENVS) {
      const svg = fs.readFileSync(path.join(out, `${env}.svg`), "utf8");
      expect(svg).toMatch(/^<\?xml [^>]*\?>\n/);
      expect(svg.match(/<svg /g)).toHaveLength(1);
      expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
      expect(svg).toContain(`Stack &quot;${env}&quot;`);
      expect(svg).toContain("AzureML Data Scientist");
      expect(svg).not.toContain(tmp);
      expect(svg).not.toContain(ROOT);
    }
    const stale = files().filter((f) => !fs.existsSync(path.join(ROOT, "docs", "architecture", f)) || fs.readFileSync(path.join(ROOT, "docs", "architecture", f), "utf8") !== fs.readFileSync(path.join(out, f), "utf8"));
    if (stale.length > 0) throw new Error(`docs/architecture is stale (${stale.join(", ")}): run npm run synth and commit the diagrams`);
  });

  test("a run that changes nothing leaves the files untouched (identical drawings, not rewritten) and says so in one line", () => {
    expect([again.status, again.stderr]).toEqual([0, ""]);
    expect(again.stdout).toBe(`diagrams: ${files().length} unchanged in ${out}\n`);
    expect(files().map((f) => Math.abs(fs.statSync(path.join(out, f)).mtimeMs - mtimes[files().indexOf(f)]) < 2)).toEqual(files().map(() => true));
  });

  test("one line: what was written (to commit) and how many were unchanged; names relative to the working directory", () => {
    const f = (file: string, written: boolean) => ({ file, written, what: "3 steps" });
    expect(diagramReport([f("docs/architecture/dev.svg", true), f("docs/architecture/dev-dataflow.svg", false), f("docs/architecture/prod.svg", true)])).toEqual([
      "diagrams: wrote dev.svg, prod.svg in docs/architecture (commit them: CI fails on stale diagrams), 1 unchanged",
    ]);
    expect(diagramReport([f("docs/architecture/dev.svg", true)])).toEqual(["diagrams: wrote dev.svg in docs/architecture (commit them: CI fails on stale diagrams)"]);
    expect(diagramReport([f("docs/architecture/dev.svg", false)], true)).toEqual(["unchanged docs/architecture/dev.svg (3 steps)"]);
  });

  test("the data-flow picture is readable at README width: text at least 11 px when shown 800 px wide", () => {
    for (const env of ENVS) {
      const svg = fs.readFileSync(path.join(out, `${env}-dataflow.svg`), "utf8");
      const widthPx = (Number(/<svg width="([\d.]+)pt"/.exec(svg)![1]) * 4) / 3;
      const smallestPx = (Math.min(...[...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1]))) * 4) / 3;
      expect([env, smallestPx * Math.min(1, 800 / widthPx) >= 11]).toEqual([env, true]);
    }
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    expect(readme.indexOf("docs/architecture/dev-dataflow.svg")).toBeGreaterThan(-1);
    expect(readme.indexOf("docs/architecture/dev-dataflow.svg")).toBeLessThan(readme.indexOf("docs/architecture/dev.svg"));
  });

  test("without a synth: one clear line, no stack trace, exit 1; an unknown option: usage, exit 2", () => {
    const r = diagram(path.join(tmp, "svg-none"), [], path.join(tmp, "missing"));
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("run npm run synth first");
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(path.join(tmp, "svg-none"))).toBe(false);
    const bad = diagram(path.join(tmp, "svg-bad"), ["--colour"]);
    expect([bad.status, bad.stderr]).toEqual([2, "diagram: unknown option --colour\nusage: npm run diagram [-- --verbose]\n"]);
  }, 30_000);
});
