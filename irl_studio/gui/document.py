"""What the gridworld tab keeps besides the layout and demonstrations: the learned result, the session file, undo
commands and small layout helpers. Qt-light (QUndoCommand only); the numerics are engine calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtGui import QUndoCommand

from irl_studio import IRLStudioError
from irl_studio.core.demos import Demos, demos_from_dict, demos_to_dict
from irl_studio.core.features import make_features
from irl_studio.core.layout import FLOOR, GOAL, START, WALL, Layout, layout_from_dict, layout_to_dict, read_json, \
    write_json
from irl_studio.core.mdp import GridMDP
from irl_studio.core.planning import hard_value_iteration, rollout, soft_value_iteration
from irl_studio.core.rewardio import grid_from_json

SESSION_FORMAT = "irl-studio.session"
SESSION_VERSION = 1
CELL_NAMES = {WALL: "wall", FLOOR: "floor", START: "start", GOAL: "goal"}


class SessionError(IRLStudioError):
    """A session file is malformed."""


def cell_name(ch: str) -> str:
    if ch in CELL_NAMES:
        return CELL_NAMES[ch]
    return f"terrain {ch} (class {ord(ch) - ord('a')})"


@dataclass
class LearnedResult:
    """A learned reward and what produced it (from a finished or running snapshot, or a session file)."""

    grid: np.ndarray  # (rows, cols), NaN on walls
    algorithm: str
    features: str
    iterations: int
    seed: int
    params: dict[str, Any] = field(default_factory=dict)
    weights: np.ndarray | None = None
    layout: Layout | None = None  # the layout it was learned on
    metrics: dict[str, float] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {"algorithm": self.algorithm, "features": self.features, "iterations": self.iterations,
                               "seed": self.seed, "params": dict(self.params), "metrics": dict(self.metrics)}
        if self.weights is not None:
            out["weights"] = [float(w) for w in np.asarray(self.weights).ravel()]
        return out


def transfer_reward(layout: Layout, mdp: GridMDP, result: LearnedResult) -> tuple[np.ndarray, int]:
    """The learned reward on (a possibly edited) ``layout``, per state, and how many floor cells had no learned
    value. Linear rewards over non-tabular features are re-evaluated on the new layout's features (the transfer
    experiment); tabular rewards are read cell by cell, new floor cells get the lowest learned value."""
    if result.weights is not None and result.features != "state":
        try:
            feats = make_features(result.features, layout, mdp)
        except IRLStudioError:
            feats = None
        if feats is not None and feats.n_features == np.asarray(result.weights).size:
            return np.asarray(feats.reward(np.asarray(result.weights, dtype=np.float64)), dtype=np.float64), 0
    grid = result.grid
    if grid.shape != layout.shape:
        raise SessionError(f"the learned reward is {grid.shape[0]}x{grid.shape[1]} but the layout is now "
                           f"{layout.rows}x{layout.cols}: learn again on this grid")
    vals = grid[mdp.cells[:, 0], mdp.cells[:, 1]].astype(np.float64)
    missing = ~np.isfinite(vals)
    if missing.all():
        raise SessionError("no floor cell of this layout has a learned reward")
    vals[missing] = float(np.min(vals[~missing]))
    return vals, int(missing.sum())


def plan_and_roll(layout: Layout, mdp: GridMDP, result: LearnedResult, kind: str, n_agents: int, seed: int):
    """Re-optimize under the learned reward on ``layout``: the (soft-)optimal policy (S, A) and rollouts."""
    reward, missing = transfer_reward(layout, mdp, result)
    T = mdp.horizon
    if kind == "optimal":
        plan = hard_value_iteration(mdp, reward, mdp.discount, horizon=T)
    elif mdp.discount < 1.0:
        plan = soft_value_iteration(mdp, reward, horizon=None, discount=mdp.discount)
    else:
        plan = soft_value_iteration(mdp, reward, horizon=T, discount=1.0)
    policy = plan.policy(0)
    ro = rollout(mdp, plan, max(1, n_agents), T, seed)
    paths = []
    for i in range(len(ro.lengths)):
        L = int(ro.lengths[i])
        paths.append([(int(mdp.cells[s, 0]), int(mdp.cells[s, 1])) for s in ro.states[i, :L]])
    return {"layout": layout, "mdp": mdp, "policy": policy, "paths": paths, "missing": missing, "kind": kind}


def random_layout(rows: int, cols: int, seed: int, density: float = 0.22) -> Layout:
    """Random walls; a start and a goal placed far apart in the largest connected region."""
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    lay = Layout.empty(rows, cols, name=f"random {rows}x{cols}")
    inner = rng.random((rows - 2, cols - 2)) < density
    lay.grid[1:-1, 1:-1][inner] = WALL
    labels, n = ndimage.label(lay.grid != WALL)
    if n == 0:
        lay.grid[1:-1, 1:-1] = FLOOR
        labels, n = ndimage.label(lay.grid != WALL)
    sizes = np.bincount(labels.ravel())[1:]
    region = np.argwhere(labels == 1 + int(np.argmax(sizes)))
    start = region[0]
    far = region[int(np.argmax(np.abs(region - start).sum(axis=1)))]
    lay.grid[start[0], start[1]] = START
    if tuple(far) != tuple(start):
        lay.grid[far[0], far[1]] = GOAL
    return lay


def goal_reachable(layout: Layout) -> bool:
    """Whether some goal is 4-connected to some start cell (True when the layout has no goal)."""
    from scipy import ndimage

    if not layout.goal_mask.any():
        return True
    labels, _ = ndimage.label(layout.floor_mask)
    starts = layout.start_mask if layout.start_mask.any() else (layout.floor_mask & ~layout.goal_mask)
    return bool(np.intersect1d(labels[starts], labels[layout.goal_mask]).size)


# --- session files ----------------------------------------------------------------------------------------------
def session_to_dict(layout: Layout, demos: Demos, settings: dict[str, Any], result: LearnedResult | None) -> dict:
    out: dict[str, Any] = {"format": SESSION_FORMAT, "version": SESSION_VERSION, "layout": layout_to_dict(layout),
                           "demos": demos_to_dict(demos), "settings": settings}
    if result is not None:
        out["learned"] = {"reward": [[None if not np.isfinite(v) else float(v) for v in row] for row in result.grid],
                          **result.info()}
        if result.layout is not None:
            out["learned"]["layout"] = layout_to_dict(result.layout)
    return out


def save_session(path: str | Path, data: dict) -> None:
    write_json(path, data, SessionError)


def load_session(path: str | Path) -> tuple[Layout, Demos, dict[str, Any], LearnedResult | None]:
    src = str(path)
    data = read_json(path, SessionError)
    if not isinstance(data, dict) or data.get("format") != SESSION_FORMAT:
        raise SessionError(f"{src}: not an {SESSION_FORMAT} file")
    if data.get("version", SESSION_VERSION) != SESSION_VERSION:
        raise SessionError(f"{src}: version {data.get('version')!r}; this IRL Studio reads {SESSION_VERSION}")
    layout = layout_from_dict(data.get("layout"), source=f"{src} (layout)")
    demos = demos_from_dict(data.get("demos", {"trajectories": []}), source=f"{src} (demos)")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise SessionError(f"{src}: 'settings' must be an object")
    result = None
    learned = data.get("learned")
    if learned is not None:
        if not isinstance(learned, dict) or not isinstance(learned.get("reward"), list):
            raise SessionError(f"{src}: 'learned' must hold a 'reward' grid")
        grid = grid_from_json(learned["reward"], SessionError, f"{src}: 'learned.reward'")
        weights = learned.get("weights")
        try:
            weights = None if weights is None else np.asarray(weights, dtype=np.float64)
            iterations, seed = int(learned.get("iterations", 0)), int(learned.get("seed", 0))
        except (TypeError, ValueError, OverflowError):
            raise SessionError(f"{src}: 'learned' has malformed weights, iterations or seed") from None
        if not isinstance(learned.get("params") or {}, dict) or not isinstance(learned.get("metrics") or {}, dict):
            raise SessionError(f"{src}: 'learned.params' and 'learned.metrics' must be objects")
        lay = learned.get("layout")
        learned_layout = layout_from_dict(lay, source=f"{src} (learned layout)") if lay else None
        on = learned_layout or layout  # the reward was learned on its own layout, or else on the session's
        if grid.shape != on.shape:
            raise SessionError(f"{src}: the learned reward is {grid.shape[0]}x{grid.shape[1]} but its layout is "
                               f"{on.rows}x{on.cols}")
        result = LearnedResult(grid=grid, algorithm=str(learned.get("algorithm", "")),
                               features=str(learned.get("features", "state")), iterations=iterations, seed=seed,
                               params=dict(learned.get("params") or {}), weights=weights, layout=learned_layout,
                               metrics={k: v for k, v in (learned.get("metrics") or {}).items()
                                        if isinstance(v, (int, float))})
    return layout, demos, settings, result


# --- undo -------------------------------------------------------------------------------------------------------
class LayoutCommand(QUndoCommand):
    """One undo step: the layout before and after a stroke (or a resize, clear, random, open). ``demos``: also swap
    the demonstrations (opening another layout), so undo brings back what was there."""

    def __init__(self, window, before: Layout, after: Layout, text: str, demos_before: Demos | None = None) -> None:
        super().__init__(text)
        self.window = window
        self.before = before.copy()
        self.after = after.copy()
        self.demos_before = demos_before
        self.demos_after = Demos() if demos_before is not None else None

    def redo(self) -> None:
        if self.demos_before is not None:
            self.window.set_demos(self.demos_after, dirty=False)
        self.window.set_layout(self.after.copy())

    def undo(self) -> None:
        if self.demos_before is not None:
            self.demos_after = Demos(list(self.window.demos.trajectories), dict(self.window.demos.extra))
            self.window.set_demos(self.demos_before, dirty=False)
        self.window.set_layout(self.before.copy())
