"""Tiny helpers shared by the reproduction scripts: a line plot saved as PNG (drawn with QPainter offscreen; no
plotting library is a dependency) and rewriting a marked block of docs/results.md."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results.md"

COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def _ticks(lo: float, hi: float, log: bool, values: list[float]) -> list[float]:
    if log:
        if values:  # label the measured values themselves
            return sorted(set(values))
        a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        return [m * 10.0 ** k for k in range(a, b + 1) for m in (1, 2, 5) if lo / 1.01 <= m * 10.0 ** k <= hi * 1.01]
    span = hi - lo
    raw = span / 6
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def line_plot(path: Path, series: list[tuple[str, list[float], list[float], bool]], title: str, xlabel: str,
              ylabel: str, logx: bool = False, logy: bool = False, size: tuple[int, int] = (900, 560)) -> None:
    """series: (label, xs, ys, dashed). Writes a PNG."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QGuiApplication, QImage, QPainter, QPen, QPolygonF

    _app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 (fonts need an application)
    W, H = size
    img = QImage(W, H, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    pts = [(x, y) for _, xs, ys, _ in series for x, y in zip(xs, ys)
           if math.isfinite(x) and math.isfinite(y) and (x > 0 or not logx) and (y > 0 or not logy)]
    fx = (lambda v: math.log10(v)) if logx else (lambda v: v)
    fy = (lambda v: math.log10(v)) if logy else (lambda v: v)
    x0, x1 = min(fx(x) for x, _ in pts), max(fx(x) for x, _ in pts)
    y0, y1 = min(fy(y) for _, y in pts), max(fy(y) for _, y in pts)
    if x1 - x0 < 1e-12:
        x0, x1 = x0 - 1, x1 + 1
    if y1 - y0 < 1e-12:
        y0, y1 = y0 - 1, y1 + 1
    px, py = (x1 - x0) * 0.04, (y1 - y0) * 0.06
    x0, x1, y0, y1 = x0 - px, x1 + px, y0 - py, y1 + py
    plot = QRectF(80, 40, W - 110, H - 100)

    def X(v):
        return plot.left() + (fx(v) - x0) / (x1 - x0) * plot.width()

    def Y(v):
        return plot.bottom() - (fy(v) - y0) / (y1 - y0) * plot.height()

    p = QPainter(img)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        font = QFont()
        font.setPixelSize(13)
        p.setFont(font)
        p.setPen(QColor("black"))
        p.drawText(QRectF(0, 8, W, 24), int(Qt.AlignmentFlag.AlignHCenter), title)
        p.drawText(QRectF(plot.left(), H - 28, plot.width(), 20), int(Qt.AlignmentFlag.AlignHCenter), xlabel)
        p.save()
        p.translate(18, plot.center().y())
        p.rotate(-90)
        p.drawText(QRectF(-plot.height() / 2, -10, plot.height(), 20), int(Qt.AlignmentFlag.AlignHCenter), ylabel)
        p.restore()
        font.setPixelSize(11)
        p.setFont(font)
        xs_all = sorted({float(x) for x, _ in pts}) if logx else []
        lo_x, hi_x = (10 ** x0, 10 ** x1) if logx else (x0, x1)
        lo_y, hi_y = (10 ** y0, 10 ** y1) if logy else (y0, y1)
        for t in _ticks(lo_x, hi_x, logx, xs_all):
            x = X(t)
            p.setPen(QPen(QColor(0, 0, 0, 30), 1))
            p.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()))
            p.setPen(QColor("black"))
            p.drawText(QRectF(x - 40, plot.bottom() + 4, 80, 16), int(Qt.AlignmentFlag.AlignHCenter), f"{t:g}")
        for t in _ticks(lo_y, hi_y, logy, []):
            y = Y(t)
            p.setPen(QPen(QColor(0, 0, 0, 30), 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(QColor("black"))
            p.drawText(QRectF(0, y - 8, plot.left() - 6, 16),
                       int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), f"{t:g}")
        p.setPen(QPen(QColor(80, 80, 80), 1))
        p.drawRect(plot)
        p.setClipRect(plot)
        for i, (label, xs, ys, dashed) in enumerate(series):
            color = QColor(*COLOURS[i % len(COLOURS)])
            pen = QPen(color, 2, Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
            good = [(x, y) for x, y in zip(xs, ys) if math.isfinite(x) and math.isfinite(y)
                    and (x > 0 or not logx) and (y > 0 or not logy)]
            poly = QPolygonF([QPointF(X(x), Y(y)) for x, y in good])
            p.setPen(pen)
            p.drawPolyline(poly)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(color)
            for q in range(poly.size()):
                p.drawEllipse(poly.at(q), 3.5, 3.5)
        p.setClipping(False)
        lx, ly = plot.right() - 250, plot.top() + 8
        for i, (label, *_rest) in enumerate(series):
            color = QColor(*COLOURS[i % len(COLOURS)])
            p.setPen(QPen(color, 2, Qt.PenStyle.DashLine if series[i][3] else Qt.PenStyle.SolidLine))
            p.drawLine(QPointF(lx, ly + 16 * i + 7), QPointF(lx + 24, ly + 16 * i + 7))
            p.setPen(QColor("black"))
            p.drawText(QRectF(lx + 30, ly + 16 * i, 220, 16), int(Qt.AlignmentFlag.AlignLeft), label)
    finally:
        p.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not img.save(str(path), "PNG"):
        raise SystemExit(f"{path}: cannot be written")


def write_block(key: str, text: str) -> None:
    """Replace the text between <!-- key:start --> and <!-- key:end --> in docs/results.md."""
    doc = RESULTS.read_text(encoding="utf-8")
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    pat = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pat.search(doc):
        raise SystemExit(f"{RESULTS}: no block {start} ... {end}")
    RESULTS.write_text(pat.sub(lambda m: f"{start}\n{text.rstrip()}\n{end}", doc), encoding="utf-8")
