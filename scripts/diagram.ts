/**
 * Draw one SVG per synthesized stack: reads $CDKTF_OUTDIR/stacks/<env>/cdk.tf.json (default
 * cdktf.out) and writes $DIAGRAM_OUTDIR/<env>.svg and <env>-dataflow.svg (default
 * docs/architecture), both relative to the working directory. Offline: Graphviz compiled to
 * WebAssembly (@viz-js/viz). A file whose drawing has not changed is not rewritten.
 *
 *   npm run diagram [-- --verbose]      (npm run synth draws them too)
 *
 * Prints one line: what it wrote (to commit: CI fails on stale diagrams) and how many were
 * unchanged; --verbose a line per file.
 */
import * as fs from "fs";
import * as path from "path";
import { buildModel, TerraformJson, toDot } from "../lib/diagram/diagram-model";
import { dataFlowDot, dataFlowOf } from "../lib/diagram/data-flow";

type VizModule = typeof import("@viz-js/viz");

/** @viz-js/viz is ESM-only; a real dynamic import (which TypeScript would turn into require() under commonjs). */
const importEsm = new Function("s", "return import(s)") as (specifier: string) => Promise<VizModule>;

class UsageError extends Error {}

/** Stack names with a cdk.tf.json under `outdir`/stacks, sorted. */
function stackNames(outdir: string): string[] {
  const stacksDir = path.join(outdir, "stacks");
  if (!fs.existsSync(stacksDir)) throw new UsageError(`diagram: ${shown(stacksDir)} not found: run npm run synth first`);
  const names = fs
    .readdirSync(stacksDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(stacksDir, e.name, "cdk.tf.json")))
    .map((e) => e.name)
    .sort();
  if (names.length === 0) throw new UsageError(`diagram: no stack in ${shown(stacksDir)}: run npm run synth first`);
  return names;
}

/** Viz output is deterministic for a given version; only normalise line endings and the final newline. */
/** For messages: relative to the working directory when inside it, absolute otherwise. */
function shown(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? p : rel;
}

/** A synth that changes nothing leaves the file untouched (not even rewritten). Whether it wrote. */
function writeIfChanged(file: string, svg: string): boolean {
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === svg) return false;
  fs.writeFileSync(file, svg);
  return true;
}

function normaliseSvg(svg: string): string {
  return `${svg.replace(/\r\n/g, "\n").trimEnd()}\n`;
}

export interface DiagramFile {
  /** As shown: relative to the working directory when inside it. */
  readonly file: string;
  readonly written: boolean;
  /** What it shows: "36 boxes, 63 arrows", "3 steps". */
  readonly what: string;
}

/** Draw every stack of `outdir` into `target`; what was written and what was left as it was. */
export async function drawDiagrams(outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out"), target = path.resolve(process.env.DIAGRAM_OUTDIR ?? path.join("docs", "architecture"))): Promise<DiagramFile[]> {
  const names = stackNames(outdir);
  const viz = await (await importEsm("@viz-js/viz")).instance();
  fs.mkdirSync(target, { recursive: true });
  const files: DiagramFile[] = [];
  for (const name of names) {
    const tf = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TerraformJson;
    const model = buildModel(tf);
    const svg = normaliseSvg(viz.renderString(toDot(model, `Stack "${name}": what it deploys (generated from cdk.tf.json)`), { format: "svg" }));
    const file = path.join(target, `${name}.svg`);
    files.push({ file: shown(file), written: writeIfChanged(file, svg), what: `${model.nodes.length} boxes, ${model.edges.length} arrows` });
    const flow = dataFlowOf(tf);
    if (flow) {
      const flowSvg = normaliseSvg(viz.renderString(dataFlowDot(flow, `Stack "${name}": how a run flows`), { format: "svg" }));
      const flowFile = path.join(target, `${name}-dataflow.svg`);
      files.push({ file: shown(flowFile), written: writeIfChanged(flowFile, flowSvg), what: `${flow.steps.length} steps` });
    }
  }
  return files;
}

/**
 * What a run prints: one line (`diagrams: 6 unchanged in docs/architecture`, or what it wrote, to
 * commit, and how many were unchanged); verbose, a line per file.
 */
export function diagramReport(files: readonly DiagramFile[], verbose = false): string[] {
  if (verbose) return files.map((f) => `${f.written ? "wrote" : "unchanged"} ${f.file} (${f.what})`);
  const dirs = [...new Set(files.map((f) => path.dirname(f.file)))];
  const where = dirs.length === 1 ? dirs[0] : dirs.join(", ");
  const name = (f: DiagramFile) => (dirs.length === 1 ? path.basename(f.file) : f.file);
  const written = files.filter((f) => f.written);
  const unchanged = files.length - written.length;
  if (written.length === 0) return [`diagrams: ${unchanged} unchanged in ${where}`];
  return [`diagrams: wrote ${written.map(name).join(", ")} in ${where} (commit them: CI fails on stale diagrams)${unchanged > 0 ? `, ${unchanged} unchanged` : ""}`];
}

/** Draws and reports; on failure one line (no stack trace unless DEBUG) and exit code 1. */
export async function main(verbose: boolean): Promise<void> {
  try {
    for (const line of diagramReport(await drawDiagrams(), verbose)) console.log(line);
  } catch (e) {
    if (process.env.DEBUG) console.error(e);
    console.error(e instanceof UsageError ? e.message : `diagram: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  if (args.some((a) => a !== "--verbose")) {
    console.error(`diagram: unknown option ${args.filter((a) => a !== "--verbose").join(", ")}\nusage: npm run diagram [-- --verbose]`);
    process.exit(2);
  }
  void main(args.includes("--verbose"));
}
