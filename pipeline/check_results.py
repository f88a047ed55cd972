"""Step 3 of the data-path pipeline: judge the result rows the process step appended.

    python check_results.py --results <results.jsonl or folder> [--max_failed_files N] [--work_list <dir>]

--results is a JSON Lines file of process.py rows, or a folder whose non-hidden files (recursively,
in path order) all are. Blank lines are ignored; every other line must be a JSON object with
"status" "ok" (and an integer "size_bytes") or "error" (and a string "error"), and a
"relative_path" that is a string or null.

--max_failed_files N (default 0): failed files tolerated.
--work_list <dir> (optional): the prepare step's work items; a listed file without any result row
(its mini-batch failed or was skipped) then counts as a failed file too.

stdout, for example:

    results: /mnt/out/results.jsonl
    files: 1000 (998 ok, 2 failed)
    bytes: 104857600
    failed files (first 2 of 2):
      2026/11/a.parquet: /mnt/wl/000000.jsonl line 3: file /mnt/in/2026/11/a.parquet does not exist
      (no relative_path): /mnt/wl/000001.jsonl line 7: not valid JSON: ...
    summary: {"bytes": 104857600, "files": 1000, "files_failed": 2, "files_ok": 998}
    check failed: 2 failed files, more than --max_failed_files 0

The summary line is one JSON object (files = ok + failed, failed counting listed files without a
row too; bytes of the ok files). In an AML job it is also recorded as properties of the step's run
(datapath_files, datapath_files_ok, datapath_files_failed, datapath_bytes; strings), where
`aml-datapath runs` and `status` read it from run history. That uses azureml-core, which the
step's environment already has (conda.yaml); without it (a local run) nothing is recorded, and a
failure to record is printed on stderr without changing the exit code.

Exit codes (the same in every step script): 0 success; 1 failed (the step ran and its result is a
failure); 2 invalid (a bad argument or an input that cannot be used; nothing was done); 130
interrupted (Ctrl-C).
Here: 0 when failed files <= N; 1 when more; 2 when the input cannot be read or is not valid
(missing path, bad row, no row at all, unreadable work list) or on a bad argument.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Iterator

SHOWN_FAILURES = 10
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2  # also argparse's own exit code for a bad argument


class InvalidInput(Exception):
    """The results (or work list) cannot be judged: EXIT_INVALID."""


@dataclass
class Summary:
    files: int = 0
    ok: int = 0
    failed: int = 0
    bytes: int = 0
    sources: int = 0
    shown: list[tuple[str, str]] = field(default_factory=list)
    seen: set[str] | None = None  # relative paths with a row, kept only to compare with a work list

    def add_failure(self, relative_path: str | None, error: str) -> None:
        self.failed += 1
        if len(self.shown) < SHOWN_FAILURES:
            self.shown.append((relative_path if relative_path is not None else "(no relative_path)", error))


def _files_under(path: str) -> list[str]:
    """The non-hidden regular files under a folder, recursively, in path order."""
    found = []
    pending = [path]
    while pending:
        folder = pending.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    pending.append(entry.path)
                elif entry.is_file():
                    found.append(entry.path)
    return sorted(found)


def _lines(path: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of the non-blank lines of a file, decoded as UTF-8."""
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                yield number, raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise InvalidInput(f"{path} line {number}: not valid UTF-8: {err}") from None


def _printable(text: str) -> str:
    # Names may hold newlines or undecodable bytes (surrogate escapes): one escaped line each.
    return text if text.isprintable() else repr(text)[1:-1]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def add_row(summary: Summary, text: str, where: str) -> None:
    try:
        row = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInput(f"{where}: not valid JSON: {err}") from None
    if not isinstance(row, dict):
        raise InvalidInput(f"{where}: not a JSON object")
    rel, status = row.get("relative_path"), row.get("status")
    if rel is not None and not isinstance(rel, str):
        raise InvalidInput(f"{where}: relative_path is neither a string nor null")
    summary.files += 1
    if summary.seen is not None and rel is not None:
        summary.seen.add(rel)
    if status == "ok":
        size = row.get("size_bytes")
        if not _is_int(size) or size < 0:
            raise InvalidInput(f"{where}: an ok row needs a non-negative integer size_bytes")
        summary.ok += 1
        summary.bytes += size
    elif status == "error":
        error = row.get("error")
        if not isinstance(error, str):
            raise InvalidInput(f"{where}: an error row needs a string error")
        summary.add_failure(rel, error)
    else:
        raise InvalidInput(f"{where}: status is {status!r}, not 'ok' or 'error'")


