/**
 * aml-datapath diff's table fits the terminal: long setting paths are wrapped between their segments
 * under the path a resource's settings share, long values go on over continuation lines; nothing is
 * cut, at a narrow width or a wide one. On made-up differences (test/diff.test.ts has the real stacks).
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { commonPath, EnvironmentDiff, formatDiff, SettingDifference, wrap, wrapPath } from "../cli/diff";
import { CLI_MANIFEST_FORMAT, CLI_MANIFEST_PREFIX } from "../lib/pipeline/cli-manifest";
import { cli } from "./cli-harness";

const SPEC = "body.properties.componentSpec.jobs.process";
const ACTIVITIES = "body.properties.activities";
const MESSAGE =
  "@concat('Invoking batch endpoint ep-amldp-{env} (deployment pipeline-{hash}) failed or timed out: ', activity('Invoke batch endpoint').error.message, '. A job may have been created anyway.')";
const IR = "${azurerm_data_factory_integration_runtime_azure.factory_managed-vnet-ir_D6093A5D.name}";
const settings: SettingDifference[] = [
  { resource: "azapi_resource pipeline/adf/pipeline", setting: `${ACTIVITIES}[1].typeProperties.connectVia.referenceName`, a: "(not set)", b: IR },
  { resource: "azapi_resource pipeline/adf/pipeline", setting: `${ACTIVITIES}[2].typeProperties.message.value`, a: MESSAGE.replace("{hash}", "e51277dbfa19"), b: MESSAGE.replace("{hash}", "7df41621469b") },
  { resource: "azapi_resource pipeline/adf/pipeline", setting: `${ACTIVITIES}[3].typeProperties.activities[0].typeProperties.connectVia.referenceName`, a: "(not set)", b: IR },
  { resource: "azapi_resource_action pipeline/assets/pipeline-component/version", setting: `${SPEC}.max_concurrency_per_instance`, a: "2", b: "4" },
  { resource: "azapi_resource_action pipeline/assets/pipeline-component/version", setting: `${SPEC}.retry_settings.max_retries`, a: "2", b: "3" },
  { resource: "azurerm_machine_learning_compute_cluster cluster/cluster", setting: "scale_settings.scale_down_nodes_after_idle_duration", a: "PT2M", b: "PT30M" },
];
const diff: EnvironmentDiff = {
  a: "dev",
  b: "prod",
  settings,
  onlyIn: { a: [], b: ["azurerm_machine_learning_workspace_network_outbound_rule_private_endpoint outbound-rules/pe-storage-queue", "azurerm_subnet network/subnet"] },
};

/** One resource's block: the path it is under, and each column's text (cells and their continuation lines, in order). */
function block(text: string, resource: string): { under?: string; columns: [string, string, string] } {
  const lines = text.split("\n");
  // The heading, and its continuation lines (indented by 4) when it is wider than the table.
  let i = lines.findIndex((l) => l.length > 0 && resource.startsWith(l)) + 1;
  while (/^ {4}\S/.test(lines[i])) i++;
  // The path they share (its continuation lines indented by 4 too).
  let shared = "";
  if (/^ {2}under /.test(lines[i])) for (shared = lines[i++].trim(); /^ {4}\S/.test(lines[i]); ) shared += lines[i++].trim();
  const under = /^under (.+):$/.exec(shared)?.[1];
  const header = lines[i++];
  const [b0, b1] = [header.indexOf(diff.a.toUpperCase()), header.indexOf(diff.b.toUpperCase())];
  const columns: [string, string, string] = ["", "", ""];
  for (; i < lines.length && lines[i] !== ""; i++) {
    columns[0] += lines[i].slice(2, b0);
    columns[1] += lines[i].slice(b0, b1);
    columns[2] += lines[i].slice(b1);
  }
  return { under, columns };
}

/** Without white space: a cell's padding and a break's space look alike; every other character must be there, in order. */
const chars = (s: string) => s.replace(/\s+/g, "");

describe.each([50, 80, 120, 250])("the diff table at %i columns", (width) => {
  const text = formatDiff(diff, width);

  test("every line fits", () => {
    expect(text.split("\n").filter((l) => l.length > width)).toEqual([]);
  });

  test("every setting and value is there whole, under the path its resource's settings share", () => {
    for (const resource of [...new Set(settings.map((s) => s.resource))]) {
      const mine = settings.filter((s) => s.resource === resource);
      const { under, columns } = block(text, resource);
      const prefix = mine.length > 1 ? (resource.includes("adf") ? ACTIVITIES : SPEC) : undefined;
      expect(under).toBe(prefix);
      const shown = mine.map((s) => s.setting.slice(prefix ? prefix.length + (s.setting[prefix.length] === "." ? 1 : 0) : 0));
      expect(columns.map(chars)).toEqual([shown.join(""), mine.map((s) => s.a).join(""), mine.map((s) => s.b).join("")].map(chars));
    }
  });

  test("the resources only one side has are listed whole", () => {
    const only = text.slice(text.indexOf("Only in prod (2):"));
    expect(only.replace(/\n {4}/g, "")).toContain(`  ${diff.onlyIn.b[0]}\n  ${diff.onlyIn.b[1]}`);
  });
});

