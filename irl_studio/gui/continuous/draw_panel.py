"""The plane's Draw panel: the canvas's mode (select, draw walls, place the start or the goal), the bounds and the
dynamics (radii, step, horizon, discount), clear the walls, undo and redo. Every edit is one undo step; a plane the
engine refuses (a start inside a wall, bounds the wrong way round) is refused with the reason."""

from __future__ import annotations

from PySide6.QtWidgets import QButtonGroup, QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, \
    QHBoxLayout, QSpinBox, QVBoxLayout

from irl_studio import IRLStudioError
from irl_studio.continuous.plane import DYNAMICS
from irl_studio.gui.common.messages import Messages
from irl_studio.gui.common.widgets import button, compact_spin, named, set_quietly
from irl_studio.gui.continuous.canvas import PlaneCanvas
from irl_studio.gui.continuous.document import PlaneDocument

MODES = (("select", "Select", "planeSelectButton", "Right click a wall to delete it"),
         ("wall", "Wall", "planeWallButton", "Drag to draw a wall segment; drag from a wall's end to move it; right "
                                             "click a wall to delete it"),
         ("start", "Start", "planeStartButton", "Click to place the start"),
         ("goal", "Goal", "planeGoalButton", "Click to place the goal"))


def _dspin(name: str, label: str, tip: str, lo: float, hi: float, decimals: int = 3, step: float = 0.01):
    s = named(QDoubleSpinBox(), name, label, tip)
    s.setRange(lo, hi)
    s.setDecimals(decimals)
    s.setSingleStep(step)
    compact_spin(s, 4)
    return s


