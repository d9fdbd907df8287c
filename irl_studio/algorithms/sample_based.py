"""What GCL, GAIL and AIRL share: the environment, the expert transitions, the PPO inner loop, the step protocol
(:class:`~irl_studio.core.steppable.Steppable`) and the snapshot.

    algo = AIRL(plane_or_vector_env, demos, AIRLConfig(), seed=0)
    algo.cancel_check = stop.is_set
    while not algo.done:
        snap = algo.step()           # a PlaneSnapshot: reward over the plane, rollouts, metrics
    algo.reward_grid(201)            # the learned state reward on a grid (RewardGrid): files, transfer

One step: collect one batch (``n_envs`` agents x ``n_steps`` steps) with the current policy, update the reward /
discriminator on it (:meth:`_update_reward`), give every transition the algorithm's policy reward
(:meth:`_policy_reward`), and make ``ppo_epochs`` passes of PPO. A Stop (``cancel_check``) is checked between
environment steps and minibatches; the step is then abandoned and every network, optimizer and random state is put
back as it was before it (:class:`~irl_studio.core.steppable.Cancelled`), so the last snapshot stands.

The environment is any Gymnasium ``VectorEnv`` with flat Box observation and action spaces (issue 9: Gymnasium
environments), or a :class:`~irl_studio.continuous.plane.Plane` (then a :class:`PlaneVectorEnv` of ``n_envs`` agents,
the reward drawn over the plane and the true return scored).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Mapping

import numpy as np
import torch

from irl_studio.algorithms.base import AlgorithmError, knob
from irl_studio.continuous.demos import PlaneDemos, validate_demos
from irl_studio.continuous.env import PlaneVectorEnv
from irl_studio.continuous.nets import ScalarNet, net_grid, save_networks
from irl_studio.continuous.plane import Plane, plane_to_dict
from irl_studio.continuous.ppo import PPO, Batch, PPOSettings, episode_returns, finite_bounds
from irl_studio.continuous.rewardgrid import RewardGrid, grid_axes
from irl_studio.core.steppable import Cancelled


@dataclass(frozen=True)
class SampleConfig:
    """Knobs every sample-based algorithm has (the inner loop and the views)."""

    max_iterations: int = knob(200, "iterations (one batch of every environment, then reward and policy updates)",
                               min=1, max=100_000)
    n_envs: int = knob(16, "parallel environments (agents) per batch", min=1, max=4096)
    n_steps: int = knob(0, "environment steps per agent per batch (0: the plane's horizon, one whole episode)",
                        min=0, max=100_000)
    uniform_start: bool = knob(False, "start the learner's agents uniformly over the free plane (else at the start)")
    pad_demos: bool = knob(True, "velocity plane: a demonstration shorter than the horizon stays at its last point "
                                 "for the remaining steps (the demonstrator stopped there)")
    entropy_weight: float = knob(1.0, "weight of the policy's entropy term -log pi in its reward", min=0.0, max=100.0)
    policy_lr: float = knob(1e-3, "PPO learning rate (policy and value net)", min=1e-7, max=1.0)
    ppo_epochs: int = knob(5, "PPO passes over each batch (the policy updates per iteration)", min=1, max=100)
    ppo_minibatches: int = knob(4, "PPO minibatches per pass", min=1, max=1000)
    ppo_clip: float = knob(0.2, "PPO clip range of the probability ratio", min=0.01, max=10.0)
    gae_lambda: float = knob(0.95, "GAE lambda of the advantages", min=0.0, max=1.0)
    policy_hidden: tuple = knob((64, 64), "policy and value net hidden layers (comma-separated sizes)")
    log_std_init: float = knob(-0.5, "initial log standard deviation of the policy's Gaussian (before tanh)",
                               min=-5.0, max=2.0)
    reward_average: float = knob(0.9, "the exported reward is an exponential moving average of the reward net's "
                                       "weights over iterations with this decay (0: the last iterate)", min=0.0,
                                 max=0.999)
    grid_points: int = knob(101, "points per axis of the reward drawn in each snapshot", min=50, max=1001)
    rollouts_shown: int = knob(4, "policy rollouts (positions) kept in each snapshot", min=0, max=64)


@dataclass(frozen=True, eq=False)
class PlaneSnapshot:
    """An immutable picture of a sample-based run after one step (arrays are read-only)."""

    algorithm: str
    iteration: int
    metrics: Mapping[str, float]
    done: bool
    status: str
    elapsed: float
    env_steps: int
    reward_x: np.ndarray | None  # (nx,) the grid of the learned state reward over the plane (None: no plane)
    reward_y: np.ndarray | None  # (ny,)
    reward_values: np.ndarray | None  # (ny, nx), values[i, j] at (x[j], y[i])
    rollouts: tuple  # a few current policy rollouts: (T + 1, 2) position arrays
    partial: bool = False  # a view of the iteration under way (progress), not a step's result


def _ro(a: np.ndarray | None) -> np.ndarray | None:
    if a is None:
        return None
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class ExpertData:
    """The demonstrations as transitions (s, a, s') and as trajectories (for GCL's per-trajectory costs)."""

    obs: torch.Tensor  # (E, obs_dim)
    acts: torch.Tensor  # (E, act_dim)
    next_obs: torch.Tensor  # (E, obs_dim)
    traj: np.ndarray  # (E,) trajectory index of each transition
    n_traj: int
    terminated: torch.Tensor | None = None  # (E,) s' is terminal (a terminated demonstration's last step)


def expert_data(demos: PlaneDemos, horizon: int | None, pad: bool, pad_terminated: bool = False) -> ExpertData:
    """Transitions of the demonstrations; ``pad``: every one shorter than the horizon continues at its last point
    with zero actions; ``pad_terminated``: the terminated ones do (the absorbing state of a Gymnasium env)."""
    obs, acts, nxt, idx, te = [], [], [], [], []
    for i, tr in enumerate(demos.trajectories):
        o, a = tr.obs, tr.acts
        padded = (pad or (pad_terminated and tr.terminated)) and horizon is not None and len(a) < horizon
        if padded:  # the demonstrator stays at the last point
            k = horizon - len(a)
            o = np.concatenate([o, np.repeat(o[-1:], k, axis=0)])
            a = np.concatenate([a, np.zeros((k, a.shape[1]))])
        obs.append(o[:-1])
        acts.append(a)
        nxt.append(o[1:])
        idx.append(np.full(len(a), i))
        te.append(np.arange(len(a)) == len(a) - 1 if tr.terminated and not padded else np.zeros(len(a), bool))
    if not obs or sum(len(a) for a in acts) == 0:
        raise AlgorithmError("the demonstrations have no step")
    f = lambda xs: torch.as_tensor(np.concatenate(xs), dtype=torch.float32)  # noqa: E731
    return ExpertData(f(obs), f(acts), f(nxt), np.concatenate(idx), len(demos.trajectories),
                      torch.as_tensor(np.concatenate(te)))


class SampleBasedIRL:
    """Base class of GCL, GAIL and AIRL (subclasses: :meth:`_setup`, :meth:`_update_reward`,
    :meth:`_policy_reward`, :meth:`state_reward_net`)."""

    name: ClassVar[str] = "abstract"
    title: ClassVar[str] = ""
    paper: ClassVar[str] = ""
    Config: ClassVar[type] = SampleConfig
    reward_sign: ClassVar[float] = 1.0  # the learned state reward is reward_sign * state_reward_net()

    def __init__(self, env: Any, demos: PlaneDemos, config: Any = None, seed: int = 0) -> None:
        self.config = config if config is not None else self.Config()
        c = self.config
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        if isinstance(env, Plane):
            self.plane: Plane | None = env
            demos = validate_demos(env, demos)
            self.venv = PlaneVectorEnv(c.n_envs, env, uniform_start=c.uniform_start)
        else:
            self.plane = getattr(env, "plane", None)
            self.venv = env
        self.horizon = int(c.n_steps) if c.n_steps else (self.plane.horizon if self.plane is not None else 0)
        if self.horizon <= 0:
            raise AlgorithmError("n_steps must be set for an environment without a plane's horizon")
        if isinstance(demos, ExpertData):  # transitions made by the caller (a gridworld's, with its absorbing state)
            self.expert = demos
        else:
            if len(demos) == 0:
                raise AlgorithmError("no demonstrations: record or generate some first")
            pad = bool(c.pad_demos and self.plane is not None and self.plane.dynamics == "velocity")
            absorb = getattr(self.venv, "termination", None) == "absorb"  # a GymTask's terminal states absorb
            self.expert = expert_data(demos, self.horizon, pad, pad_terminated=absorb)
        self.gamma = self.plane.discount if self.plane is not None else float(getattr(self.venv, "discount", 0.99))
        settings = PPOSettings(lr=c.policy_lr, epochs=c.ppo_epochs, minibatches=c.ppo_minibatches, clip=c.ppo_clip,
                               gae_lambda=c.gae_lambda, discount=self.gamma, hidden=tuple(c.policy_hidden),
                               log_std_init=c.log_std_init)
        self.ppo = PPO(self.venv, settings, seed=self.seed)
        self.obs_space = self.venv.single_observation_space
        self.act_dim = int(self.ppo.policy.act_dim)  # a Discrete space: the one-hot width
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed + 1)
            self._setup()
        # the averaged reward net (adversarial training makes the last iterate wander around its target)
        self.reward_avg = copy.deepcopy(self.state_reward_net()).requires_grad_(False)
        self.iteration = 0
        self.status = "running"
        self.cancel_check = None
        self._elapsed = 0.0
        self._last: PlaneSnapshot | None = None
        self._current: Batch | None = None
        self.history: list[Batch] = []  # past policy batches (the discriminator's / GCL's background samples)

    # --- subclass hooks ----------------------------------------------------------------------------------------
    def _setup(self) -> None:
        raise NotImplementedError

    def _update_reward(self, batch: Batch) -> dict[str, float]:
        raise NotImplementedError

    def _policy_reward(self, batch: Batch) -> np.ndarray:
        raise NotImplementedError

    def state_reward_net(self) -> ScalarNet:
        raise NotImplementedError

    def networks(self) -> dict[str, ScalarNet]:
        raise NotImplementedError

    def _optimizers(self) -> list[torch.optim.Optimizer]:
        return []

    # --- the protocol ------------------------------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return self.status != "running"

    @property
    def last(self) -> PlaneSnapshot | None:
        return self._last

    @property
    def env_steps(self) -> int:
        return self.ppo.env_steps

    def _checkpoint(self) -> dict:
        nets = {**self.networks(), "reward_avg": self.reward_avg}
        return {"ppo": self.ppo.state(), "nets": {k: copy.deepcopy(n.state_dict()) for k, n in nets.items()},
                "opts": [copy.deepcopy(o.state_dict()) for o in self._optimizers()],
                "rng": self.rng.bit_generator.state, "history": list(self.history), "extra": self._extra_state()}

    def _restore(self, st: dict) -> None:
        self.ppo.restore(st["ppo"])
        for k, n in {**self.networks(), "reward_avg": self.reward_avg}.items():
            n.load_state_dict(st["nets"][k])
        for o, s in zip(self._optimizers(), st["opts"]):
            o.load_state_dict(s)
        self.rng.bit_generator.state = st["rng"]
        self.history = st["history"]
        self._restore_extra(st["extra"])

    def _history_limit(self) -> int:
        """How many past batches to keep (0: all): the discriminator's buffer."""
        return int(getattr(self.config, "buffer_batches", 0))

    def _extra_state(self) -> Any:
        return None

    def _restore_extra(self, st: Any) -> None:
        pass

    def step(self) -> PlaneSnapshot:
        if self.done and self._last is not None:
            return self._last
        t0 = time.perf_counter()
        saved = self._checkpoint()
        cancel = self.cancel_check
        try:
            batch = self.ppo.collect(self.horizon, cancel)
            self._current = batch
            metrics = dict(self._update_reward(batch))
            self._average_reward()
            rewards = self._policy_reward(batch)
            if not np.all(np.isfinite(rewards[batch.valid])):
                raise FloatingPointError("the policy reward has NaN or infinite values")
            metrics.update(self.ppo.update(batch, rewards, cancel))
            if not all(torch.isfinite(p).all() for p in self.ppo.policy.parameters()):
                raise FloatingPointError("the policy's weights are not finite")
        except Cancelled:
            self._current = None
            self._restore(saved)
            self._elapsed += time.perf_counter() - t0
            raise
        except FloatingPointError as exc:
            self._current = None
            self.status = "failed"
            raise AlgorithmError(f"{self.title} diverged at iteration {self.iteration + 1}: {exc} "
                                 f"(try smaller learning rates)") from exc
        self._current = None
        self.history.append(batch)
        if self._history_limit() > 0:  # one-hot gridworld batches are large: keep only what is sampled from
            del self.history[:-self._history_limit()]
        self.iteration += 1
        if self.iteration >= self.config.max_iterations:
            self.status = "max iterations"
        metrics["true_return"] = float(episode_returns(batch).mean())
        metrics["policy_reward"] = float(rewards[batch.valid].mean())
        metrics["env_steps"] = float(self.env_steps)
        if self.plane is not None:
            fin = batch.next_obs[-1, :, :2]
            metrics["final_distance"] = float(np.linalg.norm(fin - np.asarray(self.plane.goal), axis=1).mean())
        self._elapsed += time.perf_counter() - t0
        metrics["seconds"] = self._elapsed
        x = y = v = None
        if self.plane is not None:
            g = self.reward_grid(self.config.grid_points)
            x, y, v = g.x, g.y, g.values
        k = min(self.config.rollouts_shown, batch.obs.shape[1])
        rolls = tuple(_ro(np.concatenate([batch.obs[:1, i, :2], batch.next_obs[:, i, :2]])) for i in range(k))
        snap = PlaneSnapshot(self.name, self.iteration, MappingProxyType(metrics), self.done, self.status,
                             self._elapsed, self.env_steps, _ro(x), _ro(y), _ro(v), rolls)
        self._last = snap
        return snap

    def progress(self) -> PlaneSnapshot | None:
        """A picture of the iteration under way, for views that update more often than iterations end: the reward
        as the nets are now, and the agents' paths so far while the batch is being collected (the last batch's
        otherwise). Metrics are those of the last finished iteration. Cheap (a reward grid of ``grid_points``)."""
        if self.plane is None:
            return None
        last = self._last
        coll = getattr(self.ppo, "collecting", None)
        k = self.config.rollouts_shown
        if coll is not None:
            O, O2, t = coll
            k = min(k, O.shape[1])
            rolls = tuple(_ro(np.concatenate([O[:1, i, :2], O2[:t, i, :2]])) for i in range(k))
        else:
            rolls = last.rollouts if last is not None else ()
        g = self.reward_grid(self.config.grid_points)
        return PlaneSnapshot(self.name, self.iteration, last.metrics if last is not None else MappingProxyType({}),
                             False, "running", self._elapsed, self.env_steps, _ro(g.x), _ro(g.y), _ro(g.values),
                             rolls, partial=True)

    def run(self, max_steps: int | None = None, callback=None) -> PlaneSnapshot:
        n = 0
        snap = self._last
        while not self.done and (max_steps is None or n < max_steps):
            snap = self.step()
            n += 1
            if callback is not None:
                callback(snap)
        if snap is None:
            raise AlgorithmError("the run made no step")
        return snap

    @torch.no_grad()
    def _average_reward(self) -> None:
        tau = float(self.config.reward_average)
        for pa, p in zip(self.reward_avg.parameters(), self.state_reward_net().parameters()):
            pa.mul_(tau).add_(p, alpha=1.0 - tau)

    def exported_reward_net(self) -> ScalarNet:
        """The reward net the grid and the files hold: the moving average (or the last iterate)."""
        return self.reward_avg if self.config.reward_average > 0 else self.state_reward_net()

    # --- results -----------------------------------------------------------------------------------------------
    def reward_grid(self, n: int = 201) -> RewardGrid:
        """The learned state reward (AIRL's g, GCL's -cost, GAIL's -log(1 - D) at a = 0) on an n x n grid over the
        plane's bounds, finite everywhere (inside walls too)."""
        if self.plane is None:
            raise AlgorithmError("the reward is drawn over a plane; this environment has none")
        x, y = grid_axes(self.plane.bounds, n)
        v = net_grid(self.exported_reward_net(), self.plane, x, y, self.reward_sign)
        v = self._grid_transform(v)
        if not np.all(np.isfinite(v)):
            raise AlgorithmError(f"{self.title}: the learned reward is not finite")
        return RewardGrid(x, y, v, self.name, plane_to_dict(self.plane),
                          {"iterations": self.iteration, "seed": self.seed, "env_steps": self.env_steps})

    def _grid_transform(self, v: np.ndarray) -> np.ndarray:
        return v

    @torch.no_grad()
    def policy_rollouts(self, plane: Plane | None = None, n: int = 4, deterministic: bool = True,
                        uniform_start: bool = False, seed: int = 0) -> list[np.ndarray]:
        """Positions (T + 1, 2) of ``n`` rollouts of the current policy on ``plane`` (default: its own)."""
        plane = plane or self.plane
        env = PlaneVectorEnv(n, plane, uniform_start=uniform_start)
        obs, _ = env.reset(seed=seed)
        out = [obs[:, :2].astype(np.float64)]
        gen = torch.Generator().manual_seed(seed)
        for _ in range(plane.horizon):
            o = torch.as_tensor(obs, dtype=torch.float32)
            a = self.ppo.policy.mode(o) if deterministic else self.ppo.policy.sample(o, gen)[0]
            obs = env.step(a.numpy())[0]
            out.append(obs[:, :2].astype(np.float64))
        arr = np.stack(out, axis=1)
        return [arr[i] for i in range(n)]

    def save_networks(self, path, extra: dict | None = None) -> None:
        meta = {"algorithm": self.name, "config": _jsonable_config(self.config), "iterations": self.iteration,
                "seed": self.seed, "reward": "state_reward" if self.reward_sign > 0 else "-state_reward",
                "state_reward_net": "reward_avg" if self.config.reward_average > 0 else self._state_reward_key(),
                **(extra or {})}
        if self.plane is not None:
            meta["plane"] = plane_to_dict(self.plane)
        save_networks(path, {**self.networks(), "reward_avg": self.reward_avg}, meta)

    def _state_reward_key(self) -> str:
        return next(k for k, v in self.networks().items() if v is self.state_reward_net())

    # --- shared pieces -----------------------------------------------------------------------------------------
    def new_net(self, with_action: bool, hidden: tuple, activation: str = "relu") -> ScalarNet:
        lo, hi = finite_bounds(self.obs_space, self.expert.obs.numpy())
        return ScalarNet(lo, hi, self.act_dim if with_action else 0, tuple(hidden), activation)

    def new_reward_net(self, with_action: bool, hidden: tuple, activation: str = "relu"):
        """The reward's net (AIRL's g, GCL's c, GAIL's d): of the environment's reward features phi(s) when it has
        them (``reward_features``: an (obs_dim, F) matrix, phi = obs @ matrix; a gridworld's terrain), else of the
        observation. The shaping h stays a function of the whole state (:meth:`new_net`)."""
        phi = getattr(self.venv, "reward_features", None)
        if phi is None:
            return self.new_net(with_action, hidden, activation)
        from irl_studio.continuous.nets import FeatureNet

        return FeatureNet(phi, self.act_dim if with_action else 0, tuple(hidden), activation)

    def policy_samples(self, k_batches: int) -> tuple[torch.Tensor, ...]:
        """(obs, acts, next_obs, terminated) of the valid transitions of the last ``k_batches`` policy batches
        (including the current one, which is appended to the history only at the end of the step)."""
        bs = self.history[-(k_batches - 1):] if k_batches > 1 else []
        bs = [*bs, self._current] if getattr(self, "_current", None) is not None else bs
        o, a, o2, te = [], [], [], []
        for b in bs:
            m = b.valid.reshape(-1)
            o.append(b.flat("obs")[m])
            a.append(b.flat("acts")[m])
            o2.append(b.flat("next_obs")[m])
            te.append(b.flat("terminated")[m])
        cat = lambda xs: torch.as_tensor(np.concatenate(xs))  # noqa: E731
        return cat(o), cat(a), cat(o2), cat(te)


def _jsonable_config(config: Any) -> dict:
    d = dataclasses.asdict(config)
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}


def config_dict(config: Any) -> dict:
    return _jsonable_config(config)
