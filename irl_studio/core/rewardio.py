"""Learned-reward files (formats.md): ``.npy`` (float64 rows x cols, NaN on walls), ``.csv`` (empty fields on walls),
``.json`` (``irl-studio.reward``). The ``.png`` heatmap is drawn by the GUI's renderer (``irl_studio.gui.render``)."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np

from irl_studio import IRLStudioError
from irl_studio.core.layout import Layout, layout_to_dict, read_json, write_json

FORMAT = "irl-studio.reward"
VERSION = 1
SUFFIXES = (".npy", ".csv", ".json", ".png")


class RewardFileError(IRLStudioError):
    """A reward file cannot be written or read, or does not fit the layout."""


def _check_grid(reward: np.ndarray) -> np.ndarray:
    r = np.asarray(reward, dtype=np.float64)
    if r.ndim != 2:
        raise RewardFileError(f"a reward grid must be 2-D (rows x cols), not of shape {r.shape}")
    return r


def save_reward(path: str | Path, reward_grid: np.ndarray, layout: Layout | None = None,
                info: dict[str, Any] | None = None) -> None:
    """Write ``reward_grid`` (rows x cols, NaN on walls) as .npy, .csv or .json, chosen by the suffix."""
    p = Path(path)
    r = _check_grid(reward_grid)
    suffix = p.suffix.lower()
    try:
        if suffix == ".npy":
            buf = io.BytesIO()
            np.save(buf, r, allow_pickle=False)
            write_atomic(p, buf.getvalue())
        elif suffix == ".csv":
            lines = [",".join("" if not np.isfinite(v) else repr(float(v)) for v in row) for row in r]
            write_atomic(p, ("\n".join(lines) + "\n").encode("utf-8"))
        elif suffix == ".json":
            data: dict[str, Any] = {"format": FORMAT, "version": VERSION,
                                    "reward": [[None if not np.isfinite(v) else float(v) for v in row] for row in r]}
            data.update({k: v for k, v in (info or {}).items() if k not in data})
            if layout is not None:
                data["layout"] = layout_to_dict(layout)
            write_json(p, _jsonable(data), RewardFileError)
        elif suffix == ".png":
            raise RewardFileError("PNG reward images are drawn by irl_studio.gui.render.save_reward_png")
        else:
            raise RewardFileError(f"{p}: unknown reward file type {suffix!r}; use one of {', '.join(SUFFIXES)}")
    except OSError as exc:
        raise RewardFileError(f"{p}: cannot be written ({exc.strerror or exc})") from None


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over ``path`` (os.replace): a reader never
    sees a half-written file, and a failed write leaves the old file as it was."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _jsonable(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(float(x)) else None
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def load_reward(path: str | Path, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Read a reward grid from .npy (no pickle), .csv or .json; check it against ``shape`` when given."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix == ".npy":
        try:
            r = np.load(p, allow_pickle=False)
        except FileNotFoundError:
            raise RewardFileError(f"{p}: no such file") from None
        except MemoryError:
            raise RewardFileError(f"{p}: its header asks for more memory than this machine has") from None
        except Exception as exc:  # noqa: BLE001 - a damaged header can raise anything numpy's parser raises
            # (ValueError, EOFError, SyntaxError and tokenize errors of the header's dict literal, ...)
            raise RewardFileError(f"{p}: not a readable .npy array ({type(exc).__name__}: {exc})") from None
    elif suffix == ".csv":
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RewardFileError(f"{p}: cannot be read ({exc})") from None
        rows = [line.split(",") for line in text.splitlines() if line.strip() != ""]
        try:
            r = np.array([[float(v) if v.strip() else np.nan for v in row] for row in rows], dtype=np.float64)
        except ValueError as exc:
            raise RewardFileError(f"{p}: not a grid of numbers ({exc})") from None
    elif suffix == ".json":
        data = read_json(p, RewardFileError)
        if not isinstance(data, dict) or data.get("format") != FORMAT or "reward" not in data:
            raise RewardFileError(f"{p}: not an {FORMAT} file")
        r = grid_from_json(data["reward"], RewardFileError, f"{p}: 'reward'")
    else:
        raise RewardFileError(f"{p}: unknown reward file type {suffix!r}; use .npy, .csv or .json")
    if r.dtype.kind not in "fiu" or r.ndim != 2:
        raise RewardFileError(f"{p}: expected a 2-D grid of numbers, got shape {r.shape}")
    r = r.astype(np.float64)
    if shape is not None and r.shape != tuple(shape):
        raise RewardFileError(f"{p}: the reward is {r.shape[0]}x{r.shape[1]} but the layout is {shape[0]}x{shape[1]}")
    return r


def grid_from_json(rows: Any, error: type[IRLStudioError], what: str) -> np.ndarray:
    """A reward grid from JSON rows of numbers and nulls (NaN on walls); ``error`` with ``what`` named otherwise."""
    try:
        grid = np.array([[np.nan if v is None else _number(v) for v in row] for row in rows], dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise error(f"{what} must be rows of numbers or null") from None
    if grid.ndim != 2:
        raise error(f"{what} must be a grid (rows of equal length)")
    return grid


def _number(v: Any) -> float:
    """A JSON number as a float (a string, a bool, a list is refused; an integer too large for a float too)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError(f"{v!r} is not a number")
    return float(v)


def reward_on_floor(layout: Layout, reward_grid: np.ndarray, source: str = "reward") -> np.ndarray:
    """Per-state vector (floor cells, row-major) of a reward grid; every floor cell must be finite."""
    cells = np.argwhere(layout.floor_mask)
    vals = reward_grid[cells[:, 0], cells[:, 1]]
    bad = ~np.isfinite(vals)
    if bad.any():
        r, c = cells[np.argmax(bad)]
        raise RewardFileError(f"{source}: floor cell ({r}, {c}) has no finite reward")
    return vals

