"""The grid canvas: draws a layout (cells, objects, start and goal marks), overlays (true or learned reward,
demonstration paths, policy arrows, rolling-out agents with trails, hover highlight), and turns mouse and keyboard
input into cell-level signals. It edits nothing itself: the panels decide what a click means, by the canvas's
``mode`` ("draw" or "demonstrate"), which the demonstrate panel sets.

A :class:`QAbstractScrollArea` whose viewport receives the mouse events (as a QGraphicsView would), so
``cell_center(row, col)`` is in viewport coordinates. Cells are always square.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QAbstractScrollArea

from irl_studio.core.layout import GOAL, START, WALL, Layout
from irl_studio.gui.colors import diverging_rgb
from irl_studio.gui.gridworld.painting import DEMO_COLORS, TERRAIN_RGB, WALL_RGB, layout_rgb, paint_objects, \
    paint_path, policy_image, polygon  # noqa: F401 (re-exported: the panels draw with these colours)

class GridCanvas(QAbstractScrollArea):
    """Signals carry cells; ``cellPressed(row, col, button)``, ``cellDragged(row, col)``, ``strokeFinished()``,
    ``cellHovered(row, col)`` (-1, -1 when the mouse leaves the grid), ``keyAction(name)`` for arrow keys / space
    (an action name), Enter (``"finish"``) and Escape (``"cancel"``)."""

    cellPressed = Signal(int, int, int)
    cellDragged = Signal(int, int)
    strokeFinished = Signal()
    cellHovered = Signal(int, int)
    keyAction = Signal(str)
    modeChanged = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("gridCanvas")
        self.setAccessibleName("Grid canvas")
        self.setAccessibleDescription("Click and drag to draw; in demonstration mode click neighbouring cells or "
                                      "use the arrow keys, space to stay, Enter to finish")
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.setMinimumSize(240, 240)
        self.world: Layout | None = None
        self._base: QImage | None = None
        self.background = "layout"  # layout | true reward | learned reward
        self.learned_grid: np.ndarray | None = None
        self.demo_paths: list[tuple[list[tuple[int, int]], QColor, float]] = []
        self._demo_polys: list[tuple[QPolygonF, QColor, float]] = []
        self._static: QPixmap | None = None
        self._overlay: QPixmap | None = None
        self._static_key = None
        self.current_path: list[tuple[int, int]] = []
        self.policy_actions: np.ndarray | None = None  # (rows, cols) action name index into actions, -1: none
        self.policy_strength: np.ndarray | None = None
        self.policy_action_names: tuple[str, ...] = ()
        self.show_policy = True
        self.agents: list[tuple[int, int]] = []
        self.trails: list[list[tuple[int, int]]] = []
        self.hover: tuple[int, int] | None = None
        self._pressed = False
        self._last_drag: tuple[int, int] | None = None
        self.mode = "draw"

    def set_mode(self, mode: str) -> None:
        """"draw" (clicks paint) or "demonstrate" (clicks walk a demonstration)."""
        if mode != self.mode:
            self.mode = mode
            self.modeChanged.emit(mode)

    # --- model ------------------------------------------------------------------------------------------------
    def set_layout(self, layout: Layout) -> None:
        self.world = layout
        self.refresh()

    def refresh(self, overlay: bool = True) -> None:
        """Rebuild the pictures after the layout changed (``overlay`` False: only the cells' colours changed, as
        when the background choice changes; objects, arrows and demonstrations stay as drawn)."""
        self._base_image()
        if overlay:
            self.invalidate(cells=True)
        else:
            self._static = None
            self.viewport().update()

    def _base_image(self) -> None:
        lay = self.world
        if lay is None:
            self._base = None
        else:
            rgb = layout_rgb(lay)
            if self.background == "true reward" and lay.true_reward is not None:
                rgb = diverging_rgb(np.where(lay.floor_mask, lay.true_reward, np.nan))
            elif (self.background == "learned reward" and self.learned_grid is not None
                  and self.learned_grid.shape == lay.shape):
                rgb = diverging_rgb(np.where(lay.floor_mask, self.learned_grid, np.nan))
            rgb = np.ascontiguousarray(rgb)
            rgb[lay.grid == WALL] = WALL_RGB
            self._base = QImage(rgb.data, lay.cols, lay.rows, 3 * lay.cols, QImage.Format.Format_RGB888).copy()

    # --- geometry -----------------------------------------------------------------------------------------------
    def cell_size(self) -> float:
        if self.world is None:
            return 1.0
        vp = self.viewport()
        return max(1.0, min((vp.width() - 8) / self.world.cols, (vp.height() - 8) / self.world.rows))

    def origin(self) -> QPointF:
        cs = self.cell_size()
        vp = self.viewport()
        return QPointF((vp.width() - cs * self.world.cols) / 2, (vp.height() - cs * self.world.rows) / 2)

    def cell_rect(self, row: int, col: int) -> QRectF:
        cs = self.cell_size()
        o = self.origin()
        return QRectF(o.x() + col * cs, o.y() + row * cs, cs, cs)

    def cell_center(self, row: int, col: int) -> QPoint:
        """The centre of a cell in viewport coordinates (the widget that receives the mouse events)."""
        return self.cell_rect(row, col).center().toPoint()

    def cell_at(self, pos) -> tuple[int, int] | None:
        if self.world is None:
            return None
        cs = self.cell_size()
        o = self.origin()
        col = int(np.floor((pos.x() - o.x()) / cs))
        row = int(np.floor((pos.y() - o.y()) / cs))
        return (row, col) if self.world.in_bounds(row, col) else None

    # --- input --------------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        cell = self.cell_at(event.position())
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if cell is None:
            return
        self._pressed = True
        self._last_drag = cell
        self.cellPressed.emit(cell[0], cell[1], int(event.button().value))

    def mouseMoveEvent(self, event) -> None:
        cell = self.cell_at(event.position())
        if cell != self.hover:
            self.hover = cell
            self.cellHovered.emit(*(cell if cell else (-1, -1)))
            self.viewport().update()
        if self._pressed and cell is not None and cell != self._last_drag:
            for c in _line(self._last_drag, cell)[1:]:
                self.cellDragged.emit(c[0], c[1])
            self._last_drag = cell

    def mouseReleaseEvent(self, event) -> None:
        if self._pressed:
            self._pressed = False
            self._last_drag = None
            self.strokeFinished.emit()

    def leaveEvent(self, event) -> None:
        self.hover = None
        self.cellHovered.emit(-1, -1)
        self.viewport().update()
        super().leaveEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        keys = {Qt.Key.Key_Up: "up", Qt.Key.Key_Down: "down", Qt.Key.Key_Left: "left", Qt.Key.Key_Right: "right",
                Qt.Key.Key_Space: "stay", Qt.Key.Key_Return: "finish", Qt.Key.Key_Enter: "finish",
                Qt.Key.Key_Escape: "cancel"}
        name = keys.get(Qt.Key(event.key()))
        if name is None:
            super().keyPressEvent(event)
            return
        self.keyAction.emit(name)
        event.accept()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.viewport().update()

    # --- overlays set by the window -----------------------------------------------------------------------------
    def set_demo_paths(self, paths: list[tuple[list[tuple[int, int]], QColor, float]]) -> None:
        """Demonstration paths to draw: (cells, colour, width in cells)."""
        self.demo_paths = paths
        self._demo_polys = [(polygon(path), color, width) for path, color, width in paths]
        self.invalidate()

    def set_policy(self, actions: np.ndarray | None, strength: np.ndarray | None = None,
                   names: tuple[str, ...] = ()) -> None:
        """Policy arrows: per cell the index of the most likely action (-1: none) and its probability."""
        self.policy_actions, self.policy_strength, self.policy_action_names = actions, strength, tuple(names)
        self.invalidate()

    def invalidate(self, cells: bool = False) -> None:
        """Drop the cached overlay (objects, arrows, demonstrations) and, with ``cells``, the cells' picture."""
        self._overlay = None
        if cells:
            self._static = None
        self.viewport().update()

    def set_learned_grid(self, grid: np.ndarray | None) -> None:
        """The learned reward drawn under the 'learned reward' background (only the cells are redrawn)."""
        self.learned_grid = grid
        if self.background == "learned reward":
            self._base_image()
            self._static = None
            self.viewport().update()

    def set_show_policy(self, on: bool) -> None:
        self.show_policy = bool(on)
        self.invalidate()

    def set_background(self, name: str) -> None:
        """What the cells show: "layout", "true reward" or "learned reward"."""
        if name != self.background:
            self.background = name
            self.refresh(overlay=False)

    def set_current_path(self, cells: list[tuple[int, int]]) -> None:
        """The demonstration being recorded."""
        self.current_path = list(cells)
        self.viewport().update()

    def set_agents(self, agents: list[tuple[int, int]], trails: list[list[tuple[int, int]]]) -> None:
        self.agents, self.trails = agents, trails
        self.viewport().update()

    # --- drawing ------------------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self.viewport())
        try:
            p.fillRect(self.viewport().rect(), QColor(250, 250, 250))
            if self.world is None or self._base is None:
                return
            vp = self.viewport()
            key = (vp.width(), vp.height(), vp.devicePixelRatioF())
            if self._static_key != key:
                self._static = self._overlay = None
                self._static_key = key
            if self._static is None:
                self._static = self._render_layer(key, overlay=False)
            if self._overlay is None:
                self._overlay = self._render_layer(key, overlay=True)
            p.drawPixmap(0, 0, self._static)
            p.drawPixmap(0, 0, self._overlay)
            cs = self.cell_size()
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.translate(self.origin())
            p.scale(cs, cs)
            if self.current_path:
                paint_path(p, polygon(self.current_path), QColor("#d62728"), 0.22, head=True)
            self._paint_agents(p)
            if self.hover is not None:
                p.resetTransform()
                p.setPen(QPen(QColor(20, 20, 20, 180), 2))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(self.cell_rect(*self.hover))
        finally:
            p.end()

    def _render_layer(self, key, overlay: bool) -> QPixmap:
        """The cells (background) or the slow-changing overlay (objects, arrows, demonstrations), cached."""
        w, h, ratio = key
        pm = QPixmap(int(w * ratio), int(h * ratio))
        pm.setDevicePixelRatio(ratio)
        pm.fill(QColor(0, 0, 0, 0) if overlay else QColor(250, 250, 250))
        lay = self.world
        cs = self.cell_size()
        o = self.origin()
        p = QPainter(pm)
        try:
            if not overlay:  # redrawn for every learned-reward update: keep it to one image and the marks
                p.drawImage(QRectF(o.x(), o.y(), cs * lay.cols, cs * lay.rows), self._base)
                p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                self._paint_marks(p, cs)
                return pm
            if cs >= 6:  # grid lines as 1-pixel rectangles (a pen's lines cost 10 ms on a 64 x 64 grid)
                shade = QColor(0, 0, 0, 40)
                x0, y0, x1, y1 = o.x(), o.y(), o.x() + lay.cols * cs, o.y() + lay.rows * cs
                for r in range(lay.rows + 1):
                    p.fillRect(QRectF(x0, round(y0 + r * cs), x1 - x0, 1), shade)
                for c in range(lay.cols + 1):
                    p.fillRect(QRectF(round(x0 + c * cs), y0, 1, y1 - y0), shade)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.translate(o)
            p.scale(cs, cs)
            paint_objects(p, self.world.objects)
            self._paint_policy(p, cs)
            for poly, color, width in self._demo_polys:
                paint_path(p, poly, color, width)
        finally:
            p.end()
        return pm

    def _paint_marks(self, p: QPainter, cs: float) -> None:
        if cs < 9:
            return
        font = QFont()
        font.setBold(True)
        font.setPixelSize(max(8, int(cs * 0.55)))
        p.setFont(font)
        g = self.world.grid
        for ch in (START, GOAL):
            for r, c in np.argwhere(g == ch):
                dark = self._base is not None and self._base.pixelColor(int(c), int(r)).lightness() < 120
                p.setPen(QColor(250, 250, 250) if dark else QColor(40, 40, 40))
                p.drawText(self.cell_rect(int(r), int(c)), int(Qt.AlignmentFlag.AlignCenter), ch)

    def _paint_policy(self, p: QPainter, cs: float) -> None:
        """Arrows of the policy (the painter in cell units), when the cells are large enough to show them."""
        if not self.show_policy or self.policy_actions is None or self.policy_actions.shape != self.world.shape \
                or cs < 5:
            return
        rows, cols = self.world.shape
        k = max(4, int(round(cs * self.viewport().devicePixelRatioF())))  # glyph side in device pixels
        img = policy_image(self.policy_actions, self.policy_strength, self.policy_action_names, k)
        p.save()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        p.drawImage(QRectF(0, 0, cols, rows), img)
        p.restore()

    def _paint_agents(self, p: QPainter) -> None:
        for i, trail in enumerate(self.trails):
            color = QColor(DEMO_COLORS[i % len(DEMO_COLORS)])
            color.setAlpha(140)
            paint_path(p, polygon(trail), color, 0.12)
        for i, (r, c) in enumerate(self.agents):
            p.setPen(QPen(QColor("white"), 0.06))
            p.setBrush(DEMO_COLORS[i % len(DEMO_COLORS)])
            p.drawEllipse(QPointF(c + 0.5, r + 0.5), 0.32, 0.32)

    def viewport_rect_of_grid(self) -> QRect:
        cs = self.cell_size()
        o = self.origin()
        return QRectF(o.x(), o.y(), cs * self.world.cols, cs * self.world.rows).toRect()


def _line(a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
    """4-connected cells from a to b (a fast drag covers every cell in between)."""
    (r0, c0), (r1, c1) = a, b
    out = [(r0, c0)]
    r, c = r0, c0
    while (r, c) != (r1, c1):
        dr, dc = r1 - r, c1 - c
        if abs(dc) * max(abs(r1 - r0), 1) >= abs(dr) * max(abs(c1 - c0), 1) and dc != 0:
            c += 1 if dc > 0 else -1
        else:
            r += 1 if dr > 0 else -1
        out.append((r, c))
    return out
