"""Plane demonstrations: the ``irl-studio.plane-demos`` file (obs L + 1, acts L: ``imitation``'s Trajectory layout),
validation against a plane, expert demonstrations from the exact planner, and a mouse drag turned into a
demonstration.

A step is legal when it moves at most ``max_step`` (+1e-6) along each axis, stays inside the bounds and does not
cross a wall (the straight move keeps the clearance ``wall_radius + agent_radius``, 1e-6 of tolerance). For velocity
dynamics ``acts`` may be omitted (a = (p' - p) / max_step); given actions must be finite and within [-1, 1]
(+1e-6); they are not required to reproduce the move exactly (a demonstrator who pushes into a wall slides).

**A drag** (:func:`demo_from_drag`) is resampled to steps of at most ``max_step`` along each axis. Where the polyline
runs into a wall the demonstration *stops at the wall*: it keeps the part up to the last legal point before the
contact and reports why it stopped (``DragResult.stopped``); a drag that starts inside a wall or off the plane is
refused with the reason (:class:`DemoError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from irl_studio import IRLStudioError
from irl_studio.continuous.plane import Plane, segment_is_free
from irl_studio.core.layout import read_json, write_json

FORMAT = "irl-studio.plane-demos"
VERSION = 1
TOL = 1e-6
MAX_TRAJECTORIES = 100_000


class DemoError(IRLStudioError):
    """A plane demonstration file is malformed, or a trajectory is impossible on the plane (trajectory and step
    named)."""


@dataclass(frozen=True, eq=False)
class PlaneTrajectory:
    obs: np.ndarray  # (L + 1, obs_dim)
    acts: np.ndarray  # (L, act_dim)
    terminated: bool = False  # the episode ended in a terminal state (not at a time limit): obs[-1] is terminal
    rews: np.ndarray | None = None  # (L,) the true rewards, when known (a recorded expert)

    def __post_init__(self) -> None:
        for name in ("obs", "acts", "rews"):
            if getattr(self, name) is None:
                continue
            a = np.array(getattr(self, name), dtype=np.float64, copy=True)
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        object.__setattr__(self, "terminated", bool(self.terminated))

    def __len__(self) -> int:
        return len(self.acts)


@dataclass
class PlaneDemos:
    trajectories: list[PlaneTrajectory] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.trajectories)


def _w(source: str | None) -> str:
    return f"{source}: " if source else ""


def _matrix(v: Any, where: str) -> np.ndarray:
    if not isinstance(v, list) or not all(isinstance(r, list) for r in v):
        raise DemoError(f"{where} must be a list of rows of numbers")
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) for r in v for x in r):
        raise DemoError(f"{where} must hold numbers only")
    try:
        a = np.array(v, dtype=np.float64)
    except (ValueError, OverflowError):
        raise DemoError(f"{where} must be rows of equal length") from None
    if a.ndim != 2 and not (a.ndim == 1 and a.size == 0):
        raise DemoError(f"{where} must be rows of equal length")
    return a.reshape(len(v), -1) if a.size else np.zeros((len(v), 0))


def demos_from_dict(data: Any, source: str | None = None) -> PlaneDemos:
    """Parse the document (shapes and numbers); :func:`validate_demos` checks it against a plane."""
    w = _w(source)
    if not isinstance(data, dict):
        raise DemoError(f"{w}a plane demonstrations file must hold a JSON object")
    if data.get("format", FORMAT) != FORMAT:
        raise DemoError(f"{w}'format' is {data.get('format')!r}, expected {FORMAT!r}")
    if data.get("version", VERSION) != VERSION:
        raise DemoError(f"{w}'version' is {data.get('version')!r}; this IRL Studio reads version {VERSION}")
    trs = data.get("trajectories")
    if not isinstance(trs, list):
        raise DemoError(f"{w}'trajectories' must be a list")
    if len(trs) > MAX_TRAJECTORIES:
        raise DemoError(f"{w}{len(trs)} trajectories; at most {MAX_TRAJECTORIES} are read")
    out = []
    for i, tr in enumerate(trs):
        if not isinstance(tr, dict) or "obs" not in tr:
            raise DemoError(f"{w}trajectory {i} must be an object with 'obs' (and 'acts')")
        obs = _matrix(tr["obs"], f"{w}trajectory {i}: 'obs'")
        if len(obs) < 1:
            raise DemoError(f"{w}trajectory {i}: 'obs' is empty")
        if "acts" in tr and tr["acts"] is not None:
            acts = _matrix(tr["acts"], f"{w}trajectory {i}: 'acts'")
            if len(acts) != len(obs) - 1:
                raise DemoError(f"{w}trajectory {i}: {len(obs)} observations need {len(obs) - 1} actions, "
                                f"not {len(acts)}")
        else:
            acts = np.full((len(obs) - 1, 0), np.nan)  # filled in by validate_demos (velocity dynamics)
        terminated = tr.get("terminated", False)
        if not isinstance(terminated, bool):
            raise DemoError(f"{w}trajectory {i}: 'terminated' must be true or false")
        rews = None
        if tr.get("rews") is not None:
            rews = _matrix([[x] for x in tr["rews"]] if isinstance(tr["rews"], list) else None,
                           f"{w}trajectory {i}: 'rews'")[:, 0]
            if len(rews) != len(obs) - 1 or not np.all(np.isfinite(rews)):
                raise DemoError(f"{w}trajectory {i}: 'rews' must hold {len(obs) - 1} finite numbers")
        out.append(PlaneTrajectory(obs, acts, terminated, rews))
    extra = {k: v for k, v in data.items() if k not in ("format", "version", "trajectories")}
    return PlaneDemos(out, extra)


def demos_to_dict(demos: PlaneDemos) -> dict[str, Any]:
    return {"format": FORMAT, "version": VERSION,
            **{k: v for k, v in demos.extra.items() if k not in ("format", "version", "trajectories")},
            "trajectories": [_traj_dict(tr) for tr in demos.trajectories]}


def _traj_dict(tr: PlaneTrajectory) -> dict[str, Any]:
    """A trajectory's JSON; ``terminated`` and ``rews`` only when set (plane files stay as they were)."""
    d: dict[str, Any] = {"obs": tr.obs.tolist(), "acts": tr.acts.tolist()}
    if tr.terminated:
        d["terminated"] = True
    if tr.rews is not None:
        d["rews"] = tr.rews.tolist()
    return d


