"""The continuous tab's files: planes (``irl-studio.plane``; the built-ins from the Layouts menu), plane sessions
(plane + demonstrations + settings + learned reward and networks) and the dispatch by format ("Open…" takes a
plane, a plane session or plane demonstrations). Opening over unsaved work asks first; saves are atomic."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from irl_studio import IRLStudioError
from irl_studio.continuous.plane import FORMAT as PLANE_FORMAT, PlaneError, builtin_plane, builtin_plane_names, \
    load_plane, save_plane
from irl_studio.continuous.session import FORMAT as SESSION_FORMAT, demos_fit, load_plane_session, \
    save_plane_session, session_to_dict
from irl_studio.core.layout import LayoutError, read_json
from irl_studio.gui.common.files import ask_open, ask_save, confirm_unsaved
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.continuous.document import PlaneDocument

FORMATS = (PLANE_FORMAT, SESSION_FORMAT, "irl-studio.plane-demos")


class PlaneFiles(QObject):
    fileOpened = Signal(str)
    pathChanged = Signal()

    def __init__(self, parent: QWidget, doc: PlaneDocument, messages: Messages, settings: Callable[[], dict],
                 apply_settings: Callable[[dict], None], before_open: Callable[[], None],
                 open_demos: Callable[[str], bool], busy: Callable[[], bool]) -> None:
        super().__init__(parent)
        self.widget, self.doc, self.messages = parent, doc, messages
        self._settings, self._apply_settings, self._before_open = settings, apply_settings, before_open
        self._open_demos, self._busy = open_demos, busy
        self.plane_path: str | None = None
        self.session_path: str | None = None

    @property
    def display_name(self) -> str:
        where = self.session_path or self.plane_path
        return Path(where).name if where else self.doc.plane.name

    def confirm(self, doing: str) -> bool:
        return not self.doc.is_modified() or confirm_unsaved(
            self.widget, doing, lambda: self.save_session_dialog(ask=self.session_path is None))

    def _set_paths(self, plane: str | None, session: str | None) -> None:
        self.plane_path, self.session_path = plane, session
        self.pathChanged.emit()

    def _refuse_if_busy(self) -> bool:
        if self._busy():
            self.messages.error("A run is going", "Stop the run before opening another plane or session")
            return True
        return False

    # --- opening ------------------------------------------------------------------------------------------------
    def can_open(self, path: str) -> bool:
        p = Path(path)
        if not p.exists():
            return path in builtin_plane_names()
        try:
            data = read_json(p, LayoutError)
        except IRLStudioError:
            return False
        return isinstance(data, dict) and data.get("format") in FORMATS

    def open_file(self, spec: str) -> bool:
        p = Path(spec)
        if not p.exists() and spec in builtin_plane_names():
            return self.open_builtin(spec)
        try:
            data = read_json(p, PlaneError)
        except IRLStudioError as exc:
            self.messages.error("Cannot open file", str(exc))
            return False
        fmt = data.get("format") if isinstance(data, dict) else None
        if fmt == SESSION_FORMAT:
            return self.open_session(spec)
        if fmt == "irl-studio.plane-demos":
            return self._open_demos(spec)
        return self.open_plane(spec)

    def open_plane(self, path: str) -> bool:
        """Open a plane file (or a built-in plane name) as a new document; a message on bad input."""
        if not Path(path).exists() and path in builtin_plane_names():
            return self.open_builtin(path)
        try:
            plane = load_plane(path)
        except IRLStudioError as exc:
            self.messages.error("Cannot open plane", str(exc))
            return False
        if self._refuse_if_busy() or not self.confirm("opening another plane"):
            return False
        self._before_open()
        self.doc.open(plane)
        self._set_paths(str(path), None)
        self.fileOpened.emit(str(path))
        self.messages.status(f"Opened {path}")
        return True

    def open_builtin(self, name: str, keep_demos: bool = False) -> bool:
        """A built-in plane. ``keep_demos``: keep the demonstrations when they fit the new plane (the shifted maze:
        the same task on a changed plane, for the transfer experiment)."""
        try:
            plane = builtin_plane(name)
        except IRLStudioError as exc:
            self.messages.error("Cannot open plane", str(exc))
            return False
        if self._refuse_if_busy():
            return False
        plane.extra.setdefault("builtin", name)
        if keep_demos:  # an edit of the plane (undoable), keeping demonstrations and learned reward
            try:
                self.doc.set_plane(plane, f"open the built-in plane {name}")
            except IRLStudioError as exc:
                self.messages.error("Cannot open plane", str(exc))
                return False
            why = demos_fit(plane, self.doc.demos)
            note = f" (the demonstrations do not fit it: {why})" if why else ""
            self.messages.status(f"The plane is now the built-in {name!r}; the learned reward stays{note}", 12000)
            return True
        if not self.confirm("opening another plane"):
            return False
        self._before_open()
        self.doc.open(plane)
        self._set_paths(None, None)
        self.messages.status(f"Opened the built-in plane {name!r}")
        return True

    def open_dialog(self) -> None:
        path = ask_open(self.widget, "Open plane, plane session or plane demonstrations",
                        "IRL Studio files (*.json);;All files (*)")
        if path:
            self.open_file(path)

    def open_session(self, path: str) -> bool:
        try:
            plane, demos, settings, result = load_plane_session(path)
        except IRLStudioError as exc:
            self.messages.error("Cannot open session", str(exc))
            return False
        if self._refuse_if_busy() or not self.confirm("opening a session"):
            return False
        self._before_open()
        self.doc.open(plane, demos, result)
        self._apply_settings(settings)
        self._set_paths(None, str(path))
        self.fileOpened.emit(str(path))
        why = demos_fit(plane, demos)
        if why:  # kept (the user's data), but said at once
            self.messages.error("Demonstrations do not fit", f"The session opened, but its demonstrations do not "
                                f"fit its plane: {why}")
        else:
            self.messages.status(f"Opened the session {path}")
        return True

    # --- saving -------------------------------------------------------------------------------------------------
    def save_plane(self, path: str) -> bool:
        plane = self.doc.plane.copy()
        plane.extra.pop("builtin", None)
        try:
            save_plane(plane, path)
        except IRLStudioError as exc:
            self.messages.error("Cannot save plane", str(exc))
            return False
        self.doc.mark_saved(["plane"])
        self._set_paths(str(path), self.session_path)
        self.fileOpened.emit(str(path))
        self.messages.status(f"Saved the plane to {path}")
        return True

    def save_plane_dialog(self, ask: bool = False) -> bool:
        path = self.plane_path if (self.plane_path and not ask) else \
            ask_save(self.widget, "Save plane", "Planes (*.json)", f"{self.doc.plane.name}.json", ".json")
        return bool(path) and self.save_plane(path)

    def save_session(self, path: str) -> bool:
        try:
            save_plane_session(path, session_to_dict(self.doc.plane, self.doc.demos, self._settings(),
                                                     self.doc.result))
        except IRLStudioError as exc:
            self.messages.error("Cannot save session", str(exc))
            return False
        self.doc.mark_saved()
        self._set_paths(self.plane_path, str(path))
        self.fileOpened.emit(str(path))
        self.messages.status(f"Saved the session to {path}")
        return True

    def save_session_dialog(self, ask: bool = True) -> bool:
        path = ask_save(self.widget, "Save plane session", "Sessions (*.json)", "plane-session.json", ".json") \
            if ask or not self.session_path else self.session_path
        return bool(path) and self.save_session(path)
