"""Background work. A :class:`RunWorker` (a QThread) drives one run: it hands a picklable build spec to a worker
*process* (:mod:`irl_studio.runner`, so the algorithm never holds the window's GIL), relays its snapshots and
metrics as Qt signals, and passes Pause / Stop on through shared events. :class:`TaskThread` runs a single short
engine call (re-optimization, rollouts, expert demonstrations) off the GUI thread.

The run worker never floods the event loop: the worker process sends a snapshot at most every 30 ms and only once
the GUI has taken the previous one (:meth:`RunWorker.take`); every step's metrics arrive for the curves
(:meth:`RunWorker.take_history`), the snapshots, thinned, for scrubbing back (:attr:`RunWorker.history`). The final
snapshot arrives with ``finished_run``. Worker processes are kept in a small pool and reused (the first is started,
and warmed up with the algorithms' imports, when the window opens); when a process cannot be started the run goes
on in this thread, with the same protocol.
"""

from __future__ import annotations

import atexit
import multiprocessing as mp
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QThread, Signal

from irl_studio import IRLStudioError
from irl_studio.core.steppable import Steppable
from irl_studio.gui.common.history import SnapshotHistory
from irl_studio.runner import describe_error, drive, limit_threads, serve, warm_up

KILL_AFTER = 3.0  # seconds after Stop before a worker process that does not answer is terminated


class WorkerProcess:
    """A process that runs :func:`irl_studio.runner.serve`, with its pipe and its three shared events."""

    def __init__(self, warm: bool = True) -> None:
        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.cancel, self.resume, self.taken = ctx.Event(), ctx.Event(), ctx.Event()
        self.proc = ctx.Process(target=serve, args=(child, self.cancel, self.resume, self.taken), daemon=True,
                                name="irl-studio worker")
        self.proc.start()
        child.close()
        self.warming = warm
        if warm:  # import the algorithms (and torch) now, so the first run starts at once
            self.conn.send(("call", warm_up))

    @property
    def alive(self) -> bool:
        return self.proc.is_alive()

    def wait_ready(self, stop: threading.Event) -> bool:
        """Wait for the warm-up to finish (False if the process died or ``stop`` was set meanwhile)."""
        while self.warming:
            if stop.is_set() or not self.alive:
                return False
            if self.conn.poll(0.05):
                self.conn.recv()
                self.warming = False
        return True

    def close(self) -> None:
        try:
            if self.alive:
                self.conn.send(("quit",))
                self.proc.join(1.0)
        except (OSError, BrokenPipeError, ValueError):
            pass
        if self.proc.is_alive():
            self.proc.terminate()
            self.proc.join(1.0)
        self.conn.close()


class _Pool:
    """Idle worker processes, reused run after run; all closed at exit."""

    def __init__(self) -> None:
        self._idle: list[WorkerProcess] = []
        self._all: list[WorkerProcess] = []
        self._lock = threading.Lock()
        self.disabled = False
        atexit.register(self.close_all)

    def acquire(self, warm: bool = True) -> WorkerProcess | None:
        with self._lock:
            while self._idle:
                p = self._idle.pop()
                if p.alive:
                    return p
            if self.disabled:
                return None
        try:
            p = WorkerProcess(warm)
        except (OSError, RuntimeError, ValueError) as exc:  # no processes here: runs go on in threads
            print(f"irl-studio: runs go on in the window's process ({exc})")
            self.disabled = True
            return None
        with self._lock:
            self._all.append(p)
        return p

    def release(self, p: WorkerProcess) -> None:
        with self._lock:
            if p.alive:
                self._idle.append(p)

    def discard(self, p: WorkerProcess) -> None:
        with self._lock:
            if p in self._all:
                self._all.remove(p)
        p.close()

    def prewarm(self) -> None:
        """Start one process now, so that the first Run does not wait for it."""
        with self._lock:
            if self._idle or self.disabled:
                return
        p = self.acquire()
        if p is not None:
            self.release(p)

    def close_all(self) -> None:
        with self._lock:
            procs, self._all, self._idle = list(self._all), [], []
        for p in procs:
            p.close()


