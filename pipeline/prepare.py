"""Step 1 of the data-path pipeline: list the input's parquet files as a work list.

Writes one small JSON manifest per parquet file into --work_list, so the parallel step (process.py)
can spread the files over workers in mini-batches. The input folder is only ever read.

    python prepare.py --input_folder <dir> --work_list <dir>

Exit codes: 0 on success, 1 on a bad or unsafe argument, 2 when no parquet file was found.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

PARQUET_SUFFIX = ".parquet"
MIN_NAME_WIDTH = 6
EXIT_INVALID = 1
EXIT_NO_FILES = 2


class PrepareError(Exception):
    """A refused run: the message is printed as is and the process exits non-zero."""

    def __init__(self, message: str, exit_code: int = EXIT_INVALID) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _raise(err: OSError) -> None:
    # os.walk skips unreadable folders silently by default; a partial work list must fail instead.
    raise err


def build_work_list(input_folder: Path) -> list[dict]:
    """Return one item per parquet file under input_folder, sorted by POSIX relative path.

    Hidden files and folders (name starting with '.') and symlinks are skipped: symlinks could point
    outside the input root, and process.py refuses paths that resolve outside it.
    """
    root = Path(input_folder)
    if not root.exists():
        raise FileNotFoundError(f"input folder does not exist: {root}")
    if not root.is_dir():
        raise NotADirectoryError(f"input folder is not a directory: {root}")

    items = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=_raise, followlinks=False):
        # Pruning in place stops os.walk from descending into hidden folders; with followlinks=False
        # it never descends into symlinked ones.
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(PARQUET_SUFFIX):
                continue
            full = Path(dirpath, name)
            if full.is_symlink() or not full.is_file():
                continue
            rel = full.relative_to(root).as_posix()
            items.append({"relative_path": rel, "size_bytes": full.stat().st_size})

    items.sort(key=lambda item: item["relative_path"])
    return items


def _is_same_or_inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def check_folders(input_folder: Path, work_list: Path) -> None:
    """Refuse any layout where writing the work list could touch the input folder."""
    if not input_folder.exists():
        raise PrepareError(f"input folder does not exist: {input_folder}")
    if not input_folder.is_dir():
        raise PrepareError(f"input folder is not a directory: {input_folder}")
    if _is_same_or_inside(work_list, input_folder):
        raise PrepareError(
            f"work_list folder {work_list} is the input folder or inside it ({input_folder}); "
            "refusing to write into the input"
        )


def manifest_names(count: int) -> list[str]:
    """Zero-padded, sortable names: 000000.json, 000001.json, ... wider only past 999999 items."""
    width = max(MIN_NAME_WIDTH, len(str(max(count - 1, 0))))
    return [f"{i:0{width}d}.json" for i in range(count)]


def write_work_list(items: list[dict], out_dir: Path) -> list[Path]:
    """Write one manifest per item into out_dir (created if missing); return the written paths.

    out_dir must be empty: leftover manifests from an earlier run would silently be processed too.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise PrepareError(f"work_list folder is not empty: {out}")

    written = []
    for name, item in zip(manifest_names(len(items)), items):
        path = out / name
        # ensure_ascii keeps file names that are not valid UTF-8 (surrogate escapes) round-trippable.
        text = json.dumps(
            {"relative_path": item["relative_path"], "size_bytes": int(item["size_bytes"])},
            sort_keys=True,
        )
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text + "\n")
        written.append(path)
    return written


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Write one JSON manifest per parquet file of the input.")
    parser.add_argument("--input_folder", required=True, type=Path, help="data folder to scan (read only)")
    parser.add_argument("--work_list", required=True, type=Path, help="folder to write the manifests into")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_folders(args.input_folder, args.work_list)
        items = build_work_list(args.input_folder)
        if not items:
            raise PrepareError(f"no .parquet files found under {args.input_folder}", EXIT_NO_FILES)
        write_work_list(items, args.work_list)
    except PrepareError as err:
        print(f"prepare.py: error: {err}", file=sys.stderr)
        return err.exit_code
    except OSError as err:
        print(f"prepare.py: error: {err}", file=sys.stderr)
        return EXIT_INVALID
    print(f"prepared {len(items)} work items from {args.input_folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
