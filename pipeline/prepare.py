"""Step 1 of the data-path pipeline: list the input's parquet files as a work list of batched items.

    python prepare.py --input_folder <dir> --work_list <dir>
                      [--max_files_per_item 1000] [--max_bytes_per_item 1073741824]

Selection: regular files under --input_folder whose name ends in ".parquet" (any case, so
"b.PARQUET" counts but "a.xparquet" does not). Hidden files and folders (name starting with '.')
and symlinks (to files or folders) are skipped. The input folder is only ever read.

Output: the work items <work_list>/000000.jsonl, 000001.jsonl, ... (six digits, wider only past
999999 items) and nothing else. Each item is JSON Lines, one line per data file:

    {"relative_path": "2026/11/my file.parquet", "size_bytes": 123}

keys sorted, ASCII only (other characters as \\u escapes), POSIX separators, lines sorted by
relative_path (code point order). The same tree always gives the same bytes. One summary line goes
to stdout.

Batching: an item holds at most --max_files_per_item files and at most --max_bytes_per_item bytes,
except that a single file larger than the byte limit gets an item of its own. With n files of
`total` bytes, B = max(ceil(n / max_files), ceil(total / max_bytes)) items (at most n) are
planned, then:

1. Large files (above 1/8 of total / B) are placed largest first (equal sizes in path order),
   each into the currently lightest item (fewest bytes, then fewest files, then oldest) that is
   not full by count. If that item cannot take the file's bytes, no item can, and a new item is
   opened. So the B largest files land in B different items.
2. The other files, in path order, are poured into the items one after the other: an item takes
   files up to its level (the bytes still to place plus what this and later items already hold,
   shared evenly, judged at each file's midpoint), and beyond it only when the later items' free
   slots could not hold the files left. Each item thus holds one contiguous run of paths (files of
   the same folders together, which keeps hashing a million files fast), and items end within
   about one file of their level unless the count limit decides: when n is close to
   B * max_files, items are simply full runs of max_files files.

The item count stays B unless the byte limit forces more (files that do not pack, e.g. several
over half the limit). With the defaults and files far smaller than 1 GiB that is ceil(n / 1000).
Items are numbered in the order of their first relative path.

Exit codes (the same in every step script): 0 success; 1 failed (the step ran and its result is a
failure); 2 invalid (a bad argument or an input that cannot be used; nothing was done); 130
interrupted (Ctrl-C).
Here: 2 on a bad or unsafe argument (missing input, work list inside the input or not empty, limits
below 1), a folder that cannot be listed, or no parquet file found (stderr: "no .parquet files found
under <path>"), never with a partial work list; 1 when the work list cannot be written (it may then
be partial).
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import sys
from array import array
from pathlib import Path
from typing import Sequence

PARQUET_SUFFIX = ".parquet"
ITEM_SUFFIX = ".jsonl"
MIN_NAME_WIDTH = 6
DEFAULT_MAX_FILES = 1000
DEFAULT_MAX_BYTES = 1024**3
LARGE_FILE_SHARE = 8  # files above 1/8 of the average item's bytes are spread first (phase 1)
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2  # also argparse's own exit code for a bad argument


class PrepareError(Exception):
    """A refused run: the message is printed as is and the process exits non-zero."""

    def __init__(self, message: str, exit_code: int = EXIT_INVALID) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def list_parquet_files(input_folder: str | os.PathLike) -> tuple[list[str], array]:
    """Return (relative paths, sizes) of the parquet files under input_folder, sorted by path.

    The paths are POSIX relative paths; sizes[i] is the size of paths[i]. A list of str plus an
    array of int64 keeps a million files near 100 MB (dicts or tuples per file would double that).
    Any folder that cannot be listed raises OSError rather than being skipped.
    """
    root = os.fspath(input_folder)
    if not os.path.exists(root):
        raise FileNotFoundError(f"input folder does not exist: {root}")
    if not os.path.isdir(root):
        raise NotADirectoryError(f"input folder is not a directory: {root}")

    paths: list[str] = []
    sizes = array("q")
    pending = [""]  # relative folder prefixes still to list ("" is the root, others end in "/")
    while pending:
        prefix = pending.pop()
        with os.scandir(os.path.join(root, prefix) if prefix else root) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                # follow_symlinks=False: a symlink is neither a folder to enter nor a file to list.
                if entry.is_dir(follow_symlinks=False):
                    pending.append(prefix + name + "/")
                elif name[-len(PARQUET_SUFFIX):].lower() == PARQUET_SUFFIX and entry.is_file(follow_symlinks=False):
                    paths.append(prefix + name)
                    sizes.append(entry.stat(follow_symlinks=False).st_size)

    # Sorting a permutation keeps the two sequences aligned without building a tuple per file.
    order = sorted(range(len(paths)), key=paths.__getitem__)
    paths = [paths[i] for i in order]
    sizes = array("q", map(sizes.__getitem__, order))
    return paths, sizes


def plan_items(sizes: Sequence[int], max_files: int, max_bytes: int) -> list[array]:
    """Group file indices into balanced work items (see the module docstring for the algorithm).

    sizes are in path order; returns each item as an ascending array of indices into sizes, items
    ordered by their first index. Deterministic: the same sizes always give the same items.
    """
    if max_files < 1 or max_bytes < 1:
        raise ValueError("max_files and max_bytes must be at least 1")
    count = len(sizes)
    if count == 0:
        return []
    total = sum(sizes)
    # Never more items than files: a tiny byte limit must not allocate empty items.
    initial = min(max(-(-count // max_files), -(-total // max_bytes), 1), count)
    members = [array("I") for _ in range(initial)]
    loads = [0] * initial
    files = [0] * initial

    def add(number: int, index: int) -> None:
        members[number].append(index)
        loads[number] += sizes[index]
        files[number] += 1

    def new_item() -> int:
        members.append(array("I"))
        loads.append(0)
        files.append(0)
        return len(members) - 1

    # Phase 1: large files, largest first (stable sort: equal sizes in path order), each into the
    # lightest item that is not full by count. Open items are keyed (bytes, files, number).
    threshold = total / initial / LARGE_FILE_SHARE
    large = sorted((i for i in range(count) if sizes[i] > threshold), key=sizes.__getitem__, reverse=True)
    heap = [(0, 0, number) for number in range(initial)]
    for index in large:
        load, held, number = heapq.heappop(heap)
        if held and load + sizes[index] > max_bytes:
            # The lightest open item has no room, so none has: open a new one for this file.
            heapq.heappush(heap, (load, held, number))
            number = new_item()
        add(number, index)
        if files[number] < max_files:
            heapq.heappush(heap, (loads[number], files[number], number))

    # Phase 2: the other files in path order, poured into the items one after the other, so each
    # item holds one contiguous run of paths. An item takes files while it is under its level (the
    # bytes still to place, plus what this and later items already hold, shared evenly), and
    # beyond it when the later items' free slots could not hold the files left.
    planned = len(members)
    free_from = [0] * (planned + 1)  # free slots in items number .. planned-1 (untouched so far)
    held_from = [0] * (planned + 1)  # bytes phase 1 put into items number .. planned-1
    for number in range(planned - 1, -1, -1):
        free_from[number] = free_from[number + 1] + max_files - files[number]
        held_from[number] = held_from[number + 1] + loads[number]
    left_files = count - len(large)
    left_bytes = total - held_from[0]
    number = 0
    level = (left_bytes + held_from[0]) / planned
    for index in range(count):
        size = sizes[index]
        if size > threshold:
            continue  # placed in phase 1
        while True:
            if number == len(members):
                new_item()
            held, load = files[number], loads[number]
            fits = held < max_files and (held == 0 or load + size <= max_bytes)
            must = number >= planned or left_files > free_from[number + 1]
            # Compared at the file's midpoint, so items end as close to their level as files allow.
            if fits and (must or held == 0 or 2 * load + size <= 2 * level):
                break
            number += 1
            if number < planned:
                level = (left_bytes + held_from[number]) / (planned - number)
        add(number, index)
        left_files -= 1
        left_bytes -= size

    items = [array("I", sorted(item)) for item in members if item]
    items.sort(key=lambda item: item[0])
    return items


def _is_same_or_inside(path: Path, folder: Path) -> bool:
    path, folder = path.resolve(), folder.resolve()
    return path == folder or folder in path.parents


def _check_empty_folder(folder: Path) -> None:
    if folder.exists():
        if not folder.is_dir():
            raise PrepareError(f"work_list is not a directory: {folder}")
        with os.scandir(folder) as entries:
            if any(True for _ in entries):
                # Leftover items from an earlier run would silently be processed too.
                raise PrepareError(f"work_list folder is not empty: {folder}")


def check_folders(input_folder: Path, work_list: Path) -> None:
    """Refuse any layout where writing the work list could touch the input or mix with old items."""
    if not input_folder.exists():
        raise PrepareError(f"input folder does not exist: {input_folder}")
    if not input_folder.is_dir():
        raise PrepareError(f"input folder is not a directory: {input_folder}")
    if _is_same_or_inside(work_list, input_folder):
        raise PrepareError(
            f"work_list folder {work_list} is the input folder or inside it ({input_folder}); "
            "refusing to write into the input"
        )
    _check_empty_folder(work_list)


def item_names(count: int) -> list[str]:
    """Zero-padded, sortable names: 000000.jsonl, 000001.jsonl, ... wider only past 999999 items."""
    width = max(MIN_NAME_WIDTH, len(str(max(count - 1, 0))))
    return [f"{i:0{width}d}{ITEM_SUFFIX}" for i in range(count)]


def format_line(relative_path: str, size_bytes: int) -> str:
    """One work-item line: the bytes of json.dumps({...}, sort_keys=True) plus a newline, built directly."""
    # json.dumps escapes non-ASCII, so names that are not valid UTF-8 (surrogate escapes) round-trip.
    return f'{{"relative_path": {json.dumps(relative_path)}, "size_bytes": {int(size_bytes)}}}\n'


def write_work_list(paths: Sequence[str], sizes: Sequence[int], items: Sequence[Sequence[int]],
                    out_dir: str | os.PathLike) -> list[Path]:
    """Write one JSON Lines file per item into out_dir (created if missing); return the written paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _check_empty_folder(out)
    written = []
    for name, item in zip(item_names(len(items)), items):
        path = out / name
        text = "".join(format_line(paths[i], sizes[i]) for i in item)
        with open(path, "x", encoding="ascii", newline="\n") as fh:
            fh.write(text)
        written.append(path)
    return written


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {value}")
    return value


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="prepare.py", description="Write the parquet files of the input as batched work items.")
    parser.add_argument("--input_folder", required=True, type=Path, help="data folder to scan (read only)")
    parser.add_argument("--work_list", required=True, type=Path, help="empty or missing folder for the work items")
    parser.add_argument("--max_files_per_item", type=_positive_int, default=DEFAULT_MAX_FILES,
                        help=f"most files in one work item (default {DEFAULT_MAX_FILES})")
    parser.add_argument("--max_bytes_per_item", type=_positive_int, default=DEFAULT_MAX_BYTES,
                        help=f"most input bytes in one work item unless one file is larger (default {DEFAULT_MAX_BYTES})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        check_folders(args.input_folder, args.work_list)
        paths, sizes = list_parquet_files(args.input_folder)
        if not paths:
            raise PrepareError(f"no .parquet files found under {args.input_folder}")
        items = plan_items(sizes, args.max_files_per_item, args.max_bytes_per_item)
    except PrepareError as err:
        print(f"prepare.py: error: {err}", file=sys.stderr)
        return err.exit_code
    except OSError as err:
        print(f"prepare.py: error: {err}", file=sys.stderr)
        return EXIT_INVALID
    try:
        write_work_list(paths, sizes, items, args.work_list)
    except (PrepareError, OSError) as err:
        print(f"prepare.py: error: cannot write the work list: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(f"prepared {len(items)} work items ({len(paths)} files, {sum(sizes)} bytes) from {args.input_folder}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
