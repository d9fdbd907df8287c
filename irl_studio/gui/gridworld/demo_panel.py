"""The Demonstrate panel: record demonstrations by clicking neighbouring cells (or the arrow keys; space stays,
Enter finishes, Escape cancels), list, highlight, replay and delete them, generate expert demonstrations from the
true reward, open and save demonstration files. Every change of the demonstrations is an undo step."""

from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QGroupBox, QHBoxLayout, QMessageBox, QSpinBox, QVBoxLayout

from irl_studio import IRLStudioError
from irl_studio.core.builtin import builtin_demos
from irl_studio.core.demos import Demos, layout_expert_demos, load_demos, save_demos, validate_demos
from irl_studio.core.recording import Recorder, action_between, horizon_for, max_actions
from irl_studio.gui.common.demo_list import DemoFiles, DemoList, replay_delete_row
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.tasks import TaskRunner
from irl_studio.gui.common.widgets import button, compact_spin, named, status_label
from irl_studio.gui.gridworld.animator import MAX_AGENTS, Animator
from irl_studio.gui.gridworld.canvas import DEMO_COLORS, GridCanvas
from irl_studio.gui.gridworld.document import GridDocument

HINT = "Demonstrating: click a start cell"




class DemoPanel(DemoFiles, QGroupBox):
    def __init__(self, doc: GridDocument, canvas: GridCanvas, messages: Messages, tasks: TaskRunner,
                 animator: Animator, parent=None) -> None:
        super().__init__("Demonstrate", parent)
        self.setObjectName("demoGroup")
        self.doc, self.canvas, self.messages, self.tasks, self.animator = doc, canvas, messages, tasks, animator
        self.rec = Recorder()
        v = QVBoxLayout(self)
        self.recordDemoButton = button(
            "Record demonstrations", "recordDemoButton",
            "Demonstration mode: click a start cell, then neighbouring cells (or arrow keys, space = stay); Enter "
            "or reaching a goal finishes, Escape cancels", self._on_record_toggled, checkable=True)
        v.addWidget(self.recordDemoButton)
        self.modeLabel = status_label("modeLabel", "Mode", "Drawing")
        v.addWidget(self.modeLabel)
        self.demoList = DemoList("demoList", "grid", self.show_demos, self.delete_demos)
        v.addWidget(self.demoList)
        v.addLayout(replay_delete_row("", self.replay_demo, self.delete_demos))
        row = QHBoxLayout()
        self.expertCountSpin = named(QSpinBox(), "expertCountSpin", "Number of expert demonstrations",
                                     "How many demonstrations to generate from the true reward")
        self.expertCountSpin.setRange(1, 10000)
        self.expertCountSpin.setValue(20)
        self.expertKindCombo = named(QComboBox(), "expertKindCombo", "Expert kind",
                                     "optimal: greedy in the true values; soft: maximum-entropy expert")
        self.expertKindCombo.addItems(["optimal", "soft"])
        self.expertBetaSpin = named(QDoubleSpinBox(), "expertBetaSpin", "Soft expert rationality beta",
                                    "Rationality of the soft expert: pi ~ exp(beta Q). With beta 1 a soft expert on a "
                                    "layout with a goal tends to wander (staying alive earns entropy); raise it for "
                                    "a more decisive expert")
        self.expertBetaSpin.setRange(0.01, 1000.0)
        self.expertBetaSpin.setDecimals(2)
        self.expertBetaSpin.setValue(1.0)
        self.expertBetaSpin.setPrefix("β ")
        self.expertBetaSpin.setEnabled(False)
        self.expertKindCombo.currentTextChanged.connect(lambda k: self.expertBetaSpin.setEnabled(k == "soft"))
        self.expertSeedSpin = named(QSpinBox(), "expertSeedSpin", "Expert seed",
                                    "Seed of the expert's rollouts (same seed, same demonstrations)")
        self.expertSeedSpin.setRange(0, 2**31 - 1)
        self.expertSeedSpin.setPrefix("seed ")
        compact_spin(self.expertSeedSpin, 8)
        self.expertCountSpin.setPrefix("n ")
        self.expertKindCombo.setMinimumContentsLength(6)
        for w in (self.expertKindCombo, self.expertBetaSpin):
            row.addWidget(w, 1)
        v.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(self.expertCountSpin, 1)
        row.addWidget(self.expertSeedSpin, 1)
        row.addWidget(button("Generate", "generateDemosButton",
                             "Generate expert demonstrations from the layout's true reward", self.generate_demos))
        v.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(button("Open…", "openDemosButton", "Open a demonstrations file", self.open_demos_dialog))
        row.addWidget(button("Save…", "saveDemosButton", "Save the demonstrations", self.save_demos_dialog))
        row.addWidget(button("Built-in", "builtinDemosButton",
                             "Add the built-in demonstrations of the open built-in layout", self.load_builtin_demos))
        v.addLayout(row)

        canvas.cellPressed.connect(self._on_pressed)
        canvas.keyAction.connect(self._on_key)
        doc.layoutChanged.connect(self._on_layout_changed)
        doc.demosChanged.connect(self.refresh)
        self.refresh()

    # --- settings kept in sessions ------------------------------------------------------------------------------
    def settings(self) -> dict:
        return {"n": self.expertCountSpin.value(), "kind": self.expertKindCombo.currentText(),
                "beta": self.expertBetaSpin.value(), "seed": self.expertSeedSpin.value()}

    def apply_settings(self, s: dict) -> None:
        from irl_studio.gui.common.widgets import clamped

        if isinstance(s.get("n"), int) and not isinstance(s.get("n"), bool):
            self.expertCountSpin.setValue(int(clamped(self.expertCountSpin, s["n"])))
        if s.get("kind") in ("optimal", "soft"):
            self.expertKindCombo.setCurrentText(s["kind"])
        beta = s.get("beta")
        if isinstance(beta, (int, float)) and not isinstance(beta, bool):  # JSON has no NaN; huge ints clamp
            self.expertBetaSpin.setValue(float(clamped(self.expertBetaSpin, beta)))
        if isinstance(s.get("seed"), int) and not isinstance(s.get("seed"), bool):
            self.expertSeedSpin.setValue(int(clamped(self.expertSeedSpin, s["seed"])))

    # --- the list and the canvas's paths ------------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        self.demoList.set_items([f"#{i + 1}: {len(tr.actions)} steps  ({tr.cells[0][0]},{tr.cells[0][1]}) → "
                                 f"({tr.cells[-1][0]},{tr.cells[-1][1]})"
                                 for i, tr in enumerate(self.doc.demos.trajectories)], DEMO_COLORS, select)
        self.show_demos()

    def selected(self) -> list[int]:
        return self.demoList.selected()

    def show_demos(self) -> None:
        sel = set(self.selected())
        paths = []
        few = len(self.doc.demos) <= 30
        for i, tr in enumerate(self.doc.demos.trajectories):
            color = QColor(DEMO_COLORS[i % len(DEMO_COLORS)])
            if i in sel:
                paths.append((list(tr.cells), color, 0.2))
            elif few and not self.recordDemoButton.isChecked():
                color.setAlpha(90)
                paths.append((list(tr.cells), color, 0.08))
        self.canvas.set_demo_paths(paths)

    # --- recording ----------------------------------------------------------------------------------------------
    @property
    def is_recording(self) -> bool:
        return self.recordDemoButton.isChecked()

    def _on_record_toggled(self, on: bool) -> None:
        if not on:
            if len(self.rec.cells) >= 2:
                self.finish_demo()
            self.cancel_recording(quiet=True)
        self.canvas.set_mode("demonstrate" if on else "draw")
        self.modeLabel.setText(HINT if on else "Drawing")
        if on:
            self.canvas.setFocus()
            self.messages.status("Click a start cell, then neighbouring cells (or arrow keys; space = stay). "
                                 "Enter finishes, Escape cancels.", 15000)
        self.show_demos()

    def _on_layout_changed(self) -> None:
        # a demonstration being recorded was checked step by step against the old layout (undo can put a wall on it)
        self.cancel_recording()

    @property
    def recording(self) -> list[tuple[int, int]]:
        """The cells of the demonstration being recorded (empty: none)."""
        return self.rec.cells

    def cancel_recording(self, quiet: bool = False) -> None:
        had = bool(self.rec)
        self.rec.clear()
        self.canvas.set_current_path([])
        if self.is_recording:
            self.modeLabel.setText(HINT)
        if had and not quiet:
            self.messages.status("Demonstration cancelled")

    def _on_pressed(self, row: int, col: int, _button: int) -> None:
        if self.canvas.mode == "demonstrate":
            self.demo_click(row, col)

    def demo_click(self, row: int, col: int) -> None:
        """A click in demonstration mode: the first cell of a demonstration, or the next cell."""
        if not self.rec:
            why = Recorder.why_not_start(self.doc.mdp(), self.doc.layout.grid, (row, col))
            if why:
                self.messages.status(why)
                return
            self.rec.start((row, col))
            self.canvas.set_current_path(self.rec.cells)
            self.modeLabel.setText("Demonstrating: 0 steps")
            return
        self.demo_move(action_between(self.rec.cells[-1], (row, col)), (row, col))

    def demo_move(self, action: str, nxt: tuple[int, int] | None = None) -> bool:
        """Extend the demonstration being recorded by ``action`` (to ``nxt``, default: the action's target)."""
        if not self.rec:
            starts = np.argwhere(self.doc.layout.start_mask)
            if len(starts) != 1:
                self.messages.status("Click a start cell first")
                return False
            self.demo_click(int(starts[0][0]), int(starts[0][1]))  # the only start cell: begin there
        nxt = self.rec.target(action) if nxt is None else nxt
        mdp = self.doc.mdp()
        why = self.rec.why_not_step(mdp, action, nxt)
        if why:
            self.messages.status(f"Move refused: {why}")
            return False
        if self.rec.full(mdp):
            if not self._offer_longer_horizon(len(self.rec.actions) + 1):
                self.messages.status(f"Move refused: the horizon is {max_actions(mdp.horizon)} steps "
                                     f"(Enter finishes)")
                return False
            mdp = self.doc.mdp()
        self.rec.step(action, nxt)
        self.canvas.set_current_path(self.rec.cells)
        self.modeLabel.setText(f"Demonstrating: {len(self.rec.actions)} steps")
        if self.rec.at_goal(mdp):
            self.finish_demo("reached the goal")
        return True

    def _offer_longer_horizon(self, steps: int) -> bool:
        """The demonstration wants more steps than the horizon allows: offer to raise the horizon (an undo step).
        Keeps the recording: raising the horizon changes the layout, which would otherwise cancel it."""
        T = self.doc.layout.horizon
        new_T = max(2 * T, horizon_for(steps))
        ans = QMessageBox.question(
            self, "Longer than the horizon",
            f"This demonstration has reached the horizon of {max_actions(T)} steps.\n"
            f"Raise the horizon to {max_actions(new_T)} steps (undoable)?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
        if ans != QMessageBox.StandardButton.Yes:
            return False
        cells, acts = list(self.rec.cells), list(self.rec.actions)
        lay = self.doc.layout.copy()
        lay.horizon_override = new_T
        self.doc.set_layout(lay, "raise the horizon")
        self.rec.cells, self.rec.actions = cells, acts
        self.canvas.set_current_path(cells)
        self.messages.status(f"The horizon is now {max_actions(new_T)} steps")
        return True

    def finish_demo(self, why: str = "") -> None:
        if len(self.rec.cells) < 2:
            self.messages.status("A demonstration needs at least one move; click a neighbouring cell")
            return
        tr = self.rec.trajectory()
        self.cancel_recording(quiet=True)
        self.doc.add_demos([tr], "record a demonstration")
        self.refresh(select=len(self.doc.demos) - 1)
        self.messages.status(f"Demonstration #{len(self.doc.demos)} recorded ({len(tr.actions)} steps"
                             + (f", {why})" if why else ")"))

    def _on_key(self, name: str) -> None:
        if not self.is_recording:
            if name not in ("finish", "cancel"):
                self.messages.status("The arrow keys walk a demonstration: press Record demonstrations first")
            return
        if name == "finish":
            self.finish_demo()
        elif name == "cancel":
            self.cancel_recording()
        else:
            self.demo_move(name)

    # --- list actions -------------------------------------------------------------------------------------------
    def delete_demos(self) -> None:
        rows = self.selected()
        if not rows:
            self.messages.status("Select demonstrations to delete")
            return
        n = self.doc.delete_demos(rows)
        self.messages.status(f"Deleted {n} demonstration(s) (Undo brings them back)")

    def replay_demo(self) -> None:
        rows = self.selected() or ([0] if len(self.doc.demos) else [])
        if not rows:
            self.messages.status("There is no demonstration to replay")
            return
        if len(rows) > MAX_AGENTS:  # thousands of animated agents and trails would stall every frame
            self.messages.status(f"Replaying the first {MAX_AGENTS} of the {len(rows)} selected demonstrations")
            rows = rows[:MAX_AGENTS]
        self.animator.set_paths([list(self.doc.demos.trajectories[i].cells) for i in rows], play=True)

    def _fit_or_offer(self, demos: Demos) -> None:
        """Validate against the layout; demonstrations longer than the horizon get the offer to raise it."""
        longest = max((len(t.actions) for t in demos.trajectories), default=0)
        if longest > max_actions(self.doc.layout.horizon):
            validate_demos(self.doc.mdp(), demos, horizon=horizon_for(longest))  # everything else must fit first
            if not self._offer_longer_horizon(longest):
                raise IRLStudioError(f"the longest demonstration takes {longest} steps but the horizon is "
                                     f"{max_actions(self.doc.layout.horizon)}; raise the horizon (T) first")
        validate_demos(self.doc.mdp(), demos)

    def load_builtin_demos(self) -> None:
        lay = self.doc.layout
        name = lay.extra.get("builtin") or lay.name
        for cand in (name, str(name).replace(" ", "-")):
            try:
                d = builtin_demos(cand)
                validate_demos(self.doc.mdp(), d)
            except IRLStudioError:
                continue
            self.doc.add_demos(list(d.trajectories), "add the built-in demonstrations")
            self.messages.status(f"Added {len(d)} built-in demonstrations")
            return
        self.messages.error("No built-in demonstrations", "There are no built-in demonstrations that fit this "
                            "layout; open a built-in layout from the Layouts menu first")

    def generate_demos(self) -> None:
        lay = self.doc.layout.copy()
        n, kind, beta, seed = (self.expertCountSpin.value(), self.expertKindCombo.currentText(),
                               self.expertBetaSpin.value(), self.expertSeedSpin.value())
        if lay.true_reward is None:
            self.messages.error("No true reward", "Generating expert demonstrations needs a true reward: paint one "
                                "with the True reward brush, or open a built-in layout")
            return

        def done(demos: Demos) -> None:
            if lay != self.doc.layout:
                self.messages.status("The layout changed while generating; demonstrations discarded")
                return
            self.doc.add_demos(list(demos.trajectories), f"generate {len(demos)} expert demonstrations")
            self.messages.status(f"Generated {len(demos)} {kind} expert demonstrations")

        self.tasks.run(partial(layout_expert_demos, lay, n, kind, seed, beta), done, "generating demonstrations")

    # --- files (DemoFiles does the rest) ------------------------------------------------------------------------
    def read_demos(self, path: str) -> Demos:
        demos = load_demos(path)
        self._fit_or_offer(demos)
        return demos

    def write_demos(self, path: str) -> None:
        save_demos(self.doc.demos, path)
