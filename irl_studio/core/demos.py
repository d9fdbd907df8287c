"""Demonstrations: the `irl-studio.demos` format, validation against a layout's dynamics, empirical feature counts,
and experts that generate demonstrations from a true reward.

A trajectory is the list of cells occupied ``s_0 .. s_L`` and the ``L`` actions between them. Its counts use the same
convention as the learner's visitation (:mod:`irl_studio.core.planning`): every cell occupied counts, the start and the
final cell included, with weight ``gamma^t``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from irl_studio import IRLStudioError
from irl_studio.core.layout import ACTION_NAMES, read_json, write_json
from irl_studio.core.mdp import GridMDP
from irl_studio.core.planning import (
    hard_value_iteration,
    rollout,
    soft_value_iteration,
    time_weights,
)

FORMAT = "irl-studio.demos"
VERSION = 1


class DemoError(IRLStudioError):
    """A demonstration file is malformed or a trajectory is impossible under the layout's dynamics."""


@dataclass(frozen=True)
class Trajectory:
    cells: tuple[tuple[int, int], ...]
    actions: tuple[str, ...]

    def __post_init__(self) -> None:
        if len(self.actions) != len(self.cells) - 1:
            raise DemoError(f"a trajectory with {len(self.cells)} cells needs {len(self.cells) - 1} actions, "
                            f"not {len(self.actions)}")

    def __len__(self) -> int:
        return len(self.cells)


@dataclass
class Demos:
    trajectories: list[Trajectory] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.trajectories)


# --- the file format ----------------------------------------------------------------------------------------------
def demos_from_dict(data: Any, source: str | None = None) -> Demos:
    w = f"{source}: " if source else ""
    if not isinstance(data, dict):
        raise DemoError(f"{w}a demonstrations file must hold a JSON object, not {type(data).__name__}")
    if data.get("format", FORMAT) != FORMAT:
        raise DemoError(f"{w}'format' is {data.get('format')!r}, expected {FORMAT!r}")
    if data.get("version", VERSION) != VERSION:
        raise DemoError(f"{w}'version' is {data.get('version')!r}; this IRL Studio reads version {VERSION}")
    raw = data.get("trajectories")
    if not isinstance(raw, list):
        raise DemoError(f"{w}'trajectories' must be a list")
    out: list[Trajectory] = []
    for i, tr in enumerate(raw):
        if not isinstance(tr, dict):
            raise DemoError(f"{w}trajectory {i} must be an object with 'cells' and 'actions'")
        cells, actions = tr.get("cells"), tr.get("actions")
        if not isinstance(cells, list) or not cells:
            raise DemoError(f"{w}trajectory {i}: 'cells' must be a non-empty list of [row, col]")
        for j, c in enumerate(cells):
            if (not isinstance(c, list) or len(c) != 2
                    or not all(isinstance(v, int) and not isinstance(v, bool) for v in c)):
                raise DemoError(f"{w}trajectory {i}, cell {j}: {c!r} is not [row, col]")
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise DemoError(f"{w}trajectory {i}: 'actions' must be a list of action names")
        for j, a in enumerate(actions):
            if a not in ACTION_NAMES:
                raise DemoError(f"{w}trajectory {i}, step {j}: unknown action {a!r} (one of {list(ACTION_NAMES)})")
        if len(actions) != len(cells) - 1:
            raise DemoError(f"{w}trajectory {i}: {len(cells)} cells need {len(cells) - 1} actions, "
                            f"not {len(actions)}")
        out.append(Trajectory(tuple((int(r), int(c)) for r, c in cells), tuple(actions)))
    extra = {k: v for k, v in data.items() if k not in ("format", "version", "trajectories")}
    return Demos(out, extra)


def demos_to_dict(demos: Demos) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                           "trajectories": [{"cells": [list(c) for c in t.cells], "actions": list(t.actions)}
                                            for t in demos.trajectories]}
    for k, v in demos.extra.items():
        out.setdefault(k, v)
    return out


