"""The desktop app (PySide6 + pyqtgraph). ``MainWindow`` is imported lazily so that the PNG renderer can be used
without loading the widgets."""

from __future__ import annotations

import sys
from typing import Any


def _keep_singletons_alive() -> None:
    """Work around a binding bug seen with PySide6 6.12 on Python 3.11: every Qt method returning void hands back
    ``None`` without a new reference (and some bool results do the same with True/False), so each call lowers the
    singleton's reference count by one and the interpreter aborts ("none_dealloc: deallocating None",
    "bool_dealloc") after a few thousand calls. From Python 3.12 on these singletons are immortal and the bug is
    harmless; before, give them a reference count no program can exhaust."""
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    for obj in (None, True, False, Ellipsis, NotImplemented):
        count = ctypes.c_ssize_t.from_address(id(obj))
        if count.value < 1 << 40:
            count.value += 1 << 50


_keep_singletons_alive()

__all__ = ["MainWindow", "run_app"]


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from irl_studio.gui.main_window import MainWindow

        return MainWindow
    if name == "run_app":
        from irl_studio.gui.app import run_app

        return run_app
    raise AttributeError(f"module 'irl_studio.gui' has no attribute {name!r}")
