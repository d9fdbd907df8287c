"""Apprenticeship learning, projection method (Abbeel & Ng 2004, section 3.1).

Feature expectations mu(pi) = (1 - gamma) E[sum_t gamma^t phi(s_t) | pi] (see apprenticeship.py); mu_E the
expert's. With mu^(0) the feature expectations of a first (random) policy and mu_bar^(0) = mu^(0):

    w^(i)       = mu_E - mu_bar^(i-1),              t^(i) = ||mu_E - mu_bar^(i-1)||_2
    pi^(i)      = optimal policy of the reward w^(i) . phi            (the planner: value iteration)
    mu_bar^(i)  = mu_bar^(i-1) + alpha (mu^(i) - mu_bar^(i-1)),
    alpha       = (mu^(i) - mu_bar^(i-1)) . (mu_E - mu_bar^(i-1)) / ||mu^(i) - mu_bar^(i-1)||^2

mu_bar^(i) is the orthogonal projection of mu_E onto the line through mu_bar^(i-1) and mu^(i). Here alpha is
clipped to [0, 1] (the projection onto the *segment*), which keeps mu_bar a convex combination of the mu^(j) — the
feature expectations of a mixture of the policies found, with weights lambda updated alongside — and makes the
distance t non-increasing even when the planner is approximate. Stop when t <= epsilon.

Per step: one planner call. Metrics: ``distance`` (t after the step), ``alpha``; the reward shown is w . phi for the
w whose optimal policy came closest to mu_E (a single stationary reward; the paper's output is the mixture).
"""

from __future__ import annotations

import numpy as np

from irl_studio.algorithms.apprenticeship import Apprenticeship


class ProjectionIRL(Apprenticeship):
    name = "projection"
    title = "Apprenticeship learning (projection)"
    paper = "Abbeel & Ng 2004, Apprenticeship learning via inverse reinforcement learning"

    def next_weights(self) -> tuple[np.ndarray, dict[str, float], bool]:
        mu = self.mus[-1]
        if len(self.mus) == 1:
            self.mu_bar = mu.copy()  # mu_bar^(0) = mu^(0)
            self.lam = np.ones(1)
            alpha = 1.0
        else:
            step = mu - self.mu_bar
            den = float(step @ step)
            alpha = float(np.clip(step @ (self.mu_E - self.mu_bar) / den, 0.0, 1.0)) if den > 0 else 0.0
            self.mu_bar = self.mu_bar + alpha * step  # the projection step
            self.lam = np.append((1.0 - alpha) * self.lam, alpha)  # mu_bar = sum_j lam_j mu^(j)
        w = self.mu_E - self.mu_bar  # w^(i+1)
        t = float(np.linalg.norm(w))  # t^(i+1)
        return w, {"distance": t, "alpha": alpha}, t <= self.config.epsilon

    def mixture_weights(self) -> np.ndarray:
        return self.lam
