"""The plane's Learn panel: the learner (AIRL with a state-only or a state-action reward, GAIL, GCL), the seed and
the parameters (a form generated from the learner's config), Run / Pause / Stop through the tab's run controller,
the run's status and metrics, and Export (the reward grid .json / .npz, the networks .safetensors, a .png)."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QSpinBox, QVBoxLayout, QWidget

from irl_studio import IRLStudioError
from irl_studio.algorithms.plane_run import LEARNERS, build_plane_run, learner_config_type
from irl_studio.continuous.demos import demos_to_dict
from irl_studio.continuous.plane import plane_to_dict
from irl_studio.continuous.rewardgrid import RewardGrid, save_reward_grid
from irl_studio.gui.common.files import ask_save
from irl_studio.gui.common.format import fmt_metrics
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.param_form import ParamForm
from irl_studio.gui.common.run_controller import RunBar, RunController
from irl_studio.gui.common.widgets import button, clamped, compact_spin, named, status_label
from irl_studio.gui.continuous.document import PlaneDocument, PlaneResult
from irl_studio.gui.render import save_plane_reward_png

SHOWN = ("true_return", "disc_loss", "disc_accuracy", "nll", "final_distance", "env_steps")
EXPORTS = (".json", ".npz", ".safetensors", ".png")


class PlaneLearnPanel(QGroupBox):
    def __init__(self, doc: PlaneDocument, runs: RunController, messages: Messages, parent=None) -> None:
        super().__init__("Learn", parent)
        self.setObjectName("planeLearnGroup")
        self.doc, self.runs, self.messages = doc, runs, messages
        v = QVBoxLayout(self)
        form = QFormLayout()
        self.planeAlgorithmCombo = named(QComboBox(), "planeAlgorithmCombo", "Algorithm",
                                         "The sample-based IRL algorithm")
        for key, (_name, _cfg, title, tip) in LEARNERS.items():
            self.planeAlgorithmCombo.addItem(title, key)
            self.planeAlgorithmCombo.setItemData(self.planeAlgorithmCombo.count() - 1, tip,
                                                 Qt.ItemDataRole.ToolTipRole)
        form.addRow("Algorithm", self.planeAlgorithmCombo)
        self.seedSpin = named(QSpinBox(), "planeSeedSpin", "Seed", "Random seed of the run (same seed, same result)")
        self.seedSpin.setRange(0, 2**31 - 1)
        compact_spin(self.seedSpin)
        form.addRow("Seed", self.seedSpin)
        v.addLayout(form)
        self.paramForm = ParamForm("planeParamForm", visible_rows=7)
        v.addWidget(self.paramForm)
        self.bar = RunBar(runs, self.run, prefix="plane")
        v.addWidget(self.bar)
        self.planeRunButton, self.planeStopButton = self.bar.runButton, self.bar.stopButton
        self.metricsLabel = status_label("planeMetricsLabel", "Latest metrics", "", lines=3)
        v.addWidget(self.metricsLabel)
        self.planeExportRewardButton = button("Export reward…", "planeExportRewardButton",
                                              "Save the learned reward: grid (.json, .npz), networks (.safetensors) "
                                              "or picture (.png)", self.export_dialog)
        v.addWidget(self.planeExportRewardButton)
        self.planeAlgorithmCombo.currentIndexChanged.connect(self._on_algorithm)
        self._on_algorithm()
        runs.runningChanged.connect(self._on_running)
        runs.snapshot.connect(self._on_snapshot)
        runs.finished.connect(self._on_finished)
        doc.demosChanged.connect(self.bar.clear_error)
        doc.planeChanged.connect(self.bar.clear_error)

    def learner(self) -> str:
        return self.planeAlgorithmCombo.currentData()

    def select_learner(self, key: str) -> None:
        idx = self.planeAlgorithmCombo.findData(key)
        if idx >= 0:
            self.planeAlgorithmCombo.setCurrentIndex(idx)

    def _on_algorithm(self, _i: int = 0) -> None:
        key = self.learner()
        self.paramForm.set_config(key, learner_config_type(key))
        chain = [self.seedSpin, *self.paramForm.widgets.values(), self.planeRunButton]
        for a, b in zip(chain, chain[1:]):
            QWidget.setTabOrder(a, b)

    def _on_running(self, running: bool) -> None:
        for w in (self.planeAlgorithmCombo, self.paramForm, self.seedSpin):
            w.setEnabled(not running)

    def settings(self) -> dict[str, Any]:
        return {"algorithm": self.learner(), "seed": self.seedSpin.value(), "params": self.paramForm.values()}

    def apply_settings(self, s: dict[str, Any]) -> None:
        if isinstance(s.get("algorithm"), str) and s["algorithm"] in LEARNERS:
            self.select_learner(s["algorithm"])
        if isinstance(s.get("seed"), int) and not isinstance(s.get("seed"), bool):
            self.seedSpin.setValue(int(clamped(self.seedSpin, s["seed"])))
        if isinstance(s.get("params"), dict):
            for k in self.paramForm.set_values(s["params"]):
                self.messages.status(f"Ignored the malformed setting {k}")

    # --- running ------------------------------------------------------------------------------------------------
    def start(self, key: str, config: Any, seed: int, title: str | None = None) -> bool:
        """Start learner ``key`` on the plane and demonstrations as they are now."""
        if self.runs.running:
            return False
        if len(self.doc.demos) == 0:
            self.bar.message("Cannot run: there are no demonstrations. Press Record and drag from the start, or "
                             "Generate expert demonstrations.", error=True)
            return False
        plane = plane_to_dict(self.doc.plane)
        build = partial(build_plane_run, key, plane, demos_to_dict(self.doc.demos), config, seed)
        self.metricsLabel.setText("")
        self.bar.message(f"Running {title or LEARNERS[key][2]}…")
        return self.runs.start(build, LEARNERS[key][2], {"learner": key, "seed": seed, "plane": plane})

    def run(self) -> bool:
        """Start learning in the background; False (with a message) when the run cannot start."""
        try:
            config = self.paramForm.config()
        except IRLStudioError as exc:
            self.bar.message(f"Cannot run: {exc}", error=True)
            return False
        return self.start(self.learner(), config, self.seedSpin.value())

    def _result(self, snap, artefacts=None) -> PlaneResult | None:
        info = self.runs.info
        if artefacts is not None:
            grid = artefacts["reward_grid"]
            nets, config = artefacts.get("networks"), artefacts.get("config", {})
        elif snap is not None and snap.reward_values is not None:
            grid = RewardGrid(snap.reward_x, snap.reward_y, snap.reward_values, info.get("learner", ""),
                              info.get("plane"))
            nets, config = None, {}
        else:
            return None
        return PlaneResult(info.get("learner", ""), grid, nets, snap.iteration if snap else 0, info.get("seed", 0),
                           info.get("plane", {}), {k: float(v) for k, v in (snap.metrics if snap else {}).items()},
                           config)

    def _on_snapshot(self, snap) -> None:
        res = self._result(snap)
        if res is not None:
            self.doc.set_field("result", res)
        self.metricsLabel.setText(fmt_metrics(snap.metrics, SHOWN))

    def _on_finished(self, snap, outcome: str, message: str) -> None:
        if snap is None:
            return
        res = self._result(snap, self.runs.last_artefacts)
        if res is not None:
            self.doc.set_field("result", res)
        self.metricsLabel.setText(fmt_metrics(snap.metrics, SHOWN))

    # --- export -------------------------------------------------------------------------------------------------
    def export(self, path: str) -> bool:
        res = self.doc.result
        if res is None:
            self.messages.error("Nothing to export", "Run a learner first: there is no learned reward yet")
            return False
        suffix = Path(path).suffix.lower()
        try:
            if suffix == ".safetensors":
                if res.networks is None:
                    raise IRLStudioError("the networks are there once the run has ended (or been stopped)")
                tmp = Path(path).with_name(Path(path).name + ".tmp")
                tmp.write_bytes(res.networks)
                tmp.replace(path)
            elif suffix == ".png":
                save_plane_reward_png(path, res.grid, self.doc.plane, f"learned reward — {LEARNERS[res.learner][2]}")
            elif suffix in (".json", ".npz"):
                save_reward_grid(res.grid, path)
            else:
                raise IRLStudioError(f"unknown file type {suffix!r}: use {', '.join(EXPORTS)}")
        except (IRLStudioError, OSError) as exc:
            self.messages.error("Cannot export the reward", str(exc))
            return False
        self.doc.mark_saved(["result"])
        self.messages.status(f"Exported the learned reward to {path}")
        return True

    def export_dialog(self) -> None:
        if self.doc.result is None:
            self.messages.error("Nothing to export", "Run a learner first: there is no learned reward yet")
            return
        path = ask_save(self, "Export learned reward", "Reward grid (*.json);;Reward grid, NumPy (*.npz);;"
                        "Networks (*.safetensors);;PNG image (*.png)", "plane-reward.json", EXPORTS)
        if path:
            self.export(path)
