#!/usr/bin/env python3
"""Run the pipeline step tests (pipeline/tests) without pyarrow, with pyarrow, or both.

    python3 scripts/python-tests.py [--pyarrow | --both] [-v] [TEST ...]

Without pyarrow (the default; `npm run test:python`, part of `npm test`): this interpreter, with
pyarrow hidden even where it is installed (a stub package on PYTHONPATH makes `import pyarrow` fail,
in the test processes and every process they start), so process.py takes its fallback path. Needs
nothing but python3 and no network.

With pyarrow (`--pyarrow`; `npm run test:python:pyarrow`): production's path, in the virtual
environment .venv-pyarrow/ (--venv), made on first use with `python3 -m venv` and given
pyarrow==PYARROW_VERSION by `pip install --no-input`, from the local package indexes pip is
configured with (`pip config list`: file: index URLs, plus its find-links) and nothing else; when
pip's configuration names no local index, from the configured index as it is. Production pins
pyarrow 14.0.2 (pipeline/conda.yaml); the local index offers 25.0.1 only, so that is the pin here
(PIPELINE_PYARROW_VERSION overrides it). The step code uses ParquetFile(file object).metadata
.num_rows, the same in both. If the environment cannot be made, the pass fails and says why:
it is never skipped.

--both runs the two passes one after the other (.ci/run does, with PIPELINE_SLOW_TESTS=1).

Each pass runs `unittest discover -s pipeline -t . -p 'test_*.py'` (or the TEST names given), checks
that pyarrow can be imported exactly when it should, and then checks the skips: without pyarrow a
test may be skipped only because it needs pyarrow, with pyarrow only because it needs pyarrow to be
absent (the reasons in pipeline/tests/helpers.py), and in either pass the slow test unless
PIPELINE_SLOW_TESTS=1. Any other skip fails the pass: a test that silently stopped running is found.

Exit codes: 0 every pass passed; 1 a test failed or errored, a skip was unexpected, no test ran, or
the pyarrow environment could not be made; 2 a bad argument.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYARROW_VERSION = os.environ.get("PIPELINE_PYARROW_VERSION") or "25.0.1"
DEFAULT_VENV = REPO / ".venv-pyarrow"
WITH, WITHOUT = "with-pyarrow", "without-pyarrow"
HIDDEN_PYARROW = 'raise ImportError("pyarrow is hidden: this is the without-pyarrow test pass")\n'


def say(text: str) -> None:
    print(f"python-tests: {text}", flush=True)


def fail(text: str) -> None:
    print(f"python-tests: error: {text}", file=sys.stderr, flush=True)


# ---- inside a pass: the interpreter under test runs this ------------------------------------------


def inner(mode: str, names: list[str], verbosity: int) -> int:
    sys.path.insert(0, str(REPO))
    os.chdir(REPO)
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401 - what process.py imports
        found = f"pyarrow {pyarrow.__version__}"
    except ImportError as err:
        found = None
        why = str(err)
    if mode == WITH and found is None:
        fail(f"{sys.executable} cannot import pyarrow ({why}): the with-pyarrow pass cannot run")
        return 1
    if mode == WITHOUT and found is not None:
        fail(f"{sys.executable} imports {found} although it should be hidden")
        return 1

    import unittest

    from pipeline.tests import helpers

    loader = unittest.TestLoader()
    if names:
        suite = loader.loadTestsFromNames(names)
    else:
        suite = loader.discover(str(REPO / "pipeline"), pattern="test_*.py", top_level_dir=str(REPO))
    result = unittest.TextTestRunner(verbosity=verbosity, stream=sys.stdout).run(suite)

    expected = {helpers.NEEDS_PYARROW} if mode == WITHOUT else {helpers.NEEDS_NO_PYARROW}
    if os.environ.get("PIPELINE_SLOW_TESTS") != "1":
        expected.add(helpers.SLOW_OPT_IN)
    unexpected = [(test, reason) for test, reason in result.skipped if reason not in expected]
    by_reason: dict[str, int] = {}
    for _test, reason in result.skipped:
        by_reason[reason] = by_reason.get(reason, 0) + 1
    for reason, count in sorted(by_reason.items()):
        say(f"{mode}: skipped {count}: {reason}" + ("" if reason in expected else "  <- not expected in this pass"))
    for test, reason in unexpected:
        fail(f"{mode}: unexpected skip of {test.id()}: {reason}")

    # An unexpected skip counts as a failed test in the closing line.
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses) + len(unexpected)
    skipped = len(result.skipped) - len(unexpected)
    passed = result.testsRun - failed - skipped - len(result.expectedFailures)
    label = f"{mode} (Python {sys.version.split()[0]}, {found or 'no pyarrow'})"
    if result.testsRun == 0:
        fail(f"{label}: no test ran")
        return 1
    print(f"{mode}: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    ok = result.wasSuccessful() and not unexpected
    say(f"{label}: {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


# ---- outside: set up each pass's interpreter ------------------------------------------------------


def local_pip_indexes(python: str) -> list[str]:
    """The local (file:) package index URLs in pip's configuration, in order; [] when there is none."""
    listing = subprocess.run([python, "-m", "pip", "config", "list"], capture_output=True, text=True, check=False)
    indexes: list[str] = []
    for line in listing.stdout.splitlines():
        key, _eq, value = line.partition("=")
        if key.rsplit(".", 1)[-1] in ("index-url", "extra-index-url"):
            for url in value.strip().strip("'\"").split():
                if url.startswith("file:") and url not in indexes:
                    indexes.append(url)
    return indexes


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def pyarrow_version(python: Path) -> str | None:
    if not python.exists():
        return None
    probe = subprocess.run([str(python), "-c", "import pyarrow.parquet, pyarrow; print(pyarrow.__version__)"],
                           capture_output=True, text=True, check=False)
    return probe.stdout.strip() if probe.returncode == 0 else None


