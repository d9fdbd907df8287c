"""How the grid canvas draws: the cell colours, Objectworld objects, paths (demonstrations, agents' trails) and
the policy's arrows. Functions of a QPainter in cell units (the canvas scales it); no state but a glyph cache."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QPolygonF

from irl_studio.core.layout import GOAL, START, TERRAIN_CHARS, WALL, Layout, WorldObject

FLOOR_RGB = (236, 236, 230)
WALL_RGB = (52, 54, 62)
START_RGB = (200, 230, 255)
GOAL_RGB = (255, 226, 140)
TERRAIN_RGB = [(166, 206, 227), (178, 223, 138), (251, 154, 153), (253, 191, 111), (202, 178, 214),
               (255, 255, 153), (177, 89, 40), (31, 120, 180), (51, 160, 44), (227, 26, 28)]
OBJECT_COLORS = [QColor(c) for c in ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628",
                                     "#f781bf", "#999999", "#111111", "#ffff33")]
DEMO_COLORS = [QColor(c) for c in ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
                                   "#17becf")]
# screen offsets of the actions stay, up, down, left, right
_ARROW = {"stay": (0, 0), "up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}


def layout_rgb(layout: Layout) -> np.ndarray:
    """(rows, cols, 3) uint8 colours of the cell types."""
    g = layout.grid
    rgb = np.empty(g.shape + (3,), dtype=np.uint8)
    rgb[:] = FLOOR_RGB
    for k, ch in enumerate(TERRAIN_CHARS):
        rgb[g == ch] = TERRAIN_RGB[k]
    rgb[g == START] = START_RGB
    rgb[g == GOAL] = GOAL_RGB
    rgb[g == WALL] = WALL_RGB
    return rgb



def polygon(cells) -> QPolygonF:
    """Cell centres in cell units (x = col + 0.5, y = row + 0.5)."""
    return QPolygonF([QPointF(c + 0.5, r + 0.5) for r, c in cells])


def paint_objects(p: QPainter, objects: list[WorldObject]) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    for obj in objects:
        c = QPointF(obj.cell[1] + 0.5, obj.cell[0] + 0.5)
        p.setBrush(QBrush(OBJECT_COLORS[obj.outer % len(OBJECT_COLORS)]))
        p.drawEllipse(c, 0.38, 0.38)
        p.setBrush(QBrush(OBJECT_COLORS[obj.inner % len(OBJECT_COLORS)]))
        p.drawEllipse(c, 0.2, 0.2)


def paint_path(p: QPainter, poly: QPolygonF, color: QColor, width: float, head: bool = False) -> None:
    """A path in cell units (the painter is scaled to cells)."""
    if poly.isEmpty():
        return
    pen = QPen(color, max(width, 0.06))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    if poly.size() > 1:
        p.drawPolyline(poly)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawEllipse(poly.at(0), 0.18, 0.18)
    if head:
        p.setBrush(QColor("white"))
        p.setPen(QPen(color, 0.08))
        p.drawEllipse(poly.at(poly.size() - 1), 0.28, 0.28)


@lru_cache(maxsize=8)
def arrow_glyphs(names: tuple[str, ...], k: int) -> np.ndarray:
    """(A * 5 + 1, k, k, 4) premultiplied ARGB: an arrow per action and opacity level (0..4), the last one empty."""
    out = np.zeros((len(names) * 5 + 1, k, k, 4), dtype=np.uint8)
    L, h = 0.36, 0.16
    for a, name in enumerate(names):
        dx, dy = _ARROW[name]
        for lv in range(5):
            img = QImage(k, k, QImage.Format.Format_ARGB32_Premultiplied)
            img.fill(0)
            g = QPainter(img)
            g.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            g.scale(k, k)
            color = QColor(15, 15, 15, int(70 + 185 * lv / 4))
            if dx == 0 and dy == 0:
                g.setPen(Qt.PenStyle.NoPen)
                g.setBrush(color)
                g.drawEllipse(QPointF(0.5, 0.5), 0.1, 0.1)
            else:
                tx, ty = 0.5 + dx * L, 0.5 + dy * L
                g.setPen(QPen(color, max(1.0 / k, 0.07)))
                g.drawLine(QPointF(0.5 - dx * L * 0.7, 0.5 - dy * L * 0.7), QPointF(tx, ty))
                g.setPen(Qt.PenStyle.NoPen)
                g.setBrush(color)
                g.drawPolygon(QPolygonF([QPointF(tx, ty),
                                         QPointF(tx - dx * h - dy * h * 0.8, ty - dy * h - dx * h * 0.8),
                                         QPointF(tx - dx * h + dy * h * 0.8, ty - dy * h + dx * h * 0.8)]))
            g.end()
            buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
            out[a * 5 + lv] = buf.reshape(k, img.bytesPerLine())[:, :4 * k].reshape(k, k, 4)
    return out


def policy_image(actions: np.ndarray, strength: np.ndarray | None, names: tuple[str, ...], k: int) -> QImage:
    """The arrows of a policy as one image of (rows k) x (cols k) pixels: each cell's glyph (its most likely action,
    as opaque as that action is likely; -1: none), tiled with numpy. A 64 x 64 grid of arrows draws in a few
    milliseconds (one vector path per arrow took 70-300 ms)."""
    rows, cols = actions.shape
    glyphs = arrow_glyphs(tuple(names), k)
    s = strength if strength is not None else np.ones(actions.shape)
    level = np.clip(np.round(np.clip(s, 0, 1) * 4), 0, 4).astype(np.int64)
    acts = actions.astype(np.int64)
    index = np.where(acts >= 0, acts * 5 + level, len(glyphs) - 1)
    tiles = glyphs[index]  # (rows, cols, k, k, 4)
    img = np.ascontiguousarray(tiles.transpose(0, 2, 1, 3, 4).reshape(rows * k, cols * k, 4))
    return QImage(img.data, cols * k, rows * k, 4 * cols * k, QImage.Format.Format_ARGB32_Premultiplied).copy()
