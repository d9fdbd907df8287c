"""Gridworld layouts: the in-memory model an editor changes cell by cell, and the `irl-studio.layout` JSON format.

Coordinates are ``(row, col)``, row 0 at the top. A grid cell is one character:

``#`` wall, ``.`` floor, ``S`` start (floor), ``G`` goal (floor, absorbing), ``a``..``j`` floor of terrain class 0..9.
See ``shared/formats.md`` for the file contract. Unknown keys of a file are kept in :attr:`Layout.extra` and written
back when the layout is saved.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from irl_studio import IRLStudioError

FORMAT = "irl-studio.layout"
VERSION = 1
WALL, FLOOR, START, GOAL = "#", ".", "S", "G"
TERRAIN_CHARS = "abcdefghij"
CELL_CHARS = WALL + FLOOR + START + GOAL + TERRAIN_CHARS
ACTION_NAMES = ("stay", "up", "down", "left", "right")
ACTION_DELTAS = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))
MAX_SIDE = 512
_KNOWN_KEYS = {"format", "version", "name", "grid", "slip", "discount", "horizon", "objects", "true_reward",
               "actions", "macrocell"}


class LayoutError(IRLStudioError):
    """A layout file or a layout edit is invalid; the message names the file, the key or cell, and the problem."""


@dataclass(frozen=True)
class WorldObject:
    """An Objectworld object: a cell with an inner and an outer colour index."""

    cell: tuple[int, int]
    inner: int
    outer: int


@dataclass
class Layout:
    """A gridworld as the user draws it. Mutable: the editor changes cells in place (see :meth:`set_cell`)."""

    grid: np.ndarray  # (rows, cols) array of one-character strings
    name: str = "untitled"
    slip: float = 0.0
    discount: float = 0.95
    horizon_override: int | None = None
    objects: list[WorldObject] = field(default_factory=list)
    true_reward: np.ndarray | None = None  # (rows, cols) float, NaN on walls
    actions: tuple[str, ...] = ACTION_NAMES  # an extension: a subset of the five actions (e.g. Abbeel & Ng's four)
    macrocell: int | None = None  # an extension: side of the square macrocells of the `macrocell` features
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys, kept on save

    # --- construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: list[str], **kwargs: Any) -> Layout:
        data = {"format": FORMAT, "version": VERSION, "grid": list(rows)}
        data.update({k: v for k, v in kwargs.items() if k != "horizon_override"})
        if "horizon_override" in kwargs:
            data["horizon"] = kwargs["horizon_override"]
        return layout_from_dict(data)

    @classmethod
    def empty(cls, rows: int, cols: int, name: str = "untitled") -> Layout:
        """An open room with walls around it."""
        if rows < 3 or cols < 3:
            raise LayoutError(f"a grid needs at least 3 rows and 3 columns, not {rows}x{cols}")
        grid = np.full((rows, cols), FLOOR, dtype="<U1")
        grid[0, :] = grid[-1, :] = grid[:, 0] = grid[:, -1] = WALL
        return cls(grid=grid, name=name)

    def copy(self) -> Layout:
        return copy.deepcopy(self)

    # --- geometry -----------------------------------------------------------------------------------------------
    @property
    def rows(self) -> int:
        return int(self.grid.shape[0])

    @property
    def cols(self) -> int:
        return int(self.grid.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows, self.cols

    @property
    def horizon(self) -> int:
        """Number of steps (actions) of an episode, which occupies at most horizon + 1 cells: the file's value, else
        2 x (rows + cols)."""
        return self.horizon_override if self.horizon_override is not None else 2 * (self.rows + self.cols)

    @property
    def wall_mask(self) -> np.ndarray:
        return self.grid == WALL

    @property
    def floor_mask(self) -> np.ndarray:
        return self.grid != WALL

    @property
    def goal_mask(self) -> np.ndarray:
        return self.grid == GOAL

    @property
    def start_mask(self) -> np.ndarray:
        return self.grid == START

    def terrain(self) -> np.ndarray:
        """(rows, cols) terrain class 0..9, or -1 for plain floor, start, goal and walls."""
        out = np.full(self.shape, -1, dtype=np.int64)
        for k, ch in enumerate(TERRAIN_CHARS):
            out[self.grid == ch] = k
        return out

    def in_bounds(self, row: int, col: int) -> bool:
        return 0 <= row < self.rows and 0 <= col < self.cols

    # --- editing ------------------------------------------------------------------------------------------------
    def set_cell(self, row: int, col: int, char: str) -> None:
        if not self.in_bounds(row, col):
            raise LayoutError(f"cell ({row}, {col}) is outside the {self.rows}x{self.cols} grid")
        if char not in CELL_CHARS or len(char) != 1:
            raise LayoutError(f"{char!r} is not a cell type (one of {CELL_CHARS!r})")
        self.grid[row, col] = char
        if self.true_reward is not None:
            if char == WALL:
                self.true_reward[row, col] = np.nan
            elif np.isnan(self.true_reward[row, col]):
                self.true_reward[row, col] = 0.0
        if char == WALL:
            self.objects = [o for o in self.objects if o.cell != (row, col)]

    def resized(self, rows: int, cols: int) -> Layout:
        """A copy with the grid cropped or padded with wall cells (at the bottom and right)."""
        if not (3 <= rows <= MAX_SIDE and 3 <= cols <= MAX_SIDE):
            raise LayoutError(f"grid size must be between 3 and {MAX_SIDE} on each side, not {rows}x{cols}")
        out = self.copy()
        grid = np.full((rows, cols), WALL, dtype="<U1")
        r, c = min(rows, self.rows), min(cols, self.cols)
        grid[:r, :c] = self.grid[:r, :c]
        out.grid = grid
        if self.true_reward is not None:
            tr = np.full((rows, cols), np.nan)
            tr[:r, :c] = self.true_reward[:r, :c]
            tr[(grid != WALL) & np.isnan(tr)] = 0.0
            out.true_reward = tr
        out.objects = [o for o in self.objects if o.cell[0] < rows and o.cell[1] < cols]
        return out

    def grid_rows(self) -> list[str]:
        return ["".join(row) for row in self.grid]

    def __eq__(self, other: object) -> bool:
        """Equal when they save to the same file (the true reward compared on floor cells, non-finite as none).
        Array comparisons, not the file's lists: the editor compares layouts on every change."""
        if not isinstance(other, Layout):
            return NotImplemented
        if (self.name, self.slip, self.discount, self.horizon_override, tuple(self.actions), self.macrocell) != \
                (other.name, other.slip, other.discount, other.horizon_override, tuple(other.actions),
                 other.macrocell):
            return False
        if self.grid.shape != other.grid.shape or not np.array_equal(self.grid, other.grid):
            return False
        if self.objects != other.objects or self.extra != other.extra:
            return False
        if (self.true_reward is None) != (other.true_reward is None):
            return False
        if self.true_reward is None:
            return True
        floor = self.grid != WALL
        a, b = np.asarray(self.true_reward, float), np.asarray(other.true_reward, float)
        ka, kb = floor & np.isfinite(a), floor & np.isfinite(b)
        return bool(np.array_equal(ka, kb) and np.array_equal(a[ka], b[kb]))


