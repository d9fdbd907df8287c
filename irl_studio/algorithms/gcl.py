"""Guided cost learning (Finn, Levine & Abbeel 2016; the lecture's "sample-based MaxEnt IRL" with importance
sampling).

MaxEnt IRL models trajectories as p(tau) ~ exp(-C(tau)), C(tau) = sum_t c(s_t) (a per-trajectory cost, c an MLP of
the state). The negative log-likelihood of the demonstrations is

    L(theta) = 1/N sum_{demos} C(tau_i) + log Z,        Z = integral exp(-C(tau)) d tau,

and Z is estimated by importance sampling over *background samples* tau_j drawn from a proposal q:

    Z ~ 1/M sum_j w_j,    w_j = exp(-C(tau_j)) / q(tau_j)           (log Z by logsumexp: no overflow)

The proposal is the mixture of **all past policies** pi_1 .. pi_K and of the demonstrations, which are appended to
every background batch (without them "the objective can become unbounded": a cost can fall without limit on states
no sample visits): q(tau) = 1/(K+1) [q_D(tau) + sum_k prod_t pi_k(a_t | s_t)], every background trajectory (rollout
or demonstration) weighted by the same q. The dynamics are the same for every component and cancel (deterministic
here); q_D, the demonstrations' own density, is a tanh-Gaussian policy fitted to them by maximum likelihood (without
it a demonstration's density under the policies alone is tiny, its weight swamps every sample and the cost stops
learning). The gradient
is the lecture's: expert minus the self-normalized importance-weighted sample average of dC/dtheta.

Between cost updates, the policy improves by PPO on r(s, a) = -c(s) - entropy_weight * log pi(a|s) (maximum
entropy RL under the current cost: each update brings the sampler closer to p(tau) ~ exp(-C)). Optional
regularizers (Finn et al. Sec. 4.3): ``smoothness`` (local constant rate, sum_t ((c_{t+1} - c_t) - (c_t -
c_{t-1}))^2 on samples) and ``monotonic`` (demonstrations approach the goal: sum_t max(0, c_t - c_{t-1} - 1)^2).
The learned reward is -c.

A rollout column of a batch is one trajectory: C(tau) and log q(tau) sum the steps of its *first episode* only
(:func:`~irl_studio.continuous.ppo.first_episode_mask`), never Gymnasium's autoreset filler nor the start of a next
episode (with ``termination="end"``); on a fixed horizon that is every step.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from irl_studio.algorithms.airl import _disc_metrics
from irl_studio.algorithms.base import knob
from irl_studio.algorithms.sample_based import SampleBasedIRL, SampleConfig
from irl_studio.continuous.nets import ScalarNet
from irl_studio.continuous.ppo import Batch, first_episode_mask
from irl_studio.core.steppable import check_cancel


@dataclass(frozen=True)
class GCLConfig(SampleConfig):
    cost_hidden: tuple = knob((32, 32), "hidden layers of the cost c(s) (comma-separated sizes; ReLU)")
    cost_lr: float = knob(1e-3, "cost learning rate (Adam)", min=1e-7, max=1.0)
    cost_steps: int = knob(10, "cost minibatch steps per iteration", min=0, max=10_000)
    demo_batch: int = knob(16, "demonstrations per cost minibatch", min=1, max=100_000)
    sample_batch: int = knob(64, "background trajectories per cost minibatch (all past policies' rollouts)",
                             min=1, max=100_000)
    smoothness: float = knob(0.0, "weight of the local-constant-rate regularizer on sample costs", min=0.0,
                             max=1e6)
    monotonic: float = knob(0.0, "weight of the monotonic regularizer on demonstration costs", min=0.0, max=1e6)
    weight_decay: float = knob(1e-4, "L2 weight decay of the cost", min=0.0, max=1.0)
    sample_window: int = knob(0, "background samples and mixture components: the last N policies only (0: all "
                                 "past policies, Finn et al.; N bounds the memory and time of long runs)", min=0,
                              max=100_000)


def _mask(batch: Batch) -> torch.Tensor:
    """(T, N) 1.0 at the steps of each rollout's first episode (all of them on a fixed horizon)."""
    return torch.as_tensor(first_episode_mask(batch), dtype=torch.float32)


def mixture_log_density(logp: torch.Tensor) -> torch.Tensor:
    """log q(tau) of an equal-weight mixture from the per-component log-densities logp (M, K)."""
    return torch.logsumexp(logp, dim=1) - np.log(logp.shape[1])


