import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultSpec, stackSpec } from "../cli/local";
import { readStack } from "../cli/stack-model";
import { DEFAULT_PIPELINE_DIR } from "../lib/pipeline/datapath-pipeline";
import { environments } from "../stacks/environments";
import { EnvironmentConfig } from "../stacks/config";
import { cli, sampleApp } from "./cli-harness";

/** An environment whose pipeline settings differ from the defaults, synthesized into a sample app. */
const tuned: EnvironmentConfig = {
  ...environments[0],
  name: "tuned",
  pipeline: { ...environments[0].pipeline, workItems: { maxFilesPerItem: 7, maxFailedFiles: 2 }, parallel: { ...environments[0].pipeline.parallel, miniBatchSize: 3 } },
};
const app = () => sampleApp([tuned]);
const never = () => {
  throw new Error("local must not create Azure clients");
};

jest.setTimeout(60_000);

describe("aml-datapath local: the three steps on a local folder, as the component specs say", () => {
  let tmp: string;
  let tree: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "local-run-"));
    tree = path.join(tmp, "in put");
    const files = ["a/één.parquet", "a/b c/ß.parquet", "x.parquet", "日本/データ.parquet", "skip.csv", ".hidden/h.parquet"];
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
      fs.writeFileSync(path.join(tree, f), `content of ${f}`);
    }
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const rowsOf = (out: string) => fs.readFileSync(path.join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));

  test("a tree with spaces and non-ASCII names: one ok row per parquet file, exit 0, no subscription or app needed", async () => {
    const out = path.join(tmp, "out 1");
    const r = await cli(["local", "--path", tree, "--out", out, "--workers", "2"], { cwd: tmp, env: { ...process.env, AZURE_SUBSCRIPTION_ID: undefined }, clients: never });
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toBe(`Results go to ${out}/`);
    const rows = rowsOf(out);
    expect(rows.map((row) => row.relative_path).sort()).toEqual(["a/b c/ß.parquet", "a/één.parquet", "x.parquet", "日本/データ.parquet"].sort());
    expect(rows.every((row) => row.status === "ok" && row.size_bytes > 0 && /^[0-9a-f]{64}$/.test(row.sha256))).toBe(true);
    // The work list holds work items (JSON Lines), not one file per input file.
    expect(fs.readdirSync(path.join(out, "work_list"))).toEqual(["000000.jsonl"]);
  });

  test("--env: the environment's own steps and settings, from its synthesized stack (7 files per work item here); without --out, a folder per run under .aml-datapath/local-runs/, which it names", async () => {
    const before = fs.readdirSync(app());
    const r = await cli(["local", "--path", tree, "--env", "tuned"], { cwd: app(), env: { ...process.env }, clients: never });
    expect(r.code).toBe(0);
    // The run's time on the CLI's clock (the test's fake one), in a name every file system takes.
    const out = path.join(".aml-datapath", "local-runs", "2026-11-25T10-00-00-000Z");
    expect(r.out.split("\n")[0]).toBe(`Results go to ${out}/ (--out <dir> to choose)`);
    expect(rowsOf(path.join(app(), out))).toHaveLength(4);
    // Nothing else is left in the working directory, and git ignores that folder here.
    expect(fs.readdirSync(app()).filter((f) => !before.includes(f))).toEqual([".aml-datapath"]);
    const ignored = spawnSync("git", ["check-ignore", "--no-index", "-v", path.join(out, "results.jsonl")], { cwd: path.join(__dirname, ".."), encoding: "utf8" });
    expect(ignored.stdout).toMatch(/^\.gitignore:\d+:\.aml-datapath\/\t/);
    const help = await cli(["local", "--help"], { cwd: app() });
    expect(help.out).toContain("aml-datapath local --path <folder> [--out <dir>] [--workers <n>] [--env <tuned>]");
  });

  test("a folder without parquet files fails like the prepare step does: exit 2 and its message", async () => {
    const empty = path.join(tmp, "empty");
    fs.mkdirSync(empty);
    const r = await cli(["local", "--path", empty, "--out", path.join(tmp, "out 2")], { cwd: tmp, env: { ...process.env }, clients: never });
    expect(r.code).toBe(2);
    expect(r.err).toContain(`no .parquet files found under ${empty}`);
  });

  test("usage errors before anything runs", async () => {
    expect((await cli(["local"], { cwd: tmp })).err).toContain("--path is required");
    expect((await cli(["local", "--path", path.join(tmp, "nope")], { cwd: tmp })).err).toContain("is not a folder");
    expect((await cli(["local", "--path", tmp, "--workers", "0"], { cwd: tmp })).code).toBe(2);
    expect((await cli(["local", "--path", tmp, "--env", "nope"], { cwd: app() })).err).toContain(`unknown environment "nope": use one of tuned`);
    expect((await cli(["local", "--path", tmp, "--follow"], { cwd: tmp })).err).toContain("local has no option --follow");
  });

  test("the spec is the component specs' own command lines: the library's defaults, or the environment's settings and code", () => {
    const spec = defaultSpec();
    expect(spec.prepare).toEqual({
      code_dir: DEFAULT_PIPELINE_DIR,
      command: "python prepare.py --input_folder ${{inputs.input_datapath}} --work_list ${{outputs.work_list}} --max_files_per_item 1000 --max_bytes_per_item 1073741824",
    });
    const code = fs.mkdtempSync(path.join(os.tmpdir(), "local-code-"));
    try {
      const fromStack = stackSpec(readStack(path.join(app(), "cdktf.out", "stacks", "tuned"), "tuned"), "tuned", tuned.pipeline.name, code);
      expect(fromStack.prepare.command).toBe("python prepare.py --input_folder ${{inputs.input_datapath}} --work_list ${{outputs.work_list}} --max_files_per_item 7 --max_bytes_per_item 1073741824");
      expect(fromStack.check.command).toBe("python check_results.py --results ${{inputs.results}} --work_list ${{inputs.work_list}} --max_failed_files 2");
      expect(fromStack.process).toMatchObject({ entry_script: "process.py", program_arguments: "--input_root ${{inputs.input_root}}", mini_batch_size: "3", mini_batch_error_threshold: 0 });
      // The step code is what the stack uploads: the library's files, byte for byte.
      for (const [step, file] of [["prepare", "prepare.py"], ["process", "process.py"], ["check", "check_results.py"]] as const) {
        expect(fromStack[step].code_dir).toBe(path.join(code, step));
        expect(fs.readFileSync(path.join(code, step, file), "utf8")).toBe(fs.readFileSync(path.join(DEFAULT_PIPELINE_DIR, file), "utf8"));
      }
    } finally {
      fs.rmSync(code, { recursive: true, force: true });
    }
  });
});
