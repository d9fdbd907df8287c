"""The layering contract of pyproject.toml ([tool.importlinter]): the engine imports no Qt and no GUI code, core is
the bottom layer. Checked on every test run, as CI's lint-imports would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    script = ("import sys; from importlinter.cli import lint_imports; "
              "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_a_forbidden_import_is_caught(tmp_path):
    """The contract can fail: a copy of the package whose core imports PySide6 is refused."""
    import shutil

    pkg = tmp_path / "irl_studio"
    shutil.copytree(ROOT / "irl_studio", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "core" / "bad_import.py").write_text("import PySide6.QtCore\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    script = ("import sys; sys.path.insert(0, '.'); from importlinter.cli import lint_imports; "
              "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))")
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "BROKEN" in out.stdout and "bad_import" in out.stdout
