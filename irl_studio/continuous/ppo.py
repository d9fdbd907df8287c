"""The max-ent RL inner loop: a compact PPO (Schulman et al. 2017) on a batched Gymnasium environment, stepped by the
caller a batch at a time, the reward supplied by the caller (the IRL algorithm's current reward).

Why hand-written and not Stable-Baselines3: an SB3 ``learn`` call cannot be interrupted inside an update (the GUI's
Stop must end a run within ~0.1 s) and its VecEnv steps environments one by one in Python; here a batch of agents
is one numpy call, the caller's ``cancel`` is checked between environment steps and between minibatches, and the
reward of every transition is whatever the IRL algorithm says it is at update time (AIRL: f - log pi).

One iteration: :meth:`PPO.collect` runs ``n_steps`` steps of every environment from a reset (the plane: one whole
episode each), then :meth:`PPO.update` computes GAE(lambda) advantages of the given rewards (bootstrapped with V at
truncation, none at termination) and makes ``epochs`` passes of clipped-surrogate minibatch steps on the policy and
the value net. Seeded: one seed gives one result (a private torch.Generator and numpy Generator).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from irl_studio.continuous.policy import make_policy, mlp
from irl_studio.core.steppable import CancelCheck, check_cancel


@dataclass
class PPOSettings:
    lr: float = 1e-3
    epochs: int = 5
    minibatches: int = 4
    clip: float = 0.2
    gae_lambda: float = 0.95
    discount: float = 0.99
    value_coef: float = 0.5
    max_grad_norm: float = 0.5
    hidden: tuple[int, ...] = (64, 64)
    log_std_init: float = -0.5
    # divide the batch rewards by their std (no shift: a constant matters where episodes terminate)
    normalize_rewards: bool = True


@dataclass(frozen=True, eq=False)
class Batch:
    """One collection: arrays (T, N, ...) of every environment's steps (``valid`` False for autoreset filler)."""

    obs: np.ndarray  # (T, N, obs_dim) s_t
    acts: np.ndarray  # (T, N, act_dim) a_t (in the action box)
    u: np.ndarray  # (T, N, act_dim) pre-squash samples
    logp: np.ndarray  # (T, N) log pi_old(a_t|s_t)
    next_obs: np.ndarray  # (T, N, obs_dim) s_{t+1} (the final observation at a truncation)
    true_rew: np.ndarray  # (T, N) the environment's reward
    terminated: np.ndarray  # (T, N)
    truncated: np.ndarray  # (T, N)
    valid: np.ndarray  # (T, N)

    @property
    def n_valid(self) -> int:
        return int(self.valid.sum())

    def flat(self, name: str) -> np.ndarray:
        a = getattr(self, name)
        return a.reshape(a.shape[0] * a.shape[1], *a.shape[2:])


def u_dim(policy) -> int:
    """Width of the pre-squash sample u: the action's for a Gaussian, 1 (the index) for a categorical policy."""
    return 1 if getattr(policy, "kind", "") == "categorical" else policy.act_dim


