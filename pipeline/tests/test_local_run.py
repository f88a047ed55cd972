"""Tests of pipeline/local_run.py: the three steps run locally from a spec like the CLI writes."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shlex
import subprocess
import sys
import textwrap
import unittest
from pathlib import Path

from pipeline import local_run
from pipeline.tests.helpers import (
    EXPECTED_FILES, PIPELINE_DIR, TempTreeTestCase, make_tree, pq, read_work_list, snapshot,
)

REPO_DIR = PIPELINE_DIR.parent

# A stand-in entry script whose behaviour the program arguments choose: --mode and a --state folder
# that remembers which mini-batches were already attempted.
FAKE_ENTRY = textwrap.dedent('''
    import argparse, json, os

    _args = None

    def init():
        # As AML calls it: no arguments; the program arguments are in sys.argv.
        global _args
        parser = argparse.ArgumentParser()
        parser.add_argument("--input_root")
        parser.add_argument("--mode")
        parser.add_argument("--state")
        _args, _unknown = parser.parse_known_args()
        if _args.mode == "init_fails":
            raise RuntimeError("cannot init")

    def run(mini_batch):
        marker = os.path.join(_args.state, os.path.basename(mini_batch[0]))
        first = not os.path.exists(marker)
        open(marker, "a").close()
        first_batch = os.path.basename(mini_batch[0]) == "000000.jsonl"
        if _args.mode == "fail_once" and first:
            raise RuntimeError("transient failure")
        if _args.mode == "crash_once" and first:
            os._exit(3)
        if _args.mode == "first_batch_fails" and first_batch:
            raise RuntimeError("broken batch")
        rows = []
        for item in mini_batch:
            with open(item, encoding="ascii") as fh:
                for line in fh:
                    rel = json.loads(line)["relative_path"]
                    failed = _args.mode == "error_rows"
                    rows.append(json.dumps({"relative_path": rel, "size_bytes": None if failed else 1,
                                            "sha256": None, "row_count": None,
                                            "status": "error" if failed else "ok",
                                            "error": "fake failure" if failed else None}, sort_keys=True))
        return rows

    def shutdown():
        print("fake shutdown", flush=True)
''')


def real_spec(code_dir: Path = PIPELINE_DIR, max_files: int = 2, mini_batch_size: str = "2") -> dict:
    return {
        "prepare": {"code_dir": str(code_dir),
                    "command": "python prepare.py --input_folder ${{inputs.input_datapath}} --work_list "
                               f"${{{{outputs.work_list}}}} --max_files_per_item {max_files} --max_bytes_per_item 1073741824"},
        "process": {"code_dir": str(code_dir), "entry_script": "process.py",
                    "program_arguments": "--input_root ${{inputs.input_root}}", "mini_batch_size": mini_batch_size,
                    "error_threshold": -1, "mini_batch_error_threshold": 0, "max_retries": 2},
        "check": {"code_dir": str(code_dir),
                  "command": "python check_results.py --results ${{inputs.results}} --work_list ${{inputs.work_list}} --max_failed_files 0"},
    }


class LocalRunTestCase(TempTreeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.input = self.tmp / "in put donn\u00e9es \u6570\u636e"
        self.input.mkdir()
        self.contents = make_tree(self.input)
        self.out = self.tmp / "out \u00e9t\u00e9"
        self.spec_path = self.tmp / "spec dir" / "spec.json"
        self.spec_path.parent.mkdir()

    def local_run(self, spec: dict, *extra: str, module: bool = False, path: Path | None = None) -> subprocess.CompletedProcess:
        self.spec_path.write_text(json.dumps(spec), encoding="utf-8")
        launcher = ["-m", "pipeline.local_run"] if module else [str(PIPELINE_DIR / "local_run.py")]
        argv = [sys.executable, *launcher, "--spec", str(self.spec_path), "--path", str(path or self.input),
                "--out", str(self.out), *extra]
        return subprocess.run(argv, cwd=REPO_DIR, capture_output=True, text=True, check=False, timeout=120)

    def fake_spec(self, mode: str, **process: object) -> dict:
        code_dir = self.tmp / "fake code"
        code_dir.mkdir(exist_ok=True)
        (code_dir / "fake_entry.py").write_text(FAKE_ENTRY, encoding="utf-8")
        state = self.tmp / "state"
        state.mkdir(exist_ok=True)
        spec = real_spec()
        spec["process"].update(
            code_dir=str(code_dir), entry_script="fake_entry.py",
            program_arguments=f"--input_root ${{{{inputs.input_root}}}} --mode {mode} --state {shlex.quote(str(state))}",
            mini_batch_size="1", **process)
        return spec

    def result_rows(self) -> list[dict]:
        return [json.loads(line) for line in (self.out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


class EndToEndTest(LocalRunTestCase):
    def test_real_steps_on_names_with_spaces_and_non_ascii(self) -> None:
        before = snapshot(self.input)
        proc = self.local_run(real_spec(), "--workers", "2")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        rows = self.result_rows()
        self.assertEqual(sorted(row["relative_path"] for row in rows), sorted(rel for rel, _ in EXPECTED_FILES))
        # The workers run this interpreter: row counts exactly when pyarrow is installed (production).
        row_counts = dict(EXPECTED_FILES) if pq is not None else dict.fromkeys(self.contents)
        for row in rows:
            self.assertEqual(row["status"], "ok")
            self.assertEqual(row["sha256"], hashlib.sha256(self.contents[row["relative_path"]]).hexdigest())
            self.assertEqual(row["row_count"], row_counts[row["relative_path"]])
        self.assertEqual(len(read_work_list(self.out / "work_list")), len(EXPECTED_FILES) // 2)
        self.assertIn("process: 4/4 items, 8 files", proc.stdout)  # not a terminal: plain log lines
        self.assertRegex(proc.stdout, r"process: 4 work items, 8 files in [0-9.]+ s \([0-9]+ files/s with 2 workers\)")
        self.assertEqual(proc.stdout.count("process.py worker "), 2)  # shutdown() of each worker
        self.assertIn("check passed: 0 failed files", proc.stdout)
        self.assertIn("all steps passed", proc.stdout)
        self.assertEqual(snapshot(self.input), before)

    def test_runs_as_a_module_with_default_workers(self) -> None:
        proc = self.local_run(real_spec(max_files=1000, mini_batch_size="4"), module=True)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(len(self.result_rows()), len(EXPECTED_FILES))
        self.assertIn("with 1 workers", proc.stdout)  # never more workers than mini-batches

    def test_no_parquet_files_exits_2_with_prepares_message(self) -> None:
        empty = self.tmp / "empty dir"
        empty.mkdir()
        proc = self.local_run(real_spec(), path=empty)
        self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
        self.assertIn(f"no .parquet files found under {empty}", proc.stderr)
        self.assertIn("local_run: error: prepare refused the input (exit 2); nothing was processed", proc.stderr)
        self.assertFalse((self.out / "results.jsonl").exists())


class RefusalTest(LocalRunTestCase):
    def test_refuses_non_empty_out(self) -> None:
        self.out.mkdir()
        (self.out / "results.jsonl").write_text("old\n")
        proc = self.local_run(real_spec())
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--out must be a missing or empty folder", proc.stderr)
        self.assertEqual(os.listdir(self.out), ["results.jsonl"])

    def test_refuses_bad_spec_and_arguments(self) -> None:
        no_check = real_spec()
        del no_check["check"]
        unknown = real_spec()
        unknown["check"]["command"] = "python check_results.py --results ${{inputs.nope}}"
        bad_size = real_spec()
        bad_size["process"]["mini_batch_size"] = "10kb"
        for name, spec, extra in (("no check", no_check, ()), ("unknown binding", unknown, ()),
                                  ("bad size", bad_size, ()), ("workers", real_spec(), ("--workers", "0"))):
            with self.subTest(name):
                proc = self.local_run(spec, *extra)
                self.assertEqual(proc.returncode, 2, proc.stdout + proc.stderr)
                self.assertFalse((self.out / "work_list").exists())


class ParallelSemanticsTest(LocalRunTestCase):
    def test_failed_mini_batch_is_retried(self) -> None:
        proc = self.local_run(self.fake_spec("fail_once"), "--workers", "2")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("retrying: RuntimeError: transient failure", proc.stdout)
        self.assertEqual(len(self.result_rows()), len(EXPECTED_FILES))
        self.assertEqual(proc.stdout.count("fake shutdown"), 2)

    def test_dead_worker_is_replaced_and_its_mini_batch_retried(self) -> None:
        proc = self.local_run(self.fake_spec("crash_once"), "--workers", "2")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("worker exited with code 3", proc.stdout)
        self.assertEqual(len(self.result_rows()), len(EXPECTED_FILES))

    def test_no_retries_left(self) -> None:
        proc = self.local_run(self.fake_spec("fail_once", max_retries=0), "--workers", "1")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("more than mini_batch_error_threshold 0", proc.stderr)
        self.assertNotIn("local_run: check:", proc.stdout)  # like AML: a stopped step ends the pipeline

    def test_failures_within_threshold_are_judged_by_the_check(self) -> None:
        # As on AML: the step goes on, and the check counts the files without rows as failed.
        proc = self.local_run(self.fake_spec("first_batch_fails", mini_batch_error_threshold=-1), "--workers", "2")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("local_run: check:", proc.stdout)
        self.assertIn("check failed: 2 failed files, more than --max_failed_files 0", proc.stdout)
        self.assertEqual(len(self.result_rows()), len(EXPECTED_FILES) - 2)

    def test_error_threshold_counts_items_of_failed_mini_batches(self) -> None:
        proc = self.local_run(self.fake_spec("first_batch_fails", mini_batch_error_threshold=-1, error_threshold=0))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("more than error_threshold 0", proc.stderr)

    def test_init_failure_stops_the_step(self) -> None:
        proc = self.local_run(self.fake_spec("init_fails"), "--workers", "2")
        self.assertEqual(proc.returncode, 1)
        self.assertIn("could not init the entry script", proc.stderr)
        self.assertIn("RuntimeError: cannot init", proc.stderr)

    def test_failed_files_fail_the_check(self) -> None:
        proc = self.local_run(self.fake_spec("error_rows"))
        self.assertEqual(proc.returncode, 1)
        self.assertIn("check failed: 8 failed files", proc.stdout)
        self.assertIn("local_run: error: check failed (exit 1)", proc.stderr)


class UnitTest(unittest.TestCase):
    def test_substitute_quotes_paths_and_uses_this_python(self) -> None:
        bindings = {"inputs.results": "/t/my dir/r\u00e9sultats 'x'.jsonl", "outputs.work_list": "/w"}
        argv = local_run.substitute("python check.py --results ${{inputs.results}} --w ${{ outputs.work_list }}", bindings)
        self.assertEqual(argv, [sys.executable, "check.py", "--results", bindings["inputs.results"], "--w", "/w"])
        with self.assertRaises(local_run.UsageError):
            local_run.substitute("python x.py ${{inputs.other}}", bindings)

    def test_progress_line_on_a_terminal(self) -> None:
        class Terminal(io.StringIO):
            def isatty(self) -> bool:
                return True

        out = Terminal()
        progress = local_run.Progress(10, out)
        progress.update(3, 3000, force=True)
        progress.done()
        self.assertRegex(out.getvalue(), r"^\r\x1b\[Kprocess: 3/10 items, 3000 files, [0-9]+ files/s\r\x1b\[K$")


if __name__ == "__main__":
    unittest.main()
