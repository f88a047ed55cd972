"""The step scripts agree on one exit-code convention.

Each step uploads only its own script to Azure, so every script keeps its own EXIT_* constants (no
shared module): this test reads them from each file's source and compares them with the one
convention, which each docstring and the README state in the same words.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import unittest

from pipeline.tests.helpers import PIPELINE_DIR

REPO_DIR = PIPELINE_DIR.parent

CONVENTION = {"EXIT_OK": 0, "EXIT_FAILED": 1, "EXIT_INVALID": 2, "EXIT_INTERRUPTED": 130}
# Stated in these words (whitespace aside) in each script's docstring and in the README.
SENTENCE = ("Exit codes (the same in every step script): 0 success; 1 failed (the step ran and its result is a "
            "failure); 2 invalid (a bad argument or an input that cannot be used; nothing was done); 130 "
            "interrupted (Ctrl-C).")
# Which codes each script can give (process.py gives none: AML's driver imports it).
EXPECTED = {
    "prepare.py": {"EXIT_OK", "EXIT_FAILED", "EXIT_INVALID"},
    "check_results.py": {"EXIT_OK", "EXIT_FAILED", "EXIT_INVALID"},
    "local_run.py": {"EXIT_OK", "EXIT_FAILED", "EXIT_INVALID", "EXIT_INTERRUPTED"},
    "process.py": set(),
}


def exit_constants(script: str) -> dict[str, object]:
    """Module-level NAME = value assignments whose name starts with EXIT, read without importing."""
    tree = ast.parse((PIPELINE_DIR / script).read_text(encoding="utf-8"))
    found = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        for target in targets:
            if isinstance(target, ast.Name) and target.id.startswith("EXIT"):
                found[target.id] = ast.literal_eval(node.value) if node.value is not None else None
    return found


def squeeze(text: str) -> str:
    return " ".join(text.replace("`", "").split())


class ExitCodeConventionTest(unittest.TestCase):
    def test_every_step_script_is_covered(self) -> None:
        scripts = sorted(path.name for path in PIPELINE_DIR.glob("*.py") if path.name != "__init__.py")
        self.assertEqual(scripts, sorted(EXPECTED))

    def test_constants_follow_the_convention(self) -> None:
        for script, names in EXPECTED.items():
            with self.subTest(script):
                self.assertEqual(exit_constants(script), {name: CONVENTION[name] for name in names})

    def test_constants_agree_across_scripts(self) -> None:
        seen: dict[str, tuple[str, object]] = {}
        for script in EXPECTED:
            for name, value in exit_constants(script).items():
                first = seen.setdefault(name, (script, value))
                self.assertEqual(value, first[1], f"{name} is {value} in {script} but {first[1]} in {first[0]}")
        values = [value for value in CONVENTION.values()]
        self.assertEqual(len(set(values)), len(values), "one meaning per code")

    def test_docstrings_and_readme_state_the_convention(self) -> None:
        for script in EXPECTED:
            with self.subTest(script):
                doc = ast.get_docstring(ast.parse((PIPELINE_DIR / script).read_text(encoding="utf-8")))
                self.assertIn(squeeze(SENTENCE), squeeze(doc))
        self.assertIn(squeeze(SENTENCE), squeeze((REPO_DIR / "README.md").read_text(encoding="utf-8")))

    def test_a_bad_argument_exits_invalid(self) -> None:
        for script in ("prepare.py", "check_results.py", "local_run.py"):
            with self.subTest(script):
                proc = subprocess.run([sys.executable, str(PIPELINE_DIR / script), "--no-such-option"],
                                      capture_output=True, text=True, check=False, timeout=60)
                self.assertEqual(proc.returncode, CONVENTION["EXIT_INVALID"], proc.stderr)
                self.assertIn("error:", proc.stderr)

    def test_the_cli_means_the_same_by_the_codes_local_run_passes_on(self) -> None:
        # `aml-datapath local` returns local_run.py's exit code as its own: the CLI's EXIT table must
        # give those numbers the same meanings.
        tables = []
        for path in sorted((REPO_DIR / "cli").rglob("*.ts")):
            match = re.search(r"\bconst EXIT\s*=\s*\{([^}]*)\}", path.read_text(encoding="utf-8"))
            if match:
                tables.append(dict((key, int(value)) for key, value in re.findall(r"(\w+)\s*:\s*(\d+)", match.group(1))))
        self.assertEqual(len(tables), 1, "the CLI's `const EXIT = {...}` table (cli/*.ts) was not found exactly once")
        cli = tables[0]
        self.assertEqual((cli["ok"], cli["failed"], cli["usage"], cli["interrupted"]),
                         (CONVENTION["EXIT_OK"], CONVENTION["EXIT_FAILED"], CONVENTION["EXIT_INVALID"],
                          CONVENTION["EXIT_INTERRUPTED"]))


if __name__ == "__main__":
    unittest.main()
