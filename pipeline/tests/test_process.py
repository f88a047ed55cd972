"""Tests of pipeline/process.py (step 2: the parallel entry script), fed by prepare.py."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
import unittest
from pathlib import Path
from unittest import mock

from pipeline import prepare, process
from pipeline.tests.helpers import EXPECTED_FILES, TempTreeTestCase, make_tree, snapshot


class ProcessTestCase(TempTreeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.contents = make_tree(self.input)
        with contextlib.redirect_stdout(io.StringIO()):
            code = prepare.main(["--input_folder", str(self.input), "--work_list", str(self.work_list)])
        self.assertEqual(code, 0)
        self.manifests = sorted(str(p) for p in self.work_list.iterdir())
        # The module keeps the root in a global: start and end every test without one.
        process._input_root = None
        self.addCleanup(setattr, process, "_input_root", None)

    def write_manifest(self, name: str, relative_path: str) -> str:
        path = self.tmp / "extra" / name
        path.parent.mkdir(exist_ok=True)
        text = json.dumps({"relative_path": relative_path, "size_bytes": 1}) + "\n"
        path.write_text(text, encoding="utf-8")
        return str(path)


class InitTest(ProcessTestCase):
    def test_ignores_unknown_arguments(self) -> None:
        process.init(["--logging_level", "INFO", "--input_root", str(self.input), "--mini_batch_size", "10"])
        self.assertEqual(process._input_root, self.input.resolve())

    def test_reads_sys_argv_by_default(self) -> None:
        argv = ["driver/amlbi_main.py", "--input_root", str(self.input), "--unknown_aml_flag", "1"]
        with mock.patch.object(sys, "argv", argv):
            process.init()
        self.assertEqual(process._input_root, self.input.resolve())

    def test_input_root_is_required(self) -> None:
        with contextlib.redirect_stderr(io.StringIO()), self.assertRaises(SystemExit):
            process.init(["--other", "x"])

    def test_input_root_must_be_a_directory(self) -> None:
        with self.assertRaises(NotADirectoryError):
            process.init(["--input_root", str(self.tmp / "missing")])

    def test_run_before_init_fails(self) -> None:
        with self.assertRaises(RuntimeError):
            process.run(self.manifests[:1])


class RunTest(ProcessTestCase):
    def setUp(self) -> None:
        super().setUp()
        process.init(["--input_root", str(self.input), "--extra", "ignored"])

    def test_end_to_end_rows_match_files(self) -> None:
        before = snapshot(self.input)
        rows = process.run(self.manifests)
        self.assertEqual(len(rows), len(EXPECTED_FILES))
        for row, (rel, _rows) in zip(rows, EXPECTED_FILES):
            self.assertIsInstance(row, str)
            self.assertNotIn("\n", row)
            data = json.loads(row)
            self.assertEqual(row, json.dumps(data, sort_keys=True))
            self.assertEqual(set(data), {"relative_path", "size_bytes", "sha256", "row_count"})
            content = self.contents[rel]
            self.assertEqual(data["relative_path"], rel)
            self.assertEqual(data["size_bytes"], len(content))
            self.assertEqual(data["size_bytes"], (self.input / rel).stat().st_size)
            self.assertEqual(data["sha256"], hashlib.sha256(content).hexdigest())
        self.assertEqual(snapshot(self.input), before)

    def test_hash_spans_several_chunks(self) -> None:
        big = b"PAR1" + bytes(range(256)) * 9000 + b"PAR1"  # > 2 MiB: three 1 MiB reads
        (self.input / "big.bin").write_bytes(big)
        row = json.loads(process.run([self.write_manifest("big.json", "big.bin")])[0])
        self.assertEqual(row["size_bytes"], len(big))
        self.assertEqual(row["sha256"], hashlib.sha256(big).hexdigest())

    @unittest.skipIf(process.pq is not None, "pyarrow is installed: row_count is a number")
    def test_row_count_is_null_without_pyarrow(self) -> None:
        for row in process.run(self.manifests):
            self.assertIsNone(json.loads(row)["row_count"])
            self.assertIn('"row_count": null', row)

    @unittest.skipIf(process.pq is None, "pyarrow is not installed")
    def test_row_count_with_pyarrow(self) -> None:
        counts = [json.loads(row)["row_count"] for row in process.run(self.manifests)]
        self.assertEqual(counts, [rows for _rel, rows in EXPECTED_FILES])

    def test_row_count_is_null_when_pyarrow_is_forced_missing(self) -> None:
        with mock.patch.object(process, "pq", None):
            rows = process.run(self.manifests[:2])
        self.assertEqual([json.loads(r)["row_count"] for r in rows], [None, None])

    def test_accepts_path_objects_and_empty_batch(self) -> None:
        self.assertEqual(process.run([]), [])
        row = json.loads(process.run([Path(self.manifests[0])])[0])
        self.assertEqual(row["relative_path"], EXPECTED_FILES[0][0])

    def test_rejects_traversal(self) -> None:
        (self.tmp / "outside.parquet").write_bytes(b"PAR1 secret PAR1")
        manifest = self.write_manifest("evil.json", "../outside.parquet")
        with self.assertRaises(ValueError) as ctx:
            process.run([manifest])
        self.assertIn(manifest, str(ctx.exception))
        self.assertIn("outside.parquet", str(ctx.exception))

    def test_rejects_absolute_path(self) -> None:
        target = str((self.input / "top.parquet").resolve())  # exists and is inside: still refused
        manifest = self.write_manifest("abs.json", target)
        with self.assertRaises(ValueError) as ctx:
            process.run([manifest])
        self.assertIn(manifest, str(ctx.exception))
        self.assertIn("absolute", str(ctx.exception))

    def test_rejects_symlink_escaping_root(self) -> None:
        (self.tmp / "secret.parquet").write_bytes(b"PAR1 secret PAR1")
        (self.input / "escape.parquet").symlink_to(self.tmp / "secret.parquet")
        manifest = self.write_manifest("link.json", "escape.parquet")
        with self.assertRaises(ValueError):
            process.run([manifest])

    def test_missing_file_names_manifest_and_file(self) -> None:
        manifest = self.write_manifest("missing.json", "parquet/gone.parquet")
        with self.assertRaises(FileNotFoundError) as ctx:
            process.run([manifest])
        self.assertIn(manifest, str(ctx.exception))
        self.assertIn(str(self.input.resolve() / "parquet" / "gone.parquet"), str(ctx.exception))

    def test_rejects_manifest_that_is_not_json_or_lacks_path(self) -> None:
        bad_json = self.tmp / "bad.json"
        bad_json.write_text("not json", encoding="utf-8")
        no_path = self.tmp / "nopath.json"
        no_path.write_text('{"size_bytes": 1}', encoding="utf-8")
        for manifest in (bad_json, no_path):
            with self.subTest(manifest=manifest.name), self.assertRaises(ValueError) as ctx:
                process.run([str(manifest)])
            self.assertIn(str(manifest), str(ctx.exception))

    def test_rejects_non_list_batch(self) -> None:
        with self.assertRaises(TypeError):
            process.run(self.manifests[0])


if __name__ == "__main__":
    unittest.main()
