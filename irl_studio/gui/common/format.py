"""Numbers as people read them: metrics with sensible digits (no "evd -1.776e-15"), seconds, rates."""

from __future__ import annotations

import math

# metric keys as a label says them, in the order labels show them
LABELS = {
    "log_likelihood": "log-likelihood", "objective": "objective", "feature_gap_inf": "feature gap",
    "evd": "EVD", "evd_normalized": "normalized EVD", "pearson": "Pearson", "spearman": "Spearman",
    "disc_loss": "disc. loss", "disc_accuracy": "disc. accuracy", "true_return": "true return",
    "policy_entropy": "policy entropy", "env_steps": "env steps",
}


def fmt(value: float, digits: int = 3) -> str:
    """``digits`` significant digits; values within 1e-9 of zero (rounding noise) print as 0; large or tiny values
    in scientific notation; integers as integers."""
    if value is None:
        return "–"
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if abs(v) < 1e-9:
        return "0"
    if v == round(v) and abs(v) < 1e7:
        return str(int(round(v)))
    if abs(v) >= 1e6 or abs(v) < 1e-3:
        return f"{v:.{max(digits - 1, 0)}e}"
    return f"{v:.{digits}g}"


def fmt_metrics(metrics, keys) -> str:
    """"label value · label value" for the ``keys`` present in ``metrics``."""
    return "  ·  ".join(f"{LABELS.get(k, k.replace('_', ' '))} {fmt(metrics[k])}" for k in keys if k in metrics)


def fmt_seconds(s: float) -> str:
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(int(round(s)), 60)
    return f"{m} min {s:02d} s" if m < 60 else f"{m // 60} h {m % 60:02d} min"
