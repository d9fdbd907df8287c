"""Apprenticeship learning, max-margin method (Abbeel & Ng 2004, section 3), the lecture's "SVM trick".

Feature expectations mu(pi) = (1 - gamma) E[sum_t gamma^t phi(s_t) | pi] (see apprenticeship.py); mu_E the
expert's. After policies pi^(0..i-1), the next reward weights solve the small QP (the paper's eq. 10-12):

    t^(i) = max_{t, w} t   subject to   w . mu_E >= w . mu^(j) + t,  j = 0 .. i-1,    ||w||_2 <= 1

then pi^(i) = the optimal policy of w^(i) . phi (value iteration) and mu^(i) is added. Stop when t^(i) <= epsilon.

The QP is solved with SLSQP (scipy) in the variables (w, t). Its dual is the minimum-norm point problem
min_{lambda in simplex} ||mu_E - sum_j lambda_j mu^(j)||: when t > 0 the margin equals that distance and
w = (mu_E - mu_mix) / ||mu_E - mu_mix||. The dual is solved too: it gives the mixture of policies (the paper's
final step) and a certificate; the w with the larger verified margin is kept.

Per step: one planner call and the two small QPs. Metrics: ``margin`` (t^(i)), ``distance`` (from mu_E to the
closest mixture, the quantity of the paper's Fig. 3). The reward shown is w . phi for the w whose optimal policy
came closest to mu_E.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize

from irl_studio.algorithms.apprenticeship import Apprenticeship


def max_margin_qp(mu_E: np.ndarray, mus: np.ndarray, w0: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """max t s.t. w . (mu_E - mu_j) >= t for all j, ||w||_2 <= 1 (SLSQP). Returns (w, t) with t = min_j margin."""
    G = mu_E[None, :] - np.asarray(mus)  # (J, k) rows mu_E - mu_j
    k = G.shape[1]
    if w0 is None or not np.all(np.isfinite(w0)) or np.linalg.norm(w0) == 0:
        w0 = G.mean(axis=0)
    w0 = w0 / max(np.linalg.norm(w0), 1e-12)
    x0 = np.append(w0, float(np.min(G @ w0)))
    e_t = np.zeros(k + 1)
    e_t[-1] = 1.0
    cons = [
        {"type": "ineq", "fun": lambda x: G @ x[:k] - x[k],  # w . (mu_E - mu_j) - t >= 0
         "jac": lambda x: np.hstack([G, -np.ones((len(G), 1))])},
        {"type": "ineq", "fun": lambda x: np.array([1.0 - x[:k] @ x[:k]]),  # ||w||^2 <= 1
         "jac": lambda x: np.append(-2.0 * x[:k], 0.0)[None, :]},
    ]
    res = minimize(lambda x: (-x[k], -e_t), x0, jac=True, method="SLSQP", constraints=cons,
                   options={"ftol": 1e-12, "maxiter": 500})
    w = res.x[:k]
    n = np.linalg.norm(w)
    if n > 1.0:
        w = w / n  # exactly feasible
    return w, float(np.min(G @ w))


class MaxMarginIRL(Apprenticeship):
    name = "maxmargin"
    title = "Apprenticeship learning (max-margin)"
    paper = "Abbeel & Ng 2004, Apprenticeship learning via inverse reinforcement learning"

    def next_weights(self) -> tuple[np.ndarray, dict[str, float], bool]:
        mus = np.array(self.mus)
        w, t = max_margin_qp(self.mu_E, mus, self.w)
        lam = self.closest_mixture()  # the dual: min-norm point of the convex hull
        gap = self.mu_E - lam @ mus
        dist = float(np.linalg.norm(gap))
        if dist > 0:
            w_dual = gap / dist
            t_dual = float(np.min((self.mu_E - mus) @ w_dual))
            if t_dual > t:  # keep the better certified solution
                w, t = w_dual, t_dual
        self.lam, self.margin = lam, t
        return w, {"margin": t, "distance": dist}, t <= self.config.epsilon

    def mixture_weights(self) -> np.ndarray:
        return self.lam
