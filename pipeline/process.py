"""Step 2 of the data-path pipeline: entry script of the AML parallel step (run_function).

AML calls init() once per worker process, then run(mini_batch) many times, then shutdown() (also
registered with atexit, so the summary is printed once either way). Each mini-batch entry is the
path of a work item written by prepare.py: JSON Lines, one {"relative_path", "size_bytes"} line per
data file, the file being read from --input_root.

run() returns one row per data file (per non-blank work-item line), in work-item and line order,
each a one-line JSON object with sorted keys:

    relative_path  str as listed (null when the line has no usable relative_path)
    size_bytes     int, bytes hashed (null on error)
    sha256         hex digest of the content (null on error)
    row_count      int parquet row count when pyarrow is installed, else null (null on error)
    status         "ok" or "error"
    error          null, or "<work item> line <n>: <cause>"

A data file that is missing, unreadable, not a regular file, outside --input_root (absolute path,
'..', symlinked folder or file) or, with pyarrow, not parquet gives an error row and the other files
go on; so does a line that is not UTF-8 JSON naming a relative_path. Only a work item that cannot be
opened, or a bad argument, raises: AML then retries the whole mini-batch. Rows always outnumber or
equal the work items, so AML never counts a mini-batch item as failed; the check step
(check_results.py) judges the error rows.
"""

from __future__ import annotations

import argparse
import atexit
import errno
import hashlib
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

_input_root: str | None = None
# Real path of each relative folder seen, so a file costs one open instead of one lstat per component.
_real_folders: dict[str, str] = {}
# One reused buffer: a fresh 1 MiB bytes object per small file would dominate the hashing cost.
_buffer = bytearray(CHUNK_SIZE)
_view = memoryview(_buffer)
if hasattr(os, "readv"):
    def _readinto(fd: int, buffer: bytearray) -> int:
        return os.readv(fd, [buffer])
else:  # Windows
    def _readinto(fd: int, buffer: bytearray) -> int:
        data = os.read(fd, len(buffer))
        buffer[: len(data)] = data
        return len(data)
_stats = {"items": 0, "files": 0, "bytes": 0, "failures": 0}
_started: float | None = None
_summary_printed = False
_atexit_registered = False


def init(argv: list[str] | None = None) -> None:
    """Read --input_root; AML passes arguments of its own, so unknown ones are ignored."""
    global _input_root, _started, _summary_printed, _atexit_registered
    parser = argparse.ArgumentParser(description="AML parallel entry script for the data-path pipeline")
    parser.add_argument("--input_root", required=True, type=Path, help="input data folder (read only)")
    args, _unknown = parser.parse_known_args(argv)
    root = args.input_root
    if not root.is_dir():
        raise NotADirectoryError(f"--input_root is not a directory: {root}")
    # Resolved once so the containment checks compare real paths on both sides.
    _input_root = os.path.realpath(root)
    _real_folders.clear()
    _stats.update(items=0, files=0, bytes=0, failures=0)
    _started = time.monotonic()
    _summary_printed = False
    if not _atexit_registered:
        atexit.register(shutdown)
        _atexit_registered = True


class FileError(Exception):
    """One data file failed: becomes an error row, the mini-batch goes on."""


def _inside_root(real: str) -> bool:
    return real.startswith(_input_root + os.sep) or (_input_root == os.sep and real != os.sep)


def _escape_error(rel: str) -> FileError:
    return FileError(f"relative_path {rel!r} does not resolve inside the input root {_input_root}")


def _real_folder(folder: str, rel: str) -> str:
    real = _real_folders.get(folder)
    if real is None:
        real = os.path.realpath(os.path.join(_input_root, folder)) if folder else _input_root
        if real != _input_root and not _inside_root(real):
            raise _escape_error(rel)
        if len(_real_folders) >= FOLDER_CACHE_LIMIT:
            _real_folders.clear()
        _real_folders[folder] = real
    return real


