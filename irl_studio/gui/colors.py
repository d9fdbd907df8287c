"""Colour maps (numpy only): a diverging map centred on zero for rewards, a sequential one for visitation."""

from __future__ import annotations

import numpy as np

# diverging blue - white - red (as ColorBrewer RdBu, reversed: negative blue, positive red)
_DIVERGING = np.array([
    [5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
    [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]], dtype=np.float64)
# sequential (viridis-like)
_SEQUENTIAL = np.array([
    [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137],
    [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]], dtype=np.float64)
WALL_RGB = (40, 40, 46)


def _lookup(table: np.ndarray, x: np.ndarray) -> np.ndarray:
    x = np.clip(np.nan_to_num(x, nan=0.0), 0.0, 1.0) * (len(table) - 1)
    i = np.minimum(np.floor(x).astype(int), len(table) - 2)
    f = (x - i)[..., None]
    return (table[i] * (1 - f) + table[i + 1] * f).astype(np.uint8)


def symmetric_limit(values: np.ndarray) -> float:
    finite = values[np.isfinite(values)]
    lim = float(np.max(np.abs(finite))) if finite.size else 1.0
    return lim if lim > 1e-12 else 1.0


def diverging_rgb(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """(..., 3) uint8 colours for values in [-limit, limit] (default: the largest |value|); NaN: wall colour."""
    lim = symmetric_limit(values) if limit is None else float(limit)
    rgb = _lookup(_DIVERGING, (np.asarray(values, dtype=np.float64) / lim + 1.0) / 2.0)
    rgb[~np.isfinite(values)] = WALL_RGB
    return rgb


def sequential_rgb(values: np.ndarray, vmax: float | None = None) -> np.ndarray:
    finite = values[np.isfinite(values)]
    top = float(finite.max()) if vmax is None and finite.size else (vmax or 1.0)
    rgb = _lookup(_SEQUENTIAL, np.asarray(values, dtype=np.float64) / (top if top > 1e-12 else 1.0))
    rgb[~np.isfinite(values)] = WALL_RGB
    return rgb


def diverging_lut(n: int = 256) -> np.ndarray:
    return _lookup(_DIVERGING, np.linspace(0, 1, n))


def sequential_lut(n: int = 256) -> np.ndarray:
    return _lookup(_SEQUENTIAL, np.linspace(0, 1, n))