def ensure_pyarrow_venv(venv: Path) -> Path | None:
    """The interpreter of a virtual environment with pyarrow==PYARROW_VERSION, made if needed; None
    (after saying why) when it cannot be made."""
    python = venv_python(venv)
    if pyarrow_version(python) == PYARROW_VERSION:
        return python
    if not python.exists():
        if venv.exists():
            say(f"{venv} is not a usable virtual environment: making it again")
            shutil.rmtree(venv)
        say(f"making {venv} with {sys.executable} -m venv")
        made = subprocess.run([sys.executable, "-m", "venv", str(venv)], check=False)
        if made.returncode != 0 or not python.exists():
            shutil.rmtree(venv, ignore_errors=True)
            fail(f"`{sys.executable} -m venv {venv}` failed (on Debian or Ubuntu, `python3 -m venv` needs the "
                 f"python3.{sys.version_info[1]}-venv package). The with-pyarrow pass cannot run.")
            return None
    indexes = local_pip_indexes(str(python))
    env = dict(os.environ)
    if indexes:
        # Environment variables outrank pip's configuration files: the local indexes replace the
        # configured ones (find-links and constraints stay as configured).
        env["PIP_INDEX_URL"] = indexes[0]
        env["PIP_EXTRA_INDEX_URL"] = " ".join(indexes[1:] or indexes[:1])
    command = [str(python), "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
               f"pyarrow=={PYARROW_VERSION}"]
    say(f"installing pyarrow=={PYARROW_VERSION} into {venv} from "
        + (" ".join(indexes) if indexes else "the package index pip is configured with (it names no local one)"))
    installed = subprocess.run(command, env=env, check=False)
    if installed.returncode != 0 or pyarrow_version(python) != PYARROW_VERSION:
        fail(f"cannot install pyarrow=={PYARROW_VERSION} into {venv} (`{' '.join(command)}` exited "
             f"{installed.returncode}; see `pip config list` for the index). The with-pyarrow pass cannot run.")
        return None
    return python


def run_pass(mode: str, python: str, names: list[str], verbosity: int) -> int:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="python-tests-") as tmp:
        if mode == WITHOUT:
            stub = Path(tmp, "pyarrow")
            stub.mkdir()
            (stub / "__init__.py").write_text(HIDDEN_PYARROW, encoding="utf-8")
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [tmp, env.get("PYTHONPATH")]))
        say(f"=== {mode} pass: {python} ===")
        argv = [python, str(Path(__file__).resolve()), "--inner", mode, "--verbosity", str(verbosity), *names]
        return subprocess.run(argv, cwd=REPO, env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python-tests.py", description="Run the pipeline step tests with and without pyarrow.")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--pyarrow", action="store_true", help=f"the with-pyarrow pass (in --venv, pyarrow=={PYARROW_VERSION})")
    which.add_argument("--both", action="store_true", help="the without-pyarrow pass, then the with-pyarrow pass")
    which.add_argument("--inner", choices=(WITH, WITHOUT), help=argparse.SUPPRESS)
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV, help=f"the pyarrow environment (default {DEFAULT_VENV.name}/)")
    parser.add_argument("-v", "--verbose", dest="verbosity", action="store_const", const=2, default=1, help="one line per test")
    parser.add_argument("--verbosity", type=int, help=argparse.SUPPRESS)
    parser.add_argument("tests", nargs="*", metavar="TEST", help="test names (e.g. pipeline.tests.test_process); default: all")
    args = parser.parse_args(argv)
    if args.inner:
        return inner(args.inner, args.tests, args.verbosity)

    results = {}
    if not args.pyarrow:
        results[WITHOUT] = run_pass(WITHOUT, sys.executable, args.tests, args.verbosity)
    if args.pyarrow or args.both:
        python = ensure_pyarrow_venv(args.venv.resolve())
        results[WITH] = 1 if python is None else run_pass(WITH, str(python), args.tests, args.verbosity)
    failed = [mode for mode, code in results.items() if code != 0]
    if failed:
        fail(f"failed: {', '.join(failed)} (passed: {', '.join(m for m in results if m not in failed) or 'none'})")
        return 1
    say(f"passed: {', '.join(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
