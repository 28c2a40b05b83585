"""The engine (``cityplanner/``) never imports Qt: PySide6, pyqtgraph, shiboken6 or the ``ui`` package.

Checked twice: by import-linter's contract in pyproject.toml, and by an AST scan of every module
under ``cityplanner/`` that does not depend on import-linter's configuration being right.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ENGINE = REPO / "cityplanner"
FORBIDDEN = {"PySide6", "pyqtgraph", "shiboken6", "ui"}


def _lint_imports() -> Path:
    for bin_dir in (Path(sys.executable).parent, REPO / ".venv" / "bin"):
        if (bin_dir / "lint-imports").exists():
            return bin_dir / "lint-imports"
    pytest.fail("lint-imports is not installed; run `pip install -e .[test]` in the project's .venv")


def _run_lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(_lint_imports()), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def forbidden_imports(path: Path, package_root: Path) -> list[str]:
    """``"file:line module"`` for every import of a forbidden module in the Python file ``path``.

    Covers ``import X``, ``from X import y``, relative imports that climb out of the package into
    ``ui``, and ``importlib.import_module("X")`` / ``__import__("X")`` with a literal name.
    """
    # The package a relative import starts from (for __init__.py, the package itself).
    package_parts = list(path.relative_to(package_root.parent).parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names = [node.module or ""]
            else:
                base = package_parts[: max(0, len(package_parts) - node.level + 1)]
                if node.module:
                    names = [".".join([*base, node.module])]
                else:  # ``from ... import ui`` names the module in the alias list
                    names = [".".join([*base, alias.name]) for alias in node.names]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                names = [node.args[0].value]
        for name in names:
            if name.split(".")[0] in FORBIDDEN:
                found.append(f"{path.relative_to(package_root.parent)}:{node.lineno} {name}")
    return found


def test_import_linter_contract_is_kept():
    result = _run_lint_imports(REPO)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "The engine never imports Qt KEPT" in output, output


def test_import_linter_contract_catches_a_qt_import(tmp_path):
    for package in ("cityplanner", "ui"):
        shutil.copytree(REPO / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    (tmp_path / "cityplanner" / "_planted.py").write_text("from PySide6 import QtCore  # noqa\n")
    result = _run_lint_imports(tmp_path)
    assert result.returncode != 0
    assert "cityplanner is not allowed to import PySide6" in result.stdout, result.stdout + result.stderr


def test_no_module_under_cityplanner_imports_qt():
    files = sorted(ENGINE.rglob("*.py"))
    assert len(files) >= 5, f"found only {len(files)} engine modules under {ENGINE}"
    offending = [hit for path in files for hit in forbidden_imports(path, ENGINE)]
    assert not offending, "the engine must not import Qt or ui:\n" + "\n".join(offending)


def test_the_scan_finds_every_form_of_qt_import(tmp_path):
    package = tmp_path / "cityplanner"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    planted = package / "sub" / "planted.py"
    planted.write_text(
        "import os\n"
        "import PySide6.QtGui\n"
        "from pyqtgraph import PlotWidget\n"
        "import shiboken6 as sb\n"
        "from ...ui import main_window\n"
        "from ... import ui\n"
        "import importlib\n"
        "importlib.import_module('PySide6.QtCore')\n"
        "__import__('pyqtgraph')\n"
        "from . import helpers\n"
        "from ..store import save_project\n"
    )
    hits = forbidden_imports(planted, package)
    assert [h.split()[1] for h in hits] == [
        "PySide6.QtGui",
        "pyqtgraph",
        "shiboken6",
        "ui",
        "ui",
        "PySide6.QtCore",
        "pyqtgraph",
    ]
