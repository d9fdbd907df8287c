"""The continuous plane: a point mass (a disk) in a rectangle among capsule walls, and the ``irl-studio.plane`` file.

x to the right, y up. A wall is a segment ``[x0, y0, x1, y1]`` thickened to a capsule of radius ``wall_radius``; the
agent is a disk of radius ``agent_radius``. Its centre therefore never comes within ``R = wall_radius +
agent_radius`` of a wall segment, nor within ``agent_radius`` of the bounds.

**Collisions** (:func:`sweep`): a move ``p -> p + d`` is cut short at the first contact (the exact first time of the
straight sweep that touches a capsule or the shrunk bounds); the rest of the move then *slides*: its component along
the contact surface (the normal part removed) is swept once more and cut short at the next contact; the slide is
shortened so that the whole move stays within the action's box (at most ``max |d_i|`` along each axis). So an
agent pushing diagonally into a wall glides along it, as a point mass on a frictionless wall would, and a move into
a corner stops in the corner. The geometry is numpy over a batch of points (no Python loop over agents).

Unknown keys of a file are kept in :attr:`Plane.extra` and written back on save. See ``docs/formats.md``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from irl_studio import IRLStudioError
from irl_studio.core.layout import read_json, write_json

FORMAT = "irl-studio.plane"
VERSION = 1
DYNAMICS = ("velocity", "force")
MAX_WALLS = 1000
_KNOWN = {"format", "version", "name", "bounds", "walls", "wall_radius", "agent_radius", "start", "goal", "dynamics",
          "max_step", "horizon", "discount", "start_noise", "goal_radius", "mass", "damping", "dt", "frames"}
_BACKOFF = 1e-7  # fraction of a move given back at a contact, so rounding never puts a centre inside a wall


class PlaneError(IRLStudioError):
    """A plane file or a plane edit is invalid; the message names the file and the key."""


@dataclass
class Plane:
    """A plane as the user draws it (mutable: the editor moves walls in place; call :meth:`validate` after)."""

    bounds: tuple[tuple[float, float], tuple[float, float]]
    start: tuple[float, float]
    goal: tuple[float, float]
    walls: list[tuple[float, float, float, float]] = field(default_factory=list)
    wall_radius: float = 0.02
    agent_radius: float = 0.03
    dynamics: str = "velocity"
    max_step: float = 0.05
    horizon: int = 100
    discount: float = 0.99
    start_noise: float = 0.01  # the start is drawn uniformly in start +- start_noise (per axis), kept free of walls
    goal_radius: float | None = None  # "reached": within this distance of the goal (default: max_step)
    mass: float = 0.113  # force dynamics (Fu et al.'s point mass in MuJoCo)
    damping: float = 1.0
    dt: float = 0.01
    frames: int = 5
    name: str = "untitled"
    extra: dict[str, Any] = field(default_factory=dict)

    # --- derived ------------------------------------------------------------------------------------------------
    @property
    def clearance(self) -> float:
        return self.wall_radius + self.agent_radius

    @property
    def obs_dim(self) -> int:
        return 2 if self.dynamics == "velocity" else 4

    @property
    def reach_radius(self) -> float:
        return self.max_step if self.goal_radius is None else self.goal_radius

    @property
    def wall_array(self) -> np.ndarray:
        return np.asarray(self.walls, dtype=np.float64).reshape(-1, 4)

    @property
    def free_box(self) -> np.ndarray:
        """[[xlo, xhi], [ylo, yhi]]: where the centre may be as far as the bounds go."""
        (x0, x1), (y0, y1) = self.bounds
        r = self.agent_radius
        return np.array([[x0 + r, x1 - r], [y0 + r, y1 - r]])

    def copy(self) -> Plane:
        return copy.deepcopy(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Plane):
            return NotImplemented
        return plane_to_dict(self) == plane_to_dict(other)

    def validate(self, source: str | None = None) -> Plane:
        """Check an edited plane by a round trip through the file format (raises :class:`PlaneError`)."""
        return plane_from_dict(plane_to_dict(self), source)

    # --- geometry -----------------------------------------------------------------------------------------------
    def wall_distance(self, p: np.ndarray) -> np.ndarray:
        """(N,) distance from each centre to the nearest wall *segment* (inf without walls)."""
        return segment_distance(np.asarray(p, dtype=np.float64).reshape(-1, 2), self.wall_array).min(axis=1,
                                                                                                       initial=np.inf)

    def is_free(self, p: np.ndarray, tol: float = 1e-9) -> np.ndarray:
        """(N,) whether a centre is a legal position (clear of every wall and inside the shrunk bounds)."""
        p = np.asarray(p, dtype=np.float64).reshape(-1, 2)
        box = self.free_box
        inside = np.all((p >= box[:, 0] - tol) & (p <= box[:, 1] + tol), axis=1)
        return inside & (self.wall_distance(p) >= self.clearance - tol)

    def move(self, p: np.ndarray, d: np.ndarray) -> np.ndarray:
        """Where centres ``p`` (N, 2) end after trying to move by ``d`` (N, 2): cut at contact, then slide."""
        return sweep(self, p, d)

    def wall_at(self, point, tol: float | None = None) -> int | None:
        """Index of the wall whose segment passes within ``tol`` (default: the wall's capsule radius + 0.01) of a
        point, the nearest one; None if none (the editor's right click deletes it)."""
        if not self.walls:
            return None
        d = segment_distance(np.asarray(point, dtype=np.float64).reshape(1, 2), self.wall_array)[0]
        k = int(np.argmin(d))
        return k if d[k] <= (self.wall_radius + 0.01 if tol is None else tol) else None

    def true_reward(self, p: np.ndarray, a: np.ndarray) -> np.ndarray:
        """r(s, a) = -||p - goal|| - 0.001 ||a||^2 on the position before the step (formats.md)."""
        p = np.asarray(p, dtype=np.float64)[..., :2]
        a = np.asarray(a, dtype=np.float64)
        return -np.linalg.norm(p - np.asarray(self.goal), axis=-1) - 0.001 * np.sum(a * a, axis=-1)


# --- geometry -------------------------------------------------------------------------------------------------------
def segment_distance(p: np.ndarray, walls: np.ndarray) -> np.ndarray:
    """(N, W) distance from points (N, 2) to segments (W, 4)."""
    a, b = walls[None, :, 0:2], walls[None, :, 2:4]
    ab = b - a
    ap = p[:, None, :] - a
    den = np.maximum(np.sum(ab * ab, axis=-1), 1e-300)
    t = np.clip(np.sum(ap * ab, axis=-1) / den, 0.0, 1.0)
    return np.linalg.norm(ap - t[..., None] * ab, axis=-1)


def _geometry(plane: Plane) -> dict[str, np.ndarray]:
    """Wall arrays of the sweep, cached on the plane until its walls or radii change."""
    key = (tuple(tuple(w) for w in plane.walls), plane.clearance)
    cache = plane.__dict__.get("_geometry_cache")
    if cache is not None and cache[0] == key:
        return cache[1]
    walls = plane.wall_array
    A, B = walls[:, 0:2], walls[:, 2:4]
    ab = B - A
    L = np.sqrt(np.sum(ab * ab, axis=1))
    u = ab / np.maximum(L, 1e-300)[:, None]
    geo = {"A": A, "L": L, "u": u, "n": np.stack([-u[:, 1], u[:, 0]], axis=1), "caps": np.concatenate([A, B])}
    plane.__dict__["_geometry_cache"] = (key, geo)
    return geo


def _first_contact(plane: Plane, p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """(N,) fraction t in [0, 1] of the move p + t d at which the disk first touches a wall or the bounds
    (1 when it touches nothing). A centre already in contact may move away or along, not further in."""
    box = plane.free_box
    with np.errstate(divide="ignore", invalid="ignore"):
        # the bounds: axis-aligned half-planes
        tb = np.where(d > 0, (box[:, 1] - p) / d, np.where(d < 0, (box[:, 0] - p) / d, np.inf))
        t = np.minimum(np.maximum(tb, 0.0).min(axis=1), 1.0)
        if len(plane.walls) == 0:
            return t
        geo = _geometry(plane)
        R = plane.clearance
        dd = np.sum(d * d, axis=1)[:, None]  # (N, 1)
        # the end caps: |p + t d - C| = R, entering (f'(0) < 0)
        w = p[:, None, :] - geo["caps"][None]
        bq = 2.0 * (w[..., 0] * d[:, None, 0] + w[..., 1] * d[:, None, 1])
        cq = w[..., 0] ** 2 + w[..., 1] ** 2 - R * R
        disc = bq * bq - 4.0 * dd * cq
        t1 = np.where(cq <= 0, 0.0, (-bq - np.sqrt(np.maximum(disc, 0.0))) / (2.0 * dd))
        hit = (bq < 0) & (disc >= 0)
        t = np.minimum(t, np.where(hit, np.maximum(t1, 0.0), np.inf).min(axis=1))
        # the sides: |q(t)| = R with q the signed distance to the centre line, within the segment's length
        P = p @ geo["n"].T - np.sum(geo["A"] * geo["n"], axis=1)  # (N, W) q0
        S = p @ geo["u"].T - np.sum(geo["A"] * geo["u"], axis=1)  # (N, W) s0
        qd = d @ geo["n"].T
        sd = d @ geo["u"].T
        side = np.where(P == 0, -np.sign(qd), np.sign(P))
        aq = np.abs(P)
        tl = np.where(aq <= R, 0.0, (aq - R) / np.abs(qd))
        s_at = S + tl * sd
        hit = (qd * side < 0) & (s_at >= 0) & (s_at <= geo["L"])
        t = np.minimum(t, np.where(hit, tl, np.inf).min(axis=1))
    return np.clip(t, 0.0, 1.0)


def _contact_normal(plane: Plane, p: np.ndarray) -> np.ndarray:
    """(N, 2) outward unit normal of the obstacle (wall or bound) nearest to contact at p."""
    box = plane.free_box
    margins = [p[:, 0] - box[0, 0], box[0, 1] - p[:, 0], p[:, 1] - box[1, 0], box[1, 1] - p[:, 1]]
    normals = [np.array([1.0, 0.0]), np.array([-1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.0, -1.0])]
    best = np.stack(margins, axis=1)  # (N, 4)
    cand = np.broadcast_to(np.stack(normals)[None], (p.shape[0], 4, 2))
    walls = plane.wall_array
    if len(walls):
        a, b = walls[None, :, 0:2], walls[None, :, 2:4]
        ab = b - a
        ap = p[:, None, :] - a
        tt = np.clip(np.sum(ap * ab, axis=-1) / np.maximum(np.sum(ab * ab, axis=-1), 1e-300), 0.0, 1.0)
        vec = ap - tt[..., None] * ab
        dist = np.linalg.norm(vec, axis=-1)
        wn = vec / np.maximum(dist, 1e-300)[..., None]
        best = np.concatenate([best, dist - plane.clearance], axis=1)
        cand = np.concatenate([cand, wn], axis=1)
    k = np.argmin(best, axis=1)
    return cand[np.arange(p.shape[0]), k]


def sweep(plane: Plane, p: np.ndarray, d: np.ndarray, slide: bool = True) -> np.ndarray:
    """Move centres ``p`` by ``d`` with collisions: cut short at contact, then slide the tangential rest once."""
    p = np.asarray(p, dtype=np.float64).reshape(-1, 2)
    d = np.asarray(d, dtype=np.float64).reshape(-1, 2)
    t = _first_contact(plane, p, d)
    te = np.where(t < 1.0, np.maximum(t - _BACKOFF, 0.0), 1.0)
    q = p + te[:, None] * d
    if not slide or np.all(t >= 1.0):
        return q
    k = t < 1.0
    qk = q[k]
    rest = (1.0 - te[k])[:, None] * d[k]
    nrm = _contact_normal(plane, qk)
    into = np.sum(rest * nrm, axis=1)
    rest = rest - np.minimum(into, 0.0)[:, None] * nrm  # remove the part that pushes into the obstacle
    # the slide never takes a move beyond the action's box: |q - p| <= ||d||_inf along each axis
    room = np.abs(d[k]).max(axis=1, keepdims=True) - np.abs(qk - p[k])
    scale = np.where(np.abs(rest) > 1e-300, np.maximum(room, 0.0) / np.maximum(np.abs(rest), 1e-300), np.inf)
    rest = rest * np.minimum(scale.min(axis=1, keepdims=True), 1.0)
    t2 = _first_contact(plane, qk, rest)
    t2 = np.where(t2 < 1.0, np.maximum(t2 - _BACKOFF, 0.0), 1.0)
    q[k] = qk + t2[:, None] * rest
    return q


def segment_is_free(plane: Plane, p: np.ndarray, q: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """(N,) whether the straight move p -> q touches nothing (the whole sweep keeps clear)."""
    p = np.asarray(p, dtype=np.float64).reshape(-1, 2)
    q = np.asarray(q, dtype=np.float64).reshape(-1, 2)
    ok = plane.is_free(p, tol) & plane.is_free(q, tol)
    return ok & (_first_contact(plane, p, q - p) >= 1.0 - 1e-12)


# --- the file format ------------------------------------------------------------------------------------------------
def _w(source: str | None) -> str:
    return f"{source}: " if source else ""


def _num(v: Any, key: str, source: str | None, lo: float = -math.inf, hi: float = math.inf,
         integer: bool = False, open_lo: bool = False) -> float:
    try:
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    except OverflowError:
        ok = False
    if ok and integer and not float(v).is_integer():
        ok = False
    if ok:
        ok = (lo < v if open_lo else lo <= v) and v <= hi
    if not ok:
        kind = "an integer" if integer else "a finite number"
        rng = f" {'>' if open_lo else '>='} {lo:g}" if math.isfinite(lo) else ""
        rng += f" and <= {hi:g}" if math.isfinite(hi) else ""
        raise PlaneError(f"{_w(source)}'{key}' must be {kind}{rng}, not {v!r}")
    return int(v) if integer else float(v)


def _vec(v: Any, n: int, key: str, source: str | None) -> tuple[float, ...]:
    if not isinstance(v, list) or len(v) != n:
        raise PlaneError(f"{_w(source)}'{key}' must be a list of {n} numbers, not {v!r}"[:300])
    return tuple(_num(x, f"{key}[{i}]", source) for i, x in enumerate(v))


def plane_from_dict(data: Any, source: str | None = None) -> Plane:
    """Validate a decoded JSON document and build a :class:`Plane`; ``source`` names the file in messages."""
    w = _w(source)
    if not isinstance(data, dict):
        raise PlaneError(f"{w}a plane file must hold a JSON object, not {type(data).__name__}")
    if data.get("format", FORMAT) != FORMAT:
        raise PlaneError(f"{w}'format' is {data.get('format')!r}, expected {FORMAT!r}")
    if data.get("version", VERSION) != VERSION:
        raise PlaneError(f"{w}'version' is {data.get('version')!r}; this IRL Studio reads version {VERSION}")
    for key in ("bounds", "start", "goal"):
        if key not in data:
            raise PlaneError(f"{w}'{key}' is missing")
    b = data["bounds"]
    if not isinstance(b, list) or len(b) != 2:
        raise PlaneError(f"{w}'bounds' must be [[xmin, xmax], [ymin, ymax]]")
    bx, by = _vec(b[0], 2, "bounds[0]", source), _vec(b[1], 2, "bounds[1]", source)
    for name, (lo, hi) in (("x", bx), ("y", by)):
        if not lo < hi:
            raise PlaneError(f"{w}'bounds': the {name} range [{lo:g}, {hi:g}] is empty")
        if hi - lo > 1e6:
            raise PlaneError(f"{w}'bounds': the {name} range is too wide (at most 1e6)")
    raw_walls = data.get("walls", [])
    if not isinstance(raw_walls, list):
        raise PlaneError(f"{w}'walls' must be a list of [x0, y0, x1, y1] segments")
    if len(raw_walls) > MAX_WALLS:
        raise PlaneError(f"{w}'walls': {len(raw_walls)} segments; at most {MAX_WALLS} are supported")
    walls = [_vec(s, 4, f"walls[{i}]", source) for i, s in enumerate(raw_walls)]
    name = data.get("name", "untitled")
    if not isinstance(name, str):
        raise PlaneError(f"{w}'name' must be a string, not {name!r}"[:300])
    dyn = data.get("dynamics", "velocity")
    if dyn not in DYNAMICS:
        raise PlaneError(f"{w}'dynamics' must be one of {', '.join(DYNAMICS)}, not {dyn!r}"[:300])
    span = max(bx[1] - bx[0], by[1] - by[0])
    goal_radius = data.get("goal_radius")
    plane = Plane(
        bounds=(bx, by), start=_vec(data["start"], 2, "start", source), goal=_vec(data["goal"], 2, "goal", source),
        walls=walls, name=name, dynamics=dyn,
        wall_radius=_num(data.get("wall_radius", 0.02), "wall_radius", source, 0.0, span),
        agent_radius=_num(data.get("agent_radius", 0.03), "agent_radius", source, 0.0, span),
        max_step=_num(data.get("max_step", 0.05), "max_step", source, 0.0, span, open_lo=True),
        horizon=_num(data.get("horizon", 100), "horizon", source, 1, 100_000, integer=True),
        discount=_num(data.get("discount", 0.99), "discount", source, 0.0, 1.0, open_lo=True),
        start_noise=_num(data.get("start_noise", 0.01), "start_noise", source, 0.0, span),
        goal_radius=None if goal_radius is None else _num(goal_radius, "goal_radius", source, 0.0, span,
                                                          open_lo=True),
        mass=_num(data.get("mass", 0.113), "mass", source, 0.0, 1e6, open_lo=True),
        damping=_num(data.get("damping", 1.0), "damping", source, 0.0, 1e6),
        dt=_num(data.get("dt", 0.01), "dt", source, 0.0, 10.0, open_lo=True),
        frames=_num(data.get("frames", 5), "frames", source, 1, 1000, integer=True),
        extra={k: v for k, v in data.items() if k not in _KNOWN},
    )
    box = plane.free_box
    if np.any(box[:, 0] > box[:, 1]):
        raise PlaneError(f"{w}the agent (radius {plane.agent_radius:g}) does not fit in the bounds")
    for key in ("start", "goal"):
        pt = np.array(getattr(plane, key))
        if not plane.is_free(pt)[0]:
            why = ("outside the bounds (or closer than agent_radius to them)"
                   if not np.all((pt >= box[:, 0] - 1e-9) & (pt <= box[:, 1] + 1e-9)) else
                   f"closer than wall_radius + agent_radius = {plane.clearance:g} to a wall")
            raise PlaneError(f"{w}'{key}' ({pt[0]:g}, {pt[1]:g}) is {why}")
    return plane


def plane_to_dict(plane: Plane) -> dict[str, Any]:
    out: dict[str, Any] = {
        "format": FORMAT, "version": VERSION, "name": plane.name,
        "bounds": [list(map(float, plane.bounds[0])), list(map(float, plane.bounds[1]))],
        "walls": [list(map(float, s)) for s in plane.walls], "wall_radius": plane.wall_radius,
        "agent_radius": plane.agent_radius, "start": list(map(float, plane.start)),
        "goal": list(map(float, plane.goal)), "dynamics": plane.dynamics, "max_step": plane.max_step,
        "horizon": plane.horizon, "discount": plane.discount, "start_noise": plane.start_noise,
    }
    if plane.goal_radius is not None:
        out["goal_radius"] = plane.goal_radius
    if plane.dynamics == "force":
        out.update(mass=plane.mass, damping=plane.damping, dt=plane.dt, frames=plane.frames)
    for k, v in plane.extra.items():
        out.setdefault(k, v)
    return out


def load_plane(path: str | Path) -> Plane:
    return plane_from_dict(read_json(path, PlaneError), source=str(path))


def save_plane(plane: Plane, path: str | Path) -> None:
    write_json(path, plane_to_dict(plane), PlaneError)


# --- built-ins ------------------------------------------------------------------------------------------------------
def _folder():
    # a source checkout's own assets/ first (an editable install of another checkout maps irl_studio.assets there)
    here = Path(__file__).resolve().parents[2] / "assets" / "planes"
    if here.is_dir():
        return here
    return resources.files("irl_studio.assets").joinpath("planes")


def builtin_plane_names() -> list[str]:
    return sorted(p.name[:-5] for p in _folder().iterdir() if p.name.endswith(".json"))


def builtin_plane(name: str) -> Plane:
    res = _folder().joinpath(f"{name}.json")
    if not res.is_file():
        raise PlaneError(f"no built-in plane {name!r}; built-ins: {', '.join(builtin_plane_names())}")
    import json

    return plane_from_dict(json.loads(res.read_text(encoding="utf-8")), source=f"built-in plane {name}")


def resolve_plane(spec: str | Path | Plane) -> Plane:
    """A plane from a :class:`Plane`, a file path or a built-in name."""
    if isinstance(spec, Plane):
        return spec
    p = Path(spec)
    if p.suffix.lower() == ".json" or p.exists():
        return load_plane(p)
    if str(spec) in builtin_plane_names():
        return builtin_plane(str(spec))
    raise PlaneError(f"{spec}: no such file or built-in plane (built-ins: {', '.join(builtin_plane_names())})")
