"""The gridworld tab's files: layouts (the built-ins in the Layouts menu), sessions (layout + demonstrations +
settings + learned result) and the dispatch by format, on the shared :class:`~irl_studio.gui.common.tab_files.TabFiles`."""

from __future__ import annotations

from pathlib import Path

from irl_studio import IRLStudioError
from irl_studio.core.builtin import builtin_demos, builtin_layout, builtin_names
from irl_studio.core.demos import validate_demos
from irl_studio.core.layout import LayoutError, layout_from_dict, layout_to_dict, read_json, write_json
from irl_studio.core.mdp import build_mdp
from irl_studio.core.session import SESSION_FORMAT, load_session, save_session, session_to_dict
from irl_studio.gui.common.tab_files import TabFiles


class GridFiles(TabFiles):
    WORLD = "layout"
    WORLD_FORMAT = "irl-studio.layout"
    SESSION_FORMAT = SESSION_FORMAT
    DEMOS_FORMAT = "irl-studio.demos"

    @property
    def world(self):
        return self.doc.layout

    def file_format(self, path: Path) -> str | None:
        data = read_json(path, LayoutError)  # a layout file may omit its format
        return data.get("format", self.WORLD_FORMAT) if isinstance(data, dict) else None

    def can_open(self, path: str) -> bool:
        """Also a JSON file no tab can read: the gridworld tab says what is wrong with it (the first tab)."""
        p = Path(path)
        try:
            return super().can_open(path) or (p.is_file() and p.suffix.lower() == ".json" and
                                               self.file_format(p) is None)
        except IRLStudioError:
            return p.suffix.lower() == ".json"

    def builtin_names(self) -> list[str]:
        return builtin_names()

    def read_builtin(self, name: str):
        return builtin_layout(name)

    def read_world(self, path: str):
        return layout_from_dict(read_json(path, LayoutError), source=str(path))

    def write_world(self, world, path: str) -> None:
        write_json(path, layout_to_dict(world), LayoutError)

    def read_session(self, path: str):
        s = load_session(path)
        return s.layout, s.demos, s.settings, s.result

    def write_session(self, path: str) -> None:
        save_session(path, self.session_dict())

    def session_dict(self) -> dict:
        return session_to_dict(self.doc.layout, self.doc.demos, self._settings(), self.doc.result)

    def demos_misfit(self, world, demos) -> str | None:
        try:
            validate_demos(build_mdp(world), demos)
        except IRLStudioError as exc:
            return str(exc)
        return None

    def open_builtin(self, name: str, with_demos: bool = False) -> bool:
        if not with_demos:
            ok = super().open_builtin(name)
            if ok:
                self.messages.status(f"Opened the built-in layout {name!r} (its demonstrations: Built-in, under "
                                     f"Demonstrate)")
            return ok
        try:
            layout, demos = builtin_layout(name), builtin_demos(name)
        except IRLStudioError as exc:
            self.messages.error("Cannot open layout", str(exc))
            return False
        layout.extra.setdefault("builtin", name)
        return self.new_document("opening another layout", layout, demos)

    # the names the rest of the app (and its tests) use
    open_layout = TabFiles.open_world
    save_layout = TabFiles.save_world
    save_layout_dialog = TabFiles.save_world_dialog

    @property
    def layout_path(self) -> str | None:
        return self.world_path
