"""Sessions of the continuous tab (``irl-studio.plane-session``): a plane, its demonstrations, the tab's settings
and the learned result (the reward grid, and the networks as base64 safetensors: weights only, never pickle), in one
JSON file. Qt-free.

:class:`PlaneResult` is a learned reward over the plane and what produced it."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from irl_studio import IRLStudioError
from irl_studio.continuous.demos import PlaneDemos, demos_from_dict, demos_to_dict, validate_demos
from irl_studio.continuous.plane import Plane, plane_from_dict, plane_to_dict
from irl_studio.continuous.rewardgrid import RewardGrid, grid_from_dict, grid_to_dict
from irl_studio.core.layout import read_json, write_json

FORMAT = "irl-studio.plane-session"
VERSION = 1
MAX_NETWORK_BYTES = 64 * 2**20


class PlaneSessionError(IRLStudioError):
    """A plane session file is malformed."""


@dataclass(frozen=True, eq=False)
class PlaneResult:
    """A learned reward over the plane and what produced it."""

    learner: str  # "airl", "airl-sa", "gail", "gcl"
    grid: RewardGrid  # the learned state reward on a fine grid (the views, the files, the planner)
    networks: bytes | None  # the networks as safetensors (weights only), once the run has ended
    iterations: int
    seed: int
    plane: dict  # the plane it was learned on (file format)
    metrics: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


def session_to_dict(plane: Plane, demos: PlaneDemos, settings: dict, result: PlaneResult | None) -> dict:
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "plane": plane_to_dict(plane),
                           "demos": demos_to_dict(demos), "settings": settings}
    if result is not None:
        out["learned"] = {"learner": result.learner, "reward": grid_to_dict(result.grid),
                          "iterations": result.iterations, "seed": result.seed, "plane": result.plane,
                          "metrics": result.metrics, "config": result.config}
        if result.networks is not None:
            out["learned"]["networks"] = base64.b64encode(result.networks).decode("ascii")
    return out


def session_from_dict(data: Any, src: str = "session") -> tuple[Plane, PlaneDemos, dict, PlaneResult | None]:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlaneSessionError(f"{src}: not an {FORMAT} file")
    if data.get("version", VERSION) != VERSION:
        raise PlaneSessionError(f"{src}: version {data.get('version')!r}; this IRL Studio reads {VERSION}")
    plane = plane_from_dict(data.get("plane"), f"{src} (plane)")
    demos = demos_from_dict(data.get("demos", {"trajectories": []}), f"{src} (demos)")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise PlaneSessionError(f"{src}: 'settings' must be an object")
    result = None
    learned = data.get("learned")
    if learned is not None:
        if not isinstance(learned, dict):
            raise PlaneSessionError(f"{src}: 'learned' must be an object")
        grid = grid_from_dict(learned.get("reward"), f"{src}: 'learned.reward'")
        nets = learned.get("networks")
        if nets is not None:
            if not isinstance(nets, str) or len(nets) > MAX_NETWORK_BYTES * 4 // 3 + 8:
                raise PlaneSessionError(f"{src}: 'learned.networks' must be a base64 string of safetensors")
            try:
                nets = base64.b64decode(nets.encode("ascii"), validate=True)
            except (binascii.Error, UnicodeEncodeError, ValueError):
                raise PlaneSessionError(f"{src}: 'learned.networks' is not base64") from None
        lp = learned.get("plane")
        if lp is not None:
            plane_from_dict(lp, f"{src} (learned plane)")  # checked: transfer starts from it
        try:
            iterations, seed = int(learned.get("iterations", 0)), int(learned.get("seed", 0))
        except (TypeError, ValueError, OverflowError):
            raise PlaneSessionError(f"{src}: 'learned' has a malformed iterations or seed") from None
        metrics = learned.get("metrics") or {}
        config = learned.get("config") or {}
        if not isinstance(metrics, dict) or not isinstance(config, dict):
            raise PlaneSessionError(f"{src}: 'learned.metrics' and 'learned.config' must be objects")
        learner = learned.get("learner", "")
        result = PlaneResult(str(learner), grid, nets, iterations, seed, lp or plane_to_dict(plane),
                             {k: float(v) for k, v in metrics.items()
                              if isinstance(v, (int, float)) and not isinstance(v, bool)}, config)
    return plane, demos, settings, result


def save_plane_session(path: str | Path, data: dict) -> None:
    write_json(path, data, PlaneSessionError)


def load_plane_session(path: str | Path):
    return session_from_dict(read_json(path, PlaneSessionError), str(path))


def demos_fit(plane: Plane, demos: PlaneDemos) -> str | None:
    """Why the demonstrations do not fit the plane (None when they do)."""
    try:
        validate_demos(plane, demos)
    except IRLStudioError as exc:
        return str(exc)
    return None
