"""The continuous-control tab: the plane document, the plane canvas with its bar (what the plane shows), and the
panels around it — Draw and Demonstrate on the left, Learn and Transfer on the right, the Results (the learned reward
over the plane live, curves, scrub bar, the AIRL-versus-GAIL comparison) for the window's dock. The same protocol
toward the window as the gridworld tab; the same shared parts (run controller, forms, views, files)."""

from __future__ import annotations

import math

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from irl_studio.continuous.plane import builtin_plane, plane_to_dict
from irl_studio.gui.common.format import fmt
from irl_studio.gui.common.tab import TabBase
from irl_studio.gui.common.run_controller import RunController
from irl_studio.gui.common.tasks import TaskRunner
from irl_studio.gui.common.widgets import named
from irl_studio.gui.continuous.canvas import PlaneCanvas
from irl_studio.gui.continuous.demo_panel import PlaneDemoPanel
from irl_studio.gui.continuous.document import PlaneDocument
from irl_studio.gui.continuous.draw_panel import PlaneDrawPanel
from irl_studio.gui.continuous.files import PlaneFiles
from irl_studio.gui.continuous.learn_panel import PlaneLearnPanel
from irl_studio.gui.continuous.results_panel import PlaneResultsPanel
from irl_studio.gui.continuous.transfer_panel import PlaneTransferPanel

DEFAULT_PLANE = "point-maze-left"


class ContinuousTab(TabBase):
    title = "Continuous plane"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("continuousTab", "Continuous plane", parent)
        plane = builtin_plane(DEFAULT_PLANE)
        plane.extra.setdefault("builtin", DEFAULT_PLANE)
        self.doc = PlaneDocument(plane, parent=self)
        self.canvas = PlaneCanvas()
        self.runs = RunController(self)
        self.rl_runs = RunController(self)  # the fresh RL policy of the transfer experiment
        self.tasks = TaskRunner(self.messages, self)

        self.draw = PlaneDrawPanel(self.doc, self.canvas, self.messages)
        self.demo = PlaneDemoPanel(self.doc, self.canvas, self.messages, self.tasks)
        self.learn = PlaneLearnPanel(self.doc, self.runs, self.messages)
        self.transfer = PlaneTransferPanel(self.doc, self.canvas, self.runs, self.rl_runs, self.tasks, self.messages)
        self.results = PlaneResultsPanel(self.doc, self.canvas, self.runs)
        self.files = PlaneFiles(self, self.doc, self.messages, self.settings, self.apply_settings, self._before_open,
                                self.demo.open_demos, lambda: self.runs.running or self.rl_runs.running)
        self.connect_files()
        self.controllers = [self.runs, self.rl_runs]
        self.timers = [self.demo.replay_timer, self.results.curves_timer]

        self.lay_out([self.draw, self.demo], self._centre(), [self.learn, self.transfer],
                     {"splitter": "planeSplitter", "left": ("planeDrawDemoPanel", "Draw and demonstrate"),
                      "right": ("planeLearnPanel", "Learn and transfer"),
                      "hover": ("planeHoverLabel", "Point under the mouse")})
        self.canvas.hovered.connect(self._on_hover)
        self.doc.planeChanged.connect(lambda: self.canvas.set_plane(self.doc.plane))
        self.runs.runningChanged.connect(self._on_running)
        self.canvas.set_plane(self.doc.plane)
        self._make_actions()

    def _centre(self) -> QWidget:
        centre = QWidget()
        cv = QVBoxLayout(centre)
        cv.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.planeShowCombo = named(QComboBox(), "planeShowCombo", "Plane background",
                                    "What the plane shows under the walls: nothing, or the learned reward (shown by "
                                    "itself while a run goes)")
        self.planeShowCombo.addItems(["plane", "learned reward"])
        self.planeShowCombo.currentTextChanged.connect(lambda t: self.canvas.set_show_reward(t == "learned reward"))
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.planeShowCombo)
        bar.addStretch(1)
        cv.addLayout(bar)
        cv.addWidget(self.canvas, 1)
        return centre

    def _on_running(self, running: bool) -> None:
        if running:
            self.planeShowCombo.setCurrentText("learned reward")

    def _on_hover(self, x: float, y: float) -> None:
        if math.isnan(x):
            self.hoverLabel.setText("")
            return
        parts = [f"x {x:.3f}, y {y:.3f}"]
        free = bool(self.doc.plane.is_free([[x, y]])[0])
        parts.append("free" if free else "wall or edge")
        res = self.doc.result
        if res is not None:
            parts.append(f"learned {fmt(float(res.grid.at([[x, y]])[0]), 3)}")
        self.hoverLabel.setText("  ·  ".join(parts))

    # --- what the window asks of a tab --------------------------------------------------------------------------
    def _make_actions(self) -> None:
        self.make_file_actions(
            {"open": "planeActionOpen", "save": "planeActionSave", "save_as": "planeActionSaveAs",
             "open_session": "planeActionOpenSession", "save_session": "planeActionSaveSession",
             "open_demos": "planeActionOpenDemos", "save_demos": "planeActionSaveDemos",
             "export": "planeActionExportReward"},
            self.demo.open_demos_dialog, self.demo.save_demos_dialog, self.learn.export_dialog)
        self.make_builtin_actions(
            "builtinPlane_", lambda n: self.files.open_builtin(n, keep_demos=self.doc.result is not None),
            tip="With a learned reward: the plane changes (undoable) and the reward stays, for the transfer "
                "experiment; without: opens it")

    def current_plane(self) -> dict:
        return plane_to_dict(self.doc.plane)

    def settings(self) -> dict:
        return {**self.learn.settings(), "expert": self.demo.settings()}

    def apply_settings(self, s: dict) -> None:
        self.learn.apply_settings(s)
        if isinstance(s.get("expert"), dict):
            self.demo.apply_settings(s["expert"])

    def _before_open(self) -> None:
        self.runs.forget()
        self.canvas.set_paths([])
        self.canvas.set_rollouts([])

