"""Live views of a run, drawn with pyqtgraph: heatmaps with a colour bar (learned reward, visitation, difference)
and the training curves. They draw snapshots; they compute nothing but colours."""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg

from irl_studio.gui.colors import diverging_lut, diverging_rgb, sequential_lut, sequential_rgb, symmetric_limit

pg.setConfigOptions(antialias=True, background="w", foreground="k")


def _cmap(lut: np.ndarray) -> pg.ColorMap:
    return pg.ColorMap(np.linspace(0.0, 1.0, len(lut)), lut)


class HeatmapView(pg.GraphicsLayoutWidget):
    """A grid of values as an image (row 0 at the top, square cells) with a colour bar.

    ``kind``: ``diverging`` (centred on zero, symmetric limits) or ``sequential`` (0 .. vmax).
    """

    def __init__(self, object_name: str, title: str, kind: str = "diverging", parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(title)
        self.kind = kind
        self.title = title
        self.plot = self.addPlot(row=0, col=0, title=title)
        self.plot.setTitle(title, size="9pt")
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        vb = self.plot.getViewBox()
        vb.setAspectLocked(True)
        vb.invertY(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        lut = diverging_lut() if kind == "diverging" else sequential_lut()
        self.bar = pg.ColorBarItem(values=(-1, 1) if kind == "diverging" else (0, 1), colorMap=_cmap(lut),
                                   interactive=False, width=12, colorMapMenu=False)
        self.addItem(self.bar, row=0, col=1)
        self.ci.layout.setColumnStretchFactor(0, 20)
        self.ci.layout.setColumnStretchFactor(1, 0)
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.values: np.ndarray | None = None
        self._levels: tuple[float, float] | None = None
        self.setMinimumSize(160, 140)

    def _stable_top(self, top: float) -> float:
        """The colour range's top, rounded up to 1, 1.5, 2, 3, 5 or 7 x 10^k and kept while the data stay between
        40 % and 100 % of it: during a run the colour bar (whose axis is costly to redraw) moves only now and then."""
        if self._levels is not None and 0.4 * self._levels[1] <= top <= self._levels[1]:
            return self._levels[1]
        exp = np.floor(np.log10(top))
        for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
            if m * 10.0 ** exp >= top * (1 - 1e-9):
                return float(m * 10.0 ** exp)
        return float(top)

    def _set_levels(self, lo: float, hi: float) -> None:
        """Move the colour bar only when its range changes noticeably (its axis is costly to redraw)."""
        old = self._levels
        if old is None or abs(old[0] - lo) > 0.02 * (abs(old[0]) + 1e-12) or \
                abs(old[1] - hi) > 0.02 * (abs(old[1]) + 1e-12):
            self._levels = (lo, hi)
            self.bar.setLevels(values=(lo, hi))

    def clear_values(self) -> None:
        self.values = None
        self.image.clear()

    def set_values(self, grid: np.ndarray, limit: float | None = None) -> None:
        """Draw ``grid`` (NaN on walls). ``limit``: symmetric limit (diverging) or top (sequential)."""
        grid = np.asarray(grid, dtype=np.float64)
        self.values = grid
        if limit is not None and not np.isfinite(limit):
            limit = None
        if self.kind == "diverging":
            lim = symmetric_limit(grid) if limit is None else max(float(limit), 1e-12)
            lim = lim if np.isfinite(lim) and lim < 1e300 else 1.0
            lim = self._stable_top(lim)
            rgb = diverging_rgb(grid, lim)
            self._set_levels(-lim, lim)
        else:
            finite = grid[np.isfinite(grid)]
            top = (float(finite.max()) if finite.size else 1.0) if limit is None else float(limit)
            top = top if 1e-12 < top < 1e300 else 1.0
            top = self._stable_top(top)
            rgb = sequential_rgb(grid, top)
            self._set_levels(0.0, top)
        rows, cols = grid.shape
        first = self.image.image is None or self.image.image.shape[:2] != (rows, cols)
        self.image.setImage(np.ascontiguousarray(rgb), autoLevels=False, levels=(0, 255))
        if first:
            self.image.setRect(0, 0, cols, rows)
            self.plot.getViewBox().setRange(xRange=(0, cols), yRange=(0, rows), padding=0.02)


class CurvesView(pg.GraphicsLayoutWidget):
    """Objective, feature-expectation gap and (when a true reward exists) EVD against the iteration."""

    SERIES = (("objective", "objective", "#1f77b4"), ("feature_gap", "feature gap", "#d62728"),
              ("evd", "EVD", "#2ca02c"))

    COLORS = {key: color for key, _, color in SERIES}
    min_interval = 0.2  # seconds between redraws of the curves during a run

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("curvesView")
        self.setAccessibleName("Training curves")
        self.plots = {}
        self.curves = {}
        for i, (key, title, color) in enumerate(self.SERIES):
            p = self.addPlot(row=0, col=i)
            p.setTitle(title, size="9pt")
            p.showGrid(x=True, y=True, alpha=0.25)
            p.setMenuEnabled(False)
            p.hideButtons()
            p.getAxis("bottom").setLabel("iteration")
            p.getAxis("left").setWidth(44)
            self.plots[key] = p
            self.curves[key] = p.plot([], [], pen=pg.mkPen(color, width=2))
        self.reset()
        self.setMinimumHeight(150)

    def reset(self) -> None:
        self.data = {key: ([], []) for key, _, _ in self.SERIES}
        self._drawn_at = 0.0
        self._dirty = False
        for c in self.curves.values():
            c.setData([], [])

    @property
    def dirty(self) -> bool:
        return self._dirty

    def flush(self) -> None:
        """Draw the data added since the last drawing."""
        self._dirty = False
        self._drawn_at = time.perf_counter()
        for key, _, _ in self.SERIES:
            xs, ys = self.data[key]
            if not xs:
                continue
            few = len(xs) <= 40  # dots while there are few points (a single point is otherwise invisible)
            self.curves[key].setData(xs, ys, symbol="o" if few else None, symbolSize=5,
                                     symbolBrush=self.COLORS[key], symbolPen=None)
            lo, hi = min(ys), max(ys)
            vb = self.plots[key].getViewBox()
            if hi - lo < 1e-6 * max(1.0, abs(hi)):  # a flat series: a sensible range, not 1e-15 wide ticks
                pad = max(abs(hi) * 0.05, 1e-3)
                vb.setYRange(lo - pad, hi + pad, padding=0)
            else:
                vb.enableAutoRange(axis="y")
        self.plots["evd"].setVisible(bool(self.data["evd"][0]))

    @staticmethod
    def metric(metrics, key: str) -> float | None:
        if key == "feature_gap":
            for k in ("feature_gap_inf", "feature_gap_max", "feature_gap", "feature_gap_l2"):
                if k in metrics:
                    return float(metrics[k])
            return None
        if key == "objective":
            for k in ("objective", "log_likelihood", "loss"):
                if k in metrics:
                    return float(metrics[k])
            return None
        return float(metrics[key]) if key in metrics else None

    def add(self, iteration: int, metrics, draw: bool = True) -> None:
        """Record one iteration's metrics; redraw at most every ``min_interval`` seconds (``flush`` forces it)."""
        for key, _, _ in self.SERIES:
            v = self.metric(metrics, key)
            if v is None or not np.isfinite(v):
                continue
            xs, ys = self.data[key]
            if xs and xs[-1] >= iteration:
                continue
            xs.append(iteration)
            ys.append(v)
            self._dirty = True
        if draw and self._dirty and time.perf_counter() - self._drawn_at >= self.min_interval:
            self.flush()
