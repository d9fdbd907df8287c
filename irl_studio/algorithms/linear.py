"""What MaxEnt and MCE IRL share: a linear reward r = Phi theta, a concave log-likelihood whose gradient is
"expert feature counts minus the learner's expected feature counts", and a step-at-a-time optimizer."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from irl_studio.algorithms.base import IRLAlgorithm, Problem, knob
from irl_studio.algorithms.optim import Ascent, make_optimizer
from irl_studio.core.metrics import feature_gap


@dataclass(frozen=True)
class LinearConfig:
    max_iterations: int = knob(200, "stop after this many optimizer steps", min=1, max=100_000)
    tol: float = knob(1e-3, "converged when every |expert - learner feature count| is below this", min=0.0)
    optimizer: str = knob("lbfgs", "lbfgs: quasi-Newton with line search (fast); adam or gd: plain steps of size "
                          "learning_rate", choices=("lbfgs", "adam", "gd"))
    learning_rate: float = knob(0.1, "step size of adam and gd (lbfgs chooses its own)", min=0.0)
    l2: float = knob(0.0, "L2 penalty on the weights (0: none)", min=0.0)
    start: str = knob("demos", "start distribution of the learner: the demonstrations' start cells, or the layout's",
                      choices=("demos", "layout"))
    eval_every: int = knob(1, "compute EVD and reward correlation (needs a true reward) every N iterations", min=1)


@dataclass(frozen=True)
class Evaluation:
    """Everything one backward + forward pass gives at theta."""

    objective: float  # r . D_E - log-partition: the demonstrations' log-likelihood (up to dynamics terms)
    learner_visitation: np.ndarray  # (S,)
    policy: np.ndarray  # (S, A) at t = 0
    extra: dict[str, float]


class LinearIRL(IRLAlgorithm):
    """Maximizes L(theta) = theta . f_E - log-partition(theta) - l2/2 |theta|^2; grad = f_E - f_learner - l2 theta."""

    Config = LinearConfig

    def __init__(self, problem: Problem, config: Any = None, seed: int = 0) -> None:
        super().__init__(problem, config, seed)
        self.p0 = self.start_distribution(self.config.start)
        self.D_E = self.expert_visitation(self.discount)
        self.f_E = problem.features.counts(self.D_E)
        self._cache: dict[bytes, Evaluation] = {}
        self._opt: Ascent | None = None

    @property
    def opt(self) -> Ascent:
        """The optimizer, made on first use: it evaluates the objective at theta = 0 when made (so an instance used
        only for :meth:`evaluate`, as Deep MaxEnt does, pays no pass for it)."""
        if self._opt is None:
            theta0 = np.zeros(self.problem.features.n_features)
            self._opt = make_optimizer(self.config.optimizer, self._fun, theta0, self.config.learning_rate)
        return self._opt

    @property
    @abstractmethod
    def discount(self) -> float:
        """The discount of the objective (1 for the finite-horizon MaxEnt)."""

    @abstractmethod
    def evaluate(self, reward: np.ndarray) -> Evaluation:
        """One backward and one forward pass for a per-state reward."""

    def _fun(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.check_cancel()
        ev = self.evaluate(self.problem.features.reward(theta))
        self._cache = {theta.tobytes(): ev}
        f_L = self.problem.features.counts(ev.learner_visitation)
        l2 = self.config.l2
        value = ev.objective - 0.5 * l2 * float(theta @ theta)
        grad = self.f_E - f_L - l2 * theta
        return value, grad

    def _step(self) -> dict[str, Any]:
        if not self._converged():
            self.opt.step()
        theta = self.opt.theta
        ev = self._cache.get(theta.tobytes()) or self.evaluate(self.problem.features.reward(theta))
        f_L = self.problem.features.counts(ev.learner_visitation)
        metrics = {"objective": self.opt.value, "evaluations": float(self.opt.evaluations),
                   "gradient_norm": float(np.linalg.norm(self.opt.grad)), **feature_gap(self.f_E, f_L), **ev.extra}
        return {"reward": self.problem.features.reward(theta), "expert_visitation": self.D_E,
                "learner_visitation": ev.learner_visitation, "policy": ev.policy, "metrics": metrics,
                "converged": self._converged(), "weights": theta}

    def _converged(self) -> bool:
        return bool(np.max(np.abs(self.opt.grad)) < self.config.tol) if self.opt.grad.size else True
