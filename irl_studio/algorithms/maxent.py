"""MaxEnt IRL, finite horizon (Ziebart, Maas, Bagnell & Dey 2008), as the lecture's "MaxEnt IRL algorithm".

Model: p(tau) = p(s_0) prod_t P(s_{t+1} | s_t, a_t) exp(sum_t r(s_t)) / Z,  r(s) = theta . phi(s), over episodes of
T steps (the horizon; T + 1 cells s_0 .. s_T).
Dual objective (per demonstration): L(theta) = (1/N) sum_i r(tau_i) - log Z, concave in theta, minus the Gaussian
prior (MAP estimation; linear.py says why the prior is on by default).

    1. backward messages  beta_t(s, a) = exp(r(s)) E_{s'}[beta_{t+1}(s')],  beta_t(s) = sum_a beta_t(s, a),
                          beta_T(s) = exp(r(s))
    2. forward messages   alpha_{t+1}(s') = sum_{s,a} P(s' | s, a) exp(r(s)) alpha_t(s),  alpha_0 = p(s_0)
    3. mu_t(s, a) = alpha_t(s) beta_t(s, a) / Z,   Z = sum_s alpha_0(s) beta_0(s)
    4. grad L = (1/N) sum_i sum_t phi(s_{i,t}) - sum_t sum_{s,a} mu_t(s, a) phi(s)   (- the prior's pull)
    5. theta <- theta + eta grad L   (here: L-BFGS by default; Adam or plain steps on request)

**Discount.** With the layout's discount gamma < 1 the same messages discount the continuation, in log space
log beta_t(s, a) = r(s) + gamma log E[beta_{t+1}(s')] (the lecture's backward pass with gamma, as MCE IRL discounts
its soft values), the expert's counts are discounted by gamma^t, and the forward pass is the discounted visitation of
the messages' policy in the tilted dynamics q(s' | s, a) ~ P(s' | s, a) beta_{t+1}(s') that the optimistic backup
implies (at gamma = 1 exactly the forward messages of steps 2-3). The dual stays concave and this is its exact
gradient. Why: the reward is then learned for the problem it is used and scored on (discounted); undiscounted, the
reward of a goal that every demonstration and every learner episode reaches is not identified (it adds the same
constant to every trajectory), and a discounted planner may then not find that goal worth the trip. gamma = 1 gives
the paper's undiscounted model.

A demonstration of K steps that stopped before the horizon is an episode of K steps (its own partition function);
one that reached a goal, an episode of the full horizon. The messages are time-homogeneous, so one backward and one
forward pass serve every length.

All messages are in log space (no overflow for rewards of +-100 and horizons of 1000). With slip > 0 the messages
describe the posterior over whole trajectories, which is optimistic about the dynamics; MCE IRL (mce.py) is the model
of an agent that cannot choose where it slips. The causal log-likelihood reported, sum_t log pi_t(a_t | s_t), is that
of the messages' policy pi_t(a | s) = beta_t(s, a) / beta_t(s); with slip 0 and gamma = 1 it equals the dual.
"""

from __future__ import annotations

import numpy as np

from irl_studio.algorithms.linear import Evaluation, LinearIRL
from irl_studio.core.planning import (
    forward_message,
    live_reward,
    logsumexp,
    poll_cancel,
    soft_value_iteration,
)


