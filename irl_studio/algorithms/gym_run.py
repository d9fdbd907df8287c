"""GCL, GAIL and AIRL on a Gymnasium environment (``gym:ID``): demonstrations checked against it, the per-env
defaults, the learned reward over a 2D slice of the state, and the imitation policy's true return.

    task = make_gym_task("gym:Pendulum-v1", n_envs)
    algo = build_gym_algo("airl", "gym:Pendulum-v1", demos, {"max_iterations": 5}, seed=0)
    algo.run()
    gym_reward_grid(algo, 101)        # RewardGrid over (theta, theta_dot), axes named
    imitation_return(algo, 50)        # the true return of the learned policy (AIRL's Table 2 score)

**Per-env defaults** (:data:`GYM_DEFAULTS`): the knobs whose plane defaults do not fit an environment, applied
unless the caller sets them. Pendulum: the batch of 16 whole episodes (3200 steps), 10 PPO epochs of 16 minibatches
(the expert's own PPO settings), discount 0.9 (:data:`~irl_studio.continuous.gym_envs.DISCOUNTS`), and for AIRL
and GCL an entropy weight of 0.1, for GAIL a discriminator rate of 3e-4 (:data:`GYM_ALGO_DEFAULTS`).

**The slice** (:func:`gym_reward_grid`): the learned state reward (AIRL's g, GCL's -c, GAIL's -log(1 - D) at
a = centre of the action box) at the observations ``state_slice.to_obs(x, y)`` of an n x n grid over its ranges
(Pendulum: obs = (cos theta, sin theta, theta dot) over theta in [-pi, pi], theta dot in [-8, 8]).
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import torch

from irl_studio.algorithms import get_sample_based
from irl_studio.algorithms.base import config_from_mapping
from irl_studio.continuous.demos import DemoError, PlaneDemos, PlaneTrajectory
from irl_studio.continuous.gym_envs import PREFIX, GymTask, generic_slice, make_gym_task, parse_gym_id
from irl_studio.continuous.rewardgrid import RewardGrid

TOL = 1e-5

GYM_DEFAULTS: dict[str, dict[str, Any]] = {
    "Pendulum-v1": {"n_envs": 16, "ppo_epochs": 10, "ppo_minibatches": 16},
    "MountainCarContinuous-v0": {"n_envs": 8, "ppo_epochs": 10, "ppo_minibatches": 32, "policy_lr": 3e-4},
}
# per algorithm: AIRL's and GCL's entropy bonus -log pi at weight 1 keeps Pendulum's policy too wide to balance
# (120 iterations, 50 demonstrations: -480 at 1.0 against -290 at 0.1; scripts/repro_airl_pendulum.py)
GYM_ALGO_DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {
    ("Pendulum-v1", "airl"): {"entropy_weight": 0.1},
    ("Pendulum-v1", "gcl"): {"entropy_weight": 0.1},
    # GAIL's plane rate 1e-3 lets D win late in the run (accuracy 0.9) and the policy collapse: -992 at 150
    # iterations against -306 at 3e-4 (seed 1, 50 demonstrations)
    ("Pendulum-v1", "gail"): {"disc_lr": 3e-4},
}


def validate_gym_demos(task: GymTask, demos: PlaneDemos, source: str | None = None) -> PlaneDemos:
    """Check the demonstrations against the environment (sizes, finite numbers, actions in the box, at most the
    horizon, recorded on this env); actions within 1e-5 of the box are clipped into it."""
    w = f"{source}: " if source else ""
    env = demos.extra.get("env")
    if isinstance(env, str) and env != task.spec_name:
        raise DemoError(f"{w}demonstrations of {env}, not of {task.spec_name}")
    od = task.single_observation_space.shape[0]
    sp = task.single_action_space
    lo, hi = np.asarray(sp.low, np.float64), np.asarray(sp.high, np.float64)
    # an imitation file says only "whole episode": one that ends before the horizon ended in a terminal state
    imitation_terminal = demos.extra.get("imitation_terminal") or []
    out = []
    for i, tr in enumerate(demos.trajectories):
        if tr.obs.shape[1] != od:
            raise DemoError(f"{w}trajectory {i}: observations have {tr.obs.shape[1]} numbers, "
                            f"{task.spec_name} has {od}")
        if len(tr.acts) == 0:
            raise DemoError(f"{w}trajectory {i} has no step")
        if tr.acts.shape[1] != len(lo):
            raise DemoError(f"{w}trajectory {i}: actions have {tr.acts.shape[1]} numbers, {task.spec_name} "
                            f"has {len(lo)}")
        if len(tr.acts) > task.horizon:
            raise DemoError(f"{w}trajectory {i} has {len(tr.acts)} steps but the horizon is {task.horizon}")
        bad = ~np.isfinite(tr.obs).all(axis=1)
        if bad.any():
            raise DemoError(f"{w}trajectory {i}, step {int(np.argmax(bad))}: an observation is not finite")
        bad = ~np.isfinite(tr.acts).all(axis=1) | ((tr.acts < lo - TOL) | (tr.acts > hi + TOL)).any(axis=1)
        if bad.any():
            raise DemoError(f"{w}trajectory {i}, step {int(np.argmax(bad))}: the action is not finite or outside "
                            f"the action box [{lo.tolist()}, {hi.tolist()}]")
        terminated = tr.terminated or (i < len(imitation_terminal) and bool(imitation_terminal[i])
                                       and len(tr.acts) < task.horizon)
        out.append(PlaneTrajectory(tr.obs, np.clip(tr.acts, lo, hi), terminated, tr.rews))
    if not out:
        raise DemoError(f"{w}no demonstrations")
    return PlaneDemos(out, dict(demos.extra))


def gym_config(name: str, spec: str, values: Mapping[str, Any], horizon: int):
    """The algorithm's config: the per-env defaults, then ``values``; ``n_steps`` = the horizon (whole episodes)."""
    cls = get_sample_based(name)
    env_id = parse_gym_id(spec)
    merged = {**GYM_DEFAULTS.get(env_id, {}), **GYM_ALGO_DEFAULTS.get((env_id, name), {}), **dict(values)}
    merged.setdefault("n_steps", horizon)
    fields = set(cls.Config.__dataclass_fields__)
    return config_from_mapping(cls.Config, {k: v for k, v in merged.items() if k in fields})


