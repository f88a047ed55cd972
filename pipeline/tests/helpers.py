"""Shared fixture: a small input tree with parquet files and everything that must be ignored."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import unittest
from pathlib import Path

try:
    import pyarrow as pa
    import pyarrow.parquet as pq
except ImportError:
    pa = pq = None

PIPELINE_DIR = Path(__file__).resolve().parent.parent

# The only reasons a test may be skipped. scripts/python-tests.py runs the suite once with pyarrow
# (production's path) and once without (the fallback) and fails on any skip whose reason is not the
# one expected in that run (the slow test is skipped only when PIPELINE_SLOW_TESTS is not 1).
NEEDS_PYARROW = "needs pyarrow (production's parquet path)"
NEEDS_NO_PYARROW = "needs pyarrow to be absent (the fallback path)"
SLOW_OPT_IN = "slow: set PIPELINE_SLOW_TESTS=1 to run"
requires_pyarrow = unittest.skipIf(pq is None, NEEDS_PYARROW)
requires_no_pyarrow = unittest.skipIf(pq is not None, NEEDS_NO_PYARROW)
slow_opt_in = unittest.skipUnless(os.environ.get("PIPELINE_SLOW_TESTS") == "1", SLOW_OPT_IN)

# Parquet files the scan must find, with the row count each one gets, in the expected order
# (sorted by hand by POSIX relative path, not by the code under test).
EXPECTED_FILES = [
    ("parquet/offerpath1/z.parquet", 3),
    ("parquet/offerpath2-old.parquet", 19),  # '-' sorts before '/': plain string order
    ("parquet/offerpath2/2026/11/Z.parquet", 23),  # code point order, not case-insensitive
    ("parquet/offerpath2/2026/11/a.parquet", 5),
    ("parquet/offerpath2/2026/11/b.PARQUET", 7),
    ("parquet/offerpath2/2026/12/donn\u00e9es.parquet", 11),
    ("parquet/offerpath2/2026/12/my file.parquet", 13),
    ("top.parquet", 17),
]

# Files that exist but must not be listed.
IGNORED_FILES = [
    "parquet/offerpath2/2026/11/data.csv",
    "parquet/offerpath2/2026/11/c.parquet.tmp",
    "parquet/offerpath2/2026/11/a.xparquet",  # the suffix is ".parquet", dot included
    "parquet/offerpath2/2026/11/parquet",
    "parquet/offerpath2/2026/11/_SUCCESS",
    "parquet/offerpath2/2026/11/.hidden.parquet",
    ".hiddendir/x.parquet",
    "parquet/.staging/y.parquet",
]


def write_parquet(path: Path, rows: int) -> bytes:
    """Write a parquet file (a real one when pyarrow exists, else fake bytes); return its content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if pq is not None:
        pq.write_table(pa.table({"i": list(range(rows))}), path)
    else:
        # Distinct content and size per file, framed by the parquet magic bytes.
        path.write_bytes(b"PAR1" + path.name.encode("utf-8") * rows + b"PAR1")
    return path.read_bytes()


def make_tree(root: Path) -> dict[str, bytes]:
    """Build the fixture under root; return {relative_path: content} of the parquet files to find."""
    contents = {rel: write_parquet(root / rel, rows) for rel, rows in EXPECTED_FILES}
    for rel in IGNORED_FILES:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"PAR1 not to be listed PAR1")
    (root / "empty" / "nested-empty").mkdir(parents=True)
    # Symlinks are skipped: a linked folder and a linked file that both hold parquet data.
    os.symlink(root / "parquet" / "offerpath1", root / "linkdir", target_is_directory=True)
    os.symlink(root / "top.parquet", root / "link.parquet")
    return contents


def read_work_list(folder: Path) -> list[list[dict]]:
    """The work items of a prepare.py work list, in name order, each as its parsed lines."""
    items = []
    for path in sorted(folder.iterdir()):
        text = path.read_text(encoding="ascii")
        assert text.endswith("\n"), path
        items.append([json.loads(line) for line in text.splitlines()])
    return items


def snapshot(root: Path) -> list[tuple]:
    """Every entry under root (hidden ones too) with its type, size, mtime and content hash."""
    entries = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            path = Path(dirpath, name)
            st = path.lstat()
            digest = None
            if path.is_file() and not path.is_symlink():
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            rel = path.relative_to(root).as_posix()
            entries.append((rel, st.st_mode, st.st_size, st.st_mtime_ns, digest))
    return entries


class TempTreeTestCase(unittest.TestCase):
    """A fresh temporary folder per test, with an empty input folder and a work_list path beside it."""

    def setUp(self) -> None:
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = Path(tmp.name)
        self.input = self.tmp / "input"
        self.input.mkdir()
        self.work_list = self.tmp / "work_list"