def importance_log_z(neg_cost: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    """log Z ~ log 1/M sum_j exp(-C(tau_j)) / q(tau_j), in log space."""
    return torch.logsumexp(neg_cost - log_q, dim=0) - np.log(len(neg_cost))


def gcl_loss(demo_cost: torch.Tensor, bg_cost: torch.Tensor, bg_log_q: torch.Tensor) -> torch.Tensor:
    """L = mean_demos C(tau) + log Z (importance-sampled)."""
    return demo_cost.mean() + importance_log_z(-bg_cost, bg_log_q)


class GCL(SampleBasedIRL):
    name = "gcl"
    title = "GCL"
    paper = "Finn, Levine & Abbeel 2016"
    Config = GCLConfig
    reward_sign = -1.0  # the learned reward is -c(s)

    def _setup(self) -> None:
        c = self.config
        self.c = self.new_reward_net(False, c.cost_hidden)
        self.opt = torch.optim.Adam(self.c.parameters(), lr=c.cost_lr, weight_decay=c.weight_decay)
        e = self.expert
        T = self.horizon
        # demonstrations as trajectories (T, n_d, .) when they all have T steps (padded), else one by one
        self._demo_obs = [e.obs[e.traj == i] for i in range(e.n_traj)]
        self._demo_acts = [e.acts[e.traj == i] for i in range(e.n_traj)]
        self._demo_len = np.array([len(o) for o in self._demo_obs])
        self._demo_index = torch.as_tensor(e.traj, dtype=torch.long)  # trajectory of each expert transition
        # the mixture's components: a behaviour-cloned density of the demonstrations (they are background samples
        # too), then a frozen copy of every past policy
        self.policies: list[Any] = [self._fit_demo_density()]
        self.lp_samples = np.zeros((0, 1))  # (n_samples, K): log q_k(tau_j) of every stored rollout
        self.lp_demos = self._demo_logp(self.policies[0])[:, None]  # (n_demos, K)
        self.pool: list[tuple] = []  # (obs, acts, first-episode mask) (T, N, .) of the rollouts in lp_samples
        self._T = T

    def _fit_demo_density(self):
        """q_D: a tanh-Gaussian fitted by maximum likelihood to the demonstrations' (s, a) (300 Adam steps), the
        proposal component the appended demonstrations were "drawn from"."""
        from irl_studio.continuous.policy import make_policy

        pol = make_policy(self.venv.single_observation_space, self.venv.single_action_space,
                          tuple(self.config.policy_hidden), 0.0, getattr(self.venv, "no_choice", None))
        opt = torch.optim.Adam(pol.parameters(), lr=3e-3)
        e = self.expert
        for _ in range(300):
            loss = -pol.log_prob(e.obs, e.acts).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            if hasattr(pol, "log_std"):  # a Gaussian proposal must keep some width (a categorical one has it)
                with torch.no_grad():
                    pol.log_std.clamp_(min=float(np.log(0.1)))
        for p in pol.parameters():
            p.requires_grad_(False)
        return pol

    def networks(self) -> dict[str, ScalarNet]:
        return {"c": self.c}

    def state_reward_net(self) -> ScalarNet:
        return self.c

    def _optimizers(self):
        return [self.opt]

    def _extra_state(self) -> Any:
        return (list(self.policies), self.lp_samples.copy(), self.lp_demos.copy(), list(self.pool))

    def _restore_extra(self, st: Any) -> None:
        self.policies, self.lp_samples, self.lp_demos, self.pool = list(st[0]), st[1], st[2], list(st[3])

    def _history_limit(self) -> int:
        return 1  # the background samples are in self.pool

    # --- the mixture -------------------------------------------------------------------------------------------
    @torch.no_grad()
    def _traj_logp(self, pol, obs: torch.Tensor, acts: torch.Tensor, mask: torch.Tensor) -> np.ndarray:
        """sum_t log pi(a_t|s_t) per trajectory of stacked rollouts obs (T, n, d), acts (T, n, a), over the steps of
        ``mask`` (T, n) (each column's first episode: never autoreset filler, nor the start of a next episode)."""
        return (pol.log_prob(obs, acts) * mask).sum(0).double().numpy()

    def _demo_logp(self, pol) -> np.ndarray:
        with torch.no_grad():
            return self._per_demo(pol.log_prob(self.expert.obs, self.expert.acts)).double().numpy()

    def _per_demo(self, x: torch.Tensor) -> torch.Tensor:
        """Per-trajectory sums of a per-transition quantity of the demonstrations (one pass over all of them)."""
        return torch.zeros(len(self._demo_obs), dtype=x.dtype).index_add(0, self._demo_index, x)

    def _add_component(self, batch: Batch) -> None:
        """Append the current batch's rollouts and the current policy (a new mixture component)."""
        pol = copy.deepcopy(self.ppo.policy)
        for p in pol.parameters():
            p.requires_grad_(False)
        new_obs = torch.as_tensor(batch.obs)
        new_acts = torch.as_tensor(batch.acts)
        new_mask = _mask(batch)
        # new rollouts under every past component, then the current one (their own sampling density, exact)
        cols = [self._traj_logp(q, new_obs, new_acts, new_mask) for q in self.policies]
        cols.append((batch.logp.astype(np.float64) * new_mask.double().numpy()).sum(0))
        new_rows = np.stack(cols, axis=1)
        # every stored rollout and demonstration under the new component
        if self.pool:
            old_obs = torch.as_tensor(np.concatenate([o for o, _, _ in self.pool], axis=1))
            old_acts = torch.as_tensor(np.concatenate([a for _, a, _ in self.pool], axis=1))
            old_mask = torch.cat([m for _, _, m in self.pool], dim=1)
            old_col = self._traj_logp(pol, old_obs, old_acts, old_mask)
        else:
            old_col = np.zeros(0)
        self.lp_samples = np.concatenate([self.lp_samples, old_col[:, None]], axis=1)
        self.lp_samples = np.concatenate([self.lp_samples, new_rows], axis=0)
        self.lp_demos = np.concatenate([self.lp_demos, self._demo_logp(pol)[:, None]], axis=1)
        self.policies.append(pol)
        self.pool.append((batch.obs, batch.acts, new_mask))
        W = int(self.config.sample_window)
        if W > 0 and len(self.pool) > W:  # the window: q_D and the last W policies, their rollouts
            keep = np.r_[0, np.arange(len(self.policies) - W, len(self.policies))]
            self.policies = [self.policies[i] for i in keep]
            self.lp_samples = self.lp_samples[-W * batch.obs.shape[1]:][:, keep]
            self.lp_demos = self.lp_demos[:, keep]
            self.pool = self.pool[-W:]

    # --- the cost update ---------------------------------------------------------------------------------------
    def _update_reward(self, batch: Batch) -> dict[str, float]:
        c = self.config
        self._add_component(batch)
        obs_all = torch.as_tensor(np.concatenate([o for o, _, _ in self.pool], axis=1))  # (T, M, d), batch included
        mask_all = torch.cat([m for _, _, m in self.pool], dim=1)  # (T, M): C sums these steps
        M = obs_all.shape[1]
        n_d = len(self._demo_obs)
        lq_s = mixture_log_density(torch.as_tensor(self.lp_samples))
        lq_d = mixture_log_density(torch.as_tensor(self.lp_demos))
        for _ in range(c.cost_steps):
            check_cancel(self.cancel_check)
            js = torch.as_tensor(self.rng.integers(0, M, min(c.sample_batch, M)))
            jd = self.rng.integers(0, n_d, min(c.demo_batch, n_d))
            s_cost_t = self.c(obs_all[:, js]) * mask_all[:, js]  # (T, b)
            d_cost = self._per_demo(self.c(self.expert.obs))[torch.as_tensor(jd)]
            # background = samples + the demonstrations of the minibatch, their log q under the same mixture
            bg_cost = torch.cat([s_cost_t.sum(0), d_cost])
            bg_lq = torch.cat([lq_s[js], lq_d[torch.as_tensor(jd)]])
            loss = gcl_loss(d_cost, bg_cost, bg_lq)
            if c.smoothness > 0 and s_cost_t.shape[0] > 2:
                lcr = ((s_cost_t[2:] - s_cost_t[1:-1]) - (s_cost_t[1:-1] - s_cost_t[:-2])) ** 2
                loss = loss + c.smoothness * lcr.sum(0).mean()
            if c.monotonic > 0:
                d_costs = [self.c(self._demo_obs[i]) for i in jd]
                mono = [torch.relu(x[1:] - x[:-1] - 1.0).pow(2).sum() for x in d_costs if len(x) > 1]
                if mono:
                    loss = loss + c.monotonic * torch.stack(mono).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        with torch.no_grad():
            d_all = self._per_demo(self.c(self.expert.obs))
            s_all = (self.c(obs_all) * mask_all).sum(0)
            log_z = importance_log_z(-torch.cat([s_all, d_all]), torch.cat([lq_s, lq_d]))
            nll = float(d_all.mean() + log_z)
            # a classifier view, for the same curves as AIRL/GAIL: per-trajectory logit -C - log q (demo vs sample)
            cur = s_all[-batch.obs.shape[1]:]
            logits_e = -d_all - lq_d - log_z
            logits_p = -cur - lq_s[-batch.obs.shape[1]:] - log_z
            w = torch.softmax(-torch.cat([s_all, d_all]) - torch.cat([lq_s, lq_d]), dim=0)
        out = _disc_metrics(logits_e.float(), logits_p.float())
        out.update({"nll": nll, "log_z": float(log_z), "demo_cost": float(d_all.mean()),
                    "sample_cost": float(cur.mean()), "ess": float(1.0 / (w * w).sum()),
                    "components": float(len(self.policies))})
        return out

    def _policy_reward(self, batch: Batch) -> np.ndarray:
        T, N = batch.valid.shape
        with torch.no_grad():
            cost = self.c(torch.as_tensor(batch.flat("obs"))).double().numpy().reshape(T, N)
        return -cost - self.config.entropy_weight * batch.logp.astype(np.float64)
