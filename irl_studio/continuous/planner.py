"""The exact expert and the transfer planner: dynamic programming on a fine grid over the plane.

The free plane is covered by a lattice of spacing ``h = max_step / k`` (``k = resolution``, default 4: 57 x 57 nodes
on the built-in maze). From a node, the actions are the moves to the lattice nodes within ``max_step`` along each
axis, ``a = (q - p) / max_step`` in [-1, 1]^2 ((2k + 1)^2 actions, ``stay`` included), kept where the straight move
touches no wall. Finite-horizon dynamic programming over the plane's horizon T and discount gamma,

    V_T = 0,    Q_t(p, a) = r(p, a) + gamma V_{t+1}(p + max_step a),    V_t(p) = max_a Q_t(p, a),

gives a non-stationary greedy policy on the lattice. From a start off the lattice the first move goes to a lattice
node within one step's reach. The path is then *executed in the environment's own dynamics*
(:func:`irl_studio.continuous.env.step_dynamics`) and scored with the true reward, so what a planner path reports
is what the environment gives.

``reward``: ``None`` (the true reward r = -||p - goal|| - 0.001 ||a||^2), an object with ``at(points)`` (a learned
:class:`~irl_studio.continuous.rewardgrid.RewardGrid`, a state reward), or a callable ``f(p, a) -> r`` on arrays
(N, 2), (N, 2) (a state-action reward). Velocity dynamics only (a force plane is planned as its velocity
counterpart: the lattice moves are the same reachable set at terminal speed; the score is then approximate).
A call takes ~0.1-0.5 s on the built-in maze (the lattice is cached per plane geometry).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from irl_studio.continuous.plane import Plane, PlaneError, plane_from_dict, plane_to_dict, segment_is_free


@dataclass(frozen=True, eq=False)
class Lattice:
    nodes: np.ndarray  # (M, 2) free lattice points
    offsets: np.ndarray  # (K, 2) action vectors a (in [-1, 1]^2)
    succ: np.ndarray  # (M, K) successor node, -1 where the move is blocked
    h: float
    origin: np.ndarray  # (2,) lattice point (0, 0)
    shape: tuple[int, int]  # (nx, ny)
    index: np.ndarray  # (nx, ny) node id or -1


@dataclass(frozen=True, eq=False)
class PlanResult:
    positions: np.ndarray  # (T + 1, 2) the path as the environment executes it
    actions: np.ndarray  # (T, 2)
    true_return: float  # undiscounted sum of the true reward over the horizon
    discounted_return: float  # sum_t gamma^t r_t
    optimal_return: float | None  # the true-reward optimum from the same start (same definition as true_return)
    reached: bool  # the path ends within the plane's goal radius of the goal (it got there and stayed)
    final_distance: float
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {"return": self.true_return, "discounted_return": self.discounted_return,
                "optimal_return": self.optimal_return, "reached": self.reached,
                "final_distance": self.final_distance, "seconds": self.seconds,
                "ratio": (self.true_return / self.optimal_return
                          if self.optimal_return not in (None, 0.0) else None)}


def _key(plane: Plane, resolution: int) -> str:
    d = plane_to_dict(plane)
    return repr((d["bounds"], d["walls"], d["wall_radius"], d["agent_radius"], d["max_step"], d["goal"],
                 resolution))


@lru_cache(maxsize=8)
def _lattice_cached(key: str, doc: str, resolution: int) -> Lattice:
    import json

    plane = plane_from_dict(json.loads(doc))
    k = int(resolution)
    h = plane.max_step / k
    box = plane.free_box
    # the lattice passes through the goal (a planner can park exactly on it), covering the free box
    goal = np.asarray(plane.goal, dtype=np.float64)
    origin = goal - h * np.floor((goal - box[:, 0]) / h + 1e-9)
    nx = int(np.floor((box[0, 1] - origin[0]) / h + 1e-9)) + 1
    ny = int(np.floor((box[1, 1] - origin[1]) / h + 1e-9)) + 1
    if nx * ny > 400_000:
        raise PlaneError(f"the planner's lattice would have {nx}x{ny} nodes; use a coarser resolution "
                         f"or a larger max_step")
    ii, jj = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    pts = origin + h * np.stack([ii.ravel(), jj.ravel()], axis=1)
    free = plane.is_free(pts)
    index = np.full(nx * ny, -1, dtype=np.int64)
    index[free] = np.arange(int(free.sum()))
    index = index.reshape(nx, ny)
    nodes = pts[free]
    ij = np.stack([ii.ravel()[free], jj.ravel()[free]], axis=1)
    di, dj = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1), indexing="ij")
    off = np.stack([di.ravel(), dj.ravel()], axis=1)  # (K, 2) lattice offsets
    off = off[np.lexsort((off[:, 1], off[:, 0], np.abs(off).sum(axis=1)))]  # ties go to the shortest move (stay)
    M, K = len(nodes), len(off)
    tgt = ij[:, None, :] + off[None]
    inside = (tgt[..., 0] >= 0) & (tgt[..., 0] < nx) & (tgt[..., 1] >= 0) & (tgt[..., 1] < ny)
    succ = np.full((M, K), -1, dtype=np.int64)
    cand = np.where(inside, index[np.clip(tgt[..., 0], 0, nx - 1), np.clip(tgt[..., 1], 0, ny - 1)], -1)
    m, a = np.nonzero(cand >= 0)
    ok = segment_is_free(plane, nodes[m], nodes[cand[m, a]])
    succ[m[ok], a[ok]] = cand[m[ok], a[ok]]
    return Lattice(nodes, off.astype(np.float64) / k, succ, h, origin, (nx, ny), index)


def lattice(plane: Plane, resolution: int = 4) -> Lattice:
    import json

    return _lattice_cached(_key(plane, resolution), json.dumps(plane_to_dict(plane)), int(resolution))


def _reward_table(plane: Plane, lat: Lattice, reward: Any) -> np.ndarray:
    """(M, K) one-step reward of every lattice move."""
    M, K = lat.succ.shape
    acts = np.broadcast_to(lat.offsets[None], (M, K, 2))
    if reward is None:
        r = plane.true_reward(lat.nodes[:, None, :], acts)
    elif hasattr(reward, "at"):
        r = np.broadcast_to(np.asarray(reward.at(lat.nodes), dtype=np.float64)[:, None], (M, K))
    elif callable(reward):
        p = np.broadcast_to(lat.nodes[:, None, :], (M, K, 2)).reshape(-1, 2)
        r = np.asarray(reward(p, acts.reshape(-1, 2)), dtype=np.float64).reshape(M, K)
    else:
        raise TypeError("reward must be None, a grid with .at(), or a callable f(p, a)")
    r = np.array(r, dtype=np.float64)
    if not np.all(np.isfinite(r)):
        raise PlaneError("the reward has non-finite values on the plane")
    return r


def solve(plane: Plane, reward: Any = None, resolution: int = 4) -> tuple[Lattice, np.ndarray, np.ndarray]:
    """Backward dynamic programming. Returns the lattice, V (T + 1, M) and the greedy policy (T, M) (action ids)."""
    lat = lattice(plane, resolution)
    R = _reward_table(plane, lat, reward)
    T, g = plane.horizon, plane.discount
    M, K = lat.succ.shape
    blocked = lat.succ < 0
    succ = np.where(blocked, 0, lat.succ)
    V = np.zeros((T + 1, M))
    pol = np.zeros((T, M), dtype=np.int32)
    for t in range(T - 1, -1, -1):
        Q = R + g * V[t + 1][succ]
        Q[blocked] = -np.inf
        a = np.argmax(Q, axis=1)
        pol[t] = a
        V[t] = Q[np.arange(M), a]
    return lat, V, pol


def _first_move(plane: Plane, lat: Lattice, V1: np.ndarray, reward: Any, start: np.ndarray) -> np.ndarray:
    """From an off-lattice start: the reachable lattice node q (|q - p|_inf <= max_step) maximizing
    r(p, a) + gamma V_1(q); the start itself when no node is reachable (a blocked corner)."""
    k = int(round(plane.max_step / lat.h))
    c = np.floor((start - lat.origin) / lat.h).astype(int)
    di, dj = np.meshgrid(np.arange(-k, k + 2), np.arange(-k, k + 2), indexing="ij")
    ij = c + np.stack([di.ravel(), dj.ravel()], axis=1)
    nx, ny = lat.shape
    ij = ij[(ij[:, 0] >= 0) & (ij[:, 0] < nx) & (ij[:, 1] >= 0) & (ij[:, 1] < ny)]
    ids = lat.index[ij[:, 0], ij[:, 1]]
    ids = ids[ids >= 0]
    q = lat.nodes[ids]
    a = (q - start) / plane.max_step
    ok = np.all(np.abs(a) <= 1.0 + 1e-9, axis=1)
    ids, q, a = ids[ok], q[ok], a[ok]
    if len(ids):
        free = segment_is_free(plane, np.broadcast_to(start, q.shape), q)
        ids, q, a = ids[free], q[free], a[free]
    if not len(ids):
        return np.zeros(2)
    p = np.broadcast_to(start, q.shape)
    if reward is None:
        r = plane.true_reward(p, a)
    elif hasattr(reward, "at"):
        r = np.broadcast_to(np.asarray(reward.at(start[None]), dtype=np.float64), (len(ids),))
    else:
        r = np.asarray(reward(np.array(p), a), dtype=np.float64)
    best = int(np.argmax(r + plane.discount * V1[ids]))
    return np.clip(a[best], -1.0, 1.0)


def execute(plane: Plane, start: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (T + 1, 2) and true rewards (T,) of ``actions`` from ``start`` in the environment's dynamics."""
    from irl_studio.continuous.env import step_dynamics

    s = np.asarray(start, dtype=np.float64).reshape(1, 2)
    state = s if plane.dynamics == "velocity" else np.concatenate([s, np.zeros((1, 2))], axis=1)
    pos, rew = [state[0, :2].copy()], []
    for a in actions:
        rew.append(float(plane.true_reward(state[0, :2], np.clip(a, -1, 1))))
        state = step_dynamics(plane, state, a[None])
        pos.append(state[0, :2].copy())
    return np.array(pos), np.array(rew)


