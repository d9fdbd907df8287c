"""Recording a demonstration cell by cell, as the app's Demonstrate mode does (Qt-free): where one may start, which
next steps the layout's dynamics allow, and how many steps the horizon allows. Each refusal says why."""

from __future__ import annotations

import numpy as np

from irl_studio.core.demos import Trajectory, check_step
from irl_studio.core.layout import ACTION_DELTAS, ACTION_NAMES, GOAL, START, WALL
from irl_studio.core.mdp import GridMDP


def max_actions(horizon: int) -> int:
    """The most actions a demonstration may take under a horizon (the horizon counts steps)."""
    return horizon


def horizon_for(steps: int) -> int:
    """The smallest horizon that lets a demonstration take ``steps`` actions."""
    return steps


def action_between(cell: tuple[int, int], nxt: tuple[int, int]) -> str:
    """The action whose move leads from ``cell`` to ``nxt`` ("stay" when none does: a jump or a slip)."""
    d = (nxt[0] - cell[0], nxt[1] - cell[1])
    return next((ACTION_NAMES[i] for i, dd in enumerate(ACTION_DELTAS) if dd == d), "stay")


class Recorder:
    """The demonstration being recorded on ``mdp``: its cells and actions so far."""

    def __init__(self) -> None:
        self.cells: list[tuple[int, int]] = []
        self.actions: list[str] = []

    def __bool__(self) -> bool:
        return bool(self.cells)

    def clear(self) -> None:
        self.cells, self.actions = [], []

    @staticmethod
    def why_not_start(mdp: GridMDP, grid: np.ndarray, cell: tuple[int, int]) -> str | None:
        r, c = cell
        if grid[r, c] == WALL:
            return "Start a demonstration on a floor cell, not a wall"
        if (grid == START).any() and grid[r, c] != START:
            return "Start a demonstration on a start cell (S)"
        if grid[r, c] == GOAL:
            return "A demonstration cannot start on a goal"
        return None

    def start(self, cell: tuple[int, int]) -> None:
        self.cells, self.actions = [tuple(cell)], []

    def why_not_step(self, mdp: GridMDP, action: str, nxt: tuple[int, int]) -> str | None:
        """Why the step is refused by the dynamics (None: allowed). The horizon is checked by :meth:`full`."""
        return check_step(mdp, self.cells[-1], action, nxt)

    def full(self, mdp: GridMDP) -> bool:
        """Whether the horizon allows no more step."""
        return len(self.actions) >= max_actions(mdp.horizon)

    def step(self, action: str, nxt: tuple[int, int]) -> None:
        self.cells.append(tuple(nxt))
        self.actions.append(action)

    def target(self, action: str) -> tuple[int, int]:
        dr, dc = ACTION_DELTAS[ACTION_NAMES.index(action)]
        r, c = self.cells[-1]
        return (r + dr, c + dc)

    def at_goal(self, mdp: GridMDP) -> bool:
        return bool(mdp.terminal[mdp.state_of(*self.cells[-1])])

    def trajectory(self) -> Trajectory:
        return Trajectory(tuple(self.cells), tuple(self.actions))
