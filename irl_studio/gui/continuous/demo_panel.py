"""The plane's Demonstrate panel: record a demonstration by dragging from the start (resampled to steps of at most
``max_step`` per axis; it stops at a wall and says so), list, replay and delete demonstrations, generate expert
demonstrations with the exact planner of the true reward, open and save demonstration files."""

from __future__ import annotations

from functools import partial

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QSpinBox, \
    QVBoxLayout

from irl_studio import IRLStudioError
from irl_studio.algorithms.plane_run import plane_expert_demos
from irl_studio.continuous.demos import PlaneDemos, demo_from_drag, load_plane_demos, save_plane_demos
from irl_studio.continuous.plane import plane_to_dict
from irl_studio.gui.common.demo_list import DemoFiles, DemoList, replay_delete_row
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.tasks import TaskRunner
from irl_studio.gui.common.widgets import button, compact_spin, named, status_label
from irl_studio.gui.continuous.canvas import DEMO_COLORS, PlaneCanvas
from irl_studio.gui.continuous.document import PlaneDocument

MAX_SHOWN = 40  # demonstrations drawn at once on the canvas (all when selected)


class PlaneDemoPanel(DemoFiles, QGroupBox):
    DEMO_FILE, WORLD = "plane-demos.json", "plane"

    def __init__(self, doc: PlaneDocument, canvas: PlaneCanvas, messages: Messages, tasks: TaskRunner,
                 parent=None) -> None:
        super().__init__("Demonstrate", parent)
        self.setObjectName("planeDemoGroup")
        self.doc, self.canvas, self.messages, self.tasks = doc, canvas, messages, tasks
        v = QVBoxLayout(self)
        self.planeRecordButton = button(
            "Record by dragging", "planeRecordButton",
            "Demonstration mode: press at the start and drag to the goal; the path is resampled to steps of at most "
            "max step per axis and stops at a wall", self._on_record, checkable=True)
        v.addWidget(self.planeRecordButton)
        self.modeLabel = status_label("planeModeLabel", "Mode", "Drawing")
        v.addWidget(self.modeLabel)
        self.planeDemoList = DemoList("planeDemoList", "plane", self.show_demos, self.delete_demos)
        v.addWidget(self.planeDemoList)
        v.addLayout(replay_delete_row("plane", self.replay, self.delete_demos))
        row = QHBoxLayout()
        self.countSpin = named(QSpinBox(), "planeExpertCountSpin", "Number of expert demonstrations",
                               "How many demonstrations the exact planner of the true reward records")
        self.countSpin.setRange(1, 1000)
        self.countSpin.setValue(20)
        self.countSpin.setPrefix("n ")
        self.seedSpin = named(QSpinBox(), "planeExpertSeedSpin", "Expert seed", "Seed of the experts' start points")
        self.seedSpin.setRange(0, 2**31 - 1)
        self.seedSpin.setPrefix("seed ")
        compact_spin(self.seedSpin, 6)
        row.addWidget(self.countSpin, 1)
        row.addWidget(self.seedSpin, 1)
        row.addWidget(button("Generate", "planeGenerateButton",
                             "Expert demonstrations from the true reward (the exact planner; seconds)",
                             self.generate))
        v.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(button("Open…", "planeOpenDemosButton", "Open a plane demonstrations file",
                             self.open_demos_dialog))
        row.addWidget(button("Save…", "planeSaveDemosButton", "Save the demonstrations", self.save_demos_dialog))
        v.addLayout(row)
        self._replay_t = 0
        self._replay_paths: list[np.ndarray] = []
        self.replay_timer = QTimer(self)
        self.replay_timer.setObjectName("planeReplayTimer")
        self.replay_timer.setInterval(40)
        self.replay_timer.timeout.connect(self._replay_step)

        canvas.dragRecorded.connect(self._on_drag)
        canvas.modeChanged.connect(self._on_mode)
        doc.demosChanged.connect(self.refresh)
        doc.planeChanged.connect(self.show_demos)
        self.refresh()

    def settings(self) -> dict:
        return {"n": self.countSpin.value(), "seed": self.seedSpin.value()}

    def apply_settings(self, s: dict) -> None:
        from irl_studio.gui.common.widgets import clamped

        for key, spin in (("n", self.countSpin), ("seed", self.seedSpin)):
            if isinstance(s.get(key), int) and not isinstance(s.get(key), bool):
                spin.setValue(int(clamped(spin, s[key])))

    # --- the list and the canvas --------------------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        self.planeDemoList.set_items([f"#{i + 1}: {len(tr.acts)} steps  ({tr.obs[0][0]:.2f}, {tr.obs[0][1]:.2f}) → "
                                      f"({tr.obs[-1][0]:.2f}, {tr.obs[-1][1]:.2f})"
                                      for i, tr in enumerate(self.doc.demos.trajectories)], DEMO_COLORS, select)
        self.show_demos()

    def selected(self) -> list[int]:
        return self.planeDemoList.selected()

    def show_demos(self) -> None:
        sel = set(self.selected())
        paths = []
        for i, tr in enumerate(self.doc.demos.trajectories):
            color = QColor(DEMO_COLORS[i % len(DEMO_COLORS)])
            if i in sel:
                paths.append((tr.obs[:, :2], color, 3.0))
            elif i < MAX_SHOWN:
                color.setAlpha(110)
                paths.append((tr.obs[:, :2], color, 1.5))
        self.canvas.set_demos(paths)

    # --- recording ----------------------------------------------------------------------------------------------
    def _on_record(self, on: bool) -> None:
        self.canvas.set_mode("record" if on else "select")
        if on:
            self.messages.status("Press at the start and drag to the goal; release to finish the demonstration",
                                 15000)

    def _on_mode(self, mode: str) -> None:
        on = mode == "record"
        if self.planeRecordButton.isChecked() != on:
            self.planeRecordButton.blockSignals(True)
            self.planeRecordButton.setChecked(on)
            self.planeRecordButton.blockSignals(False)
        self.modeLabel.setText("Demonstrating: drag from the start" if on else "Drawing")

    def _on_drag(self, points: np.ndarray) -> None:
        try:
            res = demo_from_drag(self.doc.plane, points)
        except IRLStudioError as exc:
            self.messages.status(f"Demonstration refused: {exc}", 12000)
            return
        if res.trajectory is None:
            self.messages.status("Drag further: a demonstration needs at least one step"
                                 + (f" ({res.stopped})" if res.stopped else ""))
            return
        self.doc.add_demos([res.trajectory], "record a demonstration")
        self.refresh(select=len(self.doc.demos) - 1)
        n = len(res.trajectory.acts)
        self.messages.status(f"Demonstration #{len(self.doc.demos)} recorded ({n} steps"
                             + (f"; it stops at {res.stopped})" if res.stopped else ")"), 12000)

    # --- list actions -------------------------------------------------------------------------------------------
    def delete_demos(self) -> None:
        rows = self.selected()
        if not rows:
            self.messages.status("Select demonstrations to delete")
            return
        n = self.doc.delete_demos(rows)
        self.messages.status(f"Deleted {n} demonstration(s) (Undo brings them back)")

    def replay(self) -> None:
        rows = self.selected() or ([0] if len(self.doc.demos) else [])
        if not rows:
            self.messages.status("There is no demonstration to replay")
            return
        self._replay_paths = [self.doc.demos.trajectories[i].obs[:, :2] for i in rows[:16]]
        self._replay_t = 0
        self.replay_timer.start()

    def _replay_step(self) -> None:
        self._replay_t += 1
        n = max(len(p) for p in self._replay_paths)
        t = min(self._replay_t, n)
        self.canvas.set_paths([(p[:t + 1], QColor(DEMO_COLORS[i % len(DEMO_COLORS)]), 3.0)
                               for i, p in enumerate(self._replay_paths)])
        if t >= n:
            self.replay_timer.stop()

    def generate(self) -> None:
        plane = plane_to_dict(self.doc.plane)
        n, seed = self.countSpin.value(), self.seedSpin.value()

        def done(demos: PlaneDemos) -> None:
            if plane != plane_to_dict(self.doc.plane):
                self.messages.status("The plane changed while generating; demonstrations discarded")
                return
            self.doc.add_demos(list(demos.trajectories), f"generate {len(demos)} expert demonstrations")
            self.messages.status(f"Generated {len(demos)} expert demonstrations (exact planner)")

        self.tasks.run(partial(plane_expert_demos, plane, n, seed), done, "generating demonstrations")

    # --- files (DemoFiles does the rest) ------------------------------------------------------------------------
    def read_demos(self, path: str) -> PlaneDemos:
        return load_plane_demos(path, self.doc.plane)

    def write_demos(self, path: str) -> None:
        save_plane_demos(self.doc.demos, path)
