"""The demonstrations list both tabs show: extended selection (highlighted on the canvas), the Delete key, a colour
swatch per demonstration (its colour on the canvas), and the Replay / Delete row under it."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QListWidget, QListWidgetItem

from irl_studio.gui.common.widgets import button, named


class DemoList(QListWidget):
    def __init__(self, name: str, where: str, on_select: Callable[[], None], on_delete: Callable[[], None]) -> None:
        super().__init__()
        named(self, name, "Demonstrations", f"Select to highlight on the {where}; Delete removes")
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.itemSelectionChanged.connect(on_select)
        self.setMinimumHeight(90)
        delete = QAction("Delete demonstrations", self)
        delete.setShortcut(QKeySequence.StandardKey.Delete)
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(on_delete)
        self.addAction(delete)

    def set_items(self, texts: list[str], colors: list[QColor], select: int | None = None) -> None:
        """Replace the items (no selection signal while doing so); ``select``: the row to select afterwards."""
        self.blockSignals(True)
        self.clear()
        for i, text in enumerate(texts):
            item = QListWidgetItem(text)
            pm = QPixmap(10, 10)
            pm.fill(colors[i % len(colors)])
            item.setIcon(QIcon(pm))
            self.addItem(item)
        if select is not None and 0 <= select < self.count():
            self.setCurrentRow(select)
        self.blockSignals(False)

    def selected(self) -> list[int]:
        return sorted(self.row(it) for it in self.selectedItems())


def replay_delete_row(prefix: str, replay: Callable[[], None], delete: Callable[[], None]) -> QHBoxLayout:
    """Replay and Delete buttons (object names ``replayDemoButton`` / ``deleteDemoButton``, with ``prefix``)."""
    def nm(s: str) -> str:
        return f"{prefix}{s[0].upper()}{s[1:]}" if prefix else s

    row = QHBoxLayout()
    row.addWidget(button("Replay", nm("replayDemoButton"), "Animate the selected demonstrations", replay))
    row.addWidget(button("Delete", nm("deleteDemoButton"), "Delete the selected demonstrations (undoable)", delete))
    return row


class DemoFiles:
    """Opening and saving demonstration files, for a demonstrate panel (a QWidget with ``doc`` and ``messages``):
    it says how to read (and check against the open world) and write its format."""

    DEMO_FILE = "demos.json"
    WORLD = "layout"

    def read_demos(self, path: str):
        """The demonstrations of a file, checked against the open world (raises an IRLStudioError)."""
        raise NotImplementedError

    def write_demos(self, path: str) -> None:
        raise NotImplementedError

    def open_demos(self, path: str) -> bool:
        from irl_studio import IRLStudioError

        try:
            demos = self.read_demos(path)
        except IRLStudioError as exc:
            self.messages.error("Cannot open demonstrations", f"{exc}\n\nThe demonstrations must fit the open "
                                f"{self.WORLD}.")
            return False
        self.doc.add_demos(list(demos.trajectories), f"open demonstrations from {path}")
        self.messages.status(f"Added {len(demos)} demonstrations from {path}")
        return True

    def open_demos_dialog(self) -> None:
        from irl_studio.gui.common.files import ask_open

        path = ask_open(self, "Open demonstrations", "Demonstrations (*.json);;All files (*)")
        if path:
            self.open_demos(path)

    def save_demos(self, path: str) -> bool:
        from irl_studio import IRLStudioError

        try:
            self.write_demos(path)
        except IRLStudioError as exc:
            self.messages.error("Cannot save demonstrations", str(exc))
            return False
        self.doc.mark_saved(["demos"])
        self.messages.status(f"Saved {len(self.doc.demos)} demonstrations to {path}")
        return True

    def save_demos_dialog(self) -> None:
        from irl_studio.gui.common.files import ask_save

        if not len(self.doc.demos):
            self.messages.error("No demonstrations", "There are no demonstrations to save")
            return
        path = ask_save(self, "Save demonstrations", "Demonstrations (*.json)", self.DEMO_FILE, ".json")
        if path:
            self.save_demos(path)
