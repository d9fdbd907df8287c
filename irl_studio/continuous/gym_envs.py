"""Gymnasium environments by id (``gym:Pendulum-v1``, ``gym:MountainCarContinuous-v0``, any env with a flat Box
observation and a bounded flat Box action), as the vector environments the sample-based IRL algorithms step.

:func:`make_gym_task` builds ``gymnasium.make_vec(id, num_envs, vectorization_mode=...)`` (the env's own vectorized
form where Gymnasium registers a ``vector_entry_point``, else ``"sync"``) and wraps it in a :class:`GymTask`: the
vector env plus what learning needs to know about it (``horizon``, ``discount``, ``termination``, the 2D
``state_slice`` the reward views draw).

**Horizon.** The env's ``max_episode_steps`` (its TimeLimit; Pendulum 200, MountainCarContinuous 999) unless
overridden.

**Episodes that end (termination).** MountainCarContinuous terminates at the goal. Variable-length episodes bias the
adversarial IRL algorithms: a learned reward that is positive (negative) everywhere makes the learner prolong
(shorten) its episodes whatever the demonstrations show (the survival / early-termination bias that ``imitation``'s
issues #279 and #324 trace AIRL's failures to). Two treatments, chosen by ``termination``:

* ``"absorb"`` (the default; ``seals``' fixed-horizon environments, Gleave et al. 2020): at termination the episode
  does *not* end; the agent stays in an absorbing state (the terminal observation, repeated; true reward 0; actions
  ignored) until the horizon. Every episode then lasts exactly ``horizon`` steps, as on the plane: the learned
  reward's value in the absorbing state is learned like any other (the expert's terminated demonstrations are
  padded the same way, :func:`~irl_studio.algorithms.sample_based.expert_data`), and no algorithm sees an end.
  The true return of an episode is unchanged (the absorbing steps score 0).
* ``"end"``: episodes end at termination (Gymnasium's autoreset fills the slot). AIRL's f then drops the shaping
  term at the end, f = g(s) + gamma (1 - done) h(s') - h(s) (its code already does), GCL's per-trajectory cost and
  log-density sum only the first episode of each rollout (never autoreset filler), PPO bootstraps no value past a
  termination. The survival bias of g itself remains; that is why ``"absorb"`` is the default.

Observation spaces with infinite bounds are fine: the policy leaves such dimensions unscaled, the reward nets scale
them by the demonstrations' range (:meth:`SampleBasedIRL.new_net`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import gymnasium
import numpy as np
from gymnasium import spaces
from gymnasium.vector import VectorWrapper

from irl_studio import IRLStudioError

PREFIX = "gym:"
TERMINATIONS = ("absorb", "end")
MAX_HORIZON = 100_000


class GymEnvError(IRLStudioError):
    """A Gymnasium environment cannot be used (unknown id, unsupported spaces): one line, the id named."""


@dataclass(frozen=True)
class StateSlice:
    """A 2D slice of the state for the reward views: axis ``names`` / ``labels`` and ``ranges``, ``to_obs``
    mapping the points (x, y) of the slice to observations (n, obs_dim), and ``from_obs`` back (None: the slice
    is not the whole state, an observation has no place on it)."""

    names: tuple[str, str]
    labels: tuple[str, str]
    ranges: tuple[tuple[float, float], tuple[float, float]]
    to_obs: Callable[[np.ndarray, np.ndarray], np.ndarray]
    from_obs: Callable[[np.ndarray], np.ndarray] | None = None


def _pendulum_obs(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """angle theta (0 = upright), angular velocity -> obs (cos theta, sin theta, theta dot)."""
    return np.stack([np.cos(x), np.sin(x), y], axis=1)


def _pendulum_state(obs: np.ndarray) -> np.ndarray:
    """obs (n, 3) -> (theta, theta dot) (n, 2), theta = atan2(sin, cos) in [-pi, pi]."""
    return np.stack([np.arctan2(obs[:, 1], obs[:, 0]), obs[:, 2]], axis=1)


def _identity2(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.stack([x, y], axis=1)


def _first2(obs: np.ndarray) -> np.ndarray:
    return np.asarray(obs)[:, :2]


KNOWN_SLICES: dict[str, StateSlice] = {
    "Pendulum-v1": StateSlice(("theta", "theta_dot"), ("angle θ (rad, 0 = upright)", "angular velocity θ̇ (rad/s)"),
                              ((-np.pi, np.pi), (-8.0, 8.0)), _pendulum_obs, _pendulum_state),
    "MountainCarContinuous-v0": StateSlice(("position", "velocity"), ("position x", "velocity ẋ"),
                                           ((-1.2, 0.6), (-0.07, 0.07)), _identity2, _first2),
}


def generic_slice(space: spaces.Box, data: np.ndarray | None = None) -> StateSlice:
    """Observation dimensions 0 and 1 (the others at the centre of their bounds, 0 where unbounded); a range that
    is unbounded is the demonstrations' (``data``, (n, obs_dim)), else [-1, 1]."""
    lo, hi = np.asarray(space.low, np.float64), np.asarray(space.high, np.float64)
    if lo.shape[0] < 2:
        raise GymEnvError("a reward slice needs an observation of at least 2 numbers")
    ranges = []
    for k in (0, 1):
        if np.isfinite(lo[k]) and np.isfinite(hi[k]) and hi[k] > lo[k]:
            ranges.append((float(lo[k]), float(hi[k])))
        elif data is not None and len(data) and np.ptp(data[:, k]) > 0:
            ranges.append((float(data[:, k].min()), float(data[:, k].max())))
        else:
            ranges.append((-1.0, 1.0))
    centre = np.where(np.isfinite(lo) & np.isfinite(hi), 0.5 * (lo + hi), 0.0)

    def to_obs(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        out = np.broadcast_to(centre, (len(x), len(centre))).copy()
        out[:, 0], out[:, 1] = x, y
        return out

    return StateSlice(("obs0", "obs1"), ("observation 0", "observation 1"), (ranges[0], ranges[1]), to_obs)


def parse_gym_id(spec: str) -> str:
    """``gym:ID`` -> ``ID`` (a registered Gymnasium id), or a one-line error."""
    env_id = spec[len(PREFIX):] if spec.startswith(PREFIX) else spec
    if not env_id:
        raise GymEnvError(f"{spec!r}: name a Gymnasium environment, e.g. gym:Pendulum-v1")
    if env_id not in gymnasium.registry:
        near = [k for k in gymnasium.registry if k.lower().startswith(env_id.split("-")[0].lower()[:6])][:3]
        hint = f" (did you mean {', '.join(PREFIX + k for k in near)}?)" if near else \
            " (e.g. gym:Pendulum-v1, gym:MountainCarContinuous-v0)"
        raise GymEnvError(f"{PREFIX}{env_id}: no such Gymnasium environment{hint}")
    return env_id


def check_spaces(env_id: str, obs_space: Any, act_space: Any) -> None:
    """Flat Box observations; a flat, bounded Box of actions (the tanh-Gaussian policy squashes into it)."""
    if not isinstance(obs_space, spaces.Box):
        raise GymEnvError(f"{PREFIX}{env_id}: observations are {type(obs_space).__name__}, not a Box")
    if len(obs_space.shape) != 1:
        raise GymEnvError(f"{PREFIX}{env_id}: observations of shape {obs_space.shape} (images?) are not supported; "
                          f"a flat vector is")
    if isinstance(act_space, spaces.Discrete):
        raise GymEnvError(f"{PREFIX}{env_id}: Discrete actions are not supported on Gymnasium environments "
                          f"(a bounded Box is)")
    if not isinstance(act_space, spaces.Box) or len(act_space.shape) != 1:
        raise GymEnvError(f"{PREFIX}{env_id}: actions must be a flat Box, not {act_space}")
    if not (np.all(np.isfinite(act_space.low)) and np.all(np.isfinite(act_space.high))):
        raise GymEnvError(f"{PREFIX}{env_id}: the action Box must be bounded")


class AbsorbAfterTermination(gymnasium.Wrapper):
    """Fixed horizon: at termination the agent stays in the terminal observation (true reward 0, actions ignored,
    ``info["absorbed"]``) until ``horizon`` steps; it never terminates, it truncates at the horizon."""

    def __init__(self, env: gymnasium.Env, horizon: int) -> None:
        super().__init__(env)
        self.horizon = int(horizon)
        self._t = 0
        self._absorbed = False
        self._last = None

    def reset(self, **kw):
        self._t, self._absorbed = 0, False
        obs, info = self.env.reset(**kw)
        self._last = obs
        return obs, info

    def step(self, action):
        self._t += 1
        trunc = self._t >= self.horizon
        if self._absorbed:
            return self._last, 0.0, False, trunc, {"absorbed": True}
        obs, r, te, tr, info = self.env.step(action)
        self._last = obs
        if te:
            self._absorbed = True
            info = {**info, "terminated_at": self._t}
        return obs, r, False, bool(trunc or tr), info


class _Horizon(gymnasium.Wrapper):
    """Truncate at ``horizon`` steps (an override of the env's TimeLimit, shorter or longer)."""

    def __init__(self, env: gymnasium.Env, horizon: int) -> None:
        super().__init__(env)
        self.horizon, self._t = int(horizon), 0

    def reset(self, **kw):
        self._t = 0
        return self.env.reset(**kw)

    def step(self, action):
        self._t += 1
        obs, r, te, tr, info = self.env.step(action)
        return obs, r, te, bool(tr or self._t >= self.horizon), info


class GymTask(VectorWrapper):
    """A Gymnasium vector env with what learning needs: ``env_id``, ``horizon``, ``discount``, ``termination``,
    ``state_slice`` (None: no known slice; :func:`generic_slice` then)."""

    def __init__(self, venv, env_id: str, horizon: int, discount: float, termination: str) -> None:
        super().__init__(venv)
        self.env_id, self.horizon, self.discount, self.termination = env_id, int(horizon), float(discount), termination
        self.state_slice = KNOWN_SLICES.get(env_id)

    @property
    def spec_name(self) -> str:
        return PREFIX + self.env_id


# discounts: Pendulum's swing-up is learned far faster with a short effective horizon (RL Zoo: gamma 0.9 for PPO)
DISCOUNTS = {"Pendulum-v1": 0.9, "MountainCarContinuous-v0": 0.99}


def _make(env_id: str, **kw) -> gymnasium.Env:
    try:
        return gymnasium.make(env_id, **kw)
    except (gymnasium.error.Error, ImportError, TypeError, ValueError) as exc:
        raise GymEnvError(f"{PREFIX}{env_id}: cannot be made ({str(exc).splitlines()[0][:200]})") from None


def env_horizon(env_id: str, horizon: int | None = None) -> int:
    if horizon is not None:
        if not 1 <= int(horizon) <= MAX_HORIZON:
            raise GymEnvError(f"--horizon must be between 1 and {MAX_HORIZON}")
        return int(horizon)
    h = gymnasium.spec(env_id).max_episode_steps
    if not h:
        raise GymEnvError(f"{PREFIX}{env_id} has no time limit (max_episode_steps): give --horizon")
    return int(h)


def make_gym_env(spec: str, horizon: int | None = None, termination: str = "absorb") -> gymnasium.Env:
    """One environment (recording demonstrations, the wrapper): ``gymnasium.make`` with the same horizon and
    termination treatment as :func:`make_gym_task`. ``termination="none"``: the raw env at the horizon."""
    env_id = parse_gym_id(spec)
    h = env_horizon(env_id, horizon)
    env = _make(env_id, max_episode_steps=h)
    check_spaces(env_id, env.observation_space, env.action_space)
    return AbsorbAfterTermination(env, h) if termination == "absorb" else env


def make_gym_task(spec: str, num_envs: int = 16, horizon: int | None = None, termination: str = "absorb",
                  discount: float | None = None) -> GymTask:
    """``gymnasium.make_vec`` of ``gym:ID`` (its vector entry point where it has one, else sync), checked."""
    if termination not in TERMINATIONS:
        raise GymEnvError(f"termination {termination!r}: one of {', '.join(TERMINATIONS)}")
    env_id = parse_gym_id(spec)
    h = env_horizon(env_id, horizon)
    gspec = gymnasium.spec(env_id)
    probe = _make(env_id)  # check the spaces before building num_envs copies
    try:
        check_spaces(env_id, probe.observation_space, probe.action_space)
    finally:
        probe.close()
    if gspec.vector_entry_point is not None and termination == "end" and horizon is None:
        venv = gymnasium.make_vec(env_id, num_envs=int(num_envs), vectorization_mode="vector_entry_point")
    else:  # the wrappers need one env per agent
        wrap = (lambda e: AbsorbAfterTermination(e, h)) if termination == "absorb" else (lambda e: _Horizon(e, h))
        venv = gymnasium.make_vec(env_id, num_envs=int(num_envs), vectorization_mode="sync",
                                  vector_kwargs={"autoreset_mode": gymnasium.vector.AutoresetMode.NEXT_STEP},
                                  wrappers=[wrap], max_episode_steps=h)
    g = DISCOUNTS.get(env_id, 0.99) if discount is None else float(discount)
    return GymTask(venv, env_id, h, g, termination)
