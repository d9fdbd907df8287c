"""The user's flow through the gridworld tab: demonstrate by clicking, learn live, export, re-optimize, watch."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt

from irl_studio.cli import main as cli_main
from irl_studio.core.builtin import builtin_demos
from irl_studio.core.demos import Demos
from test_gui_support import FOUR_ROOMS_PATH, click_cell, dialogs, drag, record_demo, set_demos, started_threads, \
    wait_run, \
    window  # noqa: F401 (fixtures)


def image_colours(widget) -> int:
    img = widget.grab().toImage()
    ptr = img.constBits()
    arr = np.frombuffer(ptr, dtype=np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    px = arr[:, : img.width() * 4].reshape(img.height(), img.width(), 4)[..., :3]
    return len(np.unique(px.reshape(-1, 3), axis=0))


def test_demonstrate_learn_export_evaluate(qtbot, window, tmp_path, capsys):
    w = window
    assert w.open_layout("four-rooms")
    empty_colours = image_colours(w.gridworld.results.rewardView)
    record_demo(qtbot, w)
    assert len(w.gridworld.doc.demos) == 1, w.statusBar().currentMessage()  # reaching the goal finished it
    assert list(w.gridworld.doc.demos.trajectories[0].cells) == FOUR_ROOMS_PATH
    assert w.gridworld.demo.demoList.count() == 1
    qtbot.mouseClick(w.gridworld.demo.recordDemoButton, Qt.MouseButton.LeftButton)  # back to drawing

    w.gridworld.learn.select_algorithm("maxent")
    assert w.gridworld.learn.algorithmCombo.currentData() == "maxent"
    w.gridworld.learn.featuresCombo.setCurrentIndex(w.gridworld.learn.featuresCombo.findData("state"))
    qtbot.mouseClick(w.gridworld.learn.runButton, Qt.MouseButton.LeftButton)
    assert not w.gridworld.learn.runButton.isEnabled() or w.gridworld.runs.worker is None
    wait_run(qtbot, w)
    assert w.gridworld.learn.stopButton.isEnabled() is False and w.gridworld.learn.runButton.isEnabled()
    assert w.gridworld.runs.last_outcome[0] == "done", w.gridworld.runs.last_outcome
    assert w.gridworld.runs.last_snapshot is not None and w.gridworld.runs.last_snapshot.iteration >= 1
    assert w.gridworld.runs.update_count >= 1
    grid = w.gridworld.results.rewardView.values
    assert np.nanstd(grid) > 0
    assert image_colours(w.gridworld.results.rewardView) > empty_colours + 10  # the heatmap is drawn, not constant

    w_path = str(tmp_path / "reward.npy")
    assert w.gridworld.learn.export_reward(w_path)
    capsys.readouterr()
    assert cli_main(["evaluate", "four-rooms", "--reward", w_path]) == 0
    report = json.loads(capsys.readouterr().out)
    assert np.isfinite(report["evd"])
    for suffix in (".csv", ".json", ".png"):
        p = tmp_path / f"reward{suffix}"
        assert w.gridworld.learn.export_reward(str(p)) and p.stat().st_size > 0
    capsys.readouterr()
    assert cli_main(["evaluate", "four-rooms", "--reward", str(tmp_path / "reward.json")]) == 0


def test_export_button_uses_the_file_dialog(qtbot, window, dialogs, tmp_path):
    w = window
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories[:3]))
    w.gridworld.learn.run()
    wait_run(qtbot, w)
    dialogs.path = str(tmp_path / "learned.csv")
    qtbot.mouseClick(w.gridworld.learn.exportRewardButton, Qt.MouseButton.LeftButton)
    text = (tmp_path / "learned.csv").read_text()
    assert len(text.splitlines()) == w.gridworld.doc.layout.rows


def test_illegal_moves_are_refused_with_a_message(qtbot, window):
    w = window
    n0 = len(w.gridworld.doc.demos)
    qtbot.mouseClick(w.gridworld.demo.recordDemoButton, Qt.MouseButton.LeftButton)
    click_cell(qtbot, w.gridworld.canvas, 2, 2)  # not a start cell
    assert "start cell" in w.statusBar().currentMessage()
    click_cell(qtbot, w.gridworld.canvas, 1, 1)
    click_cell(qtbot, w.gridworld.canvas, 0, 1)  # into the wall
    assert "Move refused" in w.statusBar().currentMessage()
    click_cell(qtbot, w.gridworld.canvas, 3, 3)  # a jump
    assert "jumps" in w.statusBar().currentMessage()
    # keyboard: right, right, space (stay), down, Enter
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_Down):
        qtbot.keyClick(w.gridworld.canvas, key)
    qtbot.keyClick(w.gridworld.canvas, Qt.Key.Key_Return)
    assert len(w.gridworld.doc.demos) == n0 + 1
    tr = w.gridworld.doc.demos.trajectories[-1]
    assert tr.cells == ((1, 1), (1, 2), (1, 3), (1, 3), (2, 3))
    assert tr.actions == ("right", "right", "stay", "down")
    assert w.isWindowModified()
    # with a single start cell the keyboard alone can demonstrate; Escape cancels
    qtbot.keyClick(w.gridworld.canvas, Qt.Key.Key_Down)
    assert w.gridworld.demo.recording == [(1, 1), (2, 1)]
    qtbot.keyClick(w.gridworld.canvas, Qt.Key.Key_Escape)
    assert not w.gridworld.demo.recording and len(w.gridworld.doc.demos) == n0 + 1


def test_run_without_demonstrations_says_why(qtbot, window):
    w = window
    g = w.gridworld
    g.demo.demoList.selectAll()
    qtbot.mouseClick(w.findChild(type(g.learn.runButton), "deleteDemoButton"), Qt.MouseButton.LeftButton)
    assert len(g.doc.demos) == 0
    qtbot.mouseClick(w.gridworld.learn.runButton, Qt.MouseButton.LeftButton)
    assert w.gridworld.runs.worker is None and w.gridworld.learn.runButton.isEnabled()
    assert "no demonstrations" in w.gridworld.learn.runStatusLabel.text()


def test_diverging_run_ends_with_a_message(qtbot, window):
    w = window
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories[:3]))
    w.gridworld.learn.paramForm.set_value("optimizer", "gd")
    w.gridworld.learn.paramForm.set_value("learning_rate", "1e305")
    w.gridworld.learn.run()
    wait_run(qtbot, w)
    assert w.gridworld.runs.last_outcome[0] == "failed"
    assert "failed" in w.gridworld.learn.runStatusLabel.text().lower()
    assert w.gridworld.learn.runButton.isEnabled() and not w.gridworld.learn.stopButton.isEnabled()


def test_stop_in_the_middle_returns_within_one_step(qtbot, window):
    w = window
    w.open_layout("maze")
    set_demos(w, Demos(builtin_demos("maze").trajectories))
    w.gridworld.learn.select_algorithm("maxent")
    w.gridworld.learn.paramForm.set_value("max_iterations", 100000)
    w.gridworld.learn.paramForm.set_value("tol", "0")
    w.gridworld.learn.paramForm.set_value("optimizer", "gd")
    w.gridworld.learn.paramForm.set_value("learning_rate", "0.001")
    w.gridworld.learn.run()
    qtbot.waitUntil(lambda: w.gridworld.runs.worker is not None and w.gridworld.runs.worker.iteration >= 3, timeout=20000)
    assert w.gridworld.learn.stopButton.isEnabled() and not w.gridworld.learn.runButton.isEnabled()
    at_stop = w.gridworld.runs.worker.iteration
    qtbot.mouseClick(w.gridworld.learn.stopButton, Qt.MouseButton.LeftButton)
    wait_run(qtbot, w)
    assert w.gridworld.runs.last_outcome[0] == "stopped"
    assert w.gridworld.runs.last_snapshot.iteration <= at_stop + 1


def start_endless_run(qtbot, w) -> None:
    """A run that would not end by itself (no tolerance, plain gradient steps), waited for until it is going."""
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories))
    w.gridworld.learn.paramForm.set_value("max_iterations", 100000)
    w.gridworld.learn.paramForm.set_value("tol", "0")
    w.gridworld.learn.paramForm.set_value("optimizer", "gd")
    w.gridworld.learn.run()
    qtbot.waitUntil(lambda: w.gridworld.runs.worker is not None and w.gridworld.runs.worker.iteration >= 1, timeout=20000)


def test_pause_and_resume(qtbot, window):
    w = window
    start_endless_run(qtbot, w)
    qtbot.mouseClick(w.gridworld.learn.pauseButton, Qt.MouseButton.LeftButton)
    assert w.gridworld.runs.worker.paused and w.gridworld.learn.pauseButton.text() == "Resume"
    qtbot.wait(150)
    n = w.gridworld.runs.worker.iteration
    qtbot.wait(300)
    assert w.gridworld.runs.worker.iteration <= n + 1
    qtbot.mouseClick(w.gridworld.learn.pauseButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.gridworld.runs.worker.iteration > n + 1, timeout=20000)
    qtbot.mouseClick(w.gridworld.learn.stopButton, Qt.MouseButton.LeftButton)
    wait_run(qtbot, w)


def test_closing_during_a_run_stops_it(qtbot, dialogs, started_threads):
    from irl_studio.gui import MainWindow

    w = MainWindow()
    w.show()
    start_endless_run(qtbot, w)
    assert w.close()  # the unsaved-work question is answered "Discard"
    assert w.gridworld.runs.worker is None
    assert all(t.isFinished() for t in started_threads)
    w.deleteLater()


def test_close_cancel_keeps_the_window(qtbot, window, dialogs):
    from PySide6.QtWidgets import QMessageBox

    w = window
    drag(w.gridworld.canvas, [(2, 2), (2, 3)])
    assert w.isWindowModified()
    dialogs.close_answer = QMessageBox.StandardButton.Cancel
    assert not w.close()
    assert w.isVisible()
    dialogs.close_answer = QMessageBox.StandardButton.Discard


def test_generate_expert_demos_reoptimize_after_walls_and_roll_out(qtbot, window):
    w = window
    n0 = len(w.gridworld.doc.demos)
    w.gridworld.demo.expertCountSpin.setValue(8)
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "generateDemosButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.gridworld.doc.demos) == n0 + 8, timeout=20000)
    w.gridworld.learn.featuresCombo.setCurrentIndex(w.gridworld.learn.featuresCombo.findData("coords"))
    w.gridworld.learn.run()
    wait_run(qtbot, w)
    assert w.gridworld.canvas.policy_actions is not None  # arrows of the policy under the learned reward
    # the transfer experiment: close the door on the right, re-optimize without re-learning
    drag(w.gridworld.canvas, [(3, 6), (3, 6)])
    assert w.gridworld.doc.layout.grid[3, 6] == "#"
    assert w.gridworld.canvas.policy_actions is None  # stale arrows are removed on an edit
    iterations = w.gridworld.runs.last_snapshot.iteration
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "reoptimizeButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.gridworld.canvas.policy_actions is not None and not w.gridworld.tasks.tasks, timeout=20000)
    assert w.gridworld.runs.last_snapshot.iteration == iterations  # nothing was re-learned
    assert w.gridworld.canvas.policy_actions[3, 6] == -1  # no arrow on the new wall
    # animated rollout: play, then step, then pause
    qtbot.mouseClick(w.gridworld.watch.playButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.gridworld.animator.t >= 2, timeout=10000)
    qtbot.mouseClick(w.gridworld.watch.playButton, Qt.MouseButton.LeftButton)
    assert not w.gridworld.animator.timer.isActive()
    t = w.gridworld.animator.t
    qtbot.mouseClick(w.gridworld.watch.stepButton, Qt.MouseButton.LeftButton)
    assert w.gridworld.animator.t == t + 1 or w.gridworld.animator.t == w.gridworld.animator.length - 1
    assert w.gridworld.canvas.agents and w.gridworld.canvas.trails


def test_demo_list_select_replay_delete(qtbot, window):
    w = window
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories[:4]))
    assert w.gridworld.demo.demoList.count() == 4
    w.gridworld.demo.demoList.setCurrentRow(1)
    assert any(width > 0.15 for _p, _c, width in w.gridworld.canvas.demo_paths)  # highlighted
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "replayDemoButton"), Qt.MouseButton.LeftButton)
    assert w.gridworld.animator.timer.isActive()
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "deleteDemoButton"), Qt.MouseButton.LeftButton)
    assert w.gridworld.demo.demoList.count() == 3
    w.gridworld.animator.stop()


def test_every_registered_algorithm_has_a_form_and_runs(qtbot, window):
    """The algorithm list is whatever is registered; each gets a form (tooltips, accessible names) that makes a
    valid config, and a short run from the GUI ends cleanly."""
    from irl_studio.algorithms import ALGORITHMS
    from irl_studio.algorithms.base import config_fields, config_from_mapping

    w = window
    assert w.gridworld.learn.algorithmCombo.count() == len(ALGORITHMS)
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories[:5]))
    for name, cls in ALGORITHMS.items():
        w.gridworld.learn.select_algorithm(name)
        for f in config_fields(cls.Config):
            widget = w.gridworld.learn.paramForm.findChild(object, f"param_{f.name}")
            assert widget is not None and widget.toolTip() and widget.accessibleName(), (name, f.name)
        config_from_mapping(cls.Config, w.gridworld.learn.paramForm.values())
        w.gridworld.learn.paramForm.set_value("max_iterations", 2)
        assert w.gridworld.learn.run(), w.gridworld.learn.runStatusLabel.text()
        wait_run(qtbot, w, timeout=60000)
        assert w.gridworld.runs.last_outcome[0] == "done", (name, w.gridworld.runs.last_outcome)


def test_soft_expert_rationality_is_a_user_setting(qtbot, window):
    """The beta box is live only for the soft expert, and a rational soft expert (beta 20) finishes at the goal."""
    w = window
    assert not w.gridworld.demo.expertBetaSpin.isEnabled()
    w.gridworld.demo.expertKindCombo.setCurrentText("soft")
    assert w.gridworld.demo.expertBetaSpin.isEnabled()
    w.gridworld.demo.expertBetaSpin.setValue(20.0)
    set_demos(w, Demos())
    w.gridworld.demo.expertCountSpin.setValue(10)
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "generateDemosButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.gridworld.doc.demos) == 10, timeout=20000)
    goal = tuple(int(v) for v in np.argwhere(w.gridworld.doc.layout.grid == "G")[0])
    assert all(t.cells[-1] == goal for t in w.gridworld.doc.demos.trajectories)


def test_airl_from_samples_in_the_gridworld_tab_learns_live_and_transfers_to_a_closed_door(qtbot, window):
    """The sample-based learners sit beside the tabular ones: same form, same live views, same wall-edit transfer."""
    w = window
    g = w.gridworld
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories))
    idx = g.learn.algorithmCombo.findData("airl")
    assert idx >= 0 and "samples" in g.learn.algorithmCombo.itemText(idx)
    g.learn.algorithmCombo.setCurrentIndex(idx)
    g.learn.featuresCombo.setCurrentIndex(g.learn.featuresCombo.findData("terrain"))
    g.learn.paramForm.set_value("max_iterations", 40)
    assert g.learn.run(), g.learn.runStatusLabel.text()
    wait_run(qtbot, w, timeout=120000)
    snap = g.runs.last_snapshot
    assert g.runs.last_outcome[0] == "done" and snap.iteration == 40
    assert "EVD" in g.learn.metricsLabel.text() and "feature gap" in g.learn.metricsLabel.text()
    assert snap.metrics["evd_infinite_normalized"] < 0.2  # the floor/goal reward plans: far better than random
    assert snap.weights is not None and g.canvas.policy_actions is not None
    drag(g.canvas, [(3, 6), (3, 6)])  # close the door on the right
    assert g.doc.layout.grid[3, 6] == "#"
    qtbot.mouseClick(w.findChild(type(g.learn.runButton), "reoptimizeButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: g.canvas.policy_actions is not None and not g.tasks.tasks, timeout=20000)
    assert g.runs.last_snapshot.iteration == 40 and g.canvas.policy_actions[3, 6] == -1
