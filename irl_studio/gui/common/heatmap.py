"""A heatmap with its colour bar beside it, drawn with QPainter: a grid of values as an image with square cells,
either as a gridworld draws it (row 0 at the top, one unit per cell) or over a rectangle of the plane (y up, axes in
plane units), with overlays (wall segments, paths) on top. Setting values recolours one small image; a repaint is
a scaled image, a cached colour bar and a few labels, about a millisecond (a plotting library's scene repainted the
whole window once per view, 10-20 ms each, measured in scripts/bench_gui.py). It draws; it computes nothing but
colours."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from irl_studio.gui.colors import diverging_lut, diverging_rgb, sequential_lut, sequential_rgb, symmetric_limit
from irl_studio.gui.common.format import fmt

BAR_W, LABEL_W, TITLE_H, PAD = 10, 44, 16, 4


def stable_top(top: float, previous: float | None) -> float:
    """A colour range's top rounded up to 1, 1.5, 2, 3, 5 or 7 x 10^k and kept while the data stay between 40 % and
    100 % of it: during a run the colour bar does not flicker with every snapshot."""
    if previous is not None and 0.4 * previous <= top <= previous:
        return previous
    exp = np.floor(np.log10(top))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if m * 10.0 ** exp >= top * (1 - 1e-9):
            return float(m * 10.0 ** exp)
    return float(top)


class HeatmapView(QWidget):
    """``kind``: ``diverging`` (centred on zero, symmetric limits) or ``sequential`` (0 .. top).
    ``extent`` (xmin, xmax, ymin, ymax) with ``y_up``: a map over the plane, values[i][j] at (x[j], y[i]) with row 0
    at ymin; without: a grid, row 0 at the top, cell (r, c) covering [c, c+1] x [r, r+1]."""

    def __init__(self, object_name: str, title: str, kind: str = "diverging", extent=None, y_up: bool = False,
                 axes: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(title)
        self.kind, self.title, self.extent, self.y_up, self.axes = kind, title, extent, y_up, axes
        self.values: np.ndarray | None = None
        self._image: QImage | None = None
        self._levels: tuple[float, float] = (-1.0, 1.0) if kind == "diverging" else (0.0, 1.0)
        lut = diverging_lut() if kind == "diverging" else sequential_lut()
        bar = np.ascontiguousarray(np.repeat(lut[::-1, None, :], BAR_W, axis=1))
        self._bar = QImage(bar.data, BAR_W, len(lut), 3 * BAR_W, QImage.Format.Format_RGB888).copy()
        self._overlays: dict[str, tuple[list[tuple[np.ndarray, np.ndarray]], QPen, str | None]] = {}
        self._cache: QPixmap | None = None
        self._cache_key = None
        self.font_small = QFont(self.font())
        self.font_small.setPixelSize(10)
        self.setMinimumSize(150, 130)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    # --- data ---------------------------------------------------------------------------------------------------
    def clear_values(self) -> None:
        self.values = None
        self._image = None
        self._changed()

    def set_values(self, grid: np.ndarray, limit: float | None = None) -> None:
        """Draw ``grid`` (NaN: walls). ``limit``: symmetric limit (diverging) or top (sequential)."""
        grid = np.asarray(grid, dtype=np.float64)
        prev = self._levels[1] if self.values is not None else None
        self.values = grid
        if limit is not None and not np.isfinite(limit):
            limit = None
        if self.kind == "diverging":
            lim = symmetric_limit(grid) if limit is None else max(float(limit), 1e-12)
            lim = stable_top(lim if np.isfinite(lim) and lim < 1e300 else 1.0, prev)
            rgb = diverging_rgb(grid, lim)
            self._levels = (-lim, lim)
        else:
            finite = grid[np.isfinite(grid)]
            top = (float(finite.max()) if finite.size else 1.0) if limit is None else float(limit)
            top = stable_top(top if 1e-12 < top < 1e300 else 1.0, prev)
            rgb = sequential_rgb(grid, top)
            self._levels = (0.0, top)
        if self.y_up:
            rgb = rgb[::-1]  # row 0 is the bottom of the map
        rgb = np.ascontiguousarray(rgb)
        rows, cols = grid.shape
        self._image = QImage(rgb.data, cols, rows, 3 * cols, QImage.Format.Format_RGB888).copy()
        self._changed()

    def set_extent(self, extent) -> None:
        """The rectangle (xmin, xmax, ymin, ymax) the values cover (a map over the plane)."""
        self.extent = tuple(float(v) for v in extent)
        self._changed()

    def set_overlay(self, key: str, paths: list[tuple[np.ndarray, np.ndarray]], color="k", width: float = 2.0,
                    style=None, symbol: str | None = None) -> None:
        """Lines drawn on top of the map, in data units (cells, or plane units), replacing the overlay ``key``;
        ``width`` in pixels; ``symbol`` "o" puts a dot at each point."""
        pen = QPen(QColor(color if color != "k" else "black"), width)
        if style is not None:
            pen.setStyle(style)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        self._overlays[key] = ([(np.asarray(x, float), np.asarray(y, float)) for x, y in paths], pen, symbol)
        self._changed()

    def _changed(self) -> None:
        self.update()

    # --- geometry -----------------------------------------------------------------------------------------------
    def data_rect(self) -> tuple[float, float, float, float]:
        if self.extent is not None:
            return self.extent
        rows, cols = self.values.shape if self.values is not None else (1, 1)
        return 0.0, float(cols), 0.0, float(rows)

    def plot_rect(self) -> QRectF:
        """The pixels the map covers (its aspect kept: square cells)."""
        left = PAD + (LABEL_W if self.axes else 0)
        bottom = PAD + (14 if self.axes else 0)
        avail = QRectF(left, TITLE_H + PAD, self.width() - left - BAR_W - LABEL_W - 2 * PAD,
                       self.height() - TITLE_H - PAD - bottom)
        x0, x1, y0, y1 = self.data_rect()
        w, h = max(x1 - x0, 1e-12), max(y1 - y0, 1e-12)
        scale = max(min(avail.width() / w, avail.height() / h), 1e-6)
        pw, ph = w * scale, h * scale
        return QRectF(avail.left() + (avail.width() - pw) / 2, avail.top() + (avail.height() - ph) / 2, pw, ph)

    def _affine(self) -> tuple[float, float, float, float]:
        """(ax, bx, ay, by): pixel = a * data + b along each axis."""
        r = self.plot_rect()
        x0, x1, y0, y1 = self.data_rect()
        ax = r.width() / (x1 - x0)
        ay = -r.height() / (y1 - y0) if self.y_up else r.height() / (y1 - y0)
        by = r.bottom() - ay * y0 if self.y_up else r.top() - ay * y0
        return ax, r.left() - ax * x0, ay, by

    def to_pixel(self, x: float, y: float) -> QPointF:
        """Data coordinates to widget pixels."""
        ax, bx, ay, by = self._affine()
        return QPointF(ax * x + bx, ay * y + by)

    def polygon(self, xs: np.ndarray, ys: np.ndarray) -> QPolygonF:
        """Data points to a pixel polygon (one affine map for all of them)."""
        ax, bx, ay, by = self._affine()
        px, py = ax * np.asarray(xs, float) + bx, ay * np.asarray(ys, float) + by
        return QPolygonF([QPointF(a, b) for a, b in zip(px.tolist(), py.tolist())])

    # --- drawing ------------------------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        self._cache = None
        super().resizeEvent(event)

    def paintEvent(self, event) -> None:
        """The frame (title, colour bar, axes: cached until the size, the levels or the extent change), then the
        image and the overlays, which change with every update."""
        key = (self.size().toTuple(), self._levels, self.data_rect(), self._image is None)
        if self._cache is None or self._cache_key != key:
            self._cache, self._cache_key = self._render_frame(), key
        p = QPainter(self)
        try:
            p.drawPixmap(0, 0, self._cache)
            if self._image is not None:
                p.drawImage(self.plot_rect(), self._image)
                self._draw_overlays(p)
        finally:
            p.end()

    def _render_frame(self) -> QPixmap:
        ratio = self.devicePixelRatioF()
        pm = QPixmap(int(self.width() * ratio), int(self.height() * ratio))
        pm.setDevicePixelRatio(ratio)
        pm.fill(QColor("white"))
        p = QPainter(pm)
        try:
            title = QFont(self.font())
            title.setPixelSize(12)
            p.setFont(title)
            p.setPen(QColor(30, 30, 30))
            p.drawText(QRectF(0, 0, self.width(), TITLE_H), int(Qt.AlignmentFlag.AlignHCenter), self.title)
            p.setFont(self.font_small)
            r = self.plot_rect()
            if self._image is None:
                p.setPen(QPen(QColor(200, 200, 200), 1, Qt.PenStyle.DashLine))
                p.drawRect(r)
                p.setPen(QColor(150, 150, 150))
                p.drawText(r, int(Qt.AlignmentFlag.AlignCenter), "no run yet")
            elif self.axes:
                self._draw_axes(p, r)
            self._draw_bar(p, r)
        finally:
            p.end()
        return pm

    def _draw_bar(self, p: QPainter, r: QRectF) -> None:
        bx = r.right() + PAD + 2
        bar = QRectF(bx, r.top(), BAR_W, r.height())
        p.drawImage(bar, self._bar)
        p.setPen(QColor(120, 120, 120))
        p.drawRect(bar)
        lo, hi = self._levels
        p.setPen(QColor(40, 40, 40))
        ticks = (hi, 0.0, lo) if self.kind == "diverging" else (hi, hi / 2, 0.0)
        for i, v in enumerate(ticks):
            y = r.top() + i / (len(ticks) - 1) * r.height()
            p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 3, y))
            p.drawText(QRectF(bar.right() + 5, y - 7, LABEL_W, 14),
                       int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), fmt(v, 2))

    def _draw_axes(self, p: QPainter, r: QRectF) -> None:
        x0, x1, y0, y1 = self.data_rect()
        p.setPen(QColor(60, 60, 60))
        for v in (x0, (x0 + x1) / 2, x1):
            pt = self.to_pixel(v, y0)
            p.drawText(QRectF(pt.x() - 25, r.bottom() + 2, 50, 12), int(Qt.AlignmentFlag.AlignHCenter), fmt(v, 2))
        for v in (y0, (y0 + y1) / 2, y1):
            pt = self.to_pixel(x0, v)
            p.drawText(QRectF(r.left() - LABEL_W - 2, pt.y() - 7, LABEL_W - 2, 14),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), fmt(v, 2))

    def _draw_overlays(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setClipRect(self.plot_rect())
        for paths, pen, symbol in self._overlays.values():
            p.setPen(pen)
            for xs, ys in paths:
                if xs.size == 0:
                    continue
                poly = self.polygon(xs, ys)
                if poly.size() > 1:
                    p.drawPolyline(poly)
                if symbol:
                    p.save()
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(pen.color())
                    for i in range(poly.size()):
                        p.drawEllipse(poly.at(i), pen.widthF() + 1.5, pen.widthF() + 1.5)
                    p.restore()
        p.setClipping(False)