class PlaneDrawPanel(QGroupBox):
    def __init__(self, doc: PlaneDocument, canvas: PlaneCanvas, messages: Messages, parent=None) -> None:
        super().__init__("Draw the plane", parent)
        self.setObjectName("planeDrawGroup")
        self.doc, self.canvas, self.messages = doc, canvas, messages
        v = QVBoxLayout(self)
        grid = QGridLayout()
        self.mode_group = QButtonGroup(self)
        self.mode_group.setExclusive(True)
        self.mode_buttons = {}
        for i, (mode, text, name, tip) in enumerate(MODES):
            b = button(text, name, tip, checkable=True, tool=True)
            self.mode_group.addButton(b)
            self.mode_buttons[mode] = b
            b.toggled.connect(lambda on, m=mode: on and self.canvas.set_mode(m))
            grid.addWidget(b, i // 2, i % 2)
        self.mode_buttons["select"].setChecked(True)
        v.addLayout(grid)

        form = QFormLayout()
        self.bounds = [_dspin(f"planeBound{k}", f"Bounds {k}", f"The plane's {k}", -100.0, 100.0)
                       for k in ("XMin", "XMax", "YMin", "YMax")]
        for label, pair in (("x from / to", self.bounds[:2]), ("y from / to", self.bounds[2:])):
            row = QHBoxLayout()
            for s in pair:
                row.addWidget(s, 1)
            form.addRow(label, row)
        self.wallRadiusSpin = _dspin("planeWallRadiusSpin", "Wall radius", "Half the thickness of a wall", 0.0, 10.0)
        self.agentRadiusSpin = _dspin("planeAgentRadiusSpin", "Agent radius", "Radius of the point mass", 0.0, 10.0)
        row = QHBoxLayout()
        row.addWidget(self.wallRadiusSpin, 1)
        row.addWidget(self.agentRadiusSpin, 1)
        form.addRow("wall / agent r", row)
        self.maxStepSpin = _dspin("planeMaxStepSpin", "Max step", "How far one step moves along each axis at most",
                                  1e-4, 10.0, 4, 0.005)
        self.horizonSpin = named(QSpinBox(), "planeHorizonSpin", "Horizon", "Steps per episode")
        self.horizonSpin.setRange(1, 100_000)
        compact_spin(self.horizonSpin, 5)
        row = QHBoxLayout()
        row.addWidget(self.maxStepSpin, 1)
        row.addWidget(self.horizonSpin, 1)
        form.addRow("step / T", row)
        self.discountSpin = _dspin("planeDiscountSpin", "Discount", "Discount factor gamma", 0.0, 1.0, 3, 0.01)
        self.dynamicsCombo = named(QComboBox(), "planeDynamicsCombo", "Dynamics",
                                   "velocity: the action moves the point; force: it pushes a damped mass")
        self.dynamicsCombo.addItems(list(DYNAMICS))
        row = QHBoxLayout()
        row.addWidget(self.discountSpin, 1)
        row.addWidget(self.dynamicsCombo, 1)
        form.addRow("γ / dynamics", row)
        v.addLayout(form)
        for s in (*self.bounds, self.wallRadiusSpin, self.agentRadiusSpin, self.maxStepSpin, self.horizonSpin,
                  self.discountSpin):
            s.editingFinished.connect(self.apply_form)
        self.dynamicsCombo.activated.connect(lambda _i: self.apply_form())
        row = QHBoxLayout()
        row.addWidget(button("Clear walls", "planeClearWallsButton", "Remove every wall (undoable)",
                             self.clear_walls))
        row.addWidget(button("Undo", "planeUndoButton", "Undo the last edit (Ctrl+Z)", doc.undo_stack.undo))
        row.addWidget(button("Redo", "planeRedoButton", "Redo (Ctrl+Shift+Z)", doc.undo_stack.redo))
        v.addLayout(row)

        canvas.wallDrawn.connect(self._on_wall)
        canvas.wallDeleted.connect(self._on_delete)
        canvas.endpointMoved.connect(self._on_endpoint)
        canvas.editFinished.connect(self._on_move_end)
        canvas.pointPlaced.connect(self._on_point)
        canvas.modeChanged.connect(self._on_mode)
        doc.planeChanged.connect(self.sync)
        self.sync()

    def sync(self) -> None:
        pl = self.doc.plane
        (x0, x1), (y0, y1) = pl.bounds
        for s, val in zip(self.bounds, (x0, x1, y0, y1)):
            set_quietly(s, lambda s=s, val=val: s.setValue(val))
        for s, val in ((self.wallRadiusSpin, pl.wall_radius), (self.agentRadiusSpin, pl.agent_radius),
                       (self.maxStepSpin, pl.max_step), (self.horizonSpin, pl.horizon),
                       (self.discountSpin, pl.discount)):
            set_quietly(s, lambda s=s, val=val: s.setValue(val))
        set_quietly(self.dynamicsCombo, lambda: self.dynamicsCombo.setCurrentText(pl.dynamics))

    def _on_mode(self, mode: str) -> None:
        b = self.mode_buttons.get(mode)
        if b is not None and not b.isChecked():
            set_quietly(b, lambda: b.setChecked(True))
        elif b is None:  # another panel's mode (recording): no drawing button is down
            self.mode_group.setExclusive(False)
            for x in self.mode_buttons.values():
                set_quietly(x, lambda x=x: x.setChecked(False))
            self.mode_group.setExclusive(True)

    def _try(self, what: str, fn) -> None:
        try:
            fn()
        except IRLStudioError as exc:
            self.sync()
            self.messages.status(f"{what} refused: {exc}", 12000)

    def apply_form(self) -> None:
        def change(p):
            x0, x1, y0, y1 = (s.value() for s in self.bounds)
            p.bounds = ((x0, x1), (y0, y1))
            p.wall_radius, p.agent_radius = self.wallRadiusSpin.value(), self.agentRadiusSpin.value()
            p.max_step, p.horizon = self.maxStepSpin.value(), self.horizonSpin.value()
            p.discount, p.dynamics = self.discountSpin.value(), self.dynamicsCombo.currentText()

        self._try("The change", lambda: self.doc.edited("plane settings", change))

    def _on_wall(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self._try("The wall", lambda: self.doc.add_wall((x0, y0, x1, y1)))

    def _on_delete(self, index: int) -> None:
        self.doc.delete_wall(index)
        self.messages.status("Wall deleted (Undo brings it back)")

    def _on_endpoint(self, index: int, end: int, x: float, y: float) -> None:
        self.doc.move_endpoint(index, end, x, y)

    def _on_move_end(self) -> None:
        why = self.doc.end_move()
        if why:
            self.messages.status(f"The wall's end cannot go there: {why}", 12000)

    def _on_point(self, kind: str, x: float, y: float) -> None:
        def change(p):
            setattr(p, kind, (x, y))

        self._try(f"The {kind}", lambda: self.doc.edited(f"place the {kind}", change))

    def clear_walls(self) -> None:
        if self.doc.plane.walls:
            self.doc.edited("clear the walls", lambda p: p.walls.clear())
