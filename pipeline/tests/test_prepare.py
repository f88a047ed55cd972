"""Tests of pipeline/prepare.py (step 1: the work list of batched items)."""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
import textwrap
import unittest
from unittest import mock

from pipeline import prepare
from pipeline.tests.helpers import (
    EXPECTED_FILES, IGNORED_FILES, PIPELINE_DIR, TempTreeTestCase, make_tree, read_work_list, slow_opt_in,
    snapshot,
)

EXPECTED_PATHS = [rel for rel, _rows in EXPECTED_FILES]


def run_main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = prepare.main(list(argv))
        except SystemExit as exit_:  # argparse
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def item_bytes(sizes: list[int], item) -> int:
    return sum(sizes[i] for i in item)


class ListParquetFilesTest(TempTreeTestCase):
    def test_lists_parquet_files_in_posix_order_with_sizes(self) -> None:
        contents = make_tree(self.input)
        paths, sizes = prepare.list_parquet_files(self.input)
        self.assertEqual(paths, EXPECTED_PATHS)
        self.assertEqual(list(sizes), [len(contents[rel]) for rel in EXPECTED_PATHS])

    def test_ignores_non_parquet_hidden_and_symlinked_entries(self) -> None:
        make_tree(self.input)
        listed = set(prepare.list_parquet_files(self.input)[0])
        for rel in IGNORED_FILES + ["linkdir/z.parquet", "link.parquet"]:
            self.assertNotIn(rel, listed)
        self.assertIn("parquet/offerpath2/2026/11/b.PARQUET", listed)  # the suffix is case-insensitive
        self.assertIn("parquet/offerpath2/2026/12/my file.parquet", listed)

    def test_exact_suffix(self) -> None:
        for name in ("a.xparquet", "parquet", "a.parquet.bak", "aparquet", "a.parque", "a.Parquet"):
            (self.input / name).write_bytes(b"PAR1")
        self.assertEqual(prepare.list_parquet_files(self.input)[0], ["a.Parquet"])

    def test_empty_folder_gives_empty_list(self) -> None:
        (self.input / "a" / "b").mkdir(parents=True)
        paths, sizes = prepare.list_parquet_files(self.input)
        self.assertEqual((paths, list(sizes)), ([], []))

    def test_missing_input_raises(self) -> None:
        with self.assertRaises(FileNotFoundError):
            prepare.list_parquet_files(self.tmp / "nope")

    def test_unreadable_folder_fails_instead_of_listing_part(self) -> None:
        make_tree(self.input)
        locked = str(self.input / "parquet" / "offerpath2")
        real_scandir = os.scandir

        def scandir(path):
            if os.path.normpath(path) == locked:
                raise PermissionError(13, "Permission denied", path)
            return real_scandir(path)

        with mock.patch.object(prepare.os, "scandir", scandir), self.assertRaises(PermissionError):
            prepare.list_parquet_files(self.input)
        with mock.patch.object(prepare.os, "scandir", scandir):
            code, out, err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual((code, out), (2, ""))
        self.assertIn("Permission denied", err)
        self.assertFalse(self.work_list.exists())


