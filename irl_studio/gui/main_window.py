"""The main window: menus, the tabs (gridworld; continuous plane), the Results dock that shows the current tab's
live views, recent files, settings, and the Save / Discard / Cancel prompt before unsaved work is closed. It
computes and edits nothing: tabs do, behind a small protocol (their actions, ``is_modified()``, ``shutdown()``)."""

from __future__ import annotations

import gc
import sys
import threading
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QStackedWidget, QTabWidget, QWidget

from irl_studio.gui.common.files import app_settings, confirm_unsaved
from irl_studio.gui.common.widgets import named
from irl_studio.gui.common.worker import pool as worker_pool
from irl_studio.gui.continuous.tab import ContinuousTab
from irl_studio.gui.gridworld.tab import GridworldTab

MAX_RECENT = 8
# Runs compute in a worker process, but short engine calls (re-optimize, expert demonstrations) run in threads of
# this process and share its GIL. PySide releases the GIL around every Qt call, so a repaint takes it back many
# times; with Python's default 5 ms switch interval a busy thread makes each take-back wait up to 5 ms. 0.5 ms keeps
# frames short at a negligible cost to the thread.
GIL_SWITCH_INTERVAL = 0.0005
_frozen = False


def freeze_startup_objects() -> None:
    """Move every object alive after start-up (torch, numpy, Qt wrappers: ~250,000) out of the garbage collector's
    sight. A full collection otherwise scans them all, 100-170 ms with the GIL held: a frozen window in the middle of
    a run. Objects made later are collected as usual. Once per process."""
    global _frozen
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