def read_results(results: str, summary: Summary) -> None:
    if os.path.isdir(results):
        sources = _files_under(results)
    elif os.path.isfile(results):
        sources = [results]
    else:
        raise InvalidInput(f"results not found: {results}")
    for source in sources:
        for number, text in _lines(source):
            add_row(summary, text, f"{source} line {number}")
    summary.sources = len(sources)
    if summary.files == 0:
        raise InvalidInput(f"no result rows in {results}")


def listed_files(work_list: str) -> Iterator[str]:
    """relative_path of every line of every work item in a prepare.py work list."""
    if not os.path.isdir(work_list):
        raise InvalidInput(f"work list folder not found: {work_list}")
    for item in _files_under(work_list):
        for number, text in _lines(item):
            try:
                rel = json.loads(text).get("relative_path")
            except (json.JSONDecodeError, AttributeError):
                rel = None
            if not isinstance(rel, str):
                raise InvalidInput(f"{item} line {number}: not a work-item line with a relative_path")
            yield rel


def compare_with_work_list(summary: Summary, work_list: str) -> tuple[int, int]:
    """Count listed files without a row as failures; return (listed, without a row)."""
    listed = missing = 0
    for rel in listed_files(work_list):
        listed += 1
        if rel not in summary.seen:
            missing += 1
            summary.add_failure(rel, "no result row (its mini-batch failed or was skipped)")
    return listed, missing


# Run properties the summary is recorded as (the CLI reads them: cli/usage.ts, SUMMARY_PROPERTIES).
SUMMARY_PROPERTIES = {"files": "datapath_files", "files_ok": "datapath_files_ok",
                      "files_failed": "datapath_files_failed", "bytes": "datapath_bytes"}


def summary_fields(summary: Summary) -> dict[str, int]:
    """The one-line summary's fields."""
    return {"files": summary.ok + summary.failed, "files_ok": summary.ok, "files_failed": summary.failed,
            "bytes": summary.bytes}


def record_on_run(fields: dict[str, int]) -> None:
    """Best effort: the summary as properties of the AML run this step runs as (azureml-core's Run)."""
    try:
        from azureml.core import Run  # in the step's environment (conda.yaml); absent in a local run
    except Exception:  # ImportError, or a broken install: nothing to record with
        return
    try:
        run = Run.get_context()
        if str(getattr(run, "id", "")).startswith("OfflineRun"):
            return  # not inside an AML job
        run.add_properties({SUMMARY_PROPERTIES[key]: str(value) for key, value in fields.items()})
    except Exception as err:  # the verdict stands either way
        print(f"check_results.py: could not record the summary on the run: {err}", file=sys.stderr)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="check_results.py", description="Judge the process step's result rows.")
    parser.add_argument("--results", required=True, help="results JSON Lines file, or a folder of them")
    parser.add_argument("--max_failed_files", type=int, default=0, help="failed files tolerated (default 0)")
    parser.add_argument("--work_list", help="prepare's work list: listed files without a row count as failed")
    args = parser.parse_args(argv)
    if args.max_failed_files < 0:
        parser.error(f"--max_failed_files must be at least 0, got {args.max_failed_files}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    summary = Summary(seen=set() if args.work_list else None)
    try:
        read_results(args.results, summary)
        compared = compare_with_work_list(summary, args.work_list) if args.work_list else None
    except (InvalidInput, OSError) as err:
        print(f"check_results.py: error: {err}", file=sys.stderr)
        return EXIT_INVALID

    print(f"results: {_printable(args.results)}" + (f" ({summary.sources} files)" if os.path.isdir(args.results) else ""))
    print(f"files: {summary.files} ({summary.ok} ok, {summary.files - summary.ok} failed)")
    print(f"bytes: {summary.bytes}")
    if compared is not None:
        print(f"work list: {compared[0]} files listed, {compared[1]} without a result row")
    if summary.shown:
        print(f"failed files (first {len(summary.shown)} of {summary.failed}):")
        for rel, error in summary.shown:
            print(f"  {_printable(rel)}: {_printable(error)}")
    fields = summary_fields(summary)
    print(f"summary: {json.dumps(fields, sort_keys=True)}")
    sys.stdout.flush()
    record_on_run(fields)
    if summary.failed > args.max_failed_files:
        print(f"check failed: {summary.failed} failed files, more than --max_failed_files {args.max_failed_files}")
        return EXIT_FAILED
    print(f"check passed: {summary.failed} failed files, at most --max_failed_files {args.max_failed_files}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
