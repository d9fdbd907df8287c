"""The user's flow through the gridworld tab: demonstrate by clicking, learn live, export, re-optimize, watch."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt

from irl_studio.cli import main as cli_main
from irl_studio.core.builtin import builtin_demos
from irl_studio.core.demos import Demos
from test_gui_support import FOUR_ROOMS_PATH, click_cell, dialogs, drag, record_demo, started_threads, wait_run, \
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
    empty_colours = image_colours(w.rewardView)
    record_demo(qtbot, w)
    assert len(w.demos) == 1, w.statusBar().currentMessage()  # reaching the goal finished it
    assert list(w.demos.trajectories[0].cells) == FOUR_ROOMS_PATH
    assert w.demoList.count() == 1
    qtbot.mouseClick(w.recordDemoButton, Qt.MouseButton.LeftButton)  # back to drawing

    w.select_algorithm("maxent")
    assert w.algorithmCombo.currentData() == "maxent"
    w.featuresCombo.setCurrentIndex(w.featuresCombo.findData("state"))
    qtbot.mouseClick(w.runButton, Qt.MouseButton.LeftButton)
    assert not w.runButton.isEnabled() or w.worker is None
    wait_run(qtbot, w)
    assert w.stopButton.isEnabled() is False and w.runButton.isEnabled()
    assert w.last_run_outcome[0] == "done", w.last_run_outcome
    assert w.snapshot is not None and w.snapshot.iteration >= 1
    assert w.update_count >= 1
    grid = w.rewardView.values
    assert np.nanstd(grid) > 0
    assert image_colours(w.rewardView) > empty_colours + 10  # the heatmap is drawn, not constant

    w_path = str(tmp_path / "reward.npy")
    assert w.export_reward(w_path)
    capsys.readouterr()
    assert cli_main(["evaluate", "four-rooms", "--reward", w_path]) == 0
    report = json.loads(capsys.readouterr().out)
    assert np.isfinite(report["evd"])
    for suffix in (".csv", ".json", ".png"):
        p = tmp_path / f"reward{suffix}"
        assert w.export_reward(str(p)) and p.stat().st_size > 0
    capsys.readouterr()
    assert cli_main(["evaluate", "four-rooms", "--reward", str(tmp_path / "reward.json")]) == 0


def test_export_button_uses_the_file_dialog(qtbot, window, dialogs, tmp_path):
    w = window
    w.set_demos(Demos(builtin_demos("four-rooms").trajectories[:3]))
    w.run()
    wait_run(qtbot, w)
    dialogs.path = str(tmp_path / "learned.csv")
    qtbot.mouseClick(w.exportRewardButton, Qt.MouseButton.LeftButton)
    text = (tmp_path / "learned.csv").read_text()
    assert len(text.splitlines()) == w.world.rows


def test_illegal_moves_are_refused_with_a_message(qtbot, window):
    w = window
    qtbot.mouseClick(w.recordDemoButton, Qt.MouseButton.LeftButton)
    click_cell(qtbot, w.canvas, 2, 2)  # not a start cell
    assert "start cell" in w.statusBar().currentMessage()
    click_cell(qtbot, w.canvas, 1, 1)
    click_cell(qtbot, w.canvas, 0, 1)  # into the wall
    assert "Move refused" in w.statusBar().currentMessage()
    click_cell(qtbot, w.canvas, 3, 3)  # a jump
    assert "jumps" in w.statusBar().currentMessage()
    # keyboard: right, right, space (stay), down, Enter
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_Down):
        qtbot.keyClick(w.canvas, key)
    qtbot.keyClick(w.canvas, Qt.Key.Key_Return)
    assert len(w.demos) == 1
    tr = w.demos.trajectories[0]
    assert tr.cells == ((1, 1), (1, 2), (1, 3), (1, 3), (2, 3))
    assert tr.actions == ("right", "right", "stay", "down")
    assert w.isWindowModified()
    # with a single start cell the keyboard alone can demonstrate; Escape cancels
    qtbot.keyClick(w.canvas, Qt.Key.Key_Down)
    assert w._recording == [(1, 1), (2, 1)]
    qtbot.keyClick(w.canvas, Qt.Key.Key_Escape)
    assert not w._recording and len(w.demos) == 1


def test_run_without_demonstrations_says_why(qtbot, window):
    w = window
    qtbot.mouseClick(w.runButton, Qt.MouseButton.LeftButton)
    assert w.worker is None and w.runButton.isEnabled()
    assert "no demonstrations" in w.runStatusLabel.text()


def test_diverging_run_ends_with_a_message(qtbot, window):
    w = window
    w.set_demos(Demos(builtin_demos("four-rooms").trajectories[:3]))
    w.set_param("optimizer", "gd")
    w.set_param("learning_rate", "1e305")
    w.run()
    wait_run(qtbot, w)
    assert w.last_run_outcome[0] == "failed"
    assert "failed" in w.runStatusLabel.text().lower()
    assert w.runButton.isEnabled() and not w.stopButton.isEnabled()


def test_stop_in_the_middle_returns_within_one_step(qtbot, window):
    w = window
    w.open_layout("maze")
    w.set_demos(Demos(builtin_demos("maze").trajectories))
    w.select_algorithm("maxent")
    w.set_param("max_iterations", 100000)
    w.set_param("tol", "0")
    w.set_param("optimizer", "gd")
    w.set_param("learning_rate", "0.001")
    w.run()
    qtbot.waitUntil(lambda: w.worker is not None and w.worker.iteration >= 3, timeout=20000)
    assert w.stopButton.isEnabled() and not w.runButton.isEnabled()
    at_stop = w.worker.iteration
    qtbot.mouseClick(w.stopButton, Qt.MouseButton.LeftButton)
    wait_run(qtbot, w)
    assert w.last_run_outcome[0] == "stopped"
    assert w.snapshot.iteration <= at_stop + 1


def start_endless_run(qtbot, w) -> None:
    """A run that would not end by itself (no tolerance, plain gradient steps), waited for until it is going."""
    w.set_demos(Demos(builtin_demos("four-rooms").trajectories))
    w.set_param("max_iterations", 100000)
    w.set_param("tol", "0")
    w.set_param("optimizer", "gd")
    w.run()
    qtbot.waitUntil(lambda: w.worker is not None and w.worker.iteration >= 1, timeout=20000)


def test_pause_and_resume(qtbot, window):
    w = window
    start_endless_run(qtbot, w)
    qtbot.mouseClick(w.pauseButton, Qt.MouseButton.LeftButton)
    assert w.worker.paused and w.pauseButton.text() == "Resume"
    qtbot.wait(150)
    n = w.worker.iteration
    qtbot.wait(300)
    assert w.worker.iteration <= n + 1
    qtbot.mouseClick(w.pauseButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.worker.iteration > n + 1, timeout=20000)
    qtbot.mouseClick(w.stopButton, Qt.MouseButton.LeftButton)
    wait_run(qtbot, w)


def test_closing_during_a_run_stops_it(qtbot, dialogs, started_threads):
    from irl_studio.gui import MainWindow

    w = MainWindow()
    w.show()
    start_endless_run(qtbot, w)
    assert w.close()  # the unsaved-work question is answered "Discard"
    assert w.worker is None
    assert all(t.isFinished() for t in started_threads)
    w.deleteLater()


def test_close_cancel_keeps_the_window(qtbot, window, dialogs):
    from PySide6.QtWidgets import QMessageBox

    w = window
    drag(w.canvas, [(2, 2), (2, 3)])
    assert w.isWindowModified()
    dialogs.close_answer = QMessageBox.StandardButton.Cancel
    assert not w.close()
    assert w.isVisible()
    dialogs.close_answer = QMessageBox.StandardButton.Discard


def test_generate_expert_demos_reoptimize_after_walls_and_roll_out(qtbot, window):
    w = window
    w.expertCountSpin.setValue(8)
    qtbot.mouseClick(w.findChild(type(w.runButton), "generateDemosButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.demos) == 8, timeout=20000)
    w.featuresCombo.setCurrentIndex(w.featuresCombo.findData("coords"))
    w.run()
    wait_run(qtbot, w)
    assert w.canvas.policy_actions is not None  # arrows of the policy under the learned reward
    # the transfer experiment: close the door on the right, re-optimize without re-learning
    drag(w.canvas, [(3, 6), (3, 6)])
    assert w.world.grid[3, 6] == "#"
    assert w.canvas.policy_actions is None  # stale arrows are removed on an edit
    iterations = w.snapshot.iteration
    qtbot.mouseClick(w.findChild(type(w.runButton), "reoptimizeButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.canvas.policy_actions is not None and not w.tasks, timeout=20000)
    assert w.snapshot.iteration == iterations  # nothing was re-learned
    assert w.canvas.policy_actions[3, 6] == -1  # no arrow on the new wall
    # animated rollout: play, then step, then pause
    qtbot.mouseClick(w.playButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w._anim_t >= 2, timeout=10000)
    qtbot.mouseClick(w.playButton, Qt.MouseButton.LeftButton)
    assert not w.anim_timer.isActive()
    t = w._anim_t
    qtbot.mouseClick(w.stepButton, Qt.MouseButton.LeftButton)
    assert w._anim_t == t + 1 or w._anim_t == w._anim_len() - 1
    assert w.canvas.agents and w.canvas.trails


def test_demo_list_select_replay_delete(qtbot, window):
    w = window
    w.set_demos(Demos(builtin_demos("four-rooms").trajectories[:4]))
    assert w.demoList.count() == 4
    w.demoList.setCurrentRow(1)
    assert any(width > 0.15 for _p, _c, width in w.canvas.demo_paths)  # highlighted
    qtbot.mouseClick(w.findChild(type(w.runButton), "replayDemoButton"), Qt.MouseButton.LeftButton)
    assert w.anim_timer.isActive()
    qtbot.mouseClick(w.findChild(type(w.runButton), "deleteDemoButton"), Qt.MouseButton.LeftButton)
    assert w.demoList.count() == 3
    w.stop_animation()


def test_every_registered_algorithm_has_a_form_and_runs(qtbot, window):
    """The algorithm list is whatever is registered; each gets a form (tooltips, accessible names) that makes a
    valid config, and a short run from the GUI ends cleanly."""
    from irl_studio.algorithms import ALGORITHMS
    from irl_studio.algorithms.base import config_fields, config_from_mapping

    w = window
    assert w.algorithmCombo.count() == len(ALGORITHMS)
    w.set_demos(Demos(builtin_demos("four-rooms").trajectories[:5]))
    for name, cls in ALGORITHMS.items():
        w.select_algorithm(name)
        for f in config_fields(cls.Config):
            widget = w.paramForm.findChild(object, f"param_{f.name}")
            assert widget is not None and widget.toolTip() and widget.accessibleName(), (name, f.name)
        config_from_mapping(cls.Config, w.param_values())
        w.set_param("max_iterations", 2)
        assert w.run(), w.runStatusLabel.text()
        wait_run(qtbot, w, timeout=60000)
        assert w.last_run_outcome[0] == "done", (name, w.last_run_outcome)


def test_soft_expert_rationality_is_a_user_setting(qtbot, window):
    """The beta box is live only for the soft expert, and a rational soft expert (beta 20) finishes at the goal."""
    w = window
    assert not w.expertBetaSpin.isEnabled()
    w.expertKindCombo.setCurrentText("soft")
    assert w.expertBetaSpin.isEnabled()
    w.expertBetaSpin.setValue(20.0)
    w.expertCountSpin.setValue(10)
    qtbot.mouseClick(w.findChild(type(w.runButton), "generateDemosButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(w.demos) == 10, timeout=20000)
    goal = tuple(int(v) for v in np.argwhere(w.world.grid == "G")[0])
    assert all(t.cells[-1] == goal for t in w.demos.trajectories)
