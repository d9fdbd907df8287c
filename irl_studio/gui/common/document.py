"""The base of a tab's document model: its state, its undo stack and the one answer to "is there unsaved work?".

Every edit goes through :meth:`Document.edit`, which pushes an :class:`Edit` command holding the values of the
fields it changes before and after: undo and redo swap them back and the document emits its change signals. A run's
result is not an edit (it cannot be undone) and is set with :meth:`Document.set_field`.

"Modified" is derived, never stored: the document keeps a copy of each field as last saved and compares. So an undo
back to the saved state is unmodified again, and saving the layout alone leaves unsaved demonstrations unsaved.
"""

from __future__ import annotations

from typing import Any, Iterable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack


class Edit(QUndoCommand):
    """One undo step: the values of some document fields before and after. ``applied``: the document already holds
    ``after`` (a paint stroke, applied live while the mouse moved), so the first redo only announces it."""

    def __init__(self, doc: "Document", text: str, before: dict[str, Any], after: dict[str, Any],
                 applied: bool = False) -> None:
        super().__init__(text)
        self.doc, self.before, self.after, self._skip = doc, before, after, applied

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            self.doc.changed(set(self.after))
            return
        self.doc.apply_fields(self.after)

    def undo(self) -> None:
        self.doc.apply_fields(self.before)


class Document(QObject):
    """Subclasses list their ``FIELDS``, hold them as attributes and implement :meth:`copy_field` (a copy later edits
    cannot change), :meth:`same` (value equality) and :meth:`emit_fields` (their change signals)."""

    FIELDS: tuple[str, ...] = ()
    modifiedChanged = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self._saved: dict[str, Any] = {}
        self._differs: dict[str, bool] = {}  # per field: not as saved
        self._modified = False

    # --- for subclasses -----------------------------------------------------------------------------------------
    def copy_field(self, name: str, value: Any) -> Any:
        return value

    def same(self, name: str, a: Any, b: Any) -> bool:
        return a is b

    def emit_fields(self, names: set[str]) -> None:
        """Emit the change signals of the fields ``names``."""

    # --- editing ------------------------------------------------------------------------------------------------
    def changed(self, names: set[str]) -> None:
        """Fields changed (by an edit, undo, redo or a live stroke): tell the views, then re-derive "modified" (of
        the fields that changed: the others are as they were)."""
        self.emit_fields(names)
        self._update_modified(names)

    def apply_fields(self, values: dict[str, Any]) -> None:
        for k, v in values.items():
            setattr(self, k, self.copy_field(k, v))
        self.changed(set(values))

    def edit(self, text: str, applied_before: dict[str, Any] | None = None, **after: Any) -> None:
        """An undoable change of the named fields to ``after``. ``applied_before``: the change is already applied
        (live editing); these are the values before it."""
        if applied_before is not None:
            before = {k: self.copy_field(k, v) for k, v in applied_before.items()}
            now = {k: self.copy_field(k, getattr(self, k)) for k in applied_before}
            self.undo_stack.push(Edit(self, text, before, now, applied=True))
            return
        before = {k: self.copy_field(k, getattr(self, k)) for k in after}
        self.undo_stack.push(Edit(self, text, before, {k: self.copy_field(k, v) for k, v in after.items()}))

    def set_field(self, name: str, value: Any) -> None:
        """A change that is not an edit (a run's result): no undo step."""
        setattr(self, name, value)
        self.changed({name})

    def replace(self, values: dict[str, Any], saved: bool = True) -> None:
        """Replace the whole state (opening a file) with no undo history; ``saved``: it is what is on disk."""
        self.undo_stack.clear()
        for k, v in values.items():
            setattr(self, k, self.copy_field(k, v))
        if saved:
            self._saved = {k: self.copy_field(k, getattr(self, k)) for k in self.FIELDS}
        self.changed(set(self.FIELDS) if saved else set(values))

    # --- unsaved work -------------------------------------------------------------------------------------------
    def is_modified(self, fields: Iterable[str] | None = None) -> bool:
        names = self.FIELDS if fields is None else tuple(fields)
        return any(self._differs.get(k, True) for k in names)

    def mark_saved(self, fields: Iterable[str] | None = None) -> None:
        """``fields`` (default: all) are now as saved on disk."""
        names = set(self.FIELDS if fields is None else fields)
        for k in names:
            self._saved[k] = self.copy_field(k, getattr(self, k))
        self._update_modified(names)

    def _update_modified(self, names: Iterable[str] | None = None) -> None:
        for k in (self.FIELDS if names is None else names):
            self._differs[k] = not self.same(k, getattr(self, k), self._saved.get(k))
        m = self.is_modified()
        if m != self._modified:
            self._modified = m
            self.modifiedChanged.emit(m)
