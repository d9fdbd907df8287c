"""Experts of Gymnasium environments: a policy trained on the true reward by the project's own PPO
(:mod:`irl_studio.continuous.ppo`), its ``.safetensors`` file, the shipped experts, and demonstrations recorded
from it.

**File** (``irl-studio.expert-policy``): the policy's tensors (weights only, never pickle) and JSON metadata: the env
id, the policy ``kind`` and ``hidden`` sizes, the observation and action bounds (non-finite bounds as null), the
training run (seed, iterations, env steps, mean return). :func:`load_expert` rebuilds the policy from the metadata
alone and loads the weights into it; nothing in the file is executed.

**Training** (:func:`train_expert`): PPO on the environment's reward, ``iterations`` batches of ``n_envs`` whole
episodes (the horizon), GAE with the task's discount; the mean return of the deterministic policy is measured
at the end (:func:`evaluate_policy`). MountainCar's goal is found by exploring starts (the first 60 % of the
batches start anywhere on the hill, :data:`EXPLORING_STARTS`), never by changing the reward.

**Demonstrations** (:func:`record_demos`): ``n`` episodes of the expert's deterministic action squash(mu(s)) (or
samples, ``stochastic=True``) on the raw environment (no absorbing state: a terminated episode is stored as it
ended, ``terminated`` true); seeds ``seed, seed + 1, ...`` of the env's reset.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from gymnasium import spaces

from irl_studio import IRLStudioError
from irl_studio.continuous.demos import PlaneDemos, PlaneTrajectory
from irl_studio.continuous.gym_envs import PREFIX, make_gym_env, make_gym_task, parse_gym_id
from irl_studio.continuous.policy import make_policy
from irl_studio.continuous.ppo import PPO, PPOSettings

FORMAT = "irl-studio.expert-policy"
SHIPPED = {"Pendulum-v1": "pendulum-v1.safetensors",
           "MountainCarContinuous-v0": "mountaincarcontinuous-v0.safetensors"}


class ExpertError(IRLStudioError):
    """An expert policy file cannot be read or written, or does not fit the environment (file named)."""


def _bounds(a) -> list:
    return [float(x) if np.isfinite(x) else None for x in np.asarray(a, np.float64)]


def _unbounds(v: Any, where: str, sign: float) -> np.ndarray:
    if not isinstance(v, list) or not 1 <= len(v) <= 4096:
        raise ExpertError(f"{where}: the bounds in the metadata are not valid")
    try:
        return np.array([sign * np.inf if x is None else float(x) for x in v], np.float32)
    except (TypeError, ValueError):
        raise ExpertError(f"{where}: the bounds in the metadata are not valid") from None


def save_expert(path: str | Path, policy, env_id: str, obs_space: spaces.Box, act_space: spaces.Box,
                info: dict[str, Any] | None = None) -> None:
    """The policy's weights as safetensors, its architecture, spaces and env as JSON metadata; written atomically."""
    from safetensors.torch import save

    p = Path(path)
    meta = {"format": FORMAT, "env": PREFIX + env_id, "kind": policy.kind, "hidden": list(policy.hidden),
            "obs_low": _bounds(obs_space.low), "obs_high": _bounds(obs_space.high),
            "act_low": _bounds(act_space.low), "act_high": _bounds(act_space.high), "info": info or {}}
    tensors = {k: v.detach().contiguous().clone() for k, v in policy.state_dict().items()}
    md = {"format": FORMAT, "meta": json.dumps(meta, allow_nan=False, default=str)}
    try:
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_bytes(save(tensors, metadata=md))
        tmp.replace(p)
    except OSError as exc:
        raise ExpertError(f"{p}: cannot be written ({exc.strerror or exc})") from None