def load_demos(path: str | Path) -> Demos:
    return demos_from_dict(read_json(path, DemoError), source=str(path))


def save_demos(demos: Demos, path: str | Path) -> None:
    write_json(path, demos_to_dict(demos), DemoError)


# --- validation against dynamics ------------------------------------------------------------------------------------
def check_step(mdp: GridMDP, cell: tuple[int, int], action: str, nxt: tuple[int, int]) -> str | None:
    """Why the step ``cell --action--> nxt`` is impossible, or None when it has non-zero probability."""
    s = mdp.state_of(*cell)
    if s < 0:
        return f"cell {list(cell)} is a wall or off the grid"
    if action not in mdp.actions:
        return f"action {action!r} is not available in this layout (actions: {', '.join(mdp.actions)})"
    if mdp.terminal[s]:
        return f"the trajectory goes on after reaching the goal at {list(cell)}"
    s2 = mdp.state_of(*nxt)
    if s2 < 0:
        return f"it walks into the wall at {list(nxt)}" if 0 <= nxt[0] < mdp.rows and 0 <= nxt[1] < mdp.cols \
            else f"it leaves the grid at {list(nxt)}"
    if s2 not in mdp.successors(s, mdp.action_index(action)):
        if abs(nxt[0] - cell[0]) + abs(nxt[1] - cell[1]) > 1:
            return f"it jumps from {list(cell)} to {list(nxt)}"
        return f"'{action}' from {list(cell)} cannot lead to {list(nxt)}" + (
            " (slip is 0)" if mdp.slip == 0 else "")
    return None


def validate_demos(mdp: GridMDP, demos: Demos, horizon: int | None = None) -> None:
    """Raise :class:`DemoError` naming the trajectory and the step when a demonstration is impossible."""
    T = mdp.horizon if horizon is None else horizon
    for i, tr in enumerate(demos.trajectories):
        if mdp.state_of(*tr.cells[0]) < 0:
            raise DemoError(f"trajectory {i} starts on a wall or off the grid at {list(tr.cells[0])}")
        if len(tr.cells) > T:
            raise DemoError(f"trajectory {i} has {len(tr.cells)} cells but the horizon is {T}")
        for j, a in enumerate(tr.actions):
            why = check_step(mdp, tr.cells[j], a, tr.cells[j + 1])
            if why:
                raise DemoError(f"trajectory {i}, step {j}: {why}")


# --- empirical statistics -------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class DemoArrays:
    """Demonstrations as state/action index arrays (validated): states (N, T) and actions (N, T-1), -1 padded."""

    states: np.ndarray
    actions: np.ndarray
    lengths: np.ndarray
    ended_at_goal: np.ndarray

    @property
    def n(self) -> int:
        return int(self.states.shape[0])

    def start_distribution(self, n_states: int) -> np.ndarray:
        return np.bincount(self.states[:, 0], minlength=n_states) / max(self.n, 1)

    def time_weights(self, horizon: int, discount: float = 1.0) -> np.ndarray:
        return time_weights(horizon, discount, self.lengths, self.ended_at_goal)


def to_arrays(mdp: GridMDP, demos: Demos, horizon: int | None = None) -> DemoArrays:
    """Validate and convert; raises :class:`DemoError` for zero demonstrations or impossible ones."""
    if len(demos) == 0:
        raise DemoError("there are no demonstrations: record or load at least one")
    T = mdp.horizon if horizon is None else horizon
    validate_demos(mdp, demos, T)
    N = len(demos)
    states = np.full((N, T), -1, dtype=np.int64)
    actions = np.full((N, max(T - 1, 0)), -1, dtype=np.int64)
    lengths = np.zeros(N, dtype=np.int64)
    goal = np.zeros(N, dtype=bool)
    for i, tr in enumerate(demos.trajectories):
        ss = [mdp.state_of(*c) for c in tr.cells]
        states[i, :len(ss)] = ss
        actions[i, :len(tr.actions)] = [mdp.action_index(a) for a in tr.actions]
        lengths[i] = len(ss)
        goal[i] = bool(mdp.terminal[ss[-1]])
    return DemoArrays(states, actions, lengths, goal)