def plan_paths(plane: Plane, starts: np.ndarray, reward: Any = None, resolution: int = 4,
               solved: tuple | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Greedy DP paths (positions (T+1, 2), actions (T, 2)) from each start, as the environment executes them."""
    lat, V, pol = solved if solved is not None else solve(plane, reward, resolution)
    out = []
    for s in np.asarray(starts, dtype=np.float64).reshape(-1, 2):
        acts = np.zeros((plane.horizon, 2))
        acts[0] = _first_move(plane, lat, V[1] if plane.horizon > 1 else np.zeros(len(lat.nodes)), reward, s)
        # follow the lattice policy from the node the first move reached
        q = s + plane.max_step * acts[0]
        node = int(np.argmin(np.sum((lat.nodes - q) ** 2, axis=1)))
        for t in range(1, plane.horizon):
            a = int(pol[t, node])
            acts[t] = lat.offsets[a]
            node = int(lat.succ[node, a])
        pos, _ = execute(plane, s, acts)
        out.append((pos, acts))
    return out


def _score(plane: Plane, pos: np.ndarray, acts: np.ndarray) -> tuple[float, float, bool, float]:
    r = plane.true_reward(pos[:-1], acts)
    disc = float(np.sum(r * plane.discount ** np.arange(len(r))))
    d = np.linalg.norm(pos - np.asarray(plane.goal), axis=1)
    return float(r.sum()), disc, bool(d[-1] <= plane.reach_radius + 1e-9), float(d[-1])


def plan(plane: Plane, reward: Any = None, start: np.ndarray | None = None, resolution: int = 4,
         with_optimum: bool = True) -> PlanResult:
    """Plan under ``reward`` (None: the true reward) from ``start`` (default: the plane's nominal start), execute
    the path in the environment and score it with the true reward, beside the true-reward optimum."""
    t0 = time.perf_counter()
    s = np.asarray(plane.start if start is None else start, dtype=np.float64)
    (pos, acts), = plan_paths(plane, s[None], reward, resolution)
    ret, disc, reached, fin = _score(plane, pos, acts)
    opt = None
    if with_optimum:
        opt = ret if reward is None else optimal_return(plane, tuple(s), resolution)
    return PlanResult(pos, acts, ret, disc, opt, reached, fin, time.perf_counter() - t0)


@lru_cache(maxsize=32)
def _optimal_cached(key: str, doc: str, start: tuple, resolution: int) -> float:
    import json

    plane = plane_from_dict(json.loads(doc))
    (pos, acts), = plan_paths(plane, np.array(start)[None], None, resolution)
    return _score(plane, pos, acts)[0]


def optimal_return(plane: Plane, start: tuple | None = None, resolution: int = 4) -> float:
    """The true return of the true-reward-optimal path from ``start`` (cached per plane)."""
    import json

    doc = json.dumps(plane_to_dict(plane))
    return _optimal_cached(doc, doc, tuple(plane.start if start is None else start), int(resolution))


def transfer_plan(plane: Plane, reward: Any, resolution: int = 4) -> PlanResult:
    """Re-optimize under a frozen learned reward on ``plane`` (the exact planner): the path, its true return,
    the optimum, whether it reached the goal."""
    return plan(plane, reward, None, resolution, with_optimum=True)


StateReward = Callable[[np.ndarray], np.ndarray]