class MaxEntIRL(LinearIRL):
    name = "maxent"
    title = "MaxEnt IRL"
    paper = "Ziebart et al. 2008, Maximum entropy inverse reinforcement learning"

    @property
    def discount(self) -> float:
        return float(self.problem.mdp.discount)

    def evaluate(self, reward: np.ndarray) -> Evaluation:
        if self.discount >= 1.0:
            return self._evaluate_homogeneous(reward)
        return self._evaluate_discounted(reward)

    def _evaluate_discounted(self, reward: np.ndarray) -> Evaluation:
        """gamma < 1: the backward messages with the discount on the continuation, log beta_t(s, a) = r(s) +
        gamma log E[beta_{t+1}(s')] (time-homogeneous, so every episode length shares them); the dual
        L = theta . f_E - mean_i log Z_i with log Z_i = sum_s p0(s) ... = E_{p0}[log beta_{T-K_i}] is concave
        (log-sum-exp of an affine function, composed with increasing convex maps), and its exact gradient is the
        discounted visitation of the messages' policy in the *tilted* dynamics the optimistic backup implies,
        q_t(s' | s, a) = P(s' | s, a) beta_{t+1}(s') / E[beta_{t+1} | s, a] (at gamma = 1: the forward messages)."""
        mdp, T, arr = self.problem.mdp, self.problem.horizon, self.problem.arrays
        g = self.discount
        plan = soft_value_iteration(mdp, reward, horizon=T, discount=g, optimistic=True, cancel=self.cancel_check)
        entry = self.entry_times()
        with np.errstate(divide="ignore"):
            logp0 = np.log(self.p0)
        starts, counts = np.unique(entry, return_counts=True)
        log_z = {int(t0): float(logsumexp(logp0 + plan.V[t0])) for t0 in starts}
        mean_log_z = float(np.mean([log_z[int(t0)] for t0 in entry]))
        objective = float(reward @ self.D_E) - mean_log_z
        # d log Z_i / d r: mass p0 exp(V_t0 - log Z_i) ... = p0 weighted by the policy's marginal: the start mass of an
        # episode entering at t0 is p0(s) exp(V_{t0}(s)) / Z_i (the posterior over its start cell)
        inject = {int(t0): (c / arr.n) * np.exp(logp0 + plan.V[int(t0)] - log_z[int(t0)])
                  for t0, c in zip(starts, counts)}
        D = np.zeros(mdp.n_states)
        d = np.zeros(mdp.n_states)
        for t in range(T + 1):
            poll_cancel(self.cancel_check, t)
            if t in inject:
                d = d + inject[t]
            D += d
            if t < T:
                d = g * _tilted_push(mdp, plan.V[t + 1], plan.policy_am(t) * d)
        return Evaluation(objective, D, plan.policy(0), {"log_z": mean_log_z}, plan)

    def _evaluate_homogeneous(self, reward: np.ndarray) -> Evaluation:
        """gamma = 1: the lecture's messages; beta is time-homogeneous, so one backward pass serves every length."""
        T = self.problem.horizon
        mdp = self.problem.mdp
        plan = soft_value_iteration(mdp, reward, horizon=T, discount=1.0, optimistic=True,  # step 1: log beta_t
                                    cancel=self.cancel_check)
        log_beta = plan.V  # (T + 1, S)
        # log Z of each demonstration's own episode: the partition function of an episode of K steps is
        # sum_s p0(s) beta_{T-K}(s) (a demonstration that reached a goal: the full horizon)
        arr = self.problem.arrays
        entry = self.entry_times()
        with np.errstate(divide="ignore"):
            logp0 = np.log(self.p0)
        starts, counts = np.unique(entry, return_counts=True)
        log_z = {int(t0): float(logsumexp(logp0 + log_beta[t0])) for t0 in starts}
        mean_log_z = float(np.mean([log_z[int(t0)] for t0 in entry]))
        objective = float(reward @ self.D_E) - mean_log_z
        # steps 2-4, the exact gradient of that objective: the forward messages of each episode length start at its
        # entry time with p0 / Z (weighted by the share of such demonstrations); mu_t(s) = alpha_t(s) beta_t(s)
        inject = {int(t0): logp0 + np.log(c / arr.n) - log_z[int(t0)] for t0, c in zip(starts, counts)}
        live = live_reward(mdp, plan.reward)  # nothing leaves a goal
        log_alpha = np.full(mdp.n_states, -np.inf)
        D = np.zeros(mdp.n_states)
        for t in range(T + 1):
            poll_cancel(self.cancel_check, t)
            if t in inject:
                log_alpha = np.logaddexp(log_alpha, inject[t])
            D += np.exp(log_alpha + log_beta[t])
            if t < T:
                log_alpha = forward_message(mdp, live, log_alpha)
        return Evaluation(objective, D, plan.policy(0), {"log_z": mean_log_z}, plan)


def _tilted_push(mdp, V_next: np.ndarray, sa_am: np.ndarray) -> np.ndarray:
    """Push state-action mass x(a, s) through the tilted dynamics q(s' | s, a) ~ P(s' | s, a) exp(V_next(s')): in the
    factored form, carrying out b has weight mix[a, b] exp(V_next(dest[b, s])) / sum_b' (same)."""
    W = np.take(V_next, mdp.dest)  # (B, S)
    E = np.exp(W - W.max(axis=0))
    norm = mdp.mix @ E  # (A, S)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(norm > 0, sa_am / norm, 0.0)
    y = E * (mdp.mix.T @ ratio)  # (B, S)
    return mdp.DT @ y.ravel()
