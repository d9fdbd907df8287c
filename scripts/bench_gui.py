"""GUI responsiveness while a MaxEnt fit runs on a 64x64 grid (offscreen).

    python scripts/bench_gui.py [--seconds 10] [--no-write]

Measures, with the real main window and its worker: the longest gap between ticks of a 10 ms GUI timer (the
event-loop stall; targets < 50 ms) and the number of live-view updates per second (target >= 20), next to the
algorithm's own iterations per second and an idle baseline. Rewrites the ``gui`` block of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
START, END = "<!-- gui:start -->", "<!-- gui:end -->"


def grid_64():
    import numpy as np

    from irl_studio.core.layout import Layout

    lay = Layout.empty(64, 64, name="bench 64x64")
    lay.grid[20, 5:50] = "#"
    lay.grid[40, 14:63] = "#"
    lay.grid[1, 1] = "S"
    lay.grid[62, 62] = "G"
    lay.true_reward = np.where(lay.floor_mask, -0.02, np.nan)
    lay.true_reward[62, 62] = 1.0
    return lay


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="how long the fit runs before Stop")
    ap.add_argument("--demos", type=int, default=20)
    ap.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = ap.parse_args(argv)

    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      tempfile.mkdtemp(prefix="irl-studio-bench-"))  # never touch the user's settings

    from irl_studio.core.demos import expert_demos, layout_true_reward
    from irl_studio.core.mdp import build_mdp
    import numpy as np

    from irl_studio.gui import MainWindow

    def pump(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    def longest_gap(ts: list[float]) -> float:
        return max((b - a for a, b in zip(ts, ts[1:])), default=float("nan"))

    def measure(horizon: int | None, eval_every: int = 1) -> dict:
        lay = grid_64()
        lay.horizon_override = horizon
        mdp = build_mdp(lay)
        demos = expert_demos(mdp, layout_true_reward(mdp, lay.true_reward), args.demos, "soft", seed=0)
        w = MainWindow()
        w.resize(1600, 960)
        w.show()
        w.set_layout(lay)
        w.set_demos(demos)
        w.select_algorithm("maxent")
        w.set_param("optimizer", "adam")
        w.set_param("learning_rate", "0.05")
        w.set_param("tol", "0")
        w.set_param("max_iterations", 1_000_000)
        w.set_param("eval_every", eval_every)
        w.canvasShowCombo.setCurrentText("learned reward")
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        pump(0.5)
        timer.start()
        pump(2.0)
        idle_gap = longest_gap(ticks)
        ticks.clear()
        t0 = time.perf_counter()
        if not w.run():
            raise SystemExit(w.runStatusLabel.text())
        pump(args.seconds)
        gaps = np.diff(np.array(ticks)) if len(ticks) > 1 else np.array([np.nan])
        late = np.array([t for t in ticks if t >= t0 + 1.0])
        out = {"states": mdp.n_states, "horizon": mdp.horizon, "seconds": time.perf_counter() - t0,
               "updates": w.update_count, "idle_gap": idle_gap, "gap": longest_gap(ticks), "ticks": len(ticks),
               "p99": float(np.percentile(gaps, 99)), "steady": float(np.max(np.diff(late))) if len(late) > 1 else
               float("nan"),
               "iterations": w.worker.iteration if w.worker is not None else w.snapshot.iteration}
        t_stop = time.perf_counter()
        w.stop()
        while w.worker is not None:
            app.processEvents()
            time.sleep(0.001)
        out["stop"] = time.perf_counter() - t_stop
        timer.stop()
        pump(0.2)
        w.undo_stack.setClean()
        w.demos_dirty = w.result_dirty = False
        w.close()
        w.deleteLater()
        pump(0.1)
        return out

    runs = [("64x64, horizon 256 (the default 2 x (rows + cols)), EVD every iteration", measure(None)),
            ("64x64, horizon 32, EVD every 25 iterations (fast iterations: the GUI's own ceiling)",
             measure(32, eval_every=25))]
    rows = []
    for title, m in runs:
        rows += [
            (f"**{title}**", f"{m['states']} floor cells, {args.demos} soft-expert demos, run {m['seconds']:.1f} s"),
            ("algorithm speed", f"{m['iterations'] / m['seconds']:.1f} iterations/s ({m['iterations']} iterations)"),
            ("live view updates", f"{m['updates'] / m['seconds']:.1f} /s ({m['updates']} updates; target >= 20)"),
            ("longest event-loop stall (10 ms timer)",
             f"{m['gap'] * 1000:.0f} ms (target < 50 ms); after the first second {m['steady'] * 1000:.0f} ms; "
             f"99th percentile {m['p99'] * 1000:.0f} ms; idle {m['idle_gap'] * 1000:.0f} ms"),
            ("10 ms timer ticks during the run", f"{m['ticks']} of {int(m['seconds'] / 0.01)}"),
            ("Stop to run-ended", f"{m['stop'] * 1000:.0f} ms"),
        ]
    table = ["| measure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, Qt offscreen"
    block = "\n".join(table + ["", f"MaxEnt IRL (state features, adam, one backward and forward pass per "
                                   f"iteration) in the app's worker thread while the main window draws every "
                                   f"snapshot (reward, visitation, difference, curves, learned reward on the "
                                   f"canvas). {machine}; `python scripts/bench_gui.py --seconds {args.seconds:g}`. "
                                   "The worker hands the GUI only the latest snapshot, at most every 30 ms and only "
                                   "once the previous one was drawn: at most 33 updates/s, never more than the "
                                   "iterations. The machine is shared with other jobs: figures vary by ~20 %."])
    print(block)
    if not args.no_write:
        path = ROOT / "docs" / "benchmarks.md"
        text = path.read_text(encoding="utf-8")
        if START in text and END in text:
            head, rest = text.split(START, 1)
            _, tail = rest.split(END, 1)
            path.write_text(f"{head}{START}\n{block}\n{END}{tail}", encoding="utf-8")
            print(f"updated the gui block of {path}")
        else:
            print(f"{path} has no {START} ... {END} block; not written", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
