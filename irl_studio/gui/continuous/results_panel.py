"""The results of a plane run, drawn live: the learned reward over the plane with the walls and a few current policy
rollouts on top (AIRL's Fig. 4, moving), the curves (discriminator loss and accuracy, the policy's true return, its
distance to the goal), a slider that scrubs back through the run, and the AIRL-versus-GAIL comparison side by side.
Shown in the window's Results dock."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QSplitter, QVBoxLayout, QWidget

from irl_studio.algorithms.plane_run import LEARNERS
from irl_studio.continuous.plane import plane_from_dict
from irl_studio.gui.common.curves import CurvesView, Series
from irl_studio.gui.common.heatmap import HeatmapView
from irl_studio.gui.common.run_controller import RunController
from irl_studio.gui.common.live_results import LiveResults
from irl_studio.gui.common.scrub import ScrubBar
from irl_studio.gui.common.widgets import status_label
from irl_studio.gui.continuous.canvas import PlaneCanvas
from irl_studio.gui.continuous.document import PlaneDocument
from irl_studio.gui.continuous.transfer_panel import COMPARED, PLAN_COLOR, describe

SERIES = [Series("loss", "discriminator loss (GCL: nll)", "#1f77b4", ("disc_loss", "nll")),
          Series("accuracy", "discriminator accuracy", "#9467bd", ("disc_accuracy",)),
          Series("return", "true return of the policy", "#2ca02c", ("true_return",)),
          Series("distance", "final distance to the goal", "#d62728", ("final_distance",))]


def walls_overlay(plane) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.array([a, c]), np.array([b, d])) for a, b, c, d in plane.walls]


def marks(plane) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.array([plane.start[0]]), np.array([plane.start[1]])), (np.array([plane.goal[0]]),
                                                                       np.array([plane.goal[1]]))]


class PlaneResultsPanel(LiveResults):
    def __init__(self, doc: PlaneDocument, canvas: PlaneCanvas, runs: RunController, parent=None) -> None:
        super().__init__(runs, CurvesView(SERIES, "planeCurvesView"), ScrubBar(prefix="plane"), parent)
        self.setObjectName("planeResultsPanel")
        self.setAccessibleName("Results of the plane run")
        self.doc, self.canvas = doc, canvas
        v = QVBoxLayout(self)
        v.setContentsMargins(2, 2, 2, 2)
        v.addWidget(self.scrub)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("planeResultsSplitter")
        (x0, x1), (y0, y1) = doc.plane.bounds
        self.planeRewardView = HeatmapView("planeRewardView", "learned reward over the plane", "diverging",
                                           extent=(x0, x1, y0, y1), y_up=True, axes=True)
        self.planeRewardView.setMinimumHeight(220)
        split.addWidget(self.planeRewardView)
        split.addWidget(self.curvesView)
        comp = QWidget()
        g = QGridLayout(comp)
        g.setContentsMargins(0, 0, 0, 0)
        self.compare_views = {}
        self.compare_labels = {}
        for i, key in enumerate(COMPARED):
            view = HeatmapView(f"planeCompare{key.upper()}View", LEARNERS[key][2], "diverging",
                               extent=(x0, x1, y0, y1), y_up=True)
            label = status_label(f"planeCompare{key.upper()}Label", f"{LEARNERS[key][2]} transferred", "", lines=3)
            g.addWidget(view, 0, i)
            g.addWidget(label, 1, i)
            self.compare_views[key], self.compare_labels[key] = view, label
        split.addWidget(comp)
        split.setSizes([380, 260, 0])
        self.split = split
        v.addWidget(split, 1)
        doc.resultChanged.connect(self._on_result)
        doc.planeChanged.connect(self._on_plane)
        doc.comparisonChanged.connect(self._on_comparison)
        self._on_plane()

    def _on_plane(self) -> None:
        pl = self.doc.plane
        (x0, x1), (y0, y1) = pl.bounds
        for view in (self.planeRewardView, *self.compare_views.values()):
            view.set_extent((x0, x1, y0, y1))
        self.planeRewardView.set_overlay("walls", walls_overlay(pl), "#34363e", 3.0)
        self.planeRewardView.set_overlay("marks", marks(pl), "#111111", 1.0, symbol="o")

    def _on_result(self) -> None:
        res = self.doc.result
        if res is None:
            self.planeRewardView.clear_values()
            self.canvas.set_reward(None, None, None)
            self.canvas.set_rollouts([])
            self.curvesView.reset()
            self.scrub.reset()
        elif not self.runs.running and self.runs.last_snapshot is None:  # a session's result
            self._show_grid(res.grid.x, res.grid.y, res.grid.values)

    def _show_grid(self, x, y, values) -> None:
        self.planeRewardView.set_extent((x[0], x[-1], y[0], y[-1]))
        self.planeRewardView.set_values(values)
        self.canvas.set_reward(x, y, values)

    def draw(self, snap) -> None:
        if snap is None:
            return
        if snap.reward_values is not None:
            self._show_grid(snap.reward_x, snap.reward_y, snap.reward_values)
        rolls = [np.asarray(r) for r in snap.rollouts]
        self.planeRewardView.set_overlay("rollouts", [(r[:, 0], r[:, 1]) for r in rolls], "#5a3c8c", 1.0)
        self.canvas.set_rollouts(rolls)

    def _on_comparison(self) -> None:
        comp, target = self.doc.comparison, self.doc.comparison_plane
        if not comp:
            for key in COMPARED:
                self.compare_views[key].clear_values()
                self.compare_labels[key].setText("")
            return
        sizes = self.split.sizes()
        if sizes[2] < 150:
            self.split.setSizes([max(sizes[0] - 100, 150), max(sizes[1] - 100, 120), 260])
        plane = plane_from_dict(target) if target else None
        for key in COMPARED:
            entry, view, label = comp.get(key), self.compare_views[key], self.compare_labels[key]
            if entry is None:
                view.clear_values()
                label.setText("learning…" if key not in comp else "")
                continue
            g = entry["result"].grid
            view.set_extent((g.x[0], g.x[-1], g.y[0], g.y[-1]))
            view.set_values(g.values)
            if plane is not None:
                view.set_overlay("walls", walls_overlay(plane), "#34363e", 3.0)
                view.set_overlay("marks", marks(plane), "#111111", 1.0, symbol="o")
            plan = entry.get("plan")
            if plan is not None:
                view.set_overlay("path", [(plan.positions[:, 0], plan.positions[:, 1])], PLAN_COLOR.name(), 3.0)
                label.setText(describe(plan, "Transferred") + (f"\non {plane.name}" if plane is not None else ""))
            else:
                label.setText("learned; transferring…" if target else "learned")
