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
        lut = diverging_lut(256)
        bx = margin + cols * cell + margin
        bh = rows * cell
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
    finally:
        p.end()
    return img


def save_reward_png(path: str | Path, reward_grid: np.ndarray, title: str = "learned reward") -> None:
    img = reward_image(reward_grid, title)
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
