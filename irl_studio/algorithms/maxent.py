"""MaxEnt IRL, finite horizon (Ziebart, Maas, Bagnell & Dey 2008), as the lecture's "MaxEnt IRL algorithm".

Model: p(tau) = p(s_0) prod_t P(s_{t+1} | s_t, a_t) exp(sum_t r(s_t)) / Z,  r(s) = theta . phi(s), over episodes of
T steps (the horizon; T + 1 cells s_0 .. s_T).
Dual objective (per demonstration): L(theta) = (1/N) sum_i [r(tau_i) - log Z(s_{0,i})], the log-likelihood of each
demonstration *given its start cell* (the demonstrator does not choose where it starts: with several start cells,
a partition function summed over p0 would bend the reward to explain the start distribution; with one start cell it
is the lecture's Z = sum_s p0(s) beta_0(s)), concave in theta, minus the Gaussian prior (MAP estimation; linear.py
says why the prior is on by default).

    1. backward messages  beta_t(s, a) = exp(r(s)) E_{s'}[beta_{t+1}(s')],  beta_t(s) = sum_a beta_t(s, a),
                          beta_T(s) = exp(r(s))
    2. forward messages   alpha_{t+1}(s') = sum_{s,a} P(s' | s, a) exp(r(s)) alpha_t(s)
    3. mu_t(s, a) = alpha_t(s) beta_t(s, a),   alpha_0(s) = p(s_0 = s) / beta_0(s)  (each start cell's own Z)
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

    def _start_mass(self) -> dict[int, np.ndarray]:
        """Entry time t0 -> the start mass (summing to the share of demonstrations entering then) of the episodes
        entering at t0: each demonstration's own start cell (``start="demos"``), or the layout's p0."""
        arr, mdp = self.problem.arrays, self.problem.mdp
        mass: dict[int, np.ndarray] = {}
        for t0, s0 in zip(self.entry_times(), arr.states[:, 0]):
            m = mass.setdefault(int(t0), np.zeros(mdp.n_states))
            if self.config.start == "demos":
                m[s0] += 1.0 / arr.n
            else:
                m += self.p0 / arr.n
        return mass

    def _evaluate_discounted(self, reward: np.ndarray) -> Evaluation:
        """gamma < 1: the backward messages with the discount on the continuation, log beta_t(s, a) = r(s) +
        gamma log E[beta_{t+1}(s')] (time-homogeneous, so every episode length shares them); the dual
        L = theta . f_E - mean_i log beta_{t0_i}(s_{0,i}) is concave (log-sum-exp of an affine function, composed
        with increasing convex maps), and its exact gradient is the discounted visitation of the messages' policy in
        the *tilted* dynamics the optimistic backup implies, q_t(s' | s, a) = P(s' | s, a) beta_{t+1}(s') /
        E[beta_{t+1} | s, a] (at gamma = 1 exactly the forward messages)."""
        mdp, T = self.problem.mdp, self.problem.horizon
        g = self.discount
        plan = soft_value_iteration(mdp, reward, horizon=T, discount=g, optimistic=True, cancel=self.cancel_check)
        inject = self._start_mass()
        log_z = sum(float(m @ plan.V[t0]) for t0, m in inject.items())  # mean_i log Z(s_0,i)
        objective = float(reward @ self.D_E) - log_z
        D = np.zeros(mdp.n_states)
        d = np.zeros(mdp.n_states)
        for t in range(T + 1):
            poll_cancel(self.cancel_check, t)
            if t in inject:
                d = d + inject[t]
            D += d
            if t < T:
                d = g * _tilted_push(mdp, plan.V[t + 1], plan.policy_am(t) * d)
        return Evaluation(objective, D, plan.policy(0), {"log_z": log_z}, plan)

    def _evaluate_homogeneous(self, reward: np.ndarray) -> Evaluation:
        """gamma = 1: the lecture's messages; beta is time-homogeneous, so one backward pass serves every length."""
        T = self.problem.horizon
        mdp = self.problem.mdp
        plan = soft_value_iteration(mdp, reward, horizon=T, discount=1.0, optimistic=True,  # step 1: log beta_t
                                    cancel=self.cancel_check)
        log_beta = plan.V  # (T + 1, S)
        # log Z of each demonstration given its start cell and its own episode: an episode of K steps from s has
        # the partition function beta_{T-K}(s) (a demonstration that reached a goal: the full horizon)
        inject = self._start_mass()
        log_z = sum(float(m @ log_beta[t0]) for t0, m in inject.items())
        objective = float(reward @ self.D_E) - log_z
        # steps 2-4, the exact gradient of that objective: the forward messages of each episode start at its entry
        # time t0 from its start mass divided by beta_t0 (alpha_t0 beta_t0 = the start mass); mu_t = alpha_t beta_t
        live = live_reward(mdp, plan.reward)  # nothing leaves a goal
        log_alpha = np.full(mdp.n_states, -np.inf)
        D = np.zeros(mdp.n_states)
        for t in range(T + 1):
            poll_cancel(self.cancel_check, t)
            if t in inject:
                with np.errstate(divide="ignore"):
                    log_alpha = np.logaddexp(log_alpha, np.log(inject[t]) - log_beta[t])
            D += np.exp(log_alpha + log_beta[t])
            if t < T:
                log_alpha = forward_message(mdp, live, log_alpha)
        return Evaluation(objective, D, plan.policy(0), {"log_z": log_z}, plan)


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
