"""GCL, GAIL and AIRL on gridworlds, from samples only: the plane's sample-based algorithms
(:mod:`~irl_studio.algorithms.sample_based`) driven on a :class:`~irl_studio.continuous.gridenv.GridVectorEnv`,
behind the tabular protocol (:class:`~irl_studio.algorithms.base.IRLAlgorithm`), so the gridworld tab, the command
line and the tests drive them like MaxEnt: same Problem, same Snapshot (reward per cell, expert and learner
visitation, policy, metrics, EVD against the true reward when the layout has one).

What the learner sees: sampled transitions of ``n_envs`` agents per iteration (never the transition model) and the
demonstrations. The policy is a categorical table of logits over the one-hot state (a linear layer), trained by the
same PPO as on the plane; the reward net sees the layout's features (``--features``: ``terrain``, ``state``, ...)
through :class:`~irl_studio.continuous.nets.FeatureNet` (``reward_hidden = ()``: linear in them, like linear IRL);
AIRL's shaping h is a table over the states. Goals lead to an absorbing state (see :mod:`.gridenv`: no bias from
episodes that end), and the per-cell reward exported is ``r(s) = g(s) - g(absorbing)`` (GCL: ``-c``; GAIL: the
policy's expectation of ``-log(1 - D(s, a))``).

The learner's visitation in a snapshot is sampled: ``n_envs`` agents of the current policy started as the
demonstrations were (an estimate, not an exact expectation: what agents did), and the feature gap is that of this
visitation against the demonstrations'; the EVD is the exact one of the exported reward (scoring only, not used by
the learner).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from irl_studio.algorithms.base import AlgorithmError, IRLAlgorithm, Problem, knob


@dataclass(frozen=True)
class GridSampleConfig:
    """What GCL, GAIL and AIRL share on a grid."""

    max_iterations: int = knob(150, "iterations (one batch of every agent, then reward and policy updates)", min=1,
                               max=100_000)
    n_envs: int = knob(32, "agents sampled per iteration (each one episode of the horizon)", min=1, max=4096)
    start: str = knob("mixed", "start distribution of the learner's agents. visited: the cells the demonstrations "
                               "visit (the learner sees what follows from every part of their paths, the goal's "
                               "neighbourhood included); mixed: half of them there, half anywhere on the floor (the "
                               "learner also tries the cells the demonstrations avoid, so their reward is learned "
                               "too); demos: their start cells; layout: the layout's start",
                      choices=("mixed", "visited", "demos", "layout"))
    reward_hidden: tuple = knob((), "hidden layers of the reward net over the features (empty: linear)")
    entropy_weight: float = knob(0.3, "weight of the policy's entropy term -log pi in its reward (the learner's "
                                      "temperature: below 1 for demonstrators more decided than a soft-optimal one)",
                                 min=0.0, max=100.0)
    policy_lr: float = knob(0.05, "PPO learning rate (the policy's table of logits and the value table)",
                            min=1e-7, max=10.0)
    ppo_epochs: int = knob(4, "PPO passes over each batch", min=1, max=100)
    ppo_minibatches: int = knob(4, "PPO minibatches per pass", min=1, max=1000)
    reward_average: float = knob(0.9, "the exported reward is an exponential moving average of the reward net's "
                                       "weights over iterations with this decay (0: the last iterate)", min=0.0,
                                 max=0.999)
    eval_every: int = knob(5, "score the reward against the true reward (when the layout has one) every N "
                              "iterations (0: only at the end)", min=0, max=100_000)


@dataclass(frozen=True)
class GridAIRLConfig(GridSampleConfig):
    reward: str = knob("state", "g(s) (state-only: the reward that transfers) or g(s, a)",
                       choices=("state", "state-action"))
    disc_lr: float = knob(0.01, "discriminator (g, h) learning rate (Adam)", min=1e-7, max=10.0)
    disc_steps: int = knob(10, "discriminator minibatch steps per iteration", min=0, max=10_000)
    disc_batch: int = knob(256, "expert and policy transitions per discriminator minibatch (each)", min=1,
                           max=1_000_000)
    buffer_batches: int = knob(5, "policy batches (this one and past ones) the discriminator samples from", min=1,
                               max=10_000)
    weight_decay: float = knob(1e-4, "L2 weight decay of g and h", min=0.0, max=1.0)


@dataclass(frozen=True)
class GridGAILConfig(GridSampleConfig):
    entropy_weight: float = knob(0.0, "weight of the causal entropy bonus -log pi in the policy's reward", min=0.0,
                                 max=100.0)
    disc_lr: float = knob(0.01, "discriminator learning rate (Adam)", min=1e-7, max=10.0)
    disc_steps: int = knob(10, "discriminator minibatch steps per iteration", min=0, max=10_000)
    disc_batch: int = knob(256, "expert and policy pairs per discriminator minibatch (each)", min=1, max=1_000_000)
    buffer_batches: int = knob(5, "policy batches (this one and past ones) the discriminator samples from", min=1,
                               max=10_000)
    weight_decay: float = knob(1e-4, "L2 weight decay of the discriminator", min=0.0, max=1.0)


@dataclass(frozen=True)
class GridGCLConfig(GridSampleConfig):
    cost_lr: float = knob(0.05, "cost learning rate (Adam)", min=1e-7, max=10.0)
    cost_steps: int = knob(10, "cost minibatch steps per iteration", min=0, max=10_000)
    demo_batch: int = knob(32, "demonstrations per cost minibatch", min=1, max=100_000)
    sample_batch: int = knob(256, "background trajectories per cost minibatch (all past policies' rollouts)", min=1,
                             max=100_000)
    weight_decay: float = knob(1e-4, "L2 weight decay of the cost", min=0.0, max=1.0)
    sample_window: int = knob(60, "background samples and mixture components: the last N policies only (0: all "
                                  "past policies, Finn et al.)", min=0, max=100_000)


_NET_FIELD = {"airl": "reward_hidden", "gail": "disc_hidden", "gcl": "cost_hidden"}


class GridSampleIRL(IRLAlgorithm):
    """A sample-based algorithm on the grid of a :class:`Problem` (subclasses name it: ``inner``)."""

    inner: ClassVar[str] = "abstract"

    def __init__(self, problem: Problem, config: Any = None, seed: int = 0) -> None:
        super().__init__(problem, config, seed)
        from irl_studio.algorithms import get_sample_based
        from irl_studio.algorithms.sample_based import ExpertData
        from irl_studio.continuous.gridenv import GridVectorEnv, grid_expert_arrays

        c, mdp = self.config, problem.mdp
        if mdp.n_states + 1 > 20_000:
            raise AlgorithmError(f"{self.title} from samples handles up to 20,000 cells (one-hot states); this "
                                 f"layout has {mdp.n_states}")
        T = mdp.horizon
        if c.start in ("visited", "mixed"):
            p0 = self.expert_visitation(1.0) * ~mdp.terminal
            p0 = p0 / p0.sum() if p0.sum() > 0 else self.start_distribution("demos")
            if c.start == "mixed":
                floor = (~mdp.terminal).astype(np.float64)
                p0 = 0.5 * p0 + 0.5 * floor / max(floor.sum(), 1.0)
        else:
            p0 = self.start_distribution(c.start)
        self._phi = problem.features.dense()
        self.env = GridVectorEnv(mdp, c.n_envs, start=p0, features=self._phi,
                                 true_reward=problem.true_reward, horizon=T)
        obs, acts, nxt, idx = grid_expert_arrays(problem.arrays, T, mdp.n_states, mdp.n_actions)
        if len(obs) == 0:
            raise AlgorithmError("the demonstrations have no step")
        f = lambda a: torch.as_tensor(a, dtype=torch.float32)  # noqa: E731
        expert = ExpertData(f(obs), f(acts), f(nxt), idx, problem.arrays.n)
        cls = get_sample_based(self.inner)
        self.algo = cls(self.env, expert, self._inner_config(cls.Config, T), self.seed)
        # the views' learner: agents of the current policy from the demonstrations' own starts (the training
        # agents start elsewhere too, so their visitation is not comparable with the expert's)
        self.eval_env = GridVectorEnv(mdp, c.n_envs, start=self.start_distribution("demos"),
                                      true_reward=problem.true_reward, horizon=T)
        eye = np.eye(mdp.n_states + 1, dtype=np.float32)
        self._states = torch.as_tensor(eye)
        self._expert_vis = self.expert_visitation(1.0)

    def _inner_config(self, config_type: type, horizon: int) -> Any:
        """The plane algorithm's config from this one: shared fields by name, then the grid's fixed choices."""
        mine = dataclasses.asdict(self.config)
        names = {f.name for f in dataclasses.fields(config_type)}
        values = {k: v for k, v in mine.items() if k in names}
        values.update(n_steps=horizon, policy_hidden=(), uniform_start=False, pad_demos=False, rollouts_shown=0,
                      grid_points=50, max_iterations=int(self.config.max_iterations))
        values[_NET_FIELD[self.inner]] = tuple(self.config.reward_hidden)
        return config_type(**{k: v for k, v in values.items() if k in names})

    # --- what the tabular views draw ---------------------------------------------------------------------------
    @torch.no_grad()
    def policy_table(self) -> np.ndarray:
        """(S, A) the current policy's probabilities on the layout's states."""
        return self.algo.ppo.policy.probs(self._states[:-1]).double().numpy()

    @torch.no_grad()
    def state_reward(self) -> np.ndarray:
        """The exported reward per state: the learned state reward minus its value in the absorbing state."""
        net = self.algo.exported_reward_net()
        sign = self.algo.reward_sign
        if getattr(net, "act_dim", 0):  # r(s, a): its expectation under the current policy
            S1, A = self._states.shape[0], net.act_dim
            obs = self._states.repeat_interleave(A, 0)
            acts = torch.eye(A).repeat(S1, 1)
            v = self.algo._grid_transform(sign * net(obs, acts).double().numpy()).reshape(S1, A)
            pi = self.algo.ppo.policy.probs(self._states).double().numpy()
            v = (pi * v).sum(axis=1)
        else:
            v = self.algo._grid_transform(sign * net(self._states).double().numpy())
        return v[:-1] - v[-1]

    @torch.no_grad()
    def _learner_rollouts(self) -> tuple[np.ndarray, float]:
        """The current policy's visitation (per episode, every cell occupied) and mean true return, sampled from
        ``n_envs`` agents started as the demonstrations were (seeded by the iteration: reproducible)."""
        env, pol = self.eval_env, self.algo.ppo.policy
        obs, _ = env.reset(seed=self.seed * 100_003 + self.iteration)
        gen = torch.Generator().manual_seed(self.seed + self.iteration)
        states, ret = [obs.argmax(-1)], np.zeros(env.num_envs)
        for _ in range(env.horizon):
            a = pol.sample(torch.as_tensor(obs), gen)[0].numpy()
            obs, r, *_ = env.step(pol.env_action(a))
            ret += r
            states.append(obs.argmax(-1))
        s = np.concatenate(states)
        S = self.problem.mdp.n_states
        return np.bincount(s[s < S], minlength=S) / env.num_envs, float(ret.mean())

    def _weights(self, reward: np.ndarray) -> np.ndarray | None:
        """Linear weights of the features that give exactly this reward (so a transfer to an edited layout
        re-evaluates them), or None when no such weights exist (an MLP reward)."""
        if self.problem.features.kind == "state":
            return None
        w, *_ = np.linalg.lstsq(self._phi, reward, rcond=None)
        ok = np.allclose(self._phi @ w, reward, atol=1e-6 * max(1.0, float(np.abs(reward).max())))
        return w if ok else None

    def _step(self) -> dict[str, Any]:
        self.algo.cancel_check = self.cancel_check
        snap = self.algo.step()  # Cancelled and AlgorithmError pass through
        reward = self.state_reward()
        metrics = {k: float(v) for k, v in snap.metrics.items() if k != "seconds"}
        vis, ret = self._learner_rollouts()
        gap = self._phi.T @ (vis - self._expert_vis)  # feature matching: 0 when the learner does as the expert
        metrics.update(true_return=ret, loss=metrics.get("nll", metrics.get("disc_loss", float("nan"))),
                       feature_gap_inf=float(np.abs(gap).max()), feature_gap_l2=float(np.linalg.norm(gap)))
        notes = []
        if self.problem.features.kind == "state" and self.iteration + 1 >= self.config.max_iterations:
            notes.append("one-hot state features: from samples, the reward is learned only where the demonstrations "
                         "and the learner went, and on few paths it imitates them (high on the path); features "
                         "that generalize (terrain, coords) give a reward that plans and transfers")
        return {"reward": reward, "expert_visitation": self._expert_vis, "learner_visitation": vis,
                "policy": self.policy_table(), "metrics": metrics, "weights": self._weights(reward),
                "notes": notes}


class GridAIRL(GridSampleIRL):
    name = "airl"
    title = "AIRL (from samples)"
    paper = "Fu, Luo & Levine 2018"
    Config = GridAIRLConfig
    inner = "airl"


class GridGAIL(GridSampleIRL):
    name = "gail"
    title = "GAIL (from samples)"
    paper = "Ho & Ermon 2016"
    Config = GridGAILConfig
    inner = "gail"


class GridGCL(GridSampleIRL):
    name = "gcl"
    title = "GCL (from samples)"
    paper = "Finn, Levine & Abbeel 2016"
    Config = GridGCLConfig
    inner = "gcl"