class PlanItemsTest(unittest.TestCase):
    def check_partition(self, sizes: list[int], items, max_files: int, max_bytes: int) -> None:
        flat = [i for item in items for i in item]
        self.assertEqual(sorted(flat), list(range(len(sizes))), "every file exactly once")
        for item in items:
            self.assertEqual(list(item), sorted(item))
            self.assertLessEqual(len(item), max_files)
            if len(item) > 1:
                self.assertLessEqual(item_bytes(sizes, item), max_bytes)
        self.assertEqual([item[0] for item in items], sorted(item[0] for item in items))

    def test_file_limit(self) -> None:
        sizes = [10] * 2500
        items = prepare.plan_items(sizes, 1000, 1 << 30)
        self.check_partition(sizes, items, 1000, 1 << 30)
        self.assertEqual(len(items), 3)
        self.assertEqual(sorted(len(item) for item in items), [833, 833, 834])

    def test_byte_limit(self) -> None:
        sizes = [400] * 10 + [100] * 5
        items = prepare.plan_items(sizes, 1000, 1000)
        self.check_partition(sizes, items, 1000, 1000)
        self.assertGreaterEqual(len(items), math.ceil(sum(sizes) / 1000))

    def test_file_larger_than_the_byte_limit_gets_its_own_item(self) -> None:
        sizes = [10, 5000, 10, 3000]
        items = prepare.plan_items(sizes, 1000, 1000)
        self.check_partition(sizes, items, 1000, 1000)
        self.assertIn([1], [list(item) for item in items])
        self.assertIn([3], [list(item) for item in items])

    def test_huge_files_are_spread_over_items(self) -> None:
        # Three huge files side by side in path order, then many small ones.
        sizes = [900_000_000] * 3 + [1000] * 2997
        items = prepare.plan_items(sizes, 1000, 1 << 30)
        self.check_partition(sizes, items, 1000, 1 << 30)
        self.assertEqual(len(items), 3)
        self.assertEqual(sorted(sum(1 for i in item if i < 3) for item in items), [1, 1, 1])
        loads = [item_bytes(sizes, item) for item in items]
        self.assertLessEqual(max(loads) - min(loads), 1000)

    def test_balances_bytes_not_just_counts(self) -> None:
        # Smaller files first, larger ones later in path order: equal counts would be unbalanced.
        sizes = [1000 + i % 1000 for i in range(2500)] + [5000 + i % 5000 for i in range(2500)]
        items = prepare.plan_items(sizes, 4000, 1 << 40)
        self.check_partition(sizes, items, 4000, 1 << 40)
        self.assertEqual(len(items), 2)
        loads = [item_bytes(sizes, item) for item in items]
        self.assertLessEqual(max(loads) - min(loads), max(sizes))
        self.assertGreater(len(items[0]) - len(items[1]), 1000)

    def test_small_files_keep_path_order_within_items(self) -> None:
        sizes = [100] * 2499 + [50_000_000] + [100] * 1500
        items = prepare.plan_items(sizes, 1000, 1 << 30)
        self.check_partition(sizes, items, 1000, 1 << 30)
        self.assertEqual(len(items), 4)
        position = {index: n for n, index in enumerate(i for i in range(len(sizes)) if sizes[i] == 100)}
        for item in items:
            small = [position[i] for i in item if i in position]
            self.assertEqual(small, list(range(small[0], small[0] + len(small))), "one run of the small files")

    def test_count_limit_at_full_capacity(self) -> None:
        # 3000 files in 3 items of at most 1000: every item is full, whatever the bytes.
        sizes = [1] * 1500 + [100] * 1500
        items = prepare.plan_items(sizes, 1000, 1 << 30)
        self.check_partition(sizes, items, 1000, 1 << 30)
        self.assertEqual([len(item) for item in items], [1000, 1000, 1000])

    def test_item_count_bound_with_defaults(self) -> None:
        for count in (1, 999, 1000, 1001, 12_345):
            with self.subTest(count=count):
                sizes = [100] * count
                items = prepare.plan_items(sizes, prepare.DEFAULT_MAX_FILES, prepare.DEFAULT_MAX_BYTES)
                self.assertEqual(len(items), math.ceil(count / 1000))
                self.check_partition(sizes, items, 1000, prepare.DEFAULT_MAX_BYTES)

    def test_deterministic(self) -> None:
        sizes = [(i * 31) % 97 for i in range(3000)]
        first = [list(item) for item in prepare.plan_items(sizes, 100, 5000)]
        second = [list(item) for item in prepare.plan_items(list(sizes), 100, 5000)]
        self.assertEqual(first, second)

    def test_empty_and_invalid(self) -> None:
        self.assertEqual(prepare.plan_items([], 10, 10), [])
        with self.assertRaises(ValueError):
            prepare.plan_items([1], 0, 10)


class WriteWorkListTest(TempTreeTestCase):
    def test_writes_one_jsonl_file_per_item(self) -> None:
        paths = ["x/my file.parquet", "y.parquet", "z/donn\u00e9es.parquet"]
        written = prepare.write_work_list(paths, [12, 0, 7], [[0, 2], [1]], self.work_list)
        self.assertEqual([p.name for p in written], ["000000.jsonl", "000001.jsonl"])
        self.assertEqual(sorted(os.listdir(self.work_list)), ["000000.jsonl", "000001.jsonl"])
        self.assertEqual((self.work_list / "000000.jsonl").read_bytes(),
                         b'{"relative_path": "x/my file.parquet", "size_bytes": 12}\n'
                         b'{"relative_path": "z/donn\\u00e9es.parquet", "size_bytes": 7}\n')
        self.assertEqual((self.work_list / "000001.jsonl").read_bytes(),
                         b'{"relative_path": "y.parquet", "size_bytes": 0}\n')

    def test_line_is_json_dumps_with_sorted_keys(self) -> None:
        for rel in ("a.parquet", "d\u00e9j\u00e0/\u6570\u636e.parquet", 'q"uote\\.parquet', "bad\udcff.parquet"):
            line = prepare.format_line(rel, 42)
            self.assertEqual(line, json.dumps({"size_bytes": 42, "relative_path": rel}, sort_keys=True) + "\n")
            self.assertEqual(json.loads(line)["relative_path"], rel)

    def test_refuses_non_empty_folder(self) -> None:
        self.work_list.mkdir()
        (self.work_list / "stale.jsonl").write_text("{}")
        with self.assertRaises(prepare.PrepareError):
            prepare.write_work_list(["a.parquet"], [1], [[0]], self.work_list)
        self.assertEqual(os.listdir(self.work_list), ["stale.jsonl"])

    def test_name_width_grows_past_999999(self) -> None:
        self.assertEqual(prepare.item_names(1), ["000000.jsonl"])
        self.assertEqual(prepare.item_names(1_000_000)[-1], "999999.jsonl")
        names = prepare.item_names(1_000_001)
        self.assertEqual((names[0], names[-1]), ("0000000.jsonl", "1000000.jsonl"))
        self.assertEqual(names, sorted(names))


