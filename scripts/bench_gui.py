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

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      tempfile.mkdtemp(prefix="irl-studio-bench-"))
    app = QApplication.instance() or QApplication([])

    from irl_studio.core.demos import expert_demos, layout_true_reward
    from irl_studio.core.mdp import build_mdp
    from irl_studio.gui import MainWindow

    lay = grid_64()
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
    w.canvasShowCombo.setCurrentText("learned reward")

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    def pump(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    def longest_gap(ts: list[float]) -> float:
        return max((b - a for a, b in zip(ts, ts[1:])), default=float("nan"))

    # idle baseline
    pump(0.5)
    timer.start()
    pump(2.0)
    idle_gap = longest_gap(ticks)

    # during the run (the first second, which builds the problem, is measured too)
    ticks.clear()
    t0 = time.perf_counter()
    assert w.run(), w.runStatusLabel.text()
    pump(args.seconds)
    updates = w.update_count
    iterations = w.worker.iteration if w.worker is not None else (w.snapshot.iteration if w.snapshot else 0)
    run_seconds = time.perf_counter() - t0
    run_gap = longest_gap(ticks)
    n_ticks = len(ticks)
    t_stop = time.perf_counter()
    w.stop()
    while w.worker is not None:
        app.processEvents()
        time.sleep(0.001)
    stop_latency = time.perf_counter() - t_stop
    timer.stop()
    pump(0.2)
    w.undo_stack.setClean()
    w.demos_dirty = w.result_dirty = False
    w.close()

    rows = [
        ("grid", f"64x64 ({mdp.n_states} floor cells), horizon {mdp.horizon}, {args.demos} soft-expert demos"),
        ("algorithm", "MaxEnt IRL (state features, adam; one backward + forward pass per iteration)"),
        ("run measured", f"{run_seconds:.1f} s"),
        ("algorithm speed", f"{iterations / run_seconds:.1f} iterations/s ({iterations} iterations)"),
        ("live view updates", f"{updates / run_seconds:.1f} /s ({updates} updates; target >= 20)"),
        ("longest event-loop stall (10 ms timer)", f"{run_gap * 1000:.1f} ms (target < 50 ms); idle baseline "
                                                   f"{idle_gap * 1000:.1f} ms"),
        ("timer ticks during the run", f"{n_ticks} of {int(run_seconds / 0.01)} expected"),
        ("Stop to run-ended", f"{stop_latency * 1000:.0f} ms"),
    ]
    table = ["| measure | value |", "|---|---|"] + [f"| {a} | {b} |" for a, b in rows]
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, Qt offscreen"
    block = "\n".join(table + ["", f"Measured on {machine} with `python scripts/bench_gui.py --seconds "
                                   f"{args.seconds:g}`. The worker hands the GUI only the latest snapshot, at "
                                   "most every 40 ms, and only once the previous one was drawn."])
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
