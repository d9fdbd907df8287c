"""Training curves against the iteration, one small plot per series; which series a tab shows is a parameter
(the gridworld: log-likelihood, feature gap, EVD; the plane: discriminator loss, accuracy, true return).

Drawn with QPainter, not a plotting library: a curve with a few ticks is all they need, and a repaint costs about a
millisecond however long the run (the points are thinned to the plot's width), so the curves never stall the event
loop. Plots keep their place whether they have data or not (nothing moves during a run); they stack in one column
when narrow and stand side by side when wide. Redrawn at most every ``min_interval`` seconds during a run.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGridLayout, QSizePolicy, QWidget

from irl_studio.gui.common.format import fmt


@dataclass(frozen=True)
class Series:
    key: str  # the series' name
    title: str
    color: str
    metrics: tuple[str, ...]  # the first of these metric keys present in a step is plotted


def nice_ticks(lo: float, hi: float, n: int, integer: bool = False) -> list[float]:
    """At most about ``n`` round tick values (1-2-5 steps) between lo and hi."""
    span = hi - lo
    if not (math.isfinite(span) and span > 0):
        return [lo] if math.isfinite(lo) else []
    raw = span / max(n, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw * (1 - 1e-9))
    if integer:
        step = max(1.0, round(step))
    first = math.ceil(lo / step - 1e-9) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


class CurvePlot(QWidget):
    """One series: a polyline over (iteration, value) with round ticks on both axes."""

    def __init__(self, series: Series, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series = series
        self.setObjectName(f"curve_{series.key}")
        self.setAccessibleName(series.title)
        self.xs = np.zeros(0)
        self.ys = np.zeros(0)
        self.setMinimumSize(150, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.font_small = QFont(self.font())
        self.font_small.setPixelSize(10)

    def set_data(self, xs, ys) -> None:
        self.xs, self.ys = np.asarray(xs, float), np.asarray(ys, float)
        self.update()

    def _ranges(self) -> tuple[float, float, float, float]:
        x0, x1 = float(self.xs[0]), float(self.xs[-1])
        if x1 - x0 < 1:
            x0, x1 = x0 - 0.5, x0 + 0.5
        y0, y1 = float(self.ys.min()), float(self.ys.max())
        if y1 - y0 < 1e-9 * max(1.0, abs(y1)):  # a flat series: a sensible range, not 1e-15 wide ticks
            pad = max(abs(y1) * 0.05, 1e-3)
            y0, y1 = y0 - pad, y1 + pad
        pad = (y1 - y0) * 0.06
        return x0, x1, y0 - pad, y1 + pad

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        try:
            p.fillRect(self.rect(), QColor("white"))
            fm_h = 12
            p.setFont(self.font_small)
            p.setPen(QColor(30, 30, 30))
            p.drawText(QRectF(0, 1, self.width(), fm_h + 2), int(Qt.AlignmentFlag.AlignHCenter), self.series.title)
            left, right, top, bottom = 48, 8, fm_h + 6, 18
            plot = QRectF(left, top, max(self.width() - left - right, 10), max(self.height() - top - bottom, 10))
            p.setPen(QPen(QColor(160, 160, 160), 1))
            p.drawRect(plot)
            if self.xs.size == 0:
                p.setPen(QColor(150, 150, 150))
                p.drawText(plot, int(Qt.AlignmentFlag.AlignCenter), "no data yet")
                return
            x0, x1, y0, y1 = self._ranges()

            def X(x):
                return plot.left() + (x - x0) / (x1 - x0) * plot.width()

            def Y(y):
                return plot.bottom() - (y - y0) / (y1 - y0) * plot.height()

            p.setPen(QColor(60, 60, 60))
            for t in nice_ticks(x0, x1, max(2, int(plot.width() // 55)), integer=True):
                x = X(t)
                p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 3))
                p.drawText(QRectF(x - 30, plot.bottom() + 3, 60, 14), int(Qt.AlignmentFlag.AlignHCenter),
                           str(int(round(t))))
            for t in nice_ticks(y0, y1, max(2, int(plot.height() // 28))):
                y = Y(t)
                p.drawLine(QPointF(plot.left() - 3, y), QPointF(plot.left(), y))
                right_mid = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                p.drawText(QRectF(0, y - 7, left - 5, 14), right_mid, fmt(t, 3))
            # thin to about two points per pixel column (a million iterations draw as fast as a hundred)
            n = self.xs.size
            stride = max(1, n // max(int(2 * plot.width()), 1))
            xs, ys = self.xs[::stride], self.ys[::stride]
            if xs[-1] != self.xs[-1]:
                xs, ys = np.append(xs, self.xs[-1]), np.append(ys, self.ys[-1])
            color = QColor(self.series.color)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setClipRect(plot.adjusted(-3, -3, 3, 3))
            p.setPen(QPen(color, 2))
            p.drawPolyline(QPolygonF([QPointF(X(a), Y(b)) for a, b in zip(xs, ys)]))
            if n <= 40:  # dots while there are few points (a single point is otherwise invisible)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(color)
                for a, b in zip(xs, ys):
                    p.drawEllipse(QPointF(X(a), Y(b)), 2.5, 2.5)
        finally:
            p.end()


class CurvesView(QWidget):
    min_interval = 0.25  # seconds between redraws during a run

    def __init__(self, series: list[Series], object_name: str = "curvesView", columns: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName("Training curves")
        self.series = list(series)
        self.plots = {s.key: CurvePlot(s) for s in self.series}
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.fixed_columns = columns
        self.columns = 0
        self._arrange(columns or 1)
        self.reset()
        self.setMinimumHeight(100)

    def _arrange(self, columns: int) -> None:
        """Place the plots in ``columns`` columns (wide: side by side; narrow: stacked)."""
        columns = max(1, min(columns, len(self.series)))
        if columns == self.columns:
            return
        self.columns = columns
        for s in self.series:
            self.grid.removeWidget(self.plots[s.key])
        for i, s in enumerate(self.series):
            self.grid.addWidget(self.plots[s.key], i // columns, i % columns)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fixed_columns is None:
            self._arrange(max(1, self.width() // 260))

    def reset(self) -> None:
        self.data: dict[str, tuple[list[float], list[float]]] = {s.key: ([], []) for s in self.series}
        self._drawn_at = 0.0
        self._dirty = False
        for plot in self.plots.values():
            plot.set_data([], [])

    @property
    def dirty(self) -> bool:
        return self._dirty

    def value(self, s: Series, metrics) -> float | None:
        for k in s.metrics:
            if k in metrics:
                return float(metrics[k])
        return None

    def add(self, iteration: int, metrics, draw: bool = True) -> None:
        """Record one iteration's metrics; redraw at most every ``min_interval`` seconds (``flush`` forces it)."""
        for s in self.series:
            v = self.value(s, metrics)
            if v is None or not np.isfinite(v):
                continue
            xs, ys = self.data[s.key]
            if xs and xs[-1] >= iteration:
                continue
            xs.append(float(iteration))
            ys.append(v)
            self._dirty = True
        if draw and self._dirty and time.perf_counter() - self._drawn_at >= self.min_interval:
            self.flush()

    def add_many(self, rows: list[tuple[int, dict]]) -> None:
        for it, m in rows:
            self.add(it, m, draw=False)

    def flush(self) -> None:
        """Draw the data added since the last drawing."""
        self._dirty = False
        self._drawn_at = time.perf_counter()
        for s in self.series:
            xs, ys = self.data[s.key]
            self.plots[s.key].set_data(xs, ys)
