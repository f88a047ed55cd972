// synthToDisk and synthApp in-process (the end-to-end runs of main.ts are in hostile-input.test.ts and
// stacks.test.ts): notes, traces, and what is printed; and what `npm run synth` prints for the whole app.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Annotations, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { StackSummary, summaryLine, synthApp, synthReport, synthToDisk } from "../stacks/app";
import { environments } from "../stacks/environments";
import { withEnv } from "./helpers";
import { sharedBuild } from "./shared-build";

const noted = (app: import("cdktf").App) => {
  const stack = new TerraformStack(app, "notes");
  new AzurermProvider(stack, "azurerm", { features: [{}] });
  new ResourceGroup(stack, "rg", { name: "rg-notes", location: "westeurope" });
  Annotations.of(stack).addWarning("check the region");
  Annotations.of(stack).addInfo("nothing to do");
};

describe("synthToDisk and synthApp", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "synth-to-disk-"));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const everyFile = (dir: string): string =>
    fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => fs.readFileSync(path.join(e.parentPath, e.name), "utf8")).join("\n");

  test("a good synth returns its warnings and infos as readable notes, in stack order, and each stack's numbers", () => {
    const outcome = withEnv({ DEBUG: undefined }, () => synthToDisk(noted, path.join(tmp, "notes")));
    expect(outcome).toEqual({
      ok: true,
      notes: ["warning: check the region", "info: nothing to do"],
      summaries: [{ stack: "notes", resources: 1, errors: 0, warnings: 1, acceptedExceptions: 0, infos: 1 }],
    });
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
    expect(printed({ CDKTF_OUTDIR: direct })).toEqual(["warning: check the region", "info: nothing to do", "notes: 1 resource, 0 errors, 1 warning, 0 accepted exceptions, 1 other note"]);
    expect(fs.existsSync(path.join(direct, "manifest.json"))).toBe(true);
    expect(printed({ CDKTF_OUTDIR: path.join(tmp, "cli"), CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true" })).toEqual([]);
    // npm run synth, plan and deploy: the summary alone, and how to see the list.
    expect(printed({ CDKTF_OUTDIR: direct, AML_DATAPATH_VERBOSE: "0" })).toEqual(["notes: 1 resource, 0 errors, 1 warning, 0 accepted exceptions, 1 other note (npm run synth -- --verbose lists them)"]);
    expect(printed({ CDKTF_OUTDIR: direct, AML_DATAPATH_VERBOSE: "1" })).toEqual(printed({ CDKTF_OUTDIR: direct }));
  });

  test("a failed synth lists every note before what failed, whatever AML_DATAPATH_VERBOSE says, and exits 1", () => {
    const failing = (app: import("cdktf").App) => {
      noted(app);
      Annotations.of(app.node.children[0]).addError("a finding");
    };
    const spy = jest.spyOn(console, "error").mockImplementation(() => undefined);
    const exit = jest.spyOn(process, "exit").mockImplementation(() => undefined as never);
    try {
      withEnv({ DEBUG: undefined }, () => synthApp(failing, { CDKTF_OUTDIR: path.join(tmp, "failing"), AML_DATAPATH_VERBOSE: "0" }));
      expect(spy.mock.calls.map((c) => c.join(" "))).toEqual(["warning: check the region", "info: nothing to do", "Synth failed with 1 error:\n  - a finding"]);
      expect(exit).toHaveBeenCalledWith(1);
      expect(fs.existsSync(path.join(tmp, "failing"))).toBe(false);
    } finally {
      spy.mockRestore();
      exit.mockRestore();
    }
  });
});

describe("the summary line of each environment", () => {
  const summary = (o: Partial<StackSummary>): StackSummary => ({ stack: "dev", resources: 62, errors: 0, warnings: 2, acceptedExceptions: 3, infos: 0, ...o });

  test("resources, errors, warnings and accepted exceptions, counted in words; other notes only when there are some", () => {
    expect(summaryLine(summary({}))).toBe("dev: 62 resources, 0 errors, 2 warnings, 3 accepted exceptions");
    expect(summaryLine(summary({ resources: 1, warnings: 1, acceptedExceptions: 1, infos: 2 }))).toBe("dev: 1 resource, 0 errors, 1 warning, 1 accepted exception, 2 other notes");
  });

  test("quiet (AML_DATAPATH_VERBOSE=0): one line per environment; the way to the list once, on the line itself when there is one", () => {
    const notes = ["warning: w", "info: [r] x suppressed: why"];
    const two = { notes, summaries: [summary({}), summary({ stack: "prod" })] };
    expect(synthReport(two, { AML_DATAPATH_VERBOSE: "0" })).toEqual([
      "dev: 62 resources, 0 errors, 2 warnings, 3 accepted exceptions",
      "prod: 62 resources, 0 errors, 2 warnings, 3 accepted exceptions",
      "(npm run synth -- --verbose lists them)",
    ]);
    // Under plan/deploy: the planned environment's line, and their own flag.
    expect(synthReport({ notes, summaries: [summary({})] }, { AML_DATAPATH_VERBOSE: "0", AML_DATAPATH_ENV: "dev" })).toEqual(["dev: 62 resources, 0 errors, 2 warnings, 3 accepted exceptions (--verbose lists them)"]);
    // Nothing to list: no hint.
    expect(synthReport({ notes: [], summaries: [summary({ warnings: 0, acceptedExceptions: 0 })] }, { AML_DATAPATH_VERBOSE: "0" })).toEqual(["dev: 62 resources, 0 errors, 0 warnings, 0 accepted exceptions"]);
    // Verbose: the list, then the numbers.
    expect(synthReport(two, { AML_DATAPATH_VERBOSE: "1" })).toEqual([...notes, "dev: 62 resources, 0 errors, 2 warnings, 3 accepted exceptions", "prod: 62 resources, 0 errors, 2 warnings, 3 accepted exceptions"]);
  });

  test("an accepted exception is a finding the config suppressed (an info saying so); other infos are other notes", () => {
    const outcome = withEnv({ DEBUG: undefined }, () =>
      synthToDisk((app) => {
        noted(app);
        Annotations.of(app.node.children[0]).addInfo("[storage-https-only] azurerm_storage_account notes/st: x suppressed: the reason");
      }, path.join(fs.mkdtempSync(path.join(os.tmpdir(), "summary-")), "out")),
    );
    expect(outcome.ok && outcome.summaries).toEqual([{ stack: "notes", resources: 1, errors: 0, warnings: 1, acceptedExceptions: 1, infos: 1 }]);
  });
});

describe("npm run synth on the whole app (the compiled driver, dist/scripts/synth.js, of the shared build)", () => {
  const run = (args: string[], vars: NodeJS.ProcessEnv = {}) => {
    const { repo } = sharedBuild();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "npm-run-synth-"));
    const env: NodeJS.ProcessEnv = { ...process.env, CDKTF_OUTDIR: path.join(tmp, "cdktf.out"), DIAGRAM_OUTDIR: path.join(tmp, "svg"), ...vars };
    for (const key of ["AML_DATAPATH_ENV", "AML_DATAPATH_VERBOSE", "DEBUG", "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS"]) if (!(key in vars)) delete env[key];
    const r = spawnSync(process.execPath, [path.join(repo, "dist", "scripts", "synth.js"), ...args], { cwd: repo, env, encoding: "utf8" });
    fs.rmSync(tmp, { recursive: true, force: true });
    return r;
  };
  const names = environments.map((e) => e.name);
  /** The notes of the shared build's verbose synth: what --verbose must list. */
  const notes = () => sharedBuild().synthStderr.split("\n").filter((l) => /^(warning|info): /.test(l));

  test("quiet by default: a summary line per environment, the way to the list, one line for the diagrams", () => {
    const r = run([]);
    expect(r.status).toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toEqual([...[...names].sort().map((n) => expect.stringMatching(new RegExp(`^${n}: \\d+ resources, 0 errors, \\d+ warnings?, \\d+ accepted exceptions?$`))), "(npm run synth -- --verbose lists them)"]);
    // The numbers are the notes': every warning and accepted exception of each environment counted.
    for (const n of names) {
      const mine = notes().filter((l) => l.includes(` ${n}/`));
      const line = lines.find((l) => l.startsWith(`${n}: `))!;
      expect([n, Number(/(\d+) warnings?/.exec(line)![1]), Number(/(\d+) accepted exceptions?/.exec(line)![1])]).toEqual([
        n,
        mine.filter((l) => l.startsWith("warning: ")).length,
        mine.filter((l) => l.startsWith("info: ") && / suppressed: /.test(l)).length,
      ]);
    }
    expect(r.stdout).toMatch(/^diagrams: wrote (\S+\.svg, )*\S+\.svg in \S+ \(commit them: CI fails on stale diagrams\)\n$/);
  }, 240_000);

  test("--verbose: every note, the summaries, a line per diagram; an unknown option: usage, exit 2", () => {
    const r = run(["--verbose"]);
    expect(r.status).toBe(0);
    const listed = r.stderr.split("\n").filter((l) => /^(warning|info): /.test(l));
    expect(listed.length).toBeGreaterThan(0);
    expect(listed).toEqual(notes());
    expect(r.stdout.trim().split("\n")).toHaveLength(2 * names.length);
    const bad = run(["--quiet"]);
    expect([bad.status, bad.stderr]).toEqual([2, "synth: unknown option --quiet\nusage: npm run synth [-- --verbose]\n"]);
  }, 240_000);
});
