"""The Draw panel: drawing tools (walls, floor, start, goal, terrain, objects, true reward, eraser) applied by click
and drag on the canvas, one undo step per stroke; the grid's size and dynamics (slip, discount, horizon); clear,
random, undo and redo. It edits the document; the canvas shows it."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QButtonGroup, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, \
    QHBoxLayout, QLabel, QSpinBox, QVBoxLayout

from irl_studio import IRLStudioError
from irl_studio.core.layout import TERRAIN_CHARS, Layout
from irl_studio.core.layout_tools import random_layout
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.widgets import button, compact_spin, named, set_quietly, swatch
from irl_studio.gui.gridworld.canvas import TERRAIN_RGB, GridCanvas
from irl_studio.gui.gridworld.document import TOOLS, GridDocument

TIPS = {"wall": "Paint walls", "floor": "Paint plain floor", "start": "Paint start cells (S)",
        "goal": "Paint goal cells (G, absorbing)", "terrain": "Paint the terrain class chosen below",
        "object": "Place Objectworld objects with the inner/outer colours below",
        "reward": "Paint the true reward value below (used for experts and scores)",
        "eraser": "Back to plain floor, removing objects"}


class DrawPanel(QGroupBox):
    def __init__(self, doc: GridDocument, canvas: GridCanvas, messages: Messages, parent=None) -> None:
        super().__init__("Draw", parent)
        self.setObjectName("drawGroup")
        self.doc, self.canvas, self.messages = doc, canvas, messages
        v = QVBoxLayout(self)
        grid = QGridLayout()
        self.tool_group = QButtonGroup(self)
        self.tool_group.setExclusive(True)
        self.tool_buttons = {}
        for i, (key, text, _ch) in enumerate(TOOLS):
            b = button(text, f"tool{key.capitalize()}", TIPS[key], checkable=True, tool=True)
            self.tool_group.addButton(b)
            self.tool_buttons[key] = b
            grid.addWidget(b, i // 2, i % 2)
        self.tool_buttons["wall"].setChecked(True)
        v.addLayout(grid)

        form = QFormLayout()
        self.terrainCombo = named(QComboBox(), "terrainCombo", "Terrain class", "Terrain class of the brush")
        for k, ch in enumerate(TERRAIN_CHARS):
            self.terrainCombo.addItem(swatch(TERRAIN_RGB[k]), f"{ch} (class {k})", ch)
        self.terrainCombo.activated.connect(lambda _i: self.tool_buttons["terrain"].setChecked(True))
        form.addRow("Terrain", self.terrainCombo)
        obj = QHBoxLayout()
        self.objectInnerSpin = named(QSpinBox(), "objectInnerSpin", "Object inner colour", "Inner colour index")
        self.objectOuterSpin = named(QSpinBox(), "objectOuterSpin", "Object outer colour", "Outer colour index")
        for s in (self.objectInnerSpin, self.objectOuterSpin):
            s.setRange(0, 9)
            obj.addWidget(s)
        self.objectOuterSpin.setValue(1)
        form.addRow("Object", obj)
        self.rewardValueSpin = named(QDoubleSpinBox(), "rewardValueSpin", "True reward value",
                                     "Value painted by the true-reward brush")
        self.rewardValueSpin.setRange(-100.0, 100.0)
        self.rewardValueSpin.setDecimals(2)
        self.rewardValueSpin.setSingleStep(0.1)
        self.rewardValueSpin.setValue(1.0)
        form.addRow("Reward", self.rewardValueSpin)

        size = QHBoxLayout()
        self.rowsSpin = named(QSpinBox(), "rowsSpin", "Rows", "Number of rows")
        self.colsSpin = named(QSpinBox(), "colsSpin", "Columns", "Number of columns")
        for s in (self.rowsSpin, self.colsSpin):
            s.setRange(3, 512)
        size.addWidget(self.rowsSpin, 1)
        size.addWidget(QLabel("x"))
        size.addWidget(self.colsSpin, 1)
        size.addWidget(button("Resize", "resizeButton", "Crop or pad (with walls) to this size", self.resize_grid))
        form.addRow("Size", size)
        self.slipSpin = named(QDoubleSpinBox(), "slipSpin", "Slip",
                              "Probability that the chosen action is replaced by one of the others")
        self.slipSpin.setRange(0.0, 1.0)
        self.slipSpin.setSingleStep(0.05)
        self.discountSpin = named(QDoubleSpinBox(), "discountSpin", "Discount", "Discount factor gamma")
        self.discountSpin.setRange(0.0, 1.0)
        self.discountSpin.setDecimals(3)
        self.discountSpin.setSingleStep(0.01)
        self.horizonSpin = named(QSpinBox(), "horizonSpin", "Horizon",
                                 "Steps (actions) per episode; 0: the default 2 x (rows + cols)")
        self.horizonSpin.setRange(0, 100_000)
        self.horizonSpin.setSpecialValueText("T auto")
        dyn = QHBoxLayout()
        for prefix, spin in (("slip ", self.slipSpin), ("γ ", self.discountSpin)):
            spin.setPrefix(prefix)
            compact_spin(spin, 4)
            dyn.addWidget(spin, 1)
        form.addRow("Dynamics", dyn)
        self.horizonSpin.setPrefix("T ")
        compact_spin(self.horizonSpin, 4)
        form.addRow("Horizon", self.horizonSpin)
        for spin in (self.slipSpin, self.discountSpin, self.horizonSpin):
            spin.editingFinished.connect(self.apply_dynamics)
        v.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(button("Clear", "clearButton", "An empty room of this size", self.clear_grid))
        row.addWidget(button("Random", "randomButton", "Random walls, a start and a goal", self.random_grid))
        v.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(button("Undo", "undoButton", "Undo the last edit (Ctrl+Z)", doc.undo_stack.undo))
        row.addWidget(button("Redo", "redoButton", "Redo (Ctrl+Shift+Z)", doc.undo_stack.redo))
        v.addLayout(row)

        canvas.cellPressed.connect(self._on_pressed)
        canvas.cellDragged.connect(self._on_dragged)
        canvas.strokeFinished.connect(self._on_stroke_finished)
        canvas.modeChanged.connect(self._on_mode)
        doc.layoutChanged.connect(self.sync)
        self.sync()

    # --- the form follows the document --------------------------------------------------------------------------
    def sync(self) -> None:
        lay = self.doc.layout
        for s, val in ((self.rowsSpin, lay.rows), (self.colsSpin, lay.cols), (self.slipSpin, lay.slip),
                       (self.discountSpin, lay.discount), (self.horizonSpin, lay.horizon_override or 0)):
            set_quietly(s, lambda s=s, val=val: s.setValue(val))

    def _on_mode(self, mode: str) -> None:
        for b in self.tool_buttons.values():
            b.setEnabled(mode == "draw")

    # --- painting -----------------------------------------------------------------------------------------------
    def current_tool(self) -> str:
        for key, b in self.tool_buttons.items():
            if b.isChecked():
                return key
        return "wall"

    def apply_tool(self, row: int, col: int, tool: str | None = None) -> None:
        why = self.doc.paint(row, col, tool or self.current_tool(), terrain=self.terrainCombo.currentData(),
                             inner=self.objectInnerSpin.value(), outer=self.objectOuterSpin.value(),
                             value=self.rewardValueSpin.value())
        if why and why != "outside the grid":
            self.messages.status(why)

    def _on_pressed(self, row: int, col: int, _button: int) -> None:
        if self.canvas.mode != "draw":
            return
        self.doc.begin_stroke()
        self.apply_tool(row, col)

    def _on_dragged(self, row: int, col: int) -> None:
        if self.canvas.mode == "draw" and self.doc.in_stroke:
            self.apply_tool(row, col)

    def _on_stroke_finished(self) -> None:
        if self.doc.in_stroke:
            self.doc.end_stroke(f"paint {self.current_tool()}")

    # --- whole-layout edits -------------------------------------------------------------------------------------
    def resize_grid(self) -> None:
        try:
            new = self.doc.layout.resized(self.rowsSpin.value(), self.colsSpin.value())
        except IRLStudioError as exc:
            self.messages.error("Cannot resize", str(exc))
            return
        self.doc.set_layout(new, f"resize to {new.rows}x{new.cols}")

    def apply_dynamics(self) -> None:
        """Slip, discount and horizon from the form, as one undo step when they changed."""
        new = self.doc.layout.copy()
        new.slip, new.discount = float(self.slipSpin.value()), float(self.discountSpin.value())
        new.horizon_override = self.horizonSpin.value() or None
        if len(new.actions) < 2 and new.slip > 0:
            self.sync()  # the form shows what holds (and the next edit does not re-ask)
            self.messages.error("Cannot set slip", "slip needs at least two actions")
            return
        self.doc.set_layout(new, "dynamics")

    def clear_grid(self) -> None:
        new = Layout.empty(self.rowsSpin.value(), self.colsSpin.value(), name="untitled")
        new.slip, new.discount = self.doc.layout.slip, self.doc.layout.discount
        self.doc.set_layout(new, "clear")

    def random_grid(self) -> None:
        seed = int(np.random.default_rng().integers(2**31))
        self.doc.set_layout(random_layout(self.rowsSpin.value(), self.colsSpin.value(), seed), "random layout")