class MainWindow(QMainWindow):
    """IRL Studio's main window. ``layout_path``: a layout file, a session file or a built-in name to open."""

    def __init__(self, layout_path: str | None = None) -> None:
        super().__init__()
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_INTERVAL))
        named(self, "mainWindow", "IRL Studio")
        self._closing = False
        self.undo_group = QUndoGroup(self)
        self.tabs = named(QTabWidget(), "tabs", "Workspaces")
        self.setCentralWidget(self.tabs)
        self.results_stack = QStackedWidget()
        self.resultsDock = QDockWidget("Results", self)
        self.resultsDock.setObjectName("resultsDock")
        self.resultsDock.setAccessibleName("Results")
        self.resultsDock.setWidget(self.results_stack)
        self.resultsDock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.resultsDock)
        self.tab_list: list[QWidget] = []
        self._status_widgets: list[QWidget] = []

        self.gridworld = GridworldTab()
        self._add_tab(self.gridworld)
        self.continuous = ContinuousTab()
        self._add_tab(self.continuous)
        self._build_menus()
        self.tabs.currentChanged.connect(self._on_tab)
        self._on_tab(0)
        self.resize(1400, 900)
        self.resizeDocks([self.resultsDock], [430], Qt.Orientation.Horizontal)
        self._restore_settings()
        if layout_path:
            self.open_file(layout_path)
        self._update_title()
        freeze_startup_objects()
        threading.Thread(target=worker_pool.prewarm, daemon=True).start()  # the first Run need not wait for it

    # --- tabs ---------------------------------------------------------------------------------------------------
    def _add_tab(self, tab) -> None:
        self.tab_list.append(tab)
        self.tabs.addTab(tab, tab.title)
        self.undo_group.addStack(tab.undo_stack)
        self.results_stack.addWidget(tab.results_widget())
        tab.titleChanged.connect(self._update_title)
        tab.fileOpened.connect(self._add_recent)
        tab.messages.statusRequested.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        tab.messages.errorRequested.connect(self.error)

    def current_tab(self):
        return self.tab_list[self.tabs.currentIndex()]

    def _on_tab(self, index: int) -> None:
        if index < 0:
            return
        tab = self.tab_list[index]
        self.undo_group.setActiveStack(tab.undo_stack)
        self.results_stack.setCurrentWidget(tab.results_widget())
        for w in self._status_widgets:
            self.statusBar().removeWidget(w)
        self._status_widgets = tab.status_widgets()
        for w in self._status_widgets:
            self.statusBar().addPermanentWidget(w)
            w.show()
        self._fill_file_menu()
        self._update_title()

    # --- menus --------------------------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        mb = self.menuBar()
        self.fileMenu = mb.addMenu("&File")
        self.fileMenu.setObjectName("fileMenu")
        self.recentMenu = self.fileMenu.addMenu("Recent files")
        self.recentMenu.setObjectName("recentMenu")
        self.quitAction = QAction("Quit", self)
        self.quitAction.setObjectName("actionQuit")
        self.quitAction.setShortcut(QKeySequence.StandardKey.Quit)
        self.quitAction.triggered.connect(self.close)
        e = mb.addMenu("&Edit")
        undo = self.undo_group.createUndoAction(self, "Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        undo.setObjectName("actionUndo")
        redo = self.undo_group.createRedoAction(self, "Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        redo.setObjectName("actionRedo")
        e.addAction(undo)
        e.addAction(redo)
        self.layoutsMenu = mb.addMenu("&Layouts")
        self.layoutsMenu.setObjectName("builtinMenu")
        view = mb.addMenu("&View")
        toggle = self.resultsDock.toggleViewAction()
        toggle.setObjectName("actionShowResults")
        toggle.setText("Results")
        view.addAction(toggle)
        self._refresh_recent()

    def _fill_file_menu(self) -> None:
        tab = self.current_tab()
        self.fileMenu.clear()
        for a in tab.file_actions:
            self.fileMenu.addSeparator() if a is None else self.fileMenu.addAction(a)
        self.fileMenu.addSeparator()
        self.fileMenu.addMenu(self.recentMenu)
        self.fileMenu.addSeparator()
        self.fileMenu.addAction(self.quitAction)
        self.layoutsMenu.clear()
        for a in tab.builtin_actions:
            self.layoutsMenu.addAction(a)
        # the shortcuts of the current tab's actions work anywhere in the window
        for t in self.tab_list:
            for a in t.file_actions + t.builtin_actions:
                if a is not None:
                    self.removeAction(a)
        self.addActions([a for a in tab.file_actions if a is not None])

    # --- messages -----------------------------------------------------------------------------------------------
    def error(self, title: str, text: str) -> None:
        """A clear message for bad input: a dialog, and the status bar."""
        self.statusBar().showMessage(f"{title}: {text}", 15000)
        QMessageBox.warning(self, title, text)

    def status(self, text: str, ms: int = 8000) -> None:
        self.statusBar().showMessage(text, ms)

    def _update_title(self) -> None:
        if self._closing or not self.tab_list:
            return
        tab = self.current_tab()
        self.setWindowTitle(f"{tab.display_name()}[*] — IRL Studio")
        self.setWindowModified(tab.is_modified())

    def is_modified(self) -> bool:
        return any(t.is_modified() for t in self.tab_list)

    # --- files --------------------------------------------------------------------------------------------------
    def open_file(self, path: str) -> bool:
        """Open a file in the tab it belongs to (by its 'format'), or a built-in name; that tab comes to the front."""
        for i, tab in enumerate(self.tab_list):
            if tab.can_open(path):
                self.tabs.setCurrentIndex(i)
                return tab.open_file(path)
        self.error("Cannot open file", f"{path}: no such file or built-in layout, or not a file IRL Studio opens")
        return False

    def open_layout(self, path: str) -> bool:
        """Open a gridworld layout file (or a built-in layout name)."""
        self.tabs.setCurrentWidget(self.gridworld)
        return self.gridworld.files.open_layout(path)

    def open_plane(self, path: str) -> bool:
        """Open a plane file (or a built-in plane name) in the continuous tab."""
        self.tabs.setCurrentWidget(self.continuous)
        return self.continuous.files.open_plane(path)

    def current_plane(self) -> dict:
        """The plane as edited in the continuous tab (the ``irl-studio.plane`` format)."""
        return self.continuous.current_plane()

    def recent_files(self) -> list[str]:
        v = app_settings().value("recentFiles", [])
        if isinstance(v, str):
            v = [v]
        return [str(x) for x in (v or [])]

    def _add_recent(self, path: str) -> None:
        path = str(Path(path).resolve())
        files = [path] + [f for f in self.recent_files() if f != path]
        app_settings().setValue("recentFiles", files[:MAX_RECENT])
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        self.recentMenu.clear()
        files = self.recent_files()
        for f in files:
            a = self.recentMenu.addAction(Path(f).name)
            a.setToolTip(f)
            a.triggered.connect(lambda _c=False, p=f: self.open_file(p))
        self.recentMenu.setEnabled(bool(files))

    def _restore_settings(self) -> None:
        s = app_settings()
        geo, state = s.value("geometry"), s.value("windowState")
        if isinstance(geo, QByteArray):
            self.restoreGeometry(geo)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def _save_settings(self) -> None:
        s = app_settings()
        s.setValue("geometry", self.saveGeometry())
        s.setValue("windowState", self.saveState())
        s.sync()

    # --- closing ------------------------------------------------------------------------------------------------
    def confirm_unsaved(self, doing: str = "closing") -> bool:
        """For every tab with unsaved work, ask Save / Discard / Cancel; True to go on."""
        for i, tab in enumerate(self.tab_list):
            if tab.is_modified():
                self.tabs.setCurrentIndex(i)
                if not confirm_unsaved(self, doing, tab.save_all_dialog):
                    return False
        return True

    def closeEvent(self, event) -> None:
        if not self.confirm_unsaved("closing"):
            event.ignore()
            return
        self.shutdown()
        self._save_settings()
        event.accept()

    def shutdown(self) -> None:
        """Stop every run, background task and timer; wait for their threads."""
        self._closing = True
        for tab in self.tab_list:
            tab.shutdown()
