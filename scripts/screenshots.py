"""Render the main window in its main states to docs/screenshots/*.png (offscreen; no display needed).

    python scripts/screenshots.py [--out docs/screenshots]

States: editing (drawing tools, true-reward view), demonstrating (recorded paths and one in progress), learning
(a MaxEnt run paused mid-way with its live views), grid-airl (AIRL from samples on the terrain layout, live), rollout (agents following the policy under the learned reward,
with trails, after a wall was added: the transfer experiment); the continuous tab: plane-learning (AIRL mid-run on
the shifting maze, the reward and rollouts live), plane-transfer (AIRL against GAIL, both re-optimized on the
shifted maze).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--height", type=int, default=900)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    settings_dir = tempfile.mkdtemp(prefix="irl-studio-shots-")  # never touch the user's settings
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)

    import numpy as np

    from irl_studio.continuous.demos import demo_from_drag
    from irl_studio.core.builtin import builtin_demos
    from irl_studio.core.demos import Demos
    from irl_studio.gui import MainWindow

    def pump(seconds: float = 0.05, until=None, timeout: float = 60.0) -> None:
        end = time.perf_counter() + (timeout if until else seconds)
        while time.perf_counter() < end:
            app.processEvents()
            if until is not None and until():
                return
            time.sleep(0.005)
        if until is not None:
            raise RuntimeError("timed out waiting for the window")

    def window() -> MainWindow:
        w = MainWindow()
        w.resize(args.width, args.height)
        w.show()
        pump(0.2)
        return w

    def shoot(w: MainWindow, name: str) -> None:
        pump(0.3)
        path = out / f"{name}.png"
        w.grab().save(str(path))
        print(f"wrote {path}")

    def done(w: MainWindow) -> None:
        w.gridworld.doc.mark_saved()
        w.continuous.doc.mark_saved()
        w.close()
        w.deleteLater()
        pump(0.1)

    # 1. editing: the terrain layout, its true reward on the canvas, a stroke of walls, the hover read-out
    w = window()
    g = w.gridworld
    w.open_layout("terrain")
    g.draw.tool_buttons["wall"].setChecked(True)
    g.doc.begin_stroke()
    for c in range(3, 8):
        g.draw.apply_tool(5, c)
    g.doc.end_stroke("paint wall")
    g.canvasShowCombo.setCurrentText("true reward")
    g.canvas.hover = (2, 9)
    g._on_hover(2, 9)
    shoot(w, "editing")
    done(w)

    # 2. demonstrating: two recorded demonstrations and one in progress
    w = window()
    g = w.gridworld
    w.open_layout("four-rooms")
    g.demo.recordDemoButton.setChecked(True)
    paths = [
        [(1, 1), (2, 1), (3, 1), (3, 2), (3, 3), (3, 4), (3, 5), (3, 6), (3, 7), (3, 8), (3, 9), (4, 9), (5, 9),
         (6, 9), (7, 9), (8, 9), (9, 9), (10, 9), (10, 10), (10, 11), (11, 11)],
        [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (5, 2), (6, 2), (7, 2), (8, 2), (9, 2), (10, 2), (10, 3), (10, 4),
         (10, 5), (10, 6), (10, 7), (10, 8), (11, 8), (11, 9), (11, 10), (11, 11)],
        [(1, 1), (1, 2), (1, 3), (2, 3), (3, 3), (3, 4)],
    ]
    for path in paths:
        for r, c in path:
            g.demo.demo_click(r, c)
    g.demo.demo_click(3, 6)  # into nothing: a jump, refused with a message in the status bar
    shoot(w, "demonstrating")
    done(w)

    # 3. learning: MaxEnt on the 21x21 maze with its demonstrations, paused mid-run, scrubbed back a little
    w = window()
    g = w.gridworld
    w.open_layout("maze")
    g.doc.edit("demonstrations", demos=Demos(builtin_demos("maze").trajectories))
    g.learn.select_algorithm("maxent")
    g.learn.paramForm.set_value("optimizer", "adam")
    g.learn.paramForm.set_value("learning_rate", "0.05")
    g.learn.paramForm.set_value("max_iterations", 400)
    g.learn.run()
    pump(until=lambda: g.runs.last_snapshot is not None and g.runs.last_snapshot.iteration >= 40)
    g.learn.pauseButton.setChecked(True)
    pump(0.5)
    shoot(w, "learning")
    g.runs.stop()
    pump(until=lambda: not g.runs.running and not g.tasks.busy)
    done(w)

    # 3b. learning from samples: AIRL on the terrain layout (terrain features), live, paused mid-run
    w = window()
    g = w.gridworld
    w.open_layout("terrain")
    g.doc.edit("demonstrations", demos=Demos(builtin_demos("terrain").trajectories))
    g.learn.select_algorithm("airl")
    g.learn.featuresCombo.setCurrentIndex(g.learn.featuresCombo.findData("terrain"))
    g.learn.run()
    pump(until=lambda: g.runs.last_snapshot is not None and g.runs.last_snapshot.iteration >= 60, timeout=120)
    g.learn.pauseButton.setChecked(True)
    pump(0.5)
    shoot(w, "grid-airl")
    g.runs.stop()
    pump(until=lambda: not g.runs.running and not g.tasks.busy)
    done(w)

    # 4. rollout: learned on four rooms with terrain/goal features, a door closed afterwards, re-optimized
    w = window()
    g = w.gridworld
    g.learn.select_algorithm("maxent")
    g.learn.featuresCombo.setCurrentIndex(g.learn.featuresCombo.findData("terrain"))
    g.learn.run()
    pump(until=lambda: not g.runs.running and not g.tasks.busy)
    g.draw.tool_buttons["wall"].setChecked(True)
    g.doc.begin_stroke()
    g.draw.apply_tool(3, 6)
    g.doc.end_stroke("paint wall")
    g.watch.agentsSpin.setValue(4)
    g.watch.reoptimize()
    pump(until=lambda: g.watch.plan is not None and not g.tasks.busy)
    for _ in range(9):
        g.animator.step()
    shoot(w, "rollout")
    done(w)

    # 5. the continuous tab: expert demonstrations on the shifting maze, one dragged by hand, AIRL mid-run
    w = window()
    c = w.continuous
    w.tabs.setCurrentWidget(c)
    c.demo.countSpin.setValue(12)
    c.demo.generate()
    pump(until=lambda: len(c.doc.demos) == 12)
    res = demo_from_drag(c.doc.plane, np.array([(0.25, 0.02), (0.5, 0.15), (0.53, 0.3), (0.45, 0.45), (0.3, 0.5)]))
    c.doc.add_demos([res.trajectory], "record a demonstration")
    c.learn.select_learner("airl")
    c.learn.paramForm.set_value("max_iterations", 1000)
    c.learn.run()
    pump(until=lambda: c.runs.last_snapshot is not None and c.runs.last_snapshot.iteration >= 25, timeout=300)
    c.learn.bar.pauseButton.setChecked(True)
    pump(0.5)
    shoot(w, "plane-learning")
    c.runs.stop()
    pump(until=lambda: not c.runs.running and not c.tasks.busy)
    done(w)

    # 6. the transfer: AIRL against GAIL on the same demonstrations, both re-optimized on the shifted maze
    w = window()
    c = w.continuous
    w.tabs.setCurrentWidget(c)
    c.demo.countSpin.setValue(12)
    c.demo.generate()
    pump(until=lambda: len(c.doc.demos) == 12)
    c.transfer.compare()
    pump(until=lambda: set(c.doc.comparison) == {"airl", "gail"}
         and all(e["plan"] is not None for e in c.doc.comparison.values()), timeout=900)
    pump(until=lambda: not c.runs.running and not c.tasks.busy)
    c.files.open_builtin("point-maze-right", keep_demos=True)
    c.learn.select_learner("airl")
    c.transfer.reoptimize()
    pump(until=lambda: not c.tasks.busy)
    shoot(w, "plane-transfer")
    done(w)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
