"""Start the desktop app: ``run_app(spec)`` opens the main window on a layout file, a session file or a built-in
layout name (default: the built-in four rooms) and runs the event loop."""

from __future__ import annotations

import os
import sys


def run_app(spec: str | None = None) -> int:
    """Run IRL Studio; returns the exit status of the event loop."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from PySide6.QtWidgets import QApplication

    from irl_studio.gui import check_qt_binding

    check_qt_binding()

    from irl_studio.gui.main_window import APPLICATION, ORGANIZATION, MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("IRL Studio")
    window = MainWindow(spec)
    window.show()
    status = int(app.exec())
    window.shutdown()
    window.deleteLater()
    app.processEvents()
    del window
    return status
