"""A careless, demanding user: odd actions and malformed files give a clear message, never a traceback or an
invalid demonstration, and the window stays usable from the keyboard and by assistive technology."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QAbstractScrollArea, QAbstractSlider, \
    QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QMessageBox, QScrollBar

from irl_studio.core.builtin import builtin_demos
from irl_studio.core.demos import Demos, validate_demos
from test_gui_support import click_cell, dialogs, drag, record_demo, set_demos, started_threads, wait_run, \
    window  # noqa: F401 (fixtures)


def test_undo_while_recording_cancels_the_demonstration(qtbot, window):
    """Undo can put a wall on the path being recorded: the recording is dropped, not finished through the wall."""
    w = window
    set_demos(w, Demos())
    w.gridworld.draw.clear_grid()
    w.gridworld.draw.tool_buttons["wall"].setChecked(True)
    drag(w.gridworld.canvas, [(2, 2), (2, 2)])
    w.gridworld.draw.tool_buttons["floor"].setChecked(True)
    drag(w.gridworld.canvas, [(2, 2), (2, 2)])
    qtbot.mouseClick(w.gridworld.demo.recordDemoButton, Qt.MouseButton.LeftButton)
    for cell in [(1, 1), (1, 2), (2, 2)]:
        click_cell(qtbot, w.gridworld.canvas, *cell)
    assert len(w.gridworld.demo.recording) == 3
    w.gridworld.doc.undo_stack.undo()  # (2, 2) is a wall again
    assert w.gridworld.doc.layout.grid[2, 2] == "#"
    assert not w.gridworld.demo.recording and "cancelled" in w.statusBar().currentMessage()
    assert w.gridworld.demo.modeLabel.text() == "Demonstrating: click a start cell"
    qtbot.keyClick(w.gridworld.canvas, Qt.Key.Key_Return)
    assert len(w.gridworld.doc.demos) == 0
    validate_demos(w.gridworld.doc.mdp(), w.gridworld.doc.demos)
    qtbot.mouseClick(w.gridworld.demo.recordDemoButton, Qt.MouseButton.LeftButton)


def test_a_demonstration_never_outgrows_the_horizon(qtbot, window, dialogs):
    w = window
    """The horizon counts steps: with T = 1 a demonstration of one move is complete; a second move is refused when the
    offer to raise the horizon is declined, and taken when it is accepted (the horizon doubles, an undo step)."""
    g = w.gridworld
    n0 = len(g.doc.demos)
    g.draw.horizonSpin.setValue(1)
    g.draw.apply_dynamics()
    record_demo(qtbot, w, [(1, 1), (2, 1), (3, 1)])  # the offer to raise the horizon is declined
    assert "horizon is 1 steps" in w.statusBar().currentMessage()
    qtbot.keyClick(g.canvas, Qt.Key.Key_Return)
    assert len(g.doc.demos) == n0 + 1 and len(g.doc.demos.trajectories[-1].actions) == 1
    dialogs.close_answer = QMessageBox.StandardButton.Yes
    record_demo(qtbot, w, [(1, 1), (2, 1), (3, 1)])
    qtbot.keyClick(g.canvas, Qt.Key.Key_Return)
    dialogs.close_answer = QMessageBox.StandardButton.Discard
    assert g.doc.layout.horizon == 2 and len(g.doc.demos.trajectories[-1].actions) == 2
    validate_demos(g.doc.mdp(), g.doc.demos.__class__(g.doc.demos.trajectories[n0:]))


def test_session_whose_learned_reward_does_not_fit_its_layout_is_refused(qtbot, window, dialogs, tmp_path):
    w = window
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories[:3]))
    w.gridworld.learn.paramForm.set_value("max_iterations", 2)
    assert w.gridworld.learn.run()
    wait_run(qtbot, w)
    good = tmp_path / "good.json"
    assert w.gridworld.files.save_session(str(good))
    data = json.loads(good.read_text())
    for drop_layout in (False, True):
        bad = dict(data, learned=dict(data["learned"], reward=[[1.0, 2.0], [3.0, None]]))
        if drop_layout:
            bad["learned"].pop("layout")
        p = tmp_path / "bad.json"
        p.write_text(json.dumps(bad))
        dialogs.messages.clear()
        assert not w.open_file(str(p))
        assert dialogs.messages and "2x2" in dialogs.messages[-1][1], dialogs.messages


@pytest.mark.parametrize("learned, settings", [
    ({"params": [1, 2]}, {}),
    ({"params": "ab"}, {}),
    ({"metrics": [1]}, {}),
    (None, {"seed": 10**20, "expert": {"n": 10**20, "beta": 10**400}}),
    (None, {"params": {"max_iterations": 10**20}}),
    (None, {"algorithm": ["maxent"], "features": {"state": 1}}),
])
def test_malformed_session_fields_are_a_message_or_skipped(window, dialogs, tmp_path, learned, settings):
    w = window
    data = {"format": "irl-studio.session", "version": 1, "layout": {"grid": ["#####", "#S.G#", "#####"]},
            "settings": settings}
    if learned is not None:
        data["learned"] = {"reward": [[None] * 5, [None, 1, 2, 3, None], [None] * 5], **learned}
    p = tmp_path / "s.json"
    p.write_text(json.dumps(data))
    if w.open_file(str(p)):  # settings out of range are clamped or skipped
        assert w.gridworld.learn.seedSpin.value() <= w.gridworld.learn.seedSpin.maximum()
    else:
        assert "learned" in dialogs.messages[-1][1]


def test_editing_during_a_run_then_the_automatic_reoptimize_is_a_note_not_a_dialog(qtbot, window, dialogs):
    w = window
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories))
    w.gridworld.learn.paramForm.set_value("max_iterations", 100000)
    w.gridworld.learn.paramForm.set_value("tol", "0")
    w.gridworld.learn.paramForm.set_value("optimizer", "gd")
    assert w.gridworld.learn.run()
    qtbot.waitUntil(lambda: w.gridworld.runs.worker is not None and w.gridworld.runs.worker.iteration >= 1, timeout=20000)
    w.gridworld.draw.rowsSpin.setValue(20)
    w.gridworld.draw.resize_grid()  # the learned reward no longer fits the grid
    w.gridworld.runs.stop()
    w.gridworld.runs.stop()  # twice: harmless
    wait_run(qtbot, w)
    assert w.gridworld.runs.last_outcome[0] == "stopped"
    assert not dialogs.messages, dialogs.messages
    assert "learn again" in w.statusBar().currentMessage()
    w.gridworld.watch.reoptimize()  # asked for: a dialog
    qtbot.waitUntil(lambda: not w.gridworld.tasks.tasks, timeout=20000)
    assert dialogs.messages and "learn again" in dialogs.messages[-1][1]


def test_a_reoptimization_overtaken_by_an_edit_says_so(qtbot, window):
    w = window
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories[:3]))
    w.gridworld.learn.paramForm.set_value("max_iterations", 2)
    assert w.gridworld.learn.run()
    wait_run(qtbot, w)
    w.gridworld.watch.reoptimize()
    drag(w.gridworld.canvas, [(2, 2), (2, 2)])  # before the re-optimization is delivered
    qtbot.waitUntil(lambda: not w.gridworld.tasks.tasks, timeout=20000)
    assert w.gridworld.canvas.policy_actions is None
    assert "changed" in w.statusBar().currentMessage()


def test_arrow_keys_outside_demonstration_mode_say_how_to_demonstrate(qtbot, window):
    w = window
    qtbot.keyClick(w.gridworld.canvas, Qt.Key.Key_Right)
    assert "Record demonstrations" in w.statusBar().currentMessage()
    assert not w.isWindowModified()


def test_delete_key_removes_the_selected_demonstrations(qtbot, window):
    w = window
    w.activateWindow()
    set_demos(w, Demos(builtin_demos("four-rooms").trajectories[:3]))
    w.gridworld.demo.demoList.setFocus()
    w.gridworld.demo.demoList.setCurrentRow(1)
    qtbot.keyClick(w.gridworld.demo.demoList, Qt.Key.Key_Delete)
    assert w.gridworld.demo.demoList.count() == 2


def test_tab_goes_from_the_seed_through_the_parameters_to_run(qtbot, window):
    w = window
    w.activateWindow()
    for name in ("maxent", "deep_maxent"):
        w.gridworld.learn.select_algorithm(name)
        chain = [w.gridworld.learn.seedSpin, *w.gridworld.learn.paramForm.widgets.values(), w.gridworld.learn.runButton]
        for a, b in zip(chain, chain[1:]):
            a.setFocus(Qt.FocusReason.TabFocusReason)
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            focus = QApplication.focusWidget()
            assert focus is b or focus.parent() is b, (name, a.objectName(), focus.objectName())


def test_every_interactive_widget_has_an_object_name_and_an_accessible_name(window):
    from irl_studio.algorithms import ALGORITHMS

    w = window
    kinds = (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit, QAbstractSlider, QAbstractItemView,
             QAbstractScrollArea)
    for name in ALGORITHMS:  # every parameter form
        w.gridworld.learn.select_algorithm(name)
        for kind in kinds:
            for widget in w.findChildren(kind):
                inner = widget.objectName().startswith("qt_")  # Qt's own parts (a spin box's line edit)
                if isinstance(widget, QScrollBar) or inner or not widget.isVisibleTo(w):
                    continue
                assert widget.objectName(), (name, type(widget).__name__, widget.accessibleName())
                assert widget.accessibleName(), (name, widget.objectName())


def test_modified_marker_follows_save_and_undo(qtbot, window, tmp_path):
    w = window
    assert not w.isWindowModified()
    drag(w.gridworld.canvas, [(2, 2), (2, 3)])
    assert w.isWindowModified()
    assert w.gridworld.files.save_layout(str(tmp_path / "layout.json"))
    assert not w.isWindowModified() and w.windowTitle().startswith("layout.json")
    w.gridworld.doc.undo_stack.undo()
    assert w.isWindowModified()
    w.gridworld.doc.undo_stack.redo()
    assert not w.isWindowModified()
    record_demo(qtbot, w, [(1, 1), (2, 1)])
    qtbot.keyClick(w.gridworld.canvas, Qt.Key.Key_Return)
    assert w.isWindowModified()
    assert w.gridworld.files.save_session(str(tmp_path / "session.json"))
    assert not w.isWindowModified()
    w.gridworld.demo.demoList.setCurrentRow(0)
    w.gridworld.demo.delete_demos()
    assert w.isWindowModified()


def test_replaying_thousands_of_demonstrations_animates_a_bounded_number(qtbot, window):
    from irl_studio.gui.gridworld.animator import MAX_AGENTS as MAX_REPLAY

    w = window
    many = builtin_demos("four-rooms").trajectories * 50
    set_demos(w, Demos(many))
    assert len(many) > MAX_REPLAY
    w.gridworld.demo.demoList.selectAll()
    w.gridworld.demo.replay_demo()
    assert len(w.gridworld.animator.paths) == MAX_REPLAY and str(MAX_REPLAY) in w.statusBar().currentMessage()
    w.gridworld.animator.stop()


def test_refused_slip_is_reset_in_the_form_and_not_asked_again(window, dialogs, tmp_path):
    w = window
    p = tmp_path / "one-action.json"
    p.write_text(json.dumps({"grid": ["#####", "#S.G#", "#####"], "actions": ["right"]}))
    assert w.open_layout(str(p))
    w.gridworld.draw.slipSpin.setValue(0.3)
    w.gridworld.draw.apply_dynamics()
    assert len(dialogs.messages) == 1 and "two actions" in dialogs.messages[0][1]
    assert w.gridworld.draw.slipSpin.value() == 0.0 and w.gridworld.doc.layout.slip == 0.0
    w.gridworld.draw.discountSpin.setValue(0.9)
    w.gridworld.draw.apply_dynamics()  # another edit of the form: applied, no second dialog about the slip
    assert len(dialogs.messages) == 1 and w.gridworld.doc.layout.discount == 0.9


def test_opening_another_layout_asks_before_replacing_unsaved_work(window, dialogs):
    """Opening a layout or a session over unsaved edits asks first; Cancel keeps everything as it was."""
    w = window
    drag(w.gridworld.canvas, [(2, 2), (2, 3)])
    before = w.gridworld.doc.layout.grid.copy()
    assert w.is_modified()
    dialogs.close_answer = QMessageBox.StandardButton.Cancel
    assert not w.gridworld.files.open_builtin("maze")
    np.testing.assert_array_equal(w.gridworld.doc.layout.grid, before)
    dialogs.close_answer = QMessageBox.StandardButton.Discard
    assert w.gridworld.files.open_builtin("maze")
    assert w.gridworld.doc.layout.shape == (21, 21)


def test_a_session_whose_demos_do_not_fit_its_layout_says_so_on_opening(window, dialogs, tmp_path):
    w = window
    data = {"format": "irl-studio.session", "version": 1,
            "layout": {"grid": ["#####", "#S.G#", "#####"]},
            "demos": {"trajectories": [{"cells": [[1, 1], [0, 1]], "actions": ["up"]}]}}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data))
    assert w.gridworld.files.open_session(str(path))
    assert len(w.gridworld.doc.demos) == 1  # kept: nothing the user had is thrown away
    assert any("do not fit" in title for title, _ in dialogs.messages)
