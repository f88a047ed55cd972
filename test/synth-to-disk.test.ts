// synthToDisk and synthApp in-process (the end-to-end runs of main.ts are in hostile-input.test.ts and
// stacks.test.ts): notes, traces, and what is printed.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Annotations, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { synthApp, synthToDisk } from "../stacks/app";
import { withEnv } from "./helpers";

describe("synthToDisk and synthApp", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-to-disk-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const noted = (app: import("cdktf").App) => {
    const stack = new TerraformStack(app, "notes");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    new ResourceGroup(stack, "rg", { name: "rg-notes", location: "westeurope" });
    Annotations.of(stack).addWarning("check the region");
    Annotations.of(stack).addInfo("nothing to do");
  };
  const everyFile = (dir: string): string =>
    fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8")).join("\n");

  test("a good synth returns its warnings and infos as readable notes, in stack order", () => {
    const outcome = withEnv({ DEBUG: undefined }, () => synthToDisk(noted, path.join(tmp, "notes")));
    expect(outcome).toEqual({ ok: true, notes: ["warning: check the region", "info: nothing to do"] });
  });

  test.each([undefined, "1"])("no stack trace (with this machine's paths) reaches the output, DEBUG=%s", (debug) => {
    const outdir = path.join(tmp, `traces-${debug ?? "off"}`);
    expect(withEnv({ DEBUG: debug }, () => synthToDisk(noted, outdir)).ok).toBe(true);
    const text = everyFile(outdir);
    expect(text).toContain("rg-notes");
    // A recorded trace names the frames' files; cdktf writes it as "stacktrace" in the manifest.
    expect(text).not.toMatch(/node_modules|synth-to-disk\.test/);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as { stacks: Record<string, { annotations: Record<string, unknown>[] }> };
    const annotations = Object.values(manifest.stacks).flatMap((s) => s.annotations);
    expect(annotations).toHaveLength(2);
    for (const a of annotations) expect(a.stacktrace ?? []).toEqual([]);
  });

  test("while building, recorded traces are empty (cdktf records one per token); afterwards, and under DEBUG, they are real", () => {
    const traceWhileBuilding = (debug: string | undefined) => {
      let trace: string | undefined;
      withEnv({ DEBUG: debug }, () =>
        synthToDisk((app) => {
          const target: { stack?: string } = {};
          Error.captureStackTrace(target);
          trace = target.stack;
          noted(app);
        }, path.join(tmp, `capture-${debug ?? "off"}`)),
      );
      return trace;
    };
    expect(traceWhileBuilding(undefined)).toBe("");
    expect(traceWhileBuilding("1")).toMatch(/synth-to-disk\.test/);
    const after: { stack?: string } = {};
    Error.captureStackTrace(after);
    expect(after.stack).toMatch(/synth-to-disk\.test/);
    // Errors made while building keep their own stack, frames included.
    let thrown: Error | undefined;
    withEnv({ DEBUG: undefined }, () =>
      synthToDisk(() => {
        thrown = new Error("own");
      }, path.join(tmp, "own")),
    );
    expect(thrown?.stack).toMatch(/\n\s+at .*synth-to-disk\.test/);
  });

  test("synthApp prints each note once when run directly, and none under the cdktf CLI (which prints them itself)", () => {
    const printed = (vars: NodeJS.ProcessEnv) => {
      const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
      try {
        withEnv({ DEBUG: undefined }, () => synthApp(noted, vars));
        return spy.mock.calls.map((c) => c.join(" "));
      } finally {
        spy.mockRestore();
      }
    };
    const direct = path.join(tmp, "direct");
    expect(printed({ CDKTF_OUTDIR: direct })).toEqual(["warning: check the region", "info: nothing to do"]);
    expect(fs.existsSync(path.join(direct, "manifest.json"))).toBe(true);
    expect(printed({ CDKTF_OUTDIR: path.join(tmp, "cli"), CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true" })).toEqual([]);
  });
});
