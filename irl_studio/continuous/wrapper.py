"""A Gymnasium wrapper that replaces an environment's reward by a learned one, so that a user trains their own agent
(Stable-Baselines3, CleanRL, ...) on what IRL Studio learned.

    env = LearnedRewardWrapper(gymnasium.make("Pendulum-v1"), "r.safetensors")
    obs, r, terminated, truncated, info = env.step(a)     # r = the learned reward; info["true_reward"] = the env's

The reward r(s, a, s') of the transition the step made comes from:

* a **networks file** (``irl-studio learn ... --out R.safetensors``, a plane's or a Gymnasium env's): the exported
  state reward of the algorithm, evaluated at the observation *before* the step, as the algorithms trained it:
  AIRL's g(s) (or g(s, a)), GCL's -c(s), GAIL's -log(1 - D(s, a)) = softplus(d(s, a)) (:class:`NetworkReward`);
* a **reward grid** (``.json`` / ``.npz``): on a plane the bilinear value at the position before the step; on a
  Gymnasium env whose slice is its whole state (Pendulum: theta x theta dot; MountainCar: position x velocity) the
  value at the state before the step (:class:`GridReward`);
* **any callable** ``reward(obs, action, next_obs) -> float`` (e.g. a gridworld's per-cell reward).

Termination, truncation, observations and spaces are the wrapped env's; the learned reward is a Python float.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import gymnasium
import numpy as np
import torch

from irl_studio import IRLStudioError

RewardFn = Callable[[np.ndarray, np.ndarray, np.ndarray], float]


class WrapperError(IRLStudioError):
    pass


class NetworkReward:
    """sign * net(s[, a]) of a networks file's exported reward net (GAIL: softplus of the logit)."""

    def __init__(self, path: str | Path) -> None:
        from irl_studio.continuous.nets import load_networks

        nets, meta = load_networks(path)
        key = meta.get("state_reward_net")
        if key not in nets:
            raise WrapperError(f"{path}: no reward network named in the metadata")
        self.net = nets[key].eval()
        self.sign = -1.0 if meta.get("reward") == "-state_reward" else 1.0
        self.softplus = meta.get("algorithm") == "gail"
        self.meta = meta
        self.obs_dim = len(self.net.obs_low)

    @torch.no_grad()
    def batch(self, obs: np.ndarray, act: np.ndarray | None = None) -> np.ndarray:
        """The reward of a batch of observations (n, obs_dim) and actions (n, act_dim)."""
        o = torch.as_tensor(np.asarray(obs, np.float32).reshape(-1, self.obs_dim))
        a = torch.as_tensor(np.asarray(act, np.float32).reshape(len(o), -1)) if self.net.act_dim else None
        v = self.net(o, a)
        if self.softplus:
            v = torch.nn.functional.softplus(v)
        return self.sign * v.double().numpy()

    def __call__(self, obs, action, next_obs) -> float:
        return float(self.batch(obs, action)[0])


class GridReward:
    """A reward grid's bilinear value at the state before the step (a plane's position, or a Gymnasium env's
    state mapped onto its slice)."""

    def __init__(self, grid: Any) -> None:
        self.grid = grid
        env = getattr(grid, "env", None)
        if env is None:
            self.to_xy: Callable[[np.ndarray], np.ndarray] = lambda o: np.asarray(o, np.float64).reshape(1, -1)[:, :2]
        else:
            from irl_studio.continuous.gym_envs import KNOWN_SLICES, PREFIX

            sl = KNOWN_SLICES.get(env[len(PREFIX):] if env.startswith(PREFIX) else env)
            if sl is None or sl.from_obs is None:
                raise WrapperError(f"the reward grid of {env} covers a slice, not its whole state; use its networks "
                                   f"(.safetensors)")
            self.to_xy = lambda o: sl.from_obs(np.asarray(o, np.float64).reshape(1, -1))

    def __call__(self, obs, action, next_obs) -> float:
        return float(self.grid.at(self.to_xy(obs))[0])


def load_reward(source: Any) -> RewardFn:
    """A reward callable r(obs, action, next_obs) from a file path, a RewardGrid or a callable."""
    if isinstance(source, (str, Path)):
        suffix = Path(source).suffix.lower()
        if suffix == ".safetensors":
            return NetworkReward(source)
        if suffix in (".json", ".npz"):
            from irl_studio.continuous.rewardgrid import load_reward_grid

            return GridReward(load_reward_grid(source))
        raise WrapperError(f"{source}: a learned reward is a .safetensors, .json or .npz file")
    if hasattr(source, "at") and hasattr(source, "values"):
        return GridReward(source)
    if callable(source):
        return source
    raise WrapperError("the learned reward must be a file, a reward grid or a callable reward(obs, action, next_obs)")


class LearnedRewardWrapper(gymnasium.Wrapper, gymnasium.utils.RecordConstructorArgs):
    """The wrapped env with its reward replaced by ``reward`` (file, grid or callable); ``info["true_reward"]``
    keeps the env's own. Its constructor arguments are recorded (``env.spec`` can recreate it)."""

    def __init__(self, env: gymnasium.Env, reward: Any) -> None:
        gymnasium.utils.RecordConstructorArgs.__init__(self, reward=reward)
        gymnasium.Wrapper.__init__(self, env)
        self.reward_fn = load_reward(reward)
        dim = getattr(self.reward_fn, "obs_dim", None)
        shape = getattr(env.observation_space, "shape", None)
        if dim is not None and shape is not None and tuple(shape) != (dim,):
            raise WrapperError(f"the reward network takes observations of {dim} numbers; this environment's are "
                               f"{tuple(shape)}")
        self._obs: Any = None

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options=options)
        self._obs = obs
        return obs, info

    def step(self, action):
        prev = self._obs
        obs, true_r, terminated, truncated, info = self.env.step(action)
        self._obs = obs
        r = float(self.reward_fn(prev, np.asarray(action), obs))
        if not np.isfinite(r):
            raise WrapperError(f"the learned reward is not finite at {np.asarray(prev).tolist()}")
        return obs, r, terminated, truncated, {**info, "true_reward": float(true_r)}
