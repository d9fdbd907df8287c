"""The Learn panel: the algorithm, its features, the seed and the parameters (a form generated from the algorithm's
config), Run / Pause / Stop through the tab's run controller, the run's status and latest metrics, and Export. Each
snapshot of a run becomes the document's learned result."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QSpinBox, QVBoxLayout, QWidget

from irl_studio import IRLStudioError
from irl_studio.algorithms import ALGORITHMS, build_tabular
from irl_studio.core.demos import Demos
from irl_studio.core.features import FEATURE_SETS
from irl_studio.core.layout_tools import goal_reachable
from irl_studio.core.rewardio import SUFFIXES, save_reward
from irl_studio.core.session import LearnedResult
from irl_studio.gui.common.files import ask_save
from irl_studio.gui.common.format import fmt_metrics
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.param_form import ParamForm
from irl_studio.gui.common.run_controller import RunBar, RunController
from irl_studio.gui.common.widgets import button, clamped, compact_spin, named, status_label
from irl_studio.gui.gridworld.document import GridDocument
from irl_studio.gui.render import save_reward_png

# the metrics the label shows, in this order, when the run has them
SHOWN = ("log_likelihood", "objective", "feature_gap_inf", "evd", "evd_normalized", "pearson")


class LearnPanel(QGroupBox):
    def __init__(self, doc: GridDocument, runs: RunController, messages: Messages, parent=None) -> None:
        super().__init__("Learn", parent)
        self.setObjectName("learnGroup")
        self.doc, self.runs, self.messages = doc, runs, messages
        v = QVBoxLayout(self)
        form = QFormLayout()
        self.algorithmCombo = named(QComboBox(), "algorithmCombo", "Algorithm", "The IRL algorithm")
        for name, cls in ALGORITHMS.items():
            self.algorithmCombo.addItem(cls.title or name, name)
            self.algorithmCombo.setItemData(self.algorithmCombo.count() - 1, cls.paper or cls.title,
                                            Qt.ItemDataRole.ToolTipRole)
        form.addRow("Algorithm", self.algorithmCombo)
        self.featuresCombo = named(QComboBox(), "featuresCombo", "Features",
                                   "state: one-hot per cell (tabular reward); terrain: terrain class and goal; "
                                   "coords; objectworld: distances to objects")
        for name in FEATURE_SETS:
            self.featuresCombo.addItem(name, name)
        form.addRow("Features", self.featuresCombo)
        self.seedSpin = named(QSpinBox(), "seedSpin", "Seed", "Random seed of the run (same seed, same result)")
        self.seedSpin.setRange(0, 2**31 - 1)
        compact_spin(self.seedSpin)
        form.addRow("Seed", self.seedSpin)
        v.addLayout(form)
        self.paramForm = ParamForm("paramForm", visible_rows=7)
        v.addWidget(self.paramForm)
        self.bar = RunBar(runs, self.run)
        v.addWidget(self.bar)
        self.runButton, self.pauseButton, self.stopButton = self.bar.runButton, self.bar.pauseButton, \
            self.bar.stopButton
        self.runStatusLabel = self.bar.statusLabel
        self.metricsLabel = status_label("metricsLabel", "Latest metrics", "", lines=3)
        v.addWidget(self.metricsLabel)
        self.exportRewardButton = button("Export reward…", "exportRewardButton",
                                         "Save the learned reward as .npy, .csv, .json or .png",
                                         self.export_reward_dialog)
        v.addWidget(self.exportRewardButton)

        self.algorithmCombo.currentIndexChanged.connect(self._on_algorithm)
        self.select_algorithm("maxent")
        self._on_algorithm()
        runs.runningChanged.connect(self._on_running)
        runs.snapshot.connect(self._on_snapshot)
        runs.finished.connect(self._on_finished)
        doc.demosChanged.connect(self.bar.clear_error)
        doc.layoutChanged.connect(self.bar.clear_error)

    # --- the form -----------------------------------------------------------------------------------------------
    def algorithm_name(self) -> str:
        return self.algorithmCombo.currentData()

    def select_algorithm(self, name: str) -> None:
        idx = self.algorithmCombo.findData(name)
        if idx >= 0:
            self.algorithmCombo.setCurrentIndex(idx)

    def _on_algorithm(self, _i: int = 0) -> None:
        name = self.algorithm_name()
        self.paramForm.set_config(name, ALGORITHMS[name].Config if name else None)
        # Tab goes seed -> the parameters -> Run (new widgets would otherwise come last)
        chain = [self.seedSpin, *self.paramForm.widgets.values(), self.runButton]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    def _on_running(self, running: bool) -> None:
        for w in (self.algorithmCombo, self.featuresCombo, self.paramForm, self.seedSpin):
            w.setEnabled(not running)

    def settings(self) -> dict[str, Any]:
        return {"algorithm": self.algorithm_name(), "features": self.featuresCombo.currentData(),
                "seed": self.seedSpin.value(), "params": self.paramForm.values()}

    def apply_settings(self, s: dict[str, Any]) -> None:
        """A session's settings, each checked: a malformed one is skipped (with a note), never a traceback."""
        name = s.get("algorithm")
        if isinstance(name, str) and name in ALGORITHMS:
            self.select_algorithm(name)
        elif name:
            self.messages.status(f"The session's algorithm {name!r} is not available here")
        feats = s.get("features")
        if isinstance(feats, str) and feats in FEATURE_SETS:
            self.featuresCombo.setCurrentIndex(self.featuresCombo.findData(feats))
        if isinstance(s.get("seed"), int) and not isinstance(s.get("seed"), bool):
            self.seedSpin.setValue(int(clamped(self.seedSpin, s["seed"])))
        params = s.get("params")
        if isinstance(params, dict):
            for k in self.paramForm.set_values(params):
                self.messages.status(f"Ignored the malformed setting {k}={params[k]!r}")

    # --- running ------------------------------------------------------------------------------------------------
    def run(self) -> bool:
        """Start learning in the background; False (with a message) when the run cannot start."""
        if self.runs.running:
            return False
        name = self.algorithm_name()
        cls = ALGORITHMS[name]
        try:
            config = self.paramForm.config()
        except IRLStudioError as exc:
            self.bar.message(f"Cannot run: {exc}", error=True)
            return False
        if len(self.doc.demos) == 0:
            self.bar.message("Cannot run: there are no demonstrations. Record one (Record demonstrations, then click "
                             "from a start cell), generate expert demonstrations, or open a file.", error=True)
            return False
        if not goal_reachable(self.doc.layout):
            self.messages.status("Note: no goal can be reached from the start cells")
        layout = self.doc.layout.copy()
        demos = Demos(list(self.doc.demos.trajectories))
        features = self.featuresCombo.currentData()
        seed = self.seedSpin.value()

        build = partial(build_tabular, name, layout, demos, features, config, seed)  # picklable: a worker process
        self.metricsLabel.setText("")
        self.bar.message(f"Running {cls.title or name} with {features} features…")
        info = {"algorithm": name, "features": features, "seed": seed, "params": self.paramForm.values(),
                "layout": layout}
        return self.runs.start(build, cls.title or name, info)

    def _on_snapshot(self, snap) -> None:
        info = self.runs.info
        self.doc.set_field("result", LearnedResult.from_snapshot(snap, info.get("layout"), info))
        self.metricsLabel.setText(fmt_metrics(snap.metrics, SHOWN))

    def _on_finished(self, snap, outcome: str, message: str) -> None:
        if snap is not None:
            self._on_snapshot(snap)

    # --- export -------------------------------------------------------------------------------------------------
    def export_reward(self, path: str) -> bool:
        """Write the learned reward (.npy, .csv, .json or .png, by the suffix)."""
        res = self.doc.result
        if res is None:
            self.messages.error("Nothing to export", "Run an algorithm first: there is no learned reward yet")
            return False
        try:
            if Path(path).suffix.lower() == ".png":
                save_reward_png(path, res.grid, f"learned reward — {res.algorithm}, {res.features} features")
            else:
                save_reward(path, res.grid, layout=res.layout, info=res.info())
        except IRLStudioError as exc:
            self.messages.error("Cannot export the reward", str(exc))
            return False
        self.doc.mark_saved(["result"])
        self.messages.status(f"Exported the learned reward to {path}")
        return True

    def export_reward_dialog(self) -> None:
        if self.doc.result is None:
            self.messages.error("Nothing to export", "Run an algorithm first: there is no learned reward yet")
            return
        path = ask_save(self, "Export learned reward", "NumPy (*.npy);;CSV (*.csv);;JSON (*.json);;PNG image (*.png)",
                        "reward.npy", SUFFIXES)
        if path:
            self.export_reward(path)
