"""A walk through the gridworld tab as a person makes it: look once, then click where things were; the default
window runs at once; the canvas shows the learned reward during and after a run; the views can be scrubbed back;
metrics read as numbers; no event-loop stall over whole runs."""

from __future__ import annotations

import re
import time

import numpy as np
from PySide6.QtCore import QTimer, Qt

from irl_studio.core.demos import Demos
from test_gui_support import FOUR_ROOMS_PATH, dialogs, set_demos, started_threads, wait_run, \
    window  # noqa: F401 (fixtures)


def geometry(g):
    c = g.canvas
    return (c.viewport().size().width(), c.viewport().size().height(), c.cell_rect(0, 0).getRect(),
            c.mapTo(g.window(), c.viewport().pos()).toTuple())


def test_cells_clicked_where_they_were_seen_before_record_give_the_intended_demo(qtbot, window):
    w = window
    g = w.gridworld
    n0 = len(g.doc.demos)
    seen = [g.canvas.cell_center(r, c) for r, c in FOUR_ROOMS_PATH]  # the person looks once...
    before = geometry(g)
    qtbot.mouseClick(g.demo.recordDemoButton, Qt.MouseButton.LeftButton)
    assert geometry(g) == before
    for pos in seen:  # ... and clicks along, without looking again
        qtbot.mouseClick(g.canvas.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        assert geometry(g) == before
    assert len(g.doc.demos) == n0 + 1, w.statusBar().currentMessage()
    assert list(g.doc.demos.trajectories[-1].cells) == FOUR_ROOMS_PATH
    # a run and its end (status lines, metrics, the canvas switching to the learned reward) move nothing either
    qtbot.mouseClick(g.demo.recordDemoButton, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(g.learn.runButton, Qt.MouseButton.LeftButton)
    wait_run(qtbot, w)
    assert geometry(g) == before


def test_the_default_window_runs_at_once_and_the_canvas_shows_the_learned_reward(qtbot, window):
    w = window
    g = w.gridworld
    layout_img = g.canvas.grab().toImage()
    assert g.canvasShowCombo.currentText() == "layout"
    qtbot.mouseClick(g.learn.runButton, Qt.MouseButton.LeftButton)  # no demonstration to record first
    qtbot.waitUntil(lambda: g.runs.running, timeout=5000)
    assert g.canvasShowCombo.currentText() == "learned reward"
    wait_run(qtbot, w)
    assert g.runs.last_outcome[0] == "done", g.runs.last_outcome
    assert "Finished" in g.learn.runStatusLabel.text()
    # the cells now show the learned reward: a floor cell's colour is the reward colour, not the floor's
    res = g.doc.result
    assert res is not None and g.canvas.learned_grid is not None
    np.testing.assert_allclose(g.canvas.learned_grid, res.grid)
    img = g.canvas.grab().toImage()
    r, c = FOUR_ROOMS_PATH[5]
    p = g.canvas.cell_rect(r, c).center().toPoint() + g.canvas.viewport().pos()
    assert img.pixelColor(p) != layout_img.pixelColor(p)
    # the user can switch back
    g.canvasShowCombo.setCurrentText("layout")
    assert g.canvas.background == "layout"


def test_scrubbing_back_shows_the_reward_and_visitation_of_an_earlier_iteration(qtbot, window):
    w = window
    g = w.gridworld
    g.learn.paramForm.set_value("optimizer", "adam")
    g.learn.paramForm.set_value("max_iterations", 40)
    g.learn.paramForm.set_value("tol", "0")
    g.learn.run()
    wait_run(qtbot, w)
    scrub = g.results.scrub
    snaps = scrub.snaps
    assert scrub.slider.isEnabled() and len(snaps) >= 2 and snaps[-1].iteration == 40
    assert "iteration 40 of 40" in scrub.label.text()
    scrub.slider.setValue(0)  # the first kept snapshot
    first = snaps[0]
    assert first.iteration < 40 and "live" not in scrub.label.text()
    np.testing.assert_array_equal(g.results.rewardView.values, first.reward_grid)
    np.testing.assert_allclose(g.results.learnerVisitationView.values, first.grid_of(first.learner_visitation))
    np.testing.assert_allclose(g.canvas.learned_grid, first.reward_grid)
    assert not np.allclose(np.nan_to_num(first.reward_grid), np.nan_to_num(snaps[-1].reward_grid))
    scrub.slider.setValue(scrub.slider.maximum())  # back to the end
    np.testing.assert_array_equal(g.results.rewardView.values, snaps[-1].reward_grid)
    np.testing.assert_allclose(g.doc.result.grid, snaps[-1].reward_grid)  # export takes the final reward


def test_metrics_read_as_numbers_and_a_cannot_run_message_goes_when_its_cause_does(qtbot, window):
    w = window
    g = w.gridworld
    g.learn.run()
    wait_run(qtbot, w)
    text = g.learn.metricsLabel.text()
    assert text and not re.search(r"e-1\d", text), text  # no "evd -1.776e-15"
    set_demos(w, Demos())
    qtbot.mouseClick(g.learn.runButton, Qt.MouseButton.LeftButton)
    assert "Cannot run" in g.learn.runStatusLabel.text()
    qtbot.mouseClick(g.demo.recordDemoButton, Qt.MouseButton.LeftButton)
    for r, c in FOUR_ROOMS_PATH[:3]:
        qtbot.mouseClick(g.canvas.viewport(), Qt.MouseButton.LeftButton, pos=g.canvas.cell_center(r, c))
    qtbot.keyClick(g.canvas, Qt.Key.Key_Return)
    assert len(g.doc.demos) == 1
    assert "Cannot run" not in g.learn.runStatusLabel.text()


def test_the_results_dock_gives_the_views_room(qtbot, window):
    w = window
    g = w.gridworld
    w.resize(1400, 900)
    qtbot.wait(50)
    views = [g.results.rewardView, g.results.expertVisitationView, g.results.learnerVisitationView,
             g.results.differenceView]
    assert all(v.isVisible() and v.width() >= 180 and v.height() >= 180 for v in views), \
        [(v.width(), v.height()) for v in views]
    assert g.results.curvesView.isVisible() and g.results.curvesView.height() >= 200


def test_no_event_loop_stall_over_whole_runs(qtbot, window):
    """From the press of Run to the end of the automatic re-optimization, the 10 ms timer never waits 50 ms."""
    w = window
    g = w.gridworld
    g.learn.run()  # the first run (the worker process may still be importing)
    wait_run(qtbot, w)
    worst = []
    for attempt in range(3):  # a shared machine can be busy now and then: one clean attempt of three
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        qtbot.wait(200)
        qtbot.mouseClick(g.learn.runButton, Qt.MouseButton.LeftButton)
        wait_run(qtbot, w)
        qtbot.wait(300)
        timer.stop()
        worst.append(float(np.max(np.diff(ticks))))
        if worst[-1] < 0.05:
            break
    assert min(worst) < 0.05, f"longest stalls {[round(x * 1000) for x in worst]} ms"