def _open_target(rel: str) -> tuple[int, str]:
    """Open the file an untrusted relative_path names under the input root; return (fd, path)."""
    if "\0" in rel:
        raise FileError(f"relative_path {rel!r} contains a NUL character")
    if rel.startswith("/") or os.path.isabs(rel):
        raise FileError(f"relative_path {rel!r} is absolute")
    normal = posixpath.normpath(rel)
    if normal == ".." or normal.startswith("../"):
        raise _escape_error(rel)
    if normal != rel:
        # prepare.py writes normalized paths only; '.', '..' or '//' inside could mean several files.
        raise FileError(f"relative_path {rel!r} is not a normalized path")
    folder, _slash, name = rel.rpartition("/")
    path = os.path.join(_real_folder(folder, rel), name)
    if _NOFOLLOW:
        try:
            return os.open(path, _OPEN_FLAGS | _NOFOLLOW), path
        except OSError as err:
            if err.errno not in _SYMLINK_ERRNOS or not os.path.islink(path):
                raise _open_error(err, path) from err
    # A symlinked file (or a platform without O_NOFOLLOW): its target must be inside the root too.
    real = os.path.realpath(path)
    if not _inside_root(real):
        raise _escape_error(rel)
    try:
        return os.open(real, _OPEN_FLAGS), real
    except OSError as err:
        raise _open_error(err, real) from err


def _open_error(err: OSError, path: str) -> FileError:
    if err.errno == errno.ENOENT:
        return FileError(f"file {path} does not exist")
    return FileError(f"cannot open {path}: {err.strerror or err}")


def _hash_open_file(fd: int, path: str) -> tuple[str, int]:
    """sha256 and byte count of one read of fd, so both describe the same content; closes fd."""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FileError(f"{path} is not a regular file")
        digest = hashlib.sha256()
        size = 0
        try:
            while count := _readinto(fd, _buffer):
                digest.update(_view[:count])
                size += count
        except OSError as err:
            raise FileError(f"cannot read {path}: {err.strerror or err}") from err
        return digest.hexdigest(), size
    finally:
        os.close(fd)


def _row_count(path: str) -> int | None:
    if pq is None:
        return None
    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception as err:  # pyarrow raises several types
        raise FileError(f"{path} is not a readable parquet file: {err}") from err


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


def process_file(rel: str) -> dict:
    """The ok row of one data file, or raise FileError."""
    fd, path = _open_target(rel)
    sha256, size = _hash_open_file(fd, path)
    return {"relative_path": rel, "size_bytes": size, "sha256": sha256, "row_count": _row_count(path),
            "status": "ok", "error": None}


def _error_row(rel: str | None, message: str) -> dict:
    return {"relative_path": rel, "size_bytes": None, "sha256": None, "row_count": None,
            "status": "error", "error": message}


def process_work_item(work_item: str | os.PathLike) -> list[dict]:
    """Rows of every data file a work item lists. Raises OSError only when the item cannot be read."""
    if _input_root is None:
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
                rows.append(process_file(rel))
                continue
            except FileError as err:
                cause = str(err)
        rows.append(_error_row(rel, f"{item} line {number}: {cause}"))
    return rows


def _count(rows: list[dict]) -> None:
    _stats["items"] += 1
    for row in rows:
        _stats["files"] += 1
        if row["status"] == "ok":
            _stats["bytes"] += row["size_bytes"]
        else:
            _stats["failures"] += 1
            if _stats["failures"] <= LOGGED_ERRORS:
                print(f"process.py: error: {row['error']}", file=sys.stderr, flush=True)
            if _stats["failures"] == LOGGED_ERRORS:
                print("process.py: further errors of this worker are only in the result rows",
                      file=sys.stderr, flush=True)


def run(mini_batch: list) -> list[str]:
    """One JSON row (sorted keys, no newline) per data file of the mini-batch's work items."""
    if not isinstance(mini_batch, (list, tuple)):
        raise TypeError(f"mini_batch must be a list of work item paths, got {type(mini_batch).__name__}")
    out = []
    for work_item in mini_batch:
        rows = process_work_item(work_item)
        _count(rows)
        out.extend(json.dumps(row, sort_keys=True) for row in rows)
    return out


def summary() -> str:
    seconds = time.monotonic() - _started if _started is not None else 0.0
    return (f"process.py worker {os.getpid()}: {_stats['items']} work items, {_stats['files']} files, "
            f"{_stats['bytes']} bytes, {_stats['failures']} failures in {seconds:.1f} s")


def shutdown() -> None:
    """Print this worker's summary line once (AML calls shutdown() when a worker ends)."""
    global _summary_printed
    if _started is None or _summary_printed:
        return
    _summary_printed = True
    print(summary(), flush=True)
