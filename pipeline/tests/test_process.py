"""Tests of pipeline/process.py (step 2: the parallel entry script), fed by prepare.py."""

from __future__ import annotations

import ast
import atexit
import contextlib
import errno
import hashlib
import io
import json
import os
import sys
import unittest
from pathlib import Path
from unittest import mock

from pipeline import prepare, process
from pipeline.tests.helpers import (
    EXPECTED_FILES, PIPELINE_DIR, TempTreeTestCase, make_tree, pa, pq, requires_no_pyarrow, requires_pyarrow,
    snapshot,
)

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
        # A fresh worker per test behind the module's entry points; its atexit summary is dropped after.
        self.worker = process.Worker()
        patcher = mock.patch.object(process, "_worker", self.worker)
        patcher.start()
        self.addCleanup(patcher.stop)
        self.addCleanup(lambda: atexit.unregister(self.worker.shutdown))
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
        self.assertEqual(self.worker.input_root, str(self.input.resolve()))

    def test_reads_sys_argv_by_default(self) -> None:
        argv = ["driver/amlbi_main.py", "--input_root", str(self.input), "--unknown_aml_flag", "1"]
        with mock.patch.object(sys, "argv", argv):
            process.init()
        self.assertEqual(self.worker.input_root, str(self.input.resolve()))

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
        with mock.patch.object(process, "pq", None):  # not parquet: hashed only on the fallback path
            [row] = self.rows([self.write_item("big.jsonl", {"relative_path": "big.bin", "size_bytes": 1})])
        self.assertEqual((row["status"], row["error"], row["row_count"]), ("ok", None, None))
        self.assertEqual(row["size_bytes"], len(big))
        self.assertEqual(row["sha256"], hashlib.sha256(big).hexdigest())

    def test_empty_file(self) -> None:
        (self.input / "empty.parquet").write_bytes(b"")
        with mock.patch.object(process, "pq", None):
            [row] = self.rows([self.write_item("e.jsonl", {"relative_path": "empty.parquet"})])
        self.assertEqual((row["status"], row["size_bytes"], row["sha256"]), ("ok", 0, hashlib.sha256(b"").hexdigest()))

    @requires_no_pyarrow
    def test_row_count_is_null_without_pyarrow(self) -> None:
        out = process.run(self.items)
        for row in out:
            self.assertIsNone(json.loads(row)["row_count"])
            self.assertIn('"row_count": null', row)

    @requires_pyarrow
    def test_row_count_with_pyarrow(self) -> None:
        expected = dict(EXPECTED_FILES)
        for row in self.rows(self.items):
            self.assertEqual(row["row_count"], expected[row["relative_path"]])

    def test_row_count_is_null_when_pyarrow_is_forced_missing(self) -> None:
        with mock.patch.object(process, "pq", None):
            rows = self.rows(self.items[:1])
        self.assertEqual([row["row_count"] for row in rows], [None] * len(rows))

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



class _FailingReads(io.FileIO):
    """A data file whose reads fail like a bad disk or a vanished network share (root can read any
    file, so permissions cannot make one unreadable in CI)."""

    fail_hash = True

    def readinto(self, buffer) -> int:
        if self.fail_hash:
            raise OSError(errno.EIO, "Input/output error")
        return super().readinto(buffer)

    def read(self, size: int = -1) -> bytes:
        raise OSError(errno.EIO, "Input/output error")

    def readall(self) -> bytes:
        raise OSError(errno.EIO, "Input/output error")


class _FakeParquetFile:
    """Stands in for pyarrow.parquet.ParquetFile: the row count is the number of lines of whatever
    source it is given, read from its start (a path is opened by name, as the old code did)."""

    def __init__(self, source) -> None:
        if isinstance(source, (str, os.PathLike)):
            with open(source, "rb") as fh:
                data = fh.read()
        else:
            source.seek(0)
            data = source.read()
        self.metadata = mock.Mock(num_rows=data.count(b"\n"))


