"""The main window and its gridworld tab: draw a layout, demonstrate, learn live, re-optimize and watch, export.

The window computes nothing itself: it edits the layout and demonstration models, starts workers (one
:class:`~irl_studio.gui.workers.RunWorker` per run, :class:`~irl_studio.gui.workers.TaskThread` for one-off engine
calls) and draws the snapshots they hand back.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QColor, QIcon, QKeySequence, QPixmap, QUndoStack
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog,
                               QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QMainWindow, QMessageBox, QPushButton, QScrollArea, QSizePolicy,
                               QSlider, QSpinBox, QSplitter, QTabWidget, QToolButton, QVBoxLayout, QWidget)

from irl_studio import IRLStudioError
from irl_studio.algorithms import ALGORITHMS, Problem
from irl_studio.algorithms.base import config_fields, config_from_mapping
from irl_studio.core.builtin import DEFAULT, builtin_demos, builtin_layout, builtin_names
from irl_studio.core.demos import Demos, Trajectory, check_step, expert_demos, layout_true_reward, load_demos, \
    save_demos, validate_demos
from irl_studio.core.features import FEATURE_SETS
from irl_studio.core.layout import ACTION_DELTAS, ACTION_NAMES, GOAL, TERRAIN_CHARS, WALL, Layout, LayoutError, \
    WorldObject, layout_from_dict, layout_to_dict, read_json, write_json
from irl_studio.core.mdp import GridMDP, build_mdp
from irl_studio.core.rewardio import save_reward
from irl_studio.gui.canvas import DEMO_COLORS, TERRAIN_RGB, GridCanvas
from irl_studio.gui.document import LayoutCommand, LearnedResult, cell_name, goal_reachable, load_session, \
    plan_and_roll, random_layout, save_session, session_to_dict
from irl_studio.gui.render import save_reward_png
from irl_studio.gui.views import CurvesView, HeatmapView
from irl_studio.gui.workers import RunWorker, TaskThread

ORGANIZATION = "IRL Studio"
APPLICATION = "irl-studio"
MAX_RECENT = 8
MAX_REPLAY = 32  # demonstrations replayed at once (as many as the rollout's agents)
TOOLS = (("wall", "Wall", "#"), ("floor", "Floor", "."), ("start", "Start", "S"), ("goal", "Goal", "G"),
         ("terrain", "Terrain", None), ("object", "Object", None), ("reward", "True reward", None),
         ("eraser", "Eraser", None))


def app_settings() -> QSettings:
    """The application's settings (INI under the user scope; tests redirect it with QSettings.setPath)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def _clamped(spin: QSpinBox, value: int) -> int:
    """``value`` within the spin box's range (a huge int from a file would overflow Qt's int)."""
    return max(spin.minimum(), min(spin.maximum(), value))


def _swatch(rgb) -> QIcon:
    pm = QPixmap(14, 14)
    pm.fill(QColor(*rgb))
    return QIcon(pm)


