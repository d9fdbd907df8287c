"""File dialogs that remember the last folder, and the application's settings (QSettings, INI in the user scope;
tests and scripts redirect it with QSettings.setPath before the first window)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from typing import Callable

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

ORGANIZATION = "IRL Studio"
APPLICATION = "irl-studio"


def app_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def last_dir() -> str:
    return str(app_settings().value("lastDir", str(Path.home())))


def remember_dir(path: str) -> None:
    app_settings().setValue("lastDir", str(Path(path).parent))


def ask_open(parent: QWidget, title: str, filt: str) -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, last_dir(), filt)
    if path:
        remember_dir(path)
    return path or None


def ask_save(parent: QWidget, title: str, filt: str, default: str = "", suffix: str | tuple[str, ...] = "") \
        -> str | None:
    """A path to save to; ``suffix``: added when the name has none of these (the first is added)."""
    start = str(Path(last_dir()) / default) if default else last_dir()
    path, _ = QFileDialog.getSaveFileName(parent, title, start, filt)
    if not path:
        return None
    suffixes = (suffix,) if isinstance(suffix, str) else tuple(suffix)
    if suffixes and suffixes[0] and Path(path).suffix.lower() not in suffixes:
        path += suffixes[0]
    remember_dir(path)
    return path


def confirm_unsaved(parent: QWidget, doing: str, save: Callable[[], bool]) -> bool:
    """With unsaved work, ask Save / Discard / Cancel before ``doing`` replaces or closes it; True to go on."""
    ans = QMessageBox.question(
        parent, "Unsaved work", "The layout, demonstrations or learned reward have unsaved changes.\n"
        f"Save the session before {doing}?",
        QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Save)
    return not (ans == QMessageBox.StandardButton.Cancel or (ans == QMessageBox.StandardButton.Save and not save()))
