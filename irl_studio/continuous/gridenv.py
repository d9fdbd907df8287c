"""A gridworld as a batched Gymnasium environment, for the sample-based algorithms (GCL, GAIL, AIRL) on grids:
they see only sampled transitions (s, a, s'), never the transition model.

:class:`GridVectorEnv` steps ``num_envs`` agents of a :class:`~irl_studio.core.mdp.GridMDP` with one numpy call:
the chosen action is carried out with probability ``1 - slip`` (else one of the others: ``mix``), a move into a wall
stays. Observation: the one-hot state (of S + 1: see below); action: ``Discrete(A)``.

**Goals end episodes; here they do not.** A gridworld episode ends when it reaches a goal, so episodes have
variable length, and adversarial IRL is biased by episodes that end: a learned reward that is positive everywhere
makes the learner avoid the goal to collect it longer, a negative one makes it rush there (the ``imitation``
issues #279 / #324; Kostrikov et al. 2019, "Discriminator-actor-critic", Sec. 4.2). The remedy used here is theirs:
an **absorbing state**. A goal's next state is an extra state ``S`` (the observation's last coordinate), which loops
on itself until the horizon; every episode lasts exactly ``horizon`` steps (truncation only, never termination) and
the reward of "having ended", g(absorbing), is learned like any other. The demonstrations are padded the same way
(:func:`grid_expert_data`). Since every episode spends its remaining steps in the absorbing state, a per-cell reward
``r(s) = g(s) - g(absorbing)`` on the original MDP (goal terminal) ranks every policy exactly as g does on the
extended one: the returns differ by the constant ``g(absorbing) * sum_t gamma^t``. That is the reward exported.

The environment's own reward is the true reward of the state before the step (0 in the absorbing state), only for
the views' "true return"; ``reward_features`` (an (S + 1, F + 1) matrix: the layout's features and an "absorbing"
indicator) tells the algorithms what their reward net may depend on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from irl_studio.continuous.env import next_step_autoreset
from irl_studio.core.demos import DemoArrays
from irl_studio.core.mdp import GridMDP


class GridVectorEnv(VectorEnv):
    """``num_envs`` agents on one gridworld MDP with an absorbing state after its goals (see the module)."""

    metadata = {"render_modes": [], "autoreset_mode": AutoresetMode.NEXT_STEP}

    def __init__(self, mdp: GridMDP, num_envs: int = 16, start: np.ndarray | None = None,
                 features: np.ndarray | None = None, true_reward: np.ndarray | None = None,
                 horizon: int | None = None) -> None:
        self.mdp = mdp
        S, A = mdp.n_states, mdp.n_actions
        self.n_states, self.absorbing = S + 1, S
        self.num_envs = int(num_envs)
        self.horizon = int(mdp.horizon if horizon is None else horizon)
        if self.horizon < 1:
            raise ValueError("the horizon must be at least one step")
        self.discount = float(mdp.discount)
        p0 = np.asarray(mdp.start if start is None else start, dtype=np.float64)
        if p0.shape != (S,) or not np.all(p0 >= 0) or p0.sum() <= 0:
            raise ValueError("the start distribution must be a non-negative vector over the states")
        self.p0 = p0 / p0.sum()
        # one-hot vectors lie in [0, 1]; the box is declared [-1, 1] because the networks scale observations from
        # their box to [-1, 1] (policy.ObsScaler): with this box the scaling is the identity and a linear layer on
        # the observation is a table (scaled to {-1, +1} vectors, every update would move every state's output)
        self.single_observation_space = spaces.Box(-1.0, 1.0, shape=(S + 1,), dtype=np.float32)
        self.single_action_space = spaces.Discrete(A)
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        # dest over the extended states: a goal goes to the absorbing state, which stays
        B = mdp.dest.shape[0]
        dest = np.empty((B, S + 1), dtype=np.int64)
        dest[:, :S] = np.where(mdp.terminal[None, :], S, mdp.dest)
        dest[:, S] = S
        self._dest = dest
        self._cmix = np.cumsum(mdp.mix, axis=1)
        r = np.zeros(S + 1)
        if true_reward is not None:
            r[:S] = np.asarray(true_reward, dtype=np.float64)
        self.true_reward = r
        self.reward_features = None if features is None else extend_features(features)
        # the goals and the absorbing state offer no choice: every action leads to the absorbing state
        self.no_choice = np.concatenate([mdp.terminal, [True]]).astype(np.float32)
        self.state = np.zeros(self.num_envs, dtype=np.int64)
        self.steps = np.zeros(self.num_envs, dtype=np.int64)
        self.prev_done = np.zeros(self.num_envs, dtype=bool)

    def _fresh(self, n: int) -> np.ndarray:
        return self.np_random.choice(len(self.p0), size=n, p=self.p0)

    def one_hot(self, states: np.ndarray) -> np.ndarray:
        out = np.zeros((len(states), self.n_states), dtype=np.float32)
        out[np.arange(len(states)), states] = 1.0
        return out

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.state = self._fresh(self.num_envs)
        self.steps[:] = 0
        self.prev_done[:] = False
        return self.one_hot(self.state), {}

    def step(self, actions):
        a = np.asarray(actions, dtype=np.int64).reshape(self.num_envs)
        if np.any((a < 0) | (a >= self.mdp.n_actions)):
            raise ValueError(f"actions must be in 0 .. {self.mdp.n_actions - 1}")
        reward = self.true_reward[self.state].copy()
        self.state = self._dest[carried_out(self._cmix, a, self.np_random), self.state]
        self.steps += 1
        truncated = self.steps >= self.horizon
        terminated = np.zeros(self.num_envs, dtype=bool)
        next_step_autoreset(self, reward, truncated)
        return self.one_hot(self.state), reward, terminated, truncated, {}


def carried_out(cmix: np.ndarray, actions: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The actions carried out for chosen ``actions`` (n,), drawn from the slip model's rows (``cmix``: the
    cumulative sums of ``mix[a]``)."""
    u = rng.random(len(actions))[:, None]
    return np.minimum((u > cmix[actions]).sum(axis=1), cmix.shape[1] - 1)


