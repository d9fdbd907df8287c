"""Small things done to layouts as a whole: a random layout, reachability of the goal, the name of a cell. Qt-free."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from irl_studio.core.layout import FLOOR, GOAL, START, WALL, Layout

CELL_NAMES = {WALL: "wall", FLOOR: "floor", START: "start", GOAL: "goal"}


def cell_name(ch: str) -> str:
    if ch in CELL_NAMES:
        return CELL_NAMES[ch]
    return f"terrain {ch} (class {ord(ch) - ord('a')})"


def random_layout(rows: int, cols: int, seed: int, density: float = 0.22) -> Layout:
    """Random walls; a start and a goal placed far apart in the largest connected region."""
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
    if not layout.goal_mask.any():
        return True
    labels, _ = ndimage.label(layout.floor_mask)
    starts = layout.start_mask if layout.start_mask.any() else (layout.floor_mask & ~layout.goal_mask)
    return bool(np.intersect1d(labels[starts], labels[layout.goal_mask]).size)
