"""The continuous tab's files: planes (``irl-studio.plane``; the built-ins from the Layouts menu), plane sessions
(plane + demonstrations + settings + learned reward and networks) and the dispatch by format, on the shared
:class:`~irl_studio.gui.common.tab_files.TabFiles`."""

from __future__ import annotations

from irl_studio import IRLStudioError
from irl_studio.continuous.plane import FORMAT as PLANE_FORMAT, builtin_plane, builtin_plane_names, load_plane, \
    save_plane
from irl_studio.continuous.session import FORMAT as SESSION_FORMAT, demos_fit, load_plane_session, \
    save_plane_session, session_to_dict
from irl_studio.gui.common.tab_files import TabFiles


class PlaneFiles(TabFiles):
    WORLD = "plane"
    WORLD_FORMAT = PLANE_FORMAT
    SESSION_FORMAT = SESSION_FORMAT
    DEMOS_FORMAT = "irl-studio.plane-demos"

    @property
    def world(self):
        return self.doc.plane

    def builtin_names(self) -> list[str]:
        return builtin_plane_names()

    def read_builtin(self, name: str):
        return builtin_plane(name)

    def read_world(self, path: str):
        return load_plane(path)

    def write_world(self, world, path: str) -> None:
        save_plane(world, path)

    def read_session(self, path: str):
        return load_plane_session(path)

    def write_session(self, path: str) -> None:
        save_plane_session(path, session_to_dict(self.doc.plane, self.doc.demos, self._settings(), self.doc.result))

    def demos_misfit(self, world, demos) -> str | None:
        return demos_fit(world, demos)

    def open_builtin(self, name: str, keep_demos: bool = False) -> bool:
        """A built-in plane. ``keep_demos``: the plane changes as an undoable edit, keeping the demonstrations and
        the learned reward (the shifted maze: the same task on a changed plane, for the transfer experiment)."""
        if not keep_demos:
            return super().open_builtin(name)
        if self.refuse_if_busy():
            return False
        try:
            plane = builtin_plane(name)
            plane.extra.setdefault("builtin", name)
            self.doc.set_plane(plane, f"the built-in plane {name}")
        except IRLStudioError as exc:
            self.messages.error("Cannot open plane", str(exc))
            return False
        why = demos_fit(plane, self.doc.demos)
        note = f" (the demonstrations do not fit it: {why})" if why else ""
        self.messages.status(f"The plane is now the built-in {name!r}; the learned reward stays{note}", 12000)
        return True

    open_plane = TabFiles.open_world
    save_plane = TabFiles.save_world
    save_plane_dialog = TabFiles.save_world_dialog

    @property
    def plane_path(self) -> str | None:
        return self.world_path