class MainTest(TempTreeTestCase):
    def test_success_writes_items_and_summary(self) -> None:
        contents = make_tree(self.input)
        code, out, err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual((code, err), (0, ""))
        total = sum(len(content) for content in contents.values())
        self.assertEqual(out, f"prepared 1 work items ({len(EXPECTED_PATHS)} files, {total} bytes) from {self.input}\n")
        self.assertEqual(os.listdir(self.work_list), ["000000.jsonl"])
        [lines] = read_work_list(self.work_list)
        self.assertEqual(lines, [{"relative_path": rel, "size_bytes": len(contents[rel])} for rel in EXPECTED_PATHS])

    def test_limits_from_the_command_line(self) -> None:
        contents = make_tree(self.input)
        code, out, _err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list),
                                   "--max_files_per_item", "3", "--max_bytes_per_item", "100000")
        self.assertEqual(code, 0)
        self.assertTrue(out.startswith("prepared 3 work items "))
        items = read_work_list(self.work_list)
        self.assertEqual(len(items), math.ceil(len(EXPECTED_PATHS) / 3))
        listed = [line["relative_path"] for item in items for line in item]
        self.assertEqual(sorted(listed), sorted(EXPECTED_PATHS))
        for item in items:
            self.assertLessEqual(len(item), 3)
            self.assertEqual([line["relative_path"] for line in item], sorted(line["relative_path"] for line in item))
            self.assertEqual([line["size_bytes"] for line in item], [len(contents[line["relative_path"]]) for line in item])

    def test_byte_limit_from_the_command_line(self) -> None:
        for i in range(6):
            (self.input / f"f{i}.parquet").write_bytes(b"x" * 40)
        code, _out, _err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list),
                                    "--max_bytes_per_item", "100")
        self.assertEqual(code, 0)
        items = read_work_list(self.work_list)
        self.assertEqual([len(item) for item in items], [2, 2, 2])

    def test_bad_limits_exit_2(self) -> None:
        (self.input / "a.parquet").write_bytes(b"PAR1")
        for option, value in (("--max_files_per_item", "0"), ("--max_bytes_per_item", "-1"),
                              ("--max_files_per_item", "many")):
            with self.subTest(option=option, value=value):
                code, _out, err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list),
                                           option, value)
                self.assertEqual(code, 2)
                self.assertIn(option, err)
                self.assertFalse(self.work_list.exists())

    def test_empty_folder_exits_2_and_writes_nothing(self) -> None:
        (self.input / "empty").mkdir()
        code, out, err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual((code, out), (2, ""))
        self.assertEqual(err, f"prepare.py: error: no .parquet files found under {self.input}\n")
        self.assertFalse(self.work_list.exists())

    def test_only_non_parquet_files_exits_2(self) -> None:
        (self.input / "data.csv").write_text("a,b\n")
        (self.input / "part.parquet.tmp").write_bytes(b"PAR1")
        (self.input / "part.xparquet").write_bytes(b"PAR1")
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
                self.assertEqual(code, 2)
                self.assertEqual(out, "")
                self.assertIn("refusing to write into the input", err)
                self.assertEqual(snapshot(self.input), before)

    def test_refuses_non_empty_work_list_before_scanning(self) -> None:
        make_tree(self.input)
        self.work_list.mkdir()
        (self.work_list / "000000.jsonl").write_text('{"relative_path": "old.parquet", "size_bytes": 1}\n')
        with mock.patch.object(prepare, "list_parquet_files") as scan:
            code, out, err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list))
        scan.assert_not_called()
        self.assertEqual((code, out), (2, ""))
        self.assertIn("work_list folder is not empty", err)
        self.assertEqual(os.listdir(self.work_list), ["000000.jsonl"])

    def test_work_list_that_cannot_be_written_exits_1(self) -> None:
        make_tree(self.input)
        with mock.patch.object(prepare, "write_work_list", side_effect=OSError(28, "No space left on device")):
            code, out, err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual((code, out), (1, ""))
        self.assertEqual(err, "prepare.py: error: cannot write the work list: [Errno 28] No space left on device\n")

    def test_accepts_existing_empty_work_list(self) -> None:
        make_tree(self.input)
        self.work_list.mkdir()
        code, _out, _err = run_main("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual(code, 0)

    def test_refuses_missing_or_non_directory_input(self) -> None:
        not_a_dir = self.tmp / "file.parquet"
        not_a_dir.write_bytes(b"PAR1")
        for bad, message in ((self.tmp / "missing", "does not exist"), (not_a_dir, "not a directory")):
            with self.subTest(input=str(bad)):
                code, _out, err = run_main("--input_folder", str(bad), "--work_list", str(self.work_list))
                self.assertEqual(code, 2)
                self.assertIn(message, err)
                self.assertFalse(self.work_list.exists())


class SubprocessTest(TempTreeTestCase):
    def run_script(self, *argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(PIPELINE_DIR / "prepare.py"), *argv],
                              capture_output=True, text=True, check=False, timeout=60)

    def test_end_to_end(self) -> None:
        contents = make_tree(self.input)
        before = snapshot(self.input)
        proc = self.run_script("--input_folder", str(self.input), "--work_list", str(self.work_list),
                               "--max_files_per_item", "5")
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(proc.stdout.startswith(f"prepared 2 work items ({len(EXPECTED_PATHS)} files, "))
        first = (self.work_list / "000000.jsonl").read_bytes().splitlines(keepends=True)[0]
        size = len(contents["parquet/offerpath1/z.parquet"])
        self.assertEqual(first, b'{"relative_path": "parquet/offerpath1/z.parquet", "size_bytes": %d}\n' % size)
        self.assertEqual(sorted(os.listdir(self.work_list)), ["000000.jsonl", "000001.jsonl"])
        self.assertEqual(snapshot(self.input), before)

    def test_two_runs_are_byte_identical(self) -> None:
        make_tree(self.input)
        for i in range(40):
            (self.input / "many" / f"{i % 7}").mkdir(parents=True, exist_ok=True)
            (self.input / "many" / f"{i % 7}" / f"p{i}.parquet").write_bytes(b"x" * ((i * 37) % 101))
        outputs = []
        for name in ("one", "two"):
            proc = self.run_script("--input_folder", str(self.input), "--work_list", str(self.tmp / name),
                                   "--max_files_per_item", "6")
            self.assertEqual(proc.returncode, 0, proc.stderr)
            outputs.append({p.name: p.read_bytes() for p in sorted((self.tmp / name).iterdir())})
        self.assertEqual(outputs[0], outputs[1])
        self.assertEqual(len(outputs[0]), math.ceil((40 + len(EXPECTED_PATHS)) / 6))

    def test_empty_input_fails_loudly(self) -> None:
        proc = self.run_script("--input_folder", str(self.input), "--work_list", str(self.work_list))
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stdout, "")
        self.assertIn(f"no .parquet files found under {self.input}", proc.stderr)
        self.assertFalse(self.work_list.exists())

    def test_usage_error_exits_2_like_any_invalid_input(self) -> None:
        proc = self.run_script("--input_folder", str(self.input))
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--work_list", proc.stderr)


