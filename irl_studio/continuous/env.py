"""The plane as Gymnasium environments: :class:`PlaneEnv` (one agent) and :class:`PlaneVectorEnv` (a numpy batch,
modelled on Gymnasium's ``CartPoleVectorEnv``: one array operation steps every agent, no Python loop over them).

Episodes last exactly ``plane.horizon`` steps: no termination, only truncation (so no variable-horizon bias in the
sample-based IRL algorithms). The reward is the true reward r(s, a) = -||p - goal|| - 0.001 ||a||^2 on the position
*before* the step; actions are clipped to [-1, 1]^2.

Dynamics (``plane.dynamics``):

* ``"velocity"``: observation (x, y); the centre moves by ``max_step * a`` (collisions: :func:`plane.sweep`).
* ``"force"``: observation (x, y, vx, vy); ``a`` is a force on a damped point mass, integrated over ``frames``
  sub-steps of ``dt`` (semi-implicit Euler): v += dt (a - damping v) / mass; p += dt v, each sub-move swept against
  the walls, the velocity's normal component dropped at a contact (an inelastic wall). Defaults: Fu et al.'s
  MuJoCo maze, mass 0.113, damping 1, dt 0.01, 5 frames (terminal speed |a| / damping = 1, i.e. 0.05 per step).

The start is drawn uniformly in ``start +- start_noise`` per axis (redrawn until it is clear of the walls; the
nominal start if 20 draws fail). ``options={"uniform_start": True}`` at reset (or ``uniform_start=True`` at
construction) starts every agent uniformly over the free plane instead (RL retraining for transfer).

Registered as ``irl_studio/Plane-v0`` (``gymnasium.make("irl_studio/Plane-v0", plane="point-maze-left")``;
``gymnasium.make_vec`` gives the numpy-batched :class:`PlaneVectorEnv`).
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from irl_studio.continuous.plane import Plane, resolve_plane, segment_distance

ENV_ID = "irl_studio/Plane-v0"


def _spaces(plane: Plane) -> tuple[spaces.Box, spaces.Box]:
    box = plane.free_box
    if plane.dynamics == "velocity":
        low, high = box[:, 0], box[:, 1]
    else:
        vmax = 1.0 / max(plane.damping, 1e-3) + plane.dt * plane.frames / plane.mass  # a loose bound on the speed
        low = np.concatenate([box[:, 0], [-vmax, -vmax]])
        high = np.concatenate([box[:, 1], [vmax, vmax]])
    obs = spaces.Box(low.astype(np.float32), high.astype(np.float32), dtype=np.float32)
    act = spaces.Box(-1.0, 1.0, shape=(2,), dtype=np.float32)
    return obs, act


def sample_free(plane: Plane, rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 2) centres drawn uniformly over the free plane (rejection sampling, vectorized)."""
    box = plane.free_box
    out = np.empty((0, 2))
    for _ in range(200):
        cand = rng.uniform(box[:, 0], box[:, 1], size=(max(2 * n, 16), 2))
        out = np.concatenate([out, cand[plane.is_free(cand)]])
        if len(out) >= n:
            return out[:n]
    raise ValueError("the plane has (almost) no free space")


def start_positions(plane: Plane, rng: np.random.Generator, n: int, uniform: bool = False) -> np.ndarray:
    if uniform:
        return sample_free(plane, rng, n)
    s = np.asarray(plane.start, dtype=np.float64)
    p = np.broadcast_to(s, (n, 2)).copy()
    if plane.start_noise > 0:
        todo = np.ones(n, dtype=bool)
        for _ in range(20):
            cand = s + rng.uniform(-plane.start_noise, plane.start_noise, size=(int(todo.sum()), 2))
            ok = plane.is_free(cand)
            idx = np.flatnonzero(todo)[ok]
            p[idx] = cand[ok]
            todo[idx] = False
            if not todo.any():
                break
    return p


def step_dynamics(plane: Plane, state: np.ndarray, action: np.ndarray) -> np.ndarray:
    """The next state of every agent: (N, obs_dim) -> (N, obs_dim). Actions are clipped to [-1, 1]."""
    a = np.clip(np.asarray(action, dtype=np.float64), -1.0, 1.0)
    if plane.dynamics == "velocity":
        return plane.move(state[:, :2], plane.max_step * a)
    p, v = state[:, :2].copy(), state[:, 2:4].copy()
    for _ in range(plane.frames):
        v = v + plane.dt * (a - plane.damping * v) / plane.mass
        want = plane.dt * v
        q = plane.move(p, want)
        hit = np.linalg.norm(q - p - want, axis=1) > 1e-12
        v[hit] = (q[hit] - p[hit]) / plane.dt  # inelastic contact: the velocity of the move actually made
        p = q
    return np.concatenate([p, v], axis=1)


