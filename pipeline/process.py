"""Step 2 of the data-path pipeline: entry script of the AML parallel step (run_function).

AML calls init() once per worker process, then run(mini_batch) many times. Each mini-batch item
is the path of a manifest written by prepare.py; the file it names is read from --input_root.
run() returns one JSON row per manifest; AML appends the rows to the step's output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path, PurePosixPath

try:
    import pyarrow.parquet as pq
except ImportError:  # row_count is then reported as null
    pq = None

CHUNK_SIZE = 1024 * 1024

_input_root: Path | None = None


def init(argv: list[str] | None = None) -> None:
    """Read --input_root; AML passes arguments of its own, so unknown ones are ignored."""
    global _input_root
    parser = argparse.ArgumentParser(description="AML parallel entry script for the data-path pipeline")
    parser.add_argument("--input_root", required=True, type=Path, help="input data folder (read only)")
    args, _unknown = parser.parse_known_args(argv)
    root = args.input_root
    if not root.is_dir():
        raise NotADirectoryError(f"--input_root is not a directory: {root}")
    # Resolved once so the containment check below compares real paths on both sides.
    _input_root = root.resolve()


def _read_manifest(manifest: Path) -> str:
    try:
        with open(manifest, encoding="utf-8") as fh:
            data = json.load(fh)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"manifest {manifest} is not valid UTF-8 JSON: {err}") from err
    rel = data.get("relative_path") if isinstance(data, dict) else None
    if not isinstance(rel, str) or not rel or "\0" in rel:
        raise ValueError(f"manifest {manifest} has no valid relative_path")
    return rel


def _resolve_target(root: Path, rel: str, manifest: Path) -> Path:
    """Map an untrusted relative_path to a file under root, or raise."""
    if PurePosixPath(rel).is_absolute() or os.path.isabs(rel):
        raise ValueError(f"manifest {manifest}: relative_path {rel!r} is absolute")
    # resolve() follows '..' and symlinks, so anything escaping the root is caught here.
    target = (root / rel).resolve()
    if root not in target.parents:
        raise ValueError(
            f"manifest {manifest}: relative_path {rel!r} does not resolve inside the input root {root}"
        )
    if not target.is_file():
        raise FileNotFoundError(
            f"manifest {manifest}: referenced file {target} does not exist or is not a file"
        )
    return target


def _hash_file(path: Path) -> tuple[str, int]:
    """sha256 and byte count of one read, so both describe the same content."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _row_count(path: Path) -> int | None:
    if pq is None:
        return None
    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception as err:  # pyarrow raises several types; re-raised with the file named
        raise ValueError(f"{path} is not a readable parquet file: {err}") from err


def process_manifest(manifest: str | os.PathLike) -> dict:
    if _input_root is None:
        raise RuntimeError("init() must be called before run()")
    manifest = Path(manifest)
    rel = _read_manifest(manifest)
    target = _resolve_target(_input_root, rel, manifest)
    sha256, size = _hash_file(target)
    return {"relative_path": rel, "size_bytes": size, "sha256": sha256, "row_count": _row_count(target)}


def run(mini_batch: list) -> list[str]:
    """One JSON row (sorted keys, no newline) per manifest, in mini-batch order.

    Any bad manifest raises, which fails the whole mini-batch; the job's error threshold decides
    whether the run goes on.
    """
    if not isinstance(mini_batch, (list, tuple)):
        raise TypeError(f"mini_batch must be a list of manifest paths, got {type(mini_batch).__name__}")
    return [json.dumps(process_manifest(item), sort_keys=True) for item in mini_batch]
