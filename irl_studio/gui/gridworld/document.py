"""The gridworld tab's document: the layout, the demonstrations and the learned result, with undo for every edit
(paint strokes, resize, clear, random, dynamics, recording, generating, opening and deleting demonstrations).
Qt-light: signals and the undo stack; the numerics are engine calls."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Signal

from irl_studio.core.demos import Demos, Trajectory
from irl_studio.core.layout import TERRAIN_CHARS, WALL, Layout, WorldObject
from irl_studio.core.mdp import GridMDP, build_mdp
from irl_studio.core.session import LearnedResult
from irl_studio.gui.common.document import Document

# the drawing tools: key, label, the cell character they paint (None: special)
TOOLS = (("wall", "Wall", "#"), ("floor", "Floor", "."), ("start", "Start", "S"), ("goal", "Goal", "G"),
         ("terrain", "Terrain", None), ("object", "Object", None), ("reward", "True reward", None),
         ("eraser", "Eraser", None))
_CHARS = {key: ch for key, _t, ch in TOOLS if ch}


def copy_demos(d: Demos) -> Demos:
    return Demos(list(d.trajectories), dict(d.extra))


class GridDocument(Document):
    """``layoutChanged``, ``demosChanged``, ``resultChanged`` after every change (edits, undo, redo, opening)."""

    FIELDS = ("layout", "demos", "result")
    layoutChanged = Signal()
    demosChanged = Signal()
    resultChanged = Signal()

    def __init__(self, layout: Layout, demos: Demos | None = None, parent=None) -> None:
        super().__init__(parent)
        self.layout = layout
        self.demos = demos if demos is not None else Demos()
        self.result: LearnedResult | None = None
        self._mdp: GridMDP | None = None
        self._stroke_before: Layout | None = None
        self.mark_saved()

    # --- the Document hooks -------------------------------------------------------------------------------------
    def copy_field(self, name: str, value: Any) -> Any:
        if name == "layout":
            return value.copy()
        if name == "demos":
            return copy_demos(value)
        return value

    def same(self, name: str, a: Any, b: Any) -> bool:
        if name == "layout":
            return a == b
        if name == "demos":
            return b is not None and list(a.trajectories) == list(b.trajectories)
        return a is b

    def emit_fields(self, names: set[str]) -> None:
        if "layout" in names:
            self._mdp = None
            self.layoutChanged.emit()
        if "demos" in names:
            self.demosChanged.emit()
        if "result" in names:
            self.resultChanged.emit()

    def mdp(self) -> GridMDP:
        """The MDP of the layout as it is now (built on first use after a change)."""
        if self._mdp is None:
            self._mdp = build_mdp(self.layout)
        return self._mdp

    # --- layout edits -------------------------------------------------------------------------------------------
    def set_layout(self, layout: Layout, text: str) -> None:
        """Replace the layout as one undo step (resize, clear, random, dynamics)."""
        if layout != self.layout:
            self.edit(text, layout=layout)

    def begin_stroke(self) -> None:
        self._stroke_before = self.layout.copy()

    @property
    def in_stroke(self) -> bool:
        return self._stroke_before is not None

    def paint(self, row: int, col: int, tool: str, terrain: str = "a", inner: int = 0, outer: int = 1,
              value: float = 1.0) -> str | None:
        """Apply a drawing tool to one cell of the live layout (shown at once; one undo step per stroke, at
        :meth:`end_stroke`). Returns why nothing changed when the tool does not apply there, else None."""
        lay = self.layout
        if not lay.in_bounds(row, col):
            return "outside the grid"
        before = (lay.grid[row, col], list(lay.objects),
                  None if lay.true_reward is None else float(lay.true_reward[row, col]))
        if tool in _CHARS:
            lay.set_cell(row, col, _CHARS[tool])
        elif tool == "terrain":
            lay.set_cell(row, col, terrain if terrain in TERRAIN_CHARS else "a")
        elif tool == "eraser":
            lay.set_cell(row, col, ".")
            lay.objects = [o for o in lay.objects if o.cell != (row, col)]
        elif tool == "object":
            if lay.grid[row, col] == WALL:
                return "Objects go on floor cells"
            lay.objects = [o for o in lay.objects if o.cell != (row, col)]
            lay.objects.append(WorldObject((row, col), int(inner), int(outer)))
        elif tool == "reward":
            if lay.grid[row, col] == WALL:
                return "The true reward is painted on floor cells"
            if lay.true_reward is None:
                lay.true_reward = np.where(lay.floor_mask, 0.0, np.nan)
            lay.true_reward[row, col] = float(value)
        after = (lay.grid[row, col], list(lay.objects),
                 None if lay.true_reward is None else float(lay.true_reward[row, col]))
        if not _same_cell(before, after):
            if self._stroke_before is None:  # a paint outside a stroke is its own undo step
                self._stroke_before = self._layout_before(before, row, col)
                self.end_stroke(f"paint {tool}")
            else:
                self.changed({"layout"})
        return None

    def _layout_before(self, before, row: int, col: int) -> Layout:
        lay = self.layout.copy()
        lay.grid[row, col], lay.objects = before[0], before[1]
        if lay.true_reward is not None:
            lay.true_reward[row, col] = np.nan if before[2] is None else before[2]
        return lay

    def end_stroke(self, text: str) -> None:
        before, self._stroke_before = self._stroke_before, None
        if before is not None and before != self.layout:
            self.edit(text, applied_before={"layout": before})

    # --- demonstration edits ------------------------------------------------------------------------------------
    def add_demos(self, trajectories: list[Trajectory], text: str) -> None:
        if trajectories:
            self.edit(text, demos=Demos(list(self.demos.trajectories) + list(trajectories), dict(self.demos.extra)))

    def delete_demos(self, indices: list[int]) -> int:
        drop = set(indices)
        keep = [t for i, t in enumerate(self.demos.trajectories) if i not in drop]
        n = len(self.demos) - len(keep)
        if n:
            self.edit(f"delete {n} demonstration(s)", demos=Demos(keep, dict(self.demos.extra)))
        return n

    # --- opening ------------------------------------------------------------------------------------------------
    def open(self, layout: Layout, demos: Demos | None = None, result: LearnedResult | None = None,
             saved: bool = True) -> None:
        """A new document: the undo history starts again (opening a file; unsaved work was asked about first)."""
        self.replace({"layout": layout, "demos": demos if demos is not None else Demos(), "result": result},
                     saved=saved)


def _same_cell(a, b) -> bool:
    ch0, objs0, r0 = a
    ch1, objs1, r1 = b
    same_r = r0 == r1 or (r0 is not None and r1 is not None and np.isnan(r0) and np.isnan(r1))
    return ch0 == ch1 and objs0 == objs1 and same_r
