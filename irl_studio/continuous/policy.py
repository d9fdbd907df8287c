"""Policies of the max-ent RL inner loop: a tanh-squashed Gaussian for Box action spaces.

    u ~ N(mu(s), diag sigma^2),   a = c + w * tanh(u)        (c, w: the centre and half-width of the action box)

    log pi(a|s) = sum_i [ log N(u_i; mu_i, sigma_i) - log(1 - tanh(u_i)^2) - log w_i ]      (change of variables)

with log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)) (stable for large |u|). The density is proper on the open
box, so -log pi(a|s) (the entropy term of AIRL's generator reward f - log pi) stays finite; a clipped Gaussian has
point masses at the box edges and its "density" there makes that term blow up. The log-density of a *given* action
(an expert's, on the box edge) uses u = atanh of the action clamped to within ``EDGE`` of the edge.

Observations are scaled to [-1, 1] by the observation space's bounds where they are finite. Only :func:`make_policy`
knows the action space: a categorical head for a Discrete space (gridworlds from samples) plugs in there with the same
``sample`` / ``log_prob`` / ``mode`` methods.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

EDGE = 1e-3  # given actions are clamped to |tanh u| <= 1 - EDGE (u <= 3.8) for their log-density
LOG2 = math.log(2.0)


def mlp(sizes: list[int], act: type[nn.Module] = nn.Tanh, out_gain: float = 1.0) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        last = i == len(sizes) - 2
        nn.init.orthogonal_(lin.weight, gain=out_gain if last else math.sqrt(2))
        nn.init.zeros_(lin.bias)
        layers.append(lin)
        if not last:
            layers.append(act())
    return nn.Sequential(*layers)


class ObsScaler(nn.Module):
    """(obs - centre) / half-width per dimension where the space's bounds are finite; identity elsewhere."""

    def __init__(self, low: np.ndarray, high: np.ndarray) -> None:
        super().__init__()
        low, high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        ok = np.isfinite(low) & np.isfinite(high) & (high > low)
        c = np.where(ok, 0.5 * (low + high), 0.0)
        w = np.where(ok, 0.5 * (high - low), 1.0)
        self.register_buffer("c", torch.as_tensor(c, dtype=torch.float32))
        self.register_buffer("w", torch.as_tensor(w, dtype=torch.float32))

    def forward(self, obs: torch.Tensor) -> torch.Tensor:
        return (obs - self.c) / self.w


def log1m_tanh2(u: torch.Tensor) -> torch.Tensor:
    """log(1 - tanh(u)^2), stable."""
    return 2.0 * (LOG2 - u - F.softplus(-2.0 * u))


class SquashedGaussianPolicy(nn.Module):
    """The tanh-Gaussian policy with a state-independent log-std (PPO's usual parameterization)."""

    kind = "squashed-gaussian"

    def __init__(self, obs_low: np.ndarray, obs_high: np.ndarray, act_low: np.ndarray, act_high: np.ndarray,
                 hidden: tuple[int, ...] = (64, 64), log_std_init: float = -0.5) -> None:
        super().__init__()
        obs_dim, act_dim = len(obs_low), len(act_low)
        self.scaler = ObsScaler(obs_low, obs_high)
        self.net = mlp([obs_dim, *hidden, act_dim], out_gain=0.01)
        self.log_std = nn.Parameter(torch.full((act_dim,), float(log_std_init)))
        lo, hi = np.asarray(act_low, dtype=np.float64), np.asarray(act_high, dtype=np.float64)
        self.register_buffer("ac", torch.as_tensor(0.5 * (lo + hi), dtype=torch.float32))
        self.register_buffer("aw", torch.as_tensor(0.5 * (hi - lo), dtype=torch.float32))
        self.hidden = tuple(hidden)

    def mean_std(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu = self.net(self.scaler(obs))
        log_std = self.log_std.clamp(-5.0, 2.0)
        return mu, log_std.expand_as(mu)

    def log_prob_u(self, obs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """log pi(a|s) of the action a = squash(u), from the pre-squash sample u (exact, no clamping)."""
        mu, log_std = self.mean_std(obs)
        z = (u - mu) / log_std.exp()
        logn = -0.5 * z * z - log_std - 0.5 * math.log(2 * math.pi)
        return (logn - log1m_tanh2(u) - torch.log(self.aw)).sum(-1)

    def to_u(self, act: torch.Tensor) -> torch.Tensor:
        y = ((act - self.ac) / self.aw).clamp(-1.0 + EDGE, 1.0 - EDGE)
        return torch.atanh(y)

    def log_prob(self, obs: torch.Tensor, act: torch.Tensor) -> torch.Tensor:
        """log pi(a|s) of given actions (an expert's; clamped to within EDGE of the box edge)."""
        return self.log_prob_u(obs, self.to_u(act))

    def squash(self, u: torch.Tensor) -> torch.Tensor:
        return self.ac + self.aw * torch.tanh(u)

    def sample(self, obs: torch.Tensor, gen: torch.Generator | None = None
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(action, u, log pi(action|s)) for a batch of observations."""
        mu, log_std = self.mean_std(obs)
        eps = torch.randn(mu.shape, generator=gen, dtype=mu.dtype)
        u = mu + log_std.exp() * eps
        logn = -0.5 * eps * eps - log_std - 0.5 * math.log(2 * math.pi)
        logp = (logn - log1m_tanh2(u) - torch.log(self.aw)).sum(-1)
        return self.squash(u), u, logp

    def mode(self, obs: torch.Tensor) -> torch.Tensor:
        """The deterministic action: squash(mu(s))."""
        return self.squash(self.mean_std(obs)[0])

    def entropy_estimate(self, obs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """-log pi at the sampled actions (a one-sample entropy estimate; the squashed Gaussian has no closed form)."""
        return -self.log_prob_u(obs, u)


def make_policy(observation_space, action_space, hidden: tuple[int, ...] = (64, 64),
                log_std_init: float = -0.5) -> SquashedGaussianPolicy:
    """The policy for a single-agent observation / action space (Box actions; Discrete: a later categorical head)."""
    from gymnasium import spaces

    if not isinstance(observation_space, spaces.Box) or len(observation_space.shape) != 1:
        raise ValueError(f"observations must be a flat Box, not {observation_space}")
    if isinstance(action_space, spaces.Box) and len(action_space.shape) == 1:
        if not (np.all(np.isfinite(action_space.low)) and np.all(np.isfinite(action_space.high))):
            raise ValueError("the action box must be bounded (the policy squashes into it)")
        return SquashedGaussianPolicy(observation_space.low, observation_space.high, action_space.low,
                                      action_space.high, hidden, log_std_init)
    raise ValueError(f"actions must be a flat bounded Box, not {action_space} (Discrete: not yet supported)")
