"""The protocol every IRL algorithm follows: a problem, a config dataclass, and one step at a time.

    algo = MaxEntIRL(problem, MaxEntConfig(), seed=0)
    while not algo.done:
        snap = algo.step()          # an immutable Snapshot
    snap.reward_grid                # the learned reward per cell, NaN on walls

The GUI's worker, the command line, the tests and the benchmarks all drive algorithms this way, so what the user
sees is what the tests check. Configs are documented dataclasses: every field has a default and ``metadata["help"]``
(and optionally ``"choices"``, ``"min"``, ``"max"``); the CLI flags and the GUI's parameter form are generated
from them (:func:`config_fields`).
"""

from __future__ import annotations

import dataclasses
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, ClassVar, Iterator, Mapping

import numpy as np

from irl_studio import IRLStudioError
from irl_studio.core.demos import DemoArrays, Demos, empirical_visitation, to_arrays
from irl_studio.core.features import Features, make_features
from irl_studio.core.layout import Layout
from irl_studio.core.mdp import GridMDP, build_mdp
from irl_studio.core.steppable import Cancelled
from irl_studio.core.metrics import Scorer


class AlgorithmError(IRLStudioError):
    """A run cannot start or has failed (diverged, bad configuration); the message says why."""


# Cancelled (core.steppable) is raised inside a step when the caller's ``cancel_check`` says stop: the step is
# abandoned, the algorithm's state is as it was before the step, and the last snapshot stands.


def knob(default: Any, help: str, **meta: Any) -> Any:
    """A config field: its default, a one-line help (CLI --help and GUI tooltip) and optional choices/min/max."""
    return field(default=default, metadata={"help": help, **meta})


@dataclass(frozen=True)
class Problem:
    """What an algorithm learns from: the layout, its MDP, features, validated demonstrations, optional true reward.
    The horizon (``mdp.horizon``) counts steps: an episode takes at most that many actions."""

    layout: Layout
    mdp: GridMDP
    features: Features
    demos: Demos
    arrays: DemoArrays
    true_reward: np.ndarray | None  # per state

    @classmethod
    def from_layout(cls, layout: Layout, demos: Demos, features: str | Features = "state",
                    use_true_reward: bool = True) -> Problem:
        """Build and validate; raises a :class:`~irl_studio.IRLStudioError` subclass with a clear message."""
        mdp = build_mdp(layout)
        feats = make_features(features, layout, mdp) if isinstance(features, str) else features
        arrays = to_arrays(mdp, demos, mdp.horizon)
        true = None
        if use_true_reward and layout.true_reward is not None:
            true = mdp.state_values(np.asarray(layout.true_reward, dtype=np.float64))
        return cls(layout.copy(), mdp, feats, demos, arrays, true)

    @property
    def horizon(self) -> int:
        return self.mdp.horizon


