"""Starting the app where no window can open: one line that says what to do, not Qt's abort."""

from __future__ import annotations

from irl_studio.gui import app


def test_debian_package_names_of_missing_libraries():
    out = ("\tlinux-vdso.so.1 (0x00007ffc)\n\tlibxcb-cursor.so.0 => not found\n"
           "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x1)\n\tlibxkbcommon-x11.so.0 => not found\n"
           "\tlibX11-xcb.so.1 => not found\n")
    missing = app.missing_libraries(out)
    assert missing == ["libX11-xcb.so.1", "libxcb-cursor.so.0", "libxkbcommon-x11.so.0"]
    assert [app.debian_package(m) for m in missing] == ["libx11-xcb1", "libxcb-cursor0", "libxkbcommon-x11-0"]


def test_no_display_is_one_clear_line(monkeypatch, capsys):
    monkeypatch.setattr(app.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert app.run_app() == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("irl-studio: no display") and "xvfb-run" in err and "\n" not in err


def test_missing_xcb_libraries_are_named_with_the_install_command(monkeypatch):
    monkeypatch.setattr(app.sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")

    class Done:
        stdout = "\tlibxcb-cursor.so.0 => not found\n"

    monkeypatch.setattr(app.subprocess, "run", lambda *a, **k: Done())
    monkeypatch.setattr(app.shutil, "which", lambda name: "/usr/bin/ldd")
    msg = app.display_problem()
    assert "libxcb-cursor.so.0" in msg and "apt-get install libxcb-cursor0" in msg
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert app.display_problem() is None
