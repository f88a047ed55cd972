import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localSpec } from "../cli/local";
import { environments } from "../stacks/environments";

const BIN = path.join(__dirname, "..", "bin", "aml-datapath.js");
const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env: { PATH: process.env.PATH } });

describe("aml-datapath local: the three steps on a local folder, as the component specs say", () => {
  let tmp: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "local-run-"));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("a tree with spaces and non-ASCII names: one ok row per parquet file, exit 0, no subscription needed", () => {
    const tree = path.join(tmp, "in put");
    const files = ["a/één.parquet", "a/b c/ß.parquet", "x.parquet", "日本/データ.parquet", "skip.csv", ".hidden/h.parquet"];
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(tree, f)), { recursive: true });
      fs.writeFileSync(path.join(tree, f), `content of ${f}`);
    }
    const out = path.join(tmp, "out 1");
    const r = cli(["local", "--path", tree, "--out", out, "--workers", "2"]);
    expect([r.status, r.stderr]).toEqual([0, expect.any(String)]);
    const rows = fs.readFileSync(path.join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows.map((row) => row.relative_path).sort()).toEqual(["a/b c/ß.parquet", "a/één.parquet", "x.parquet", "日本/データ.parquet"].sort());
    expect(rows.every((row) => row.status === "ok" && row.size_bytes > 0 && /^[0-9a-f]{64}$/.test(row.sha256))).toBe(true);
    // The work list holds work items (JSON Lines), not one file per input file.
    expect(fs.readdirSync(path.join(out, "work_list"))).toEqual(["000000.jsonl"]);
  }, 60_000);

  test("a folder without parquet files fails like the prepare step does: exit 2 and its message", () => {
    const empty = path.join(tmp, "empty");
    fs.mkdirSync(empty);
    const r = cli(["local", "--path", empty, "--out", path.join(tmp, "out 2")]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`no .parquet files found under ${empty}`);
  }, 60_000);

  test("usage errors before anything runs", () => {
    expect(cli(["local"]).stderr).toContain("--path is required");
    expect(cli(["local", "--path", path.join(tmp, "nope")]).stderr).toContain("is not a folder");
    expect(cli(["local", "--path", tmp, "--workers", "0"]).status).toBe(2);
  });

  test("the spec is the component specs' own command lines, with the environment's settings", () => {
    const cfg = { ...environments[0], pipeline: { ...environments[0].pipeline, workItems: { maxFilesPerItem: 7, maxFailedFiles: 2 }, parallel: { miniBatchSize: 3 } } };
    const spec = localSpec(cfg);
    expect(spec.prepare.command).toBe("python prepare.py --input_folder ${{inputs.input_datapath}} --work_list ${{outputs.work_list}} --max_files_per_item 7 --max_bytes_per_item 1073741824");
    expect(spec.check.command).toBe("python check_results.py --results ${{inputs.results}} --work_list ${{inputs.work_list}} --max_failed_files 2");
    expect(spec.process).toMatchObject({ entry_script: "process.py", program_arguments: "--input_root ${{inputs.input_root}}", mini_batch_size: "3", mini_batch_error_threshold: 0 });
  });
});
