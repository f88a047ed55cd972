"""Benchmark of the Python pipeline steps at 10^4, 10^5 and 10^6 input files.

    python3 bench/pipeline_bench.py [--sizes 10000 100000 1000000] [--repeat 3]
                                    [--root /tmp/aml-datapath-bench] [--output bench/PIPELINE-RESULTS.md]

Trees of 100-byte fake parquet files in folders of 200 (g<k>/d<j>/part-<i>.parquet) are built
under --root/<n> once and reused (a tree is renamed into place only when complete); nothing is
written inside the repository except the results file. Per size it measures, with a warm page cache:

- prepare.py (defaults: 1000 files or 1 GiB per item): wall time and peak RSS, as a subprocess
  (rusage of os.wait4), median wall time of --repeat runs and their highest RSS;
- the same for a bare os.scandir listing that stats every file's size, and the ratio;
- the number of work-list files prepare wrote;
- local_run.py (the real pipeline steps, check included) with 1 worker and with one per CPU:
  throughput of its process step (files/s, total and per worker), against
  `xargs -0 sha256sum` over the same files (one sha256sum process at a time).

Targets: prepare within 2x of the listing's time, peak RSS under 300 MB, local_run within 2x of
sha256sum per worker, work-list files <= ceil(n/1000) + 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PIPELINE = REPO / "pipeline"
FILES_PER_FOLDER = 200
FOLDERS_PER_GROUP = 100
FILE_SIZE = 100
RSS_LIMIT_MB = 300

LISTING = """
import os, sys
count = total = 0
pending = [sys.argv[1]]
while pending:
    with os.scandir(pending.pop()) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
            else:
                count += 1
                total += entry.stat(follow_symlinks=False).st_size
print(count, total)
"""


def ensure_tree(root: Path, n: int) -> Path:
    """The tree of n files under root/n, built only when missing."""
    tree = root / str(n)
    if tree.is_dir():
        return tree
    root.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{n}.partial-", dir=root))
    print(f"building {tree} ({n} files)...", flush=True)
    started = time.monotonic()
    folder = partial
    for i in range(n):
        if i % FILES_PER_FOLDER == 0:
            number = i // FILES_PER_FOLDER
            folder = partial / f"g{number // FOLDERS_PER_GROUP:03d}" / f"d{number:05d}"
            folder.mkdir(parents=True)
        body = b"%0*d" % (FILE_SIZE - 8, i)
        (folder / f"part-{i % FILES_PER_FOLDER:03d}.parquet").write_bytes(b"PAR1" + body + b"PAR1")
    os.rename(partial, tree)
    print(f"built in {time.monotonic() - started:.0f} s", flush=True)
    return tree


@dataclass
class Measure:
    seconds: float
    rss_mb: float
    code: int
    stdout: str


def measure(argv: list[str], cwd: Path | None = None) -> Measure:
    """Wall time and peak RSS of one subprocess (its own rusage, children excluded)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} exited {proc.returncode}:\n{text}")
    return Measure(seconds, usage.ru_maxrss / 1024, proc.returncode, text)  # ru_maxrss is KiB on Linux


def repeated(argv_for_run, repeat: int) -> tuple[float, float, Measure]:
    runs = [measure(argv_for_run(i)) for i in range(repeat)]
    return statistics.median(r.seconds for r in runs), max(r.rss_mb for r in runs), runs[-1]


