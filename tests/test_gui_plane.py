"""The continuous tab as a user drives it: drag a demonstration, draw and delete walls, generate expert
demonstrations, run a learner and watch the reward view change, stop, export, re-optimize on a changed plane, read
the return; files and sessions."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from irl_studio.continuous.demos import PlaneDemos, load_plane_demos, validate_demos
from irl_studio.continuous.plane import builtin_plane, plane_from_dict
from irl_studio.continuous.rewardgrid import load_reward_grid
from test_gui_support import dialogs, started_threads, window  # noqa: F401 (fixtures)


def mouse(canvas, kind, xy, button=Qt.MouseButton.LeftButton, buttons=None):
    p = QPointF(canvas.point_to_widget(*xy))
    if buttons is None:
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    b = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else button
    ev = QMouseEvent(kind, p, canvas.mapToGlobal(p), b, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, ev)


def drag(canvas, points, button=Qt.MouseButton.LeftButton):
    mouse(canvas, QEvent.Type.MouseButtonPress, points[0], button)
    for q in points[1:]:
        mouse(canvas, QEvent.Type.MouseMove, q, button, buttons=button)
    mouse(canvas, QEvent.Type.MouseButtonRelease, points[-1], button)


def tab(qtbot, w):
    w.tabs.setCurrentWidget(w.continuous)
    qtbot.waitUntil(lambda: w.continuous.isVisible(), timeout=5000)
    return w.continuous


def wait_plane_run(qtbot, c, timeout=120000):
    qtbot.waitUntil(lambda: not c.runs.running and c.learn.planeRunButton.isEnabled(), timeout=timeout)
    qtbot.waitUntil(lambda: not c.tasks.busy, timeout=timeout)


def test_the_automation_surface(window):
    w = window
    for name in ("continuousTab", "planeCanvas", "planeRecordButton", "planeWallButton", "planeDemoList",
                 "planeGenerateButton", "planeAlgorithmCombo", "planeRunButton", "planeStopButton", "planeRewardView",
                 "planeExportRewardButton", "planeReoptimizeButton", "planeTransferLabel"):
        found = w.findChild(object, name)
        assert found is not None and found.accessibleName(), name
    plane = w.current_plane()
    assert plane["format"] == "irl-studio.plane" and plane["walls"] == [[-0.1, 0.3, 0.4, 0.3]]
    assert w.open_plane("point-maze-right") and w.current_plane()["walls"] == [[0.2, 0.3, 0.6, 0.3]]
    c = w.continuous
    assert c.learn.planeRunButton.isEnabled() and not c.learn.planeStopButton.isEnabled()


def test_a_drag_records_a_resampled_demonstration_and_a_drag_through_a_wall_stops_there(qtbot, window):
    w = window
    c = tab(qtbot, w)
    qtbot.mouseClick(c.demo.planeRecordButton, Qt.MouseButton.LeftButton)
    assert c.canvas.mode == "record"
    route = [(0.3, 0.0), (0.5, 0.15), (0.52, 0.3), (0.5, 0.45), (0.3, 0.5)]  # around the wall's end on the right
    drag(c.canvas, route)
    assert len(c.doc.demos) == 1, w.statusBar().currentMessage()
    tr = c.doc.demos.trajectories[0]
    steps = np.abs(np.diff(tr.obs[:, :2], axis=0))
    assert steps.max() <= c.doc.plane.max_step + 1e-6  # resampled to the action box
    np.testing.assert_allclose(tr.obs[0, :2], route[0], atol=0.02)
    np.testing.assert_allclose(tr.obs[-1, :2], route[-1], atol=0.02)
    validate_demos(c.doc.plane, c.doc.demos)
    drag(c.canvas, [(0.1, 0.1), (0.1, 0.5)])  # straight through the wall: stops before it, and says so
    assert len(c.doc.demos) == 2
    stopped = c.doc.demos.trajectories[1]
    assert stopped.obs[-1, 1] < 0.3 and "wall" in w.statusBar().currentMessage()
    c.doc.undo_stack.undo()
    assert len(c.doc.demos) == 1


def test_walls_are_drawn_moved_and_deleted_undoably(qtbot, window):
    w = window
    c = tab(qtbot, w)
    qtbot.mouseClick(c.draw.mode_buttons["wall"], Qt.MouseButton.LeftButton)
    assert c.canvas.mode == "wall"
    n = len(c.doc.plane.walls)
    drag(c.canvas, [(0.0, 0.45), (0.2, 0.45)])
    assert len(c.doc.plane.walls) == n + 1
    np.testing.assert_allclose(c.doc.plane.walls[-1], (0.0, 0.45, 0.2, 0.45), atol=0.01)
    drag(c.canvas, [(0.2, 0.45), (0.15, 0.55)])  # from the end: moves it
    assert len(c.doc.plane.walls) == n + 1
    np.testing.assert_allclose(c.doc.plane.walls[-1][2:], (0.15, 0.55), atol=0.01)
    mouse(c.canvas, QEvent.Type.MouseButtonPress, (0.075, 0.5), Qt.MouseButton.RightButton)  # right click deletes
    assert len(c.doc.plane.walls) == n
    for _ in range(3):
        c.doc.undo_stack.undo()
    assert len(c.doc.plane.walls) == n
    assert w.isWindowModified() is False


def test_generate_run_watch_stop_export_reoptimize(qtbot, window, dialogs, tmp_path):
    w = window
    c = tab(qtbot, w)
    c.demo.countSpin.setValue(4)
    qtbot.mouseClick(c.demo.findChild(type(c.learn.planeRunButton), "planeGenerateButton"),
                     Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(c.doc.demos) == 4, timeout=60000)
    c.learn.paramForm.set_value("max_iterations", 1000)
    c.learn.paramForm.set_value("n_envs", 8)
    empty = c.results.planeRewardView.grab().toImage()
    qtbot.mouseClick(c.learn.planeRunButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: c.runs.last_snapshot is not None and c.runs.last_snapshot.iteration >= 2,
                    timeout=120000)
    assert not c.learn.planeRunButton.isEnabled() and c.learn.planeStopButton.isEnabled()
    first = c.results.planeRewardView.values.copy()
    qtbot.waitUntil(lambda: c.runs.last_snapshot.iteration >= 4, timeout=120000)
    assert not np.allclose(first, c.results.planeRewardView.values)  # the reward view changes while it runs
    assert c.results.planeRewardView.grab().toImage() != empty
    qtbot.mouseClick(c.learn.planeStopButton, Qt.MouseButton.LeftButton)
    wait_plane_run(qtbot, c)
    assert c.runs.last_outcome[0] == "stopped"
    assert c.doc.result is not None and c.doc.result.networks is not None
    for suffix in (".json", ".npz", ".safetensors", ".png"):
        path = tmp_path / f"reward{suffix}"
        assert c.learn.export(str(path)) and path.stat().st_size > 0
    g = load_reward_grid(tmp_path / "reward.json")
    assert g.values.shape[0] >= 50 and np.all(np.isfinite(g.values))
    # the transfer: the shifted maze (the reward stays), re-optimize, read the return
    assert c.files.open_builtin("point-maze-right", keep_demos=True)
    assert c.doc.plane.walls == builtin_plane("point-maze-right").walls and c.doc.result is not None
    qtbot.mouseClick(c.transfer.planeReoptimizeButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "return" in c.transfer.planeTransferLabel.text(), timeout=60000)
    assert "optimum" in c.transfer.planeTransferLabel.text()
    assert c.canvas.paths  # the planned path is drawn


def test_a_plane_session_round_trips(qtbot, window, dialogs, tmp_path):
    from irl_studio.gui import MainWindow

    w = window
    c = tab(qtbot, w)
    c.demo.countSpin.setValue(2)
    c.demo.generate()
    qtbot.waitUntil(lambda: len(c.doc.demos) == 2, timeout=60000)
    c.learn.paramForm.set_value("max_iterations", 1)
    c.learn.paramForm.set_value("n_envs", 4)
    c.learn.run()
    wait_plane_run(qtbot, c)
    path = tmp_path / "plane-session.json"
    assert c.files.save_session(str(path))
    assert not w.isWindowModified()
    data = json.loads(path.read_text())
    assert data["format"] == "irl-studio.plane-session" and "networks" in data["learned"]
    w2 = MainWindow(str(path))
    qtbot.addWidget(w2)
    c2 = w2.continuous
    assert w2.tabs.currentWidget() is c2 and len(c2.doc.demos) == 2
    np.testing.assert_allclose(c2.doc.result.grid.values, c.doc.result.grid.values)
    assert c2.doc.result.networks == c.doc.result.networks
    w2.close()


def test_bad_plane_files_give_messages(window, dialogs, tmp_path):
    w = window
    p = tmp_path / "bad.json"
    p.write_text(json.dumps({"format": "irl-studio.plane", "bounds": [[0, 1], [0, 1]], "start": [5, 5],
                             "goal": [0.5, 0.5]}))
    assert not w.open_file(str(p))
    assert dialogs.messages and "bad.json" in dialogs.messages[-1][1]
    d = tmp_path / "demos.json"
    d.write_text(json.dumps({"format": "irl-studio.plane-demos", "version": 1,
                             "trajectories": [{"obs": [[0.3, 0.0], [0.3, 0.5]]}]}))
    w.tabs.setCurrentWidget(w.continuous)
    assert not w.continuous.demo.open_demos(str(d))
    assert "trajectory 0" in dialogs.messages[-1][1]


def test_every_interactive_widget_of_the_tab_has_an_object_name_and_an_accessible_name(qtbot, window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QAbstractSlider, QAbstractSpinBox, \
        QComboBox, QLineEdit, QScrollBar

    from irl_studio.algorithms.plane_run import LEARNERS

    w = window
    c = tab(qtbot, w)
    kinds = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit, QAbstractSlider, QAbstractItemView)
    for key in LEARNERS:  # every parameter form
        c.learn.select_learner(key)
        for kind in kinds:
            for widget in c.findChildren(kind) + c.results.findChildren(kind):
                inner = widget.objectName().startswith("qt_")
                if isinstance(widget, QScrollBar) or inner or not widget.isVisibleTo(w):
                    continue
                assert widget.objectName(), (key, type(widget).__name__, widget.accessibleName())
                assert widget.accessibleName(), (key, widget.objectName())


def test_the_airl_versus_gail_comparison_is_one_click(qtbot, window):
    w = window
    c = tab(qtbot, w)
    c.demo.countSpin.setValue(3)
    c.demo.generate()
    qtbot.waitUntil(lambda: len(c.doc.demos) == 3, timeout=60000)
    assert c.transfer.targetCombo.currentData() == "point-maze-right"  # the shifted maze of the training plane
    c.transfer.compareIterSpin.setValue(2)
    qtbot.mouseClick(c.transfer.planeCompareButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: set(c.doc.comparison) == {"airl", "gail"}
                    and all(e["plan"] is not None for e in c.doc.comparison.values()), timeout=240000)
    wait_plane_run(qtbot, c)
    assert c.doc.comparison_plane["walls"] == [[0.2, 0.3, 0.6, 0.3]]
    for key in ("airl", "gail"):
        label = c.results.compare_labels[key].text()
        assert "return" in label and "point maze" in label, label
        assert c.results.compare_views[key].values is not None
    assert c.doc.result.learner == "gail"  # the last run stays the tab's result
