"""Small widget helpers shared by every panel: named widgets (a stable objectName and an accessible name for each
interactive widget), buttons, status labels whose size never depends on their text, colour swatches."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QGroupBox, QLabel, QPushButton, QScrollArea, QSizePolicy, \
    QToolButton, QVBoxLayout, QWidget


def named(w: QWidget, name: str, accessible: str, tip: str = "") -> QWidget:
    """Give ``w`` its objectName (tests and scripts find it by that), accessible name and tooltip."""
    w.setObjectName(name)
    w.setAccessibleName(accessible)
    if isinstance(w, QComboBox):
        w.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        w.setMinimumContentsLength(8)
    if tip:
        w.setToolTip(tip)
    return w


def button(text: str, name: str, tip: str, slot: Callable | None = None, checkable: bool = False,
           tool: bool = False) -> QPushButton | QToolButton:
    """A push button (or a tool button that fills its cell); ``slot`` gets ``toggled`` when checkable."""
    b: QPushButton | QToolButton
    if tool:
        b = QToolButton()
        b.setText(text)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    else:
        b = QPushButton(text)
        b.setMinimumWidth(b.fontMetrics().horizontalAdvance(text) + 22)  # not the style's 80 px: panels stay narrow
    named(b, name, text, tip)
    b.setCheckable(checkable)
    if slot is not None:
        (b.toggled if checkable else b.clicked).connect(slot)
    return b


def status_label(name: str, accessible: str, text: str = "", lines: int = 1) -> QLabel:
    """A label whose text changes often (status, metrics): its size is fixed by ``lines``, never by the text, so
    nothing around it is laid out again when it changes (a person clicks where things were)."""
    lab = named(QLabel(text), name, accessible)
    lab.setWordWrap(lines > 1)
    lab.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    lab.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    lab.setFixedHeight(lab.fontMetrics().lineSpacing() * lines + 4)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return lab


def group(title: str, name: str) -> tuple[QGroupBox, QVBoxLayout]:
    box = QGroupBox(title)
    box.setObjectName(name)
    return box, QVBoxLayout(box)


def side_panel(groups: list[QWidget], name: str, accessible: str) -> QScrollArea:
    """A vertically scrolling column of group boxes, never narrower than its contents."""
    inner = QWidget()
    lay = QVBoxLayout(inner)
    lay.setContentsMargins(2, 2, 2, 2)
    for g in groups:
        lay.addWidget(g)
    lay.addStretch(1)
    scroll = named(QScrollArea(), name, accessible)
    scroll.setWidgetResizable(True)
    scroll.setWidget(inner)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(inner.minimumSizeHint().width() + 24)
    return scroll


def swatch(rgb) -> QIcon:
    pm = QPixmap(14, 14)
    pm.fill(QColor(*rgb) if isinstance(rgb, (tuple, list)) else QColor(rgb))
    return QIcon(pm)


def compact_spin(spin: QAbstractSpinBox, chars: int = 6) -> QAbstractSpinBox:
    """A spin box as wide as ``chars`` digits need, whatever its range (a seed box need not fit 2**31 - 1)."""
    spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance("0" * chars) + 40)
    return spin


def clamped(spin: QAbstractSpinBox, value: float) -> float:
    """``value`` within the spin box's range (a huge number from a file would overflow Qt's int)."""
    return max(spin.minimum(), min(spin.maximum(), value))


def set_quietly(widget: QWidget, setter: Callable[[], None]) -> None:
    """Change a widget without emitting its signals (the model already holds the value)."""
    widget.blockSignals(True)
    try:
        setter()
    finally:
        widget.blockSignals(False)
