"""Run the data-path pipeline on a local folder the way AML runs its three steps.

    python -m pipeline.local_run --spec <spec.json> --path <folder> --out <dir> [--workers N]
    python3 pipeline/local_run.py --spec <spec.json> --path <folder> --out <dir> [--workers N]

spec.json (written by the TypeScript CLI from the real component specs):

    {"prepare": {"code_dir": "<dir>", "command": "python prepare.py --input_folder ${{inputs.input_datapath}} ..."},
     "process": {"code_dir": "<dir>", "entry_script": "process.py",
                 "program_arguments": "--input_root ${{inputs.input_root}}", "mini_batch_size": "4",
                 "error_threshold": -1, "mini_batch_error_threshold": 0, "max_retries": 2},
     "check": {"code_dir": "<dir>", "command": "python check_results.py --results ${{inputs.results}} ..."}}

Bindings: ${{inputs.input_datapath}} and ${{inputs.input_root}} are --path, ${{outputs.work_list}} is
<out>/work_list (also ${{inputs.work_list}} of check) and ${{inputs.results}} is <out>/results.jsonl, all absolute and shell-quoted before
the string is split with shlex; a leading `python` (or `python3`) is this interpreter. Commands run
in their code_dir.

1. prepare runs as a subprocess, its output passed through.
2. process: --workers processes (default: CPU count, at most one per mini-batch) each import
   entry_script from code_dir, call init(program arguments) once, run(mini_batch) for mini-batches
   of mini_batch_size work-list files in name order, and shutdown() at the end if it exists.
   Like AML, a mini-batch whose run() raises (or whose worker dies) is retried up to max_retries
   times; one still failing counts against mini_batch_error_threshold and its items against
   error_threshold (-1: unlimited; a run() returning fewer rows than items also counts the
   difference), and exceeding either stops the step. Returned rows are appended to
   <out>/results.jsonl, one per line, in completion order.
3. check runs as a subprocess when process did not stop.

Progress goes to stdout: one updating line on a terminal, a log line every few seconds otherwise,
then "process: ... files/s ..." with the step's throughput.

Exit codes (the same in every step script): 0 success; 1 failed (the step ran and its result is a
failure); 2 invalid (a bad argument or an input that cannot be used; nothing was done); 130
interrupted (Ctrl-C).
Here: 0 when every step passed; 1 when a step failed (prepare exit 1, a worker that cannot init, a
threshold exceeded, check exit non-zero: the check also counts files of failed mini-batches); 2 when
the run cannot start (bad argument or spec, <out> not empty) or prepare refused the input with its
exit 2 (e.g. no parquet files: prepare's message on stderr); 130 on Ctrl-C (workers are terminated).
The CLI's `aml-datapath local` passes these codes on: they mean the same there.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import multiprocessing
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import time
import traceback
from collections import deque
from dataclasses import dataclass

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_INVALID = 2  # also argparse's own exit code for a bad argument
EXIT_INTERRUPTED = 130
WORK_LIST = "work_list"
RESULTS = "results.jsonl"
LOG_INTERVAL = 5.0
TTY_INTERVAL = 0.2
POLL_SECONDS = 0.2

_BINDING = re.compile(r"\$\{\{\s*([^{}]*?)\s*\}\}")


class UsageError(Exception):
    """The run cannot start: EXIT_INVALID."""


@dataclass(frozen=True)
class Command:
    code_dir: str
    command: str


@dataclass(frozen=True)
class ParallelStep:
    code_dir: str
    entry_script: str
    program_arguments: str
    mini_batch_size: int
    error_threshold: int
    mini_batch_error_threshold: int
    max_retries: int


@dataclass(frozen=True)
class Spec:
    prepare: Command
    process: ParallelStep
    check: Command


def _field(step: dict, name: str, where: str, kind: type):
    value = step.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise UsageError(f"spec {where}.{name} must be a {kind.__name__}, got {value!r}")
    return value


def _code_dir(step: dict, where: str) -> str:
    code_dir = _field(step, "code_dir", where, str)
    if not os.path.isdir(code_dir):
        raise UsageError(f"spec {where}.code_dir is not a folder: {code_dir}")
    return os.path.abspath(code_dir)


def _threshold(step: dict, name: str, minimum: int) -> int:
    value = _field(step, name, "process", int)
    if value < minimum:
        raise UsageError(f"spec process.{name} must be at least {minimum}, got {value}")
    return value


def load_spec(path: str) -> Spec:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UsageError(f"cannot read spec {path}: {err}") from None
    steps = {}
    for name in ("prepare", "process", "check"):
        step = data.get(name) if isinstance(data, dict) else None
        if not isinstance(step, dict):
            raise UsageError(f"spec {path} has no {name!r} object")
        steps[name] = step
    process = steps["process"]
    size = process.get("mini_batch_size")
    # AML takes the size as a string; for a folder input it counts files.
    if isinstance(size, bool) or not (isinstance(size, int) or (isinstance(size, str) and size.isdigit())) or int(size) < 1:
        raise UsageError(f"spec process.mini_batch_size must be a positive file count, got {size!r}")
    return Spec(
        prepare=Command(_code_dir(steps["prepare"], "prepare"), _field(steps["prepare"], "command", "prepare", str)),
        process=ParallelStep(
            code_dir=_code_dir(process, "process"),
            entry_script=_field(process, "entry_script", "process", str),
            program_arguments=_field(process, "program_arguments", "process", str),
            mini_batch_size=int(size),
            error_threshold=_threshold(process, "error_threshold", -1),
            mini_batch_error_threshold=_threshold(process, "mini_batch_error_threshold", -1),
            max_retries=_threshold(process, "max_retries", 0),
        ),
        check=Command(_code_dir(steps["check"], "check"), _field(steps["check"], "command", "check", str)),
    )


def substitute(template: str, bindings: dict[str, str]) -> list[str]:
    """Replace ${{...}} bindings by shell-quoted values, then split like a shell would."""

    def replace(match: re.Match) -> str:
        key = match.group(1)
        if key not in bindings:
            raise UsageError(f"unknown binding ${{{{{key}}}}} in {template!r}")
        return shlex.quote(bindings[key])

    try:
        argv = shlex.split(_BINDING.sub(replace, template))
    except ValueError as err:
        raise UsageError(f"cannot split {template!r}: {err}") from None
    if not argv:
        raise UsageError("empty command in the spec")
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return argv


# ---- process step: worker side -------------------------------------------------------------------


def load_entry_script(code_dir: str, entry_script: str):
    """Import entry_script from code_dir as AML does: the code folder is on sys.path."""
    path = os.path.join(code_dir, entry_script)
    name = os.path.splitext(os.path.basename(entry_script))[0]
    sys.path.insert(0, code_dir)
    module_spec = importlib.util.spec_from_file_location(name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"cannot import entry script {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


def _worker(worker_id: int, code_dir: str, entry_script: str, argv: list[str], tasks, results) -> None:
    """Worker process: init once, run mini-batches from tasks until None, then shutdown."""
    # Ctrl-C reaches the whole process group: only the parent handles it (it terminates workers).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        module = load_entry_script(code_dir, entry_script)
        # As AML's run driver: the program arguments are in sys.argv and init() takes none.
        sys.argv = [entry_script, *argv]
        module.init()
    except BaseException:  # noqa: BLE001 - anything init raises (SystemExit too) stops the step
        results.put(("init_failed", worker_id, traceback.format_exc()))
        return
    while (task := tasks.get()) is not None:
        batch_id, paths = task
        try:
            rows = [row if isinstance(row, str) else str(row) for row in module.run(list(paths))]
        except BaseException:  # noqa: BLE001 - AML counts any exception as a failed mini-batch
            results.put(("failed", worker_id, (batch_id, traceback.format_exc())))
        else:
            # One joined string pickles far faster than thousands of small ones.
            text = "".join(row + "\n" for row in rows)
            results.put(("done", worker_id, (batch_id, len(rows), text)))
    shutdown = getattr(module, "shutdown", None)
    if callable(shutdown):
        try:
            shutdown()
        except Exception:  # noqa: BLE001 - the rows are already in; report and go on
            traceback.print_exc()
    sys.stdout.flush()
    results.put(("exited", worker_id, None))


# ---- process step: parent side -------------------------------------------------------------------


class Progress:
    """One updating line on a terminal, a plain line every LOG_INTERVAL seconds otherwise."""

    def __init__(self, total: int, out=None) -> None:
        self.total, self.out = total, out or sys.stdout
        self.tty = self.out.isatty()
        self.started = self.last = time.monotonic()

    def _line(self, items: int, files: int) -> str:
        seconds = max(time.monotonic() - self.started, 1e-9)
        return f"process: {items}/{self.total} items, {files} files, {files / seconds:.0f} files/s"

    def update(self, items: int, files: int, force: bool = False) -> None:
        now = time.monotonic()
        if self.tty and (force or now - self.last >= TTY_INTERVAL):
            self.out.write("\r\x1b[K" + self._line(items, files))
            self.out.flush()
            self.last = now
        elif not self.tty and (force or now - self.last >= LOG_INTERVAL):
            print(self._line(items, files), file=self.out, flush=True)
            self.last = now

    def done(self) -> None:
        if self.tty:
            self.out.write("\r\x1b[K")
            self.out.flush()


@dataclass
class ProcessOutcome:
    workers: int
    items: int = 0
    rows: int = 0
    failed_batches: int = 0
    seconds: float = 0.0
    stopped: str = ""  # why the step stopped early (init failure, threshold exceeded), else ""


def _say(text: str) -> None:
    # On a terminal, first clear a progress line that may be showing.
    print(("\r\x1b[K" if sys.stdout.isatty() else "") + f"local_run: {text}", flush=True)


def run_parallel(step: ParallelStep, work_list: str, argv: list[str], results_path: str,
                 workers: int) -> ProcessOutcome:
    """Run the parallel step over the files of work_list; append rows to results_path."""
    items = sorted(entry.path for entry in os.scandir(work_list) if entry.is_file())
    size = step.mini_batch_size
    batches = [items[i:i + size] for i in range(0, len(items), size)]
    workers = max(1, min(workers, len(batches)))
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    pending = deque(range(len(batches)))
    attempts = [0] * len(batches)
    # worker id -> (process, its task queue, batch in flight or None)
    pool: dict[int, list] = {}
    next_id = 0

    def start_worker() -> None:
        nonlocal next_id
        tasks = context.Queue()
        proc = context.Process(target=_worker, name=f"local_run-worker-{next_id}", daemon=True,
                               args=(next_id, step.code_dir, step.entry_script, argv, tasks, results))
        proc.start()
        pool[next_id] = [proc, tasks, None]
        next_id += 1

    outcome = ProcessOutcome(workers=workers)
    failed_items = done_items = 0
    progress = Progress(len(items))
    started = time.monotonic()

    def fail_batch(batch_id: int, reason: str) -> None:
        nonlocal failed_items
        attempts[batch_id] += 1
        if attempts[batch_id] <= step.max_retries:
            _say(f"mini-batch {batch_id} failed (attempt {attempts[batch_id]}), retrying: {reason.strip().splitlines()[-1]}")
            pending.append(batch_id)
            return
        outcome.failed_batches += 1
        failed_items += len(batches[batch_id])
        _say(f"mini-batch {batch_id} failed after {attempts[batch_id]} attempts "
             f"({len(batches[batch_id])} work items without rows):\n{reason.rstrip()}")

    def over_threshold() -> str:
        if step.mini_batch_error_threshold != -1 and outcome.failed_batches > step.mini_batch_error_threshold:
            return (f"{outcome.failed_batches} failed mini-batches, more than mini_batch_error_threshold "
                    f"{step.mini_batch_error_threshold}")
        if step.error_threshold != -1 and failed_items > step.error_threshold:
            return f"{failed_items} failed items, more than error_threshold {step.error_threshold}"
        return ""

    for _ in range(workers):
        start_worker()
    try:
        with open(results_path, "x", encoding="utf-8", errors="surrogateescape", newline="\n") as out:
            while pending or any(slot[2] is not None for slot in pool.values()):
                for slot in pool.values():
                    if slot[2] is None and pending:
                        slot[2] = pending.popleft()
                        slot[1].put((slot[2], batches[slot[2]]))
                try:
                    kind, worker_id, payload = results.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    # A worker that died without a word (killed, crashed) must not keep its mini-batch.
                    for worker_id, slot in list(pool.items()):
                        if not slot[0].is_alive():
                            del pool[worker_id]
                            if slot[2] is not None:
                                fail_batch(slot[2], f"worker exited with code {slot[0].exitcode}")
                            start_worker()
                    progress.update(done_items, outcome.rows)
                    outcome.stopped = over_threshold()
                    if outcome.stopped:
                        break
                    continue
                if kind == "init_failed":
                    outcome.stopped = f"a worker could not init the entry script:\n{payload}"
                    break
                slot = pool[worker_id]
                batch_id = slot[2]
                slot[2] = None
                if kind == "done":
                    _batch, count, text = payload
                    out.write(text)
                    outcome.rows += count
                    done_items += len(batches[batch_id])
                    failed_items += max(0, len(batches[batch_id]) - count)
                else:
                    fail_batch(batch_id, payload[1])
                progress.update(done_items, outcome.rows)
                outcome.stopped = over_threshold()
                if outcome.stopped:
                    break
            progress.update(done_items, outcome.rows, force=True)
    except KeyboardInterrupt:
        outcome.stopped = "interrupted"
        raise
    finally:
        progress.done()
        _stop_workers(pool, results, graceful=not outcome.stopped)
    outcome.items = done_items
    outcome.seconds = time.monotonic() - started
    return outcome


def _stop_workers(pool: dict[int, list], results, graceful: bool) -> None:
    """Let idle workers run shutdown() and exit; terminate them when the step stopped early."""
    if graceful:
        for proc, tasks, _batch in pool.values():
            if proc.is_alive():
                tasks.put(None)
        deadline = time.monotonic() + 60
        waiting = {worker_id for worker_id, slot in pool.items() if slot[0].is_alive()}
        while waiting and time.monotonic() < deadline:
            try:
                kind, worker_id, _payload = results.get(timeout=POLL_SECONDS)
                if kind == "exited":
                    waiting.discard(worker_id)
            except queue.Empty:
                waiting = {w for w in waiting if pool[w][0].is_alive()}
    for proc, _tasks, _batch in pool.values():
        if proc.is_alive() and not graceful:
            proc.terminate()
        proc.join(timeout=10)
        if proc.is_alive():
            proc.kill()
            proc.join()


# ---- the pipeline --------------------------------------------------------------------------------


def _run_command(name: str, command: Command, bindings: dict[str, str]) -> int:
    argv = substitute(command.command, bindings)
    _say(f"{name}: {shlex.join(argv)}")
    try:
        return subprocess.run(argv, cwd=command.code_dir, check=False).returncode
    except OSError as err:
        print(f"local_run: error: cannot start the {name} step: {err}", file=sys.stderr)
        return EXIT_FAILED


def run_pipeline(spec: Spec, path: str, out: str, workers: int) -> int:
    work_list = os.path.join(out, WORK_LIST)
    results = os.path.join(out, RESULTS)
    bindings = {
        "inputs.input_datapath": path,
        "inputs.input_root": path,
        "outputs.work_list": work_list,
        "inputs.results": results,
        "inputs.work_list": work_list,
    }
    # Every command is checked before anything runs.
    process_argv = substitute(spec.process.program_arguments, bindings)
    substitute(spec.check.command, bindings)

    code = _run_command("prepare", spec.prepare, bindings)
    if code == EXIT_INVALID:
        # The same code as prepare's: e.g. no parquet files under --path (prepare said so on stderr).
        print(f"local_run: error: prepare refused the input (exit {code}); nothing was processed", file=sys.stderr)
        return EXIT_INVALID
    if code != 0:
        print(f"local_run: error: prepare failed (exit {code})", file=sys.stderr)
        return EXIT_FAILED

    _say(f"process: {spec.process.entry_script} {shlex.join(process_argv)}")
    outcome = run_parallel(spec.process, work_list, process_argv, results, workers)
    rate = outcome.rows / outcome.seconds if outcome.seconds else 0.0
    _say(f"process: {outcome.items} work items, {outcome.rows} files in {outcome.seconds:.2f} s "
         f"({rate:.0f} files/s with {outcome.workers} workers), {outcome.failed_batches} failed mini-batches")
    if outcome.stopped:
        print(f"local_run: error: process step stopped: {outcome.stopped}", file=sys.stderr)
        return EXIT_FAILED

    code = _run_command("check", spec.check, bindings)
    if code != 0:
        print(f"local_run: error: check failed (exit {code})", file=sys.stderr)
        return EXIT_FAILED
    # Within mini_batch_error_threshold AML goes on; the check step (with --work_list) counts the files
    # of failed mini-batches, which have no rows, against its threshold, as it does on AML.
    _say(f"all steps passed; results in {results}")
    return EXIT_OK


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="local_run", description="Run the data-path pipeline locally from its component specs.")
    parser.add_argument("--spec", required=True, help="spec.json written by the CLI")
    parser.add_argument("--path", required=True, help="input folder (the data path)")
    parser.add_argument("--out", required=True, help="empty or missing folder for work_list/ and results.jsonl")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="worker processes (default: CPU count)")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error(f"--workers must be at least 1, got {args.workers}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        spec = load_spec(args.spec)
        out = os.path.abspath(args.out)
        if os.path.exists(out) and (not os.path.isdir(out) or os.listdir(out)):
            raise UsageError(f"--out must be a missing or empty folder: {out}")
        os.makedirs(out, exist_ok=True)
        return run_pipeline(spec, os.path.abspath(args.path), out, args.workers)
    except UsageError as err:
        print(f"local_run: error: {err}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("\nlocal_run: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
