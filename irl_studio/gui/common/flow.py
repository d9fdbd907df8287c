"""A grid of equally sized views whose number of columns follows the width it is given: two columns in a narrow
dock at the side, four in a row when the dock is moved to the bottom or floated wide."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QWidget


class FlowGrid(QWidget):
    def __init__(self, widgets: list[QWidget], cell_width: int = 200, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.widgets = list(widgets)
        self.cell_width = cell_width
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(2)
        self.columns = 0
        self._place(2)

    def _place(self, columns: int) -> None:
        columns = max(1, min(columns, len(self.widgets)))
        if columns == self.columns:
            return
        self.columns = columns
        for w in self.widgets:
            self.grid.removeWidget(w)
        for c in range(len(self.widgets)):
            self.grid.setColumnStretch(c, 0)
        for i, w in enumerate(self.widgets):
            self.grid.addWidget(w, i // columns, i % columns)
        for c in range(columns):
            self.grid.setColumnStretch(c, 1)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place(max(1, self.width() // self.cell_width))
