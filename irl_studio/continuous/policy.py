"""Policies of the max-ent RL inner loop: a tanh-squashed Gaussian for Box action spaces.

    u ~ N(mu(s), diag sigma^2),   a = c + w * tanh(u)        (c, w: the centre and half-width of the action box)

    log pi(a|s) = sum_i [ log N(u_i; mu_i, sigma_i) - log(1 - tanh(u_i)^2) - log w_i ]      (change of variables)

with log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)) (stable for large |u|). The density is proper on the open
box, so -log pi(a|s) (the entropy term of AIRL's generator reward f - log pi) stays finite; a clipped Gaussian has
point masses at the box edges and its "density" there makes that term blow up. The log-density of a *given* action
(an expert's, on the box edge) uses u = atanh of the action clamped to within ``EDGE`` of the edge.

Observations are scaled to [-1, 1] by the observation space's bounds where they are finite. Only :func:`make_policy`
knows the action space: a Discrete space (gridworlds from samples) gets a :class:`CategoricalPolicy` with the same
``sample`` / ``log_prob`` / ``mode`` methods, its actions handed around as one-hot vectors (what the discriminators
read) and turned into indices for the environment by ``env_action``.
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
        self.act_dim = act_dim

    def env_action(self, act: np.ndarray) -> np.ndarray:
        """What the environment's ``step`` takes for a batch of actions (a Box: the actions themselves)."""
        return act

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


class CategoricalPolicy(nn.Module):
    """pi(a|s) = softmax(l(s))_a over a Discrete space's n actions; l an MLP (``hidden = ()``: linear, which on a
    one-hot state observation is a table of logits). Actions travel as one-hot float vectors (T, N, n); the
    "pre-squash sample" ``u`` is the action's index as a float (..., 1), so PPO's log_prob_u(obs, u) is exact."""

    kind = "categorical"

    def __init__(self, obs_low: np.ndarray, obs_high: np.ndarray, n: int, hidden: tuple[int, ...] = (64, 64)) -> None:
        super().__init__()
        self.scaler = ObsScaler(obs_low, obs_high)
        self.net = mlp([len(obs_low), *hidden, int(n)], out_gain=0.01)
        self.hidden = tuple(hidden)
        self.act_dim = int(n)
        # states without a choice (a gridworld's goal and absorbing state, where every action does the same):
        # action 0 with probability 1 there, so log pi = 0 and no entropy is earned by merely having ended
        self.register_buffer("no_choice", torch.zeros(len(obs_low)))
        forced = torch.full((int(n),), -1e4)
        forced[0] = 0.0
        self.register_buffer("forced", forced)
        self._any_no_choice = False

    def set_no_choice(self, indicator) -> None:
        """Mark the states without a choice: ``indicator`` (obs_dim,), 1 at the one-hot coordinates of those states."""
        self.no_choice.copy_(torch.as_tensor(np.asarray(indicator, dtype=np.float32)))
        self._any_no_choice = bool(self.no_choice.any())

    def logits(self, obs: torch.Tensor) -> torch.Tensor:
        raw = self.net(self.scaler(obs))
        if self._any_no_choice:
            fixed = (obs @ self.no_choice > 0.5).unsqueeze(-1)
            raw = torch.where(fixed, self.forced, raw)
        return torch.log_softmax(raw, dim=-1)

    def probs(self, obs: torch.Tensor) -> torch.Tensor:
        return self.logits(obs).exp()

    def log_prob_u(self, obs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        idx = u.reshape(*u.shape[:-1], 1).long() if u.dim() > 1 else u.long().unsqueeze(-1)
        return self.logits(obs).gather(-1, idx).squeeze(-1)

    def to_u(self, act: torch.Tensor) -> torch.Tensor:
        return act.argmax(-1, keepdim=True).float()

    def log_prob(self, obs: torch.Tensor, act: torch.Tensor) -> torch.Tensor:
        """log pi(a|s) of given one-hot actions."""
        return self.log_prob_u(obs, self.to_u(act))

    def one_hot(self, idx: torch.Tensor) -> torch.Tensor:
        return F.one_hot(idx.long(), self.act_dim).float()

    def sample(self, obs: torch.Tensor, gen: torch.Generator | None = None
               ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(one-hot action, index as (N, 1) float, log pi(action|s))."""
        lp = self.logits(obs)
        idx = torch.multinomial(lp.exp().reshape(-1, self.act_dim), 1, generator=gen).reshape(*lp.shape[:-1])
        return self.one_hot(idx), idx.float().unsqueeze(-1), lp.gather(-1, idx.unsqueeze(-1)).squeeze(-1)

    def mode(self, obs: torch.Tensor) -> torch.Tensor:
        return self.one_hot(self.logits(obs).argmax(-1))

    def entropy_estimate(self, obs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        lp = self.logits(obs)
        return -(lp.exp() * lp).sum(-1)

    def env_action(self, act: np.ndarray) -> np.ndarray:
        """One-hot actions to the indices a Discrete environment steps with."""
        return np.asarray(act).argmax(-1)


def make_policy(observation_space, action_space, hidden: tuple[int, ...] = (64, 64),
                log_std_init: float = -0.5, no_choice=None) -> SquashedGaussianPolicy | CategoricalPolicy:
    """The policy for a single-agent observation / action space (a bounded Box: tanh-Gaussian; Discrete:
    categorical, ``no_choice`` marking the states where the action does not matter)."""
    from gymnasium import spaces

    if not isinstance(observation_space, spaces.Box) or len(observation_space.shape) != 1:
        raise ValueError(f"observations must be a flat Box, not {observation_space}")
    if isinstance(action_space, spaces.Box) and len(action_space.shape) == 1:
        if not (np.all(np.isfinite(action_space.low)) and np.all(np.isfinite(action_space.high))):
            raise ValueError("the action box must be bounded (the policy squashes into it)")
        return SquashedGaussianPolicy(observation_space.low, observation_space.high, action_space.low,
                                      action_space.high, hidden, log_std_init)
    if isinstance(action_space, spaces.Discrete):
        pol = CategoricalPolicy(observation_space.low, observation_space.high, int(action_space.n), hidden)
        if no_choice is not None:
            pol.set_no_choice(no_choice)
        return pol
    raise ValueError(f"actions must be a flat bounded Box or Discrete, not {action_space}")
