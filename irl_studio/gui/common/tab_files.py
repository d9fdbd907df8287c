"""What both tabs do with files, once: the open document's file and session paths (the window title), the
Save / Discard / Cancel question before unsaved work is replaced, opening by format ("Open…" takes any file the tab
reads), a world file (a layout or a plane), sessions, the busy refusal. A tab's subclass says how its formats are
read and written; every reader's error is a message, never a traceback, and every save is atomic (the engine's
writers)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from irl_studio import IRLStudioError
from irl_studio.core.layout import LayoutError, read_json
from irl_studio.gui.common.files import ask_open, ask_save, confirm_unsaved
from irl_studio.gui.common.messages import Messages


class TabFiles(QObject):
    """``fileOpened(path)`` (the recent-files menu) and ``pathChanged()`` (the title). ``settings()`` /
    ``apply_settings(dict)`` gather and restore the panels' settings for sessions; ``before_open()`` runs before a
    new document replaces the old one; ``open_demos(path)`` opens a demonstrations file into the document."""

    fileOpened = Signal(str)
    pathChanged = Signal()

    WORLD = "layout"  # what the tab's world file is called, for people
    WORLD_FORMAT = ""
    SESSION_FORMAT = ""
    DEMOS_FORMAT = ""

    def __init__(self, parent: QWidget, doc: Any, messages: Messages, settings: Callable[[], dict],
                 apply_settings: Callable[[dict], None], before_open: Callable[[], None],
                 open_demos: Callable[[str], bool], busy: Callable[[], bool]) -> None:
        super().__init__(parent)
        self.widget, self.doc, self.messages = parent, doc, messages
        self._settings, self._apply_settings, self._before_open = settings, apply_settings, before_open
        self._open_demos, self._busy = open_demos, busy
        self.world_path: str | None = None
        self.session_path: str | None = None

    # --- what a subclass says -----------------------------------------------------------------------------------
    def builtin_names(self) -> list[str]:
        raise NotImplementedError

    def read_builtin(self, name: str) -> Any:
        """The built-in world ``name`` (raises an IRLStudioError)."""
        raise NotImplementedError

    def read_world(self, path: str) -> Any:
        raise NotImplementedError

    def write_world(self, world: Any, path: str) -> None:
        raise NotImplementedError

    def read_session(self, path: str) -> tuple[Any, Any, dict, Any]:
        """(world, demonstrations, settings, result)."""
        raise NotImplementedError

    def write_session(self, path: str) -> None:
        raise NotImplementedError

    def demos_misfit(self, world: Any, demos: Any) -> str | None:
        """Why the demonstrations do not fit the world (None when they do)."""
        return None

    @property
    def world(self) -> Any:
        raise NotImplementedError

    # --- the document's names -----------------------------------------------------------------------------------
    @property
    def display_name(self) -> str:
        where = self.session_path or self.world_path
        return Path(where).name if where else self.world.name

    def set_paths(self, world: str | None, session: str | None) -> None:
        self.world_path, self.session_path = world, session
        self.pathChanged.emit()

    def confirm(self, doing: str) -> bool:
        """With unsaved work, ask Save / Discard / Cancel before ``doing``; True to go on."""
        return not self.doc.is_modified() or confirm_unsaved(
            self.widget, doing, lambda: self.save_session_dialog(ask=self.session_path is None))

    def refuse_if_busy(self) -> bool:
        if self._busy():
            self.messages.error("A run is going", f"Stop the run before opening another {self.WORLD} or session")
            return True
        return False

    def new_document(self, doing: str, world: Any, demos: Any = None, result: Any = None,
                     world_path: str | None = None, session_path: str | None = None) -> bool:
        """Replace the document (after the unsaved-work question): a fresh undo history."""
        if self.refuse_if_busy() or not self.confirm(doing):
            return False
        self._before_open()
        self.doc.open(world, demos, result)
        self.set_paths(world_path, session_path)
        if world_path or session_path:
            self.fileOpened.emit(str(session_path or world_path))
        return True

    # --- opening ------------------------------------------------------------------------------------------------
    def formats(self) -> tuple[str, ...]:
        return (self.WORLD_FORMAT, self.SESSION_FORMAT, self.DEMOS_FORMAT)

    def file_format(self, path: Path) -> str | None:
        data = read_json(path, LayoutError)
        return data.get("format") if isinstance(data, dict) else None

    def can_open(self, path: str) -> bool:
        """Whether ``path`` is a file this tab opens (by its 'format'), or the name of one of its built-ins."""
        p = Path(path)
        if not p.exists():
            return path in self.builtin_names()
        try:
            return self.file_format(p) in self.formats()
        except IRLStudioError:
            return False

    def open_file(self, spec: str) -> bool:
        """Open a world, session or demonstrations file (by its 'format'), or a built-in name."""
        p = Path(spec)
        if not p.exists() and spec in self.builtin_names():
            return self.open_builtin(spec)
        if p.is_file() and p.suffix.lower() == ".json":
            try:
                fmt = self.file_format(p)
            except IRLStudioError as exc:
                self.messages.error("Cannot open file", str(exc))
                return False
            if fmt == self.SESSION_FORMAT:
                return self.open_session(spec)
            if fmt == self.DEMOS_FORMAT:
                return self._open_demos(spec)
        return self.open_world(spec)

    def open_world(self, path: str) -> bool:
        """Open a world file (or a built-in name) as a new document; a message on bad input."""
        if not Path(path).exists() and path in self.builtin_names():
            return self.open_builtin(path)
        try:
            world = self.read_world(path)
        except IRLStudioError as exc:
            self.messages.error(f"Cannot open {self.WORLD}", str(exc))
            return False
        if not self.new_document(f"opening another {self.WORLD}", world, world_path=str(path)):
            return False
        self.messages.status(f"Opened {path}")
        return True

    def open_builtin(self, name: str) -> bool:
        try:
            world = self.read_builtin(name)
        except IRLStudioError as exc:
            self.messages.error(f"Cannot open {self.WORLD}", str(exc))
            return False
        world.extra.setdefault("builtin", name)
        if not self.new_document(f"opening another {self.WORLD}", world):
            return False
        self.messages.status(f"Opened the built-in {self.WORLD} {name!r}")
        return True

    def open_dialog(self) -> None:
        path = ask_open(self.widget, f"Open {self.WORLD}, session or demonstrations",
                        "IRL Studio files (*.json);;All files (*)")
        if path:
            self.open_file(path)

    def open_session(self, path: str) -> bool:
        try:
            world, demos, settings, result = self.read_session(path)
        except IRLStudioError as exc:
            self.messages.error("Cannot open session", str(exc))
            return False
        if not self.new_document("opening a session", world, demos, result, session_path=str(path)):
            return False
        self._apply_settings(settings)
        why = self.demos_misfit(world, demos)
        if why:  # kept (the user's data), but said at once, not at the next Run
            self.messages.error("Demonstrations do not fit", f"The session opened, but its demonstrations do not "
                                f"fit its {self.WORLD}: {why}\n\nDelete or re-record them before running.")
        else:
            self.messages.status(f"Opened the session {path}")
        return True

    def open_session_dialog(self) -> None:
        path = ask_open(self.widget, "Open session", "Sessions (*.json);;All files (*)")
        if path:
            self.open_session(path)

    # --- saving -------------------------------------------------------------------------------------------------
    def save_world(self, path: str) -> bool:
        world = self.world.copy()
        world.extra.pop("builtin", None)
        try:
            self.write_world(world, path)
        except IRLStudioError as exc:
            self.messages.error(f"Cannot save the {self.WORLD}", str(exc))
            return False
        self.doc.mark_saved([self.doc.FIELDS[0]])
        self.set_paths(str(path), self.session_path)
        self.fileOpened.emit(str(path))
        self.messages.status(f"Saved the {self.WORLD} to {path}")
        return True

    def save_world_dialog(self, ask: bool = False) -> bool:
        path = self.world_path if (self.world_path and not ask) else \
            ask_save(self.widget, f"Save {self.WORLD}", f"{self.WORLD.capitalize()}s (*.json)",
                     f"{self.world.name}.json", ".json")
        return bool(path) and self.save_world(path)

    def save_session(self, path: str) -> bool:
        try:
            self.write_session(path)
        except IRLStudioError as exc:
            self.messages.error("Cannot save session", str(exc))
            return False
        self.doc.mark_saved()
        self.set_paths(self.world_path, str(path))
        self.fileOpened.emit(str(path))
        self.messages.status(f"Saved the session to {path}")
        return True

    def save_session_dialog(self, ask: bool = True) -> bool:
        path = ask_save(self.widget, "Save session", "Sessions (*.json)", "session.json", ".json") \
            if ask or not self.session_path else self.session_path
        return bool(path) and self.save_session(path)
