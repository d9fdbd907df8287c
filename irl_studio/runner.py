"""Runs an algorithm in a worker process, step by step, and streams its snapshots back (Qt-free).

The GUI's run worker sends a *build spec* (a picklable callable that returns a
:class:`~irl_studio.core.steppable.Steppable`); this process builds the algorithm and steps it, checking the shared
``cancel`` event between passes (its ``cancel_check``) and the ``resume`` event between steps (pause), and sends

* ``("metrics", [(iteration, metrics), ...])`` for every step (batched),
* ``("snapshot", snap)`` at most every ``min_interval`` seconds (and never faster than the GUI takes them),
* ``("artefacts", data)`` when the algorithm has an ``artefacts()`` method (what a run leaves behind: networks, a
  fine reward grid), just before
* ``("finished", snap, outcome, message)`` once, with outcome ``done`` / ``stopped`` / ``failed``.

Why a process and not a thread: the GUI thread and a worker thread share the GIL. PySide releases it around every Qt
call and pyqtgraph paints in Python, so while a worker computes in Python each repaint waits for the GIL hundreds of
times (measured: paints 3x slower, event-loop stalls of 100 ms and more). In its own process the algorithm never holds
the window's GIL. Pickle only crosses this pipe between two processes of the same program: nothing read from a
user's file is unpickled.
"""

from __future__ import annotations

import copyreg
import os
import sys
import time
import traceback
import types
from typing import Any, Callable

from irl_studio import IRLStudioError
from irl_studio.core.steppable import Cancelled, Steppable


def _mapping_proxy(d: dict) -> types.MappingProxyType:
    return types.MappingProxyType(d)


# snapshots hold their metrics in a read-only MappingProxyType, which pickle does not know
copyreg.pickle(types.MappingProxyType, lambda m: (_mapping_proxy, (dict(m),)))

MIN_INTERVAL = 0.03  # seconds between two snapshots sent
PROGRESS_INTERVAL = 0.08  # seconds between two pictures of an iteration under way (algorithms with progress())


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, IRLStudioError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "out of memory: the problem is too large for this machine"
    return f"unexpected error ({type(exc).__name__}: {exc})"


def limit_threads() -> None:
    """One thread for numerical libraries: the window's process keeps the other cores."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            torch.set_num_threads(1)
        except RuntimeError:
            pass


def _with_progress(algo: Any, cancel, taken, send: Callable[[tuple], None]) -> Callable[[], bool]:
    """The cancel check handed to the algorithm (it calls it between environment steps, minibatches, passes).
    When the algorithm can show the iteration under way (``progress()``, a snapshot marked ``partial``), the check
    also sends one every ``PROGRESS_INTERVAL`` seconds once the last was drawn: views then move more often than
    iterations end (an AIRL iteration takes a few tenths of a second)."""
    progress = getattr(algo, "progress", None)
    if progress is None:
        return cancel.is_set
    last = [time.perf_counter()]

    def check() -> bool:
        now = time.perf_counter()
        if now - last[0] >= PROGRESS_INTERVAL and taken.is_set():
            last[0] = now
            snap = progress()
            if snap is not None:
                taken.clear()
                send(("snapshot", snap))
        return cancel.is_set()

    return check


def drive(build: Callable[[], Steppable], send: Callable[[tuple], None], cancel, resume, taken,
          min_interval: float = MIN_INTERVAL) -> None:
    """Build and step an algorithm until it is done, stopped (``cancel`` set) or failed, sending its progress.
    ``taken``: set by the receiver when it has drawn the last snapshot (no flooding)."""
    snap = None
    metrics: list[tuple[int, dict]] = []
    last_send = 0.0
    try:
        algo = build()
        limit_threads()
        algo.cancel_check = _with_progress(algo, cancel, taken, send)
        send(("started", getattr(algo, "title", "") or algo.name))
        while not algo.done:
            if cancel.is_set():
                break
            if not resume.is_set():
                if metrics:
                    send(("metrics", metrics))
                    metrics = []
                resume.wait(0.05)
                continue
            snap = algo.step()
            metrics.append((snap.iteration, dict(snap.metrics)))
            now = time.perf_counter()
            if now - last_send >= min_interval:
                send(("metrics", metrics))
                metrics = []
                if taken.is_set():
                    taken.clear()
                    send(("snapshot", snap))
                last_send = now
    except Cancelled:  # stopped inside a step: the last snapshot stands
        if metrics:
            send(("metrics", metrics))
        if snap is not None:
            _send_artefacts(algo, send)
        send(("finished", snap, "stopped", "stopped"))
        return
    except Exception as exc:  # noqa: BLE001 - every failure ends the run with a message, never a crash
        if not isinstance(exc, IRLStudioError):
            traceback.print_exc()
        if metrics:
            send(("metrics", metrics))
        send(("finished", snap, "failed", describe_error(exc)))
        return
    if metrics:
        send(("metrics", metrics))
    _send_artefacts(algo, send)
    if cancel.is_set() and (snap is None or not snap.done):
        send(("finished", snap, "stopped", "stopped"))
    else:
        send(("finished", snap, "done", snap.status if snap is not None else "done"))


def _send_artefacts(algo: Any, send: Callable[[tuple], None]) -> None:
    """What a run leaves behind besides its snapshots (``algo.artefacts()``: networks, a fine reward grid), sent
    before ``finished``; a failure here is reported on stderr and the run still ends."""
    fn = getattr(algo, "artefacts", None)
    if fn is None:
        return
    try:
        send(("artefacts", fn()))
    except Exception:  # noqa: BLE001
        traceback.print_exc()


def serve(conn, cancel, resume, taken) -> None:
    """The worker process's loop: ``("run", build)`` drives a run, ``("call", fn)`` returns ``fn()`` as
    ``("result", value)`` or ``("error", message)``, ``("quit",)`` ends it."""
    limit_threads()
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        kind = msg[0]
        if kind == "quit":
            return
        if kind == "run":
            drive(msg[1], conn.send, cancel, resume, taken)
        elif kind == "call":
            try:
                conn.send(("result", msg[1]()))
            except Exception as exc:  # noqa: BLE001
                if not isinstance(exc, IRLStudioError):
                    traceback.print_exc()
                conn.send(("error", describe_error(exc)))


def warm_up() -> Any:
    """Import what runs need (the algorithms and torch) so that the first run starts at once."""
    import irl_studio.algorithms  # noqa: F401

    return True
