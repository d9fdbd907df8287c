"""The gridworld tab: the document, the canvas with its bar (what the cells show, policy arrows), and the panels
around it — Draw and Demonstrate on the left, Learn and Re-optimize on the right, the Results (live views, curves,
scrub bar) for the window's dock. The panels talk to the document, the canvas and the run controller, never to each
other; the tab wires them and answers the window's questions (its actions, is_modified, shutdown)."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

import numpy as np

from irl_studio.core.builtin import DEFAULT, builtin_demos, builtin_layout
from irl_studio.core.layout import WALL
from irl_studio.core.layout_tools import cell_name
from irl_studio.gui.common.tab import TabBase
from irl_studio.gui.common.run_controller import RunController
from irl_studio.gui.common.tasks import TaskRunner
from irl_studio.gui.common.widgets import named
from irl_studio.gui.gridworld.animator import Animator
from irl_studio.gui.gridworld.canvas import GridCanvas
from irl_studio.gui.gridworld.demo_panel import DemoPanel
from irl_studio.gui.gridworld.document import GridDocument
from irl_studio.gui.gridworld.draw_panel import DrawPanel
from irl_studio.gui.gridworld.files import GridFiles
from irl_studio.gui.gridworld.learn_panel import LearnPanel
from irl_studio.gui.gridworld.results_panel import ResultsPanel
from irl_studio.gui.gridworld.watch_panel import WatchPanel

BACKGROUNDS = ("layout", "true reward", "learned reward")


class GridworldTab(TabBase):
    title = "Gridworld"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("gridworldTab", "Gridworld", parent)
        # the first minute: the built-in example with its demonstrations, so that Run shows IRL working at once
        layout = builtin_layout(DEFAULT)
        layout.extra.setdefault("builtin", DEFAULT)
        self.doc = GridDocument(layout, builtin_demos(DEFAULT), self)
        self.canvas = GridCanvas()
        self.runs = RunController(self)
        self.tasks = TaskRunner(self.messages, self)
        self.animator = Animator(self.canvas, self)

        self.draw = DrawPanel(self.doc, self.canvas, self.messages)
        self.demo = DemoPanel(self.doc, self.canvas, self.messages, self.tasks, self.animator)
        self.learn = LearnPanel(self.doc, self.runs, self.messages)
        self.watch = WatchPanel(self.doc, self.canvas, self.runs, self.tasks, self.animator, self.messages)
        self.results = ResultsPanel(self.doc, self.canvas, self.runs)
        self.files = GridFiles(self, self.doc, self.messages, self.settings, self.apply_settings, self._before_open,
                               self.demo.open_demos, lambda: self.runs.running)
        self.connect_files()
        self.controllers, self.timers = [self.runs], [self.animator.timer, self.results.curves_timer]

        self.lay_out([self.draw, self.demo], self._centre(), [self.learn, self.watch],
                     {"splitter": "mainSplitter", "left": ("drawDemoPanel", "Draw and demonstrate"),
                      "right": ("learnPanel", "Learn, re-optimize and watch"),
                      "hover": ("hoverLabel", "Cell under the mouse")})
        self.canvas.cellHovered.connect(self._on_hover)
        self.doc.layoutChanged.connect(lambda: self.canvas.set_layout(self.doc.layout))
        self.runs.runningChanged.connect(self._on_running)
        self.canvas.set_layout(self.doc.layout)
        self.results._on_result()
        self._make_actions()

    def _centre(self) -> QWidget:
        centre = QWidget()
        cv = QVBoxLayout(centre)
        cv.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.canvasShowCombo = named(QComboBox(), "canvasShowCombo", "Canvas background",
                                     "What the cells show: their type, the true reward, or the learned reward (shown "
                                     "by itself while a run goes)")
        self.canvasShowCombo.addItems(list(BACKGROUNDS))
        self.canvasShowCombo.setMinimumContentsLength(14)
        self.canvasShowCombo.currentTextChanged.connect(self._on_background)
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.canvasShowCombo)
        self.showArrowsCheck = named(QCheckBox("Policy arrows"), "showArrowsCheck", "Show policy arrows",
                                     "Arrows of the (soft-)optimal policy under the learned reward")
        self.showArrowsCheck.setChecked(True)
        self.showArrowsCheck.toggled.connect(self.canvas.set_show_policy)
        bar.addWidget(self.showArrowsCheck)
        bar.addStretch(1)
        cv.addLayout(bar)
        cv.addWidget(self.canvas, 1)
        return centre

    # --- the canvas bar -----------------------------------------------------------------------------------------
    def _on_background(self, text: str) -> None:
        self.canvas.set_background(text)

    def _on_running(self, running: bool) -> None:
        if running:  # watching the reward converge is the point: the canvas shows it (the user can switch back)
            self.canvasShowCombo.setCurrentText("learned reward")

    def _on_hover(self, row: int, col: int) -> None:
        lay = self.doc.layout
        if row < 0 or not lay.in_bounds(row, col):
            self.hoverLabel.setText("")
            return
        parts = [f"row {row}, col {col}", cell_name(lay.grid[row, col])]
        objs = [o for o in lay.objects if o.cell == (row, col)]
        if objs:
            parts.append(f"object {objs[0].inner}/{objs[0].outer}")
        if lay.grid[row, col] != WALL:
            if lay.true_reward is not None:
                parts.append(f"true {lay.true_reward[row, col]:+.3g}")
            grid = self.canvas.learned_grid
            if grid is not None and grid.shape == lay.shape:
                v = grid[row, col]
                parts.append(f"learned {v:+.3g}" if np.isfinite(v) else "learned –")
        self.hoverLabel.setText("  ·  ".join(parts))

    # --- what the window asks of a tab --------------------------------------------------------------------------
    def _make_actions(self) -> None:
        self.make_file_actions(
            {"open": "actionOpen", "save": "actionSaveLayout", "save_as": "actionSaveLayoutAs",
             "open_session": "actionOpenSession", "save_session": "actionSaveSession", "open_demos": "actionOpenDemos",
             "save_demos": "actionSaveDemos", "export": "actionExportReward"},
            self.demo.open_demos_dialog, self.demo.save_demos_dialog, self.learn.export_reward_dialog,
            first=[self.action("New", "actionNew", self.draw.clear_grid, QKeySequence.StandardKey.New)])
        self.make_builtin_actions("builtin_", self.files.open_builtin)

    def settings(self) -> dict:
        return {**self.learn.settings(), **self.watch.settings(), "expert": self.demo.settings()}

    def apply_settings(self, s: dict) -> None:
        self.learn.apply_settings(s)
        self.watch.apply_settings(s)
        if isinstance(s.get("expert"), dict):
            self.demo.apply_settings(s["expert"])

    def _before_open(self) -> None:
        self.demo.cancel_recording(quiet=True)
        self.watch.clear()
        self.runs.forget()

