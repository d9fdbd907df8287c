"""Small step-at-a-time optimizers for concave objectives (maximization): L-BFGS with a backtracking line search,
Adam, and plain gradient ascent. Each ``step`` makes one update and may evaluate the objective several times."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from typing import Callable

import numpy as np

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]  # theta -> (value, gradient), to be maximized


class Ascent(ABC):
    """Base: holds theta and the value and gradient at theta."""

    def __init__(self, fun: Objective, theta0: np.ndarray) -> None:
        self.fun = fun
        self.theta = np.array(theta0, dtype=np.float64)
        self.value, self.grad = fun(self.theta)
        self.evaluations = 1

    def _eval(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        self.evaluations += 1
        return self.fun(theta)

    @abstractmethod
    def step(self) -> None:
        """Make one update of theta (and of value and grad)."""


class LBFGS(Ascent):
    """Limited-memory BFGS (Nocedal & Wright, Alg. 7.4) on -f, with an Armijo backtracking line search."""

    def __init__(self, fun: Objective, theta0: np.ndarray, memory: int = 10, max_step: float = 10.0,
                 precondition: Callable[[], np.ndarray] | None = None) -> None:
        super().__init__(fun, theta0)
        self.memory: deque[tuple[np.ndarray, np.ndarray, float]] = deque(maxlen=memory)
        self.max_step = max_step
        self.precondition = precondition  # () -> a positive diagonal approximating -H^{-1} at theta

    def _direction(self) -> np.ndarray:
        q = self.grad.copy()  # ascent: work with g = grad f, direction approximates H^{-1} g
        alphas = []
        for s, y, rho in reversed(self.memory):
            a = rho * (s @ q)
            alphas.append(a)
            q -= a * y
        d = self.precondition() if self.precondition is not None else None
        if d is not None:  # H0 = gamma diag(d), gamma = s.y / y.D y (Nocedal & Wright, eq. 7.20 with a diagonal)
            if self.memory:
                s, y, _ = self.memory[-1]
                q *= d * ((s @ y) / max(float(y @ (d * y)), 1e-300))
            else:
                q *= d
                q *= min(1.0, 1.0 / max(np.max(np.abs(q)), 1e-12))
        elif self.memory:
            s, y, _ = self.memory[-1]
            q *= (s @ y) / (y @ y)
        else:
            q *= min(1.0, 1.0 / max(np.max(np.abs(q)), 1e-12))
        for (s, y, rho), a in zip(self.memory, reversed(alphas)):
            b = rho * (y @ q)
            q += (a - b) * s
        return q

    def step(self) -> None:
        d = self._direction()
        slope = d @ self.grad
        if not slope > 0:  # not an ascent direction: reset the memory and follow the gradient
            self.memory.clear()
            d = self.grad * min(1.0, 1.0 / max(np.max(np.abs(self.grad)), 1e-12))
            slope = d @ self.grad
        norm = np.max(np.abs(d))
        if norm > self.max_step:
            d *= self.max_step / norm
            slope = d @ self.grad
        step = 1.0
        for _ in range(30):
            theta = self.theta + step * d
            value, grad = self._eval(theta)
            if np.isfinite(value) and value >= self.value + 1e-4 * step * slope:
                break
            step *= 0.5
        else:  # no increase found: keep the point, forget the curvature
            self.memory.clear()
            return
        s, y = theta - self.theta, self.grad - grad  # y = change of the gradient of -f
        sy = s @ y
        if sy > 1e-12:
            self.memory.append((s, y, 1.0 / sy))
        self.theta, self.value, self.grad = theta, value, grad


class Adam(Ascent):
    def __init__(self, fun: Objective, theta0: np.ndarray, lr: float = 0.1, betas=(0.9, 0.999), eps=1e-8) -> None:
        super().__init__(fun, theta0)
        self.lr, self.b1, self.b2, self.eps = lr, betas[0], betas[1], eps
        self.m = np.zeros_like(self.theta)
        self.v = np.zeros_like(self.theta)
        self.t = 0

    def step(self) -> None:
        self.t += 1
        g = self.grad
        self.m = self.b1 * self.m + (1 - self.b1) * g
        self.v = self.b2 * self.v + (1 - self.b2) * g * g
        mh = self.m / (1 - self.b1 ** self.t)
        vh = self.v / (1 - self.b2 ** self.t)
        self.theta = self.theta + self.lr * mh / (np.sqrt(vh) + self.eps)
        self.value, self.grad = self._eval(self.theta)


class GradientAscent(Ascent):
    def __init__(self, fun: Objective, theta0: np.ndarray, lr: float = 0.1) -> None:
        super().__init__(fun, theta0)
        self.lr = lr

    def step(self) -> None:
        self.theta = self.theta + self.lr * self.grad
        self.value, self.grad = self._eval(self.theta)


def make_optimizer(name: str, fun: Objective, theta0: np.ndarray, lr: float,
                   precondition: Callable[[], np.ndarray] | None = None) -> Ascent:
    if name == "lbfgs":
        return LBFGS(fun, theta0, precondition=precondition)
    if name == "adam":
        return Adam(fun, theta0, lr=lr)
    if name == "gd":
        return GradientAscent(fun, theta0, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}")
