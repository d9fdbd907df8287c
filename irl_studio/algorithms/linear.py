"""What MaxEnt and MCE IRL share: a linear reward r = Phi theta, a concave objective whose gradient is "expert feature
counts minus the learner's expected feature counts", a Gaussian prior on theta, and a step-at-a-time optimizer.

**Why a prior by default (MAP estimation).** The maximum-entropy problem asks for the policy of highest (causal)
entropy whose expected feature counts *equal* the demonstrations' empirical counts f_E. Its dual, the objective
maximized here, is bounded only when that constraint can be met. With demonstrations *sampled* on a slippery world it
often cannot: the empirical visitation of 100 noisy walks is not the visitation of any policy in the true dynamics
(a cell every policy reaches with probability >= slip / 4 may hold no sample). The primal is then infeasible, the
dual unbounded, and the weights grow without limit while the dual objective climbs above zero (Ziebart 2010, ch. 5-6,
discusses this infeasible case and relaxes the constraint to approximate matching). Relaxing the constraint with a
quadratic penalty on the violation, max H(pi) - ||E[F] - f_E||^2 / (2 sigma^2 N), is, in the dual, a Gaussian prior
theta ~ N(0, sigma^2 I) on the weights: the fit becomes the maximum a posteriori estimate

    theta_MAP = argmax  sum_i L_i(theta) - (l2 / 2) ||theta||^2 ,   l2 = 1 / sigma^2

(L_i the dual objective of demonstration i; divided by N below, so the objective is per demonstration and the prior's
pull fades as 1 / N as the data grow, as a posterior's does). It is strongly concave, so L-BFGS converges to the one
maximizer and the run ends ``converged`` with finite weights. At the optimum

    f_E - f_learner = (l2 / N) theta

the feature gap is not zero but the prior's share, and weights the demonstrations do not constrain stay at the prior
mean 0. ``l2 = 0`` restores the plain maximum-likelihood fit (for exact, realizable expert statistics). The
``imitation`` library stops instead at an occupancy gap; a prior is preferred here because it defines *which* reward
is returned (the MAP one) independently of the optimizer's path, and its gradient stays exact.

Metrics of every step (named for what they are):

* ``objective``: what the optimizer maximizes, the dual plus the log prior, per demonstration;
* ``dual_objective``: the maximum-entropy dual alone (MaxEnt: the trajectory log-likelihood up to the dynamics' terms,
  r(tau) - log Z; MCE: sum_t gamma^t r(s_t) - V_0(s_0)); unbounded above in the infeasible case;
* ``log_likelihood``: the true causal log-likelihood of the demonstrated actions, sum_t log pi_t(a_t | s_t) under the
  learner's policy, per demonstration; always <= 0 (for MCE with gamma < 1 also ``log_likelihood_discounted``,
  sum_t gamma^t log pi_t(a_t | s_t));
* ``gradient_inf`` (the convergence criterion: below ``tol``), ``gradient_norm``, ``feature_gap_inf`` /
  ``feature_gap_l2`` (expert minus learner counts), ``evaluations`` (backward + forward passes so far).
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from irl_studio.algorithms.base import IRLAlgorithm, Problem, knob
from irl_studio.algorithms.optim import Ascent, make_optimizer
from irl_studio.core.metrics import demo_log_likelihood, demo_log_likelihoods, feature_gap
from irl_studio.core.planning import SoftPlan

_FLAT_STEP = 1.0  # reward units: a weight moved by +-1 that changes the likelihood by less than _FLAT_NATS ...
_FLAT_NATS = 1e-3  # ... nats per demonstration is not determined by the demonstrations
_FLAT_MAX_FEATURES = 64  # the profile check costs two passes per feature: only for small feature sets


@dataclass(frozen=True)
class LinearConfig:
    max_iterations: int = knob(500, "stop after this many optimizer steps", min=1, max=100_000)
    tol: float = knob(1e-3, "converged when every component of the objective's gradient (expert minus learner "
                      "feature counts minus the prior's pull) is below this", min=0.0)
    optimizer: str = knob("lbfgs", "lbfgs: quasi-Newton with line search (fast); adam or gd: plain steps of size "
                          "learning_rate", choices=("lbfgs", "adam", "gd"))
    learning_rate: float = knob(0.1, "step size of adam and gd (lbfgs chooses its own)", min=0.0)
    l2: float = knob(1.0, "Gaussian prior on the weights, theta ~ N(0, 1/l2): MAP estimation, the objective is the "
                     "demonstrations' total log-likelihood minus l2/2 |theta|^2 (keeps sampled, infeasible "
                     "demonstrations bounded; 0: plain maximum likelihood)", min=0.0)
    start: str = knob("demos", "start distribution of the learner: the demonstrations' start cells, or the layout's",
                      choices=("demos", "layout"))
    eval_every: int = knob(5, "score the reward against the true reward (when the layout has one) every N "
                           "iterations (0: only at the end)", min=0)


@dataclass(frozen=True)
class Evaluation:
    """Everything one backward + forward pass gives at theta."""

    objective: float  # the dual objective per demonstration (no prior)
    learner_visitation: np.ndarray  # (S,)
    policy: np.ndarray  # (S, A) at t = 0
    extra: dict[str, float]
    plan: SoftPlan | None = None  # the backward pass (for the causal log-likelihood)


def level_direction(features) -> np.ndarray | None:
    """The weights u with Phi u = 1 (a constant reward), when the features can express a constant: all ones for
    features that partition the cells (one-hot: state, terrain, macrocell), the constant column of ``coords``;
    None otherwise."""
    M = features.matrix
    F = features.n_features
    if F == 0:
        return None
    if sp.issparse(M):
        M = M.tocsr()
        if M.nnz == M.shape[0] and np.all(np.diff(M.indptr) == 1) and np.all(M.data == 1.0):
            return np.ones(F)
        return None
    M = np.asarray(M, dtype=np.float64)
    if not np.all(np.isfinite(M)):
        return None
    if np.all((M == 0) | (M == 1)) and np.all(M.sum(axis=1) == 1):
        return np.ones(F)
    const = np.flatnonzero(np.all(M == 1.0, axis=0))
    if const.size:
        u = np.zeros(F)
        u[const[0]] = 1.0
        return u
    return None


class LinearIRL(IRLAlgorithm):
    """Maximizes L(theta) = theta . f_E - log-partition(theta) - l2/(2N) |theta|^2; grad = f_E - f_learner - l2/N
    theta (N demonstrations)."""

    Config = LinearConfig

    def __init__(self, problem: Problem, config: Any = None, seed: int = 0) -> None:
        super().__init__(problem, config, seed)
        self.p0 = self.start_distribution(self.config.start)
        self.D_E = self.expert_visitation(self.discount)
        self.f_E = problem.features.counts(self.D_E)
        self.prior = float(self.config.l2) / max(problem.arrays.n, 1)  # per demonstration
        self.level = level_direction(problem.features)
        self._cache: dict[bytes, Evaluation] = {}
        self._opt: Ascent | None = None

    @property
    def opt(self) -> Ascent:
        """The optimizer, made on first use: it evaluates the objective at theta = 0 when made (so an instance used
        only for :meth:`evaluate`, as Deep MaxEnt does, pays no pass for it)."""
        if self._opt is None:
            theta0 = np.zeros(self.problem.features.n_features)
            self._opt = make_optimizer(self.config.optimizer, self._fun, theta0, self.config.learning_rate,
                                       self._precondition)
        return self._opt

    @property
    @abstractmethod
    def discount(self) -> float:
        """The discount of the objective (1 for the finite-horizon MaxEnt)."""

    @abstractmethod
    def evaluate(self, reward: np.ndarray) -> Evaluation:
        """One backward and one forward pass for a per-state reward."""

    def entry_times(self) -> np.ndarray:
        """(N,) the time at which each demonstration enters the learner's T-step model: a demonstration of K steps
        that stopped before the horizon is an episode of K steps (it enters at T - K; V is time-homogeneous), one
        that reached a goal an episode of the full horizon (it enters at 0)."""
        arr, T = self.problem.arrays, self.problem.horizon
        return np.where(arr.ended_at_goal, 0, T - arr.steps)

    def _fun(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.check_cancel()
        ev = self.evaluate(self.problem.features.reward(theta))
        self._cache = {theta.tobytes(): ev}
        f_L = self.problem.features.counts(ev.learner_visitation)
        penalty, pull = self.log_prior(theta)
        return ev.objective - penalty, self.f_E - f_L - pull

    def _precondition(self) -> np.ndarray:
        """A diagonal approximation of the inverse curvature at the current theta for L-BFGS's first matrix: the
        objective's curvature along a weight is about the learner's expected count of its feature (counts of rare
        events are nearly Poisson: variance ~ mean) plus the prior's. Without it, weights of rarely visited cells
        (tiny curvature, set by the prior) take hundreds of steps."""
        ev = next(iter(self._cache.values()), None)
        if ev is None:
            return None
        M = self.problem.features.matrix
        sq = M.multiply(M) if sp.issparse(M) else np.asarray(M) ** 2
        curv = np.asarray(sq.T @ (ev.learner_visitation + self.D_E) * 0.5).ravel()
        return 1.0 / (curv + max(self.prior, 1e-12))

    def log_prior(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """(prior/2) (|theta_perp|^2 + alpha^2) and its gradient, theta = alpha u + theta_perp with u the level
        direction (Phi u = 1): the deviations from the common reward level are shrunk, the level alpha itself counts
        as one weight. Without a level direction: (prior/2) |theta|^2."""
        if self.level is None:
            return 0.5 * self.prior * float(theta @ theta), self.prior * theta
        u, uu = self.level, float(self.level @ self.level)
        alpha = float(theta @ u) / uu
        perp = theta - alpha * u
        value = 0.5 * self.prior * (float(perp @ perp) + alpha * alpha)
        return value, self.prior * (perp + (alpha / uu) * u)

    def _step(self) -> dict[str, Any]:
        if not self._converged():
            self.opt.step()
        theta = self.opt.theta
        ev = self._cache.get(theta.tobytes()) or self.evaluate(self.problem.features.reward(theta))
        f_L = self.problem.features.counts(ev.learner_visitation)
        metrics = {"objective": self.opt.value, "dual_objective": ev.objective,
                   "evaluations": float(self.opt.evaluations),
                   "gradient_norm": float(np.linalg.norm(self.opt.grad)),
                   "gradient_inf": float(np.max(np.abs(self.opt.grad))) if self.opt.grad.size else 0.0,
                   **feature_gap(self.f_E, f_L), **ev.extra}
        metrics.update(self.log_likelihoods(ev.plan))
        converged = self._converged()
        out = {"reward": self.problem.features.reward(theta), "expert_visitation": self.D_E,
               "learner_visitation": ev.learner_visitation, "policy": ev.policy, "metrics": metrics,
               "converged": converged, "weights": theta}
        if converged or self.iteration + 1 >= self.config.max_iterations:
            out["unidentified"] = self.unidentified(theta, ev)
        return out

    def log_likelihoods(self, plan: SoftPlan) -> dict[str, float]:
        """The causal log-likelihood of the demonstrated actions under the learner's time-indexed policy."""
        if self.discount >= 1.0:
            return {"log_likelihood": demo_log_likelihood(plan, self.problem.arrays, self.entry_times())}
        plain, disc = demo_log_likelihoods(plan, self.problem.arrays, self.entry_times(), (1.0, self.discount))
        return {"log_likelihood": plain, "log_likelihood_discounted": disc}

    def _converged(self) -> bool:
        return bool(np.max(np.abs(self.opt.grad)) < self.config.tol) if self.opt.grad.size else True

    def unidentified(self, theta: np.ndarray, ev: Evaluation) -> tuple[str, ...]:
        """Names of the weights the demonstrations do not determine (their value is the prior's).

        Two sound checks, cheap at the end of a run:
        * a feature that is zero on every cell the expert or the learner visits (visitation below 1e-9 of the
          largest) has no effect on the objective at all: its gradient is exactly zero for every nearby theta;
        * for at most 64 features, and when it costs no more passes than the fit itself made, the profile of the
          likelihood along each weight: if moving it by +-1 (reward units, a large change of behaviour wherever it
          matters) changes the dual objective by less than 1e-3 nats per demonstration both ways, the objective is
          flat along it (e.g. the goal indicator of an undiscounted layout every demonstration and every learner
          episode ends at: it adds the same constant to every trajectory).
        """
        feats = self.problem.features
        names = feats.names
        D = np.abs(self.D_E) + np.abs(ev.learner_visitation)
        seen = D > 1e-9 * max(float(D.max()), 1e-300)
        M = feats.matrix
        touched = np.asarray(abs(M[seen]).sum(axis=0)).ravel() > 0
        flat = ~touched
        if feats.n_features <= _FLAT_MAX_FEATURES and 2 * int(touched.sum()) <= max(self.opt.evaluations, 16):
            base = ev.objective
            for k in np.flatnonzero(touched):
                changes = []
                for sign in (1.0, -1.0):
                    th = theta.copy()
                    th[k] += sign * _FLAT_STEP
                    self.check_cancel()
                    changes.append(abs(self.evaluate(feats.reward(th)).objective - base))
                flat[k] = max(changes) < _FLAT_NATS
        return tuple(names[k] for k in np.flatnonzero(flat))