pool = _Pool()


class RunWorker(QThread):
    """Runs ``build()`` (a picklable callable returning a Steppable) to the end, stopped or failed.

    Signals: ``started_run(str title)``, ``progress()`` (take the latest snapshot with :meth:`take`),
    ``finished_run(object snapshot_or_None, str outcome, str message)`` with outcome ``done`` / ``stopped`` /
    ``failed``.
    """

    started_run = Signal(str)
    progress = Signal()
    finished_run = Signal(object, str, str)

    def __init__(self, build: Callable[[], Steppable], min_interval: float = 0.03, in_process: bool = True,
                 parent=None) -> None:
        super().__init__(parent)
        self._build = build
        self.min_interval = float(min_interval)
        self.in_process = in_process
        self._lock = threading.Lock()
        self._latest = None
        self._metrics: list[tuple[int, dict]] = []
        self._pending = False
        self._stop = threading.Event()
        self._paused = False
        self._proc: WorkerProcess | None = None
        self._local = None  # (cancel, resume, taken) events of an in-thread run
        self.iteration = 0
        self.history = SnapshotHistory()
        self.artefacts = None  # what the run left behind (the algorithm's artefacts(), when it has that method)

    # --- control from the GUI thread ---------------------------------------------------------------------------
    def _events(self):
        return (self._proc.cancel, self._proc.resume, self._proc.taken) if self._proc is not None else self._local

    def request_stop(self) -> None:
        self._stop.set()
        ev = self._events()
        if ev is not None:
            ev[0].set()
            ev[1].set()

    def pause(self) -> None:
        self._paused = True
        ev = self._events()
        if ev is not None:
            ev[1].clear()

    def resume(self) -> None:
        self._paused = False
        ev = self._events()
        if ev is not None:
            ev[1].set()

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def take(self):
        """The latest snapshot (or None); lets the worker send the next one."""
        with self._lock:
            snap, self._latest, self._pending = self._latest, None, False
        ev = self._events()
        if ev is not None:
            ev[2].set()
        return snap

    def take_history(self) -> list[tuple[int, dict]]:
        """(iteration, metrics) of every step since the last call (the curves miss no iteration)."""
        with self._lock:
            hist, self._metrics = self._metrics, []
        return hist

    # --- messages from the run ---------------------------------------------------------------------------------
    def _handle(self, msg: tuple) -> bool:
        """One message of the run; True when it was the last."""
        kind = msg[0]
        if kind == "started":
            self.started_run.emit(msg[1])
        elif kind == "metrics":
            with self._lock:
                self._metrics.extend(msg[1])
            if msg[1]:
                self.iteration = msg[1][-1][0]
        elif kind == "snapshot":
            snap = msg[1]
            if not getattr(snap, "partial", False):  # a picture of an iteration under way is shown, not kept
                self.history.offer(snap)
                self.iteration = snap.iteration
            with self._lock:
                self._latest = snap
                emit = not self._pending
                self._pending = True
            if emit:
                self.progress.emit()
        elif kind == "artefacts":
            self.artefacts = msg[1]
        elif kind == "finished":
            snap, outcome, message = msg[1], msg[2], msg[3]
            if snap is not None:
                self.history.offer(snap)
                self.iteration = snap.iteration
            self.finished_run.emit(snap, outcome, message)
            return True
        return False

    # --- the thread --------------------------------------------------------------------------------------------
    def run(self) -> None:
        proc = pool.acquire() if self.in_process else None
        if proc is None:
            self._run_here()
            return
        self._proc = proc
        healthy = True
        try:
            healthy = self._run_in(proc)
        except Exception as exc:  # noqa: BLE001 - a broken pipe, an unpicklable spec: a message, never a crash
            traceback.print_exc()
            healthy = False
            self.finished_run.emit(self._latest, "failed", describe_error(exc))
        finally:
            self._proc = None
            pool.release(proc) if healthy else pool.discard(proc)

    def _run_in(self, proc: WorkerProcess) -> bool:
        """Drive the run in ``proc``; False when the process must not be reused."""
        proc.cancel.clear()
        proc.resume.set()
        proc.taken.set()
        if self._paused:
            proc.resume.clear()
        if not proc.wait_ready(self._stop):
            if not proc.alive:
                self.finished_run.emit(None, "failed", "the worker process could not start")
                return False
            self.finished_run.emit(None, "stopped", "stopped")
            return True
        if self._stop.is_set():
            self.finished_run.emit(None, "stopped", "stopped")
            return True
        proc.conn.send(("run", self._build))
        stop_at = None
        while True:
            if self._stop.is_set():
                proc.cancel.set()
                proc.resume.set()
                stop_at = stop_at or time.perf_counter()
            try:
                ready = proc.conn.poll(0.02)
                msg = proc.conn.recv() if ready else None
            except (EOFError, OSError):  # the process is gone (killed, crashed in native code)
                ready, msg = False, None
            if msg is not None:
                if self._handle(msg):
                    return True
            elif not proc.alive or ready is False and proc.proc.exitcode is not None:
                proc.proc.join(1.0)
                self.finished_run.emit(self._latest, "failed",
                                       f"the worker process ended unexpectedly (exit code {proc.proc.exitcode})")
                return False
            elif stop_at is not None and time.perf_counter() - stop_at > KILL_AFTER:
                self.finished_run.emit(self._latest, "stopped", "stopped (the worker did not answer and was ended)")
                return False

    def _run_here(self) -> None:
        """No worker process: the same protocol in this thread."""
        cancel, resume, taken = threading.Event(), threading.Event(), threading.Event()
        resume.set()
        taken.set()
        if self._paused:
            resume.clear()
        self._local = (cancel, resume, taken)
        if self._stop.is_set():
            cancel.set()
        limit_threads()
        drive(self._build, self._handle, cancel, resume, taken, self.min_interval)


