"""The desktop app (PySide6 + pyqtgraph). ``MainWindow`` is imported lazily so that the PNG renderer can be used
without loading the widgets."""

from __future__ import annotations

from typing import Any

__all__ = ["MainWindow", "run_app"]


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from irl_studio.gui.main_window import MainWindow

        return MainWindow
    if name == "run_app":
        from irl_studio.gui.app import run_app

        return run_app
    raise AttributeError(f"module 'irl_studio.gui' has no attribute {name!r}")
