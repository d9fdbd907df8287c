"""What the apprenticeship-learning algorithms share (Abbeel & Ng 2004, section 3): a planner in the loop and the
discounted feature expectations of policies.

Feature expectations of a policy pi (Abbeel & Ng, eq. 2), scaled by (1 - gamma) as in the paper's Fig. 3 so that
they lie in [0, 1]^k (for indicator features) and do not grow with the horizon:

    mu(pi) = (1 - gamma) E[ sum_t gamma^t phi(s_t) | pi ]

Two ways to compute them (config ``occupancy``):

* ``horizon``: the forward pass of :func:`~irl_studio.core.planning.state_visitation` over the layout's horizon with
  weights gamma^t (times the fraction of demonstrations still running at t, exactly as the expert's empirical
  counts are weighted), divided by the sum of the weights. Same episodes as the demonstrations: the default.
* ``exact``: the infinite-horizon discounted occupancy d = (1 - gamma) (I - gamma P_pi^T)^{-1} p0, one sparse solve
  (the paper's setting; the expert's counts still come from the finite demonstrations).

The expert's feature expectations mu_E are the demonstrations' empirical ones with the same weights (eq. 4).
The policy of step i is the *optimal* (hard value iteration, discounted) policy of the reward w^(i) . phi.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from irl_studio.algorithms.base import AlgorithmError, IRLAlgorithm, Problem, knob
from irl_studio.core.metrics import feature_gap
from irl_studio.core.planning import HardPlan, hard_value_iteration, state_visitation
from irl_studio.core.evaluation import policy_transition


@dataclass(frozen=True)
class ApprenticeshipConfig:
    max_iterations: int = knob(40, "stop after this many planner calls (policies)", min=1, max=10_000)
    epsilon: float = knob(1e-3, "converged when the margin t (max-margin) or the distance ||mu_E - mu_bar|| "
                          "(projection) falls to this; feature expectations are (1 - gamma)-scaled", min=0.0)
    occupancy: str = knob("horizon", "feature expectations over the layout's horizon (like the demonstrations) "
                          "or the exact infinite-horizon discounted occupancy (the paper's)",
                          choices=("horizon", "exact"))
    start: str = knob("demos", "start distribution of the learner: the demonstrations' start cells, or the layout's",
                      choices=("demos", "layout"))
    eval_every: int = knob(1, "score the reward against the true reward (when the layout has one) every N "
                           "iterations (0: only at the end)", min=0)


class Apprenticeship(IRLAlgorithm):
    """The loop of Abbeel & Ng (section 3): pick w from the policies so far, plan for w . phi, add the policy.

    Subclasses choose the next w (:meth:`next_weights`). Each step is one planner call. ``mu_expert`` overrides the
    demonstrations' feature expectations (the reproduction of the paper uses the expert's exact ones).
    """

    Config = ApprenticeshipConfig

    def __init__(self, problem: Problem, config: Any = None, seed: int = 0,
                 mu_expert: np.ndarray | None = None) -> None:
        super().__init__(problem, config, seed)
        mdp, T = problem.mdp, problem.horizon
        self.gamma = float(mdp.discount)
        if not self.gamma < 1.0:
            raise AlgorithmError("apprenticeship learning needs a discount below 1 (the layout's discount is "
                                 f"{self.gamma:g})")
        self.p0 = self.start_distribution(self.config.start)
        self.time_w = problem.arrays.time_weights(T, self.gamma)
        self.D_E = self.expert_visitation(self.gamma) / self.time_w.sum()  # normalized expert visitation
        self.mu_E = problem.features.counts(self.D_E) if mu_expert is None else np.asarray(mu_expert, float)
        if self.mu_E.shape != (problem.features.n_features,):
            raise AlgorithmError(f"mu_expert has shape {self.mu_E.shape}, expected ({problem.features.n_features},)")
        self.mus: list[np.ndarray] = []  # mu(pi^(j)), j = 0..i
        self.ws: list[np.ndarray] = []  # the w each policy was planned for (w^(0): random)
        self.plans: list[HardPlan] = []
        self.visits: list[np.ndarray] = []
        self._V0: np.ndarray | None = None
        self.mixture = np.ones(0)  # lambda over the policies so far, and the mixture's feature expectations
        self.mixture_mu = np.zeros_like(self.mu_E)
        k = problem.features.n_features
        w0 = self.rng.standard_normal(k)  # step 1: a random first policy, the optimal one for a random w
        self.w = w0 / max(np.linalg.norm(w0), 1e-12)

    # --- the planner and feature expectations ----------------------------------------------------------------------
    def visitation(self, plan: HardPlan) -> np.ndarray:
        """Normalized discounted state visitation d(s) of a policy: mu = Phi^T d."""
        mdp = self.problem.mdp
        if self.config.occupancy == "exact":
            # d = (1 - gamma) (I - gamma P_pi^T)^{-1} p0  (mass reaching a goal is counted once, then leaves)
            Ppi = policy_transition(mdp, plan.policy())
            M = sp.identity(mdp.n_states, format="csc") - self.gamma * Ppi.T.tocsc()
            return (1.0 - self.gamma) * spla.spsolve(M, self.p0)
        T = self.problem.horizon
        return state_visitation(plan, mdp, T, weights=self.time_w, start=self.p0) / self.time_w.sum()

    def plan_for(self, w: np.ndarray) -> HardPlan:
        """pi = argmax_pi E[sum_t gamma^t w . phi(s_t)] (value iteration, warm-started from the last values)."""
        r = self.problem.features.reward(w)
        V0 = self._V0 if self._V0 is not None and self._V0.shape == r.shape else None
        plan = hard_value_iteration(self.problem.mdp, r, self.gamma, tol=1e-9, V0=V0)
        self._V0 = plan.V
        return plan

    def add_policy(self, w: np.ndarray) -> np.ndarray:
        plan = self.plan_for(w)
        d = self.visitation(plan)
        mu = self.problem.features.counts(d)
        self.ws.append(np.array(w, dtype=np.float64))
        self.plans.append(plan)
        self.visits.append(d)
        self.mus.append(mu)
        return mu

    # --- the mixture of policies -----------------------------------------------------------------------------------
    def closest_mixture(self) -> np.ndarray:
        """lambda = argmin_{lambda in simplex} ||mu_E - sum_j lambda_j mu_j||  (the paper's section 3 end: the
        mixture of the policies found whose feature expectations are closest to the expert's)."""
        return min_norm_point(np.array(self.mus), self.mu_E)

    @abstractmethod
    def next_weights(self) -> tuple[np.ndarray, dict[str, float], bool]:
        """The next w, this iteration's metrics, and whether the run has converged (the margin is <= epsilon)."""

    def mixture_weights(self) -> np.ndarray:
        return self.closest_mixture()

    def _step(self) -> dict[str, Any]:
        self.add_policy(self.w)  # plan for the current w, record mu(pi^(i))
        self.w, metrics, converged = self.next_weights()
        lam = self.mixture_weights()
        mus = np.array(self.mus)
        mu_mix = lam @ mus
        D_mix = lam @ np.array(self.visits)
        dists = np.linalg.norm(mus - self.mu_E, axis=1)
        # the reward reported: w . phi for the w whose optimal policy came closest to the expert (policy 0 was
        # planned for a random w and is only reported while it is the only one)
        best = int(np.argmin(dists[1:]) + 1) if len(dists) > 1 else 0
        w_best = self.ws[best]
        metrics.update({
            "distance_mixture": float(np.linalg.norm(self.mu_E - mu_mix)),
            "distance_best_policy": float(dists[best]),
            "policies": float(len(self.mus)),
            "mixture_policies": float(np.sum(lam > 1e-6)),
            **feature_gap(self.mu_E, mu_mix),
        })
        self.mixture, self.mixture_mu = lam, mu_mix
        return {"reward": self.problem.features.reward(w_best), "weights": w_best,
                "expert_visitation": self.D_E, "learner_visitation": D_mix,
                "policy": self.plans[best].policy(), "metrics": metrics, "converged": converged}


def min_norm_point(points: np.ndarray, target: np.ndarray) -> np.ndarray:
    """lambda in the simplex minimizing ||target - lambda @ points||^2 (a small QP, SLSQP; exact for one point)."""
    n = len(points)
    if n == 1:
        return np.ones(1)
    from scipy.optimize import minimize

    G = points @ points.T
    b = points @ target

    def f(lam: np.ndarray) -> tuple[float, np.ndarray]:
        return float(lam @ G @ lam - 2 * lam @ b), 2 * (G @ lam - b)

    lam0 = np.full(n, 1.0 / n)
    res = minimize(f, lam0, jac=True, method="SLSQP", bounds=[(0.0, 1.0)] * n,
                   constraints=[{"type": "eq", "fun": lambda x: np.sum(x) - 1.0, "jac": lambda x: np.ones(n)}],
                   options={"ftol": 1e-14, "maxiter": 500})
    lam = np.clip(res.x, 0.0, None)
    return lam / lam.sum()