def extend_features(features: np.ndarray) -> np.ndarray:
    """(S, F) features -> (S + 1, F + 1): the absorbing state has only its own indicator."""
    f = np.asarray(features, dtype=np.float64)
    out = np.zeros((f.shape[0] + 1, f.shape[1] + 1))
    out[:-1, :-1] = f
    out[-1, -1] = 1.0
    return out


def padded_demo_states(arrays: DemoArrays, horizon: int, n_states: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each demonstration as (states (K + 1,), actions (K,)) over the extended states: one that ended at a goal
    continues in the absorbing state ``n_states`` up to ``horizon`` steps, with action 0 there and at the goal (the
    states without a choice, :attr:`GridVectorEnv.no_choice`: the learner's policy takes action 0 there too, with
    probability 1, so neither earns an entropy bonus for having ended); one that stopped before the horizon
    elsewhere is kept as it is (a truncated episode)."""
    out = []
    for i in range(arrays.n):
        L = int(arrays.lengths[i])
        s = arrays.states[i, :L].copy()
        a = arrays.actions[i, :L - 1].copy()
        if arrays.ended_at_goal[i] and L - 1 < horizon:
            k = horizon - (L - 1)
            s = np.concatenate([s, np.full(k, n_states)])
            a = np.concatenate([a, np.zeros(k, dtype=np.int64)])
        out.append((s, a))
    return out


def grid_expert_arrays(arrays: DemoArrays, horizon: int, n_states: int, n_actions: int) -> tuple[np.ndarray, ...]:
    """The demonstrations' transitions over the extended states: (obs (E, S+1), acts one-hot (E, A), next_obs,
    trajectory index (E,)) as float32 arrays (see :func:`padded_demo_states`)."""
    eye_s = np.eye(n_states + 1, dtype=np.float32)
    eye_a = np.eye(n_actions, dtype=np.float32)
    obs, acts, nxt, idx = [], [], [], []
    for i, (s, a) in enumerate(padded_demo_states(arrays, horizon, n_states)):
        obs.append(eye_s[s[:-1]])
        nxt.append(eye_s[s[1:]])
        acts.append(eye_a[a])
        idx.append(np.full(len(a), i))
    return np.concatenate(obs), np.concatenate(acts), np.concatenate(nxt), np.concatenate(idx)


class GridEnv(gymnasium.Env):
    """One agent on a gridworld layout, for training one's own agent (e.g. Stable-Baselines3) on a learned reward
    through :class:`~irl_studio.continuous.wrapper.LearnedRewardWrapper` and :class:`CellReward`.

    Observation: the one-hot state (floor cells in row-major order); action: ``Discrete(A)`` (the layout's actions);
    the slip model of the layout. Reward: the true reward of the cell *entered* (the start cell's own is a constant of
    every policy); reaching a goal terminates, the layout's horizon truncates. Registered as ``irl_studio/Grid-v0``
    (``gymnasium.make("irl_studio/Grid-v0", layout="four-rooms")``: a built-in name, a layout file or a Layout)."""

    metadata = {"render_modes": []}

    def __init__(self, layout: Any = "four-rooms", render_mode: str | None = None) -> None:
        from irl_studio.core.mdp import build_mdp

        from irl_studio.core.builtin import resolve_layout

        self.layout = resolve_layout(layout)
        self.mdp = build_mdp(self.layout)
        self.render_mode = render_mode
        S, A = self.mdp.n_states, self.mdp.n_actions
        self.observation_space = spaces.Box(0.0, 1.0, shape=(S,), dtype=np.float32)
        self.action_space = spaces.Discrete(A)
        tr = self.layout.true_reward
        self.true_reward = np.zeros(S) if tr is None else np.nan_to_num(self.mdp.state_values(np.asarray(tr, float)))
        self._cmix = np.cumsum(self.mdp.mix, axis=1)
        self._s, self._t = 0, 0

    def _obs(self) -> np.ndarray:
        o = np.zeros(self.mdp.n_states, dtype=np.float32)
        o[self._s] = 1.0
        return o

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._s = int(self.np_random.choice(self.mdp.n_states, p=self.mdp.start))
        self._t = 0
        return self._obs(), {"cell": tuple(int(x) for x in self.mdp.cells[self._s])}

    def step(self, action):
        a = int(action)
        if not 0 <= a < self.mdp.n_actions:
            raise ValueError(f"actions are 0 .. {self.mdp.n_actions - 1}, not {action}")
        b = int(carried_out(self._cmix, np.array([a]), self.np_random)[0])
        self._s = int(self.mdp.dest[b, self._s])
        self._t += 1
        terminated = bool(self.mdp.terminal[self._s])
        truncated = not terminated and self._t >= self.mdp.horizon
        return (self._obs(), float(self.true_reward[self._s]), terminated, truncated,
                {"cell": tuple(int(x) for x in self.mdp.cells[self._s])})


class CellReward:
    """A per-cell learned reward (``irl-studio learn LAYOUT ... --out r.npy``, or a (rows, cols) array; NaN on walls)
    as the reward callable of :class:`~irl_studio.continuous.wrapper.LearnedRewardWrapper` on a :class:`GridEnv`:
    the reward of the cell entered."""

    def __init__(self, layout: Any, reward: Any) -> None:
        from irl_studio.core.builtin import resolve_layout
        from irl_studio.core.mdp import build_mdp
        from irl_studio.core.rewardio import load_reward

        lay = resolve_layout(layout)
        mdp = build_mdp(lay)
        grid = load_reward(reward, lay.shape) if isinstance(reward, (str, Path)) else np.asarray(reward, float)
        vals = mdp.state_values(np.asarray(grid, dtype=np.float64))
        if not np.all(np.isfinite(vals)):
            raise ValueError("the learned reward has no value on some floor cell of this layout")
        self.values = vals

    def __call__(self, obs, action, next_obs) -> float:
        return float(self.values[int(np.argmax(next_obs))])


GRID_ENV_ID = "irl_studio/Grid-v0"
if GRID_ENV_ID not in gymnasium.registry:
    gymnasium.register(id=GRID_ENV_ID, entry_point=GridEnv)