class ProductionPathTest(ProcessTestCase):
    """What production (pyarrow installed) must give: never an ok row for a file that is not a
    readable parquet file, and the exact row count of one that is."""

    def setUp(self) -> None:
        super().setUp()
        process.init(["--input_root", str(self.input)])

    def one_row(self, rel: str) -> dict:
        [row] = self.rows([self.write_item("one.jsonl", {"relative_path": rel})])
        return row

    @requires_pyarrow
    def test_real_parquet_gives_ok_with_its_exact_row_count(self) -> None:
        path = self.input / "real" / "several groups.parquet"
        path.parent.mkdir()
        table = pa.table({"id": list(range(12_345)), "name": [f"row {i}" for i in range(12_345)]})
        pq.write_table(table, path, row_group_size=1000)
        self.assertGreater(pq.ParquetFile(path).metadata.num_row_groups, 1)
        row = self.one_row("real/several groups.parquet")
        content = path.read_bytes()
        self.assertEqual((row["status"], row["error"]), ("ok", None))
        self.assertEqual(row["row_count"], 12_345)
        self.assertEqual((row["size_bytes"], row["sha256"]), (len(content), hashlib.sha256(content).hexdigest()))

    @requires_pyarrow
    def test_real_parquet_larger_than_the_read_buffer(self) -> None:
        # The hash reads the file to its end in 1 MiB chunks; the row count then reads the footer
        # through the same file object.
        path = self.input / "big.parquet"
        table = pa.table({"b": [i.to_bytes(4, "little") * 750 for i in range(1000)]})
        pq.write_table(table, path, compression="NONE", use_dictionary=False)
        content = path.read_bytes()
        self.assertGreater(len(content), 2 * process.CHUNK_SIZE)
        row = self.one_row("big.parquet")
        self.assertEqual((row["status"], row["row_count"], row["size_bytes"]), ("ok", 1000, len(content)))
        self.assertEqual(row["sha256"], hashlib.sha256(content).hexdigest())

    @requires_pyarrow
    def test_non_parquet_files_named_parquet_are_error_rows(self) -> None:
        real = self.input / "real.parquet"
        pq.write_table(pa.table({"i": [1, 2, 3]}), real)
        cases = {
            "text": b"not parquet at all",
            "csv": b"a,b\n1,2\n",
            "magic only": b"PAR1",
            "magic framing junk": b"PAR1" + b"junk" * 100 + b"PAR1",  # what the no-pyarrow fixture writes
            "empty": b"",
            "footer length past the start": b"PAR1" + b"\0" * 8 + (10_000).to_bytes(4, "little") + b"PAR1",
        }
        for name, content in cases.items():
            with self.subTest(name):
                (self.input / f"{name}.parquet").write_bytes(content)
                row = self.one_row(f"{name}.parquet")
                self.assert_error(row, "one.jsonl line 1", f"{name}.parquet is not a readable parquet file")

    @requires_pyarrow
    def test_truncated_parquet_files_are_error_rows(self) -> None:
        content = (self.input / "top.parquet").read_bytes()
        self.assertEqual(self.one_row("top.parquet")["row_count"], 17)
        for length in (len(content) - 1, len(content) - 4, len(content) // 2, 12, 8, 4, 1):
            with self.subTest(length=length):
                (self.input / "cut.parquet").write_bytes(content[:length])
                self.assert_error(self.one_row("cut.parquet"), "cut.parquet is not a readable parquet file")

    def test_file_that_cannot_be_opened_is_an_error_row(self) -> None:
        target = str(self.input.resolve() / "top.parquet")
        real_open = os.open

        def refuse(path, *args, **kwargs):
            if os.fspath(path) == target:
                raise PermissionError(errno.EACCES, "Permission denied", path)
            return real_open(path, *args, **kwargs)

        with mock.patch.object(process.os, "open", refuse):
            row = self.one_row("top.parquet")
        self.assert_error(row, f"cannot open {target}: Permission denied")

    def test_file_whose_content_cannot_be_read_is_an_error_row(self) -> None:
        with mock.patch.object(process, "_file_object", _FailingReads):
            row = self.one_row("top.parquet")
        self.assert_error(row, "cannot read", "top.parquet", "Input/output error")

    @requires_pyarrow
    def test_file_whose_footer_cannot_be_read_is_an_error_row(self) -> None:
        class FooterFails(_FailingReads):
            fail_hash = False

        with mock.patch.object(process, "_file_object", FooterFails):
            row = self.one_row("top.parquet")
        self.assert_error(row, "top.parquet is not a readable parquet file")

    def replace_after_hashing(self, rel: str, replacement: Path):
        """Patch the hash so that, once it has read the file, another file is renamed over its path."""
        real_hash = process.Worker._hash

        def hash_then_replace(worker, fh, path):
            result = real_hash(worker, fh, path)
            os.replace(replacement, self.input / rel)
            return result

        return mock.patch.object(process.Worker, "_hash", hash_then_replace)

    def test_file_replaced_between_hash_and_row_count_gives_one_files_fields(self) -> None:
        # A stand-in for pyarrow that counts lines, so this runs with and without pyarrow installed.
        original = b"one\ntwo\nthree\n"
        (self.input / "swap.parquet").write_bytes(original)
        (self.tmp / "other.parquet").write_bytes(b"1\n2\n3\n4\n5\n6\n7\n")
        fake_pq = mock.Mock(ParquetFile=_FakeParquetFile)
        with mock.patch.object(process, "pq", fake_pq), self.replace_after_hashing("swap.parquet", self.tmp / "other.parquet"):
            row = self.one_row("swap.parquet")
        self.assertEqual((row["status"], row["error"]), ("ok", None))
        self.assertEqual((row["sha256"], row["size_bytes"], row["row_count"]),
                         (hashlib.sha256(original).hexdigest(), len(original), 3))
        self.assertEqual((self.input / "swap.parquet").read_bytes().count(b"\n"), 7)  # it was replaced

    @requires_pyarrow
    def test_parquet_file_replaced_between_hash_and_row_count_gives_one_files_fields(self) -> None:
        pq.write_table(pa.table({"i": list(range(3))}), self.input / "swap.parquet")
        pq.write_table(pa.table({"i": list(range(7))}), self.tmp / "other.parquet")
        original = (self.input / "swap.parquet").read_bytes()
        with self.replace_after_hashing("swap.parquet", self.tmp / "other.parquet"):
            row = self.one_row("swap.parquet")
        self.assertEqual((row["status"], row["row_count"]), ("ok", 3))
        self.assertEqual((row["sha256"], row["size_bytes"]), (hashlib.sha256(original).hexdigest(), len(original)))
        self.assertEqual(pq.ParquetFile(self.input / "swap.parquet").metadata.num_rows, 7)


class WorkerStateTest(ProcessTestCase):
    def test_entry_points_are_thin_wrappers_around_one_worker(self) -> None:
        process.init(["--input_root", str(self.input)])
        self.assertEqual(self.worker.input_root, str(self.input.resolve()))
        files = len(Path(self.items[0]).read_text(encoding="ascii").splitlines())
        self.assertEqual(len(process.run(self.items[:1])), files)
        self.assertEqual(self.worker.stats["items"], 1)
        with contextlib.redirect_stdout(io.StringIO()) as out:
            process.shutdown()
        self.assertTrue(self.worker.summary_printed)
        self.assertIn(f"1 work items, {files} files", out.getvalue())

    def test_two_workers_do_not_share_state(self) -> None:
        other = process.Worker()
        self.addCleanup(lambda: atexit.unregister(other.shutdown))
        other.init(["--input_root", str(self.input / "parquet")])
        process.init(["--input_root", str(self.input)])
        other.run([self.write_item("o.jsonl", {"relative_path": "offerpath1/z.parquet"})])
        self.assertEqual((other.stats["files"], self.worker.stats["files"]), (1, 0))
        self.assertNotEqual(other.input_root, self.worker.input_root)
        self.assertIsNot(other.buffer, self.worker.buffer)

    def test_no_module_global_is_rebound(self) -> None:
        tree = ast.parse((PIPELINE_DIR / "process.py").read_text(encoding="utf-8"))
        rebound = [node.names for node in ast.walk(tree) if isinstance(node, (ast.Global, ast.Nonlocal))]
        self.assertEqual(rebound, [])


if __name__ == "__main__":
    unittest.main()
