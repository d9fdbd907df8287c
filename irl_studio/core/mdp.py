"""The tabular MDP of a layout, with sparse transitions.

States are the floor cells in row-major order. Actions are the layout's actions (by default the five of
``formats.md``: stay, up, down, left, right). Dynamics: the chosen action is carried out with probability
``1 - slip``; with probability ``slip`` it is replaced by one of the *other* actions, uniformly. A move into a wall or
off the grid leaves the agent where it is. Goal cells are absorbing: their rows of the transition matrix are empty,
so probability mass that reaches a goal leaves the system after the goal's reward is received (the episode ends).

Transitions are held three ways, all sparse, never as a dense S x A x S tensor:

* ``P``: a CSR matrix of shape (S*A, S), row ``s*A + a`` = P(. | s, a). ``P @ V`` is E[V(s') | s, a] for all (s, a),
  ``P.T @ x`` pushes state-action mass forward.
* ``succ``, ``prob``: (S, A, K) padded successor lists (K <= number of actions), for tests and validation.
* The factored form the hot loops use: ``dest[b, s]`` is the state reached by *carrying out* action b in s, and
  ``mix[a, b]`` the probability that choosing a carries out b (slip). Then ``E[V(s') | s, a] = (mix @ V[dest])[a, s]``
  (a gather and a 5 x 5 product) and the forward push is one sparse product with ``DT`` (S, B*S), B*S non-zeros.
  Hot-loop arrays are action-major: (A, S).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from irl_studio.core.layout import ACTION_DELTAS, ACTION_NAMES, WALL, Layout


@dataclass(frozen=True, eq=False)
class GridMDP:
    """A finite MDP built from a :class:`Layout`. Immutable: editing the layout means building a new one."""

    rows: int
    cols: int
    cells: np.ndarray  # (S, 2) the (row, col) of each state
    state_index: np.ndarray  # (rows, cols) -> state, -1 on walls
    actions: tuple[str, ...]
    terminal: np.ndarray  # (S,) bool: goal (absorbing) states
    start: np.ndarray  # (S,) start distribution p0
    succ: np.ndarray  # (S, A, K) successor states (padding repeats a valid successor with probability 0)
    prob: np.ndarray  # (S, A, K) their probabilities (all zero on terminal states)
    dest: np.ndarray  # (B, S) state reached by carrying out action b
    mix: np.ndarray  # (A, B) probability that choosing a carries out b
    discount: float
    horizon: int
    slip: float

    @cached_property
    def DT(self) -> sp.csr_matrix:
        """(S, B*S): column b*S + s has a one at row dest[b, s] (zero when s is terminal)."""
        B, S = self.dest.shape
        live = np.tile((~self.terminal).astype(np.float64), B)
        m = sp.csr_matrix((live, (self.dest.ravel(), np.arange(B * S))), shape=(S, B * S))
        m.eliminate_zeros()
        return m

    @cached_property
    def mix_is_identity(self) -> bool:
        return bool(np.array_equal(self.mix, np.eye(*self.mix.shape)))

    @cached_property
    def incoming_am(self) -> tuple[np.ndarray, np.ndarray]:
        """Predecessors for log-space forward messages, (M, S) action-major: source state and log of
        sum_a P(s' | s, a) (the unit action prior of the messages), -inf where padded."""
        B, S = self.dest.shape
        w = self.mix.sum(axis=0)  # sum_a mix[a, b]
        src = np.tile(np.arange(S), B)
        tgt = self.dest.ravel()
        wt = np.repeat(w, S)
        keep = ~np.tile(self.terminal, B) & (wt > 0)
        src, tgt, wt = src[keep], tgt[keep], wt[keep]
        m = sp.csr_matrix((wt, (tgt, src)), shape=(S, S))
        m.sum_duplicates()
        counts = np.diff(m.indptr)
        M = max(int(counts.max()) if S else 1, 1)
        idx = np.zeros((M, S), dtype=np.int64)
        logw = np.full((M, S), -np.inf)
        pos = np.arange(m.nnz) - np.repeat(m.indptr[:-1], counts)
        row = np.repeat(np.arange(S), counts)
        idx[pos, row] = m.indices
        logw[pos, row] = np.log(m.data)
        return idx, logw

    @property
    def n_states(self) -> int:
        return int(self.cells.shape[0])

    @property
    def n_actions(self) -> int:
        return len(self.actions)

    @cached_property
    def P(self) -> sp.csr_matrix:
        """(S*A, S) transition matrix; duplicate successors summed."""
        S, A, K = self.succ.shape
        rows = np.repeat(np.arange(S * A), K)
        m = sp.csr_matrix((self.prob.ravel(), (rows, self.succ.ravel())), shape=(S * A, S))
        m.sum_duplicates()
        m.eliminate_zeros()
        return m

    def grid_values(self, values: np.ndarray, fill: float = np.nan) -> np.ndarray:
        """Scatter a per-state vector onto a (rows, cols) grid, ``fill`` on walls (the inverse of
        :meth:`state_values`)."""
        out = np.full((self.rows, self.cols), fill, dtype=np.float64)
        out[self.cells[:, 0], self.cells[:, 1]] = values
        return out

    def state_values(self, grid: np.ndarray) -> np.ndarray:
        """The per-state vector (floor cells, row-major) of a (rows, cols) grid (the inverse of
        :meth:`grid_values`)."""
        g = np.asarray(grid)
        if g.shape[:2] != (self.rows, self.cols):
            raise ValueError(f"a {g.shape[0]}x{g.shape[1]} grid does not fit a {self.rows}x{self.cols} layout")
        return g[self.cells[:, 0], self.cells[:, 1]]

    def state_of(self, row: int, col: int) -> int:
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            return -1
        return int(self.state_index[row, col])

    def action_index(self, name: str) -> int:
        return self.actions.index(name)

    def successors(self, s: int, a: int) -> dict[int, float]:
        """P(. | s, a) as a dict (for tests and validation; not for hot loops)."""
        out: dict[int, float] = {}
        for k in range(self.succ.shape[2]):
            p = float(self.prob[s, a, k])
            if p > 0:
                out[int(self.succ[s, a, k])] = out.get(int(self.succ[s, a, k]), 0.0) + p
        return out

    def dense_transitions(self) -> np.ndarray:
        """The dense (S, A, S) tensor. Only for tests and reference benchmarks on small grids."""
        return self.P.toarray().reshape(self.n_states, self.n_actions, self.n_states)


def build_mdp(layout: Layout, start: np.ndarray | None = None) -> GridMDP:
    """Build the MDP of a layout. ``start``: an optional (S,) start distribution overriding the layout's."""
    grid = layout.grid
    R, C = grid.shape
    floor = grid != WALL
    state_index = np.full((R, C), -1, dtype=np.int64)
    cells = np.argwhere(floor)
    S = len(cells)
    state_index[cells[:, 0], cells[:, 1]] = np.arange(S)
    act_ids = [ACTION_NAMES.index(a) for a in layout.actions]
    A = len(act_ids)

    # dest[s, b]: the state reached by carrying out action b from s (blocked moves stay)
    dest = np.empty((S, A), dtype=np.int64)
    for j, aid in enumerate(act_ids):
        dr, dc = ACTION_DELTAS[aid]
        r2, c2 = cells[:, 0] + dr, cells[:, 1] + dc
        inside = (r2 >= 0) & (r2 < R) & (c2 >= 0) & (c2 < C)
        r2c, c2c = np.where(inside, r2, 0), np.where(inside, c2, 0)
        ok = inside & floor[r2c, c2c]
        dest[:, j] = np.where(ok, state_index[r2c, c2c], np.arange(S))

    # mix[a, b]: probability that choosing a carries out b (slip to one of the other A-1 actions)
    slip = float(layout.slip) if A > 1 else 0.0
    mix = np.full((A, A), slip / max(A - 1, 1))
    np.fill_diagonal(mix, 1.0 - slip)
    succ = np.broadcast_to(dest[:, None, :], (S, A, A)).copy()
    prob = np.broadcast_to(mix[None, :, :], (S, A, A)).copy()
    terminal = (grid == "G")[cells[:, 0], cells[:, 1]]
    prob[terminal] = 0.0

    if start is None:
        is_start = (grid == "S")[cells[:, 0], cells[:, 1]]
        if not is_start.any():
            is_start = ~terminal
            if not is_start.any():
                is_start = np.ones(S, dtype=bool)
        start = is_start / is_start.sum()
    start = np.asarray(start, dtype=np.float64)
    dest_am = np.ascontiguousarray(dest.T)
    for arr in (cells, state_index, succ, prob, terminal, start, dest_am, mix):
        arr.setflags(write=False)
    return GridMDP(rows=R, cols=C, cells=cells, state_index=state_index, actions=tuple(layout.actions),
                   terminal=terminal, start=start, succ=succ, prob=prob, dest=dest_am, mix=mix,
                   discount=float(layout.discount),
                   horizon=int(layout.horizon), slip=slip)
