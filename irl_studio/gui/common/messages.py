"""How panels speak to the user without knowing the window: ``status`` (a line in the status bar) and ``error`` (a
dialog for bad input, and the status bar). The window connects one :class:`Messages` per tab."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Messages(QObject):
    statusRequested = Signal(str, int)
    errorRequested = Signal(str, str)

    def status(self, text: str, ms: int = 8000) -> None:
        self.statusRequested.emit(text, ms)

    def error(self, title: str, text: str) -> None:
        self.errorRequested.emit(title, text)
