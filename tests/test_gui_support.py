"""Shared fixtures and helpers of the GUI tests (no tests here; imported by the other tests/test_gui_*.py):
settings in a temporary folder, dialogs replaced by recorders, and a window whose teardown checks that no worker
thread or timer is left running."""

from __future__ import annotations

import shiboken6
import pytest
from PySide6.QtCore import QPointF, QSettings, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from irl_studio.gui.common import worker as workers

# a demonstration of the built-in four rooms, from the start cell to the goal
FOUR_ROOMS_PATH = [(1, 1), (2, 1), (3, 1), (3, 2), (3, 3), (3, 4), (3, 5), (3, 6), (3, 7), (3, 8), (3, 9), (4, 9),
                   (5, 9), (6, 9), (7, 9), (8, 9), (9, 9), (10, 9), (10, 10), (10, 11), (11, 11)]


@pytest.fixture
def dialogs(qapp, tmp_path, monkeypatch):
    """Settings under tmp_path; message boxes recorded instead of shown; file dialogs answer ``dialogs.path``."""
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))

    class Recorder:
        messages: list[tuple[str, str]] = []
        path = ""
        close_answer = QMessageBox.StandardButton.Discard

    rec = Recorder()
    rec.messages = []

    def warning(parent, title, text, *a, **k):
        rec.messages.append((title, text))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: rec.close_answer))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (rec.path, "")))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (rec.path, "")))
    return rec


@pytest.fixture
def started_threads(monkeypatch):
    """Every RunWorker and TaskThread started during the test."""
    started = []
    for cls in (workers.RunWorker, workers.TaskThread):
        orig = cls.start

        def start(self, *a, _orig=orig, **k):
            started.append(self)
            return _orig(self, *a, **k)

        monkeypatch.setattr(cls, "start", start)
    return started


@pytest.fixture
def window(qtbot, dialogs, started_threads):
    from irl_studio.gui import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    QApplication.processEvents()
    g = w.gridworld
    assert g.runs.worker is None and not g.tasks.tasks, "a worker or task is still attached to the window"
    for t in started_threads:
        if shiboken6.isValid(t):
            assert t.wait(5000) and t.isFinished(), "a worker thread is still running"
    for timer in w.findChildren(QTimer):
        if timer.objectName():
            assert not timer.isActive(), f"timer {timer.objectName()} still running"


def click_cell(qtbot, canvas, row: int, col: int, button=Qt.MouseButton.LeftButton) -> None:
    qtbot.mouseClick(canvas.viewport(), button, pos=canvas.cell_center(row, col))


def drag(canvas, cells: list[tuple[int, int]]) -> None:
    """Press on the first cell, move over the others with the button held, release on the last."""
    vp = canvas.viewport()

    def send(kind, cell, buttons):
        p = QPointF(canvas.cell_center(*cell))
        button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
        ev = QMouseEvent(kind, p, vp.mapToGlobal(p), button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(vp, ev)

    send(QEvent.Type.MouseButtonPress, cells[0], Qt.MouseButton.LeftButton)
    for c in cells[1:]:
        send(QEvent.Type.MouseMove, c, Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseButtonRelease, cells[-1], Qt.MouseButton.NoButton)


def record_demo(qtbot, w, path=FOUR_ROOMS_PATH) -> None:
    g = w.gridworld
    if not g.demo.recordDemoButton.isChecked():
        qtbot.mouseClick(g.demo.recordDemoButton, Qt.MouseButton.LeftButton)
    for r, c in path:
        click_cell(qtbot, g.canvas, r, c)


def set_demos(w, demos) -> None:
    """Replace the demonstrations (one undo step, as a user's edits are)."""
    w.gridworld.doc.edit("set demonstrations", demos=demos)


def wait_run(qtbot, w, timeout: int = 30000) -> None:
    g = w.gridworld
    qtbot.waitUntil(lambda: g.runs.worker is None and g.learn.runButton.isEnabled(), timeout=timeout)
    qtbot.waitUntil(lambda: not g.tasks.tasks, timeout=timeout)
