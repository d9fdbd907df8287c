"""State features phi(s): one row per state (floor cell), one named column per feature.

Linear rewards are ``r = Phi @ theta``; feature counts of a visitation ``D`` are ``Phi.T @ D``. ``Phi`` may be a dense
array or a scipy sparse matrix (the one-hot ``state`` features of a 128 x 128 grid would be 2 GiB dense).

Feature sets (the ``--features`` names of the command line):

* ``state``: one-hot per floor cell (the tabular reward).
* ``terrain``: one-hot terrain class (``plain`` for floor without a class, ``a``..``j`` for 0..9, only the classes
  present) and a goal indicator.
* ``coords``: row and column scaled to [0, 1], and a constant 1 (so a linear reward can be negative everywhere, the
  level that makes reaching an absorbing goal worth it).
* ``objectworld``: Levine et al. 2011, continuous: Euclidean distance to the nearest object of each inner colour and
  of each outer colour (2C columns).
* ``objectworld-discrete``: Levine et al. 2011, discrete, as in their toolkit: indicators "an object of this colour
  within distance d", ``distance <= d``, for ``d = 1 .. N-1``, for each inner and outer colour (2C(N-1) columns, N
  the grid side). With ``<=`` the Objectworld true reward (within 3 of outer colour 0 and within 2 of outer colour 1)
  is exactly expressible, as with the continuous features.
* ``macrocell``: Abbeel & Ng 2004, indicator of the square macrocell (side = the layout's ``macrocell``) of the cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import scipy.sparse as sp

from irl_studio import IRLStudioError
from irl_studio.core.layout import GOAL, TERRAIN_CHARS, Layout
from irl_studio.core.mdp import GridMDP


class FeatureError(IRLStudioError):
    """The features asked for do not exist or do not apply to the layout."""


@dataclass(frozen=True, eq=False)
class Features:
    """A feature matrix (S, F), dense or sparse, and the names of its columns."""

    kind: str
    matrix: np.ndarray | sp.spmatrix
    names: tuple[str, ...]

    @property
    def n_features(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def is_sparse(self) -> bool:
        return sp.issparse(self.matrix)

    def reward(self, theta: np.ndarray) -> np.ndarray:
        """r(s) = theta . phi(s)."""
        return np.asarray(self.matrix @ theta, dtype=np.float64).ravel()

    def counts(self, visitation: np.ndarray) -> np.ndarray:
        """Feature counts sum_s D(s) phi(s)."""
        return np.asarray(self.matrix.T @ visitation, dtype=np.float64).ravel()

    def dense(self) -> np.ndarray:
        return self.matrix.toarray() if self.is_sparse else np.asarray(self.matrix)

    def grid_maps(self, mdp: GridMDP) -> np.ndarray:
        """(F, rows, cols) feature maps, zero on walls (input of a convolutional reward net)."""
        dense = self.dense()
        out = np.zeros((dense.shape[1], mdp.rows, mdp.cols))
        out[:, mdp.cells[:, 0], mdp.cells[:, 1]] = dense.T
        return out


def state_features(layout: Layout, mdp: GridMDP) -> Features:
    names = tuple(f"cell({r},{c})" for r, c in mdp.cells)
    return Features("state", sp.identity(mdp.n_states, format="csr", dtype=np.float64), names)


def terrain_features(layout: Layout, mdp: GridMDP) -> Features:
    chars = layout.grid[mdp.cells[:, 0], mdp.cells[:, 1]]
    terrain = layout.terrain()[mdp.cells[:, 0], mdp.cells[:, 1]]
    cols, names = [], []
    plain = terrain < 0
    if plain.any():
        cols.append(plain)
        names.append("plain")
    for k in range(len(TERRAIN_CHARS)):
        if (terrain == k).any():
            cols.append(terrain == k)
            names.append(f"terrain {TERRAIN_CHARS[k]}")
    goal = chars == GOAL
    if goal.any():
        cols.append(goal)
        names.append("goal")
    return Features("terrain", np.stack(cols, axis=1).astype(np.float64), tuple(names))


def coords_features(layout: Layout, mdp: GridMDP) -> Features:
    r = mdp.cells[:, 0] / max(mdp.rows - 1, 1)
    c = mdp.cells[:, 1] / max(mdp.cols - 1, 1)
    one = np.ones(mdp.n_states)
    return Features("coords", np.stack([r, c, one], axis=1).astype(np.float64), ("row", "col", "constant"))


def object_distances(layout: Layout, mdp: GridMDP) -> tuple[np.ndarray, list[str]]:
    """(S, 2C) Euclidean distance from each state to the nearest object of each inner colour, then each outer
    colour (C = the number of colours used); ``inf`` when no object has that colour."""
    if not layout.objects:
        raise FeatureError("objectworld features need objects in the layout (the layout has none)")
    n_colours = 1 + max(max(o.inner, o.outer) for o in layout.objects)
    pos = np.array([o.cell for o in layout.objects], dtype=np.float64)
    dist = np.sqrt(((mdp.cells[:, None, :] - pos[None, :, :]) ** 2).sum(axis=-1))  # (S, n_objects)
    cols, names = [], []
    for which in ("inner", "outer"):
        for c in range(n_colours):
            sel = np.array([getattr(o, which) == c for o in layout.objects])
            cols.append(dist[:, sel].min(axis=1) if sel.any() else np.full(mdp.n_states, np.inf))
            names.append(f"{which} colour {c}")
    return np.stack(cols, axis=1), names


def objectworld_features(layout: Layout, mdp: GridMDP) -> Features:
    d, names = object_distances(layout, mdp)
    cap = float(np.hypot(mdp.rows, mdp.cols))
    return Features("objectworld", np.minimum(d, cap), tuple(f"distance to {n}" for n in names))


def objectworld_discrete_features(layout: Layout, mdp: GridMDP) -> Features:
    d, names = object_distances(layout, mdp)
    N = max(mdp.rows, mdp.cols)
    thresholds = np.arange(1, N)
    mat = (d[:, :, None] <= thresholds[None, None, :]).reshape(mdp.n_states, -1).astype(np.float64)
    fnames = tuple(f"{n} within {t}" for n in names for t in thresholds)
    return Features("objectworld-discrete", mat, fnames)


def macrocell_features(layout: Layout, mdp: GridMDP) -> Features:
    size = layout.macrocell
    if size is None:
        raise FeatureError("macrocell features need the layout's 'macrocell' size (Abbeel & Ng world)")
    mr, mc = -(-mdp.rows // size), -(-mdp.cols // size)
    idx = (mdp.cells[:, 0] // size) * mc + (mdp.cells[:, 1] // size)
    mat = sp.csr_matrix((np.ones(mdp.n_states), (np.arange(mdp.n_states), idx)), shape=(mdp.n_states, mr * mc))
    return Features("macrocell", mat, tuple(f"macrocell({i // mc},{i % mc})" for i in range(mr * mc)))


FEATURE_SETS: dict[str, Callable[[Layout, GridMDP], Features]] = {
    "state": state_features,
    "terrain": terrain_features,
    "coords": coords_features,
    "objectworld": objectworld_features,
    "objectworld-discrete": objectworld_discrete_features,
    "macrocell": macrocell_features,
}


def make_features(kind: str, layout: Layout, mdp: GridMDP) -> Features:
    try:
        build = FEATURE_SETS[kind]
    except KeyError:
        raise FeatureError(f"unknown features {kind!r}; choose one of {', '.join(FEATURE_SETS)}") from None
    return build(layout, mdp)
