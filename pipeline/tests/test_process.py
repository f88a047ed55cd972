"""Tests of pipeline/process.py (step 2: the parallel entry script), fed by prepare.py."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
import unittest
from pathlib import Path
from unittest import mock

from pipeline import prepare, process
from pipeline.tests.helpers import EXPECTED_FILES, TempTreeTestCase, make_tree, snapshot

ROW_KEYS = {"relative_path", "size_bytes", "sha256", "row_count", "status", "error"}


class ProcessTestCase(TempTreeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.contents = make_tree(self.input)
        with contextlib.redirect_stdout(io.StringIO()):
            code = prepare.main(["--input_folder", str(self.input), "--work_list", str(self.work_list),
                                 "--max_files_per_item", "3"])
        self.assertEqual(code, 0)
        self.items = sorted(str(p) for p in self.work_list.iterdir())
        # The module keeps its state in globals: start and end every test without a root.
        process._input_root = None
        self.addCleanup(setattr, process, "_input_root", None)
        self.addCleanup(setattr, process, "_started", None)
        # Error rows are logged to stderr; keep the test output clean.
        stderr = contextlib.redirect_stderr(io.StringIO())
        self.logged = stderr.__enter__()
        self.addCleanup(stderr.__exit__, None, None, None)

    def write_item(self, name: str, *lines: str | dict) -> str:
        path = self.tmp / "extra" / name
        path.parent.mkdir(exist_ok=True)
        text = "".join((json.dumps(line) if isinstance(line, dict) else line) + "\n" for line in lines)
        path.write_text(text, encoding="utf-8")
        return str(path)

    def rows(self, mini_batch: list) -> list[dict]:
        out = process.run(mini_batch)
        for row in out:
            self.assertIsInstance(row, str)
            self.assertNotIn("\n", row)
            data = json.loads(row)
            self.assertEqual(row, json.dumps(data, sort_keys=True))
            self.assertEqual(set(data), ROW_KEYS)
        return [json.loads(row) for row in out]

    def assert_error(self, row: dict, *parts: str) -> None:
        self.assertEqual(row["status"], "error")
        self.assertEqual((row["size_bytes"], row["sha256"], row["row_count"]), (None, None, None))
        for part in parts:
            self.assertIn(part, row["error"])


class InitTest(ProcessTestCase):
    def test_ignores_unknown_arguments(self) -> None:
        process.init(["--logging_level", "INFO", "--input_root", str(self.input), "--mini_batch_size", "10"])
        self.assertEqual(process._input_root, str(self.input.resolve()))

    def test_reads_sys_argv_by_default(self) -> None:
        argv = ["driver/amlbi_main.py", "--input_root", str(self.input), "--unknown_aml_flag", "1"]
        with mock.patch.object(sys, "argv", argv):
            process.init()
        self.assertEqual(process._input_root, str(self.input.resolve()))

    def test_input_root_is_required(self) -> None:
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            process.init(["--other", "x"])

    def test_input_root_must_be_a_directory(self) -> None:
        with self.assertRaises(NotADirectoryError):
            process.init(["--input_root", str(self.tmp / "missing")])

    def test_run_before_init_fails(self) -> None:
        with self.assertRaises(RuntimeError):
            process.run(self.items[:1])


class RunTest(ProcessTestCase):
    def setUp(self) -> None:
        super().setUp()
        process.init(["--input_root", str(self.input), "--extra", "ignored"])

    def test_end_to_end_rows_match_files(self) -> None:
        before = snapshot(self.input)
        rows = self.rows(self.items)
        listed = [json.loads(line)["relative_path"] for item in self.items
                  for line in Path(item).read_text(encoding="ascii").splitlines()]
        self.assertEqual([row["relative_path"] for row in rows], listed)  # work-item and line order
        self.assertEqual(sorted(listed), sorted(rel for rel, _rows in EXPECTED_FILES))
        for row in rows:
            content = self.contents[row["relative_path"]]
            self.assertEqual((row["status"], row["error"]), ("ok", None))
            self.assertEqual(row["size_bytes"], len(content))
            self.assertEqual(row["sha256"], hashlib.sha256(content).hexdigest())
        self.assertEqual(snapshot(self.input), before)

    def test_hash_spans_several_chunks(self) -> None:
        big = b"PAR1" + bytes(range(256)) * 9000 + b"PAR1"  # > 2 MiB: three 1 MiB reads
        (self.input / "big.bin").write_bytes(big)
        [row] = self.rows([self.write_item("big.jsonl", {"relative_path": "big.bin", "size_bytes": 1})])
        self.assertEqual(row["size_bytes"], len(big))
        self.assertEqual(row["sha256"], hashlib.sha256(big).hexdigest())

    def test_empty_file(self) -> None:
        (self.input / "empty.parquet").write_bytes(b"")
        with mock.patch.object(process, "pq", None):
            [row] = self.rows([self.write_item("e.jsonl", {"relative_path": "empty.parquet"})])
        self.assertEqual((row["status"], row["size_bytes"], row["sha256"]), ("ok", 0, hashlib.sha256(b"").hexdigest()))

    @unittest.skipIf(process.pq is not None, "pyarrow is installed: row_count is a number")
    def test_row_count_is_null_without_pyarrow(self) -> None:
        out = process.run(self.items)
        for row in out:
            self.assertIsNone(json.loads(row)["row_count"])
            self.assertIn('"row_count": null', row)

    @unittest.skipIf(process.pq is None, "pyarrow is not installed")
    def test_row_count_with_pyarrow(self) -> None:
        expected = dict(EXPECTED_FILES)
        for row in self.rows(self.items):
            self.assertEqual(row["row_count"], expected[row["relative_path"]])

    def test_row_count_is_null_when_pyarrow_is_forced_missing(self) -> None:
        with mock.patch.object(process, "pq", None):
            rows = self.rows(self.items[:1])
        self.assertEqual([row["row_count"] for row in rows], [None] * len(rows))

    @unittest.skipIf(process.pq is None, "pyarrow is not installed")
    def test_not_parquet_is_an_error_row_with_pyarrow(self) -> None:
        (self.input / "fake.parquet").write_bytes(b"not parquet at all")
        [row] = self.rows([self.write_item("f.jsonl", {"relative_path": "fake.parquet"})])
        self.assert_error(row, "not a readable parquet file")

    def test_accepts_path_objects_and_empty_batch(self) -> None:
        self.assertEqual(process.run([]), [])
        rows = self.rows([Path(self.items[0])])
        self.assertEqual(rows[0]["relative_path"], EXPECTED_FILES[0][0])

    def test_one_bad_file_does_not_fail_the_others(self) -> None:
        (self.tmp / "outside.parquet").write_bytes(b"PAR1 secret PAR1")
        item = self.write_item("mixed.jsonl", {"relative_path": "top.parquet"},
                               {"relative_path": "parquet/gone.parquet"},
                               {"relative_path": "../outside.parquet"},
                               {"relative_path": "parquet/offerpath1/z.parquet"})
        rows = self.rows([item, self.items[0]])
        self.assertEqual([row["status"] for row in rows[:4]], ["ok", "error", "error", "ok"])
        self.assertTrue(all(row["status"] == "ok" for row in rows[4:]))
        self.assertEqual(len(rows), 4 + len(Path(self.items[0]).read_text(encoding="ascii").splitlines()))
        self.assert_error(rows[1], item, "line 2", "does not exist",
                          str(self.input.resolve() / "parquet" / "gone.parquet"))
        self.assertEqual(rows[1]["relative_path"], "parquet/gone.parquet")
        self.assert_error(rows[2], item, "line 3", "../outside.parquet", "does not resolve inside the input root")

    def test_rejects_absolute_path(self) -> None:
        target = str((self.input / "top.parquet").resolve())  # exists and is inside: still refused
        [row] = self.rows([self.write_item("abs.jsonl", {"relative_path": target})])
        self.assert_error(row, "abs.jsonl line 1", "absolute")

    def test_rejects_paths_that_are_not_normalized(self) -> None:
        for rel in ("parquet/../top.parquet", "./top.parquet", "parquet//offerpath1/z.parquet", "parquet/offerpath1/"):
            with self.subTest(rel=rel):
                [row] = self.rows([self.write_item("n.jsonl", {"relative_path": rel})])
                self.assert_error(row, "not a normalized path")

    def test_rejects_symlink_escaping_root(self) -> None:
        (self.tmp / "secret.parquet").write_bytes(b"PAR1 secret PAR1")
        (self.input / "escape.parquet").symlink_to(self.tmp / "secret.parquet")
        (self.tmp / "secret_dir").mkdir()
        (self.tmp / "secret_dir" / "s.parquet").write_bytes(b"PAR1 secret PAR1")
        (self.input / "escape_dir").symlink_to(self.tmp / "secret_dir", target_is_directory=True)
        rows = self.rows([self.write_item("link.jsonl", {"relative_path": "escape.parquet"},
                                          {"relative_path": "escape_dir/s.parquet"})])
        for row in rows:
            self.assert_error(row, "does not resolve inside the input root")

    def test_symlink_inside_root_is_followed(self) -> None:
        # prepare.py never lists symlinks, but one resolving inside the root is not an escape.
        [row] = self.rows([self.write_item("inside.jsonl", {"relative_path": "link.parquet"},)])
        self.assertEqual(row["status"], "ok")
        self.assertEqual(row["sha256"], hashlib.sha256(self.contents["top.parquet"]).hexdigest())

    def test_folder_is_not_a_file(self) -> None:
        [row] = self.rows([self.write_item("dir.jsonl", {"relative_path": "parquet/offerpath1"})])
        self.assert_error(row, "is not a regular file")

    def test_bad_lines_become_error_rows(self) -> None:
        path = self.tmp / "extra" / "bad.jsonl"
        path.parent.mkdir()
        path.write_bytes(b'{"relative_path": "top.parquet", "size_bytes": 1}\n'
                         b"not json\n"
                         b"\n"
                         b'{"size_bytes": 1}\n'
                         b'["top.parquet"]\n'
                         b'{"relative_path": "bad\xff.parquet"}\n'
                         b'{"relative_path": 7}\n'
                         b'{"relative_path": "nul\\u0000.parquet"}\n'
                         b'{"relative_path": "parquet/offerpath1/z.parquet", "size_bytes": 3}')  # no final newline
        rows = self.rows([str(path)])
        self.assertEqual([row["status"] for row in rows], ["ok"] + ["error"] * 6 + ["ok"])
        self.assert_error(rows[1], f"{path} line 2", "not valid JSON")
        self.assert_error(rows[2], "line 4", "relative_path")
        self.assert_error(rows[3], "line 5", "relative_path")
        self.assert_error(rows[4], "line 6", "not valid UTF-8")
        self.assert_error(rows[5], "line 7", "relative_path")
        self.assert_error(rows[6], "line 8", "NUL")
        self.assertEqual([row["relative_path"] for row in rows[1:6]], [None] * 5)
        self.assertEqual(rows[6]["relative_path"], "nul\0.parquet")

    def test_unreadable_work_item_fails_the_mini_batch(self) -> None:
        missing = str(self.tmp / "extra" / "missing.jsonl")
        with self.assertRaises(OSError) as ctx:
            process.run([self.items[0], missing])
        self.assertIn(missing, str(ctx.exception))

    def test_rejects_non_list_batch(self) -> None:
        with self.assertRaises(TypeError):
            process.run(self.items[0])

    def test_shutdown_prints_one_summary_line(self) -> None:
        item = self.write_item("one.jsonl", {"relative_path": "top.parquet"}, {"relative_path": "gone.parquet"})
        process.run([item])
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            process.shutdown()
            process.shutdown()
        size = len(self.contents["top.parquet"])
        self.assertRegex(out.getvalue(),
                         rf"^process.py worker {os.getpid()}: 1 work items, 2 files, {size} bytes, 1 failures in "
                         r"[0-9.]+ s\n$")
        self.assertIn("gone.parquet", self.logged.getvalue())


if __name__ == "__main__":
    unittest.main()
