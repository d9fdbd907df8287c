"""A slider that scrubs back through a run's snapshots (the reward and visitation at iteration k). While it sits at
the right end it follows the run live; moved back, it stays on its iteration until moved to the end again."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QSlider, QWidget

from irl_studio.gui.common.widgets import named, status_label


class ScrubBar(QWidget):
    """``chosen(object snapshot)`` when the user picks a snapshot (None: back to live)."""

    chosen = Signal(object)

    def __init__(self, prefix: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        h = QHBoxLayout(self)
        h.setContentsMargins(0, 0, 0, 0)
        self.slider = named(QSlider(Qt.Orientation.Horizontal), f"{prefix}scrubSlider" if prefix else "scrubSlider",
                            "Scrub through the run",
                            "Drag back to see the reward and visitation at an earlier iteration; at the right end the "
                            "views follow the run")
        self.slider.setRange(0, 0)
        self.slider.setEnabled(False)
        self.label = status_label(f"{prefix}scrubLabel" if prefix else "scrubLabel", "Iteration shown", "no run yet")
        self.label.setFixedWidth(self.label.fontMetrics().horizontalAdvance("iteration 00000 of 00000 (live)") + 8)
        self.label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        h.addWidget(self.label)
        h.addWidget(self.slider, 1)
        self.snaps: list = []
        self.slider.valueChanged.connect(self._on_value)
        self._quiet = False

    @property
    def live(self) -> bool:
        return not self.snaps or self.slider.value() >= len(self.snaps) - 1

    def current(self):
        if not self.snaps:
            return None
        return self.snaps[min(self.slider.value(), len(self.snaps) - 1)]

    def reset(self) -> None:
        self.set_snapshots([])

    def set_snapshots(self, snaps: list) -> None:
        """The run's kept snapshots (the latest last); a live slider moves to the newest."""
        follow = self.live
        keep = self.current()
        self.snaps = list(snaps)
        self._quiet = True
        try:
            self.slider.setRange(0, max(len(self.snaps) - 1, 0))
            self.slider.setEnabled(len(self.snaps) > 1)
            if follow or keep is None:
                self.slider.setValue(len(self.snaps) - 1)
            else:
                idx = next((i for i, s in enumerate(self.snaps) if s.iteration >= keep.iteration), len(self.snaps) - 1)
                self.slider.setValue(idx)
        finally:
            self._quiet = False
        self._show()

    def _show(self) -> None:
        snap = self.current()
        if snap is None:
            self.label.setText("no run yet")
            return
        last = self.snaps[-1].iteration
        self.label.setText(f"iteration {snap.iteration} of {last}" + (" (live)" if self.live else ""))

    def _on_value(self, _v: int) -> None:
        self._show()
        if not self._quiet:
            self.chosen.emit(None if self.live else self.current())