# --- the file format -----------------------------------------------------------------------------------------------
def _where(source: str | None) -> str:
    return f"{source}: " if source else ""


def _number(value: Any, key: str, source: str | None, lo: float, hi: float, integer: bool = False) -> float:
    try:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    except OverflowError:  # an integer too large for a float
        ok = False
    if ok and integer and not float(value).is_integer():
        ok = False
    if not ok or not (lo <= value <= hi):
        kind = "an integer" if integer else "a number"
        raise LayoutError(f"{_where(source)}'{key}' must be {kind} between {lo:g} and {hi:g}, not {value!r}")
    return int(value) if integer else float(value)


def _finite(v: float) -> bool:
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def layout_from_dict(data: Any, source: str | None = None) -> Layout:
    """Validate a decoded JSON document and build a :class:`Layout`. ``source`` names the file in messages."""
    w = _where(source)
    if not isinstance(data, dict):
        raise LayoutError(f"{w}a layout file must hold a JSON object, not {type(data).__name__}")
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise LayoutError(f"{w}'format' is {fmt!r}, expected {FORMAT!r}")
    version = data.get("version", VERSION)
    if version != VERSION:
        raise LayoutError(f"{w}'version' is {version!r}; this IRL Studio reads version {VERSION}")
    rows = data.get("grid")
    if not isinstance(rows, list) or not rows or not all(isinstance(r, str) for r in rows):
        raise LayoutError(f"{w}'grid' must be a non-empty list of strings, one per row")
    width = len(rows[0])
    if len(rows) > MAX_SIDE or width > MAX_SIDE:
        raise LayoutError(f"{w}'grid' is {len(rows)}x{width}; at most {MAX_SIDE}x{MAX_SIDE} is supported")
    for r, line in enumerate(rows):
        if len(line) != width:
            raise LayoutError(f"{w}grid row {r} has {len(line)} cells but row 0 has {width}")
        for c, ch in enumerate(line):
            if ch not in CELL_CHARS:
                raise LayoutError(f"{w}grid row {r}, column {c}: {ch!r} is not a cell type "
                                  f"(# wall, . floor, S start, G goal, a-j terrain)")
    if width == 0:
        raise LayoutError(f"{w}'grid' rows are empty")
    grid = np.array([list(line) for line in rows], dtype="<U1").reshape(len(rows), width)
    if not (grid != WALL).any():
        raise LayoutError(f"{w}the grid has no floor cell")

    name = data.get("name", "untitled")
    if not isinstance(name, str):
        raise LayoutError(f"{w}'name' must be a string, not {name!r}")
    slip = _number(data.get("slip", 0.0), "slip", source, 0.0, 1.0)
    discount = _number(data.get("discount", 0.95), "discount", source, 0.0, 1.0)
    horizon = data.get("horizon")
    if horizon is not None:
        horizon = int(_number(horizon, "horizon", source, 1, 100_000, integer=True))

    actions = data.get("actions", list(ACTION_NAMES))
    if (not isinstance(actions, list) or not actions or len(set(map(str, actions))) != len(actions)
            or any(a not in ACTION_NAMES for a in actions)):
        raise LayoutError(f"{w}'actions' must be a list of distinct names from {list(ACTION_NAMES)}")
    actions = tuple(a for a in ACTION_NAMES if a in actions)  # canonical order
    if len(actions) < 2 and slip > 0:
        raise LayoutError(f"{w}slip needs at least two actions")

    macrocell = data.get("macrocell")
    if macrocell is not None:
        macrocell = int(_number(macrocell, "macrocell", source, 1, MAX_SIDE, integer=True))

    objects: list[WorldObject] = []
    raw_objects = data.get("objects", [])
    if not isinstance(raw_objects, list):
        raise LayoutError(f"{w}'objects' must be a list")
    for i, obj in enumerate(raw_objects):
        if not isinstance(obj, dict):
            raise LayoutError(f"{w}objects[{i}] must be an object with 'cell', 'inner', 'outer'")
        cell = obj.get("cell")
        if (not isinstance(cell, list) or len(cell) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in cell)):
            raise LayoutError(f"{w}objects[{i}].cell must be [row, col]")
        r, c = cell
        if not (0 <= r < grid.shape[0] and 0 <= c < grid.shape[1]) or grid[r, c] == WALL:
            raise LayoutError(f"{w}objects[{i}] at ({r}, {c}) is not on a floor cell")
        inner = int(_number(obj.get("inner"), f"objects[{i}].inner", source, 0, 99, integer=True))
        outer = int(_number(obj.get("outer"), f"objects[{i}].outer", source, 0, 99, integer=True))
        objects.append(WorldObject((r, c), inner, outer))

    true_reward = None
    raw_tr = data.get("true_reward")
    if raw_tr is not None:
        if not isinstance(raw_tr, list) or len(raw_tr) != grid.shape[0]:
            raise LayoutError(f"{w}'true_reward' must have {grid.shape[0]} rows like 'grid'")
        true_reward = np.full(grid.shape, np.nan)
        for r, line in enumerate(raw_tr):
            if not isinstance(line, list) or len(line) != grid.shape[1]:
                raise LayoutError(f"{w}true_reward row {r} must have {grid.shape[1]} entries like 'grid'")
            for c, v in enumerate(line):
                if grid[r, c] == WALL:
                    if v is not None and not (isinstance(v, (int, float)) and not isinstance(v, bool)):
                        raise LayoutError(f"{w}true_reward row {r}, column {c}: {v!r} is not a number or null")
                    continue
                if v is None or isinstance(v, bool) or not isinstance(v, (int, float)) or not _finite(v):
                    raise LayoutError(f"{w}true_reward row {r}, column {c}: floor cells need a finite number, "
                                      f"not {v!r}")
                true_reward[r, c] = float(v)

    extra = {k: v for k, v in data.items() if k not in _KNOWN_KEYS}
    return Layout(grid=grid, name=name, slip=slip, discount=discount, horizon_override=horizon, objects=objects,
                  true_reward=true_reward, actions=actions, macrocell=macrocell, extra=extra)


