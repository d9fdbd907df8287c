"""Demonstrations exchanged with the ``imitation`` library: its ``Trajectory`` layout as ``.npz``.

The layout (``imitation.data.serialize.load`` reads it, the ``.npz`` branch; it is what ``imitation.data.types.save``
wrote before version 1.0) concatenates n trajectories of lengths L_i:

    obs       (sum (L_i + 1), *obs_shape)   every trajectory's L_i + 1 observations, one after the other
    acts      (sum L_i, *act_shape)
    infos     (sum L_i,)                    one entry per action
    terminal  (n,) bool                     the trajectory is a whole episode (imitation: it ends the episode)
    indices   (n - 1,) int                  cumsum(L_i)[:-1]: np.split points of acts (obs: indices + i + 1)
    rews      (sum L_i,) float              optional: then imitation loads TrajectoryWithRew

imitation writes ``infos`` as an object array of dicts (a pickle inside the npz). **We never unpickle**: the reader
opens the file with ``allow_pickle=False`` and does not touch ``infos``; the writer stores ``infos`` as JSON strings
("{}" per step), which imitation loads as they are (use ``dataclasses.replace(t, infos=None)`` for dicts). Two extra
arrays, ignored by imitation, keep what its layout cannot say: ``terminated`` (n,) (the episode ended in a terminal
state rather than at a time limit) and ``irl_studio`` (a JSON string: the env id, the expert, the seed). A file
without ``terminated`` (written by imitation) keeps its ``terminal`` flags in ``extra["imitation_terminal"]``; on a
Gymnasium env a terminal trajectory shorter than the horizon is then taken as terminated.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from irl_studio.continuous.demos import MAX_TRAJECTORIES, DemoError, PlaneDemos, PlaneTrajectory


def imitation_arrays(demos: PlaneDemos) -> dict[str, np.ndarray]:
    """The arrays of the npz (see the module's docstring)."""
    trs = demos.trajectories
    if not trs:
        raise DemoError("no demonstrations to write")
    if any(len(t) == 0 for t in trs):
        raise DemoError("imitation's Trajectory needs at least one action per trajectory")
    lens = np.array([len(t) for t in trs], np.int64)
    out = {"obs": np.concatenate([t.obs for t in trs]).astype(np.float32),
           "acts": np.concatenate([t.acts for t in trs]).astype(np.float32),
           "infos": np.full(int(lens.sum()), "{}"),
           "terminal": np.ones(len(trs), bool),  # every trajectory here is a whole episode
           "indices": np.cumsum(lens)[:-1],
           "terminated": np.array([t.terminated for t in trs], bool)}
    if all(t.rews is not None for t in trs):
        out["rews"] = np.concatenate([t.rews for t in trs]).astype(np.float32)
    meta = {k: v for k, v in demos.extra.items() if isinstance(v, (str, int, float, bool))}
    out["irl_studio"] = np.array(json.dumps(meta))
    return out


def save_imitation_npz(demos: PlaneDemos, path: str | Path) -> None:
    """Write imitation's layout, atomically (temp file + replace)."""
    p = Path(path)
    buf = io.BytesIO()
    np.savez_compressed(buf, **imitation_arrays(demos))
    tmp = p.with_name(p.name + ".tmp")
    try:
        tmp.write_bytes(buf.getvalue())
        tmp.replace(p)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DemoError(f"{p}: cannot be written ({exc.strerror or exc})") from None


def _numeric(z, key: str, where: str) -> np.ndarray:
    try:
        a = z[key]
    except ValueError:  # an object array: would need pickle
        raise DemoError(f"{where}: array '{key}' holds Python objects (pickle); not read") from None
    if a.dtype.kind not in "fiub":
        raise DemoError(f"{where}: array '{key}' is not numeric")
    return a


def load_imitation_npz(path: str | Path) -> PlaneDemos:
    """Read imitation's layout (never unpickling: ``infos`` is skipped)."""
    p = Path(path)
    w = str(p)
    try:
        with np.load(p, allow_pickle=False) as z:
            files = set(z.files)
            missing = [k for k in ("obs", "acts", "terminal", "indices") if k not in files]
            if missing:
                raise DemoError(f"{w}: not imitation's Trajectory layout (missing {', '.join(missing)})")
            obs = _numeric(z, "obs", w).astype(np.float64)
            acts = _numeric(z, "acts", w).astype(np.float64)
            terminal = _numeric(z, "terminal", w).astype(bool).reshape(-1)
            indices = _numeric(z, "indices", w).reshape(-1)
            rews = _numeric(z, "rews", w).astype(np.float64).reshape(-1) if "rews" in files else None
            terminated = _numeric(z, "terminated", w).astype(bool).reshape(-1) if "terminated" in files else None
            meta_raw = z["irl_studio"] if "irl_studio" in files else None
            meta_raw = str(meta_raw) if meta_raw is not None and meta_raw.dtype.kind == "U" else "{}"
    except DemoError:
        raise
    except FileNotFoundError:
        raise DemoError(f"{w}: no such file") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError, TypeError) as exc:
        raise DemoError(f"{w}: not a readable .npz file ({exc})"[:300]) from None
    n = len(terminal)
    if not 1 <= n <= MAX_TRAJECTORIES:
        raise DemoError(f"{w}: {n} trajectories; 1 to {MAX_TRAJECTORIES} are read")
    if indices.dtype.kind not in "iu" or len(indices) != n - 1:
        raise DemoError(f"{w}: 'indices' must hold n - 1 = {n - 1} integer split points")
    if obs.ndim == 0 or acts.ndim == 0:
        raise DemoError(f"{w}: 'obs' and 'acts' must be arrays with one row per step")
    acts = acts.reshape(len(acts), -1) if acts.ndim != 2 else acts
    obs = obs.reshape(len(obs), -1) if obs.ndim != 2 else obs
    bounds = np.concatenate([[0], indices, [len(acts)]])
    if np.any(np.diff(bounds) < 1):
        raise DemoError(f"{w}: 'indices' must increase strictly within the {len(acts)} actions")
    if len(obs) != len(acts) + n:
        raise DemoError(f"{w}: {len(obs)} observations for {len(acts)} actions in {n} trajectories "
                        f"(need one more observation per trajectory)")
    if rews is not None and (len(rews) != len(acts) or not np.all(np.isfinite(rews))):
        raise DemoError(f"{w}: 'rews' must hold {len(acts)} finite numbers, one per action")
    if terminated is not None and len(terminated) != n:
        raise DemoError(f"{w}: 'terminated' has {len(terminated)} entries for {n} trajectories")
    for name, a in (("obs", obs), ("acts", acts)):
        if not np.all(np.isfinite(a)):
            raise DemoError(f"{w}: '{name}' has numbers that are not finite")
    trs = []
    for i in range(n):
        a0, a1 = int(bounds[i]), int(bounds[i + 1])
        trs.append(PlaneTrajectory(obs[a0 + i:a1 + i + 1], acts[a0:a1],
                                   bool(terminated[i]) if terminated is not None else False,
                                   rews[a0:a1] if rews is not None else None))
    try:
        meta = json.loads(meta_raw)
    except (ValueError, RecursionError):
        meta = {}
    extra = dict(meta) if isinstance(meta, dict) else {}
    if terminated is None:
        extra["imitation_terminal"] = terminal.tolist()
    return PlaneDemos(trs, extra)
