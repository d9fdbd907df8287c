"""A heatmap with its colour bar beside it (pyqtgraph): a grid of values drawn as an image with square cells, either
as a gridworld draws it (row 0 at the top, one unit per cell) or over a rectangle of the plane (y up), with optional
overlays (wall segments, paths) drawn on top. It draws; it computes nothing but colours."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy

from irl_studio.gui.colors import diverging_lut, diverging_rgb, sequential_lut, sequential_rgb, symmetric_limit

pg.setConfigOptions(antialias=True, background="w", foreground="k")


def colormap(lut: np.ndarray) -> pg.ColorMap:
    return pg.ColorMap(np.linspace(0.0, 1.0, len(lut)), lut)


def stable_top(top: float, previous: float | None) -> float:
    """A colour range's top rounded up to 1, 1.5, 2, 3, 5 or 7 x 10^k and kept while the data stay between 40 % and
    100 % of it: during a run the colour bar (whose axis is costly to redraw) moves only now and then."""
    if previous is not None and 0.4 * previous <= top <= previous:
        return previous
    exp = np.floor(np.log10(top))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if m * 10.0 ** exp >= top * (1 - 1e-9):
            return float(m * 10.0 ** exp)
    return float(top)


class HeatmapView(pg.GraphicsLayoutWidget):
    """``kind``: ``diverging`` (centred on zero, symmetric limits) or ``sequential`` (0 .. top).
    ``extent`` (xmin, xmax, ymin, ymax) with ``y_up``: a map over the plane, values[i][j] at (x[j], y[i]); without:
    a grid, row 0 at the top."""

    def __init__(self, object_name: str, title: str, kind: str = "diverging", extent=None, y_up: bool = False,
                 axes: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setAccessibleName(title)
        self.kind = kind
        self.title = title
        self.extent = extent
        self.plot = self.addPlot(row=0, col=0)
        self.plot.setTitle(title, size="9pt")
        if not axes:
            self.plot.hideAxis("left")
            self.plot.hideAxis("bottom")
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        vb = self.plot.getViewBox()
        vb.setAspectLocked(True)
        vb.invertY(not y_up)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        lut = diverging_lut() if kind == "diverging" else sequential_lut()
        self.bar = pg.ColorBarItem(values=(-1, 1) if kind == "diverging" else (0, 1), colorMap=colormap(lut),
                                   interactive=False, width=10, colorMapMenu=False)
        self.addItem(self.bar, row=0, col=1)
        self.ci.layout.setColumnStretchFactor(0, 20)
        self.ci.layout.setColumnStretchFactor(1, 0)
        self.ci.layout.setContentsMargins(2, 2, 2, 2)
        self.values: np.ndarray | None = None
        self._levels: tuple[float, float] | None = None
        self._overlays: dict[str, list[pg.PlotDataItem]] = {}
        self.setMinimumSize(150, 130)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

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
        """Draw ``grid`` (NaN: walls). ``limit``: symmetric limit (diverging) or top (sequential)."""
        grid = np.asarray(grid, dtype=np.float64)
        self.values = grid
        if limit is not None and not np.isfinite(limit):
            limit = None
        prev = self._levels[1] if self._levels is not None else None
        if self.kind == "diverging":
            lim = symmetric_limit(grid) if limit is None else max(float(limit), 1e-12)
            lim = stable_top(lim if np.isfinite(lim) and lim < 1e300 else 1.0, prev)
            rgb = diverging_rgb(grid, lim)
            self._set_levels(-lim, lim)
        else:
            finite = grid[np.isfinite(grid)]
            top = (float(finite.max()) if finite.size else 1.0) if limit is None else float(limit)
            top = stable_top(top if 1e-12 < top < 1e300 else 1.0, prev)
            rgb = sequential_rgb(grid, top)
            self._set_levels(0.0, top)
        rows, cols = grid.shape
        first = self.image.image is None or self.image.image.shape[:2] != (rows, cols)
        self.image.setImage(np.ascontiguousarray(rgb), autoLevels=False, levels=(0, 255))
        if first:
            if self.extent is None:
                self.image.setRect(0, 0, cols, rows)
                self.plot.getViewBox().setRange(xRange=(0, cols), yRange=(0, rows), padding=0.02)
            else:
                self.set_extent(self.extent)

    def set_extent(self, extent) -> None:
        """The rectangle (xmin, xmax, ymin, ymax) the values cover (a map over the plane)."""
        self.extent = tuple(float(v) for v in extent)
        x0, x1, y0, y1 = self.extent
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)
        self.plot.getViewBox().setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def set_overlay(self, key: str, paths: list[tuple[np.ndarray, np.ndarray]], color="k", width: float = 2.0,
                    style=None, symbol: str | None = None) -> None:
        """Lines drawn on top of the map (``paths``: (xs, ys) each; in cell units or plane units), replacing the
        previous overlay of that ``key``. Items are reused, so redrawing every frame allocates nothing new."""
        items = self._overlays.setdefault(key, [])
        pen = pg.mkPen(color, width=width, style=style) if style is not None else pg.mkPen(color, width=width)
        while len(items) < len(paths):
            item = pg.PlotDataItem([], [])
            item.setZValue(10)
            self.plot.addItem(item)
            items.append(item)
        for item, (xs, ys) in zip(items, paths):
            item.setData(np.asarray(xs, float), np.asarray(ys, float), pen=pen, symbol=symbol, symbolSize=6,
                         symbolBrush=color, symbolPen=None)
        for item in items[len(paths):]:
            item.setData([], [])
