"""Transfer: freeze a learned reward and re-optimize on a (changed) plane, then score with the true reward.

(a) :func:`plan_transfer`: the exact planner (:mod:`irl_studio.continuous.planner`), instant and independent of RL luck
    (the paper's point: does the *reward* lead to the goal?).
(b) :class:`RLTransfer`: a fresh PPO policy trained on the frozen reward (steppable like the IRL algorithms, so the GUI
    can show it and stop it), optionally from uniform starts over the free plane (a policy started only at the start
    tends to stall under a shifted wall); scored by its deterministic rollout from the plane's nominal start.

Either way the result is a :class:`~irl_studio.continuous.planner.PlanResult`: the path, its true return, the optimal
return, whether the goal was reached. A learned reward is a :class:`RewardGrid` (a state reward), the networks of a
``.safetensors`` file (:func:`reward_from_networks`: state or state-action), or any callable f(p, a).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np
import torch

from irl_studio import IRLStudioError
from irl_studio.continuous.env import PlaneVectorEnv
from irl_studio.continuous.nets import load_networks
from irl_studio.continuous.plane import Plane
from irl_studio.continuous.planner import PlanResult, _score, execute, optimal_return, transfer_plan
from irl_studio.continuous.ppo import PPO, PPOSettings
from irl_studio.continuous.rewardgrid import load_reward_grid
from irl_studio.core.steppable import Cancelled


class TransferError(IRLStudioError):
    pass


class NetReward:
    """A state (or state-action) reward from networks: sign * net(s[, a]) on plane positions (force planes: zero
    velocity). Callable as f(p, a) and, for state nets, usable as a grid-like ``at(p)``."""

    def __init__(self, net, sign: float = 1.0, obs_dim: int = 2) -> None:
        self.net, self.sign, self.obs_dim = net, float(sign), int(obs_dim)

    def _obs(self, p: np.ndarray) -> torch.Tensor:
        p = np.asarray(p, dtype=np.float64).reshape(-1, 2)
        if self.obs_dim > 2:
            p = np.concatenate([p, np.zeros((len(p), self.obs_dim - 2))], axis=1)
        return torch.as_tensor(p, dtype=torch.float32)

    @torch.no_grad()
    def __call__(self, p: np.ndarray, a: np.ndarray) -> np.ndarray:
        act = torch.as_tensor(np.asarray(a, dtype=np.float64).reshape(-1, 2), dtype=torch.float32)
        out = self.net(self._obs(p), act if self.net.act_dim else None)
        return self.sign * out.double().numpy()

    @property
    def state_only(self) -> bool:
        return self.net.act_dim == 0


def reward_from_networks(path: str | Path) -> NetReward:
    """The learned reward of a networks file written by ``irl-studio learn --out R.safetensors``."""
    nets, meta = load_networks(path)
    key = meta.get("state_reward_net")
    if key not in nets:
        raise TransferError(f"{path}: no reward network named in the metadata")
    sign = -1.0 if meta.get("reward") == "-state_reward" else 1.0
    net = nets[key]
    if meta.get("algorithm") == "gail":  # -log(1 - D) = softplus(logit)
        class _Soft(torch.nn.Module):
            def __init__(self, d):
                super().__init__()
                self.d, self.act_dim = d, d.act_dim

            def forward(self, o, a=None):
                return torch.nn.functional.softplus(self.d(o, a))
        net = _Soft(net)
    return NetReward(net, sign, len(nets[key].obs_low))


def load_learned_reward(path: str | Path) -> Any:
    """A reward file (.json / .npz grid, or .safetensors networks) as a planner / RL reward."""
    suffix = Path(path).suffix.lower()
    if suffix == ".safetensors":
        return reward_from_networks(path)
    return load_reward_grid(path)


def _state_reward_fn(reward: Any) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    if hasattr(reward, "at"):
        return lambda p, a: np.asarray(reward.at(p), dtype=np.float64)
    if callable(reward):
        return reward
    raise TransferError("a learned reward must be a reward grid or a callable f(p, a)")


def plan_transfer(plane: Plane, reward: Any, resolution: int = 4) -> PlanResult:
    """(a) the exact planner under the frozen reward on ``plane``."""
    if isinstance(reward, NetReward) and reward.state_only:
        reward = _GridLike(reward)
    return transfer_plan(plane, reward, resolution)


class _GridLike:
    def __init__(self, r: NetReward) -> None:
        self.r = r

    def at(self, p):
        p = np.asarray(p, dtype=np.float64)
        return self.r(p.reshape(-1, 2), np.zeros((p.reshape(-1, 2).shape[0], 2))).reshape(p.shape[:-1])


@dataclass(frozen=True)
class RLTransferConfig:
    max_iterations: int = 150
    n_envs: int = 16
    uniform_start: bool = True
    entropy_weight: float = 0.01
    lr: float = 1e-3
    epochs: int = 5
    minibatches: int = 4


@dataclass(frozen=True, eq=False)
class TransferSnapshot:
    iteration: int
    metrics: Mapping[str, float]
    done: bool
    status: str
    elapsed: float
    rollouts: tuple  # (T + 1, 2) positions of the deterministic policy from the nominal start
    result: PlanResult | None  # the score at the end (and at every step: the current deterministic policy)


class RLTransfer:
    """(b) a fresh PPO policy on the frozen reward (the Steppable protocol: step(), done, cancel_check)."""

    name = "rl-transfer"
    title = "RL under the learned reward"

    def __init__(self, plane: Plane, reward: Any, config: RLTransferConfig | None = None, seed: int = 0) -> None:
        self.plane = plane
        self.config = config or RLTransferConfig()
        c = self.config
        self.reward = _state_reward_fn(reward)
        self.venv = PlaneVectorEnv(c.n_envs, plane, uniform_start=c.uniform_start)
        self.ppo = PPO(self.venv, PPOSettings(lr=c.lr, epochs=c.epochs, minibatches=c.minibatches,
                                              discount=plane.discount), seed=seed)
        self.iteration = 0
        self.status = "running"
        self.cancel_check = None
        self._elapsed = 0.0
        self._opt = optimal_return(plane)

    @property
    def done(self) -> bool:
        return self.status != "running"

    def step(self) -> TransferSnapshot:
        t0 = time.perf_counter()
        saved = self.ppo.state()
        try:
            b = self.ppo.collect(self.plane.horizon, self.cancel_check)
            T, N = b.valid.shape
            r = self.reward(b.flat("obs")[:, :2], b.flat("acts")).reshape(T, N)
            r = r - self.config.entropy_weight * b.logp
            self.ppo.update(b, r, self.cancel_check)
        except Cancelled:
            self.ppo.restore(saved)
            self._elapsed += time.perf_counter() - t0
            raise
        self.iteration += 1
        if self.iteration >= self.config.max_iterations:
            self.status = "max iterations"
        res = self.evaluate()
        self._elapsed += time.perf_counter() - t0
        m = {"true_return": res.true_return, "optimal_return": self._opt, "reached": float(res.reached),
             "final_distance": res.final_distance, "sample_true_return": float(b.true_rew.sum(0).mean()),
             "env_steps": float(self.ppo.env_steps), "seconds": self._elapsed}
        return TransferSnapshot(self.iteration, MappingProxyType(m), self.done, self.status, self._elapsed,
                                (res.positions,), res)

    def evaluate(self) -> PlanResult:
        """The current deterministic policy from the nominal start, executed and scored with the true reward."""
        return policy_on_plane(self.ppo.policy, self.plane, self._opt)

    def run(self, callback=None) -> TransferSnapshot:
        snap = None
        while not self.done:
            snap = self.step()
            if callback is not None:
                callback(snap)
        return snap


@torch.no_grad()
def policy_on_plane(policy, plane: Plane, optimum: float | None = None) -> PlanResult:
    """A policy's deterministic rollout (squash(mu(s))) from the plane's nominal start, scored with the true reward
    (e.g. a trained IRL policy run unchanged on a changed plane: "policy transfer")."""
    from irl_studio.continuous.env import step_dynamics

    t0 = time.perf_counter()
    s = np.asarray(plane.start, dtype=np.float64)[None]
    state = s if plane.dynamics == "velocity" else np.concatenate([s, np.zeros((1, 2))], axis=1)
    acts = []
    for _ in range(plane.horizon):
        a = policy.mode(torch.as_tensor(state, dtype=torch.float32)).numpy().astype(np.float64)
        acts.append(a[0])
        state = step_dynamics(plane, state, a)
    acts = np.array(acts)
    pos, _ = execute(plane, s[0], acts)
    ret, disc, reached, fin = _score(plane, pos, acts)
    opt = optimal_return(plane) if optimum is None else optimum
    return PlanResult(pos, acts, ret, disc, opt, reached, fin, time.perf_counter() - t0)


def rl_transfer(plane: Plane, reward: Any, iterations: int = 150, seed: int = 0, uniform_start: bool = True,
                callback=None) -> PlanResult:
    """(b) to the end: the trained policy's score."""
    t0 = time.perf_counter()
    job = RLTransfer(plane, reward, RLTransferConfig(max_iterations=iterations, uniform_start=uniform_start), seed)
    snap = job.run(callback)
    r = snap.result
    return PlanResult(r.positions, r.actions, r.true_return, r.discounted_return, r.optimal_return, r.reached,
                      r.final_distance, time.perf_counter() - t0)
