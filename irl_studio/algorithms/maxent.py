"""MaxEnt IRL, finite horizon (Ziebart, Maas, Bagnell & Dey 2008), as the lecture's "MaxEnt IRL algorithm".

Model: p(tau) = p(s_0) prod_t P(s_{t+1} | s_t, a_t) exp(sum_t r(s_t)) / Z,  r(s) = theta . phi(s), over episodes of
T steps (the horizon; T + 1 cells s_0 .. s_T).
Objective (per demonstration): L(theta) = (1/N) sum_i r(tau_i) - log Z, concave in theta (the dual objective), minus
the Gaussian prior l2 / (2N) |theta|^2 (linear.py says why the prior is on by default).

    1. backward messages  beta_t(s, a) = exp(r(s)) E_{s'}[beta_{t+1}(s')],  beta_t(s) = sum_a beta_t(s, a),
                          beta_T(s) = exp(r(s))
    2. forward messages   alpha_{t+1}(s') = sum_{s,a} P(s' | s, a) exp(r(s)) alpha_t(s),  alpha_0 = p(s_0)
    3. mu_t(s, a) = alpha_t(s) beta_t(s, a) / Z,   Z = sum_s alpha_0(s) beta_0(s)
    4. grad L = (1/N) sum_i sum_t phi(s_{i,t}) - sum_t sum_{s,a} mu_t(s, a) phi(s)   (- l2/N theta)
    5. theta <- theta + eta grad L   (here: L-BFGS by default; Adam or plain steps on request)

All messages are in log space (no overflow for rewards of +-100 and horizons of 1000). With slip > 0 the messages
describe the posterior over whole trajectories, which is optimistic about the dynamics; use MCE IRL (mce.py) there.
The causal log-likelihood reported, sum_t log pi_t(a_t | s_t), is that of the messages' policy
pi_t(a | s) = beta_t(s, a) / beta_t(s); with slip 0 it equals the dual objective.
"""

from __future__ import annotations

import numpy as np

from irl_studio.algorithms.linear import Evaluation, LinearIRL
from irl_studio.core.planning import forward_message, live_reward, logsumexp, poll_cancel, soft_value_iteration


class MaxEntIRL(LinearIRL):
    name = "maxent"
    title = "MaxEnt IRL"
    paper = "Ziebart et al. 2008, Maximum entropy inverse reinforcement learning"

    @property
    def discount(self) -> float:
        return 1.0  # the finite-horizon trajectory model is undiscounted

    def evaluate(self, reward: np.ndarray) -> Evaluation:
        T = self.problem.horizon
        mdp = self.problem.mdp
        plan = soft_value_iteration(mdp, reward, horizon=T, discount=1.0, optimistic=True,  # step 1: log beta_t
                                    cancel=self.cancel_check)
        log_beta = plan.V  # (T + 1, S)
        # log Z of each demonstration's own episode: beta is time-homogeneous, so the partition function of an
        # episode of K steps is sum_s p0(s) beta_{T-K}(s) (a demonstration that reached a goal: the full horizon)
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
        log_z_full = float(logsumexp(logp0 + log_beta[0]))
        return Evaluation(objective, D, plan.policy(0), {"log_z": log_z_full}, plan)
