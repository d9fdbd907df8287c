"""Training curves against the iteration, one small plot per series; which series a tab shows is a parameter
(the gridworld: objective / log-likelihood, feature gap, EVD; the plane: discriminator loss, accuracy, true
return). Plots keep their place whether they have data or not (nothing moves during a run); they stack in one
column when narrow and stand side by side when wide. Redrawn at most every ``min_interval`` seconds."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg

from irl_studio.gui.common.format import fmt


@dataclass(frozen=True)
class Series:
    key: str  # the series' name
    title: str
    color: str
    metrics: tuple[str, ...]  # the first of these metric keys present in a step is plotted


class IterationAxis(pg.AxisItem):
    """Integer ticks, few enough not to overlap on a small plot (1-2-5 steps, labels at least ~45 px apart)."""

    def tickValues(self, minVal, maxVal, size):
        span = maxVal - minVal
        if span <= 0 or not np.isfinite(span):
            return [(1.0, [round(minVal)])]
        n = max(2, int(size // 45))
        raw = span / n
        mag = 10 ** np.floor(np.log10(max(raw, 1e-12)))
        step = next((m * mag for m in (1, 2, 5, 10) if m * mag >= raw), 10 * mag)
        step = max(1.0, step)
        first = np.ceil(minVal / step) * step
        return [(step, list(np.arange(first, maxVal + step * 1e-9, step)))]

    def tickStrings(self, values, scale, spacing):
        return [str(int(round(v))) for v in values]


class ValueAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):
        return [fmt(v * scale, 3) for v in values]


class CurvesView(pg.GraphicsLayoutWidget):
    min_interval = 0.25  # seconds between redraws during a run

    def __init__(self, series: list[Series], object_name: str = "curvesView", columns: int | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName("Training curves")
        self.series = list(series)
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.fixed_columns = columns
        self.columns = 0
        for s in self.series:
            p = pg.PlotItem(axisItems={"bottom": IterationAxis("bottom"), "left": ValueAxis("left")})
            p.setTitle(s.title, size="9pt")
            p.showGrid(x=True, y=True, alpha=0.25)
            p.setMenuEnabled(False)
            p.hideButtons()
            p.getAxis("left").setWidth(46)
            p.setMouseEnabled(False, False)
            self.plots[s.key] = p
            self.curves[s.key] = p.plot([], [], pen=pg.mkPen(s.color, width=2))
        self._arrange(columns or len(self.series))
        self.reset()
        self.setMinimumHeight(130)

    def _arrange(self, columns: int) -> None:
        """Place the plots in ``columns`` columns (wide: side by side; narrow: stacked)."""
        columns = max(1, min(columns, len(self.series)))
        if columns == self.columns:
            return
        self.columns = columns
        self.ci.clear()
        for i, s in enumerate(self.series):
            self.ci.addItem(self.plots[s.key], row=i // columns, col=i % columns)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if getattr(self, "fixed_columns", 0) is None:  # (pyqtgraph resizes during its own __init__)
            self._arrange(max(1, self.width() // 230))

    def reset(self) -> None:
        self.data: dict[str, tuple[list[float], list[float]]] = {s.key: ([], []) for s in self.series}
        self._drawn_at = 0.0
        self._dirty = False
        for c in self.curves.values():
            c.setData([], [])

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
            plot = self.plots[s.key]
            if not xs:
                continue
            few = len(xs) <= 40  # dots while there are few points (a single point is otherwise invisible)
            self.curves[s.key].setData(xs, ys, symbol="o" if few else None, symbolSize=5, symbolBrush=s.color,
                                       symbolPen=None)
            lo, hi = min(ys), max(ys)
            vb = plot.getViewBox()
            if hi - lo < 1e-6 * max(1.0, abs(hi)):  # a flat series: a sensible range, not 1e-15 wide ticks
                pad = max(abs(hi) * 0.05, 1e-3)
                vb.setYRange(lo - pad, hi + pad, padding=0)
            else:
                vb.enableAutoRange(axis="y")
            vb.setXRange(min(xs[0], xs[-1] - 1), max(xs[-1], xs[0] + 1), padding=0.02)