def next_step_autoreset(env, reward: np.ndarray, truncated: np.ndarray) -> None:
    """Gymnasium's next-step autoreset for a numpy-batched env with ``state``, ``steps``, ``prev_done`` and
    ``_fresh(n)``: the agents whose episode ended at the previous step start afresh, with reward 0 and no
    truncation on this reset step; then ``prev_done`` becomes this step's truncations."""
    if env.prev_done.any():
        env.state[env.prev_done] = env._fresh(int(env.prev_done.sum()))
        env.steps[env.prev_done] = 0
        reward[env.prev_done] = 0.0
        truncated[env.prev_done] = False
    env.prev_done = truncated.copy()


class PlaneVectorEnv(VectorEnv):
    """``num_envs`` point masses on one plane, stepped together by numpy (autoreset: next step, as Gymnasium's
    CartPoleVectorEnv; with the fixed horizon every agent truncates at the same step)."""

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, num_envs: int = 16, plane: Plane | str = "point-maze-left", uniform_start: bool = False,
                 render_mode: str | None = None) -> None:
        self.plane = resolve_plane(plane)
        self.num_envs = int(num_envs)
        self.uniform_start = bool(uniform_start)
        self.render_mode = render_mode
        self.single_observation_space, self.single_action_space = _spaces(self.plane)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.horizon = self.plane.horizon
        self.state = np.zeros((self.num_envs, self.plane.obs_dim))
        self.steps = np.zeros(self.num_envs, dtype=np.int64)
        self.prev_done = np.zeros(self.num_envs, dtype=bool)
        self._uniform_now = self.uniform_start

    def _fresh(self, n: int) -> np.ndarray:
        p = start_positions(self.plane, self.np_random, n, self._uniform_now)
        return p if self.plane.dynamics == "velocity" else np.concatenate([p, np.zeros((n, 2))], axis=1)

    def _obs(self) -> np.ndarray:
        lo, hi = self.single_observation_space.low, self.single_observation_space.high
        return np.clip(self.state, lo, hi).astype(np.float32)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._uniform_now = bool((options or {}).get("uniform_start", self.uniform_start))
        self.state = self._fresh(self.num_envs)
        self.steps[:] = 0
        self.prev_done[:] = False
        return self._obs(), {}

    def step(self, actions):
        a = np.asarray(actions, dtype=np.float64).reshape(self.num_envs, 2)
        reward = self.plane.true_reward(self.state[:, :2], np.clip(a, -1, 1))
        self.state = step_dynamics(self.plane, self.state, a)
        self.steps += 1
        truncated = self.steps >= self.horizon
        terminated = np.zeros(self.num_envs, dtype=bool)
        next_step_autoreset(self, reward, truncated)
        return self._obs(), reward.astype(np.float64), terminated, truncated, {}


class PlaneEnv(gymnasium.Env):
    """One point mass on a plane (the same dynamics as :class:`PlaneVectorEnv`, which it uses with one agent)."""

    metadata = {"render_modes": []}

    def __init__(self, plane: Plane | str = "point-maze-left", uniform_start: bool = False,
                 render_mode: str | None = None) -> None:
        self.plane = resolve_plane(plane)
        self.uniform_start = bool(uniform_start)
        self.render_mode = render_mode
        self.observation_space, self.action_space = _spaces(self.plane)
        self._state = np.zeros((1, self.plane.obs_dim))
        self._t = 0

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        uniform = bool((options or {}).get("uniform_start", self.uniform_start))
        p = start_positions(self.plane, self.np_random, 1, uniform)
        self._state = p if self.plane.dynamics == "velocity" else np.concatenate([p, np.zeros((1, 2))], axis=1)
        self._t = 0
        return self._obs(), {}

    def _obs(self) -> np.ndarray:
        lo, hi = self.observation_space.low, self.observation_space.high
        return np.clip(self._state[0], lo, hi).astype(np.float32)

    def step(self, action):
        a = np.asarray(action, dtype=np.float64).reshape(1, 2)
        r = float(self.plane.true_reward(self._state[:, :2], np.clip(a, -1, 1))[0])
        self._state = step_dynamics(self.plane, self._state, a)
        self._t += 1
        d = float(np.linalg.norm(self._state[0, :2] - np.asarray(self.plane.goal)))
        return self._obs(), r, False, self._t >= self.plane.horizon, {"distance": d}


def min_clearance(plane: Plane, positions: np.ndarray) -> float:
    """The smallest distance of any of ``positions`` (..., 2) to a wall segment minus the clearance (>= 0: legal)."""
    p = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    if len(plane.walls) == 0:
        return float("inf")
    return float(segment_distance(p, plane.wall_array).min() - plane.clearance)


def _make_vec(num_envs: int = 16, plane: Plane | str = "point-maze-left", **kw) -> PlaneVectorEnv:
    return PlaneVectorEnv(num_envs=num_envs, plane=plane, **kw)


def register() -> None:
    """Register ``irl_studio/Plane-v0`` (idempotent; done on import of this module)."""
    if ENV_ID not in gymnasium.registry:
        gymnasium.register(id=ENV_ID, entry_point=PlaneEnv, vector_entry_point=_make_vec,
                           max_episode_steps=None, disable_env_checker=False)


register()