def load_plane_demos(path: str | Path, plane: Plane | None = None) -> PlaneDemos:
    demos = demos_from_dict(read_json(path, DemoError), source=str(path))
    return validate_demos(plane, demos, source=str(path)) if plane is not None else demos


def save_plane_demos(demos: PlaneDemos, path: str | Path) -> None:
    write_json(path, demos_to_dict(demos), DemoError)


def check_step(plane: Plane, p: np.ndarray, q: np.ndarray) -> str | None:
    """Why the move p -> q is not a legal step (None when it is)."""
    d = np.abs(q - p)
    if np.any(d > plane.max_step + TOL):
        return f"moves {d.max():.4g} along an axis, more than max_step {plane.max_step:g}"
    box = plane.free_box
    if np.any(q < box[:, 0] - TOL) or np.any(q > box[:, 1] + TOL):
        return f"leaves the bounds at ({q[0]:.4g}, {q[1]:.4g})"
    if not segment_is_free(plane, p, q, tol=TOL)[0]:
        return f"crosses a wall (to ({q[0]:.4g}, {q[1]:.4g}))"
    return None


def validate_demos(plane: Plane, demos: PlaneDemos, source: str | None = None) -> PlaneDemos:
    """Check every trajectory against ``plane``; returns the demonstrations with velocity actions filled in."""
    w = _w(source)
    od = plane.obs_dim
    out = []
    for i, tr in enumerate(demos.trajectories):
        obs, acts = tr.obs, tr.acts
        if obs.shape[1] != od:
            raise DemoError(f"{w}trajectory {i}: observations have {obs.shape[1]} numbers, the plane's "
                            f"{plane.dynamics} dynamics have {od}")
        if len(acts) > plane.horizon:
            raise DemoError(f"{w}trajectory {i} has {len(acts)} steps but the horizon is {plane.horizon}")
        bad = ~np.isfinite(obs).all(axis=1)
        if bad.any():
            raise DemoError(f"{w}trajectory {i}, step {int(np.argmax(bad))}: an observation is not finite")
        if acts.shape[1] == 0:
            if plane.dynamics != "velocity":
                raise DemoError(f"{w}trajectory {i}: 'acts' is required for {plane.dynamics} dynamics")
            acts = np.clip((obs[1:, :2] - obs[:-1, :2]) / plane.max_step, -1.0, 1.0)
        if acts.shape[1] != 2:
            raise DemoError(f"{w}trajectory {i}: actions have {acts.shape[1]} numbers, not 2")
        bad = ~np.isfinite(acts).all(axis=1) | (np.abs(acts) > 1 + TOL).any(axis=1)
        if bad.any():
            raise DemoError(f"{w}trajectory {i}, step {int(np.argmax(bad))}: the action is not finite or "
                            f"outside [-1, 1]")
        if not plane.is_free(obs[:1, :2], TOL)[0]:
            raise DemoError(f"{w}trajectory {i}, step 0: starts inside a wall or off the plane")
        for t in range(len(acts)):
            why = check_step(plane, obs[t, :2], obs[t + 1, :2])
            if why:
                raise DemoError(f"{w}trajectory {i}, step {t}: {why}")
        out.append(PlaneTrajectory(obs, np.clip(acts, -1.0, 1.0), tr.terminated, tr.rews))
    return PlaneDemos(out, dict(demos.extra))


