"""The run lifecycle of a tab: start a :class:`~irl_studio.gui.common.worker.RunWorker` on a built algorithm, pause,
resume, stop, hand the views the latest snapshot and every step's metrics, and say how the run ended.

The GUI thread never waits for the worker while the app runs: the run's end is the worker's ``finished_run`` signal
(emitted as its last act), and the thread object is deleted once it has finished; only :meth:`shutdown` (closing the
window) waits. :class:`RunBar` is the Run / Pause / Stop row with its status lines, bound to a controller.
"""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from irl_studio.core.steppable import Steppable
from irl_studio.gui.common.format import fmt_seconds
from irl_studio.gui.common.history import SnapshotHistory
from irl_studio.gui.common.widgets import button, status_label
from irl_studio.gui.common.worker import RunWorker


class RunController(QObject):
    """Signals: ``started(str title)``, ``snapshot(object)`` (the latest, at a bounded rate), ``metrics(list)``
    ((iteration, metrics) of every step since the last), ``finished(object snapshot, str outcome, str message)``
    with outcome ``done`` / ``stopped`` / ``failed``, ``runningChanged(bool)``, ``pausedChanged(bool)``."""

    started = Signal(str)
    snapshot = Signal(object)
    metrics = Signal(list)
    finished = Signal(object, str, str)
    runningChanged = Signal(bool)
    pausedChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None, min_interval: float = 0.03) -> None:
        super().__init__(parent)
        self.min_interval = min_interval
        self.worker: RunWorker | None = None
        self._threads: set[RunWorker] = set()
        self.history = SnapshotHistory()
        self.last_snapshot = None
        self.last_outcome: tuple[str, str] | None = None
        self.last_artefacts = None  # what the last run left behind (networks, a fine reward grid), if anything
        self.update_count = 0
        self.t0 = 0.0
        self.title = ""
        self.info: dict = {}  # what the starter says about the run (its settings), for every panel that draws it

    # --- control ------------------------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.worker is not None

    @property
    def paused(self) -> bool:
        return self.worker is not None and self.worker.paused

    @property
    def iteration(self) -> int:
        return self.worker.iteration if self.worker is not None else (
            self.last_snapshot.iteration if self.last_snapshot is not None else 0)

    def start(self, build: Callable[[], Steppable], title: str = "", info: dict | None = None) -> bool:
        """Start a run of ``build()`` (a picklable build spec, called in the worker process); False when one is
        going. ``info``: the run's settings, kept as :attr:`info` for the panels that show its results."""
        if self.worker is not None:
            return False
        self.info = dict(info or {})
        w = RunWorker(build, self.min_interval)
        self.worker = w
        self.history = w.history
        self.last_snapshot = None
        self.last_outcome = None
        self.last_artefacts = None
        self.update_count = 0
        self.title = title
        self._threads.add(w)
        w.progress.connect(self._on_progress)
        w.finished_run.connect(self._on_finished)
        w.started_run.connect(self.started)
        w.finished.connect(lambda w=w: self._reap(w))
        self.t0 = time.perf_counter()
        self.runningChanged.emit(True)
        w.start()
        return True

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.request_stop()

    def set_paused(self, on: bool) -> None:
        if self.worker is None or on == self.worker.paused:
            return
        self.worker.pause() if on else self.worker.resume()
        self.pausedChanged.emit(on)

    def forget(self) -> None:
        """Drop the last run's snapshots (a new document was opened)."""
        if self.worker is None:
            self.history = SnapshotHistory()
            self.last_snapshot = None
            self.last_outcome = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    # --- from the worker ----------------------------------------------------------------------------------------
    def _on_progress(self) -> None:
        w = self.worker
        if w is None or self.sender() is not w:
            return
        snap = w.take()
        hist = w.take_history()
        if hist:
            self.metrics.emit(hist)
        if snap is not None:
            self.last_snapshot = snap
            self.update_count += 1
            self.snapshot.emit(snap)

    def _on_finished(self, snap, outcome: str, message: str) -> None:
        w = self.sender()
        if w is not self.worker:
            return
        hist = w.take_history()
        self.worker = None
        if hist:
            self.metrics.emit(hist)
        if snap is not None:
            self.last_snapshot = snap
            self.update_count += 1
        self.last_artefacts = w.artefacts
        self.last_outcome = (outcome, message)
        self.runningChanged.emit(False)
        self.finished.emit(snap, outcome, message)

    def _reap(self, w: RunWorker) -> None:
        self._threads.discard(w)
        w.deleteLater()

    def shutdown(self) -> None:
        """Stop the run and wait for every worker thread (closing the window)."""
        w = self.worker
        if w is not None:
            for sig in (w.progress, w.finished_run):
                try:
                    sig.disconnect()
                except (RuntimeError, TypeError):
                    pass
            self.worker = None
            self.runningChanged.emit(False)
        for t in list(self._threads):
            t.request_stop()
            t.wait()
        self._threads.clear()


