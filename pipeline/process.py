"""Step 2 of the data-path pipeline: entry script of the AML parallel step (run_function).

AML calls init() once per worker process, then run(mini_batch) many times, then shutdown() (also
registered with atexit, so the summary is printed once either way). These three module-level
functions are thin wrappers around the process's one Worker object, which holds all of the worker's
state (input root, folder cache, read buffer, counters). Each mini-batch entry is the path of a work
item written by prepare.py: JSON Lines, one {"relative_path", "size_bytes"} line per data file, the
file being read from --input_root.

run() returns one row per data file (per non-blank work-item line), in work-item and line order,
each a one-line JSON object with sorted keys:

    relative_path  str as listed (null when the line has no usable relative_path)
    size_bytes     int, bytes hashed (null on error)
    sha256         hex digest of the content (null on error)
    row_count      int parquet row count when pyarrow is installed, else null (null on error)
    status         "ok" or "error"
    error          null, or "<work item> line <n>: <cause>"

Each data file is opened once: its sha256, size_bytes and row_count are all read through that one
file object, so a file replaced while it is read cannot give a row whose fields describe two files.
A data file that is missing, unreadable, not a regular file, outside --input_root (absolute path,
'..', symlinked folder or file) or, with pyarrow, not a readable parquet file (not parquet,
truncated, empty) gives an error row and the other files go on; so does a line that is not UTF-8
JSON naming a relative_path. Only a work item that cannot be opened, or a bad argument, raises: AML
then retries the whole mini-batch. Rows always outnumber or equal the work items, so AML never
counts a mini-batch item as failed; the check step (check_results.py) judges the error rows.

Exit codes (the same in every step script): 0 success; 1 failed (the step ran and its result is a
failure); 2 invalid (a bad argument or an input that cannot be used; nothing was done); 130
interrupted (Ctrl-C).
Here: none of its own, so it defines no EXIT_* constant: AML's driver imports it, and init() raises
on a bad argument.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import hashlib
import io
import json
import os
import posixpath
import stat
import sys
import time
from pathlib import Path

try:
    import pyarrow.parquet as pq
except ImportError:  # row_count is then reported as null
    pq = None

CHUNK_SIZE = 1024 * 1024
LOGGED_ERRORS = 20  # per worker: enough to diagnose, bounded when a whole data path is broken
FOLDER_CACHE_LIMIT = 100_000

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# O_NONBLOCK: opening a FIFO planted in the input must not hang the worker (no effect on files).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
_SYMLINK_ERRNOS = {errno.ELOOP, getattr(errno, "EMLINK", errno.ELOOP)}


class FileError(Exception):
    """One data file failed: becomes an error row, the mini-batch goes on."""


def _file_object(fd: int) -> io.FileIO:
    """The one file object a data file is read through (it owns fd): hash and row count alike."""
    return io.FileIO(fd, "rb", closefd=True)


def _open_error(err: OSError, path: str) -> FileError:
    if err.errno == errno.ENOENT:
        return FileError(f"file {path} does not exist")
    return FileError(f"cannot open {path}: {err.strerror or err}")


def _parse_line(raw: bytes) -> tuple[str | None, str | None]:
    """(relative_path or None, error cause or None) of one work-item line."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as err:
        return None, f"not valid UTF-8: {err}"
    except json.JSONDecodeError as err:
        return None, f"not valid JSON: {err}"
    rel = data.get("relative_path") if isinstance(data, dict) else None
    if not isinstance(rel, str) or not rel:
        return None, "not a JSON object with a non-empty string relative_path"
    return rel, None


def _error_row(rel: str | None, message: str) -> dict:
    return {"relative_path": rel, "size_bytes": None, "sha256": None, "row_count": None,
            "status": "error", "error": message}


