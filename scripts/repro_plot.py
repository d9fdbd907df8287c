"""Tiny helpers shared by the reproduction scripts: a line plot saved as PNG (pyqtgraph, offscreen; matplotlib is
not a dependency) and rewriting a marked block of docs/results.md."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results.md"

COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def line_plot(path: Path, series: list[tuple[str, list[float], list[float], bool]], title: str, xlabel: str,
              ylabel: str, logx: bool = False, logy: bool = False, size: tuple[int, int] = (900, 560)) -> None:
    """series: (label, xs, ys, dashed). Writes a PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph as pg
    import pyqtgraph.exporters
    from PySide6 import QtCore

    app = pg.mkQApp()
    pg.setConfigOptions(antialias=True, background="w", foreground="k")
    w = pg.PlotWidget(title=title)
    w.resize(*size)
    w.setLabel("bottom", xlabel)
    w.setLabel("left", ylabel)
    w.setLogMode(x=logx, y=logy)
    if logx:  # label the measured x values themselves (pyqtgraph's own log ticks crowd into each other)
        import math

        xs_all = sorted({float(x) for _, xs, _, _ in series for x in xs if x > 0})
        w.getAxis("bottom").setTicks([[(math.log10(x), f"{x:g}") for x in xs_all]])
    if logy:  # ticks at 1, 2, 5 x 10^k in the data's range, written out (no "x0.001" axis scaling)
        import math

        ys_all = [float(y) for _, _, ys, _ in series for y in ys if y > 0]
        lo, hi = math.floor(math.log10(min(ys_all))), math.ceil(math.log10(max(ys_all)))
        ticks = [m * 10.0 ** k for k in range(lo, hi + 1) for m in (1, 2, 5)
                 if min(ys_all) / 1.5 <= m * 10.0 ** k <= max(ys_all) * 1.5]
        w.getAxis("left").enableAutoSIPrefix(False)
        w.getAxis("left").setTicks([[(math.log10(v), f"{v:g}") for v in ticks]])
    w.showGrid(x=True, y=True, alpha=0.25)
    w.addLegend(offset=(-10, 10))
    for i, (label, xs, ys, dashed) in enumerate(series):
        pen = pg.mkPen(COLOURS[i % len(COLOURS)], width=2,
                       style=QtCore.Qt.PenStyle.DashLine if dashed else QtCore.Qt.PenStyle.SolidLine)
        w.plot(xs, ys, pen=pen, symbol="o", symbolSize=6, symbolBrush=COLOURS[i % len(COLOURS)], name=label)
    app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    ex = pyqtgraph.exporters.ImageExporter(w.plotItem)
    ex.parameters()["width"] = size[0]
    ex.export(str(path))


def write_block(key: str, text: str) -> None:
    """Replace the text between <!-- key:start --> and <!-- key:end --> in docs/results.md."""
    doc = RESULTS.read_text(encoding="utf-8")
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    pat = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pat.search(doc):
        raise SystemExit(f"{RESULTS}: no block {start} ... {end}")
    RESULTS.write_text(pat.sub(lambda m: f"{start}\n{text.rstrip()}\n{end}", doc), encoding="utf-8")