class PPO:
    """Policy + value net + optimizer on one vector environment (``num_envs`` agents)."""

    def __init__(self, venv, settings: PPOSettings | None = None, seed: int = 0) -> None:
        self.venv = venv
        self.s = settings or PPOSettings()
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed + 7919)
        self.gen = torch.Generator().manual_seed(self.seed + 104729)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self.policy = make_policy(venv.single_observation_space, venv.single_action_space, self.s.hidden,
                                      self.s.log_std_init, getattr(venv, "no_choice", None))
            obs_dim = venv.single_observation_space.shape[0]
            self.value = mlp([obs_dim, *self.s.hidden, 1])
        self.v_scaler = self.policy.scaler
        params = list(self.policy.parameters()) + list(self.value.parameters())
        self.opt = torch.optim.Adam(params, lr=self.s.lr)
        self._reset_seed: int | None = self.seed
        self.env_steps = 0

    def v(self, obs: torch.Tensor) -> torch.Tensor:
        return self.value(self.v_scaler(obs)).squeeze(-1)

    # --- collection --------------------------------------------------------------------------------------------
    @torch.no_grad()
    def collect(self, n_steps: int, cancel: CancelCheck = None, deterministic: bool = False,
                options: dict | None = None) -> Batch:
        """``n_steps`` steps of every agent from a reset (the first reset seeded with the PPO seed)."""
        env = self.venv
        obs, _ = env.reset(seed=self._reset_seed, options=options)
        self._reset_seed = None
        N = env.num_envs
        T = int(n_steps)
        od = env.single_observation_space.shape[0]
        ad = self.policy.act_dim  # one-hot width for a Discrete space
        O = np.zeros((T, N, od), np.float32)
        A = np.zeros((T, N, ad), np.float32)
        U = np.zeros((T, N, u_dim(self.policy)), np.float32)
        L = np.zeros((T, N), np.float32)
        O2 = np.zeros((T, N, od), np.float32)
        R = np.zeros((T, N), np.float64)
        TE = np.zeros((T, N), bool)
        TR = np.zeros((T, N), bool)
        V = np.ones((T, N), bool)
        prev_done = np.zeros(N, bool)
        self.collecting = (O, O2, 0)  # the batch being filled, and how many steps it has (progress views read it)
        for t in range(T):
            check_cancel(cancel)
            self.collecting = (O, O2, t)
            ot = torch.as_tensor(obs, dtype=torch.float32)
            if deterministic:
                a = self.policy.mode(ot)
                u = self.policy.to_u(a)
                lp = self.policy.log_prob_u(ot, u)
            else:
                a, u, lp = self.policy.sample(ot, self.gen)
            a_np = a.numpy()
            nxt, r, te, tr, _ = env.step(self.policy.env_action(a_np))
            O[t], A[t], U[t], L[t], R[t] = obs, a_np, u.numpy(), lp.numpy(), r
            O2[t], TE[t], TR[t], V[t] = nxt, te, tr, ~prev_done
            prev_done = np.logical_or(te, tr)
            obs = nxt
        self.env_steps += int(V.sum())
        self.collecting = None
        return Batch(O, A, U, L, O2, R, TE, TR, V)

    # --- update ------------------------------------------------------------------------------------------------
    def advantages(self, batch: Batch, rewards: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """GAE(lambda) advantages and value targets of ``rewards`` (T, N)."""
        T, N = rewards.shape
        r = np.where(batch.valid, rewards, 0.0).astype(np.float64)
        if self.s.normalize_rewards:
            sd = float(r[batch.valid].std()) if batch.n_valid > 1 else 1.0
            r = r / max(sd, 1e-8)
        with torch.no_grad():
            v = self.v(torch.as_tensor(batch.flat("obs"))).numpy().reshape(T, N).astype(np.float64)
            v2 = self.v(torch.as_tensor(batch.flat("next_obs"))).numpy().reshape(T, N).astype(np.float64)
        g, lam = self.s.discount, self.s.gae_lambda
        adv = np.zeros((T, N))
        last = np.zeros(N)
        for t in range(T - 1, -1, -1):
            end = batch.terminated[t] | batch.truncated[t]
            boot = np.where(batch.terminated[t], 0.0, v2[t])
            delta = r[t] + g * boot - v[t]
            nxt_adv = np.where(end, 0.0, last)
            last = np.where(batch.valid[t], delta + g * lam * nxt_adv, 0.0)
            adv[t] = last
        return adv, adv + v

    def update(self, batch: Batch, rewards: np.ndarray, cancel: CancelCheck = None) -> dict[str, float]:
        """``epochs`` passes of minibatch PPO steps on ``rewards`` (T, N); cancel checked between minibatches."""
        adv, ret = self.advantages(batch, rewards)
        m = batch.valid.reshape(-1)
        obs = torch.as_tensor(batch.flat("obs")[m])
        u = torch.as_tensor(batch.flat("u")[m])
        old = torch.as_tensor(batch.flat("logp")[m])
        A = torch.as_tensor(adv.reshape(-1)[m], dtype=torch.float32)
        A = (A - A.mean()) / (A.std() + 1e-8)
        Rt = torch.as_tensor(ret.reshape(-1)[m], dtype=torch.float32)
        n = len(obs)
        mb = max(n // max(self.s.minibatches, 1), 1)
        stats = {"policy_loss": 0.0, "value_loss": 0.0, "approx_kl": 0.0, "clip_fraction": 0.0}
        count = 0
        for _ in range(self.s.epochs):
            perm = torch.as_tensor(self.rng.permutation(n))
            for k in range(0, n - mb + 1, mb):
                check_cancel(cancel)
                idx = perm[k:k + mb]
                lp = self.policy.log_prob_u(obs[idx], u[idx])
                ratio = torch.exp(lp - old[idx])
                a = A[idx]
                pl = -torch.min(ratio * a, ratio.clamp(1 - self.s.clip, 1 + self.s.clip) * a).mean()
                vl = ((self.v(obs[idx]) - Rt[idx]) ** 2).mean()
                loss = pl + self.s.value_coef * vl
                self.opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_([p for g in self.opt.param_groups for p in g["params"]],
                                         self.s.max_grad_norm)
                self.opt.step()
                with torch.no_grad():
                    stats["policy_loss"] += float(pl)
                    stats["value_loss"] += float(vl)
                    stats["approx_kl"] += float(((ratio - 1) - torch.log(ratio)).mean())
                    stats["clip_fraction"] += float(((ratio - 1).abs() > self.s.clip).float().mean())
                count += 1
        return {k: v / max(count, 1) for k, v in stats.items()}

    # --- state for Cancelled (a step is abandoned with the state unchanged) ------------------------------------
    def state(self) -> dict:
        import copy

        return {"policy": copy.deepcopy(self.policy.state_dict()), "value": copy.deepcopy(self.value.state_dict()),
                "opt": copy.deepcopy(self.opt.state_dict()), "rng": self.rng.bit_generator.state,
                "gen": self.gen.get_state(), "reset_seed": self._reset_seed, "env_steps": self.env_steps,
                "env_rng": self._env_rng().bit_generator.state if self._env_rng() is not None else None}

    def _env_rng(self) -> np.random.Generator | None:
        """The vector environment's own generator when it has one (a numpy-batched env; a SyncVectorEnv has one
        per sub-environment, not restored after a Stop)."""
        rng = getattr(self.venv, "_np_random", None)
        return rng if isinstance(rng, np.random.Generator) else None

    def restore(self, st: dict) -> None:
        self.policy.load_state_dict(st["policy"])
        self.value.load_state_dict(st["value"])
        self.opt.load_state_dict(st["opt"])
        self.rng.bit_generator.state = st["rng"]
        self.gen.set_state(st["gen"])
        self._reset_seed = st["reset_seed"]
        self.env_steps = st["env_steps"]
        if st.get("env_rng") is not None and self._env_rng() is not None:
            self._env_rng().bit_generator.state = st["env_rng"]


def episode_returns(batch: Batch) -> np.ndarray:
    """The true (undiscounted) return of every episode that ends in the batch (valid steps only); the partial sums
    of the agents when none ends (a batch shorter than an episode). On a fixed horizon: the column sums."""
    T, N = batch.valid.shape
    acc = np.zeros(N)
    out: list[np.ndarray] = []
    for t in range(T):
        acc += np.where(batch.valid[t], batch.true_rew[t], 0.0)
        end = (batch.terminated[t] | batch.truncated[t]) & batch.valid[t]
        out.append(acc[end].copy())
        acc[end] = 0.0
    done = np.concatenate(out)
    return done if len(done) else acc


def first_episode_mask(batch: Batch) -> np.ndarray:
    """(T, N) True at the valid steps of each agent's first episode in the batch (GCL's trajectory per column)."""
    ended = np.logical_or(batch.terminated, batch.truncated) & batch.valid
    before = np.concatenate([np.zeros((1, ended.shape[1]), bool), np.cumsum(ended, axis=0)[:-1] > 0])
    return batch.valid & ~before


def finite_bounds(space, data: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The observation box's bounds, the infinite (or huge) ones replaced by the range of ``data`` (n, d) widened by
    half its width (or +-1 without data): a reward net scales every input to about [-1, 1]."""
    lo, hi = np.asarray(space.low, np.float64).copy(), np.asarray(space.high, np.float64).copy()
    bad = ~(np.isfinite(lo) & np.isfinite(hi)) | (hi - lo > 1e6)
    if bad.any():
        if data is not None and len(data):
            dlo, dhi = data.min(axis=0), data.max(axis=0)
            half = np.maximum(0.5 * (dhi - dlo), 1e-3)
            lo[bad], hi[bad] = (dlo - half)[bad], (dhi + half)[bad]
        else:
            lo[bad], hi[bad] = -1.0, 1.0
    return lo, hi