class RunBar(QWidget):
    """Run / Pause / Stop and two status lines (what happens; iteration, speed, time), bound to a controller.
    ``on_run`` builds and starts the run (returns False with a message when it cannot). Object names carry
    ``prefix`` (``runButton`` in the gridworld tab, ``planeRunButton`` in the continuous one)."""

    def __init__(self, controller: RunController, on_run: Callable[[], bool], prefix: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller

        def nm(s: str) -> str:
            return f"{prefix}{s[0].upper()}{s[1:]}" if prefix else s

        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.runButton = button("Run", nm("runButton"), "Start learning in the background", lambda: on_run())
        self.pauseButton = button("Pause", nm("pauseButton"), "Pause or resume the run", controller.set_paused,
                                  checkable=True)
        self.stopButton = button("Stop", nm("stopButton"), "Stop the run (it ends within a fraction of a second)",
                                 self._stop)
        for b in (self.runButton, self.pauseButton, self.stopButton):
            row.addWidget(b)
        v.addLayout(row)
        self.statusLabel = status_label(nm("runStatusLabel"), "Run status", "Ready.", lines=2)
        self.statsLabel = status_label(nm("runStatsLabel"), "Iteration, speed and time", "iteration 0")
        v.addWidget(self.statusLabel)
        v.addWidget(self.statsLabel)
        controller.runningChanged.connect(self._on_running)
        controller.pausedChanged.connect(self._on_paused)
        controller.snapshot.connect(self._on_snapshot)
        controller.finished.connect(self._on_finished)
        self._on_running(False)

    def message(self, text: str, error: bool = False) -> None:
        self.statusLabel.setText(text)
        self.statusLabel.setStyleSheet("color: #b00020; font-weight: bold;" if error else "")

    def clear_error(self) -> None:
        """Drop a 'Cannot run' message once its cause may be gone (a demonstration was recorded, say)."""
        if self.statusLabel.styleSheet() and not self.controller.running:
            self.message("Ready.")

    def _stop(self) -> None:
        if self.controller.running:
            self.controller.stop()
            self.message("Stopping…")

    def _on_running(self, running: bool) -> None:
        self.runButton.setEnabled(not running)
        self.stopButton.setEnabled(running)
        self.pauseButton.setEnabled(running)
        if not running:
            self.pauseButton.blockSignals(True)
            self.pauseButton.setChecked(False)
            self.pauseButton.blockSignals(False)
            self.pauseButton.setText("Pause")

    def _on_paused(self, on: bool) -> None:
        self.pauseButton.setText("Resume" if on else "Pause")
        self.message("Paused" if on else "Running…")

    def _on_snapshot(self, snap) -> None:
        wall = max(self.controller.elapsed(), 1e-9)
        self.statsLabel.setText(f"iteration {snap.iteration}  ·  {snap.iteration / wall:.1f} it/s  ·  "
                                f"{fmt_seconds(wall)}")

    def _on_finished(self, snap, outcome: str, message: str) -> None:
        n = snap.iteration if snap is not None else 0
        if snap is not None:
            self._on_snapshot(snap)
        if outcome == "failed":
            self.message(f"Run failed: {message}", error=True)
        elif outcome == "stopped":
            self.message(f"Stopped at iteration {n}.")
        else:
            self.message(f"Finished: {message} after {n} iterations.")
