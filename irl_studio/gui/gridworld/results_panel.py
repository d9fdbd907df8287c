"""The results of a run, drawn live: the learned reward, expert and learner visitation and their difference (each
with its colour bar), the training curves, and a slider that scrubs back through the run (the reward and visitation
at iteration k, on these views and on the canvas). Shown in the window's Results dock."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QSplitter, QVBoxLayout
from PySide6.QtCore import Qt

from irl_studio.gui.common.curves import CurvesView, Series
from irl_studio.gui.common.flow import FlowGrid
from irl_studio.gui.common.heatmap import HeatmapView
from irl_studio.gui.common.run_controller import RunController
from irl_studio.gui.common.live_results import LiveResults
from irl_studio.gui.common.scrub import ScrubBar
from irl_studio.gui.gridworld.canvas import GridCanvas
from irl_studio.gui.gridworld.document import GridDocument

SERIES = [Series("objective", "log-likelihood / objective", "#1f77b4", ("log_likelihood", "objective", "loss")),
          Series("feature_gap", "feature gap", "#d62728", ("feature_gap_inf", "feature_gap_max", "feature_gap_l2")),
          Series("evd", "EVD", "#2ca02c", ("evd",))]


class ResultsPanel(LiveResults):
    def __init__(self, doc: GridDocument, canvas: GridCanvas, runs: RunController, parent=None) -> None:
        super().__init__(runs, CurvesView(SERIES), ScrubBar(), parent)
        self.setObjectName("gridResultsPanel")
        self.setAccessibleName("Results of the run")
        self.doc, self.canvas = doc, canvas
        v = QVBoxLayout(self)
        v.setContentsMargins(2, 2, 2, 2)
        v.addWidget(self.scrub)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("resultsSplitter")
        self.rewardView = HeatmapView("rewardView", "learned reward", "diverging")
        self.differenceView = HeatmapView("visitationDifferenceView", "learner − expert", "diverging")
        self.expertVisitationView = HeatmapView("expertVisitationView", "expert visitation", "sequential")
        self.learnerVisitationView = HeatmapView("learnerVisitationView", "learner visitation", "sequential")
        split.addWidget(FlowGrid([self.rewardView, self.differenceView, self.expertVisitationView,
                                  self.learnerVisitationView], cell_width=200))
        split.addWidget(self.curvesView)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([480, 320])
        v.addWidget(split, 1)
        self.shown = None  # the snapshot on the views
        doc.resultChanged.connect(self._on_result)

    def _on_result(self) -> None:
        """A result without a run (a session opened, a new document): the reward alone."""
        res = self.doc.result
        if res is None:
            self.shown = None
            for view in (self.rewardView, self.differenceView, self.expertVisitationView, self.learnerVisitationView):
                view.clear_values()
            self.canvas.set_learned_grid(None)
            self.curvesView.reset()
            self.scrub.reset()
        elif not self.runs.running and self.runs.last_snapshot is None:
            self.rewardView.set_values(res.grid)
            self.canvas.set_learned_grid(res.grid)

    def draw(self, snap) -> None:
        """One snapshot on the views and on the canvas."""
        if snap is None:
            return
        self.shown = snap
        self.rewardView.set_values(snap.reward_grid)
        exp, lrn = snap.grid_of(snap.expert_visitation), snap.grid_of(snap.learner_visitation)
        both = np.concatenate([exp[np.isfinite(exp)], lrn[np.isfinite(lrn)], [1e-12]])
        top = float(both.max())
        self.expertVisitationView.set_values(exp, top)
        self.learnerVisitationView.set_values(lrn, top)
        self.differenceView.set_values(lrn - exp)
        self.canvas.set_learned_grid(np.array(snap.reward_grid))
