"""Maximum causal entropy IRL (Ziebart 2010; Ziebart, Bagnell & Dey 2010), finite horizon, discounted or not.

Model: the demonstrator acts by the soft-optimal *causal* policy of r(s) = theta . phi(s) over episodes of T steps
(the horizon; T + 1 cells s_0 .. s_T):

    Q_t(s, a) = r(s) + gamma E_{s' ~ P(.|s,a)}[V_{t+1}(s')]      V_T(s) = r(s),  goals: V = r
    V_t(s)    = log sum_a exp Q_t(s, a)                           pi_t(a | s) = exp(Q_t(s, a) - V_t(s))

Dual objective (per demonstration): L(theta) = (1/N) sum_i sum_t gamma^t r(s_{i,t}) - E_{s_0}[V_0(s_0)], concave,
minus the Gaussian prior l2 / (2N) |theta|^2 (MAP estimation; linear.py says why it is on by default). Since
log pi_t(a_t | s_t) = r(s_t) + gamma E[V_{t+1} | s_t, a_t] - V_t(s_t), the dual is

    sum_t gamma^t log pi_t(a_t | s_t)  -  sum_t gamma^{t+1} (E[V_{t+1}(s') | s_t, a_t] - V_{t+1}(s_{t+1}))

with gamma < 1 the *discounted* causal log-likelihood sum_t gamma^t log pi_t(a_t | s_t), not the plain one, and with
slip > 0 it differs from it by the second sum, the demonstrations' luck with the dynamics (zero in expectation,
exactly zero when the dynamics are deterministic). So with sampled demonstrations on a slippery world the dual can
exceed 0; the true causal log-likelihood sum_t log pi_t(a_t | s_t) (<= 0) is reported beside it as
``log_likelihood`` (and the discounted one as ``log_likelihood_discounted``). The dual's gradient is the expert's
discounted feature counts minus the learner's:

    grad L = (1/N) sum_i sum_t gamma^t phi(s_{i,t}) - sum_t gamma^t sum_s P(s_t = s | pi, P) phi(s)   (- l2/N theta)

The same discount is used in the policy (backward pass) and in the visitation (forward pass). With slip > 0 this is
the right model (the agent cannot choose where it slips); MaxEnt's messages would be optimistic about the dynamics.
"""

from __future__ import annotations

import numpy as np

from irl_studio.algorithms.linear import Evaluation, LinearIRL
from irl_studio.core.planning import soft_value_iteration, staggered_visitation


class MCEIRL(LinearIRL):
    name = "mce"
    title = "Maximum causal entropy IRL"
    paper = "Ziebart 2010, Modeling purposeful adaptive behavior with the principle of maximum causal entropy"

    @property
    def discount(self) -> float:
        return float(self.problem.mdp.discount)

    def evaluate(self, reward: np.ndarray) -> Evaluation:
        mdp, T = self.problem.mdp, self.problem.horizon
        plan = soft_value_iteration(mdp, reward, horizon=T, discount=self.discount,  # backward: soft VI
                                    cancel=self.cancel_check)
        arr = self.problem.arrays
        entry = self.entry_times()
        # each demonstration's own episode (V is time-homogeneous): V_{T-K}(s_0) for K steps
        v0 = plan.V[entry, arr.states[:, 0]] if self.config.start == "demos" else plan.V[entry] @ self.p0
        objective = float(reward @ self.D_E) - float(np.mean(v0))
        # forward: the exact gradient of that objective. A demonstration enters at its entry time (from its own
        # start cell, or from p0) and follows pi_{t0} .. pi_{T-1} through the dynamics, discounted from entry.
        inject: dict[int, np.ndarray] = {}
        n = max(arr.n, 1)
        for i in range(arr.n):
            mass = inject.setdefault(int(entry[i]), np.zeros(mdp.n_states))
            if self.config.start == "demos":
                mass[arr.states[i, 0]] += 1.0 / n
            else:
                mass += self.p0 / n
        D = staggered_visitation(plan, mdp, T, inject, self.discount, cancel=self.cancel_check)
        return Evaluation(objective, D, plan.policy(0), {}, plan)
