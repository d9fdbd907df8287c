"""Generative adversarial imitation learning (Ho & Ermon 2016): imitation, not a reward to take away.

A discriminator D(s, a) = sigmoid(d(s, a)) tells expert state-action pairs (label 1) from the policy's (label 0,
from the current and past ``buffer_batches - 1`` batches):

    max_D  E_expert[log D(s, a)] + E_policy[log(1 - D(s, a))]

and the policy maximizes the surrogate reward

    r(s, a) = -log(1 - D(s, a)) = softplus(d(s, a))       (minus entropy_weight * log pi: the causal entropy bonus)

At the saddle point the policy's occupancy matches the expert's and D = 1/2 everywhere: "the discriminator knows
nothing at convergence" (the lecture). **Its signal is not a reward meant to transfer**: it depends on the policy
being trained and says nothing where neither went, so re-optimizing it on a changed plane is not expected to reach
the goal (that is the contrast with AIRL that the shifting-maze experiment shows). The grid this algorithm exports
(``reward_grid``) is -log(1 - D(s, a = 0)), for drawing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from irl_studio.algorithms.airl import _disc_metrics
from irl_studio.algorithms.base import knob
from irl_studio.algorithms.sample_based import SampleBasedIRL, SampleConfig
from irl_studio.continuous.nets import ScalarNet
from irl_studio.continuous.ppo import Batch
from irl_studio.core.steppable import check_cancel


@dataclass(frozen=True)
class GAILConfig(SampleConfig):
    entropy_weight: float = knob(0.0, "weight of the causal entropy bonus -log pi in the policy's reward",
                                 min=0.0, max=100.0)
    disc_hidden: tuple = knob((32, 32), "hidden layers of the discriminator d(s, a) (comma-separated; ReLU)")
    disc_lr: float = knob(1e-3, "discriminator learning rate (Adam)", min=1e-7, max=1.0)
    disc_steps: int = knob(10, "discriminator minibatch steps per iteration", min=0, max=10_000)
    disc_batch: int = knob(256, "expert and policy pairs per discriminator minibatch (each)", min=1, max=1_000_000)
    buffer_batches: int = knob(10, "policy batches (this one and past ones) the discriminator samples from", min=1,
                               max=10_000)
    weight_decay: float = knob(1e-4, "L2 weight decay of the discriminator", min=0.0, max=1.0)


class GAIL(SampleBasedIRL):
    name = "gail"
    title = "GAIL"
    paper = "Ho & Ermon 2016"
    Config = GAILConfig

    def _setup(self) -> None:
        c = self.config
        self.d = self.new_reward_net(True, c.disc_hidden)
        self.opt = torch.optim.Adam(self.d.parameters(), lr=c.disc_lr, weight_decay=c.weight_decay)

    def networks(self) -> dict[str, ScalarNet]:
        return {"d": self.d}

    def state_reward_net(self) -> ScalarNet:
        return self.d

    def _optimizers(self):
        return [self.opt]

    def _grid_transform(self, v: np.ndarray) -> np.ndarray:
        return np.logaddexp(0.0, v)  # -log(1 - sigmoid(d)) = softplus(d)

    def _update_reward(self, batch: Batch) -> dict[str, float]:
        c = self.config
        e = self.expert
        po, pa, _, _ = self.policy_samples(c.buffer_batches)
        n_e, n_p = len(e.obs), len(po)
        be, bp = min(c.disc_batch, n_e), min(c.disc_batch, n_p)
        for _ in range(c.disc_steps):
            check_cancel(self.cancel_check)
            ie = torch.as_tensor(self.rng.integers(0, n_e, be))
            ip = torch.as_tensor(self.rng.integers(0, n_p, bp))
            loss = F.softplus(-self.d(e.obs[ie], e.acts[ie])).mean() + F.softplus(self.d(po[ip], pa[ip])).mean()
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        with torch.no_grad():
            m = batch.valid.reshape(-1)
            le = self.d(e.obs, e.acts)
            lp = self.d(torch.as_tensor(batch.flat("obs")[m]), torch.as_tensor(batch.flat("acts")[m]))
        return _disc_metrics(le, lp)

    def _policy_reward(self, batch: Batch) -> np.ndarray:
        T, N = batch.valid.shape
        with torch.no_grad():
            d = self.d(torch.as_tensor(batch.flat("obs")), torch.as_tensor(batch.flat("acts")))
        r = F.softplus(d).double().numpy().reshape(T, N)  # -log(1 - D)
        return r - self.config.entropy_weight * batch.logp.astype(np.float64)
