"""Background work: one :class:`RunWorker` drives one :class:`~irl_studio.core.steppable.Steppable` algorithm step by
step in a QThread; :class:`TaskThread` runs a single engine call (re-optimization, rollouts, expert demonstrations)
off the GUI thread.

The run worker never floods the event loop: after each step it keeps only the latest snapshot and signals
``progress`` when at least ``min_interval`` seconds have passed *and* the GUI has taken the previous one
(:meth:`RunWorker.take`). Every step's metrics are kept for the curves (:meth:`RunWorker.take_history`) and the
snapshots, thinned, for scrubbing back (:attr:`RunWorker.history`). The final snapshot arrives with ``finished_run``.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QThread, Signal

from irl_studio import IRLStudioError
from irl_studio.core.steppable import Cancelled, Steppable
from irl_studio.gui.common.history import SnapshotHistory


def limit_threads() -> None:
    """Keep numeric libraries to one thread so the GUI thread is never starved."""
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            torch.set_num_threads(1)
        except RuntimeError:
            pass


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, IRLStudioError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory: the problem is too large for this machine"
    return f"unexpected error ({type(exc).__name__}: {exc})"


class RunWorker(QThread):
    """Builds the algorithm (``build()``, in the thread: building can take a while), then steps it until done,
    stopped or failed.

    Signals: ``started_run(str title)``, ``progress()`` (take the latest snapshot with :meth:`take`),
    ``finished_run(object snapshot_or_None, str outcome, str message)`` with outcome ``done`` / ``stopped`` /
    ``failed``.
    """

    started_run = Signal(str)
    progress = Signal()
    finished_run = Signal(object, str, str)

    def __init__(self, build: Callable[[], Steppable], min_interval: float = 0.03, parent=None) -> None:
        super().__init__(parent)
        self._build = build
        self.min_interval = float(min_interval)
        self._lock = threading.Lock()
        self._latest = None
        self._metrics: list[tuple[int, dict]] = []
        self._pending = False
        self._stop = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self.iteration = 0
        self.history = SnapshotHistory()
        self.algorithm: Steppable | None = None

    # --- control from the GUI thread ---------------------------------------------------------------------------
    def request_stop(self) -> None:
        self._stop.set()
        self._resume.set()

    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    @property
    def paused(self) -> bool:
        return not self._resume.is_set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def take(self):
        """The latest snapshot (or None); lets the worker signal again."""
        with self._lock:
            snap, self._latest, self._pending = self._latest, None, False
        return snap

    def take_history(self) -> list[tuple[int, dict]]:
        """(iteration, metrics) of every step since the last call (the curves miss no iteration)."""
        with self._lock:
            hist, self._metrics = self._metrics, []
        return hist

    # --- the thread --------------------------------------------------------------------------------------------
    def run(self) -> None:
        limit_threads()
        snap = None
        try:
            algo = self._build()
            self.algorithm = algo
            algo.cancel_check = self._stop.is_set  # Stop also ends a long step after the pass under way
            self.started_run.emit(getattr(algo, "title", "") or algo.name)
            last_emit = 0.0
            while not algo.done:
                if self._stop.is_set():
                    break
                if not self._resume.is_set():
                    self._resume.wait()
                    continue
                snap = algo.step()
                self.iteration = snap.iteration
                self.history.offer(snap)
                now = time.perf_counter()
                with self._lock:
                    self._latest = snap
                    self._metrics.append((snap.iteration, dict(snap.metrics)))
                    emit = not self._pending and now - last_emit >= self.min_interval
                    if emit:
                        self._pending = True
                if emit:
                    last_emit = now
                    self.progress.emit()
        except Cancelled:  # stopped inside a step: the last snapshot stands
            self.finished_run.emit(snap, "stopped", "stopped")
            return
        except Exception as exc:  # noqa: BLE001 - every failure ends the run with a message, never a crash
            if not isinstance(exc, IRLStudioError):
                traceback.print_exc()
            self.finished_run.emit(snap, "failed", describe_error(exc))
            return
        if self._stop.is_set() and (snap is None or not snap.done):
            self.finished_run.emit(snap, "stopped", "stopped")
        else:
            self.finished_run.emit(snap, "done", snap.status if snap is not None else "done")


class TaskThread(QThread):
    """Runs ``fn()`` once off the GUI thread; emits ``succeeded(result)`` or ``failed(message)``."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], parent=None) -> None:
        super().__init__(parent)
        self._fn = fn

    def run(self) -> None:
        limit_threads()
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001
            if not isinstance(exc, IRLStudioError):
                traceback.print_exc()
            self.failed.emit(describe_error(exc))
            return
        self.succeeded.emit(result)