def empirical_visitation(arrays: DemoArrays, n_states: int, discount: float = 1.0) -> np.ndarray:
    """D_E(s) = (1/N) sum_i sum_t gamma^t [s_{i,t} = s], every occupied cell counted (the final one included)."""
    T = arrays.states.shape[1]
    w = np.broadcast_to(discount ** np.arange(T), arrays.states.shape)
    valid = arrays.states >= 0
    return np.bincount(arrays.states[valid], weights=w[valid], minlength=n_states) / max(arrays.n, 1)


def from_rollouts(mdp: GridMDP, states: np.ndarray, actions: np.ndarray, lengths: np.ndarray) -> Demos:
    trs = []
    for i in range(len(lengths)):
        L = int(lengths[i])
        cells = tuple((int(mdp.cells[s, 0]), int(mdp.cells[s, 1])) for s in states[i, :L])
        acts = tuple(mdp.actions[a] for a in actions[i, :L - 1])
        trs.append(Trajectory(cells, acts))
    return Demos(trs)


def expert_demos(mdp: GridMDP, true_reward: np.ndarray, n: int, expert: str = "optimal", seed: int = 0,
                 horizon: int | None = None, beta: float = 1.0) -> Demos:
    """``n`` demonstrations of an expert for ``true_reward`` (per state), seeded.

    ``optimal``: greedy in the discounted optimal Q (hard value iteration; finite horizon when discount is 1).
    ``soft``: the soft-optimal (maximum causal entropy) policy, stationary for the discounted infinite horizon
    (Levine et al. 2011's expert), time-indexed for the finite horizon when the discount is 1, of the reward
    ``beta * true_reward`` (``beta``: rationality; pi ~ exp(beta Q) for large beta tends to the optimal expert).
    With beta = 1 and step costs smaller than log(number of actions) ~ 1.6, the entropy bonus of staying alive
    outweighs an absorbing goal and the soft expert wanders instead of finishing; raise beta for such layouts.
    """
    T = mdp.horizon if horizon is None else int(horizon)
    if n < 1:
        raise DemoError(f"the number of demonstrations must be at least 1, not {n}")
    if not (np.isfinite(beta) and beta > 0):
        raise DemoError(f"the expert's rationality beta must be a positive number, not {beta}")
    if expert == "optimal":
        plan = hard_value_iteration(mdp, true_reward, mdp.discount, horizon=T)
    elif expert == "soft":
        plan = soft_value_iteration(mdp, beta * np.asarray(true_reward, dtype=np.float64),
                                    horizon=None if mdp.discount < 1 else T,
                                    discount=mdp.discount)
    else:
        raise DemoError(f"unknown expert {expert!r}: 'optimal' or 'soft'")
    ro = rollout(mdp, plan, n, T, seed)
    return from_rollouts(mdp, ro.states, ro.actions, ro.lengths)


def layout_true_reward(mdp: GridMDP, true_reward_grid: np.ndarray | None) -> np.ndarray:
    """Per-state vector of a layout's true reward grid, or a :class:`DemoError` when the layout has none."""
    if true_reward_grid is None:
        raise DemoError("the layout has no true reward: paint one, or use a layout that has one")
    return np.asarray(true_reward_grid, dtype=np.float64)[mdp.cells[:, 0], mdp.cells[:, 1]]


def layout_expert_demos(layout, n: int, expert: str = "optimal", seed: int = 0, beta: float = 1.0) -> Demos:
    """``n`` expert demonstrations of a layout's true reward (a module-level function: a picklable task)."""
    from irl_studio.core.mdp import build_mdp

    mdp = build_mdp(layout)
    return expert_demos(mdp, layout_true_reward(mdp, layout.true_reward), n, expert, seed, beta=beta)
