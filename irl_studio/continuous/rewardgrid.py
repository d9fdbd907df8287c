"""A learned state reward over the plane on a grid, and its files (formats.md, "Learned continuous reward").

``values[i, j]`` is the reward at ``(x[j], y[i])`` (rows are y, as an image with y up is stored bottom row first).
Between grid points the reward is bilinear; outside the grid it is that of the nearest edge. Files: ``.json``
(``irl-studio.plane-reward``) and ``.npz`` (arrays ``x``, ``y``, ``values``; read with ``allow_pickle=False``).

On a Gymnasium environment the grid is a 2D slice of its state (Pendulum: angle x angular velocity): ``axes`` names
the two coordinates (default ``("x", "y")``, the plane's position), ``axis_labels`` says them for people, ``env``
names the environment (``gym:ID``). Files without them read as the plane's (``x``, ``y``).
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from irl_studio import IRLStudioError
from irl_studio.core.layout import read_json, write_json

FORMAT = "irl-studio.plane-reward"
VERSION = 1
MIN_POINTS = 50  # per axis, when written
MAX_POINTS = 4096  # per axis, when read


class RewardGridError(IRLStudioError):
    """A continuous reward file cannot be read or written; the message names the file and the key."""


@dataclass(frozen=True, eq=False)
class RewardGrid:
    x: np.ndarray  # (nx,) increasing
    y: np.ndarray  # (ny,) increasing
    values: np.ndarray  # (ny, nx), finite
    algorithm: str = ""
    plane: dict[str, Any] | None = None  # the plane it was learned on (file format)
    info: dict[str, Any] = field(default_factory=dict)  # whatever else describes the run (kept in .json)
    axes: tuple[str, str] = ("x", "y")  # what x and y are (a Gymnasium env's slice: e.g. theta, theta_dot)
    axis_labels: tuple[str, str] = ("x", "y")
    env: str | None = None  # gym:ID of the environment the reward was learned on (None: a plane)

    def __post_init__(self) -> None:
        object.__setattr__(self, "axes", _names(self.axes, "axes"))
        object.__setattr__(self, "axis_labels", _names(self.axis_labels, "axis_labels"))
        for name in ("x", "y", "values"):
            a = np.array(getattr(self, name), dtype=np.float64, copy=True)
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        check_arrays(self.x, self.y, self.values, "reward grid", RewardGridError, min_points=2)

    @property
    def shape(self) -> tuple[int, int]:
        return self.values.shape

    def at(self, p: np.ndarray) -> np.ndarray:
        """Bilinear reward at points (..., 2) (clamped to the grid's edges)."""
        p = np.asarray(p, dtype=np.float64)
        shp = p.shape[:-1]
        p = p.reshape(-1, 2)
        x, y, v = self.x, self.y, self.values
        px = np.clip(p[:, 0], x[0], x[-1])
        py = np.clip(p[:, 1], y[0], y[-1])
        j = np.clip(np.searchsorted(x, px, side="right") - 1, 0, len(x) - 2)
        i = np.clip(np.searchsorted(y, py, side="right") - 1, 0, len(y) - 2)
        tx = (px - x[j]) / (x[j + 1] - x[j])
        ty = (py - y[i]) / (y[i + 1] - y[i])
        out = ((1 - ty) * ((1 - tx) * v[i, j] + tx * v[i, j + 1])
               + ty * ((1 - tx) * v[i + 1, j] + tx * v[i + 1, j + 1]))
        return out.reshape(shp)

    __call__ = at


def _names(v: Any, key: str) -> tuple[str, str]:
    if (not isinstance(v, (list, tuple)) or len(v) != 2
            or not all(isinstance(n, str) and 0 < len(n) <= 200 for n in v)):
        raise RewardGridError(f"reward grid: '{key}' must be two names")
    return (v[0], v[1])


AXIS_KEYS = ("axes", "axis_labels", "env")


def _axis_fields(d: dict[str, Any], source: str) -> dict[str, Any]:
    """The optional axis keys of a file (absent: the plane's x, y), checked."""
    out: dict[str, Any] = {}
    try:
        for key in ("axes", "axis_labels"):
            if d.get(key) is not None:
                out[key] = _names(d[key], key)
    except RewardGridError as exc:
        raise RewardGridError(f"{source}: {str(exc).split(': ', 1)[1]}") from None
    if "axis_labels" not in out and "axes" in out:
        out["axis_labels"] = out["axes"]
    if d.get("env") is not None:
        if not isinstance(d["env"], str):
            raise RewardGridError(f"{source}: 'env' must be a Gymnasium id (gym:ID)")
        out["env"] = d["env"]
    return out


def grid_axes(bounds, n: int = 101) -> tuple[np.ndarray, np.ndarray]:
    """Axes covering the bounds with ``n`` points each (n >= 50)."""
    (x0, x1), (y0, y1) = bounds
    n = max(int(n), MIN_POINTS)
    return np.linspace(x0, x1, n), np.linspace(y0, y1, n)


def check_arrays(x: Any, y: Any, values: Any, where: str, error: type[IRLStudioError],
                 min_points: int = 2) -> None:
    for name, a in (("x", x), ("y", y)):
        if a.ndim != 1 or not (min_points <= len(a) <= MAX_POINTS):
            raise error(f"{where}: '{name}' must be a list of {min_points} to {MAX_POINTS} numbers")
        if not np.all(np.isfinite(a)) or not np.all(np.diff(a) > 0):
            raise error(f"{where}: '{name}' must be finite and strictly increasing")
    if values.shape != (len(y), len(x)):
        raise error(f"{where}: 'values' must have len(y) = {len(y)} rows of len(x) = {len(x)} numbers, "
                    f"not shape {values.shape}")
    if not np.all(np.isfinite(values)):
        i, j = np.argwhere(~np.isfinite(values))[0]
        raise error(f"{where}: 'values' row {i}, column {j} is not a finite number")


def _array(v: Any, where: str, key: str, ndim: int) -> np.ndarray:
    try:
        a = np.array(v, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise RewardGridError(f"{where}: '{key}' must be {'rows of ' if ndim == 2 else 'a list of '}numbers") \
            from None
    if a.ndim != ndim:
        shape = "a grid (rows of equal length)" if ndim == 2 else "a flat list"
        raise RewardGridError(f"{where}: '{key}' must be {shape}")
    return a


def grid_from_dict(data: Any, source: str = "reward") -> RewardGrid:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise RewardGridError(f"{source}: not an {FORMAT} file")
    if data.get("version", VERSION) != VERSION:
        raise RewardGridError(f"{source}: 'version' is {data.get('version')!r}; this IRL Studio reads {VERSION}")
    for key in ("x", "y", "values"):
        if key not in data:
            raise RewardGridError(f"{source}: '{key}' is missing")
        if not isinstance(data[key], list):
            raise RewardGridError(f"{source}: '{key}' must be a list")
    x = _array(data["x"], source, "x", 1)
    y = _array(data["y"], source, "y", 1)
    values = _array(data["values"], source, "values", 2) if data["values"] else np.zeros((0, 0))
    check_arrays(x, y, values, source, RewardGridError)
    algorithm = data.get("algorithm", "")
    plane = data.get("plane")
    if plane is not None and not isinstance(plane, dict):
        raise RewardGridError(f"{source}: 'plane' must be a plane object")
    info = {k: v for k, v in data.items() if k not in ("format", "version", "x", "y", "values", "algorithm",
                                                      "plane", *AXIS_KEYS)}
    return RewardGrid(x, y, values, algorithm if isinstance(algorithm, str) else str(algorithm), plane, info,
                      **_axis_fields(data, source))


def grid_to_dict(grid: RewardGrid) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "algorithm": grid.algorithm,
                           "x": grid.x.tolist(), "y": grid.y.tolist(), "values": grid.values.tolist()}
    if grid.plane is not None:
        out["plane"] = grid.plane
    out.update(_axis_dict(grid))
    for k, v in grid.info.items():
        out.setdefault(k, v)
    return out


def _axis_dict(grid: RewardGrid) -> dict[str, Any]:
    """The axis keys, only where they differ from the plane's (plane files stay as they were)."""
    out: dict[str, Any] = {}
    if grid.axes != ("x", "y") or grid.axis_labels != ("x", "y"):
        out["axes"], out["axis_labels"] = list(grid.axes), list(grid.axis_labels)
    if grid.env is not None:
        out["env"] = grid.env
    return out


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def save_reward_grid(grid: RewardGrid, path: str | Path) -> None:
    """Write ``.json`` or ``.npz`` (chosen by the suffix), atomically."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        write_json(p, _jsonable(grid_to_dict(grid)), RewardGridError)
    elif suffix == ".npz":
        buf = io.BytesIO()
        meta = json.dumps(_jsonable({"algorithm": grid.algorithm, "plane": grid.plane, **_axis_dict(grid),
                                     **grid.info}))
        np.savez(buf, x=grid.x, y=grid.y, values=grid.values, meta=np.array(meta))
        try:
            tmp = p.with_name(p.name + ".tmp")
            tmp.write_bytes(buf.getvalue())
            tmp.replace(p)
        except OSError as exc:
            raise RewardGridError(f"{p}: cannot be written ({exc.strerror or exc})") from None
    else:
        raise RewardGridError(f"{p}: a continuous reward grid is saved as .json or .npz, not {suffix or 'no suffix'!r}")


def load_reward_grid(path: str | Path) -> RewardGrid:
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".json":
        return grid_from_dict(read_json(p, RewardGridError), str(p))
    if suffix != ".npz":
        raise RewardGridError(f"{p}: a continuous reward grid is a .json or .npz file")
    try:
        with np.load(p, allow_pickle=False) as z:
            missing = [k for k in ("x", "y", "values") if k not in z.files]
            if missing:
                raise RewardGridError(f"{p}: missing array(s) {', '.join(missing)}")
            arrays = {k: z[k] for k in ("x", "y", "values")}
            meta_raw = str(z["meta"]) if "meta" in z.files and z["meta"].dtype.kind == "U" else "{}"
    except RewardGridError:
        raise
    except FileNotFoundError:
        raise RewardGridError(f"{p}: no such file") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, TypeError) as exc:
        raise RewardGridError(f"{p}: not a readable .npz file ({exc})"[:300]) from None
    for k, a in arrays.items():
        if a.dtype.kind not in "fiu":
            raise RewardGridError(f"{p}: array '{k}' is not numeric")
    x, y, v = (arrays[k].astype(np.float64) for k in ("x", "y", "values"))
    check_arrays(x, y, v, str(p), RewardGridError)
    try:
        meta = json.loads(meta_raw)
    except (ValueError, RecursionError):
        meta = {}
    meta = meta if isinstance(meta, dict) else {}
    plane = meta.pop("plane", None)
    alg = meta.pop("algorithm", "")
    axes = _axis_fields(meta, str(p))
    for k in AXIS_KEYS:
        meta.pop(k, None)
    return RewardGrid(x, y, v, str(alg), plane if isinstance(plane, dict) else None, meta, **axes)
