/**
 * Draw one SVG per synthesized stack: reads $CDKTF_OUTDIR/stacks/<env>/cdk.tf.json (default
 * cdktf.out) and writes $DIAGRAM_OUTDIR/<env>.svg (default docs/architecture), both relative to
 * the working directory. Offline: Graphviz compiled to WebAssembly (@viz-js/viz).
 *
 *   npm run synth && node --require ts-node/register scripts/diagram.ts
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

/** A synth that changes nothing leaves the file untouched (not even rewritten). */
function writeIfChanged(file: string, svg: string, what: string): void {
  if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === svg) {
    console.log(`unchanged ${shown(file)} (${what})`);
    return;
  }
  fs.writeFileSync(file, svg);
  console.log(`wrote ${shown(file)} (${what})`);
}

function normaliseSvg(svg: string): string {
  return `${svg.replace(/\r\n/g, "\n").trimEnd()}\n`;
}

async function main(): Promise<void> {
  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
  const target = path.resolve(process.env.DIAGRAM_OUTDIR ?? path.join("docs", "architecture"));
  const names = stackNames(outdir);
  const viz = await (await importEsm("@viz-js/viz")).instance();
  fs.mkdirSync(target, { recursive: true });
  for (const name of names) {
    const tf = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", name, "cdk.tf.json"), "utf8")) as TerraformJson;
    const model = buildModel(tf);
    const svg = normaliseSvg(viz.renderString(toDot(model, `Stack "${name}": what it deploys (generated from cdk.tf.json)`), { format: "svg" }));
    writeIfChanged(path.join(target, `${name}.svg`), svg, `${model.nodes.length} boxes, ${model.edges.length} arrows`);
    const flow = dataFlowOf(tf);
    if (flow) {
      const flowSvg = normaliseSvg(viz.renderString(dataFlowDot(flow, `Stack "${name}": how a run flows`), { format: "svg" }));
      writeIfChanged(path.join(target, `${name}-dataflow.svg`), flowSvg, `${flow.steps.length} steps`);
    }
  }
}

main().catch((e: unknown) => {
  if (process.env.DEBUG) console.error(e);
  console.error(e instanceof UsageError ? e.message : `diagram: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
