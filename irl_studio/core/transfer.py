"""Re-optimizing under a learned reward, on the layout it was learned on or an edited one (the transfer
experiment: does the reward still explain the task when the walls move?). Qt-free."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from irl_studio import IRLStudioError
from irl_studio.core.features import make_features
from irl_studio.core.layout import Layout
from irl_studio.core.mdp import GridMDP, build_mdp
from irl_studio.core.planning import hard_value_iteration, soft_value_iteration
from irl_studio.core.evaluation import rollout
from irl_studio.core.session import LearnedResult


class TransferError(IRLStudioError):
    """The learned reward cannot be used on this layout."""


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
        raise TransferError(f"the learned reward is {grid.shape[0]}x{grid.shape[1]} but the layout is now "
                            f"{layout.rows}x{layout.cols}: learn again on this grid")
    vals = mdp.state_values(grid).astype(np.float64)
    missing = ~np.isfinite(vals)
    if missing.all():
        raise TransferError("no floor cell of this layout has a learned reward")
    vals[missing] = float(np.min(vals[~missing]))
    return vals, int(missing.sum())


@dataclass(frozen=True, eq=False)
class Reoptimized:
    """A policy re-optimized under a learned reward, ready to draw: per cell its most likely action (-1 on walls
    and goals) and that action's probability, and agents' paths rolled out from the start distribution."""

    layout: Layout  # the layout planned on
    kind: str  # "soft" or "optimal"
    policy: np.ndarray  # (S, A) at t = 0
    arrows: np.ndarray  # (rows, cols) action index, -1: none
    strength: np.ndarray  # (rows, cols) probability of that action
    actions: tuple[str, ...]
    paths: list[list[tuple[int, int]]]
    missing: int  # floor cells that had no learned value


def reoptimize(layout: Layout, result: LearnedResult, kind: str = "soft", n_agents: int = 3,
               seed: int = 0) -> Reoptimized:
    """Plan on ``layout`` under the learned reward (no re-learning): the soft-optimal (maximum-entropy) or optimal
    (greedy) policy, and ``n_agents`` rollouts of it."""
    mdp = build_mdp(layout)
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
    best = np.argmax(policy, axis=1).astype(np.float64)
    best[mdp.terminal] = -1
    arrows = mdp.grid_values(best, fill=-1).astype(np.int64)
    strength = mdp.grid_values(policy.max(axis=1), fill=0.0)
    return Reoptimized(layout, kind, policy, arrows, strength, tuple(mdp.actions), paths, missing)
