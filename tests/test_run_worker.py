"""The run worker: a run in a worker process (or, failing that, in the thread) streams the same snapshots as stepping
the algorithm directly, ends done / stopped / failed with a message, stops within a fraction of a second, and
survives a worker process that dies."""

from __future__ import annotations

import functools
import os
import time

import numpy as np
import pytest

from irl_studio.algorithms import build_tabular
from irl_studio.algorithms.maxent import MaxEntIRL
from irl_studio.core.builtin import builtin_demos, builtin_layout
from irl_studio.core.steppable import Cancelled, Steppable, check_cancel
from irl_studio.gui.common.worker import RunWorker, pool


class Slow:
    """A toy Steppable: counts, sleeps ``dt`` per step while polling the cancel check (picklable, module-level)."""

    name = title = "slow"

    def __init__(self, steps: int = 10**6, dt: float = 0.01, fail_at: int | None = None, die_at: int | None = None):
        self.steps, self.dt, self.fail_at, self.die_at = steps, dt, fail_at, die_at
        self.iteration = 0
        self.cancel_check = None

    @property
    def done(self) -> bool:
        return self.iteration >= self.steps

    def step(self):
        from types import MappingProxyType, SimpleNamespace

        end = time.perf_counter() + self.dt
        while time.perf_counter() < end:
            check_cancel(self.cancel_check)
            time.sleep(0.001)
        if self.iteration + 1 == self.fail_at:
            from irl_studio import IRLStudioError

            raise IRLStudioError("the toy diverged")
        if self.iteration + 1 == self.die_at:
            os._exit(3)
        self.iteration += 1
        return SimpleNamespace(iteration=self.iteration, metrics=MappingProxyType({"x": float(self.iteration)}),
                               done=self.done, status="running" if not self.done else "converged", elapsed=0.0)


def test_the_toy_follows_the_protocol():
    t = Slow(steps=2, dt=0.0)
    assert isinstance(t, Steppable)
    t.cancel_check = lambda: True
    t.dt = 0.01
    with pytest.raises(Cancelled):
        t.step()


def run(qtbot, build, in_process=True, stop_after=None, pause=False, timeout=60000):
    w = RunWorker(build, in_process=in_process)
    out = {}
    snaps = []
    w.progress.connect(lambda: snaps.append(w.take()))
    w.finished_run.connect(lambda s, o, m: out.update(snap=s, outcome=o, message=m, t=time.perf_counter()))
    w.start()
    if stop_after is not None:
        qtbot.waitUntil(lambda: w.iteration >= stop_after, timeout=timeout)
        t_stop = time.perf_counter()
        w.request_stop()
        qtbot.waitUntil(lambda: "outcome" in out, timeout=timeout)
        out["latency"] = out["t"] - t_stop
    qtbot.waitUntil(lambda: "outcome" in out, timeout=timeout)
    assert w.wait(10000)
    out["snaps"] = [s for s in snaps if s is not None]
    out["metrics"] = w.take_history()
    out["history"] = w.history.snapshots()
    return out


@pytest.mark.parametrize("in_process", [True, False])
def test_a_run_gives_the_snapshots_of_stepping_the_algorithm_directly(qtbot, in_process):
    layout, demos = builtin_layout("four-rooms"), builtin_demos("four-rooms")
    config = MaxEntIRL.Config(max_iterations=15, optimizer="adam", tol=0.0)
    build = functools.partial(build_tabular, "maxent", layout, demos, "state", config, 3)
    out = run(qtbot, build, in_process=in_process)
    assert out["outcome"] == "done" and out["snap"].iteration == 15
    direct = build()
    ref = None
    while not direct.done:
        ref = direct.step()
    np.testing.assert_array_equal(out["snap"].reward_grid, ref.reward_grid)  # the same seed, the same result
    assert [it for it, _ in out["metrics"]] == list(range(1, 16))  # every step's metrics, none lost
    assert out["history"][-1].iteration == 15


@pytest.mark.parametrize("in_process", [True, False])
def test_stop_ends_a_run_within_a_fraction_of_a_second(qtbot, in_process):
    out = run(qtbot, functools.partial(Slow, dt=0.2), in_process=in_process, stop_after=2)
    assert out["outcome"] == "stopped"
    assert out["latency"] < 0.5, out["latency"]


def test_a_failing_run_says_why(qtbot):
    out = run(qtbot, functools.partial(Slow, fail_at=3, dt=0.0))
    assert out["outcome"] == "failed" and "the toy diverged" in out["message"]
    assert out["snap"] is not None and out["snap"].iteration == 2  # the last good snapshot stands


def test_a_worker_process_that_dies_ends_the_run_with_a_message_and_the_next_run_works(qtbot):
    out = run(qtbot, functools.partial(Slow, die_at=2, dt=0.0))
    assert out["outcome"] == "failed" and "ended unexpectedly" in out["message"]
    again = run(qtbot, functools.partial(Slow, steps=3, dt=0.0))
    assert again["outcome"] == "done" and again["snap"].iteration == 3
    assert not pool.disabled


def _boom():
    from irl_studio import IRLStudioError

    raise IRLStudioError("no true reward")


@pytest.mark.parametrize("fn, in_process", [(functools.partial(pow, 2, 10), True), (lambda: 2 ** 10, False)])
def test_a_task_runs_in_a_worker_process_when_it_can_and_in_the_thread_when_not(qtbot, fn, in_process):
    from irl_studio.gui.common.worker import TaskThread

    t = TaskThread(fn)
    assert t.in_process is in_process  # a lambda cannot cross to a process
    got = []
    t.succeeded.connect(got.append)
    t.start()
    qtbot.waitUntil(lambda: bool(got), timeout=60000)
    assert t.wait(5000) and got == [1024]


def test_a_failing_task_says_why(qtbot):
    from irl_studio.gui.common.worker import TaskThread

    t = TaskThread(_boom)
    msgs = []
    t.failed.connect(msgs.append)
    t.start()
    qtbot.waitUntil(lambda: bool(msgs), timeout=60000)
    assert t.wait(5000) and msgs == ["no true reward"]


class WithArtefacts(Slow):
    def artefacts(self):
        return {"steps": self.iteration}


def test_what_a_run_leaves_behind_arrives_before_it_ends(qtbot):
    w = RunWorker(functools.partial(WithArtefacts, steps=3, dt=0.0))
    seen = {}
    w.finished_run.connect(lambda s, o, m: seen.update(artefacts=w.artefacts, outcome=o))
    w.start()
    qtbot.waitUntil(lambda: "outcome" in seen, timeout=60000)
    assert w.wait(5000) and seen == {"artefacts": {"steps": 3}, "outcome": "done"}


class WithProgress(Slow):
    """Slow steps with pictures of the step under way (marked partial)."""

    def progress(self):
        from types import MappingProxyType, SimpleNamespace

        return SimpleNamespace(iteration=self.iteration, metrics=MappingProxyType({}), done=False, status="running",
                               elapsed=0.0, partial=True)


def test_an_algorithm_with_progress_updates_the_views_during_its_steps_and_keeps_only_steps(qtbot):
    out = run(qtbot, functools.partial(WithProgress, steps=3, dt=0.4))
    assert out["outcome"] == "done"
    partial = [s for s in out["snaps"] if getattr(s, "partial", False)]
    assert len(partial) >= 3  # 1.2 s of steps, a picture every 80 ms when the GUI took the last one
    assert all(not getattr(s, "partial", False) for s in out["history"])
