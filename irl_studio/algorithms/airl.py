"""Adversarial inverse reinforcement learning (Fu, Luo & Levine 2018, "Learning robust rewards with adversarial
inverse reinforcement learning"; the lecture's last slides).

The discriminator has a special form: with a reward g and a shaping potential h,

    f(s, a, s') = g(s) + gamma h(s') - h(s)                 (state-only g: the disentangled, transferable reward)
    D(s, a, s') = exp f / (exp f + pi(a|s))                  (pi: the *current* policy's density, Eq. 3)

so logit D = f - log pi(a|s). It is trained as a classifier of expert transitions (label 1) against policy
transitions (label 0, from the current and the past ``buffer_batches - 1`` batches), the log-density of both under
the current policy. At the optimum, for the expert's state distribution, f* = log pi_E(a|s) (the expert's
advantage); with state-only g and deterministic dynamics, g recovers the true reward up to a constant (Fu et al.,
Thm 5.1). The policy maximizes the generator reward

    r(s, a, s') = log D - log(1 - D) = f(s, a, s') - log pi(a|s)

i.e. entropy-regularized RL on f (``entropy_weight`` scales the -log pi term; 1 is the paper's objective). The
state-action variant (``reward="state-action"``) learns g(s, a): it fits the demonstrations as well but entangles
the reward with the dynamics (the paper's Table 1 contrast: it does not transfer).

Defaults: g and h 2 x 32 ReLU (a linear g of raw positions cannot peak at a goal inside the plane), the policy a
tanh-Gaussian 2 x 64, 16 agents x one episode per iteration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from irl_studio.algorithms.base import knob
from irl_studio.algorithms.sample_based import SampleBasedIRL, SampleConfig
from irl_studio.continuous.nets import ScalarNet
from irl_studio.continuous.ppo import Batch


@dataclass(frozen=True)
class AIRLConfig(SampleConfig):
    reward: str = knob("state", "g(s) (state-only: the reward that transfers) or g(s, a) (state-action)",
                       choices=("state", "state-action"))
    reward_hidden: tuple = knob((32, 32), "hidden layers of g and h (comma-separated sizes; ReLU)")
    disc_lr: float = knob(3e-4, "discriminator (g, h) learning rate (Adam); faster saturates the discriminator "
                                "(accuracy 1) and g's maximum drifts off the goal", min=1e-7, max=1.0)
    disc_steps: int = knob(10, "discriminator minibatch steps per iteration", min=0, max=10_000)
    disc_batch: int = knob(256, "expert and policy transitions per discriminator minibatch (each)", min=1,
                           max=1_000_000)
    buffer_batches: int = knob(10, "policy batches (this one and past ones) the discriminator samples from", min=1,
                               max=10_000)
    weight_decay: float = knob(1e-4, "L2 weight decay of g and h", min=0.0, max=1.0)


def airl_logit(f: torch.Tensor, log_pi: torch.Tensor) -> torch.Tensor:
    """logit of D = exp f / (exp f + pi): log D - log(1 - D) = f - log pi."""
    return f - log_pi


def airl_discriminator_loss(f_exp: torch.Tensor, logpi_exp: torch.Tensor, f_pol: torch.Tensor,
                            logpi_pol: torch.Tensor, w_exp: torch.Tensor | None = None,
                            w_pol: torch.Tensor | None = None) -> torch.Tensor:
    """-E_expert[log D] - E_policy[log(1 - D)] (optionally weighted expectations, for exact tabular tests)."""
    le = F.softplus(-airl_logit(f_exp, logpi_exp))  # -log D
    lp = F.softplus(airl_logit(f_pol, logpi_pol))  # -log(1 - D)
    if w_exp is None:
        return le.mean() + lp.mean()
    return (w_exp * le).sum() + (w_pol * lp).sum()


class AIRL(SampleBasedIRL):
    name = "airl"
    title = "AIRL"
    paper = "Fu, Luo & Levine 2018"
    Config = AIRLConfig

    def _setup(self) -> None:
        c = self.config
        self.g = self.new_reward_net(c.reward == "state-action", c.reward_hidden)
        self.h = self.new_net(False, c.reward_hidden)
        self.opt = torch.optim.Adam(list(self.g.parameters()) + list(self.h.parameters()), lr=c.disc_lr,
                                    weight_decay=c.weight_decay)

    def networks(self) -> dict[str, ScalarNet]:
        return {"g": self.g, "h": self.h}

    def state_reward_net(self) -> ScalarNet:
        return self.g

    def _optimizers(self):
        return [self.opt]

    def f(self, obs, acts, next_obs, terminated) -> torch.Tensor:
        """f(s, a, s') = g(s[, a]) + gamma (1 - terminal) h(s') - h(s)."""
        g = self.g(obs, acts if self.g.act_dim else None)
        return g + self.gamma * (1.0 - terminated.float()) * self.h(next_obs) - self.h(obs)

    def _update_reward(self, batch: Batch) -> dict[str, float]:
        c = self.config
        e = self.expert
        po, pa, po2, pte = self.policy_samples(c.buffer_batches)
        ete = e.terminated if e.terminated is not None else torch.zeros(len(e.obs), dtype=torch.bool)
        pol = self.ppo.policy
        with torch.no_grad():  # log pi under the current policy (Eq. 3), fixed during the discriminator's steps
            lpe = pol.log_prob(e.obs, e.acts)
            lpp = pol.log_prob(po, pa)
        n_e, n_p = len(e.obs), len(po)
        be, bp = min(c.disc_batch, n_e), min(c.disc_batch, n_p)
        for _ in range(c.disc_steps):
            self._check()
            ie = torch.as_tensor(self.rng.integers(0, n_e, be))
            ip = torch.as_tensor(self.rng.integers(0, n_p, bp))
            loss = airl_discriminator_loss(self.f(e.obs[ie], e.acts[ie], e.next_obs[ie], ete[ie]), lpe[ie],
                                           self.f(po[ip], pa[ip], po2[ip], pte[ip]), lpp[ip])
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        # metrics on the current batch against all expert transitions
        with torch.no_grad():
            m = batch.valid.reshape(-1)
            bo, ba = torch.as_tensor(batch.flat("obs")[m]), torch.as_tensor(batch.flat("acts")[m])
            bo2, bte = torch.as_tensor(batch.flat("next_obs")[m]), torch.as_tensor(batch.flat("terminated")[m])
            le = airl_logit(self.f(e.obs, e.acts, e.next_obs, ete), lpe)
            lp = airl_logit(self.f(bo, ba, bo2, bte), pol.log_prob_u(bo, torch.as_tensor(batch.flat("u")[m])))
        return _disc_metrics(le, lp)

    def _policy_reward(self, batch: Batch) -> np.ndarray:
        """r = f - entropy_weight * log pi (the batch's own log pi at sampling time)."""
        T, N = batch.valid.shape
        with torch.no_grad():
            f = self.f(torch.as_tensor(batch.flat("obs")), torch.as_tensor(batch.flat("acts")),
                       torch.as_tensor(batch.flat("next_obs")), torch.as_tensor(batch.flat("terminated")))
        r = f.double().numpy().reshape(T, N) - self.config.entropy_weight * batch.logp.astype(np.float64)
        return r

    def _check(self) -> None:
        from irl_studio.core.steppable import check_cancel

        check_cancel(self.cancel_check)


def _disc_metrics(logit_exp: torch.Tensor, logit_pol: torch.Tensor) -> dict[str, float]:
    """Loss, accuracy and mean binary entropy of the discriminator on expert (label 1) and policy (label 0)."""
    loss = float(F.softplus(-logit_exp).mean() + F.softplus(logit_pol).mean())
    acc = 0.5 * (float((logit_exp > 0).float().mean()) + float((logit_pol < 0).float().mean()))
    def ent(z):
        p = torch.sigmoid(z)
        return -(p * F.logsigmoid(z) + (1 - p) * F.logsigmoid(-z))
    entropy = float(torch.cat([ent(logit_exp), ent(logit_pol)]).mean())
    return {"disc_loss": loss, "disc_accuracy": acc, "disc_entropy": entropy,
            "expert_D": float(torch.sigmoid(logit_exp).mean()), "policy_D": float(torch.sigmoid(logit_pol).mean())}
