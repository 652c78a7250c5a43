"""Issue 8: the import-linter contracts in pyproject.toml fail on a wrong-way import and on a cycle in an app.

`scripts/test.sh` runs `lint-imports` on the tree itself; these tests show the contracts have teeth by running it
on a copy of the tree with one bad import added.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

ROOT = Path(settings.BASE_DIR)
PACKAGES = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]["root_packages"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


class LayerContractTests(SimpleTestCase):
    def _lint(self, tmp: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(LINT_IMPORTS), "--no-cache"], cwd=tmp, capture_output=True, text=True, timeout=120,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp)},
        )

    def _copy(self, tmp: Path) -> None:
        for package in PACKAGES:
            shutil.copytree(ROOT / package, tmp / package, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
        shutil.copy(ROOT / "pyproject.toml", tmp / "pyproject.toml")

    def _append(self, path: Path, line: str) -> None:
        path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")

    def test_the_tree_keeps_both_contracts(self):
        with tempfile.TemporaryDirectory(prefix="layers-") as name:
            tmp = Path(name)
            self._copy(tmp)
            result = self._lint(tmp)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("Contracts: 2 kept, 0 broken.", result.stdout)

    def test_a_bottom_app_importing_an_upper_app_breaks_the_layers(self):
        with tempfile.TemporaryDirectory(prefix="layers-") as name:
            tmp = Path(name)
            self._copy(tmp)
            self._append(tmp / "stations" / "selectors.py", "from reports.models import Evaluation  # noqa")
            result = self._lint(tmp)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("stations.selectors -> reports.models", result.stdout)

    def test_a_shared_module_importing_an_app_breaks_the_layers(self):
        with tempfile.TemporaryDirectory(prefix="layers-") as name:
            tmp = Path(name)
            self._copy(tmp)
            self._append(tmp / "evalportal" / "periods.py", "from stations.models import Contract  # noqa")
            result = self._lint(tmp)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("evalportal.periods -> stations.models", result.stdout)

    def test_two_modules_of_an_app_importing_each_other_break_the_cycle_contract(self):
        with tempfile.TemporaryDirectory(prefix="layers-") as name:
            tmp = Path(name)
            self._copy(tmp)
            self._append(tmp / "stations" / "excel.py", "from .services import staff_save  # noqa")
            self._append(tmp / "stations" / "services.py", "from .excel import staff_workbook  # noqa")
            result = self._lint(tmp)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("No cycles are allowed in stations.", result.stdout)

