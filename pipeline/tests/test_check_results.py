"""Tests of pipeline/check_results.py (step 3: judge the result rows)."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import unittest

from pipeline import check_results
from pipeline.tests.helpers import PIPELINE_DIR, TempTreeTestCase


def ok_row(rel: str, size: int = 10) -> dict:
    return {"relative_path": rel, "size_bytes": size, "sha256": "0" * 64, "row_count": None,
            "status": "ok", "error": None}


def error_row(rel: str | None, error: str = "boom") -> dict:
    return {"relative_path": rel, "size_bytes": None, "sha256": None, "row_count": None,
            "status": "error", "error": error}


class CheckResultsTest(TempTreeTestCase):
    def write(self, name: str, *rows: dict | str) -> str:
        path = self.tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join((r if isinstance(r, str) else json.dumps(r, sort_keys=True)) + "\n" for r in rows),
                        encoding="utf-8")
        return str(path)

    def check(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = check_results.main(list(argv))
            except SystemExit as exit_:
                code = exit_.code
        return code, out.getvalue(), err.getvalue()

    def test_all_ok_passes(self) -> None:
        results = self.write("results.jsonl", ok_row("a.parquet", 10), ok_row("b/c.parquet", 32), "")
        code, out, err = self.check("--results", results)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, f"results: {results}\nfiles: 2 (2 ok, 0 failed)\nbytes: 42\n"
                              'summary: {"bytes": 42, "files": 2, "files_failed": 0, "files_ok": 2}\n'
                              "check passed: 0 failed files, at most --max_failed_files 0\n")

    def test_threshold(self) -> None:
        results = self.write("results.jsonl", ok_row("a.parquet"), error_row("b.parquet", "w line 2: file b does not exist"),
                             error_row(None, "w line 3: not valid JSON"))
        code, out, _err = self.check("--results", results)
        self.assertEqual(code, 1)
        self.assertIn("files: 3 (1 ok, 2 failed)\nbytes: 10\n", out)
        self.assertIn("failed files (first 2 of 2):\n  b.parquet: w line 2: file b does not exist\n"
                      "  (no relative_path): w line 3: not valid JSON\n", out)
        self.assertTrue(out.endswith("check failed: 2 failed files, more than --max_failed_files 0\n"))
        self.assertEqual(self.check("--results", results, "--max_failed_files", "1")[0], 1)
        code, out, _err = self.check("--results", results, "--max_failed_files", "2")
        self.assertEqual(code, 0)
        self.assertIn("check passed: 2 failed files", out)

    def test_shows_only_the_first_failures(self) -> None:
        results = self.write("results.jsonl", *[error_row(f"f{i}.parquet") for i in range(25)])
        code, out, _err = self.check("--results", results, "--max_failed_files", "100")
        self.assertEqual(code, 0)
        self.assertIn("failed files (first 10 of 25):\n", out)
        self.assertIn("  f9.parquet: boom\n", out)
        self.assertNotIn("f10.parquet", out)

    def test_escapes_unprintable_names(self) -> None:
        results = self.write("results.jsonl", error_row("new\nline\udcff.parquet"))
        code, out, _err = self.check("--results", results)
        self.assertEqual(code, 1)
        self.assertIn("  new\\nline\\udcff.parquet: boom\n", out)

    def test_folder_of_results(self) -> None:
        self.write("out/part-b.jsonl", ok_row("b.parquet"))
        self.write("out/sub/part-a.jsonl", error_row("a.parquet"))
        self.write("out/.hidden", "not a row")
        code, out, _err = self.check("--results", str(self.tmp / "out"), "--max_failed_files", "1")
        self.assertEqual(code, 0)
        self.assertIn("(2 files)", out)
        self.assertIn("files: 2 (1 ok, 1 failed)", out)

    def test_invalid_input_exits_2(self) -> None:
        cases = {
            "missing": str(self.tmp / "missing.jsonl"),
            "empty": self.write("empty.jsonl", ""),
            "not json": self.write("bad.jsonl", ok_row("a.parquet"), "{not json"),
            "not an object": self.write("list.jsonl", "[1, 2]"),
            "bad status": self.write("status.jsonl", {**ok_row("a.parquet"), "status": "maybe"}),
            "ok without size": self.write("size.jsonl", {**ok_row("a.parquet"), "size_bytes": None}),
            "error without message": self.write("msg.jsonl", {**error_row("a.parquet"), "error": None}),
            "bad path": self.write("path.jsonl", {**ok_row("a.parquet"), "relative_path": 3}),
        }
        for case, results in cases.items():
            with self.subTest(case=case):
                code, out, err = self.check("--results", results)
                self.assertEqual((code, out), (2, ""))
                self.assertTrue(err.startswith("check_results.py: error: "), err)
        (self.tmp / "utf8.jsonl").write_bytes(b'{"relative_path": "\xff"}\n')
        self.assertEqual(self.check("--results", str(self.tmp / "utf8.jsonl"))[0], 2)
        self.assertEqual(self.check("--results", cases["empty"], "--max_failed_files", "-1")[0], 2)

    def test_work_list_counts_files_without_rows(self) -> None:
        work_list = self.tmp / "wl"
        work_list.mkdir()
        (work_list / "000000.jsonl").write_text('{"relative_path": "a.parquet", "size_bytes": 1}\n'
                                                '{"relative_path": "b.parquet", "size_bytes": 1}\n')
        (work_list / "000001.jsonl").write_text('{"relative_path": "c.parquet", "size_bytes": 1}\n')
        results = self.write("results.jsonl", ok_row("a.parquet"), ok_row("b.parquet"))
        code, out, _err = self.check("--results", results, "--work_list", str(work_list))
        self.assertEqual(code, 1)
        self.assertIn("work list: 3 files listed, 1 without a result row\n", out)
        self.assertIn("  c.parquet: no result row", out)
        self.write("results.jsonl", ok_row("a.parquet"), ok_row("b.parquet"), ok_row("c.parquet"))
        self.assertEqual(self.check("--results", results, "--work_list", str(work_list))[0], 0)
        self.assertEqual(self.check("--results", results, "--work_list", str(self.tmp / "nope"))[0], 2)

    def test_summary_line_counts_files_without_rows_as_failed(self) -> None:
        work_list = self.tmp / "wl"
        work_list.mkdir()
        (work_list / "000000.jsonl").write_text('{"relative_path": "a.parquet"}\n{"relative_path": "b.parquet"}\n'
                                                '{"relative_path": "c.parquet"}\n')
        results = self.write("results.jsonl", ok_row("a.parquet", 5), error_row("b.parquet"))
        code, out, _err = self.check("--results", results, "--work_list", str(work_list), "--max_failed_files", "5")
        self.assertEqual(code, 0)
        [line] = [l for l in out.splitlines() if l.startswith("summary: ")]
        self.assertEqual(json.loads(line[len("summary: "):]), {"files": 3, "files_ok": 1, "files_failed": 2, "bytes": 5})

    def test_summary_recorded_as_run_properties_in_an_aml_job(self) -> None:
        recorded: list[dict] = []

        class FakeRun:
            def __init__(self, run_id: str, fail: bool = False) -> None:
                self.id, self.fail = run_id, fail

            def add_properties(self, props: dict) -> None:
                if self.fail:
                    raise RuntimeError("properties are immutable")
                recorded.append(props)

        for run, expected_err in ((FakeRun("job_step_1"), ""), (FakeRun("OfflineRun_1"), ""),
                                  (FakeRun("job_step_2", fail=True), "could not record the summary on the run")):
            with self.subTest(run=run.id):
                core = type(sys)("azureml.core")
                core.Run = type("Run", (), {"get_context": staticmethod(lambda run=run: run)})
                package = type(sys)("azureml")
                package.core = core
                saved = {name: sys.modules.get(name) for name in ("azureml", "azureml.core")}
                sys.modules.update({"azureml": package, "azureml.core": core})
                try:
                    results = self.write("results.jsonl", ok_row("a.parquet", 7), error_row("b.parquet"))
                    code, _out, err = self.check("--results", results, "--max_failed_files", "1")
                finally:
                    for name, module in saved.items():
                        if module is None:
                            sys.modules.pop(name, None)
                        else:
                            sys.modules[name] = module
                self.assertEqual(code, 0)
                self.assertIn(expected_err, err)
                if not expected_err:
                    self.assertEqual(err, "")
        # Recorded once (the offline run and the failing one record nothing), every value a string.
        self.assertEqual(recorded, [{"datapath_files": "2", "datapath_files_ok": "1", "datapath_files_failed": "1",
                                     "datapath_bytes": "7"}])

    def test_command_line(self) -> None:
        results = self.write("my results.jsonl", error_row("a.parquet"))
        proc = subprocess.run([sys.executable, str(PIPELINE_DIR / "check_results.py"), "--results", results,
                               "--max_failed_files", "0"], capture_output=True, text=True, check=False, timeout=60)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("a.parquet: boom", proc.stdout)


if __name__ == "__main__":
    unittest.main()
