"""Maximum margin planning (Ratliff, Bagnell & Zinkevich 2006), with rewards instead of costs.

Visitation mu (here: normalized discounted state visitation, see apprenticeship.py), features F (S x k), the
expert's visitation mu_E, a loss l(s) >= 0 for every state: Hamming loss on visited states, l(s) = loss for the
states the demonstrations never visit, 0 on the ones they do. MMP asks the expert to beat every other policy by a
margin that grows with its loss:

    w . F^T mu_E >= w . F^T mu + l . mu     for all policies' mu

and minimizes the regularized structured hinge loss (paper eq. 3, one example: the demonstrations' mean)

    c(w) = lambda/2 ||w||^2 + max_mu (F w + l) . mu - (F w) . mu_E

The max is *loss-augmented planning*: the optimal policy of the reward F w + l (value iteration), which favours
states the expert avoided. A subgradient of c is

    g = lambda w + F^T (mu* - mu_E),    mu* = the visitation of the loss-augmented optimal policy

and the update is w <- w - alpha_t g with alpha_t = learning_rate / sqrt(t) (the paper's diminishing schedule).
Subgradient steps do not decrease c monotonically; the reward reported is that of the best w so far (lowest c).
Converged when ||g|| <= tol. One planner call per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from irl_studio.algorithms.apprenticeship import Apprenticeship
from irl_studio.algorithms.base import Problem, knob
from irl_studio.core.metrics import feature_gap


@dataclass(frozen=True)
class MMPConfig:
    max_iterations: int = knob(100, "stop after this many subgradient steps (one planner call each)", min=1,
                               max=100_000)
    learning_rate: float = knob(10.0, "step size alpha_t = learning_rate / sqrt(t)", min=0.0)
    l2: float = knob(1e-3, "L2 regularization lambda/2 ||w||^2 (keeps the margin problem bounded)", min=0.0)
    loss: float = knob(0.1, "Hamming loss added to the reward of each state the demonstrations never visit "
                       "(visitation sums to 1: 0.1 asks for a 10% margin per unit of off-expert visitation)",
                       min=0.0)
    tol: float = knob(1e-6, "converged when the subgradient norm is below this", min=0.0)
    occupancy: str = knob("horizon", "visitation over the layout's horizon (like the demonstrations) or the exact "
                          "infinite-horizon discounted occupancy", choices=("horizon", "exact"))
    start: str = knob("demos", "start distribution of the learner: the demonstrations' start cells, or the layout's",
                      choices=("demos", "layout"))
    eval_every: int = knob(1, "score the reward against the true reward (when the layout has one) every N "
                           "iterations (0: only at the end)", min=0)


class MMPIRL(Apprenticeship):
    name = "mmp"
    title = "Maximum margin planning"
    paper = "Ratliff, Bagnell & Zinkevich 2006, Maximum margin planning"
    Config = MMPConfig

    def __init__(self, problem: Problem, config: Any = None, seed: int = 0,
                 mu_expert: np.ndarray | None = None) -> None:
        super().__init__(problem, config, seed, mu_expert)
        visited = self.D_E > 0
        self.loss_vec = np.where(visited, 0.0, float(self.config.loss))  # Hamming loss on visited states
        self.w = np.zeros(problem.features.n_features)
        self.best: tuple[float, np.ndarray, Any, np.ndarray] | None = None

    def next_weights(self) -> tuple[np.ndarray, dict[str, float], bool]:  # the loop is MMP's own (_step)
        return self.w, {}, False

    def objective(self, w: np.ndarray, d_star: np.ndarray) -> float:
        r = self.problem.features.reward(w)
        return float(0.5 * self.config.l2 * w @ w + (r + self.loss_vec) @ d_star - r @ self.D_E)

    def _step(self) -> dict[str, Any]:
        feats, w = self.problem.features, self.w
        r = feats.reward(w)
        plan = self.plan_for_reward(r + self.loss_vec)  # loss-augmented planning
        d_star = self.visitation(plan)
        c = self.objective(w, d_star)
        g = self.config.l2 * w + feats.counts(d_star) - self.mu_E  # subgradient of c at w
        if self.best is None or c < self.best[0]:
            plain = self.plan_for_reward(r)  # the policy of the learned reward itself (not loss-augmented)
            self.best = (c, w.copy(), plain, self.visitation(plain))
        t = self.iteration + 1
        self.w = w - self.config.learning_rate / np.sqrt(t) * g
        c_best, w_best, plan_best, d_best = self.best
        gnorm = float(np.linalg.norm(g))
        metrics = {"objective": c, "objective_best": c_best, "gradient_norm": gnorm,
                   "loss_augmented_loss": float(self.loss_vec @ d_star),
                   **feature_gap(self.mu_E, feats.counts(d_best))}
        return {"reward": feats.reward(w_best), "weights": w_best, "expert_visitation": self.D_E,
                "learner_visitation": d_best, "policy": plan_best.policy(), "metrics": metrics,
                "converged": gnorm <= self.config.tol}

    def plan_for_reward(self, r: np.ndarray):
        from irl_studio.core.planning import hard_value_iteration

        return hard_value_iteration(self.problem.mdp, r, self.gamma, tol=1e-9)
