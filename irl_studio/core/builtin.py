"""The built-in layouts and their demonstration sets, shipped as the package ``irl_studio.assets`` (the top-level
``assets/`` folder) and read with importlib.resources."""

from __future__ import annotations

import json
from importlib import resources

from irl_studio.core.demos import Demos, DemoError, demos_from_dict
from irl_studio.core.layout import Layout, LayoutError, layout_from_dict

DEFAULT = "four-rooms"


def _folder(kind: str):
    return resources.files("irl_studio.assets").joinpath(kind)


def builtin_names() -> list[str]:
    """Names of the built-in layouts (file stems), sorted."""
    return sorted(p.name[:-5] for p in _folder("layouts").iterdir() if p.name.endswith(".json"))


def builtin_layout(name: str) -> Layout:
    res = _folder("layouts").joinpath(f"{name}.json")
    if not res.is_file():
        raise LayoutError(f"no built-in layout {name!r}; built-ins: {', '.join(builtin_names())}")
    return layout_from_dict(json.loads(res.read_text(encoding="utf-8")), source=f"built-in {name}")


def builtin_demos(name: str) -> Demos:
    res = _folder("demos").joinpath(f"{name}.json")
    if not res.is_file():
        raise DemoError(f"no built-in demonstrations for {name!r}")
    return demos_from_dict(json.loads(res.read_text(encoding="utf-8")), source=f"built-in demos {name}")


def resolve_layout(spec) -> Layout:
    """A Layout (copied), a layout file, a session file (its layout) or a built-in layout's name; a LayoutError names
    what was tried."""
    from pathlib import Path

    from irl_studio.core.layout import load_layout
    from irl_studio.core.session import is_session_file, load_session

    if isinstance(spec, Layout):
        return spec.copy()
    p = Path(spec)
    if p.exists():
        return load_session(p).layout if is_session_file(p) else load_layout(p)
    if str(spec) in builtin_names():
        return builtin_layout(str(spec))
    raise LayoutError(f"{spec}: no such file or built-in layout (built-ins: {', '.join(builtin_names())})")
