"""The desktop app (PySide6). ``MainWindow`` is imported lazily so that the PNG renderer can be used
without loading the widgets."""

from __future__ import annotations

import sys
from typing import Any

from irl_studio import IRLStudioError


def check_qt_binding() -> None:
    """Refuse, with a clear message, the one binding known to crash the app: PySide6 6.12.0 on Python < 3.12 drops a
    reference to None on every Qt call that returns void, and the interpreter aborts after a few thousand calls
    ("deallocating None"). pyproject.toml excludes it; this catches an environment that has it anyway."""
    import PySide6

    if PySide6.__version__ == "6.12.0" and sys.version_info < (3, 12):
        raise IRLStudioError("PySide6 6.12.0 crashes on Python 3.11 (a reference-count bug in the binding); "
                             "install another version: pip install 'PySide6-Essentials!=6.12.0'")


__all__ = ["MainWindow", "run_app"]


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        check_qt_binding()
        from irl_studio.gui.main_window import MainWindow

        return MainWindow
    if name == "run_app":
        from irl_studio.gui.app import run_app

        return run_app
    raise AttributeError(f"module 'irl_studio.gui' has no attribute {name!r}")
