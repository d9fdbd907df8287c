"""A parameter form generated from a config dataclass (``knob`` fields of irl_studio.algorithms.base): one row per
field, a check box for booleans, a combo box for choices, a spin box for bounded integers, a line edit otherwise,
each with the field's help as its tooltip. The form remembers what the user typed per config type, so switching
algorithms back and forth loses nothing. Its height is fixed (rows beyond ``visible_rows`` scroll), so switching
algorithms never moves the widgets below it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QFrame, QLabel, QLineEdit, QScrollArea, QSpinBox, \
    QWidget

from irl_studio.algorithms.base import config_fields, config_from_mapping
from irl_studio.gui.common.widgets import clamped, named

INT_MAX = 2**31 - 1


class ParamForm(QScrollArea):
    """``set_config(key, type)`` shows a type's fields; ``values()`` what the form holds (strings for text fields),
    ``config()`` the config they make (raises the algorithms' error with a clear message when a value is bad)."""

    changed = Signal()

    def __init__(self, name: str = "paramForm", visible_rows: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        named(self, name, "Parameters", "The parameters of the chosen algorithm (tooltips say what each does)")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        self.form = QFormLayout(inner)
        self.form.setContentsMargins(0, 0, 4, 0)
        self.setWidget(inner)
        probe = QSpinBox()
        row_h = probe.sizeHint().height() + self.form.verticalSpacing() + 2
        self.setFixedHeight(max(1, visible_rows) * row_h + 4)
        self.widgets: dict[str, QWidget] = {}
        self._type: type | None = None
        self._key: str | None = None
        self._saved: dict[str, dict[str, Any]] = {}

    # --- building -----------------------------------------------------------------------------------------------
    def set_config(self, key: str | None, config_type: type | None) -> None:
        if self._key is not None:
            self._saved[self._key] = self.values()
        self._key, self._type = key, config_type
        while self.form.rowCount():
            self.form.removeRow(0)
        self.widgets = {}
        if config_type is None:
            return
        saved = self._saved.get(key or "", {})
        for f in config_fields(config_type):
            w = self._widget_for(f, saved.get(f.name, f.default))
            help_ = f.metadata.get("help", "")
            bounds = " ".join(f"{k} {f.metadata[k]}" for k in ("min", "max") if k in f.metadata)
            tip = f"{help_} (default {f.default!r}{'; ' + bounds if bounds else ''})"
            named(w, f"param_{f.name}", f.name.replace("_", " "), tip)
            label = QLabel(f.name.replace("_", " "))
            label.setToolTip(tip)
            self.form.addRow(label, w)
            self.widgets[f.name] = w

    def _widget_for(self, f, value: Any) -> QWidget:
        if isinstance(f.default, bool):
            w = QCheckBox()
            w.setChecked(bool(value) if not isinstance(value, str) else value.lower() in ("1", "true", "yes", "on"))
            w.toggled.connect(self.changed)
        elif "choices" in f.metadata:
            w = QComboBox()
            w.addItems([str(c) for c in f.metadata["choices"]])
            w.setCurrentText(str(value))
            w.currentTextChanged.connect(self.changed)
        elif isinstance(f.default, int):
            w = QSpinBox()
            w.setRange(int(f.metadata.get("min", -INT_MAX)), int(min(f.metadata.get("max", INT_MAX), INT_MAX)))
            w.setValue(int(clamped(w, int(value))))
            w.valueChanged.connect(self.changed)
        else:
            w = QLineEdit(",".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value))
            w.textChanged.connect(self.changed)
        return w

    # --- values -------------------------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, w in self.widgets.items():
            if isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, QComboBox):
                out[name] = w.currentText()
            elif isinstance(w, QSpinBox):
                out[name] = w.value()
            else:
                out[name] = w.text().strip()
        return out

    def set_value(self, name: str, value: Any) -> None:
        """Set one field (raises KeyError for an unknown one, TypeError/ValueError for a malformed value)."""
        w = self.widgets[name]
        if isinstance(w, QCheckBox):
            w.setChecked(value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on"))
        elif isinstance(w, QComboBox):
            w.setCurrentText(str(value))
        elif isinstance(w, QSpinBox):
            w.setValue(int(clamped(w, int(value))))
        else:
            w.setText(",".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value))

    def set_values(self, values: dict[str, Any]) -> list[str]:
        """Set the known fields; returns the names that were skipped as malformed."""
        skipped = []
        for k, v in values.items():
            if k in self.widgets:
                try:
                    self.set_value(k, v)
                except (TypeError, ValueError, OverflowError):
                    skipped.append(k)
        return skipped

    def config(self) -> Any:
        if self._type is None:
            raise ValueError("no config type")
        return config_from_mapping(self._type, self.values())