test("at a wide width nothing is wrapped: a line per setting", () => {
  const text = formatDiff(diff, 500);
  const longest = "[3].typeProperties.activities[0].typeProperties.connectVia.referenceName".length;
  expect(text).toContain(`  ${"[2].typeProperties.message.value".padEnd(longest)}  ${diff.settings[1].a}  ${diff.settings[1].b}`);
  expect(text).toContain("  max_concurrency_per_instance  2    4");
  expect(text.split("\n")).toHaveLength(1 + 3 * 3 + 2 + settings.length + 4);
});

test("at 80 columns: the end of every path stays, long values go on over continuation lines", () => {
  const text = formatDiff(diff, 80);
  expect(text).toContain(["  under body.properties.componentSpec.jobs.process:", "  SETTING                       DEV  PROD", "  max_concurrency_per_instance  2    4"].join("\n"));
  expect(text).not.toContain("…");
  const message = text.split("\n").filter((l) => l.includes("Invoking") || /^ {30,}\S/.test(l));
  expect(message.length).toBeGreaterThan(3);
});

test("wrap breaks after a space or separator in the second half of a line, else at the width; wrapPath between segments", () => {
  expect(wrap("alpha beta gamma", 11)).toEqual(["alpha beta ", "gamma"]);
  expect(wrap("/subscriptions/x/resourceGroups/rg", 16)).toEqual(["/subscriptions/", "x/resourceGroups", "/rg"]);
  expect(wrap("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
  expect(wrapPath("a.bb.ccc[0].dddd", 9)).toEqual(["a.bb.ccc", "[0].dddd"]);
  expect(wrapPath("x.averyveryverylongsegment", 8)).toEqual(["x.", "averyver", "yverylon", "gsegment"]);
  expect(commonPath(["a.b.c", "a.b.d.e"])).toBe("a.b");
  expect(commonPath(["a.b[1].c", "a.b[2].c"])).toBe("a.b");
  expect(commonPath(["a.b.c", "a.b.c.d"])).toBe("a.b");
  expect(commonPath(["ab.c", "ac.c"])).toBe("");
  expect(commonPath(["only.one"])).toBe("");
});

test("the command fits the terminal's width (ctx.columns), 120 when the output is not a terminal", async () => {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), "diff-width-"));
  try {
    fs.writeFileSync(path.join(app, "cdktf.json"), JSON.stringify({ language: "typescript", app: "node main.js" }));
    // Two minimal synthesized stacks: a CLI manifest output (so each is an environment) and one resource.
    for (const [env, value] of [
      ["dev", MESSAGE.replace("{hash}", "e51277dbfa19")],
      ["prod", MESSAGE.replace("{hash}", "7df41621469b")],
    ]) {
      const dir = path.join(app, "cdktf.out", "stacks", env);
      fs.mkdirSync(dir, { recursive: true });
      const json = {
        output: { [`${CLI_MANIFEST_PREFIX}datapath`]: { value: { format: CLI_MANIFEST_FORMAT } } },
        resource: { azapi_resource: { pipeline: { "//": { metadata: { path: `${env}/pipeline/adf/pipeline` } }, body: { properties: { activities: [{ typeProperties: { message: { value } } }] } } } } },
      };
      fs.writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(json));
    }
    const never = () => {
      throw new Error("diff must not create Azure clients");
    };
    for (const columns of [60, 200]) {
      const r = await cli(["diff", "dev", "prod"], { cwd: app, columns, clients: never });
      expect([r.code, r.err]).toEqual([0, ""]);
      expect(r.out.split("\n").filter((l) => l.length > columns)).toEqual([]);
      expect(r.out.split("\n").length > 8).toBe(columns === 60);
    }
    const piped = await cli(["diff", "dev", "prod"], { cwd: app, clients: never });
    expect(piped.out).toBe(formatDiff(JSON.parse((await cli(["diff", "dev", "prod", "--json"], { cwd: app, clients: never })).out) as EnvironmentDiff, 120));
  } finally {
    fs.rmSync(app, { recursive: true, force: true });
  }
});
