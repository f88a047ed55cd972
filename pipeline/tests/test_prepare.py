"""Tests of pipeline/prepare.py (step 1: the work list)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import unittest
from pathlib import Path

from pipeline import prepare
from pipeline.tests.helpers import EXPECTED_FILES, PIPELINE_DIR, TempTreeTestCase, make_tree, snapshot

EXPECTED_PATHS = [rel for rel, _rows in EXPECTED_FILES]


def run_main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = prepare.main(list(argv))
    return code, out.getvalue(), err.getvalue()


class PrepareTestCase(TempTreeTestCase):
    pass


class BuildWorkListTest(PrepareTestCase):
    def test_lists_parquet_files_in_posix_order_with_sizes(self) -> None:
        contents = make_tree(self.input)
        items = prepare.build_work_list(self.input)
        self.assertEqual([i["relative_path"] for i in items], EXPECTED_PATHS)
        for item in items:
            self.assertEqual(set(item), {"relative_path", "size_bytes"})
            self.assertEqual(item["size_bytes"], len(contents[item["relative_path"]]))

    def test_ignores_non_parquet_hidden_and_symlinked_entries(self) -> None:
        make_tree(self.input)
        listed = {i["relative_path"] for i in prepare.build_work_list(self.input)}
        for rel in ("parquet/offerpath2/2026/11/data.csv", "parquet/offerpath2/2026/11/c.parquet.tmp",
                    "parquet/offerpath2/2026/11/_SUCCESS", "parquet/offerpath2/2026/11/.hidden.parquet",
                    ".hiddendir/x.parquet", "parquet/.staging/y.parquet",
                    "linkdir/z.parquet", "link.parquet"):
            self.assertNotIn(rel, listed)
        self.assertIn("parquet/offerpath2/2026/11/b.PARQUET", listed)
        self.assertIn("parquet/offerpath2/2026/12/my file.parquet", listed)

    def test_empty_folder_gives_empty_list(self) -> None:
        (self.input / "a" / "b").mkdir(parents=True)
        self.assertEqual(prepare.build_work_list(self.input), [])

    def test_missing_input_raises(self) -> None:
        with self.assertRaises(FileNotFoundError):
            prepare.build_work_list(self.tmp / "nope")


class WriteWorkListTest(PrepareTestCase):
    def test_writes_one_manifest_per_item(self) -> None:
        items = [
            {"relative_path": "x/my file.parquet", "size_bytes": 12},
            {"relative_path": "y.parquet", "size_bytes": 0},
        ]
        written = prepare.write_work_list(items, self.work_list)
        self.assertEqual([p.name for p in written], ["000000.json", "000001.json"])
        self.assertEqual(sorted(os.listdir(self.work_list)), ["000000.json", "000001.json"])
        self.assertEqual((self.work_list / "000000.json").read_bytes(),
                         b'{"relative_path": "x/my file.parquet", "size_bytes": 12}\n')
        self.assertEqual((self.work_list / "000001.json").read_bytes(),
                         b'{"relative_path": "y.parquet", "size_bytes": 0}\n')

    def test_refuses_non_empty_folder(self) -> None:
        self.work_list.mkdir()
        (self.work_list / "stale.json").write_text("{}")
        with self.assertRaises(prepare.PrepareError):
            prepare.write_work_list([{"relative_path": "a.parquet", "size_bytes": 1}], self.work_list)
        self.assertEqual(os.listdir(self.work_list), ["stale.json"])

    def test_name_width_grows_past_999999(self) -> None:
        self.assertEqual(prepare.manifest_names(1), ["000000.json"])
        self.assertEqual(prepare.manifest_names(1_000_000)[-1], "999999.json")
        names = prepare.manifest_names(1_000_001)
        self.assertEqual((names[0], names[-1]), ("0000000.json", "1000000.json"))
        self.assertEqual(names, sorted(names))


class MainTest(PrepareTestCase):
    def test_success_writes_manifests_and_summary(self) -> None:
        contents = make_tree(self.input)
        code, out, err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, f"prepared {len(EXPECTED_PATHS)} work items from {self.input}\n")
        names = sorted(os.listdir(self.work_list))
        self.assertEqual(names, [f"{i:06d}.json" for i in range(len(EXPECTED_PATHS))])
        for name, rel in zip(names, EXPECTED_PATHS):
            text = (self.work_list / name).read_text(encoding="utf-8")
            self.assertTrue(text.endswith("}\n"))
            self.assertEqual(json.loads(text), {"relative_path": rel, "size_bytes": len(contents[rel])})

    def test_empty_folder_exits_2_and_writes_nothing(self) -> None:
        (self.input / "empty").mkdir()
        code, out, err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertIn(f"no .parquet files found under {self.input}", err)
        self.assertFalse(self.work_list.exists())

    def test_only_non_parquet_files_exits_2(self) -> None:
        (self.input / "data.csv").write_text("a,b\n")
        (self.input / "part.parquet.tmp").write_bytes(b"PAR1")
        code, _out, err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual(code, 2)
        self.assertIn("no .parquet files found under", err)
        self.assertFalse(self.work_list.exists())

    def test_refuses_work_list_inside_or_equal_to_input(self) -> None:
        make_tree(self.input)
        (self.tmp / "alias").symlink_to(self.input, target_is_directory=True)
        before = snapshot(self.input)
        for target in (self.input / "out", self.input, self.input / "parquet" / "deep" / "out",
                       self.tmp / "alias" / "out"):
            with self.subTest(work_list=str(target)):
                code, out, err = run_main("--input_folder", str(self.input), "--work_list", str(target))
                self.assertEqual(code, 1)
                self.assertEqual(out, "")
                self.assertIn("refusing to write into the input", err)
                self.assertEqual(snapshot(self.input), before)

    def test_refuses_missing_or_non_directory_input(self) -> None:
        not_a_dir = self.tmp / "file.parquet"
        not_a_dir.write_bytes(b"PAR1")
        for bad, message in ((self.tmp / "missing", "does not exist"), (not_a_dir, "not a directory")):
            with self.subTest(input=str(bad)):
                code, _out, err = run_main("--input_folder", str(bad), "--work_list", str(self.work_list))
                self.assertEqual(code, 1)
                self.assertIn(message, err)
                self.assertFalse(self.work_list.exists())


class SubprocessTest(PrepareTestCase):
    def run_script(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(PIPELINE_DIR / "prepare.py"), *argv],
                              capture_output=True, text=True, check=False, timeout=60)

    def test_end_to_end(self) -> None:
        contents = make_tree(self.input)
        before = snapshot(self.input)
        proc = self.run_script("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(proc.stdout, f"prepared {len(EXPECTED_PATHS)} work items from {self.input}\n")
        first = (self.work_list / "000000.json").read_bytes()
        size = len(contents["parquet/offerpath1/z.parquet"])
        expected = b'{"relative_path": "parquet/offerpath1/z.parquet", "size_bytes": %d}\n' % size
        self.assertEqual(first, expected)
        self.assertEqual(len(os.listdir(self.work_list)), len(EXPECTED_PATHS))
        self.assertEqual(snapshot(self.input), before)

    def test_empty_input_fails_loudly(self) -> None:
        proc = self.run_script("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stdout, "")
        self.assertIn(f"no .parquet files found under {self.input}", proc.stderr)
        self.assertFalse(self.work_list.exists())


if __name__ == "__main__":
    unittest.main()
