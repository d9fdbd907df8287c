"""Drawing, undo/redo, files (layouts, demonstrations, sessions), bad input shown as messages, settings."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt

from irl_studio.core.builtin import builtin_demos, builtin_layout
from irl_studio.core.demos import Demos, load_demos
from irl_studio.core.layout import layout_from_dict, read_json, LayoutError
from test_gui_support import click_cell, dialogs, drag, set_demos, started_threads, wait_run, window  # noqa: F401 (fixtures)


def tool(w, name):
    qbtn = w.gridworld.draw.tool_buttons[name]
    qbtn.click()
    assert qbtn.isChecked()


def test_one_undo_step_per_stroke_and_redo(qtbot, window):
    w = window
    original = w.gridworld.doc.layout.grid.copy()
    tool(w, "wall")
    drag(w.gridworld.canvas, [(2, 2), (2, 3), (2, 4), (3, 4)])
    assert all(w.gridworld.doc.layout.grid[r, c] == "#" for r, c in [(2, 2), (2, 3), (2, 4), (3, 4)])
    assert w.gridworld.doc.undo_stack.count() == 1
    assert w.isWindowModified() and "[*]" in w.windowTitle()
    painted = w.gridworld.doc.layout.grid.copy()
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "undoButton"), Qt.MouseButton.LeftButton)
    assert np.array_equal(w.gridworld.doc.layout.grid, original)
    assert not w.isWindowModified()
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "redoButton"), Qt.MouseButton.LeftButton)
    assert np.array_equal(w.gridworld.doc.layout.grid, painted)
    # keyboard shortcut
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert np.array_equal(w.gridworld.doc.layout.grid, original)


def test_fast_drag_fills_the_cells_in_between(window):
    w = window
    tool(w, "wall")
    drag(w.gridworld.canvas, [(3, 1), (3, 5)])  # the mouse jumped: every cell on the way is painted
    assert all(w.gridworld.doc.layout.grid[3, c] == "#" for c in range(1, 6))


def test_every_tool(qtbot, window):
    w = window
    tool(w, "terrain")
    w.gridworld.draw.terrainCombo.setCurrentIndex(2)
    click_cell(qtbot, w.gridworld.canvas, 2, 2)
    assert w.gridworld.doc.layout.grid[2, 2] == "c"
    tool(w, "object")
    w.gridworld.draw.objectInnerSpin.setValue(3)
    click_cell(qtbot, w.gridworld.canvas, 2, 3)
    assert any(o.cell == (2, 3) and o.inner == 3 for o in w.gridworld.doc.layout.objects)
    tool(w, "reward")
    w.gridworld.draw.rewardValueSpin.setValue(-2.5)
    click_cell(qtbot, w.gridworld.canvas, 4, 4)
    assert w.gridworld.doc.layout.true_reward[4, 4] == -2.5
    tool(w, "goal")
    click_cell(qtbot, w.gridworld.canvas, 5, 5)
    tool(w, "start")
    click_cell(qtbot, w.gridworld.canvas, 5, 1)
    assert w.gridworld.doc.layout.grid[5, 5] == "G" and w.gridworld.doc.layout.grid[5, 1] == "S"
    tool(w, "eraser")
    click_cell(qtbot, w.gridworld.canvas, 2, 3)
    assert w.gridworld.doc.layout.grid[2, 3] == "." and not any(o.cell == (2, 3) for o in w.gridworld.doc.layout.objects)
    tool(w, "floor")
    click_cell(qtbot, w.gridworld.canvas, 0, 3)
    assert w.gridworld.doc.layout.grid[0, 3] == "."
    assert w.gridworld.doc.undo_stack.count() == 7
    # hover read-out
    w.gridworld._on_hover(4, 4)
    text = w.findChild(type(w.gridworld.learn.runStatusLabel), "hoverLabel").text()
    assert "row 4, col 4" in text and "floor" in text and "true -2.5" in text


def test_resize_clear_random_are_undoable(qtbot, window):
    w = window
    original = w.gridworld.doc.layout.copy()
    w.gridworld.draw.rowsSpin.setValue(20)
    w.gridworld.draw.colsSpin.setValue(9)
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "resizeButton"), Qt.MouseButton.LeftButton)
    assert w.gridworld.doc.layout.shape == (20, 9)
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "clearButton"), Qt.MouseButton.LeftButton)
    assert w.gridworld.doc.layout.shape == (20, 9) and (w.gridworld.doc.layout.grid[1:-1, 1:-1] == ".").all()
    qtbot.mouseClick(w.findChild(type(w.gridworld.learn.runButton), "randomButton"), Qt.MouseButton.LeftButton)
    assert (w.gridworld.doc.layout.grid == "S").sum() == 1 and (w.gridworld.doc.layout.grid == "G").sum() == 1
    for _ in range(3):
        w.gridworld.doc.undo_stack.undo()
    assert w.gridworld.doc.layout == original
    assert w.gridworld.draw.rowsSpin.value() == original.rows
    # the canvas keeps square cells whatever the shape
    w.gridworld.doc.undo_stack.redo()
    a, b = w.gridworld.canvas.cell_rect(0, 0), w.gridworld.canvas.cell_rect(1, 1)
    assert abs(a.width() - a.height()) < 1e-9 and abs(b.left() - a.right()) < 1e-9


def test_malformed_layout_file_shows_a_message(window, dialogs, tmp_path):
    w = window
    before = w.gridworld.doc.layout.copy()
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "irl-studio.layout", "grid": ["###", "#x#"]}')
    dialogs.path = str(bad)
    w.findChild(type(w.menuBar().actions()[0]), "actionOpen").trigger()
    assert dialogs.messages and "bad.json" in dialogs.messages[-1][1]
    assert w.gridworld.doc.layout == before
    (tmp_path / "junk.json").write_text("{not json")
    assert not w.open_layout(str(tmp_path / "junk.json"))
    assert "not valid JSON" in dialogs.messages[-1][1]
    assert not w.open_layout(str(tmp_path / "missing.json"))
    assert "no such file" in dialogs.messages[-1][1]
    assert w.gridworld.doc.layout == before


def test_demos_through_walls_are_refused_with_a_message(window, dialogs, tmp_path):
    w = window
    p = tmp_path / "demos.json"
    p.write_text(json.dumps({"format": "irl-studio.demos", "version": 1, "trajectories": [
        {"cells": [[1, 1], [1, 2]], "actions": ["right"]},
        {"cells": [[1, 5], [1, 6]], "actions": ["right"]}]}))
    dialogs.path = str(p)
    n0 = len(w.gridworld.doc.demos)
    w.gridworld.demo.open_demos_dialog()
    assert len(w.gridworld.doc.demos) == n0
    title, text = dialogs.messages[-1]
    assert "trajectory 1" in text and "wall" in text


def test_demo_files_round_trip(window, dialogs, tmp_path):
    w = window
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories[:5]))
    dialogs.path = str(tmp_path / "d.json")
    w.gridworld.demo.save_demos_dialog()
    assert len(load_demos(tmp_path / "d.json")) == 5
    assert not w.gridworld.doc.is_modified(["demos"])
    set_demos(w, Demos())
    assert w.gridworld.doc.is_modified(["demos"])
    dialogs.path = str(tmp_path / "d.json")
    w.gridworld.demo.open_demos_dialog()
    assert len(w.gridworld.doc.demos) == 5


def test_layout_save_and_open(window, dialogs, tmp_path):
    w = window
    drag(w.gridworld.canvas, [(2, 2), (2, 3)])
    dialogs.path = str(tmp_path / "mine")  # the suffix is added
    assert w.gridworld.files.save_layout_dialog(True)
    saved = layout_from_dict(read_json(tmp_path / "mine.json", LayoutError))
    assert saved.grid[2, 2] == "#" and not w.isWindowModified()
    assert "mine.json" in w.windowTitle()
    assert w.open_layout("maze") and w.gridworld.doc.layout.name == builtin_layout("maze").name
    assert w.open_layout(str(tmp_path / "mine.json"))
    assert w.gridworld.doc.layout.grid[2, 3] == "#"
    assert str((tmp_path / "mine.json").resolve()) in w.recent_files()
    assert w.recentMenu.actions()


def test_every_edit_of_the_demonstrations_is_undoable_and_opening_starts_afresh(qtbot, window, dialogs):
    """Recording, deleting and generating demonstrations are undo steps like drawing; opening another layout is a
    new document (after the unsaved-work question), with a fresh undo history."""
    w = window
    g = w.gridworld
    n0 = len(g.doc.demos)
    g.demo.demoList.setCurrentRow(0)
    qtbot.mouseClick(w.findChild(type(g.learn.runButton), "deleteDemoButton"), Qt.MouseButton.LeftButton)
    assert len(g.doc.demos) == n0 - 1 and w.isWindowModified()
    g.doc.undo_stack.undo()
    assert len(g.doc.demos) == n0 and not w.isWindowModified()
    qtbot.mouseClick(w.findChild(type(g.learn.runButton), "generateDemosButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(g.doc.demos) > n0, timeout=20000)
    g.doc.undo_stack.undo()
    assert len(g.doc.demos) == n0
    drag(g.canvas, [(2, 2), (2, 3)])
    assert w.open_layout("cliff")  # the unsaved stroke: the question was answered "Discard"
    assert len(g.doc.demos) == 0 and g.doc.layout.name == builtin_layout("cliff").name
    assert g.doc.undo_stack.count() == 0 and not w.isWindowModified()


def test_session_round_trip(qtbot, window, dialogs, tmp_path):
    from irl_studio.gui import MainWindow

    w = window
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories[:4]))
    w.gridworld.learn.seedSpin.setValue(7)
    w.gridworld.learn.paramForm.set_value("l2", "0.01")
    w.gridworld.learn.run()
    wait_run(qtbot, w)
    learned = w.gridworld.doc.result.grid.copy()
    dialogs.path = str(tmp_path / "s.json")
    w.findChild(type(w.menuBar().actions()[0]), "actionSaveSession").trigger()
    assert not w.isWindowModified()
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["format"] == "irl-studio.session" and data["settings"]["seed"] == 7

    w2 = MainWindow(str(tmp_path / "s.json"))
    qtbot.addWidget(w2)
    assert w2.gridworld.doc.layout == w.gridworld.doc.layout and len(w2.gridworld.doc.demos) == 4
    assert w2.gridworld.learn.seedSpin.value() == 7 and w2.gridworld.learn.paramForm.values()["l2"] == "0.01"
    np.testing.assert_allclose(w2.gridworld.doc.result.grid, learned)
    assert np.array_equal(np.isnan(w2.gridworld.results.rewardView.values), np.isnan(learned))
    assert not w2.isWindowModified()
    w2.gridworld.watch.reoptimize()
    qtbot.waitUntil(lambda: w2.gridworld.canvas.policy_actions is not None and not w2.gridworld.tasks.tasks, timeout=20000)
    w2.close()


def test_malformed_session_shows_a_message(window, dialogs, tmp_path):
    w = window
    p = tmp_path / "s.json"
    p.write_text(json.dumps({"format": "irl-studio.session", "version": 1, "layout": {"grid": ["#"]}}))
    assert not w.open_file(str(p))
    assert dialogs.messages and "floor" in dialogs.messages[-1][1]
    p.write_text(json.dumps({"format": "irl-studio.session", "version": 1,
                             "layout": {"grid": ["###", "#.#", "###"]}, "learned": {"reward": "x"}}))
    assert not w.gridworld.files.open_session(str(p))
    assert "learned" in dialogs.messages[-1][1]


def test_export_without_a_result_says_why(window, dialogs, tmp_path):
    w = window
    w.gridworld.learn.exportRewardButton.click()
    assert dialogs.messages and "no learned reward" in dialogs.messages[-1][1]


def test_expert_demos_need_a_true_reward(window, dialogs):
    w = window
    w.gridworld.draw.clear_grid()
    w.findChild(type(w.gridworld.learn.runButton), "generateDemosButton").click()
    assert "true reward" in dialogs.messages[-1][1]


def test_window_state_is_kept_in_settings(qtbot, dialogs):
    from irl_studio.gui import MainWindow
    from irl_studio.gui.common.files import app_settings

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(700, 500)
    w.close()
    assert app_settings().value("geometry") is not None
    w2 = MainWindow()
    qtbot.addWidget(w2)
    assert abs(w2.width() - 700) <= 2
    w2.close()


def test_objectnames_and_accessible_names(window):
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QListWidget, QSpinBox

    w = window
    for name in ("mainWindow", "tabs", "gridworldTab", "gridCanvas", "recordDemoButton", "demoList",
                 "algorithmCombo", "featuresCombo", "runButton", "stopButton", "rewardView", "expertVisitationView",
                 "learnerVisitationView", "curvesView", "exportRewardButton"):
        found = w if w.objectName() == name else w.findChild(object, name)
        assert found is not None, name
        assert found.accessibleName(), name
    assert w.findChild(object, "continuousTab") is not None
    for cls in (QAbstractButton, QComboBox, QListWidget, QSpinBox):
        for widget in w.findChildren(cls):
            if widget.parent() is not None and widget.isVisibleTo(w) and widget.objectName() \
                    and not widget.objectName().startswith("qt_"):
                assert widget.accessibleName(), widget.objectName()


def test_run_app_opens_a_layout_and_survives_a_bad_one(qtbot, dialogs, monkeypatch, capsys):
    from PySide6.QtWidgets import QApplication

    from irl_studio.cli import main as cli_main
    from irl_studio.gui import main_window

    opened = []
    orig_init = main_window.MainWindow.__init__

    def init(self, spec=None):
        orig_init(self, spec)
        opened.append(self)

    monkeypatch.setattr(main_window.MainWindow, "__init__", init)
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)
    assert cli_main([]) == 0
    assert opened[-1].gridworld.doc.layout.name == "four rooms"
    assert len(opened[-1].gridworld.doc.demos) > 0  # the first minute: Run works at once
    assert cli_main(["maze"]) == 0
    assert opened[-1].gridworld.doc.layout.rows == 21
    assert cli_main(["/no/such/layout.json"]) == 0  # a message, then the default layout
    assert "no such file" in dialogs.messages[-1][1]


def test_large_grid_with_policy_arrows_draws(qtbot, window):
    import numpy as np

    from irl_studio.core.layout import Layout

    w = window
    lay = Layout.empty(64, 64)
    w.gridworld.doc.set_layout(lay, "a large grid")
    acts = np.random.default_rng(0).integers(0, 5, size=lay.shape)
    acts[lay.wall_mask] = -1
    w.gridworld.canvas.set_policy(acts, np.random.default_rng(1).random(lay.shape), ("stay", "up", "down", "left", "right"))
    img = w.gridworld.canvas.grab().toImage()
    assert img.width() > 0 and w.gridworld.canvas._overlay is not None


def test_dynamics_form_edits_the_layout_undoably(window):
    w = window
    w.gridworld.draw.slipSpin.setValue(0.2)
    w.gridworld.draw.horizonSpin.setValue(40)
    w.gridworld.draw.apply_dynamics()
    assert w.gridworld.doc.layout.slip == 0.2 and w.gridworld.doc.layout.horizon == 40 and w.gridworld.doc.mdp().slip == 0.2
    w.gridworld.doc.undo_stack.undo()
    assert w.gridworld.doc.layout.slip == 0.0 and w.gridworld.doc.layout.horizon_override is None
    assert w.gridworld.draw.slipSpin.value() == 0.0 and w.gridworld.draw.horizonSpin.value() == 0
