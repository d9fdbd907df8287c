"""What both tabs' results panels do with a run: reset at its start, draw each snapshot while the scrub bar is at
the live end, keep the scrub bar's snapshots, feed every step's metrics to the curves and redraw them on their own
clock (in other event-loop turns than the views, so no frame pays for both), draw the last snapshot at the end. A
subclass builds its views and implements :meth:`draw`."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from irl_studio.gui.common.curves import CurvesView
from irl_studio.gui.common.run_controller import RunController
from irl_studio.gui.common.scrub import ScrubBar


class LiveResults(QWidget):
    def __init__(self, runs: RunController, curves: CurvesView, scrub: ScrubBar, parent=None) -> None:
        super().__init__(parent)
        self.runs, self.curvesView, self.scrub = runs, curves, scrub
        self.curves_timer = QTimer(self)
        self.curves_timer.setObjectName(f"{curves.objectName()}Timer")
        self.curves_timer.setInterval(300)
        self.curves_timer.timeout.connect(lambda: self.curvesView.dirty and self.curvesView.flush())
        runs.runningChanged.connect(self._on_running)
        runs.snapshot.connect(self._on_snapshot)
        runs.metrics.connect(self.curvesView.add_many)
        runs.finished.connect(self._on_finished)
        scrub.chosen.connect(lambda s: self.draw(s if s is not None else self.scrub.current()))

    def draw(self, snap) -> None:
        raise NotImplementedError

    def _on_running(self, running: bool) -> None:
        if running:
            self.curvesView.reset()
            self.scrub.reset()
            self.curves_timer.start()
        else:
            self.curves_timer.stop()

    def _on_snapshot(self, snap) -> None:
        self.scrub.set_snapshots(self.runs.history.snapshots())
        if self.scrub.live:
            self.draw(snap)

    def _on_finished(self, snap, outcome: str, message: str) -> None:
        self.scrub.set_snapshots(self.runs.history.snapshots())
        if snap is not None and self.scrub.live:
            self.draw(snap)
        # the last curve points are drawn in the next event-loop turn, not in the same one as the views
        QTimer.singleShot(0, self.curvesView.flush)