class MainWindow(QMainWindow):
    """IRL Studio's main window. ``layout_path``: a layout file, a session file or a built-in name to open."""

    def __init__(self, layout_path: str | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setAccessibleName("IRL Studio")
        self.world = builtin_layout(DEFAULT)
        self.demos = Demos()
        self.layout_path: str | None = None
        self.session_path: str | None = None
        self.demos_dirty = False
        self.result_dirty = False
        self.result: LearnedResult | None = None
        self.snapshot = None
        self.run_layout: Layout | None = None
        self.worker: RunWorker | None = None
        self.tasks: list[TaskThread] = []
        self.update_count = 0
        self.last_run_outcome: tuple[str, str] | None = None
        self._mdp_cache: GridMDP | None = None
        self._stroke_before: Layout | None = None
        self._recording: list[tuple[int, int]] = []
        self._recording_actions: list[str] = []
        self._param_widgets: dict[str, QWidget] = {}
        self._param_values: dict[str, dict[str, Any]] = {}
        self._run_t0 = 0.0
        self._run_settings: dict[str, Any] = {}
        self._anim_paths: list[list[tuple[int, int]]] = []
        self._anim_t = 0
        self._plan: dict | None = None
        self._closing = False
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.undo_stack.indexChanged.connect(self._update_title)
        self.anim_timer = QTimer(self)
        self.anim_timer.setObjectName("rolloutTimer")
        self.anim_timer.timeout.connect(self.anim_step)
        # the curves are redrawn on their own clock, in other event-loop turns than the heatmaps: each repaint stays
        # short and the event loop never stalls for both at once
        self.curves_timer = QTimer(self)
        self.curves_timer.setObjectName("curvesTimer")
        self.curves_timer.setInterval(300)
        self.curves_timer.timeout.connect(self._flush_curves)

        self._build_ui()
        self._build_menus()
        self.set_layout(self.world)
        self.resize(1600, 960)
        self._restore_settings()
        if layout_path:
            self.open_file(layout_path)
        self._update_title()
        self._update_run_buttons(False)

    # =============================================================================================================
    # UI construction
    # =============================================================================================================
    def _button(self, text: str, name: str, tip: str, slot: Callable | None = None, checkable: bool = False,
                tool: bool = False):
        b = QToolButton() if tool else QPushButton(text)
        if tool:
            b.setText(text)
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        b.setObjectName(name)
        b.setAccessibleName(text)
        b.setToolTip(tip)
        b.setCheckable(checkable)
        if slot is not None:
            (b.toggled if checkable else b.clicked).connect(slot)
        return b

    @staticmethod
    def _named(w: QWidget, name: str, accessible: str, tip: str = "") -> QWidget:
        w.setObjectName(name)
        w.setAccessibleName(accessible)
        if isinstance(w, QComboBox):
            w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            w.setMinimumContentsLength(8)
        if tip:
            w.setToolTip(tip)
        return w

    def _build_ui(self) -> None:
        self.tabs = QTabWidget()
        self._named(self.tabs, "tabs", "Workspaces")
        self.setCentralWidget(self.tabs)
        tab = QWidget()
        self._named(tab, "gridworldTab", "Gridworld")
        self.tabs.addTab(tab, "Gridworld")
        outer = QHBoxLayout(tab)
        outer.setContentsMargins(4, 4, 4, 4)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("mainSplitter")
        outer.addWidget(splitter)

        splitter.addWidget(self._side_panel([self._build_draw_group(), self._build_demo_group()], "drawDemoPanel",
                                            "Draw and demonstrate"))

        center = QWidget()
        cv = QVBoxLayout(center)
        cv.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.canvasShowCombo = self._named(QComboBox(), "canvasShowCombo", "Canvas background",
                                           "What the cells show: their type, the true reward, or the learned reward")
        self.canvasShowCombo.addItems(["layout", "true reward", "learned reward"])
        self.canvasShowCombo.setMinimumContentsLength(14)
        self.canvasShowCombo.currentTextChanged.connect(self._on_background)
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.canvasShowCombo)
        self.showArrowsCheck = self._named(QCheckBox("Policy arrows"), "showArrowsCheck", "Show policy arrows",
                                           "Arrows of the (soft-)optimal policy under the learned reward")
        self.showArrowsCheck.setChecked(True)
        self.showArrowsCheck.toggled.connect(lambda _on: self._show_policy())
        bar.addWidget(self.showArrowsCheck)
        bar.addStretch(1)
        self.modeLabel = self._named(QLabel("Drawing"), "modeLabel", "Mode")
        bar.addWidget(self.modeLabel)
        cv.addLayout(bar)
        self.canvas = GridCanvas()
        self.canvas.cellPressed.connect(self._on_cell_pressed)
        self.canvas.cellDragged.connect(self._on_cell_dragged)
        self.canvas.strokeFinished.connect(self._on_stroke_finished)
        self.canvas.cellHovered.connect(self._on_hover)
        self.canvas.keyAction.connect(self._on_key_action)
        cv.addWidget(self.canvas, 1)
        splitter.addWidget(center)

        splitter.addWidget(self._side_panel([self._build_learn_group(), self._build_watch_group()], "learnPanel",
                                            "Learn, re-optimize and watch"))

        views = QSplitter(Qt.Orientation.Vertical)
        views.setObjectName("viewsSplitter")
        top = QWidget()
        tg = QGridLayout(top)
        tg.setContentsMargins(0, 0, 0, 0)
        self.rewardView = HeatmapView("rewardView", "learned reward", "diverging")
        self.expertVisitationView = HeatmapView("expertVisitationView", "expert visitation", "sequential")
        self.learnerVisitationView = HeatmapView("learnerVisitationView", "learner visitation", "sequential")
        self.differenceView = HeatmapView("visitationDifferenceView", "learner - expert", "diverging")
        tg.addWidget(self.rewardView, 0, 0)
        tg.addWidget(self.differenceView, 0, 1)
        tg.addWidget(self.expertVisitationView, 1, 0)
        tg.addWidget(self.learnerVisitationView, 1, 1)
        views.addWidget(top)
        self.curvesView = CurvesView()
        views.addWidget(self.curvesView)
        views.setStretchFactor(0, 3)
        views.setStretchFactor(1, 1)
        splitter.addWidget(views)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 0)
        splitter.setStretchFactor(3, 3)
        splitter.setSizes([280, 520, 310, 620])
        self.splitter = splitter

        self.hoverLabel = self._named(QLabel(""), "hoverLabel", "Cell under the mouse")
        self.statusBar().addPermanentWidget(self.hoverLabel)

    def _side_panel(self, groups: list[QWidget], name: str, accessible: str) -> QScrollArea:
        """A vertically scrolling column of group boxes, never narrower than its contents."""
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(2, 2, 2, 2)
        for g in groups:
            lay.addWidget(g)
        lay.addStretch(1)
        scroll = self._named(QScrollArea(), name, accessible)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(inner.sizeHint().width() + 24)
        return scroll

    def _build_draw_group(self) -> QGroupBox:
        box = QGroupBox("Draw")
        box.setObjectName("drawGroup")
        v = QVBoxLayout(box)
        grid = QGridLayout()
        self.tool_group = QButtonGroup(self)
        self.tool_group.setExclusive(True)
        self.tool_buttons: dict[str, QToolButton] = {}
        tips = {"wall": "Paint walls", "floor": "Paint plain floor", "start": "Paint start cells (S)",
                "goal": "Paint goal cells (G, absorbing)", "terrain": "Paint the terrain class chosen below",
                "object": "Place Objectworld objects with the inner/outer colours below",
                "reward": "Paint the true reward value below (used for experts and scores)",
                "eraser": "Back to plain floor, removing objects"}
        for i, (key, text, _ch) in enumerate(TOOLS):
            b = self._button(text, f"tool{key.capitalize()}", tips[key], checkable=True, tool=True)
            self.tool_group.addButton(b)
            self.tool_buttons[key] = b
            grid.addWidget(b, i // 2, i % 2)
        self.tool_buttons["wall"].setChecked(True)
        v.addLayout(grid)
        form = QFormLayout()
        self.terrainCombo = self._named(QComboBox(), "terrainCombo", "Terrain class", "Terrain class of the brush")
        for k, ch in enumerate(TERRAIN_CHARS):
            self.terrainCombo.addItem(_swatch(TERRAIN_RGB[k]), f"{ch} (class {k})", ch)
        self.terrainCombo.activated.connect(lambda _i: self.tool_buttons["terrain"].setChecked(True))
        form.addRow("Terrain", self.terrainCombo)
        obj = QHBoxLayout()
        self.objectInnerSpin = self._named(QSpinBox(), "objectInnerSpin", "Object inner colour", "Inner colour index")
        self.objectOuterSpin = self._named(QSpinBox(), "objectOuterSpin", "Object outer colour", "Outer colour index")
        for s in (self.objectInnerSpin, self.objectOuterSpin):
            s.setRange(0, 9)
            obj.addWidget(s)
        self.objectOuterSpin.setValue(1)
        form.addRow("Object in/out", obj)
        self.rewardValueSpin = self._named(QDoubleSpinBox(), "rewardValueSpin", "True reward value",
                                           "Value painted by the true-reward brush")
        self.rewardValueSpin.setRange(-100.0, 100.0)
        self.rewardValueSpin.setDecimals(2)
        self.rewardValueSpin.setSingleStep(0.1)
        self.rewardValueSpin.setValue(1.0)
        form.addRow("Reward", self.rewardValueSpin)
        v.addLayout(form)
        size = QHBoxLayout()
        self.rowsSpin = self._named(QSpinBox(), "rowsSpin", "Rows", "Number of rows")
        self.colsSpin = self._named(QSpinBox(), "colsSpin", "Columns", "Number of columns")
        for s in (self.rowsSpin, self.colsSpin):
            s.setRange(3, 512)
        size.addWidget(self.rowsSpin)
        size.addWidget(QLabel("x"))
        size.addWidget(self.colsSpin)
        size.addWidget(self._button("Resize", "resizeButton", "Crop or pad (with walls) to this size",
                                    self.resize_grid))
        v.addLayout(size)
        dyn = QHBoxLayout()
        self.slipSpin = self._named(QDoubleSpinBox(), "slipSpin", "Slip",
                                    "Probability that the chosen action is replaced by one of the others")
        self.slipSpin.setRange(0.0, 1.0)
        self.slipSpin.setSingleStep(0.05)
        self.discountSpin = self._named(QDoubleSpinBox(), "discountSpin", "Discount", "Discount factor gamma")
        self.discountSpin.setRange(0.0, 1.0)
        self.discountSpin.setDecimals(3)
        self.discountSpin.setSingleStep(0.01)
        self.horizonSpin = self._named(QSpinBox(), "horizonSpin", "Horizon",
                                       "Steps (actions) per episode: an episode visits at most T + 1 cells, a "
                                       "demonstration has at most T moves; 0: the default 2 x (rows + cols)")
        self.horizonSpin.setRange(0, 100_000)
        self.horizonSpin.setSpecialValueText("auto")
        for label, spin in (("slip", self.slipSpin), ("γ", self.discountSpin), ("T", self.horizonSpin)):
            lab = QLabel(label)
            lab.setToolTip(spin.toolTip())
            dyn.addWidget(lab)
            dyn.addWidget(spin, 1)
            spin.editingFinished.connect(self.apply_dynamics)
        v.addLayout(dyn)
        row = QHBoxLayout()
        row.addWidget(self._button("Clear", "clearButton", "An empty room of this size", self.clear_grid))
        row.addWidget(self._button("Random", "randomButton", "Random walls, a start and a goal", self.random_grid))
        v.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self._button("Undo", "undoButton", "Undo the last edit (Ctrl+Z)", self.undo_stack.undo))
        row.addWidget(self._button("Redo", "redoButton", "Redo (Ctrl+Shift+Z)", self.undo_stack.redo))
        v.addLayout(row)
        return box

    def _build_demo_group(self) -> QGroupBox:
        box = QGroupBox("Demonstrate")
        box.setObjectName("demoGroup")
        v = QVBoxLayout(box)
        self.recordDemoButton = self._button(
            "Record demonstrations", "recordDemoButton",
            "Demonstration mode: click a start cell, then neighbouring cells (or arrow keys, space = stay); Enter "
            "or reaching a goal finishes, Escape cancels", self._on_record_toggled, checkable=True)
        v.addWidget(self.recordDemoButton)
        self.demoList = self._named(QListWidget(), "demoList", "Demonstrations",
                                    "Select to highlight on the grid; Delete removes")
        self.demoList.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.demoList.itemSelectionChanged.connect(self._show_demos)
        self.demoList.setMinimumHeight(110)
        delete = QAction("Delete demonstrations", self.demoList)
        delete.setShortcut(QKeySequence.StandardKey.Delete)
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(self.delete_demos)
        self.demoList.addAction(delete)
        v.addWidget(self.demoList)
        row = QHBoxLayout()
        row.addWidget(self._button("Replay", "replayDemoButton", "Animate the selected demonstration",
                                   self.replay_demo))
        row.addWidget(self._button("Delete", "deleteDemoButton", "Delete the selected demonstrations",
                                   self.delete_demos))
        v.addLayout(row)
        row = QHBoxLayout()
        self.expertCountSpin = self._named(QSpinBox(), "expertCountSpin", "Number of expert demonstrations",
                                           "How many demonstrations to generate from the true reward")
        self.expertCountSpin.setRange(1, 10000)
        self.expertCountSpin.setValue(20)
        self.expertKindCombo = self._named(QComboBox(), "expertKindCombo", "Expert kind",
                                           "optimal: greedy in the true values; soft: maximum-entropy expert")
        self.expertKindCombo.addItems(["optimal", "soft"])
        self.expertBetaSpin = self._named(QDoubleSpinBox(), "expertBetaSpin", "Soft expert rationality beta",
                                          "Rationality of the soft expert: pi ~ exp(beta Q). With beta 1 a soft expert "
                                          "on a layout with a goal tends to wander (staying alive earns entropy); "
                                          "raise it for a more decisive expert")
        self.expertBetaSpin.setRange(0.01, 1000.0)
        self.expertBetaSpin.setDecimals(2)
        self.expertBetaSpin.setValue(1.0)
        self.expertBetaSpin.setPrefix("β ")
        self.expertBetaSpin.setEnabled(False)
        self.expertKindCombo.currentTextChanged.connect(lambda k: self.expertBetaSpin.setEnabled(k == "soft"))
        row.addWidget(self.expertCountSpin)
        row.addWidget(self.expertKindCombo)
        row.addWidget(self.expertBetaSpin)
        row.addWidget(self._button("Generate", "generateDemosButton",
                                   "Generate expert demonstrations from the layout's true reward",
                                   self.generate_demos))
        v.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self._button("Open…", "openDemosButton", "Open a demonstrations file", self.open_demos_dialog))
        row.addWidget(self._button("Save…", "saveDemosButton", "Save the demonstrations", self.save_demos_dialog))
        row.addWidget(self._button("Built-in", "builtinDemosButton",
                                   "Add the built-in demonstrations of the open built-in layout",
                                   self.load_builtin_demos))
        v.addLayout(row)
        return box

    def _build_learn_group(self) -> QGroupBox:
        box = QGroupBox("Learn")
        box.setObjectName("learnGroup")
        v = QVBoxLayout(box)
        form = QFormLayout()
        self.algorithmCombo = self._named(QComboBox(), "algorithmCombo", "Algorithm", "The IRL algorithm")
        for name, cls in ALGORITHMS.items():
            self.algorithmCombo.addItem(cls.title or name, name)
            idx = self.algorithmCombo.count() - 1
            self.algorithmCombo.setItemData(idx, cls.paper or cls.title, Qt.ItemDataRole.ToolTipRole)
        self.algorithmCombo.currentIndexChanged.connect(self._on_algorithm_changed)
        form.addRow("Algorithm", self.algorithmCombo)
        self.featuresCombo = self._named(QComboBox(), "featuresCombo", "Features",
                                         "state: one-hot per cell (tabular reward); terrain: terrain class and goal; "
                                         "coords; objectworld: distances to objects")
        for name in FEATURE_SETS:
            self.featuresCombo.addItem(name, name)
        form.addRow("Features", self.featuresCombo)
        self.seedSpin = self._named(QSpinBox(), "seedSpin", "Seed", "Random seed of the run")
        self.seedSpin.setRange(0, 2**31 - 1)
        form.addRow("Seed", self.seedSpin)
        v.addLayout(form)
        self.paramForm = QWidget()
        self.paramForm.setObjectName("paramForm")
        self.paramLayout = QFormLayout(self.paramForm)
        self.paramLayout.setContentsMargins(0, 0, 0, 0)
        v.addWidget(self.paramForm)
        row = QHBoxLayout()
        self.runButton = self._button("Run", "runButton", "Start learning in the background", self.run)
        self.pauseButton = self._button("Pause", "pauseButton", "Pause or resume the run", self._on_pause,
                                        checkable=True)
        self.stopButton = self._button("Stop", "stopButton", "Stop the run after the current step", self.stop)
        for b in (self.runButton, self.pauseButton, self.stopButton):
            row.addWidget(b)
        v.addLayout(row)
        self.runStatusLabel = self._named(QLabel("Ready."), "runStatusLabel", "Run status")
        self.runStatusLabel.setWordWrap(True)
        v.addWidget(self.runStatusLabel)
        self.runStatsLabel = self._named(QLabel("iteration 0"), "runStatsLabel", "Iteration, speed and time")
        v.addWidget(self.runStatsLabel)
        self.metricsLabel = self._named(QLabel(""), "metricsLabel", "Latest metrics")
        self.metricsLabel.setWordWrap(True)
        v.addWidget(self.metricsLabel)
        self.exportRewardButton = self._button("Export reward…", "exportRewardButton",
                                               "Save the learned reward as .npy, .csv, .json or .png",
                                               self.export_reward_dialog)
        v.addWidget(self.exportRewardButton)
        if self.algorithmCombo.findData("maxent") >= 0:
            self.algorithmCombo.setCurrentIndex(self.algorithmCombo.findData("maxent"))
        self._on_algorithm_changed()
        return box

    def _build_watch_group(self) -> QGroupBox:
        box = QGroupBox("Re-optimize and watch")
        box.setObjectName("watchGroup")
        v = QVBoxLayout(box)
        form = QFormLayout()
        self.policyKindCombo = self._named(QComboBox(), "policyKindCombo", "Policy kind",
                                           "soft: maximum-entropy policy; optimal: greedy (hard value iteration)")
        self.policyKindCombo.addItems(["soft", "optimal"])
        form.addRow("Policy", self.policyKindCombo)
        self.agentsSpin = self._named(QSpinBox(), "agentsSpin", "Number of agents", "Agents rolled out at once")
        self.agentsSpin.setRange(1, MAX_REPLAY)
        self.agentsSpin.setValue(3)
        form.addRow("Agents", self.agentsSpin)
        v.addLayout(form)
        v.addWidget(self._button("Re-optimize under learned reward", "reoptimizeButton",
                                 "Plan on the current layout (edit the walls first for the transfer experiment) "
                                 "under the learned reward, without re-learning", self.reoptimize))
        row = QHBoxLayout()
        self.playButton = self._button("Play", "playButton", "Animate agents following the policy",
                                       self._on_play, checkable=True)
        self.stepButton = self._button("Step", "stepButton", "Advance the agents one step", self.anim_step)
        self.trailCheck = self._named(QCheckBox("Trail"), "trailCheck", "Show trails", "Draw the path behind agents")
        self.trailCheck.setChecked(True)
        self.trailCheck.toggled.connect(lambda _on: self._draw_agents())
        row.addWidget(self.playButton)
        row.addWidget(self.stepButton)
        row.addWidget(self.trailCheck)
        v.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Speed"))
        self.speedSlider = self._named(QSlider(Qt.Orientation.Horizontal), "speedSlider", "Animation speed",
                                       "Steps per second")
        self.speedSlider.setRange(1, 30)
        self.speedSlider.setValue(6)
        self.speedSlider.valueChanged.connect(lambda v_: self.anim_timer.setInterval(int(1000 / v_)))
        row.addWidget(self.speedSlider)
        v.addLayout(row)
        return box

    def _build_menus(self) -> None:
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self._action(m, "New", "actionNew", QKeySequence.StandardKey.New, self.clear_grid)
        self._action(m, "Open…", "actionOpen", QKeySequence.StandardKey.Open, self.open_dialog)
        self._action(m, "Save layout", "actionSaveLayout", QKeySequence.StandardKey.Save, self.save_layout_dialog)
        self._action(m, "Save layout as…", "actionSaveLayoutAs", None, lambda: self.save_layout_dialog(True))
        m.addSeparator()
        self._action(m, "Open session…", "actionOpenSession", None, self.open_session_dialog)
        self._action(m, "Save session…", "actionSaveSession", QKeySequence("Ctrl+Shift+S"), self.save_session_dialog)
        m.addSeparator()
        self._action(m, "Open demonstrations…", "actionOpenDemos", None, self.open_demos_dialog)
        self._action(m, "Save demonstrations…", "actionSaveDemos", None, self.save_demos_dialog)
        self._action(m, "Export reward…", "actionExportReward", QKeySequence("Ctrl+E"), self.export_reward_dialog)
        m.addSeparator()
        self.recentMenu = m.addMenu("Recent files")
        self.recentMenu.setObjectName("recentMenu")
        m.addSeparator()
        self._action(m, "Quit", "actionQuit", QKeySequence.StandardKey.Quit, self.close)
        e = mb.addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.setObjectName("actionUndo")
        redo = self.undo_stack.createRedoAction(self, "Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        redo.setObjectName("actionRedo")
        e.addAction(undo)
        e.addAction(redo)
        lm = mb.addMenu("&Layouts")
        lm.setObjectName("builtinMenu")
        for name in builtin_names():
            a = QAction(name, self)
            a.setObjectName(f"builtin_{name}")
            a.triggered.connect(lambda _c=False, n=name: self.open_builtin(n))
            lm.addAction(a)
        self._refresh_recent()

    def _action(self, menu, text, name, shortcut, slot) -> QAction:
        a = QAction(text, self)
        a.setObjectName(name)
        if shortcut is not None:
            a.setShortcut(shortcut)
        a.triggered.connect(lambda _c=False: slot())
        menu.addAction(a)
        return a

    # =============================================================================================================
    # messages
    # =============================================================================================================
    def error(self, title: str, text: str) -> None:
        """A clear message for bad input: a dialog, and the status bar."""
        self.statusBar().showMessage(f"{title}: {text}", 15000)
        QMessageBox.warning(self, title, text)

    def status(self, text: str, ms: int = 8000) -> None:
        self.statusBar().showMessage(text, ms)

    def _update_title(self, *_args) -> None:
        if self._closing:
            return
        where = self.session_path or self.layout_path
        name = Path(where).name if where else self.world.name
        self.setWindowTitle(f"{name}[*] — IRL Studio")
        self.setWindowModified(self.is_modified())

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean() or self.demos_dirty or self.result_dirty

    # =============================================================================================================
    # layout model
    # =============================================================================================================
    def mdp(self) -> GridMDP:
        if self._mdp_cache is None:
            self._mdp_cache = build_mdp(self.world)
        return self._mdp_cache

    def set_layout(self, layout: Layout) -> None:
        """Show ``layout`` (used by undo commands and loaders; not itself an undo step)."""
        # a demonstration being recorded was checked step by step against the old layout (undo can put a wall on it)
        self._cancel_recording()
        self.world = layout
        self._layout_changed()
        for s, v in ((self.rowsSpin, layout.rows), (self.colsSpin, layout.cols), (self.slipSpin, layout.slip),
                     (self.discountSpin, layout.discount), (self.horizonSpin, layout.horizon_override or 0)):
            s.blockSignals(True)
            s.setValue(v)
            s.blockSignals(False)
        self._update_title()

    def _layout_changed(self) -> None:
        self._mdp_cache = None
        self.canvas.set_layout(self.world)
        self._clear_policy()

    def _replace_layout(self, new: Layout, text: str, swap_demos: bool = False) -> None:
        """An undoable replacement of the whole layout (resize, clear, random, open)."""
        self._cancel_recording()
        demos_before = Demos(list(self.demos.trajectories), dict(self.demos.extra)) if swap_demos else None
        self.undo_stack.push(LayoutCommand(self, self.world, new, text, demos_before))

    def resize_grid(self) -> None:
        try:
            new = self.world.resized(self.rowsSpin.value(), self.colsSpin.value())
        except LayoutError as exc:
            self.error("Cannot resize", str(exc))
            return
        self._replace_layout(new, f"resize to {new.rows}x{new.cols}")

    def apply_dynamics(self) -> None:
        """Slip, discount and horizon from the form, as one undo step when they changed."""
        new = self.world.copy()
        new.slip, new.discount = float(self.slipSpin.value()), float(self.discountSpin.value())
        new.horizon_override = self.horizonSpin.value() or None
        if len(new.actions) < 2 and new.slip > 0:
            self.slipSpin.blockSignals(True)
            self.slipSpin.setValue(self.world.slip)  # the form shows what holds (and the next edit does not re-ask)
            self.slipSpin.blockSignals(False)
            self.error("Cannot set slip", "slip needs at least two actions")
            return
        if new != self.world:
            self._replace_layout(new, "dynamics")

    def clear_grid(self) -> None:
        new = Layout.empty(self.rowsSpin.value(), self.colsSpin.value(), name="untitled")
        new.slip, new.discount = self.world.slip, self.world.discount
        self._replace_layout(new, "clear")

    def random_grid(self) -> None:
        seed = int(np.random.default_rng().integers(2**31))
        new = random_layout(self.rowsSpin.value(), self.colsSpin.value(), seed)
        self._replace_layout(new, "random layout")

    # --- painting -----------------------------------------------------------------------------------------------
    def current_tool(self) -> str:
        for key, b in self.tool_buttons.items():
            if b.isChecked():
                return key
        return "wall"

    def apply_tool(self, row: int, col: int, tool: str | None = None) -> bool:
        """Apply a drawing tool to one cell of the live layout; True when something changed."""
        lay = self.world
        if not lay.in_bounds(row, col):
            return False
        tool = tool or self.current_tool()
        before_ch = lay.grid[row, col]
        before_tr = None if lay.true_reward is None else lay.true_reward[row, col]
        before_objs = list(lay.objects)
        chars = {key: ch for key, _t, ch in TOOLS if ch}
        if tool in chars:
            lay.set_cell(row, col, chars[tool])
        elif tool == "terrain":
            lay.set_cell(row, col, self.terrainCombo.currentData())
        elif tool == "eraser":
            lay.set_cell(row, col, ".")
            lay.objects = [o for o in lay.objects if o.cell != (row, col)]
        elif tool == "object":
            if lay.grid[row, col] == WALL:
                self.status("Objects go on floor cells")
                return False
            lay.objects = [o for o in lay.objects if o.cell != (row, col)]
            lay.objects.append(WorldObject((row, col), self.objectInnerSpin.value(), self.objectOuterSpin.value()))
        elif tool == "reward":
            if lay.grid[row, col] == WALL:
                self.status("The true reward is painted on floor cells")
                return False
            if lay.true_reward is None:
                lay.true_reward = np.where(lay.floor_mask, 0.0, np.nan)
            lay.true_reward[row, col] = self.rewardValueSpin.value()
        after_tr = None if lay.true_reward is None else lay.true_reward[row, col]
        changed = (lay.grid[row, col] != before_ch or lay.objects != before_objs
                   or not (before_tr == after_tr or (before_tr is not None and after_tr is not None
                                                      and np.isnan(before_tr) and np.isnan(after_tr))))
        if changed:
            self._layout_changed()
        return changed

    def _on_cell_pressed(self, row: int, col: int, button: int) -> None:
        if self.recordDemoButton.isChecked():
            self.demo_click(row, col)
            return
        self._stroke_before = self.world.copy()
        self.apply_tool(row, col)

    def _on_cell_dragged(self, row: int, col: int) -> None:
        if self._stroke_before is not None and not self.recordDemoButton.isChecked():
            self.apply_tool(row, col)

    def _on_stroke_finished(self) -> None:
        before, self._stroke_before = self._stroke_before, None
        if before is None or before == self.world:
            return
        tool = self.current_tool()
        self.undo_stack.push(LayoutCommand(self, before, self.world, f"paint {tool}"))

    def _on_hover(self, row: int, col: int) -> None:
        if row < 0 or not self.world.in_bounds(row, col):
            self.hoverLabel.setText("")
            return
        lay = self.world
        parts = [f"row {row}, col {col}", cell_name(lay.grid[row, col])]
        objs = [o for o in lay.objects if o.cell == (row, col)]
        if objs:
            parts.append(f"object {objs[0].inner}/{objs[0].outer}")
        if lay.grid[row, col] != WALL:
            if lay.true_reward is not None:
                parts.append(f"true {lay.true_reward[row, col]:+.3g}")
            if self.result is not None and self.result.grid.shape == lay.shape:
                v = self.result.grid[row, col]
                parts.append(f"learned {v:+.3g}" if np.isfinite(v) else "learned –")
        self.hoverLabel.setText("  ·  ".join(parts))

    def _on_background(self, text: str) -> None:
        self.canvas.background = text
        self.canvas.learned_grid = self.result.grid if self.result is not None else None
        self.canvas.refresh()

    # =============================================================================================================
    # demonstrations
    # =============================================================================================================
    def set_demos(self, demos: Demos, dirty: bool = True) -> None:
        self.demos = demos
        if dirty:
            self.demos_dirty = True
        self._refresh_demo_list()
        self._update_title()

    def _refresh_demo_list(self, select: int | None = None) -> None:
        self.demoList.blockSignals(True)
        self.demoList.clear()
        for i, tr in enumerate(self.demos.trajectories):
            a, b = tr.cells[0], tr.cells[-1]
            item = QListWidgetItem(f"#{i + 1}: {len(tr)} cells  ({a[0]},{a[1]}) → ({b[0]},{b[1]})")
            pm = QPixmap(10, 10)
            pm.fill(DEMO_COLORS[i % len(DEMO_COLORS)])
            item.setIcon(QIcon(pm))
            self.demoList.addItem(item)
        if select is not None and 0 <= select < self.demoList.count():
            self.demoList.setCurrentRow(select)
        self.demoList.blockSignals(False)
        self._show_demos()

    def selected_demos(self) -> list[int]:
        return sorted(self.demoList.row(it) for it in self.demoList.selectedItems())

    def _show_demos(self) -> None:
        sel = set(self.selected_demos())
        paths = []
        few = len(self.demos) <= 30
        for i, tr in enumerate(self.demos.trajectories):
            color = QColor(DEMO_COLORS[i % len(DEMO_COLORS)])
            if i in sel:
                paths.append((list(tr.cells), color, 0.2))
            elif few and not self.recordDemoButton.isChecked():
                color.setAlpha(90)
                paths.append((list(tr.cells), color, 0.08))
        self.canvas.set_demo_paths(paths)

    def _on_record_toggled(self, on: bool) -> None:
        if not on:
            if len(self._recording) >= 2:
                self.finish_demo()
            self._cancel_recording(quiet=True)
        for b in self.tool_buttons.values():
            b.setEnabled(not on)
        self.modeLabel.setText("Demonstrating: click a start cell" if on else "Drawing")
        if on:
            self.canvas.setFocus()
            self.status("Click a start cell, then neighbouring cells (or arrow keys; space = stay). "
                        "Enter finishes, Escape cancels.", 15000)
        self._show_demos()

    def _cancel_recording(self, quiet: bool = False) -> None:
        had = bool(self._recording)
        self._recording, self._recording_actions = [], []
        self.canvas.current_path = []
        self.canvas.viewport().update()
        if self.recordDemoButton.isChecked():
            self.modeLabel.setText("Demonstrating: click a start cell")
        if had and not quiet:
            self.status("Demonstration cancelled")

    def demo_click(self, row: int, col: int) -> None:
        """A click in demonstration mode: the first cell of a demonstration, or the next cell."""
        lay = self.world
        if not self._recording:
            if lay.grid[row, col] == WALL:
                self.status("Start a demonstration on a floor cell, not a wall")
                return
            if lay.start_mask.any() and lay.grid[row, col] != "S":
                self.status("Start a demonstration on a start cell (S)")
                return
            if lay.grid[row, col] == GOAL:
                self.status("A demonstration cannot start on a goal")
                return
            self._recording = [(row, col)]
            self._recording_actions = []
            self.canvas.current_path = list(self._recording)
            self.modeLabel.setText("Demonstrating: 1 cell")
            self.canvas.viewport().update()
            return
        cur = self._recording[-1]
        d = (row - cur[0], col - cur[1])
        action = next((ACTION_NAMES[i] for i, dd in enumerate(ACTION_DELTAS) if dd == d), "stay")
        self.demo_move(action, (row, col))

    def demo_move(self, action: str, nxt: tuple[int, int] | None = None) -> bool:
        """Extend the demonstration being recorded by ``action`` (to ``nxt``, default: the action's target)."""
        if not self._recording:
            starts = np.argwhere(self.world.start_mask)
            if len(starts) != 1:
                self.status("Click a start cell first")
                return False
            self.demo_click(int(starts[0][0]), int(starts[0][1]))  # the only start cell: begin there
        cur = self._recording[-1]
        if nxt is None:
            dr, dc = ACTION_DELTAS[ACTION_NAMES.index(action)]
            nxt = (cur[0] + dr, cur[1] + dc)
        mdp = self.mdp()
        why = check_step(mdp, cur, action, nxt)
        if not why and len(self._recording_actions) >= mdp.horizon:
            why = f"the horizon is {mdp.horizon} steps (Enter finishes)"
        if why:
            self.status(f"Move refused: {why}")
            return False
        self._recording.append(nxt)
        self._recording_actions.append(action)
        self.canvas.current_path = list(self._recording)
        self.canvas.viewport().update()
        self.modeLabel.setText(f"Demonstrating: {len(self._recording)} cells")
        s = mdp.state_of(*nxt)
        if mdp.terminal[s]:
            self.finish_demo("reached the goal")
        elif len(self._recording_actions) >= mdp.horizon:
            self.finish_demo(f"reached the horizon of {mdp.horizon} steps")
        return True

    def finish_demo(self, why: str = "") -> None:
        if len(self._recording) < 2:
            self.status("A demonstration needs at least one move; click a neighbouring cell")
            return
        tr = Trajectory(tuple(self._recording), tuple(self._recording_actions))
        self._cancel_recording(quiet=True)
        self.demos.trajectories.append(tr)
        self.demos_dirty = True
        self._refresh_demo_list(select=len(self.demos) - 1)
        self.modeLabel.setText("Demonstrating: click a start cell")
        self.status(f"Demonstration #{len(self.demos)} recorded ({len(tr)} cells" + (f", {why})" if why else ")"))
        self._update_title()

    def _on_key_action(self, name: str) -> None:
        if not self.recordDemoButton.isChecked():
            if name not in ("finish", "cancel"):
                self.status("The arrow keys walk a demonstration: press Record demonstrations first")
            return
        if name == "finish":
            self.finish_demo()
        elif name == "cancel":
            self._cancel_recording()
        else:
            self.demo_move(name)

    def delete_demos(self) -> None:
        rows = self.selected_demos()
        if not rows:
            self.status("Select demonstrations to delete")
            return
        keep = [t for i, t in enumerate(self.demos.trajectories) if i not in set(rows)]
        self.set_demos(Demos(keep, dict(self.demos.extra)))
        self.status(f"Deleted {len(rows)} demonstration(s)")

    def replay_demo(self) -> None:
        rows = self.selected_demos() or ([0] if len(self.demos) else [])
        if not rows:
            self.status("There is no demonstration to replay")
            return
        if len(rows) > MAX_REPLAY:  # thousands of animated agents and trails would stall every frame
            self.status(f"Replaying the first {MAX_REPLAY} of the {len(rows)} selected demonstrations")
            rows = rows[:MAX_REPLAY]
        self.start_animation([list(self.demos.trajectories[i].cells) for i in rows])

    def load_builtin_demos(self) -> None:
        name = self.world.extra.get("builtin") or self.world.name
        for cand in (name, str(name).replace(" ", "-")):
            try:
                d = builtin_demos(cand)
                validate_demos(self.mdp(), d)
            except IRLStudioError:
                continue
            self.set_demos(Demos(self.demos.trajectories + d.trajectories, dict(self.demos.extra)))
            self.status(f"Added {len(d)} built-in demonstrations")
            return
        self.error("No built-in demonstrations", "There are no built-in demonstrations that fit this layout; open "
                   "a built-in layout from the Layouts menu first")

    def generate_demos(self) -> None:
        lay = self.world.copy()
        n, kind, seed = self.expertCountSpin.value(), self.expertKindCombo.currentText(), self.seedSpin.value()
        beta = self.expertBetaSpin.value()
        if lay.true_reward is None:
            self.error("No true reward", "Generating expert demonstrations needs a true reward: paint one with the "
                       "True reward brush, or open a built-in layout")
            return

        def job():
            mdp = build_mdp(lay)
            return expert_demos(mdp, layout_true_reward(mdp, lay.true_reward), n, kind, seed, beta=beta)

        def done(demos: Demos) -> None:
            if lay != self.world:
                self.status("The layout changed while generating; demonstrations discarded")
                return
            self.set_demos(Demos(self.demos.trajectories + demos.trajectories, dict(self.demos.extra)))
            self.status(f"Generated {len(demos)} {kind} expert demonstrations")

        self.start_task(job, done, "generating demonstrations")

    # =============================================================================================================
    # learning
    # =============================================================================================================
    def algorithm_name(self) -> str:
        return self.algorithmCombo.currentData()

    def _on_algorithm_changed(self, _i: int = 0) -> None:
        prev = getattr(self, "_param_algo", None)
        if prev is not None:
            self._param_values[prev] = self.param_values()
        name = self.algorithm_name()
        self._param_algo = name
        while self.paramLayout.rowCount():
            self.paramLayout.removeRow(0)
        self._param_widgets = {}
        if name is None:
            return
        cls = ALGORITHMS[name]
        saved = self._param_values.get(name, {})
        for f in config_fields(cls.Config):
            help_ = f.metadata.get("help", "")
            value = saved.get(f.name, f.default)
            if isinstance(f.default, bool):
                w = QCheckBox()
                w.setChecked(bool(value) if not isinstance(value, str) else value.lower() in ("1", "true", "yes"))
            elif "choices" in f.metadata:
                w = QComboBox()
                w.addItems([str(c) for c in f.metadata["choices"]])
                w.setCurrentText(str(value))
            elif isinstance(f.default, int):
                w = QSpinBox()
                w.setRange(int(f.metadata.get("min", -2**31 + 1)), int(min(f.metadata.get("max", 2**31 - 1),
                                                                            2**31 - 1)))
                w.setValue(int(value))
            else:
                w = QLineEdit(",".join(map(str, value)) if isinstance(value, tuple) else str(value))
            bounds = " ".join(f"{k} {f.metadata[k]}" for k in ("min", "max") if k in f.metadata)
            tip = f"{help_} (default {f.default!r}{'; ' + bounds if bounds else ''})"
            self._named(w, f"param_{f.name}", f.name.replace("_", " "), tip)
            label = QLabel(f.name.replace("_", " "))
            label.setToolTip(tip)
            self.paramLayout.addRow(label, w)
            self._param_widgets[f.name] = w
        # Tab goes seed -> the parameters -> Run (new widgets would otherwise come last)
        chain = [self.seedSpin, *self._param_widgets.values(), self.runButton]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    def param_values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, w in self._param_widgets.items():
            if isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[name] = w.currentText()
            elif isinstance(w, QSpinBox):
                out[name] = w.value()
            else:
                out[name] = w.text().strip()
        return out

    def set_param(self, name: str, value: Any) -> None:
        w = self._param_widgets[name]
        if isinstance(w, QCheckBox):
            w.setChecked(bool(value))
        elif isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        elif isinstance(w, QSpinBox):
            w.setValue(_clamped(w, int(value)))
        else:
            w.setText(",".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value))

    def select_algorithm(self, name: str) -> None:
        idx = self.algorithmCombo.findData(name)
        if idx >= 0:
            self.algorithmCombo.setCurrentIndex(idx)

    def is_running(self) -> bool:
        return self.worker is not None

    def _update_run_buttons(self, running: bool) -> None:
        self.runButton.setEnabled(not running)
        self.stopButton.setEnabled(running)
        self.pauseButton.setEnabled(running)
        if not running:
            self.pauseButton.blockSignals(True)
            self.pauseButton.setChecked(False)
            self.pauseButton.setText("Pause")
            self.pauseButton.blockSignals(False)
        for w in (self.algorithmCombo, self.featuresCombo, self.paramForm, self.seedSpin):
            w.setEnabled(not running)

    def _run_message(self, text: str, error: bool = False) -> None:
        self.runStatusLabel.setText(text)
        self.runStatusLabel.setStyleSheet("color: #b00020; font-weight: bold;" if error else "")
        self.status(text)

    def run(self) -> bool:
        """Start learning in the background; False (with a message) when the run cannot start."""
        if self.worker is not None:
            return False
        if len(self._recording) >= 2:
            self.finish_demo()  # a demonstration in progress is kept, not lost
        self._cancel_recording(quiet=True)
        name = self.algorithm_name()
        cls = ALGORITHMS[name]
        params = self.param_values()
        try:
            config = config_from_mapping(cls.Config, params)
        except IRLStudioError as exc:
            self._run_message(f"Cannot run: {exc}", error=True)
            return False
        if len(self.demos) == 0:
            self._run_message("Cannot run: there are no demonstrations. Record one (Record demonstrations, then "
                              "click from a start cell), generate expert demonstrations, or open a file.", error=True)
            return False
        if not goal_reachable(self.world):
            self.status("Note: no goal can be reached from the start cells")
        layout = self.world.copy()
        demos = Demos(list(self.demos.trajectories))
        features = self.featuresCombo.currentData()
        seed = self.seedSpin.value()

        def build():
            return cls(Problem.from_layout(layout, demos, features), config, seed)

        self.run_layout = layout
        self._run_settings = {"algorithm": name, "features": features, "seed": seed, "params": params}
        self.curvesView.reset()
        self.update_count = 0
        self.last_run_outcome = None
        self.worker = RunWorker(build)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished_run.connect(self._on_run_finished)
        self._run_t0 = time.perf_counter()
        self.curves_timer.start()
        self._update_run_buttons(True)
        self._run_message(f"Running {cls.title or name} with {features} features…")
        self.worker.start()
        return True

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.request_stop()
            self._run_message("Stopping…")

    def _on_pause(self, on: bool) -> None:
        if self.worker is None:
            return
        if on:
            self.worker.pause()
            self.pauseButton.setText("Resume")
            self._run_message("Paused")
        else:
            self.worker.resume()
            self.pauseButton.setText("Pause")
            self._run_message("Running…")

    def _on_progress(self) -> None:
        w = self.worker
        if w is None:
            return
        snap = w.take()
        for it, metrics in w.take_history():
            self.curvesView.add(it, metrics, draw=False)
        if snap is not None:
            self.apply_snapshot(snap)

    def _on_run_finished(self, snap, outcome: str, message: str) -> None:
        w = self.worker
        if w is not None:
            w.wait()
            for it, metrics in w.take_history():
                self.curvesView.add(it, metrics, draw=False)
            w.deleteLater()
        self.worker = None
        self.curves_timer.stop()
        if snap is not None:
            self.apply_snapshot(snap)
        self.curvesView.flush()
        self._update_run_buttons(False)
        self.last_run_outcome = (outcome, message)
        if outcome == "failed":
            self._run_message(f"Run failed: {message}", error=True)
        elif outcome == "stopped":
            self._run_message(f"Stopped at iteration {snap.iteration if snap else 0}.")
        else:
            self._run_message(f"Finished: {message} after {snap.iteration if snap else 0} iterations.")
        if snap is not None and outcome != "failed" and not self._closing:
            self.reoptimize(quiet=True)

    def _flush_curves(self) -> None:
        if self.curvesView.dirty:
            self.curvesView.flush()

    def apply_snapshot(self, snap) -> None:
        """Draw one snapshot in the live views."""
        self.snapshot = snap
        self.update_count += 1
        lay = self.run_layout or self.world
        cells = np.argwhere(lay.floor_mask)

        def grid(values):
            g = np.full(lay.shape, np.nan)
            g[cells[:, 0], cells[:, 1]] = values
            return g

        self.result = LearnedResult(grid=np.array(snap.reward_grid), algorithm=snap.algorithm,
                                    features=self._run_settings.get("features", "state"), iterations=snap.iteration,
                                    seed=self._run_settings.get("seed", 0),
                                    params=dict(self._run_settings.get("params", {})),
                                    weights=None if snap.weights is None else np.array(snap.weights), layout=lay,
                                    metrics={k: float(v) for k, v in snap.metrics.items()})
        self.result_dirty = True
        self.rewardView.set_values(snap.reward_grid)
        exp, lrn = grid(snap.expert_visitation), grid(snap.learner_visitation)
        both = np.concatenate([exp[np.isfinite(exp)], lrn[np.isfinite(lrn)], [1e-12]])
        top = float(both.max())
        self.expertVisitationView.set_values(exp, top)
        self.learnerVisitationView.set_values(lrn, top)
        self.differenceView.set_values(lrn - exp)
        self.curvesView.add(snap.iteration, snap.metrics, draw=self.worker is None)
        wall = max(time.perf_counter() - self._run_t0, 1e-9)
        self.runStatsLabel.setText(f"iteration {snap.iteration}  ·  {snap.iteration / wall:.1f} it/s  ·  "
                                   f"{wall:.1f} s")
        m = snap.metrics
        shown = [f"{k} {m[k]:.4g}" for k in ("objective", "log_likelihood", "feature_gap_inf", "evd", "pearson")
                 if k in m]
        self.metricsLabel.setText("  ·  ".join(shown))
        self.canvas.set_learned_grid(self.result.grid)
        self._update_title()

    # =============================================================================================================
    # re-optimize and watch
    # =============================================================================================================
    def reoptimize(self, quiet: bool = False) -> None:
        """Plan on the current layout under the learned reward (no re-learning) and roll out agents."""
        if self.result is None:
            if not quiet:
                self.error("Nothing learned yet", "Run an algorithm first (or open a session with a learned "
                           "reward)")
            return
        lay, result = self.world.copy(), self.result
        kind, n, seed = self.policyKindCombo.currentText(), self.agentsSpin.value(), self.seedSpin.value()

        def job():
            return plan_and_roll(lay, build_mdp(lay), result, kind, n, seed)

        def done(out: dict) -> None:
            if out["layout"] != self.world:
                self.status("The layout changed while re-optimizing; press Re-optimize again")
                return
            self._plan = out
            self._show_policy()
            self._anim_paths = out["paths"]
            self._anim_t = 0
            self._draw_agents()
            note = f" ({out['missing']} new floor cells took the lowest learned value)" if out["missing"] else ""
            self.status(f"Re-optimized the {kind} policy under the learned reward{note}")

        # after a run (quiet), a learned reward that no longer fits an edited layout is a note, not a dialog
        self.start_task(job, done, "re-optimizing", quiet=quiet)

    def _clear_policy(self) -> None:
        self._plan = None
        self.stop_animation()
        self._anim_paths = []
        self.canvas.set_policy(None)
        self.canvas.agents, self.canvas.trails = [], []

    def _show_policy(self) -> None:
        plan = self._plan
        if plan is None or not self.showArrowsCheck.isChecked():
            self.canvas.set_policy(None)
        else:
            mdp, pol = plan["mdp"], plan["policy"]
            acts = np.full(self.world.shape, -1, dtype=np.int64)
            strength = np.zeros(self.world.shape)
            live = ~mdp.terminal
            acts[mdp.cells[live, 0], mdp.cells[live, 1]] = np.argmax(pol[live], axis=1)
            strength[mdp.cells[:, 0], mdp.cells[:, 1]] = np.max(pol, axis=1)
            self.canvas.set_policy(acts, strength, tuple(mdp.actions))

    def _on_play(self, on: bool) -> None:
        if not on:
            self.anim_timer.stop()
            self.playButton.setText("Play")
            return
        if not self._anim_paths:
            self.playButton.blockSignals(True)
            self.playButton.setChecked(False)
            self.playButton.blockSignals(False)
            if self.result is None:
                self.error("Nothing to play", "Learn a reward first, then press Play to watch agents follow the "
                           "policy (or select a demonstration and press Replay)")
            else:
                self.reoptimize()
                self.status("Re-optimizing first; press Play again when the arrows appear")
            return
        if self._anim_t >= self._anim_len() - 1:
            self._anim_t = 0
        self.playButton.setText("Pause")
        self.anim_timer.start(int(1000 / self.speedSlider.value()))

    def start_animation(self, paths: list[list[tuple[int, int]]]) -> None:
        self._anim_paths = paths
        self._anim_t = 0
        self._draw_agents()
        self.playButton.setChecked(True)

    def stop_animation(self) -> None:
        self.anim_timer.stop()
        if hasattr(self, "playButton"):
            self.playButton.blockSignals(True)
            self.playButton.setChecked(False)
            self.playButton.setText("Play")
            self.playButton.blockSignals(False)

    def _anim_len(self) -> int:
        return max((len(p) for p in self._anim_paths), default=0)

    def anim_step(self) -> None:
        if not self._anim_paths:
            return
        if self._anim_t < self._anim_len() - 1:
            self._anim_t += 1
        else:
            self.stop_animation()
        self._draw_agents()

    def _draw_agents(self) -> None:
        t = self._anim_t
        self.canvas.agents = [p[min(t, len(p) - 1)] for p in self._anim_paths]
        self.canvas.trails = [p[:min(t, len(p) - 1) + 1] for p in self._anim_paths] if self.trailCheck.isChecked() \
            else []
        self.canvas.viewport().update()

    # =============================================================================================================
    # background tasks
    # =============================================================================================================
    def start_task(self, fn: Callable[[], Any], done: Callable[[Any], None], what: str,
                   quiet: bool = False) -> TaskThread:
        """Run ``fn`` off the GUI thread, then ``done(result)``; a failure is a message (status bar only when
        ``quiet``: for work the user did not ask for)."""
        task = TaskThread(fn)
        self.tasks.append(task)

        def finished_ok(result) -> None:
            self._end_task(task)
            if not self._closing:
                done(result)

        def failed(message: str) -> None:
            self._end_task(task)
            if self._closing:
                return
            if quiet:
                self.status(f"Not {what}: {message}", 15000)
            else:
                self.error(f"Failed {what}", message)

        task.succeeded.connect(finished_ok)
        task.failed.connect(failed)
        self.status(f"{what[0].upper()}{what[1:]}…")
        task.start()
        return task

    def _end_task(self, task: TaskThread) -> None:
        task.wait()
        if task in self.tasks:
            self.tasks.remove(task)
        task.deleteLater()

    def busy(self) -> bool:
        return self.worker is not None or bool(self.tasks)

    # =============================================================================================================
    # files
    # =============================================================================================================
    def open_file(self, spec: str) -> bool:
        """Open a layout, session or demonstrations file (by its 'format'), or a built-in layout name."""
        p = Path(spec)
        if not p.exists() and spec in builtin_names():
            return self.open_builtin(spec)
        if p.is_file() and p.suffix.lower() == ".json":
            try:
                data = read_json(p, LayoutError)
            except IRLStudioError as exc:
                self.error("Cannot open file", str(exc))
                return False
            fmt = data.get("format") if isinstance(data, dict) else None
            if fmt == "irl-studio.session":
                return self.open_session(spec)
            if fmt == "irl-studio.demos":
                return self.open_demos(spec)
        return self.open_layout(spec)

    def open_layout(self, path: str) -> bool:
        """Open a layout file (or a built-in name) as one undoable step; a message on bad input."""
        if not Path(path).exists() and path in builtin_names():
            return self.open_builtin(path)
        if not self.confirm_unsaved("opening another layout"):
            return False
        try:
            data = read_json(path, LayoutError)
            layout = layout_from_dict(data, source=str(path))
        except IRLStudioError as exc:
            self.error("Cannot open layout", str(exc))
            return False
        self._replace_layout(layout, f"open {Path(path).name}", swap_demos=True)
        self.layout_path = str(path)
        self.session_path = None
        self.undo_stack.setClean()
        self._add_recent(str(path))
        self._update_title()
        self.status(f"Opened {path}")
        return True

    def open_builtin(self, name: str) -> bool:
        if not self.confirm_unsaved("opening another layout"):
            return False
        try:
            layout = builtin_layout(name)
        except IRLStudioError as exc:
            self.error("Cannot open layout", str(exc))
            return False
        layout.extra.setdefault("builtin", name)
        self._replace_layout(layout, f"open {name}", swap_demos=True)
        self.layout_path = None
        self.session_path = None
        self.undo_stack.setClean()
        self._update_title()
        self.status(f"Opened the built-in layout {name!r}")
        return True

    def _ask_open(self, title: str, filt: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, title, self._last_dir(), filt)
        return path or None

    def _ask_save(self, title: str, filt: str, default: str = "") -> str | None:
        start = str(Path(self._last_dir()) / default) if default else self._last_dir()
        path, _ = QFileDialog.getSaveFileName(self, title, start, filt)
        return path or None

    def _last_dir(self) -> str:
        return str(app_settings().value("lastDir", str(Path.home())))

    def open_dialog(self) -> None:
        path = self._ask_open("Open layout, session or demonstrations", "IRL Studio files (*.json);;All files (*)")
        if path:
            self._remember_dir(path)
            self.open_file(path)

    def save_layout(self, path: str) -> bool:
        lay = self.world.copy()
        lay.extra.pop("builtin", None)
        try:
            write_json(path, layout_to_dict(lay), LayoutError)
        except IRLStudioError as exc:
            self.error("Cannot save layout", str(exc))
            return False
        self.layout_path = str(path)
        self.undo_stack.setClean()
        self._add_recent(str(path))
        self._update_title()
        self.status(f"Saved the layout to {path}")
        return True

    def save_layout_dialog(self, ask: bool = False) -> bool:
        path = self.layout_path if (self.layout_path and not ask) else \
            self._ask_save("Save layout", "Layouts (*.json)", f"{self.world.name}.json")
        if not path:
            return False
        if not path.lower().endswith(".json"):
            path += ".json"
        self._remember_dir(path)
        return self.save_layout(path)

    def open_demos(self, path: str) -> bool:
        try:
            demos = load_demos(path)
            validate_demos(self.mdp(), demos)
        except IRLStudioError as exc:
            self.error("Cannot open demonstrations", f"{exc}\n\nThe demonstrations must fit the open layout.")
            return False
        self.set_demos(Demos(self.demos.trajectories + demos.trajectories, dict(self.demos.extra)))
        self.status(f"Added {len(demos)} demonstrations from {path}")
        return True

    def open_demos_dialog(self) -> None:
        path = self._ask_open("Open demonstrations", "Demonstrations (*.json);;All files (*)")
        if path:
            self._remember_dir(path)
            self.open_demos(path)

    def save_demos(self, path: str) -> bool:
        try:
            save_demos(self.demos, path)
        except IRLStudioError as exc:
            self.error("Cannot save demonstrations", str(exc))
            return False
        self.demos_dirty = False
        self._update_title()
        self.status(f"Saved {len(self.demos)} demonstrations to {path}")
        return True

    def save_demos_dialog(self) -> None:
        if not len(self.demos):
            self.error("No demonstrations", "There are no demonstrations to save")
            return
        path = self._ask_save("Save demonstrations", "Demonstrations (*.json)", "demos.json")
        if path:
            if not path.lower().endswith(".json"):
                path += ".json"
            self._remember_dir(path)
            self.save_demos(path)

    def export_reward(self, path: str) -> bool:
        """Write the learned reward (.npy, .csv, .json or .png, by the suffix)."""
        if self.result is None:
            self.error("Nothing to export", "Run an algorithm first: there is no learned reward yet")
            return False
        res = self.result
        try:
            if Path(path).suffix.lower() == ".png":
                save_reward_png(path, res.grid, f"learned reward — {res.algorithm}, {res.features} features")
            else:
                save_reward(path, res.grid, layout=res.layout, info=res.info())
        except IRLStudioError as exc:
            self.error("Cannot export the reward", str(exc))
            return False
        self.result_dirty = False
        self._update_title()
        self.status(f"Exported the learned reward to {path}")
        return True

    def export_reward_dialog(self) -> None:
        if self.result is None:
            self.error("Nothing to export", "Run an algorithm first: there is no learned reward yet")
            return
        path = self._ask_save("Export learned reward", "NumPy (*.npy);;CSV (*.csv);;JSON (*.json);;PNG image (*.png)",
                              "reward.npy")
        if path:
            if Path(path).suffix.lower() not in (".npy", ".csv", ".json", ".png"):
                path += ".npy"
            self._remember_dir(path)
            self.export_reward(path)

    def session_settings(self) -> dict[str, Any]:
        return {"algorithm": self.algorithm_name(), "features": self.featuresCombo.currentData(),
                "seed": self.seedSpin.value(), "params": self.param_values(),
                "expert": {"n": self.expertCountSpin.value(), "kind": self.expertKindCombo.currentText(),
                           "beta": self.expertBetaSpin.value()},
                "policy": self.policyKindCombo.currentText()}

    def save_session(self, path: str) -> bool:
        try:
            save_session(path, session_to_dict(self.world, self.demos, self.session_settings(), self.result))
        except IRLStudioError as exc:
            self.error("Cannot save session", str(exc))
            return False
        self.session_path = str(path)
        self.undo_stack.setClean()
        self.demos_dirty = self.result_dirty = False
        self._add_recent(str(path))
        self._update_title()
        self.status(f"Saved the session to {path}")
        return True

    def save_session_dialog(self) -> bool:
        path = self._ask_save("Save session", "Sessions (*.json)", "session.json")
        if not path:
            return False
        if not path.lower().endswith(".json"):
            path += ".json"
        self._remember_dir(path)
        return self.save_session(path)

    def open_session(self, path: str) -> bool:
        if not self.confirm_unsaved("opening a session"):
            return False
        try:
            layout, demos, settings, result = load_session(path)
        except IRLStudioError as exc:
            self.error("Cannot open session", str(exc))
            return False
        if self.worker is not None:
            self.error("A run is going", "Stop the run before opening a session")
            return False
        self._replace_layout(layout, f"open {Path(path).name}", swap_demos=True)
        self.set_demos(demos, dirty=False)
        self._apply_settings(settings)
        self.result = result
        self.snapshot = None
        self.curvesView.reset()
        for v in (self.expertVisitationView, self.learnerVisitationView, self.differenceView):
            v.clear_values()
        self.canvas.set_learned_grid(result.grid if result is not None else None)
        if result is not None:
            self.rewardView.set_values(result.grid)
            self.runStatsLabel.setText(f"iteration {result.iterations} (from the session)")
        else:
            self.rewardView.clear_values()
        self.session_path = str(path)
        self.layout_path = None
        self.undo_stack.setClean()
        self.demos_dirty = self.result_dirty = False
        self._add_recent(str(path))
        self._update_title()
        try:
            validate_demos(self.mdp(), demos)
            self.status(f"Opened the session {path}")
        except IRLStudioError as exc:  # kept (the user's data), but said at once, not at the next Run
            self.error("Demonstrations do not fit", f"The session opened, but its demonstrations do not fit its "
                       f"layout: {exc}\n\nDelete or re-record them before running.")
        return True

    def _apply_settings(self, s: dict[str, Any]) -> None:
        """A session's settings, each checked: a malformed one is skipped (with a note), never a traceback."""
        name = s.get("algorithm")
        if isinstance(name, str) and name in ALGORITHMS:
            self.select_algorithm(name)
        elif name:
            self.status(f"The session's algorithm {name!r} is not available here")
        feats = s.get("features")
        if isinstance(feats, str) and feats in FEATURE_SETS:
            self.featuresCombo.setCurrentIndex(self.featuresCombo.findData(feats))
        if isinstance(s.get("seed"), int):
            self.seedSpin.setValue(_clamped(self.seedSpin, s["seed"]))
        params = s.get("params")
        if isinstance(params, dict):
            for k, v in params.items():
                if k in self._param_widgets:
                    try:
                        self.set_param(k, v)
                    except (TypeError, ValueError):
                        self.status(f"Ignored the malformed setting {k}={v!r}")
        if s.get("policy") in ("soft", "optimal"):
            self.policyKindCombo.setCurrentText(s["policy"])
        expert = s.get("expert")
        if isinstance(expert, dict):
            if isinstance(expert.get("n"), int):
                self.expertCountSpin.setValue(_clamped(self.expertCountSpin, expert["n"]))
            if expert.get("kind") in ("optimal", "soft"):
                self.expertKindCombo.setCurrentText(expert["kind"])
            beta, spin = expert.get("beta"), self.expertBetaSpin
            if isinstance(beta, (int, float)) and not isinstance(beta, bool):
                spin.setValue(float(max(spin.minimum(), min(spin.maximum(), beta))))

    def open_session_dialog(self) -> None:
        path = self._ask_open("Open session", "Sessions (*.json);;All files (*)")
        if path:
            self._remember_dir(path)
            self.open_session(path)

    # --- settings and recent files --------------------------------------------------------------------------------
    def _remember_dir(self, path: str) -> None:
        app_settings().setValue("lastDir", str(Path(path).parent))

    def recent_files(self) -> list[str]:
        v = app_settings().value("recentFiles", [])
        if isinstance(v, str):
            v = [v]
        return [str(x) for x in (v or [])]

    def _add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        app_settings().setValue("recentFiles", files[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recentMenu.clear()
        files = self.recent_files()
        for f in files:
            a = self.recentMenu.addAction(Path(f).name)
            a.setToolTip(f)
            a.triggered.connect(lambda _c=False, p=f: self.open_file(p))
        self.recentMenu.setEnabled(bool(files))

    def _restore_settings(self) -> None:
        s = app_settings()
        geo, state = s.value("geometry"), s.value("windowState")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def _save_settings(self) -> None:
        s = app_settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())
        s.sync()

    # =============================================================================================================
    # closing
    # =============================================================================================================
    def confirm_unsaved(self, doing: str = "closing") -> bool:
        """With unsaved work, ask Save / Discard / Cancel before ``doing`` replaces or closes it; True to go on."""
        if not self.is_modified():
            return True
        ans = QMessageBox.question(
            self, "Unsaved work", "The layout, demonstrations or learned reward have unsaved changes.\n"
            f"Save the session before {doing}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        return not (ans == QMessageBox.StandardButton.Cancel
                    or (ans == QMessageBox.StandardButton.Save and not self.save_session_dialog()))

    def closeEvent(self, event) -> None:
        if not self.confirm_unsaved("closing"):
            event.ignore()
            return
        self.shutdown()
        self._save_settings()
        event.accept()

    def shutdown(self) -> None:
        """Stop the run and every background task and timer; wait for their threads."""
        self._closing = True
        self.anim_timer.stop()
        self.curves_timer.stop()
        if self.worker is not None:
            w = self.worker
            w.request_stop()
            w.wait()
            try:
                w.progress.disconnect()
                w.finished_run.disconnect()
            except (RuntimeError, TypeError):
                pass
            self.worker = None
            self._update_run_buttons(False)
        for t in list(self.tasks):
            t.wait()
        self.tasks.clear()