@slow_opt_in
class ScaleTest(TempTreeTestCase):
    FILES = 100_000
    PER_FOLDER = 200

    def test_memory_and_item_count_at_100k_files(self) -> None:
        for i in range(self.FILES):
            folder = self.input / f"g{i // 20_000:02d}" / f"d{i // self.PER_FOLDER:04d}"
            if i % self.PER_FOLDER == 0:
                folder.mkdir(parents=True)
            (folder / f"part-{i:06d}-0123456789abcdef.snappy.parquet").write_bytes(b"PAR1")
        # A fresh helper process, so RUSAGE_CHILDREN holds prepare's peak and nothing else.
        helper = textwrap.dedent("""
            import resource, subprocess, sys
            code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
            print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        """)
        proc = subprocess.run(
            [sys.executable, "-c", helper, sys.executable, str(PIPELINE_DIR / "prepare.py"),
             "--input_folder", str(self.input), "--work_list", str(self.work_list)],
            capture_output=True, text=True, check=True, timeout=600,
        )
        code, max_rss_kib = map(int, proc.stdout.split())
        self.assertEqual(code, 0)
        self.assertLess(max_rss_kib / 1024, 300, "peak RSS of prepare in MB")
        names = sorted(os.listdir(self.work_list))
        self.assertEqual(len(names), self.FILES // 1000)
        listed = 0
        for name in names:
            with open(self.work_list / name, "rb") as fh:
                listed += sum(1 for _ in fh)
        self.assertEqual(listed, self.FILES)


if __name__ == "__main__":
    unittest.main()
