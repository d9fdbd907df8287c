"""Start the desktop app: ``run_app(spec)`` opens the main window on a layout file, a session file or a built-in
layout name (default: the built-in four rooms with its demonstrations) and runs the event loop.

When the window cannot open (no display, or Qt's xcb platform plugin missing system libraries such as
libxcb-cursor0 on a bare Linux), it says so in one line with what to install, instead of Qt's abort text."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package of a shared library: libxcb-cursor.so.0 -> libxcb-cursor0,
    libxkbcommon-x11.so.0 -> libxkbcommon-x11-0 (the distribution's naming rule)."""
    m = re.match(r"^(lib[\w+.-]*?)\.so\.(\d+)", soname)
    if not m:
        return soname
    name, version = m.groups()
    name = name.lower()
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def missing_libraries(ldd_output: str) -> list[str]:
    return sorted(set(_NOT_FOUND.findall(ldd_output)))


def _platform() -> str:
    explicit = os.environ.get("QT_QPA_PLATFORM", "").split(":")[0].strip()
    if explicit:
        return explicit
    if os.environ.get("WAYLAND_DISPLAY") and os.environ.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"
    return "xcb"


def display_problem() -> str | None:
    """Why the window cannot open here, in one line with the remedy, or None (also when it cannot tell)."""
    if not sys.platform.startswith("linux") or _platform() != "xcb":
        return None
    if not os.environ.get("DISPLAY"):
        return ("no display to open the window on (DISPLAY is not set): start it from a desktop session, under a "
                "virtual screen (xvfb-run irl-studio), or use the command line (irl-studio learn|demos|evaluate)")
    try:
        import PySide6

        plugin = Path(PySide6.__file__).parent / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        ldd = shutil.which("ldd")
        if not plugin.exists() or ldd is None:
            return None
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError, ImportError):
        return None
    missing = missing_libraries(out)
    if not missing:
        return None
    packages = " ".join(debian_package(m) for m in missing)
    return (f"the window cannot open: Qt's xcb platform plugin needs {', '.join(missing)}; install it "
            f"(Debian/Ubuntu: sudo apt-get install {packages})")


def run_app(spec: str | None = None) -> int:
    """Run IRL Studio; returns the exit status of the event loop (2 when the window cannot open)."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    problem = display_problem()
    if problem:
        print(f"irl-studio: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from irl_studio.gui import check_qt_binding

    check_qt_binding()

    from irl_studio.gui.common.files import APPLICATION, ORGANIZATION
    from irl_studio.gui.main_window import MainWindow

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
