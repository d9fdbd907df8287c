"""Offscreen rendering of a reward heatmap with its colour bar to PNG (used by the app's export and by the CLI, so
both write the same picture). Needs Qt's GUI module but no window; works with QT_QPA_PLATFORM=offscreen."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from irl_studio.core.rewardio import RewardFileError
from irl_studio.gui.colors import diverging_lut, diverging_rgb, symmetric_limit


def _ensure_gui_app():
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QGuiApplication([])
    return app


def reward_image(reward_grid: np.ndarray, title: str = "learned reward", cell: int | None = None):
    """A QImage: the heatmap (diverging, centred on zero, walls dark) and a labelled colour bar."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    _ensure_gui_app()
    r = np.asarray(reward_grid, dtype=np.float64)
    rows, cols = r.shape
    if cell is None:
        cell = max(2, min(32, 640 // max(rows, cols)))
    lim = symmetric_limit(r)
    rgb = np.ascontiguousarray(diverging_rgb(r, lim))
    heat = QImage(rgb.data, cols, rows, 3 * cols, QImage.Format.Format_RGB888).copy()
    margin, bar_w, label_w, title_h = 12, 18, 70, 24
    W = margin + cols * cell + margin + bar_w + label_w
    H = title_h + rows * cell + 2 * margin
    img = QImage(W, H, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    try:
        font = QFont()
        font.setPixelSize(13)
        p.setFont(font)
        p.setPen(QColor("black"))
        p.drawText(QRect(margin, 4, W - 2 * margin, title_h - 4), int(Qt.AlignmentFlag.AlignLeft), title)
        top = title_h + margin // 2
        p.drawImage(QRect(margin, top, cols * cell, rows * cell), heat)
        _colour_bar(p, margin + cols * cell + margin, top, bar_w, rows * cell, label_w, lim)
    finally:
        p.end()
    return img


def save_reward_png(path: str | Path, reward_grid: np.ndarray, title: str = "learned reward") -> None:
    save_png(reward_image(reward_grid, title), path)


def save_png(img, path: str | Path) -> None:
    """Write a QImage as PNG, atomically (beside the target, then renamed over it)."""
    p = Path(path)
    tmp = p.with_name(p.name + ".tmp")
    if not img.save(str(tmp), "PNG"):  # written beside, then renamed over: never half-written
        tmp.unlink(missing_ok=True)
        raise RewardFileError(f"{path}: cannot be written as PNG")
    try:
        tmp.replace(p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise RewardFileError(f"{path}: cannot be written ({exc.strerror or exc})") from None


def save_plane_reward_png(path: str | Path, grid, plane, title: str = "learned reward") -> None:
    """A learned reward over the plane (y up) with the walls, the start and the goal, and a colour bar."""
    from PySide6.QtCore import QPointF, QRect, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

    _ensure_gui_app()
    v = np.asarray(grid.values, dtype=np.float64)
    lim = symmetric_limit(v)
    rgb = np.ascontiguousarray(diverging_rgb(v, lim)[::-1])
    heat = QImage(rgb.data, v.shape[1], v.shape[0], 3 * v.shape[1], QImage.Format.Format_RGB888).copy()
    (x0, x1), (y0, y1) = plane.bounds
    side = 560
    s = side / max(x1 - x0, y1 - y0)
    pw, ph = (x1 - x0) * s, (y1 - y0) * s
    margin, bar_w, label_w, title_h = 12, 18, 70, 24
    W, H = int(margin + pw + margin + bar_w + label_w), int(title_h + ph + 2 * margin)
    img = QImage(W, H, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    top = title_h + margin // 2

    def to(x, y):
        return QPointF(margin + (x - x0) * s, top + (y1 - y) * s)

    p = QPainter(img)
    try:
        font = QFont()
        font.setPixelSize(13)
        p.setFont(font)
        p.drawText(QRect(margin, 4, W - 2 * margin, title_h - 4), int(Qt.AlignmentFlag.AlignLeft), title)
        gx, gy = np.asarray(grid.x), np.asarray(grid.y)
        p.drawImage(QRectF(to(gx[0], gy[-1]), to(gx[-1], gy[0])), heat)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(QColor(40, 40, 46), max(2 * plane.wall_radius * s, 2))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        for a, b, c, d in plane.walls:
            p.drawLine(to(a, b), to(c, d))
        for (x, y), color, label in ((plane.start, QColor(120, 180, 240), "S"), (plane.goal, QColor(255, 200, 60), "G")):
            p.setPen(QPen(QColor(30, 30, 30), 1))
            p.setBrush(color)
            p.drawEllipse(to(x, y), 7, 7)
            p.drawText(QRectF(to(x, y).x() - 7, to(x, y).y() - 8, 14, 16), int(Qt.AlignmentFlag.AlignCenter), label)
        _colour_bar(p, int(margin + pw + margin), top, bar_w, int(ph), label_w, lim)
    finally:
        p.end()
    save_png(img, path)


def _colour_bar(p, bx: int, top: int, bar_w: int, bh: int, label_w: int, lim: float) -> None:
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QColor

    lut = diverging_lut(256)
    for y in range(bh):
        c = lut[int(round((1 - y / max(bh - 1, 1)) * 255))]
        p.setPen(QColor(int(c[0]), int(c[1]), int(c[2])))
        p.drawLine(bx, top + y, bx + bar_w - 1, top + y)
    p.setPen(QColor("black"))
    p.drawRect(bx, top, bar_w - 1, bh - 1)
    for frac, val in ((0.0, lim), (0.5, 0.0), (1.0, -lim)):
        y = top + int(frac * (bh - 1))
        p.drawLine(bx + bar_w, y, bx + bar_w + 4, y)
        p.drawText(QRect(bx + bar_w + 6, y - 8, label_w - 6, 16), int(Qt.AlignmentFlag.AlignLeft), f"{val:+.3g}")
