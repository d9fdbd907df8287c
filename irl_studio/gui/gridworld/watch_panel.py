"""The Re-optimize and watch panel: the (soft-)optimal policy under the learned reward on the layout as it is now
(edit the walls first for the transfer experiment), drawn as arrows, and agents rolling it out (play, step, trails,
speed). Planning runs off the GUI thread; a run that ends re-optimizes by itself."""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSlider, QSpinBox, \
    QVBoxLayout

from irl_studio.core.transfer import Reoptimized, reoptimize
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.run_controller import RunController
from irl_studio.gui.common.tasks import TaskRunner
from irl_studio.gui.common.widgets import button, named, set_quietly
from irl_studio.gui.gridworld.animator import MAX_AGENTS, Animator
from irl_studio.gui.gridworld.canvas import GridCanvas
from irl_studio.gui.gridworld.document import GridDocument


class WatchPanel(QGroupBox):
    def __init__(self, doc: GridDocument, canvas: GridCanvas, runs: RunController, tasks: TaskRunner,
                 animator: Animator, messages: Messages, parent=None) -> None:
        super().__init__("Re-optimize and watch", parent)
        self.setObjectName("watchGroup")
        self.doc, self.canvas, self.runs, self.tasks, self.animator, self.messages = \
            doc, canvas, runs, tasks, animator, messages
        self.plan: Reoptimized | None = None
        v = QVBoxLayout(self)
        form = QFormLayout()
        self.policyKindCombo = named(QComboBox(), "policyKindCombo", "Policy kind",
                                     "soft: maximum-entropy policy; optimal: greedy (hard value iteration)")
        self.policyKindCombo.addItems(["soft", "optimal"])
        form.addRow("Policy", self.policyKindCombo)
        self.agentsSpin = named(QSpinBox(), "agentsSpin", "Number of agents", "Agents rolled out at once")
        self.agentsSpin.setRange(1, MAX_AGENTS)
        self.agentsSpin.setValue(3)
        form.addRow("Agents", self.agentsSpin)
        v.addLayout(form)
        self.reoptimizeButton = button("Re-optimize under learned reward", "reoptimizeButton",
                                       "Plan on the current layout (edit the walls first for the transfer experiment) "
                                       "under the learned reward, without re-learning", lambda: self.reoptimize())
        v.addWidget(self.reoptimizeButton)
        row = QHBoxLayout()
        self.playButton = button("Play", "playButton", "Animate agents following the policy", self._on_play,
                                 checkable=True)
        self.stepButton = button("Step", "stepButton", "Advance the agents one step", animator.step)
        self.trailCheck = named(QCheckBox("Trail"), "trailCheck", "Show trails", "Draw the path behind agents")
        self.trailCheck.setChecked(True)
        self.trailCheck.toggled.connect(animator.set_trails)
        for w in (self.playButton, self.stepButton, self.trailCheck):
            row.addWidget(w)
        v.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Speed"))
        self.speedSlider = named(QSlider(Qt.Orientation.Horizontal), "speedSlider", "Animation speed",
                                 "Steps per second")
        self.speedSlider.setRange(1, 30)
        self.speedSlider.setValue(6)
        self.speedSlider.valueChanged.connect(animator.set_speed)
        row.addWidget(self.speedSlider)
        v.addLayout(row)

        animator.playingChanged.connect(self._on_playing)
        doc.layoutChanged.connect(self.clear)
        runs.finished.connect(self._on_run_finished)

    def settings(self) -> dict:
        return {"policy": self.policyKindCombo.currentText()}

    def apply_settings(self, s: dict) -> None:
        if s.get("policy") in ("soft", "optimal"):
            self.policyKindCombo.setCurrentText(s["policy"])

    # --- planning -----------------------------------------------------------------------------------------------
    def reoptimize(self, quiet: bool = False) -> None:
        """Plan on the current layout under the learned reward (no re-learning) and roll out agents."""
        result = self.doc.result
        if result is None:
            if not quiet:
                self.messages.error("Nothing learned yet", "Run an algorithm first (or open a session with a learned "
                                    "reward)")
            return
        lay = self.doc.layout.copy()
        kind, n, seed = self.policyKindCombo.currentText(), self.agentsSpin.value(), result.seed

        def done(out: Reoptimized) -> None:
            if out.layout != self.doc.layout:
                self.messages.status("The layout changed while re-optimizing; press Re-optimize again")
                return
            self.plan = out
            self.canvas.set_policy(out.arrows, out.strength, out.actions)
            self.animator.set_paths(out.paths)
            note = f" ({out.missing} new floor cells took the lowest learned value)" if out.missing else ""
            self.messages.status(f"Re-optimized the {kind} policy under the learned reward{note}")

        # after a run (quiet), a learned reward that no longer fits an edited layout is a note, not a dialog
        self.tasks.run(partial(reoptimize, lay, result, kind, n, seed), done, "re-optimizing", quiet=quiet)

    def _on_run_finished(self, snap, outcome: str, _message: str) -> None:
        if snap is not None and outcome != "failed":
            self.reoptimize(quiet=True)

    def clear(self) -> None:
        """Stale arrows and agents go when the layout changes."""
        self.plan = None
        self.animator.clear()
        self.canvas.set_policy(None)

    # --- animation ----------------------------------------------------------------------------------------------
    def _on_play(self, on: bool) -> None:
        if not on:
            self.animator.stop()
            return
        if self.animator.play():
            return
        set_quietly(self.playButton, lambda: self.playButton.setChecked(False))
        if self.doc.result is None:
            self.messages.error("Nothing to play", "Learn a reward first, then press Play to watch agents follow the "
                                "policy (or select a demonstration and press Replay)")
        else:
            self.reoptimize()
            self.messages.status("Re-optimizing first; press Play again when the arrows appear")

    def _on_playing(self, on: bool) -> None:
        set_quietly(self.playButton, lambda: self.playButton.setChecked(on))
        self.playButton.setText("Pause" if on else "Play")