def build_gym_algo(name: str, spec: str, demos: PlaneDemos, values: Mapping[str, Any] | None = None, seed: int = 0,
                   horizon: int | None = None, termination: str = "absorb", source: str | None = None):
    """GCL / GAIL / AIRL on ``gym:ID`` with the demonstrations (checked); ``values`` override the defaults."""
    values = dict(values or {})
    probe = make_gym_task(spec, 1, horizon, termination)
    h = probe.horizon
    probe.close()
    config = gym_config(name, spec, values, h)
    task = make_gym_task(spec, config.n_envs, horizon, termination)
    demos = validate_gym_demos(task, demos, source)
    algo = get_sample_based(name)(task, demos, config, seed=seed)
    algo.gym_task = task
    return algo


@torch.no_grad()
def gym_reward_grid(algo, n: int = 101) -> RewardGrid:
    """The learned state reward over the task's 2D state slice (n x n points), axes named."""
    task: GymTask = algo.gym_task
    sl = task.state_slice or generic_slice(task.single_observation_space, algo.expert.obs.numpy())
    (x0, x1), (y0, y1) = sl.ranges
    x, y = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    X, Y = np.meshgrid(x, y)
    obs = torch.as_tensor(sl.to_obs(X.ravel(), Y.ravel()), dtype=torch.float32)
    net = algo.exported_reward_net()
    act = None
    if net.act_dim:
        sp = task.single_action_space
        centre = torch.as_tensor(0.5 * (sp.low + sp.high), dtype=torch.float32)
        act = centre.expand(len(obs), net.act_dim)
    v = algo.reward_sign * net(obs, act).double().numpy().reshape(n, n)
    v = algo._grid_transform(v)
    if not np.all(np.isfinite(v)):
        raise DemoError(f"{algo.title}: the learned reward is not finite")
    return RewardGrid(x, y, v, algo.name, None, {"iterations": algo.iteration, "seed": algo.seed,
                                                  "env_steps": algo.env_steps, "termination": task.termination,
                                                  "horizon": task.horizon},
                      axes=sl.names, axis_labels=sl.labels, env=task.spec_name)


def imitation_return(algo, episodes: int = 50, seed: int = 10_000, deterministic: bool = True) -> np.ndarray:
    """The true returns of the learned policy over ``episodes`` episodes of the env's horizon (Table 2's score)."""
    from irl_studio.continuous.expert import evaluate_policy

    task: GymTask = algo.gym_task
    return evaluate_policy(algo.ppo.policy, task.spec_name, episodes, seed, deterministic, task.horizon)


def save_gym_networks(algo, path) -> None:
    """The networks (.safetensors) with the env in the metadata (the wrapper and the views read it)."""
    t: GymTask = algo.gym_task
    sp = t.single_action_space
    algo.save_networks(path, {"env": t.spec_name, "horizon": t.horizon, "termination": t.termination,
                              "discount": t.discount, "act_low": sp.low.tolist(), "act_high": sp.high.tolist()})


__all__ = ["GYM_DEFAULTS", "PREFIX", "build_gym_algo", "gym_config", "gym_reward_grid", "imitation_return",
           "save_gym_networks", "validate_gym_demos"]
