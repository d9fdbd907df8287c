"""What a tab is to the window, once for both tabs: its title and signals, its messages, its menu actions, and the
answers the window asks of it (``is_modified()``, ``can_open(path)``, ``open_file(path)``, ``save_all_dialog()``,
``results_widget()``, ``status_widgets()``, ``shutdown()``). A tab sets ``doc``, ``files``, ``results``,
``hoverLabel``, its run controllers ``controllers``, its ``tasks`` and ``timers`` (stopped at shutdown)."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.widgets import named


class TabBase(QWidget):
    """``titleChanged()`` when the file or the modified state changes; ``fileOpened(path)`` for recent files."""

    title = ""
    titleChanged = Signal()
    fileOpened = Signal(str)

    def __init__(self, name: str, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, name, accessible)
        self.messages = Messages(self)
        self.controllers: list = []
        self.timers: list = []
        self.file_actions: list[QAction | None] = []
        self.builtin_actions: list[QAction] = []

    def lay_out(self, left: list[QWidget], centre: QWidget, right: list[QWidget], names: dict[str, tuple]) -> None:
        """Panels left and right of the canvas's column (each side a scrolling column, never narrower than its
        panels), the centre taking the rest; the hover read-out for the status bar. ``names``: object and
        accessible names of the "splitter", the "left" and "right" columns and the "hover" label."""
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QHBoxLayout, QSplitter

        from irl_studio.gui.common.widgets import side_panel, status_label

        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName(names["splitter"])
        outer.addWidget(self.splitter)
        self.splitter.addWidget(side_panel(left, *names["left"]))
        self.splitter.addWidget(centre)
        self.splitter.addWidget(side_panel(right, *names["right"]))
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([250, 600, 260])
        self.hoverLabel = status_label(*names["hover"])
        self.hoverLabel.setMinimumWidth(380)

    def connect_files(self) -> None:
        """Once ``doc`` and ``files`` are made: the title follows the file and the unsaved state."""
        self.files.pathChanged.connect(self.titleChanged)
        self.files.fileOpened.connect(self.fileOpened)
        self.doc.modifiedChanged.connect(lambda _m: self.titleChanged.emit())

    def action(self, text: str, name: str, slot: Callable[[], object], shortcut=None, tip: str = "") -> QAction:
        a = QAction(text, self)
        a.setObjectName(name)
        if shortcut is not None:
            a.setShortcut(shortcut)
        if tip:
            a.setToolTip(tip)
        a.triggered.connect(lambda _c=False: slot())
        return a

    def make_file_actions(self, names: dict[str, str], open_demos, save_demos, export, first=()) -> None:
        """The File menu's entries every tab has (``names``: their object names, by the keys open, save, save_as,
        open_session, save_session, open_demos, save_demos, export); ``first``: the tab's own entries before them."""
        from PySide6.QtGui import QKeySequence

        f, w = self.files, self.files.WORLD
        self.file_actions = [
            *first,
            self.action("Open…", names["open"], f.open_dialog, QKeySequence.StandardKey.Open),
            self.action(f"Save {w}", names["save"], f.save_world_dialog, QKeySequence.StandardKey.Save),
            self.action(f"Save {w} as…", names["save_as"], lambda: f.save_world_dialog(True)),
            None,
            self.action("Open session…", names["open_session"], f.open_session_dialog),
            self.action("Save session…", names["save_session"], f.save_session_dialog, QKeySequence("Ctrl+Shift+S")),
            None,
            self.action("Open demonstrations…", names["open_demos"], open_demos),
            self.action("Save demonstrations…", names["save_demos"], save_demos),
            self.action("Export reward…", names["export"], export, QKeySequence("Ctrl+E")),
        ]

    def make_builtin_actions(self, prefix: str, open_builtin: Callable[[str], object], tip: str = "") -> None:
        """The Layouts menu: one entry per built-in of the tab's files."""
        self.builtin_actions = [self.action(name, f"{prefix}{name}", lambda n=name: open_builtin(n), tip=tip)
                                for name in self.files.builtin_names()]

    # --- what the window asks -----------------------------------------------------------------------------------
    @property
    def undo_stack(self):
        return self.doc.undo_stack

    def display_name(self) -> str:
        return self.files.display_name

    def is_modified(self) -> bool:
        return self.doc.is_modified()

    def can_open(self, path: str) -> bool:
        return self.files.can_open(path)

    def open_file(self, path: str) -> bool:
        return self.files.open_file(path)

    def save_all_dialog(self) -> bool:
        """Save the tab's work (the close prompt's Save)."""
        return self.files.save_session_dialog(ask=self.files.session_path is None)

    def results_widget(self) -> QWidget:
        return self.results

    def status_widgets(self) -> list[QWidget]:
        return [self.hoverLabel]

    def busy(self) -> bool:
        return any(c.running for c in self.controllers) or self.tasks.busy

    def shutdown(self) -> None:
        """Stop every run, background task and timer; wait for their threads."""
        for t in self.timers:
            t.stop()
        for c in self.controllers:
            c.shutdown()
        self.tasks.shutdown()