def sha256sum_rates(tree: Path, work_list: Path, scratch: Path, repeat: int, processes: int) -> tuple[float, float]:
    """files/s of `xargs -0 sha256sum` (one process at a time) and of `xargs -P <processes>`."""
    names = scratch / "files.list0"
    paths = sorted(json.loads(line)["relative_path"] for item in work_list.iterdir()
                   for line in item.read_text(encoding="ascii").splitlines())
    with open(names, "wb") as fh:
        for rel in paths:
            fh.write(os.fsencode(str(tree / rel)) + b"\0")
    per_call = max(1, math.ceil(len(paths) / (processes * 8)))
    single = ["xargs", "-0", "-a", str(names), "sha256sum"]
    parallel = ["xargs", "-0", "-a", str(names), "-P", str(processes), "-n", str(per_call), "sha256sum"]
    # A first read of fresh files also writes their access times: keep that out of the figures.
    subprocess.run(single, stdout=subprocess.DEVNULL, check=True)
    rates = []
    for argv in (single, parallel):
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter() - started)
        rates.append(len(paths) / statistics.median(times))
    return rates[0], rates[1]


def real_spec() -> dict:
    """The spec `aml-datapath local` runs with: built by the component-spec functions, for the first environment."""
    script = ('require("ts-node").register({ transpileOnly: true });'
              'const { localSpec } = require("./cli/local");'
              'console.log(JSON.stringify(localSpec(require("./stacks/environments").environments[0])));')
    out = subprocess.run(["node", "-e", script], cwd=PIPELINE.parent, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def local_run_rate(tree: Path, scratch: Path, workers: int) -> float:
    """files/s of local_run's process step, from its summary line."""
    spec = real_spec()
    spec_path = scratch / "spec.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    out = scratch / f"local-{workers}"
    result = measure([sys.executable, str(PIPELINE / "local_run.py"), "--spec", str(spec_path), "--path", str(tree),
                      "--out", str(out), "--workers", str(workers)])
    match = re.search(r"\(([0-9.]+) files/s with (\d+) workers\)", result.stdout)
    if not match or int(match.group(2)) != workers:
        raise RuntimeError(f"no throughput line in local_run output:\n{result.stdout}")
    shutil.rmtree(out)
    return float(match.group(1))


def bench_size(root: Path, n: int, repeat: int, workers_all: int) -> dict:
    tree = ensure_tree(root, n)
    with tempfile.TemporaryDirectory(prefix="pipeline-bench-") as tmp:
        scratch = Path(tmp)
        measure([sys.executable, "-c", LISTING, str(tree)])  # warm the page cache
        list_s, list_rss, listed = repeated(lambda _i: [sys.executable, "-c", LISTING, str(tree)], repeat)
        if int(listed.stdout.split()[0]) != n:
            raise RuntimeError(f"listing found {listed.stdout.split()[0]} files, expected {n}")

        def prepare_argv(i: int) -> list[str]:
            shutil.rmtree(scratch / "wl", ignore_errors=True)
            return [sys.executable, str(PIPELINE / "prepare.py"), "--input_folder", str(tree),
                    "--work_list", str(scratch / "wl")]

        prep_s, prep_rss, _last = repeated(prepare_argv, repeat)
        item_files = len(os.listdir(scratch / "wl"))
        sha_rate, sha_parallel = sha256sum_rates(tree, scratch / "wl", scratch, repeat, workers_all)
        rates = {w: local_run_rate(tree, scratch, w) for w in sorted({1, workers_all})}
    return {"n": n, "list_s": list_s, "list_rss": list_rss, "prep_s": prep_s, "prep_rss": prep_rss,
            "items": item_files, "sha_rate": sha_rate, "sha_parallel": sha_parallel, "rates": rates}


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), cpu)
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    fs = subprocess.run(["df", "-T", "/tmp"], capture_output=True, text=True, check=False).stdout.splitlines()
    fs_type = fs[1].split()[1] if len(fs) > 1 else "?"
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, /tmp on {fs_type}")


def yes(ok: bool) -> str:
    return "met" if ok else "**not met**"