def _frozen(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class Snapshot:
    """An immutable picture of a run after one step (arrays are read-only copies)."""

    algorithm: str
    iteration: int
    reward: np.ndarray  # (S,) learned reward per state
    reward_grid: np.ndarray  # (rows, cols), NaN on walls
    expert_visitation: np.ndarray  # (S,)
    learner_visitation: np.ndarray  # (S,)
    policy: np.ndarray  # (S, A): the policy at t = 0 (stationary algorithms: the policy)
    metrics: Mapping[str, float]
    done: bool
    status: str  # "running", "converged", "max iterations"
    elapsed: float  # seconds of computation so far
    weights: np.ndarray | None = None  # linear reward weights, when the reward is linear
    unidentified: tuple[str, ...] = ()  # names of weights the demonstrations do not determine (last snapshot)
    notes: tuple[str, ...] = ()  # what a reader of the metrics should know (e.g. why no correlation is shown)

    def grid_of(self, values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """A per-state vector of this run (a visitation, say) on the (rows, cols) grid, ``fill`` on walls."""
        floor = np.isfinite(self.reward_grid)  # the reward is finite on every floor cell, NaN on walls
        out = np.full(self.reward_grid.shape, fill, dtype=np.float64)
        out[floor] = values
        return out


def config_fields(config_type: type) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(config_type) if f.init]


def config_from_mapping(config_type: type, values: Mapping[str, Any]) -> Any:
    """Build a config from strings or values, checking names, types, choices and bounds (clear messages)."""
    known = {f.name: f for f in config_fields(config_type)}
    kwargs: dict[str, Any] = {}
    for key, raw in values.items():
        name = key.replace("-", "_")
        if name not in known:
            raise AlgorithmError(f"unknown parameter {key!r}; known: {', '.join(sorted(known))}")
        f = known[name]
        kind = type(f.default)
        try:
            if kind is bool and isinstance(raw, str):
                if raw.lower() not in ("1", "0", "true", "false", "yes", "no", "on", "off"):
                    raise ValueError
                val: Any = raw.lower() in ("1", "true", "yes", "on")
            elif kind in (int, float, str, bool):
                val = kind(raw)
                if kind is int and isinstance(raw, float) and not raw.is_integer():
                    raise ValueError
            elif isinstance(f.default, tuple):
                parts = raw.split(",") if isinstance(raw, str) else list(raw)
                val = tuple(int(p) for p in parts if str(p).strip() != "")
            else:
                val = raw
        except (TypeError, ValueError):
            raise AlgorithmError(f"parameter {key}: {raw!r} is not a valid {kind.__name__}") from None
        if isinstance(val, float) and not np.isfinite(val):
            raise AlgorithmError(f"parameter {key}: must be finite, not {raw!r}")
        meta = f.metadata
        if "choices" in meta and val not in meta["choices"]:
            raise AlgorithmError(f"parameter {key}: {val!r} is not one of {', '.join(map(str, meta['choices']))}")
        if "min" in meta and val < meta["min"]:
            raise AlgorithmError(f"parameter {key}: {val} is below the minimum {meta['min']}")
        if "max" in meta and val > meta["max"]:
            raise AlgorithmError(f"parameter {key}: {val} is above the maximum {meta['max']}")
        kwargs[name] = val
    return config_type(**kwargs)


class IRLAlgorithm(ABC):
    """Base class: holds the problem, the config and the seed; subclasses implement :meth:`_step`."""

    name: ClassVar[str] = "abstract"
    title: ClassVar[str] = ""
    paper: ClassVar[str] = ""
    Config: ClassVar[type]

    def __init__(self, problem: Problem, config: Any = None, seed: int = 0) -> None:
        self.problem = problem
        self.config = config if config is not None else self.Config()
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        self.iteration = 0
        self.status = "running"
        self._elapsed = 0.0
        self._last_eval: dict[str, float] = {}
        self._scorer: Scorer | None = None
        # set by a caller that must be able to stop within a step (the GUI's worker): checked before every
        # backward/forward pass, so a step with a long line search still stops after the pass under way
        self.cancel_check: Callable[[], bool] | None = None
        self._last: Snapshot | None = None

    # --- the protocol ---------------------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.status != "running"

    @property
    def last(self) -> Snapshot | None:
        return self._last

    def step(self) -> Snapshot:
        """Advance one iteration and return its snapshot. Raises :class:`AlgorithmError` if the run diverged."""
        if self.done and self._last is not None:
            return self._last
        t0 = time.perf_counter()
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                out = self._step()
        except IRLStudioError as exc:
            self.status = "failed"
            raise AlgorithmError(f"{self.title or self.name} failed at iteration {self.iteration + 1}: {exc}") from exc
        except Cancelled:
            self._elapsed += time.perf_counter() - t0
            raise
        except FloatingPointError as exc:
            self.status = "failed"
            raise AlgorithmError(f"{self.title or self.name} diverged at iteration {self.iteration + 1}: {exc}") \
                from exc
        self.iteration += 1
        reward = np.asarray(out["reward"], dtype=np.float64)
        if not np.all(np.isfinite(reward)):
            self.status = "failed"
            raise AlgorithmError(f"{self.title or self.name} diverged at iteration {self.iteration}: the reward has "
                                 f"NaN or infinite values (try a smaller learning rate)")
        if self.status == "running" and self.iteration >= self.config.max_iterations:
            self.status = "max iterations"
        if out.get("converged") and self.status == "running":
            self.status = "converged"
        metrics = dict(out.get("metrics", {}))
        self._elapsed += time.perf_counter() - t0
        notes: list[str] = list(out.get("notes", ()))
        unidentified = tuple(out.get("unidentified", ()))
        if unidentified:
            notes.append(f"{len(unidentified)} weight(s) not determined by the demonstrations (the objective is flat "
                         f"along them; their value is the prior's): {', '.join(unidentified[:8])}"
                         + (", ..." if len(unidentified) > 8 else ""))
        if self.problem.true_reward is not None:
            # scoring is not part of the fit: its time is not counted in `elapsed`
            every = int(getattr(self.config, "eval_every", 1))
            if self.done:
                self._last_eval = self.scorer.full(reward)
                note = self.scorer.correlation_note(reward)
                if note:
                    notes.append(note)
            elif every > 0 and (self.iteration - 1) % every == 0:
                self._last_eval = self.scorer.live(reward)
            metrics.update(self._last_eval)
        metrics["seconds"] = self._elapsed
        mdp = self.problem.mdp
        snap = Snapshot(
            algorithm=self.name, iteration=self.iteration, reward=_frozen(reward),
            reward_grid=_frozen(mdp.grid_values(reward)),
            expert_visitation=_frozen(out["expert_visitation"]), learner_visitation=_frozen(out["learner_visitation"]),
            policy=_frozen(out["policy"]), metrics=MappingProxyType(metrics), done=self.done, status=self.status,
            elapsed=self._elapsed, weights=_frozen(out.get("weights")), unidentified=unidentified,
            notes=tuple(notes),
        )
        self._last = snap
        return snap

    def __iter__(self) -> Iterator[Snapshot]:
        while not self.done:
            yield self.step()

    def run(self, max_steps: int | None = None, callback=None) -> Snapshot:
        """Drive to the end (or ``max_steps`` more steps); ``callback(snapshot)`` after each step."""
        n = 0
        snap = self._last
        while not self.done and (max_steps is None or n < max_steps):
            snap = self.step()
            n += 1
            if callback is not None:
                callback(snap)
        if snap is None:
            raise AlgorithmError("the run made no step")
        return snap

    @abstractmethod
    def _step(self) -> dict[str, Any]:
        """One iteration: returns reward, expert_visitation, learner_visitation, policy, metrics, [converged,
        weights, unidentified, notes]."""

    # --- shared helpers -------------------------------------------------------------------------------------------
    @property
    def scorer(self) -> Scorer:
        """Scores rewards against the true reward (made on first use: the baselines are computed once)."""
        if self._scorer is None:
            if self.problem.true_reward is None:
                raise AlgorithmError("the layout has no true reward to score against")
            self._scorer = Scorer(self.problem.mdp, self.problem.true_reward)
        return self._scorer

    def check_cancel(self) -> None:
        """Raise :class:`Cancelled` when the caller asked to stop (call it before each expensive pass)."""
        if self.cancel_check is not None and self.cancel_check():
            raise Cancelled()

    def expert_visitation(self, discount: float = 1.0) -> np.ndarray:
        return empirical_visitation(self.problem.arrays, self.problem.mdp.n_states, discount)

    def start_distribution(self, which: str) -> np.ndarray:
        if which == "demos":
            return self.problem.arrays.start_distribution(self.problem.mdp.n_states)
        return self.problem.mdp.start
