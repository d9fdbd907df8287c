"""The continuous tab's document: the plane, its demonstrations and the learned result, with undo for every edit
(walls drawn, deleted or moved, start, goal, bounds and dynamics, demonstrations recorded, generated, opened or
deleted). Qt-light: signals and the undo stack; the numerics are engine calls."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal

from irl_studio.continuous.demos import PlaneDemos, PlaneTrajectory
from irl_studio.continuous.plane import Plane, PlaneError
from irl_studio.continuous.session import PlaneResult  # noqa: F401 (the document's result type)
from irl_studio.gui.common.document import Document


def copy_demos(d: PlaneDemos) -> PlaneDemos:
    return PlaneDemos(list(d.trajectories), dict(d.extra))


class PlaneDocument(Document):
    """``planeChanged``, ``demosChanged``, ``resultChanged`` after every change (edits, undo, redo, opening)."""

    FIELDS = ("plane", "demos", "result")
    planeChanged = Signal()
    demosChanged = Signal()
    resultChanged = Signal()
    comparisonChanged = Signal()

    def __init__(self, plane: Plane, demos: PlaneDemos | None = None, parent=None) -> None:
        super().__init__(parent)
        self.plane = plane
        self.demos = demos if demos is not None else PlaneDemos()
        self.result: PlaneResult | None = None
        # the AIRL-versus-GAIL comparison: {learner: {"result": PlaneResult, "plan": PlanResult | None}} and the
        # plane both were transferred to (a view of results, not an edit: no undo, not saved)
        self.comparison: dict[str, dict] = {}
        self.comparison_plane: dict | None = None
        self._before: Plane | None = None
        self.mark_saved()

    # --- the Document hooks -------------------------------------------------------------------------------------
    def copy_field(self, name: str, value: Any) -> Any:
        if name == "plane":
            return value.copy()
        if name == "demos":
            return copy_demos(value)
        return value

    def same(self, name: str, a: Any, b: Any) -> bool:
        if name == "plane":
            return b is not None and a == b
        if name == "demos":  # trajectories hold arrays: the same objects, in the same order
            return b is not None and len(a.trajectories) == len(b.trajectories) and \
                all(x is y for x, y in zip(a.trajectories, b.trajectories))
        return a is b

    def emit_fields(self, names: set[str]) -> None:
        if "plane" in names:
            self.planeChanged.emit()
        if "demos" in names:
            self.demosChanged.emit()
        if "result" in names:
            self.resultChanged.emit()
        if "comparison" in names:
            self.comparisonChanged.emit()

    # --- plane edits (each checked: a plane the engine refuses is never stored) ----------------------------------
    def set_plane(self, plane: Plane, text: str) -> None:
        """Replace the plane as one undo step (raises PlaneError, with the reason, for an invalid plane)."""
        plane = plane.validate()
        if plane != self.plane:
            self.edit(text, plane=plane)

    def edited(self, text: str, change) -> None:
        """``change(plane)`` applied to a copy of the plane, as one undo step."""
        new = self.plane.copy()
        change(new)
        self.set_plane(new, text)

    def add_wall(self, seg: tuple[float, float, float, float]) -> None:
        self.edited("draw a wall", lambda p: p.walls.append(tuple(float(v) for v in seg)))

    def delete_wall(self, index: int) -> None:
        self.edited("delete a wall", lambda p: p.walls.pop(index))

    def begin_move(self) -> None:
        if self._before is None:
            self._before = self.plane.copy()

    def move_endpoint(self, index: int, end: int, x: float, y: float) -> None:
        """Live, while the mouse drags an end of a wall (one undo step at :meth:`end_move`)."""
        self.begin_move()
        w = list(self.plane.walls[index])
        w[2 * end:2 * end + 2] = [float(x), float(y)]
        self.plane.walls[index] = tuple(w)
        self.changed({"plane"})

    def end_move(self) -> str | None:
        """The end of an endpoint drag: one undo step, or, when the moved wall makes the plane invalid (over the
        start, say), the plane as it was and the reason."""
        before, self._before = self._before, None
        if before is None:
            return None
        try:
            self.plane.validate()
        except PlaneError as exc:
            self.plane = before
            self.changed({"plane"})
            return str(exc)
        if before != self.plane:
            self.edit("move a wall's end", applied_before={"plane": before})
        return None

    # --- demonstration edits ------------------------------------------------------------------------------------
    def add_demos(self, trajectories: list[PlaneTrajectory], text: str) -> None:
        if trajectories:
            self.edit(text, demos=PlaneDemos(list(self.demos.trajectories) + list(trajectories),
                                             dict(self.demos.extra)))

    def delete_demos(self, indices: list[int]) -> int:
        drop = set(indices)
        keep = [t for i, t in enumerate(self.demos.trajectories) if i not in drop]
        n = len(self.demos) - len(keep)
        if n:
            self.edit(f"delete {n} demonstration(s)", demos=PlaneDemos(keep, dict(self.demos.extra)))
        return n

    def open(self, plane: Plane, demos: PlaneDemos | None = None, result: PlaneResult | None = None,
             saved: bool = True) -> None:
        """A new document: the undo history starts again."""
        self.comparison, self.comparison_plane = {}, None
        self.replace({"plane": plane, "demos": demos if demos is not None else PlaneDemos(), "result": result},
                     saved=saved)
        self.comparisonChanged.emit()