def report(rows: list[dict], workers_all: int, repeat: int, seconds: float) -> str:
    w = workers_all
    lines = [
        "# Pipeline step benchmark",
        "",
        f"Measured by `python3 bench/pipeline_bench.py` ({seconds / 60:.0f} min): trees of 100-byte fake parquet",
        "files, 200 per folder, under /tmp/aml-datapath-bench/<n>, with a warm page cache (a listing and a",
        f"sha256sum pass run first). Times are medians of {repeat} runs below 10^6 files and single runs at",
        "10^6; peak RSS is the highest of them, from each subprocess's own rusage (os.wait4).",
        "",
        "- prepare: `prepare.py` with its defaults (1000 files or 1 GiB per item); listing: a bare",
        "  iterative `os.scandir` walk that stats every file's size, in its own Python process.",
        "- local_run: the real prepare, process and check steps (`local_run.py`, mini_batch_size 4);",
        "  the figure is the process step's throughput, worker start-up included, from its summary line.",
        "- sha256sum: `xargs -0 sha256sum` over the same files in path order, one process at a time,",
        f"  and `xargs -P {w}` to show how far this machine scales {w} concurrent hashing processes.",
        "",
        f"Machine: {machine()}.",
        "",
        "| files | prepare (s) | prepare peak RSS (MB) | listing (s) | listing peak RSS (MB) | prepare / listing "
        f"| work-list files (bound) | sha256sum (files/s) | sha256sum -P {w} (files/s) "
        f"| local_run 1 worker (files/s) | local_run {w} workers (files/s; per worker) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        bound = math.ceil(r["n"] / 1000) + 1
        many = r["rates"][w]
        lines.append(
            f"| {r['n']:,} | {r['prep_s']:.2f} | {r['prep_rss']:.0f} | {r['list_s']:.2f} | {r['list_rss']:.0f} "
            f"| {r['prep_s'] / r['list_s']:.2f}x | {r['items']} ({bound}) | {r['sha_rate']:,.0f} "
            f"| {r['sha_parallel']:,.0f} | {r['rates'][1]:,.0f} | {many:,.0f}; {many / w:,.0f} |"
        )
    lines += ["", "Targets (prepare within 2x of the listing, prepare peak RSS under 300 MB, local_run within 2x of",
              "sha256sum per worker, work-list files at most ceil(n/1000) + 1):", ""]
    for r in rows:
        one, per_worker = r["rates"][1], r["rates"][w] / w
        bound = math.ceil(r["n"] / 1000) + 1
        lines.append(
            f"- {r['n']:,} files: prepare / listing {r['prep_s'] / r['list_s']:.2f}x ({yes(r['prep_s'] <= 2 * r['list_s'])}); "
            f"peak RSS {r['prep_rss']:.0f} MB ({yes(r['prep_rss'] < RSS_LIMIT_MB)}); "
            f"sha256sum / local_run per worker: 1 worker {r['sha_rate'] / one:.2f}x ({yes(one * 2 >= r['sha_rate'])}), "
            f"{w} workers {r['sha_rate'] / per_worker:.2f}x ({yes(per_worker * 2 >= r['sha_rate'])}; against one "
            f"of {w} concurrent sha256sum processes {r['sha_parallel'] / w / per_worker:.2f}x, "
            f"{yes(per_worker * 2 >= r['sha_parallel'] / w)}); work-list files {r['items']} <= {bound} ({yes(r['items'] <= bound)})."
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (1 above 10^5 files)")
    parser.add_argument("--root", type=Path, default=Path("/tmp/aml-datapath-bench"))
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "PIPELINE-RESULTS.md")
    args = parser.parse_args()
    if REPO in args.root.resolve().parents or args.root.resolve() == REPO:
        parser.error("--root must be outside the repository")
    workers_all = os.cpu_count() or 1
    started = time.monotonic()
    rows = []
    for n in args.sizes:
        repeat = args.repeat if n <= 100_000 else 1
        rows.append(bench_size(args.root, n, repeat, workers_all))
        print(json.dumps(rows[-1]), flush=True)
    args.output.write_text(report(rows, workers_all, args.repeat, time.monotonic() - started), encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
