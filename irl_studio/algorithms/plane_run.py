"""What the continuous tab runs, as picklable build specs for the worker process, and what a run leaves behind.

The tab offers four learners: AIRL with a state-only reward g(s) (the one that transfers), AIRL with g(s, a) (the
contrast), GAIL and GCL. :func:`build_plane_run` builds one on a plane and demonstrations given as their file
dictionaries; the :class:`PlaneRun` it returns steps like the algorithm and, when the run ends, hands back its
artefacts (the reward grid for the views and files, the networks as safetensors bytes for export and transfer), so
nothing but plain data crosses the process boundary. :func:`plan_on` and :func:`build_rl_transfer` re-optimize
under a learned reward; :func:`plane_expert_demos` records the exact expert.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass
from typing import Any

from irl_studio.algorithms.airl import AIRLConfig
from irl_studio.algorithms.base import knob
from irl_studio.algorithms import get_sample_based

GRID_POINTS = 201  # points per axis of the exported reward grid


@dataclass(frozen=True)
class AIRLStateActionConfig(AIRLConfig):
    reward: str = knob("state-action", "g(s) (state-only: the reward that transfers) or g(s, a) (state-action)",
                       choices=("state", "state-action"))


# key: (algorithm, config type, title, tooltip)
LEARNERS: dict[str, tuple[str, type | None, str, str]] = {
    "airl": ("airl", None, "AIRL, state-only reward g(s)",
             "Fu, Luo & Levine 2018: the disentangled reward that transfers to a changed maze"),
    "airl-sa": ("airl", AIRLStateActionConfig, "AIRL, state-action reward g(s, a)",
                "The contrast of Fu et al.'s Table 1: fits the demonstrations, entangled with the dynamics"),
    "gail": ("gail", None, "GAIL", "Ho & Ermon 2016: imitation; -log(1 - D) is not a reward meant to transfer"),
    "gcl": ("gcl", None, "Guided cost learning (GCL)",
            "Finn, Levine & Abbeel 2016: importance-sampled MaxEnt IRL with a learned cost"),
}


def learner_config_type(key: str) -> type:
    name, cfg, _t, _tip = LEARNERS[key]
    return cfg or get_sample_based(name).Config


class PlaneRun:
    """A sample-based algorithm on a plane, stepped as the algorithm is, with its artefacts at the end."""

    def __init__(self, key: str, algo: Any) -> None:
        self.key, self.algo = key, algo
        self.name = key
        self.title = LEARNERS[key][2]

    @property
    def iteration(self) -> int:
        return self.algo.iteration

    @property
    def done(self) -> bool:
        return self.algo.done

    @property
    def cancel_check(self):
        return self.algo.cancel_check

    @cancel_check.setter
    def cancel_check(self, fn) -> None:
        self.algo.cancel_check = fn

    def step(self):
        return self.algo.step()

    def progress(self):
        return self.algo.progress()

    def artefacts(self) -> dict[str, Any]:
        """The learned reward on a fine grid and the networks (safetensors bytes: weights only)."""
        grid = self.algo.reward_grid(GRID_POINTS)
        fd, path = tempfile.mkstemp(suffix=".safetensors")
        os.close(fd)
        try:
            self.algo.save_networks(path, {"learner": self.key})
            with open(path, "rb") as f:
                nets = f.read()
        finally:
            os.unlink(path)
        return {"reward_grid": grid, "networks": nets, "iteration": self.algo.iteration,
                "env_steps": self.algo.env_steps, "config": dataclasses.asdict(self.algo.config)}


def build_plane_run(key: str, plane: dict, demos: dict, config: Any, seed: int) -> PlaneRun:
    """Build learner ``key`` (see :data:`LEARNERS`) on a plane and demonstrations given as file dictionaries."""
    from irl_studio.continuous.demos import demos_from_dict
    from irl_studio.continuous.plane import plane_from_dict

    name = LEARNERS[key][0]
    cls = get_sample_based(name)
    p = plane_from_dict(plane, "the plane")
    return PlaneRun(key, cls(p, demos_from_dict(demos, "the demonstrations"), config, seed))


def _reward(reward: Any) -> Any:
    """A reward grid as it is, or networks (safetensors bytes) as a reward callable."""
    if isinstance(reward, (bytes, bytearray)):
        from irl_studio.continuous.transfer import reward_from_networks

        fd, path = tempfile.mkstemp(suffix=".safetensors")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(reward)
            return reward_from_networks(path)
        finally:
            os.unlink(path)
    return reward


def plan_on(plane: dict, reward: Any):
    """The exact planner under a frozen learned reward (a grid, or networks) on a plane (a file dictionary):
    a PlanResult (path, true return, optimum, reached)."""
    from irl_studio.continuous.plane import plane_from_dict
    from irl_studio.continuous.transfer import plan_transfer

    return plan_transfer(plane_from_dict(plane, "the plane"), _reward(reward))


def build_rl_transfer(plane: dict, reward: Any, seed: int = 0, iterations: int = 150, uniform_start: bool = True):
    """A fresh PPO policy under a frozen learned reward (Steppable)."""
    from irl_studio.continuous.plane import plane_from_dict
    from irl_studio.continuous.transfer import RLTransfer, RLTransferConfig

    config = RLTransferConfig(max_iterations=int(iterations), uniform_start=bool(uniform_start))
    return RLTransfer(plane_from_dict(plane, "the plane"), _reward(reward), config, seed)


def plane_expert_demos(plane: dict, n: int, seed: int = 0):
    """``n`` demonstrations of the exact expert of the true reward."""
    from irl_studio.continuous.demos import expert_demos
    from irl_studio.continuous.plane import plane_from_dict

    return expert_demos(plane_from_dict(plane, "the plane"), n, seed)