def expert_demos(plane: Plane, n: int, seed: int = 0, resolution: int = 4) -> PlaneDemos:
    """``n`` demonstrations of the exact planner under the true reward, from starts drawn as the environment does
    (start +- start_noise). Velocity dynamics."""
    from irl_studio.continuous.env import start_positions
    from irl_studio.continuous.planner import plan_paths, solve

    if plane.dynamics != "velocity":
        raise DemoError("the exact expert plans velocity dynamics; this plane has force dynamics")
    rng = np.random.default_rng(seed)
    starts = start_positions(plane, rng, int(n))
    solved = solve(plane, None, resolution)
    trs = [PlaneTrajectory(pos, acts) for pos, acts in plan_paths(plane, starts, None, resolution, solved)]
    return PlaneDemos(trs, {"expert": "planner", "seed": int(seed), "plane": plane.name})


@dataclass(frozen=True)
class DragResult:
    trajectory: PlaneTrajectory | None  # None when nothing legal was left (a click without a drag)
    stopped: str | None  # why the demonstration ends before the drag's end (a wall, the horizon), else None


def demo_from_drag(plane: Plane, points: np.ndarray) -> DragResult:
    """A mouse drag (a polyline of plane points, from press to release) as a demonstration: the first point is the
    start; the polyline is walked in steps of at most ``max_step`` per axis (each segment split evenly); it stops at
    the last legal point before a wall or the bounds, and at the horizon."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) == 0 or not np.all(np.isfinite(pts)):
        raise DemoError("the drag has no points")
    p0 = pts[0]
    if not plane.is_free(p0[None])[0]:
        raise DemoError(f"the drag starts at ({p0[0]:.3g}, {p0[1]:.3g}), inside a wall or off the plane")
    path = [p0]
    stopped = None
    ms = plane.max_step
    for a, b in zip(pts[:-1], pts[1:]):
        n = int(np.ceil(np.max(np.abs(b - a)) / ms - 1e-9))
        for k in range(1, n + 1):
            q = a + (b - a) * k / n
            if len(path) - 1 >= plane.horizon:
                stopped = f"the horizon ({plane.horizon} steps) is reached"
                break
            if check_step(plane, path[-1], q) is not None:
                stopped = f"a wall or the edge at ({q[0]:.3g}, {q[1]:.3g})"
                break
            path.append(q)
        if stopped:
            break
    obs = np.array(path)
    acts = np.clip((obs[1:] - obs[:-1]) / ms, -1.0, 1.0)
    if plane.dynamics != "velocity":
        obs = np.concatenate([obs, np.zeros((len(obs), 2))], axis=1)
    return DragResult(PlaneTrajectory(obs, acts) if len(obs) > 1 else None, stopped)