class TaskThread(QThread):
    """Runs ``fn()`` once off the GUI thread, in a worker process when ``fn`` is picklable (a module-level function
    or a ``functools.partial`` of one: then it cannot hold the window's GIL), else in this thread; emits
    ``succeeded(result)`` or ``failed(message)``."""

    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[], Any], parent=None, in_process: bool | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self.in_process = _picklable(fn) if in_process is None else in_process

    def run(self) -> None:
        proc = pool.acquire(warm=False) if self.in_process else None
        if proc is None:
            self._run_here()
            return
        healthy = False
        try:
            if not proc.wait_ready(threading.Event()):
                raise OSError("the worker process could not start")
            proc.conn.send(("call", self._fn))
            while True:
                try:
                    ready = proc.conn.poll(0.05)
                    msg = proc.conn.recv() if ready else None
                except (EOFError, OSError):
                    msg = None
                    ready = False
                if msg is not None:
                    healthy = True
                    if msg[0] == "result":
                        self.succeeded.emit(msg[1])
                    else:
                        self.failed.emit(msg[1])
                    return
                if not proc.alive:
                    self.failed.emit(f"the worker process ended unexpectedly (exit code {proc.proc.exitcode})")
                    return
        except Exception as exc:  # noqa: BLE001 - a broken pipe: a message, never a crash
            self.failed.emit(describe_error(exc))
        finally:
            pool.release(proc) if healthy else pool.discard(proc)

    def _run_here(self) -> None:
        limit_threads()
        try:
            result = self._fn()
        except Exception as exc:  # noqa: BLE001
            if not isinstance(exc, IRLStudioError):
                traceback.print_exc()
            self.failed.emit(describe_error(exc))
            return
        self.succeeded.emit(result)


def _picklable(fn: Any) -> bool:
    import pickle

    try:
        pickle.dumps(fn)
    except Exception:  # noqa: BLE001 - lambdas, closures, bound methods of Qt objects...
        return False
    return True