def load_expert(path: str | Path):
    """(policy, metadata) of an expert file written by :func:`save_expert`."""
    from safetensors import SafetensorError
    from safetensors.torch import load

    from irl_studio.continuous.nets import _metadata

    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ExpertError(f"{p}: no such file") from None
    except OSError as exc:
        raise ExpertError(f"{p}: cannot be read ({exc.strerror or exc})") from None
    try:
        tensors = load(raw)
        md = _metadata(raw)
        meta = json.loads(md.get("meta", "{}"))
    except (SafetensorError, ValueError, RuntimeError, OverflowError, UnicodeDecodeError, TypeError,
            RecursionError) as exc:
        raise ExpertError(f"{p}: not a readable .safetensors file ({str(exc)[:120]})") from None
    if md.get("format") != FORMAT or not isinstance(meta, dict):
        raise ExpertError(f"{p}: not an IRL Studio expert policy (no '{FORMAT}' metadata)")
    if meta.get("kind") != "squashed-gaussian":
        raise ExpertError(f"{p}: policy kind {meta.get('kind')!r} is not supported")
    try:
        hidden = tuple(int(h) for h in meta["hidden"])
        if len(hidden) > 16 or any(not 1 <= h <= 4096 for h in hidden):
            raise ValueError
    except (KeyError, TypeError, ValueError):
        raise ExpertError(f"{p}: the hidden sizes in the metadata are not valid") from None
    olo, ohi = _unbounds(meta.get("obs_low"), str(p), -1.0), _unbounds(meta.get("obs_high"), str(p), 1.0)
    alo, ahi = _unbounds(meta.get("act_low"), str(p), -1.0), _unbounds(meta.get("act_high"), str(p), 1.0)
    if len(olo) != len(ohi) or len(alo) != len(ahi) or not np.all(np.isfinite(alo) & np.isfinite(ahi)):
        raise ExpertError(f"{p}: the bounds in the metadata are not valid")
    pol = make_policy(spaces.Box(olo, ohi, dtype=np.float32), spaces.Box(alo, ahi, dtype=np.float32), hidden)
    try:
        pol.load_state_dict({k: v.float() for k, v in tensors.items()})
    except (RuntimeError, KeyError, TypeError):
        raise ExpertError(f"{p}: the weights do not fit the architecture in the metadata") from None
    if not all(torch.isfinite(v).all() for v in pol.state_dict().values()):
        raise ExpertError(f"{p}: the weights are not finite")
    pol.requires_grad_(False)
    return pol, meta


def shipped_expert_path(env_id: str) -> Path | None:
    """The expert shipped in the package for ``env_id`` (irl_studio/data/experts), or None."""
    name = SHIPPED.get(env_id)
    if name is None:
        return None
    p = Path(str(resources.files("irl_studio.data").joinpath("experts", name)))
    return p if p.is_file() else None


def expert_for(spec: str, path: str | Path | None = None):
    """(policy, metadata): the given expert file (checked against the env's spaces) or the shipped one."""
    env_id = parse_gym_id(spec)
    env = make_gym_env(spec, termination="none")  # unsupported spaces are refused first
    od, ad = env.observation_space.shape[0], env.action_space.shape[0]
    env.close()
    if path is None:
        path = shipped_expert_path(env_id)
        if path is None:
            raise ExpertError(f"{PREFIX}{env_id}: no shipped expert; train one (scripts/train_gym_expert.py) and "
                              f"give it with --expert FILE.safetensors")
    pol, meta = load_expert(path)
    if meta.get("env") not in (None, PREFIX + env_id):
        raise ExpertError(f"{path}: an expert of {meta.get('env')}, not of {PREFIX}{env_id}")
    if len(pol.scaler.c) != od or len(pol.ac) != ad:
        raise ExpertError(f"{path}: the policy's observation / action sizes do not fit {PREFIX}{env_id}")
    return pol, meta


