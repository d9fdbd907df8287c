"""Sessions (the `irl-studio.session` format, docs/formats.md): a layout, its demonstrations, the tab's settings and
the learned result, in one JSON file. Qt-free: a session opens from the command line too.

:class:`LearnedResult` is a learned reward and what produced it (a run's last snapshot, or a session file).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from irl_studio import IRLStudioError
from irl_studio.core.demos import Demos, demos_from_dict, demos_to_dict
from irl_studio.core.layout import Layout, layout_from_dict, layout_to_dict, read_json, write_json
from irl_studio.core.rewardio import grid_from_json

SESSION_FORMAT = "irl-studio.session"
SESSION_VERSION = 1


class SessionError(IRLStudioError):
    """A session file is malformed."""


@dataclass
class LearnedResult:
    """A learned reward and what produced it."""

    grid: np.ndarray  # (rows, cols), NaN on walls
    algorithm: str
    features: str
    iterations: int
    seed: int
    params: dict[str, Any] = field(default_factory=dict)
    weights: np.ndarray | None = None
    layout: Layout | None = None  # the layout it was learned on
    metrics: dict[str, float] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        out: dict[str, Any] = {"algorithm": self.algorithm, "features": self.features, "iterations": self.iterations,
                               "seed": self.seed, "params": dict(self.params), "metrics": dict(self.metrics)}
        if self.weights is not None:
            out["weights"] = [float(w) for w in np.asarray(self.weights).ravel()]
        return out

    @classmethod
    def from_snapshot(cls, snap: Any, layout: Layout, settings: dict[str, Any]) -> LearnedResult:
        """The result a tabular run's snapshot stands for (``settings``: features, seed and params of the run)."""
        return cls(grid=np.array(snap.reward_grid), algorithm=snap.algorithm,
                   features=str(settings.get("features", "state")), iterations=int(snap.iteration),
                   seed=int(settings.get("seed", 0)), params=dict(settings.get("params", {})),
                   weights=None if snap.weights is None else np.array(snap.weights), layout=layout,
                   metrics={k: float(v) for k, v in snap.metrics.items()})


@dataclass
class Session:
    layout: Layout
    demos: Demos
    settings: dict[str, Any]
    result: LearnedResult | None


def session_to_dict(layout: Layout, demos: Demos, settings: dict[str, Any], result: LearnedResult | None) -> dict:
    out: dict[str, Any] = {"format": SESSION_FORMAT, "version": SESSION_VERSION, "layout": layout_to_dict(layout),
                           "demos": demos_to_dict(demos), "settings": settings}
    if result is not None:
        out["learned"] = {"reward": [[None if not np.isfinite(v) else float(v) for v in row] for row in result.grid],
                          **result.info()}
        if result.layout is not None:
            out["learned"]["layout"] = layout_to_dict(result.layout)
    return out


def save_session(path: str | Path, data: dict) -> None:
    write_json(path, data, SessionError)


def session_from_dict(data: Any, src: str = "session") -> Session:
    if not isinstance(data, dict) or data.get("format") != SESSION_FORMAT:
        raise SessionError(f"{src}: not an {SESSION_FORMAT} file")
    if data.get("version", SESSION_VERSION) != SESSION_VERSION:
        raise SessionError(f"{src}: version {data.get('version')!r}; this IRL Studio reads {SESSION_VERSION}")
    layout = layout_from_dict(data.get("layout"), source=f"{src} (layout)")
    demos = demos_from_dict(data.get("demos", {"trajectories": []}), source=f"{src} (demos)")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        raise SessionError(f"{src}: 'settings' must be an object")
    result = None
    learned = data.get("learned")
    if learned is not None:
        if not isinstance(learned, dict) or not isinstance(learned.get("reward"), list):
            raise SessionError(f"{src}: 'learned' must hold a 'reward' grid")
        grid = grid_from_json(learned["reward"], SessionError, f"{src}: 'learned.reward'")
        weights = learned.get("weights")
        try:
            weights = None if weights is None else np.asarray(weights, dtype=np.float64)
            iterations, seed = int(learned.get("iterations", 0)), int(learned.get("seed", 0))
        except (TypeError, ValueError, OverflowError):
            raise SessionError(f"{src}: 'learned' has malformed weights, iterations or seed") from None
        if not isinstance(learned.get("params") or {}, dict) or not isinstance(learned.get("metrics") or {}, dict):
            raise SessionError(f"{src}: 'learned.params' and 'learned.metrics' must be objects")
        lay = learned.get("layout")
        learned_layout = layout_from_dict(lay, source=f"{src} (learned layout)") if lay else None
        on = learned_layout or layout  # the reward was learned on its own layout, or else on the session's
        if grid.shape != on.shape:
            raise SessionError(f"{src}: the learned reward is {grid.shape[0]}x{grid.shape[1]} but its layout is "
                               f"{on.rows}x{on.cols}")
        result = LearnedResult(grid=grid, algorithm=str(learned.get("algorithm", "")),
                               features=str(learned.get("features", "state")), iterations=iterations, seed=seed,
                               params=dict(learned.get("params") or {}), weights=weights, layout=learned_layout,
                               metrics={k: v for k, v in (learned.get("metrics") or {}).items()
                                        if isinstance(v, (int, float)) and not isinstance(v, bool)})
    return Session(layout, demos, settings, result)


def load_session(path: str | Path) -> Session:
    return session_from_dict(read_json(path, SessionError), str(path))


def is_session_file(path: str | Path) -> bool:
    """Whether ``path`` is a JSON file whose format says session (cheap enough for argument dispatch)."""
    p = Path(path)
    if p.suffix.lower() != ".json" or not p.is_file():
        return False
    try:
        return read_json(p, SessionError).get("format") == SESSION_FORMAT
    except (IRLStudioError, AttributeError):
        return False
