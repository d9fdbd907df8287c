"""The snapshots of a run kept for scrubbing back ("the reward at iteration k"), bounded in memory whatever the
run's length: every snapshot is offered, every ``stride``-th is kept, and when the store is full the stride doubles
and every other kept one is dropped, so the kept iterations stay evenly spread over the whole run. The latest
snapshot is always kept. Qt-free and thread-safe (the worker thread offers, the GUI thread reads)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np


def snapshot_bytes(snap: Any) -> int:
    """Bytes held by a snapshot's arrays (for the memory budget)."""
    total = 0
    for v in vars(snap).values() if hasattr(snap, "__dict__") else ():
        if isinstance(v, np.ndarray):
            total += v.nbytes
    return max(total, 1)


class SnapshotHistory:
    """``capacity`` snapshots at most, and at most ``budget`` bytes of their arrays."""

    def __init__(self, capacity: int = 240, budget: int = 200 * 2**20) -> None:
        self.capacity = max(int(capacity), 2)
        self.budget = int(budget)
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._kept: list[Any] = []
            self._latest: Any = None
            self._stride = 1
            self._cap = self.capacity

    def offer(self, snap: Any) -> None:
        with self._lock:
            if self._latest is None:  # the first snapshot sets the memory budget's share of each
                self._cap = max(2, min(self.capacity, self.budget // snapshot_bytes(snap)))
            self._latest = snap
            if snap.iteration % self._stride:
                return
            self._kept.append(snap)
            if len(self._kept) > self._cap:
                self._stride *= 2
                self._kept = [s for s in self._kept if s.iteration % self._stride == 0]

    def snapshots(self) -> list[Any]:
        """The kept snapshots in iteration order, the latest last."""
        with self._lock:
            out = list(self._kept)
            if self._latest is not None and (not out or out[-1] is not self._latest):
                out.append(self._latest)
            return out

    def __len__(self) -> int:
        return len(self.snapshots())
