"""The gridworld tab's files: layouts, sessions (layout + demonstrations + settings + learned result) and the file
dispatch by format ("Open…" takes a layout, a session or a demonstrations file). Opening over unsaved work asks
Save / Discard / Cancel first; saves are atomic (the engine's writers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from irl_studio import IRLStudioError
from irl_studio.core.builtin import builtin_layout, builtin_names
from irl_studio.core.demos import validate_demos
from irl_studio.core.layout import LayoutError, layout_from_dict, layout_to_dict, read_json, write_json
from irl_studio.core.session import load_session, save_session, session_to_dict
from irl_studio.gui.common.files import ask_open, ask_save, confirm_unsaved
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.gridworld.document import GridDocument

FORMATS = ("irl-studio.layout", "irl-studio.session", "irl-studio.demos")


class GridFiles(QObject):
    """``fileOpened(path)`` and ``fileSaved(path)`` (for the recent-files menu), ``pathChanged()`` (the title).
    ``settings()`` / ``apply_settings(dict)`` gather and restore the panels' settings for sessions; ``before_open``
    is called before a new document replaces the old one (a run's views are forgotten)."""

    fileOpened = Signal(str)
    pathChanged = Signal()

    def __init__(self, parent: QWidget, doc: GridDocument, messages: Messages, settings: Callable[[], dict],
                 apply_settings: Callable[[dict], None], before_open: Callable[[], None],
                 open_demos: Callable[[str], bool], busy: Callable[[], bool]) -> None:
        super().__init__(parent)
        self.widget, self.doc, self.messages = parent, doc, messages
        self._settings, self._apply_settings, self._before_open = settings, apply_settings, before_open
        self._open_demos, self._busy = open_demos, busy
        self.layout_path: str | None = None
        self.session_path: str | None = None

    @property
    def display_name(self) -> str:
        where = self.session_path or self.layout_path
        return Path(where).name if where else self.doc.layout.name

    def confirm(self, doing: str) -> bool:
        return not self.doc.is_modified() or confirm_unsaved(
            self.widget, doing, lambda: self.save_session_dialog(ask=self.session_path is None))

    def _set_paths(self, layout: str | None, session: str | None) -> None:
        self.layout_path, self.session_path = layout, session
        self.pathChanged.emit()

    # --- opening ------------------------------------------------------------------------------------------------
    def can_open(self, path: str) -> bool:
        """Whether ``path`` is a file this tab opens (by its 'format'), or a built-in layout name."""
        p = Path(path)
        if not p.exists():
            return path in builtin_names()
        try:
            data = read_json(p, LayoutError)
        except IRLStudioError:
            return p.suffix.lower() == ".json"  # a broken file: this tab says what is wrong with it
        fmt = data.get("format", "irl-studio.layout") if isinstance(data, dict) else None
        return fmt in FORMATS

    def open_file(self, spec: str) -> bool:
        """Open a layout, session or demonstrations file (by its 'format'), or a built-in layout name."""
        p = Path(spec)
        if not p.exists() and spec in builtin_names():
            return self.open_builtin(spec)
        if p.is_file() and p.suffix.lower() == ".json":
            try:
                data = read_json(p, LayoutError)
            except IRLStudioError as exc:
                self.messages.error("Cannot open file", str(exc))
                return False
            fmt = data.get("format") if isinstance(data, dict) else None
            if fmt == "irl-studio.session":
                return self.open_session(spec)
            if fmt == "irl-studio.demos":
                return self._open_demos(spec)
        return self.open_layout(spec)

    def _busy_refuses(self) -> bool:
        if self._busy():
            self.messages.error("A run is going", "Stop the run before opening another layout or session")
            return True
        return False

    def open_layout(self, path: str) -> bool:
        """Open a layout file (or a built-in name) as a new document; a message on bad input."""
        if not Path(path).exists() and path in builtin_names():
            return self.open_builtin(path)
        try:
            layout = layout_from_dict(read_json(path, LayoutError), source=str(path))
        except IRLStudioError as exc:
            self.messages.error("Cannot open layout", str(exc))
            return False
        if self._busy_refuses() or not self.confirm("opening another layout"):
            return False
        self._before_open()
        self.doc.open(layout)
        self._set_paths(str(path), None)
        self.fileOpened.emit(str(path))
        self.messages.status(f"Opened {path}")
        return True

    def open_builtin(self, name: str, with_demos: bool = False) -> bool:
        try:
            layout = builtin_layout(name)
            demos = None
            if with_demos:
                from irl_studio.core.builtin import builtin_demos

                demos = builtin_demos(name)
        except IRLStudioError as exc:
            self.messages.error("Cannot open layout", str(exc))
            return False
        if self._busy_refuses() or not self.confirm("opening another layout"):
            return False
        layout.extra.setdefault("builtin", name)
        self._before_open()
        self.doc.open(layout, demos)
        self._set_paths(None, None)
        hint = "" if with_demos else " (its demonstrations: Built-in, under Demonstrate)"
        self.messages.status(f"Opened the built-in layout {name!r}{hint}")
        return True

    def open_dialog(self) -> None:
        path = ask_open(self.widget, "Open layout, session or demonstrations", "IRL Studio files (*.json);;All files (*)")
        if path:
            self.open_file(path)

    def open_session(self, path: str) -> bool:
        try:
            s = load_session(path)
        except IRLStudioError as exc:
            self.messages.error("Cannot open session", str(exc))
            return False
        if self._busy_refuses() or not self.confirm("opening a session"):
            return False
        self._before_open()
        self.doc.open(s.layout, s.demos, s.result)
        self._apply_settings(s.settings)
        self._set_paths(None, str(path))
        self.fileOpened.emit(str(path))
        try:
            validate_demos(self.doc.mdp(), s.demos)
            self.messages.status(f"Opened the session {path}")
        except IRLStudioError as exc:  # kept (the user's data), but said at once, not at the next Run
            self.messages.error("Demonstrations do not fit", f"The session opened, but its demonstrations do not fit "
                                f"its layout: {exc}\n\nDelete or re-record them before running.")
        return True

    def open_session_dialog(self) -> None:
        path = ask_open(self.widget, "Open session", "Sessions (*.json);;All files (*)")
        if path:
            self.open_session(path)

    # --- saving -------------------------------------------------------------------------------------------------
    def save_layout(self, path: str) -> bool:
        lay = self.doc.layout.copy()
        lay.extra.pop("builtin", None)
        try:
            write_json(path, layout_to_dict(lay), LayoutError)
        except IRLStudioError as exc:
            self.messages.error("Cannot save layout", str(exc))
            return False
        self.doc.mark_saved(["layout"])
        self._set_paths(str(path), self.session_path)
        self.fileOpened.emit(str(path))
        self.messages.status(f"Saved the layout to {path}")
        return True

    def save_layout_dialog(self, ask: bool = False) -> bool:
        path = self.layout_path if (self.layout_path and not ask) else \
            ask_save(self.widget, "Save layout", "Layouts (*.json)", f"{self.doc.layout.name}.json", ".json")
        return bool(path) and self.save_layout(path)

    def session_dict(self) -> dict[str, Any]:
        return session_to_dict(self.doc.layout, self.doc.demos, self._settings(), self.doc.result)

    def save_session(self, path: str) -> bool:
        try:
            save_session(path, self.session_dict())
        except IRLStudioError as exc:
            self.messages.error("Cannot save session", str(exc))
            return False
        self.doc.mark_saved()
        self._set_paths(self.layout_path, str(path))
        self.fileOpened.emit(str(path))
        self.messages.status(f"Saved the session to {path}")
        return True

    def save_session_dialog(self, ask: bool = True) -> bool:
        path = ask_save(self.widget, "Save session", "Sessions (*.json)", "session.json", ".json") \
            if ask or not self.session_path else self.session_path
        return bool(path) and self.save_session(path)