@torch.no_grad()
def evaluate_policy(policy, spec: str, episodes: int = 20, seed: int = 0, deterministic: bool = True,
                    horizon: int | None = None) -> np.ndarray:
    """The true (undiscounted) return of ``episodes`` episodes of ``policy`` on the raw environment (the TimeLimit
    horizon or ``horizon``), run as one vector env; seeds seed, seed + 1, ..."""
    task = make_gym_task(spec, episodes, horizon, termination="absorb")
    obs, _ = task.reset(seed=seed)
    gen = torch.Generator().manual_seed(seed)
    total = np.zeros(episodes)
    for _ in range(task.horizon):
        o = torch.as_tensor(obs, dtype=torch.float32)
        a = policy.mode(o) if deterministic else policy.sample(o, gen)[0]
        obs, r, _te, _tr, _ = task.step(a.numpy())
        total += r  # absorbing steps score 0: the episode's return
    task.close()
    return total


def expert_settings(env_id: str) -> tuple[PPOSettings, int, int]:
    """(PPO settings, iterations, n_envs) that train a good expert on ``env_id`` (the shipped experts')."""
    from irl_studio.continuous.gym_envs import DISCOUNTS

    g = DISCOUNTS.get(env_id, 0.99)
    if env_id == "MountainCarContinuous-v0":
        return PPOSettings(lr=3e-4, epochs=10, minibatches=32, discount=g, gae_lambda=0.9, log_std_init=0.0,
                           hidden=(64, 64)), 60, 8
    return PPOSettings(lr=1e-3, epochs=10, minibatches=16, discount=g, gae_lambda=0.95, log_std_init=-0.5,
                       hidden=(64, 64)), 250, 16


# reset options of the first 60 % of training (the true reward throughout; the evaluation uses the env's own starts)
EXPLORING_STARTS: dict[str, dict[str, float]] = {"MountainCarContinuous-v0": {"low": -1.2, "high": 0.5}}


def train_expert(spec: str, seed: int = 0, iterations: int | None = None, n_envs: int | None = None,
                 settings: PPOSettings | None = None, callback: Callable[[int, float], None] | None = None) -> PPO:
    """PPO on the environment's true reward (absorbing termination, whole episodes per batch)."""
    env_id = parse_gym_id(spec)
    s0, it0, ne0 = expert_settings(env_id)
    task = make_gym_task(spec, n_envs or ne0, termination="absorb")
    with torch.random.fork_rng(devices=[]):
        ppo = PPO(task, settings or s0, seed=seed)
    n_it = iterations or it0
    starts = EXPLORING_STARTS.get(env_id)
    for i in range(n_it):
        # exploring starts (MountainCar: a car started anywhere on the hill finds the goal, which a car started in
        # the valley with undirected noise does not), then the env's own start distribution
        opts = starts if starts is not None and i < int(0.6 * n_it) else None
        batch = ppo.collect(task.horizon, options=opts)
        ppo.update(batch, batch.true_rew)
        if callback is not None:
            callback(i + 1, float(batch.true_rew.sum(0).mean()))
    return ppo


def record_demos(policy, spec: str, n: int, seed: int = 0, stochastic: bool = False,
                 horizon: int | None = None) -> PlaneDemos:
    """``n`` expert episodes on the raw env (terminated ones end there), as demonstrations with their rewards."""
    env = make_gym_env(spec, horizon, termination="none")
    env_id = parse_gym_id(spec)
    gen = torch.Generator().manual_seed(int(seed))
    trs, rets = [], []
    with torch.no_grad():
        for i in range(int(n)):
            obs, _ = env.reset(seed=int(seed) + i)
            o, a, r = [obs], [], []
            done, term = False, False
            while not done:
                ot = torch.as_tensor(obs, dtype=torch.float32)[None]
                act = (policy.sample(ot, gen)[0] if stochastic else policy.mode(ot))[0].numpy()
                obs, rew, term, trunc, _ = env.step(act)
                o.append(obs)
                a.append(act)
                r.append(float(rew))
                done = term or trunc
            trs.append(PlaneTrajectory(np.array(o), np.array(a), terminated=bool(term), rews=np.array(r)))
            rets.append(sum(r))
    env.close()
    return PlaneDemos(trs, {"env": PREFIX + env_id, "expert": "policy", "seed": int(seed),
                            "stochastic": bool(stochastic), "mean_return": float(np.mean(rets))})