class Worker:
    """Everything one worker process keeps between AML's calls: set by init(), used by run(),
    reported by shutdown(). The module-level init/run/shutdown call the process's one Worker."""

    def __init__(self) -> None:
        self.input_root: str | None = None
        # Real path of each relative folder seen, so a file costs one open instead of one lstat per component.
        self.real_folders: dict[str, str] = {}
        # One reused buffer: a fresh 1 MiB bytes object per small file would dominate the hashing cost.
        self.buffer = bytearray(CHUNK_SIZE)
        self.view = memoryview(self.buffer)
        self.stats = {"items": 0, "files": 0, "bytes": 0, "failures": 0}
        self.started: float | None = None
        self.summary_printed = False
        self.atexit_registered = False

    # ---- AML's entry points ----------------------------------------------------------------------

    def init(self, argv: list[str] | None = None) -> None:
        """Read --input_root; AML passes arguments of its own, so unknown ones are ignored."""
        parser = argparse.ArgumentParser(description="AML parallel entry script for the data-path pipeline")
        parser.add_argument("--input_root", required=True, type=Path, help="input data folder (read only)")
        args, _unknown = parser.parse_known_args(argv)
        root = args.input_root
        if not root.is_dir():
            raise NotADirectoryError(f"--input_root is not a directory: {root}")
        # Resolved once so the containment checks compare real paths on both sides.
        self.input_root = os.path.realpath(root)
        self.real_folders.clear()
        self.stats.update(items=0, files=0, bytes=0, failures=0)
        self.started = time.monotonic()
        self.summary_printed = False
        if not self.atexit_registered:
            atexit.register(self.shutdown)
            self.atexit_registered = True

    def run(self, mini_batch: list) -> list[str]:
        """One JSON row (sorted keys, no newline) per data file of the mini-batch's work items."""
        if not isinstance(mini_batch, (list, tuple)):
            raise TypeError(f"mini_batch must be a list of work item paths, got {type(mini_batch).__name__}")
        out = []
        for work_item in mini_batch:
            rows = self.process_work_item(work_item)
            self._count(rows)
            out.extend(json.dumps(row, sort_keys=True) for row in rows)
        return out

    def summary(self) -> str:
        seconds = time.monotonic() - self.started if self.started is not None else 0.0
        stats = self.stats
        return (f"process.py worker {os.getpid()}: {stats['items']} work items, {stats['files']} files, "
                f"{stats['bytes']} bytes, {stats['failures']} failures in {seconds:.1f} s")

    def shutdown(self) -> None:
        """Print this worker's summary line once (AML calls shutdown() when a worker ends)."""
        if self.started is None or self.summary_printed:
            return
        self.summary_printed = True
        print(self.summary(), flush=True)

    # ---- one work item, one data file ------------------------------------------------------------

    def process_work_item(self, work_item: str | os.PathLike) -> list[dict]:
        """Rows of every data file a work item lists. Raises OSError only when the item cannot be read."""
        if self.input_root is None:
            raise RuntimeError("init() must be called before run()")
        item = os.fspath(work_item)
        try:
            with open(item, "rb") as fh:
                content = fh.read()
        except OSError as err:
            raise OSError(err.errno, f"cannot read work item {item}: {err.strerror or err}") from err
        rows = []
        for number, raw in enumerate(content.split(b"\n"), start=1):
            if not raw.strip():
                continue
            rel, cause = _parse_line(raw)
            if cause is None:
                try:
                    rows.append(self.process_file(rel))
                    continue
                except FileError as err:
                    cause = str(err)
            rows.append(_error_row(rel, f"{item} line {number}: {cause}"))
        return rows

    def process_file(self, rel: str) -> dict:
        """The ok row of one data file, or raise FileError.

        The file is opened once: the hash, the byte count and the row count all come from that one
        file object, so a file replaced or renamed meanwhile cannot give fields of two files.
        """
        fd, path = self._open_target(rel)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise FileError(f"{path} is not a regular file")
            fh = _file_object(fd)
        except BaseException:
            os.close(fd)
            raise
        with fh:
            sha256, size = self._hash(fh, path)
            row_count = self._row_count(fh, path)
        return {"relative_path": rel, "size_bytes": size, "sha256": sha256, "row_count": row_count,
                "status": "ok", "error": None}

    def _hash(self, fh: io.RawIOBase, path: str) -> tuple[str, int]:
        """sha256 and byte count of one read of fh from its start, so both describe the same content."""
        digest = hashlib.sha256()
        size = 0
        buffer, view = self.buffer, self.view
        try:
            while count := fh.readinto(buffer):
                digest.update(view[:count])
                size += count
        except OSError as err:
            raise FileError(f"cannot read {path}: {err.strerror or err}") from err
        return digest.hexdigest(), size

    def _row_count(self, fh: io.RawIOBase, path: str) -> int | None:
        """The parquet footer's row count, read through the same file object as the hash (None without pyarrow)."""
        if pq is None:
            return None
        try:
            fh.seek(0)
            return int(pq.ParquetFile(fh).metadata.num_rows)
        except Exception as err:  # pyarrow raises several types; a read error (OSError) is one more
            raise FileError(f"{path} is not a readable parquet file: {err}") from err

    # ---- resolving an untrusted relative_path ----------------------------------------------------

    def _inside_root(self, real: str) -> bool:
        root = self.input_root
        return real.startswith(root + os.sep) or (root == os.sep and real != os.sep)

    def _escape_error(self, rel: str) -> FileError:
        return FileError(f"relative_path {rel!r} does not resolve inside the input root {self.input_root}")

    def _real_folder(self, folder: str, rel: str) -> str:
        real = self.real_folders.get(folder)
        if real is None:
            root = self.input_root
            real = os.path.realpath(os.path.join(root, folder)) if folder else root
            if real != root and not self._inside_root(real):
                raise self._escape_error(rel)
            if len(self.real_folders) >= FOLDER_CACHE_LIMIT:
                self.real_folders.clear()
            self.real_folders[folder] = real
        return real

    def _open_target(self, rel: str) -> tuple[int, str]:
        """Open the file an untrusted relative_path names under the input root; return (fd, path)."""
        if "\0" in rel:
            raise FileError(f"relative_path {rel!r} contains a NUL character")
        if rel.startswith("/") or os.path.isabs(rel):
            raise FileError(f"relative_path {rel!r} is absolute")
        normal = posixpath.normpath(rel)
        if normal == ".." or normal.startswith("../"):
            raise self._escape_error(rel)
        if normal != rel:
            # prepare.py writes normalized paths only; '.', '..' or '//' inside could mean several files.
            raise FileError(f"relative_path {rel!r} is not a normalized path")
        folder, _slash, name = rel.rpartition("/")
        path = os.path.join(self._real_folder(folder, rel), name)
        if _NOFOLLOW:
            try:
                return os.open(path, _OPEN_FLAGS | _NOFOLLOW), path
            except OSError as err:
                if err.errno not in _SYMLINK_ERRNOS or not os.path.islink(path):
                    raise _open_error(err, path) from err
        # A symlinked file (or a platform without O_NOFOLLOW): its target must be inside the root too.
        real = os.path.realpath(path)
        if not self._inside_root(real):
            raise self._escape_error(rel)
        try:
            return os.open(real, _OPEN_FLAGS), real
        except OSError as err:
            raise _open_error(err, real) from err

    def _count(self, rows: list[dict]) -> None:
        stats = self.stats
        stats["items"] += 1
        for row in rows:
            stats["files"] += 1
            if row["status"] == "ok":
                stats["bytes"] += row["size_bytes"]
            else:
                stats["failures"] += 1
                if stats["failures"] <= LOGGED_ERRORS:
                    print(f"process.py: error: {row['error']}", file=sys.stderr, flush=True)
                if stats["failures"] == LOGGED_ERRORS:
                    print("process.py: further errors of this worker are only in the result rows",
                          file=sys.stderr, flush=True)


# AML's parallel run driver imports this file and calls these three functions: thin wrappers around
# the process's one Worker.
_worker = Worker()


def init(argv: list[str] | None = None) -> None:
    """Start this worker: read --input_root from argv (default sys.argv), ignoring AML's own arguments."""
    _worker.init(argv)


def run(mini_batch: list) -> list[str]:
    """One JSON row (sorted keys, no newline) per data file of the mini-batch's work items."""
    return _worker.run(mini_batch)


def shutdown() -> None:
    """Print this worker's summary line once."""
    _worker.shutdown()


def summary() -> str:
    return _worker.summary()
