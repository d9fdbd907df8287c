"""The step protocol every learner follows, tabular or sample-based, in a gridworld or on a continuous plane.

    algo = SomeAlgorithm(problem_or_env, SomeConfig(), seed=0)
    algo.cancel_check = stop_event.is_set     # optional: lets a caller end a long step early
    while not algo.done:
        snap = algo.step()                    # an immutable snapshot

This is all the GUI's run worker, the command line's progress loop, the tests and the benchmarks need of an
algorithm, so a sample-based algorithm on a continuous environment drives the same worker and the same result
widgets as MaxEnt IRL on a grid. What a snapshot holds beyond the fields of :class:`StepSnapshot` is the algorithm
family's own business (the tabular :class:`~irl_studio.algorithms.base.Snapshot` has per-cell rewards and
visitations; a continuous one has a reward over the plane and policy rollouts); views check what they draw.
"""

from __future__ import annotations

from typing import Callable, Mapping, Protocol, runtime_checkable


class Cancelled(Exception):
    """Raised inside a step when the caller's ``cancel_check`` says stop. The step is abandoned, the algorithm's
    state is as it was before the step, and the last snapshot stands."""


CancelCheck = Callable[[], bool] | None

# how a run ended (the status of the last snapshot): "running" while it goes on
RUNNING = "running"
CONVERGED = "converged"
MAX_ITERATIONS = "max iterations"
FAILED = "failed"


@runtime_checkable
class StepSnapshot(Protocol):
    """What every snapshot has: read-only, safe to hand to another thread."""

    iteration: int  # steps made so far (1 after the first step)
    metrics: Mapping[str, float]  # named scalars of this step (curves, labels, reports)
    done: bool
    status: str  # "running", "converged", "max iterations", ...
    elapsed: float  # seconds of computation so far


@runtime_checkable
class Steppable(Protocol):
    """An algorithm driven one step at a time. ``step`` may raise :class:`Cancelled` (when ``cancel_check()`` turns
    true during the step) or an :class:`~irl_studio.IRLStudioError` with a message for the user (a failed run)."""

    name: str  # short id (CLI --algo, sessions)
    title: str  # for people
    iteration: int
    cancel_check: CancelCheck

    @property
    def done(self) -> bool: ...

    def step(self) -> StepSnapshot: ...


def check_cancel(cancel: CancelCheck) -> None:
    """Raise :class:`Cancelled` when ``cancel()`` says so (call between environment steps, minibatches, passes)."""
    if cancel is not None and cancel():
        raise Cancelled()