def layout_to_dict(layout: Layout) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": layout.name, "grid": layout.grid_rows(),
                           "slip": layout.slip, "discount": layout.discount}
    if layout.horizon_override is not None:
        out["horizon"] = layout.horizon_override
    if tuple(layout.actions) != ACTION_NAMES:
        out["actions"] = list(layout.actions)
    if layout.macrocell is not None:
        out["macrocell"] = layout.macrocell
    if layout.objects:
        out["objects"] = [{"cell": list(o.cell), "inner": o.inner, "outer": o.outer} for o in layout.objects]
    if layout.true_reward is not None:
        out["true_reward"] = [[None if (layout.grid[r, c] == WALL or not np.isfinite(v)) else float(v)
                               for c, v in enumerate(row)] for r, row in enumerate(layout.true_reward)]
    for k, v in layout.extra.items():
        out.setdefault(k, v)
    return out


def read_json(path: str | Path, error: type[IRLStudioError]) -> Any:
    """Read a JSON file, turning every failure into ``error`` with the file named."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{p}: no such file") from None
    except IsADirectoryError:
        raise error(f"{p}: is a folder, not a file") from None
    except UnicodeDecodeError:
        raise error(f"{p}: not a UTF-8 text file") from None
    except OSError as exc:
        raise error(f"{p}: cannot be read ({exc.strerror or exc})") from None
    try:
        return json.loads(text, parse_constant=_not_json(f"{p}: ", error))
    except json.JSONDecodeError as exc:
        raise error(f"{p}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise error(f"{p}: JSON nested too deeply") from None


def _not_json(where: str, error: type[IRLStudioError]):
    """``parse_constant`` for json.loads: Python reads NaN and Infinity, which are not JSON and which no writer
    (ours: ``allow_nan=False``) gives back, so a file holding one could be read but never saved again."""
    def reject(name: str):
        raise error(f"{where}{name} is not valid JSON (use null, or a finite number)")
    return reject


def write_json(path: str | Path, data: Any, error: type[IRLStudioError], compact_rows: bool = True) -> None:
    p = Path(path)
    try:
        text = json.dumps(data, indent=1 if compact_rows else 2, allow_nan=False)
    except ValueError as exc:  # NaN or infinity somewhere in the data
        raise error(f"{p}: cannot be written ({exc})") from None
    tmp = p.with_name(p.name + ".tmp")
    try:
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(p)  # never leave a half-written file behind
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)  # nor a temporary
        except OSError:
            pass
        raise error(f"{p}: cannot be written ({exc.strerror or exc})") from None


def load_layout(path: str | Path) -> Layout:
    return layout_from_dict(read_json(path, LayoutError), source=str(path))


def save_layout(layout: Layout, path: str | Path) -> None:
    write_json(path, layout_to_dict(layout), LayoutError)


def loads_layout(text: str, source: str | None = None) -> Layout:
    """Parse a layout from a JSON string (any failure is a :class:`LayoutError`)."""
    try:
        data = json.loads(text, parse_constant=_not_json(_where(source), LayoutError))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise LayoutError(f"{_where(source)}not valid JSON ({exc})") from None
    return layout_from_dict(data, source)
