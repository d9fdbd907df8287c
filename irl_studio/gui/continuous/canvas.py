"""The plane canvas: draws a plane (bounds, capsule walls with the agent's clearance, start, goal), the learned
reward under it, demonstrations, policy rollouts and re-optimized paths over it, and turns the mouse into plane-level
signals. It edits nothing itself: the panels decide what a drag means, by the canvas's ``mode``:

* ``select`` (default): a right click on a wall deletes it;
* ``wall``: a drag draws a wall segment; a drag from near an end of a wall moves that end; right click deletes;
* ``record``: a left-button drag from press to release records one demonstration;
* ``start`` / ``goal``: a click places the start or the goal.

x to the right, y up; the plane keeps its aspect. ``point_to_widget(x, y)`` is in this widget's coordinates (it
receives its own mouse events).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from irl_studio.continuous.plane import Plane
from irl_studio.gui.colors import diverging_rgb, symmetric_limit

WALL_COLOR = QColor(52, 54, 62)
CLEARANCE_COLOR = QColor(52, 54, 62, 45)
DEMO_COLORS = [QColor(c) for c in ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
                                   "#17becf")]
ENDPOINT_PX = 9  # a press within this many pixels of a wall's end grabs the end


class PlaneCanvas(QWidget):
    """Signals in plane units: ``wallDrawn(x0, y0, x1, y1)``, ``wallDeleted(index)``, ``endpointMoved(index, end,
    x, y)`` (live, while dragging), ``editFinished()`` (the end of an endpoint drag), ``dragRecorded(object points)``
    ((N, 2) array), ``pointPlaced(str kind, x, y)``, ``hovered(x, y)`` (NaN when outside), ``modeChanged(str)``."""

    wallDrawn = Signal(float, float, float, float)
    wallDeleted = Signal(int)
    endpointMoved = Signal(int, int, float, float)
    editFinished = Signal()
    dragRecorded = Signal(object)
    pointPlaced = Signal(str, float, float)
    hovered = Signal(float, float)
    modeChanged = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("planeCanvas")
        self.setAccessibleName("Plane canvas")
        self.setAccessibleDescription("Draw walls by dragging, right click deletes a wall; in demonstration mode drag "
                                      "from the start to record a demonstration")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(260, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.plane: Plane | None = None
        self.mode = "select"
        self.show_reward = False
        self.reward = None  # (x, y, values) of the learned reward
        self.demos: list[tuple[np.ndarray, QColor, float]] = []  # (positions (N, 2), colour, width px)
        self.rollouts: list[np.ndarray] = []
        self.paths: list[tuple[np.ndarray, QColor, float]] = []  # re-optimized paths
        self.drag: list[tuple[float, float]] = []  # the demonstration or wall being drawn
        self._grab: tuple[int, int] | None = None  # (wall, end) being moved
        self._press: tuple[float, float] | None = None
        self._static: QPixmap | None = None  # walls, demonstrations, start and goal (transparent where empty)
        self._reward_image: QImage | None = None  # the learned reward, one pixel per grid point
        self.font_small = QFont(self.font())
        self.font_small.setPixelSize(11)

    # --- state set by the panels --------------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self.drag, self._grab, self._press = [], None, None
            self.modeChanged.emit(mode)
            self.update()

    def set_plane(self, plane: Plane) -> None:
        self.plane = plane
        self.invalidate()

    def set_reward(self, x: np.ndarray | None, y: np.ndarray | None, values: np.ndarray | None) -> None:
        self.reward = None if values is None else (np.asarray(x), np.asarray(y), np.asarray(values))
        self._reward_image = None
        if self.show_reward:
            self.update()

    def set_show_reward(self, on: bool) -> None:
        self.show_reward = bool(on)
        self.update()

    def set_demos(self, demos: list[tuple[np.ndarray, QColor, float]]) -> None:
        self.demos = demos
        self.invalidate()

    def set_rollouts(self, rollouts: list[np.ndarray]) -> None:
        self.rollouts = [np.asarray(r)[:, :2] for r in rollouts]
        self.update()

    def set_paths(self, paths: list[tuple[np.ndarray, QColor, float]]) -> None:
        self.paths = [(np.asarray(p)[:, :2], c, w) for p, c, w in paths]
        self.invalidate()

    def invalidate(self) -> None:
        self._static = None
        self.update()

    # --- geometry -----------------------------------------------------------------------------------------------
    def plot_rect(self) -> QRectF:
        if self.plane is None:
            return QRectF(0, 0, 1, 1)
        (x0, x1), (y0, y1) = self.plane.bounds
        m = 10
        w, h = self.width() - 2 * m, self.height() - 2 * m
        s = max(min(w / (x1 - x0), h / (y1 - y0)), 1e-9)
        pw, ph = (x1 - x0) * s, (y1 - y0) * s
        return QRectF(m + (w - pw) / 2, m + (h - ph) / 2, pw, ph)

    def scale(self) -> float:
        (x0, x1), _ = self.plane.bounds
        return self.plot_rect().width() / (x1 - x0)

    def to_widget(self, x: float, y: float) -> QPointF:
        r = self.plot_rect()
        (x0, x1), (y0, y1) = self.plane.bounds
        return QPointF(r.left() + (x - x0) / (x1 - x0) * r.width(), r.bottom() - (y - y0) / (y1 - y0) * r.height())

    def point_to_widget(self, x: float, y: float) -> QPoint:
        """A plane point in the coordinates of the widget that receives the mouse events (this one)."""
        return self.to_widget(x, y).toPoint()

    def to_plane(self, pos) -> tuple[float, float]:
        r = self.plot_rect()
        (x0, x1), (y0, y1) = self.plane.bounds
        return (x0 + (pos.x() - r.left()) / r.width() * (x1 - x0),
                y0 + (r.bottom() - pos.y()) / r.height() * (y1 - y0))

    def inside(self, p: tuple[float, float]) -> bool:
        (x0, x1), (y0, y1) = self.plane.bounds
        return x0 <= p[0] <= x1 and y0 <= p[1] <= y1

    def _endpoint_near(self, pos) -> tuple[int, int] | None:
        best, found = ENDPOINT_PX, None
        for i, (a, b, c, d) in enumerate(self.plane.walls):
            for end, (x, y) in enumerate(((a, b), (c, d))):
                q = self.to_widget(x, y)
                dist = float(np.hypot(q.x() - pos.x(), q.y() - pos.y()))
                if dist <= best:
                    best, found = dist, (i, end)
        return found

    # --- input --------------------------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        if self.plane is None:
            return
        pos = event.position()
        p = self.to_plane(pos)
        if event.button() == Qt.MouseButton.RightButton:
            if self.mode != "record":
                i = self.plane.wall_at(np.array(p), tol=max(self.plane.wall_radius, ENDPOINT_PX / self.scale()))
                if i is not None:
                    self.wallDeleted.emit(int(i))
            return
        if event.button() != Qt.MouseButton.LeftButton or not self.inside(p):
            return
        if self.mode in ("start", "goal"):
            self.pointPlaced.emit(self.mode, p[0], p[1])
        elif self.mode == "wall":
            self._grab = self._endpoint_near(pos)
            self._press = p
            self.drag = [p] if self._grab is None else []
        elif self.mode == "record":
            self.drag = [p]
        self.update()

    def mouseMoveEvent(self, event) -> None:
        if self.plane is None:
            return
        p = self.to_plane(event.position())
        self.hovered.emit(*(p if self.inside(p) else (float("nan"), float("nan"))))
        if not (event.buttons() & Qt.MouseButton.LeftButton):
            return
        if self.mode == "wall" and self._grab is not None:
            self.endpointMoved.emit(self._grab[0], self._grab[1], p[0], p[1])
        elif self.mode == "wall" and self.drag:
            self.drag = [self.drag[0], p]
            self.update()
        elif self.mode == "record" and self.drag:
            if self.drag[-1] != p:
                self.drag.append(p)
                self.update()

    def mouseReleaseEvent(self, event) -> None:
        if self.plane is None or event.button() != Qt.MouseButton.LeftButton:
            return
        p = self.to_plane(event.position())
        if self.mode == "wall":
            if self._grab is not None:
                self._grab = None
                self.editFinished.emit()
            elif self.drag:
                a = self.drag[0]
                if float(np.hypot(p[0] - a[0], p[1] - a[1])) * self.scale() >= 4:
                    self.wallDrawn.emit(a[0], a[1], p[0], p[1])
                self.drag = []
        elif self.mode == "record" and self.drag:
            if self.drag[-1] != p:
                self.drag.append(p)
            pts, self.drag = np.array(self.drag), []
            self.dragRecorded.emit(pts)
        self.update()

    def leaveEvent(self, event) -> None:
        self.hovered.emit(float("nan"), float("nan"))
        super().leaveEvent(event)

    def resizeEvent(self, event) -> None:
        self._static = None
        super().resizeEvent(event)

    # --- drawing ------------------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), QColor(250, 250, 250))
            if self.plane is None:
                return
            ratio = self.devicePixelRatioF()
            if self._static is None or self._static.size() != self.size() * ratio:
                self._static = self._render_static(ratio)
            p.fillRect(self.plot_rect(), QColor("white"))
            if self.show_reward and self.reward is not None:  # redrawn alone when the reward changes (live)
                x, y, v = self.reward
                if self._reward_image is None:
                    rgb = np.ascontiguousarray(diverging_rgb(v, symmetric_limit(v))[::-1])
                    self._reward_image = QImage(rgb.data, v.shape[1], v.shape[0], 3 * v.shape[1],
                                                QImage.Format.Format_RGB888).copy()
                p.drawImage(QRectF(self.to_widget(x[0], y[-1]), self.to_widget(x[-1], y[0])), self._reward_image)
            p.drawPixmap(0, 0, self._static)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for r in self.rollouts:  # hairlines: Qt's fast path (a 1.5 px pen costs 50 times as much)
                self._polyline(p, r, QColor(90, 60, 140, 200), 1.0)
            if self.drag:
                color = QColor("#d62728") if self.mode == "record" else WALL_COLOR
                width = 2.5 if self.mode == "record" else max(2 * self.plane.wall_radius * self.scale(), 2)
                self._polyline(p, np.array(self.drag), color, width)
        finally:
            p.end()

    def _render_static(self, ratio: float) -> QPixmap:
        pm = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
        pm.setDevicePixelRatio(ratio)
        pm.fill(QColor(0, 0, 0, 0))
        plane = self.plane
        r = self.plot_rect()
        s = self.scale()
        p = QPainter(pm)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(QPen(QColor(120, 120, 120), 1))
            p.drawRect(r)
            for a, b, c, d in plane.walls:  # the agent's centre keeps out of the lighter band
                self._segment(p, (a, b), (c, d), CLEARANCE_COLOR, 2 * plane.clearance * s)
            for a, b, c, d in plane.walls:
                self._segment(p, (a, b), (c, d), WALL_COLOR, max(2 * plane.wall_radius * s, 1.5))
            for path, color, width in self.demos:
                self._polyline(p, path, color, width)
            for path, color, width in self.paths:
                self._polyline(p, path, color, width, ends=True)
            self._disc(p, plane.goal, plane.reach_radius * s, QColor(255, 200, 60), "G")
            self._disc(p, plane.start, max(plane.agent_radius * s, 4), QColor(120, 180, 240), "S")
        finally:
            p.end()
        return pm

    def _segment(self, p: QPainter, a, b, color: QColor, width: float) -> None:
        pen = QPen(color, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        p.drawLine(self.to_widget(*a), self.to_widget(*b))

    def _disc(self, p: QPainter, c, radius: float, color: QColor, label: str) -> None:
        q = self.to_widget(*c)
        p.setPen(QPen(color.darker(150), 1.5))
        p.setBrush(color)
        p.drawEllipse(q, max(radius, 5), max(radius, 5))
        p.setPen(QColor(30, 30, 30))
        p.setFont(self.font_small)
        p.drawText(QRectF(q.x() - 8, q.y() - 8, 16, 16), int(Qt.AlignmentFlag.AlignCenter), label)
        p.setBrush(Qt.BrushStyle.NoBrush)

    def _polyline(self, p: QPainter, pts: np.ndarray, color: QColor, width: float, ends: bool = False) -> None:
        if len(pts) == 0:
            return
        pen = QPen(color, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        r = self.plot_rect()
        (x0, x1), (y0, y1) = self.plane.bounds
        px = r.left() + (pts[:, 0] - x0) * (r.width() / (x1 - x0))
        py = r.bottom() - (pts[:, 1] - y0) * (r.height() / (y1 - y0))
        poly = QPolygonF([QPointF(a, b) for a, b in zip(px.tolist(), py.tolist())])
        p.drawPolyline(poly)
        if ends:
            p.setBrush(color)
            p.drawEllipse(poly.at(poly.size() - 1), width + 2, width + 2)
            p.setBrush(Qt.BrushStyle.NoBrush)
