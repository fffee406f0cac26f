"""A form built from a sequence's declared parameters (:class:`labctl.engine.Param`).

One row per parameter: a typed input (check box for bool, drop-down for a
scalar with choices, text otherwise: lists as comma-separated values), the
unit, and the help as tooltip.  Text is parsed and validated with the
parameter's own :meth:`Param.parse`, so the form accepts exactly what
``labctl run`` accepts; an invalid field turns red with the message.
"""
from __future__ import annotations

import typing

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from labctl.engine import ParameterError


def default_text(param) -> str:
    """The default as the text the form shows (lists comma-separated)."""
    if isinstance(param.default, (list, tuple)):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in param.default)
    if isinstance(param.default, float):
        return f"{param.default:g}"
    return str(param.default)


class ParamForm(QWidget):
    """Editable parameters of one sequence; :meth:`values` returns checked Python values."""

    def __init__(self, sequence=None, parent=None):
        super().__init__(parent)
        self.layout_ = QFormLayout(self)
        self.inputs: dict[str, QWidget] = {}
        self.sequence = None
        if sequence is not None:
            self.set_sequence(sequence)

    def set_sequence(self, sequence) -> None:
        while self.layout_.rowCount():
            self.layout_.removeRow(0)
        self.sequence = sequence
        self.inputs = {}
        for param in sequence.params:
            if param.type is bool:
                widget = QCheckBox()
                widget.setChecked(bool(param.default))
            elif param.choices and typing.get_origin(param.type) is not list:
                widget = QComboBox()
                widget.addItems([str(c) for c in param.choices])
                widget.setCurrentText(str(param.default))
            else:
                widget = QLineEdit(default_text(param))
                widget.textChanged.connect(lambda _t, p=param, w=widget: self._validate(p, w))
            tip = f"{param.help} ({param.type_name()}, default {default_text(param)} {param.unit})".strip()
            if param.choices:
                tip += f"; one of {', '.join(map(str, param.choices))}"
            widget.setToolTip(tip)
            row = QHBoxLayout()
            row.addWidget(widget, stretch=1)
            row.addWidget(QLabel(param.unit))
            self.layout_.addRow(param.name, row)
            self.inputs[param.name] = widget

    def set_text(self, name: str, text: str) -> None:
        """Type ``text`` into the field of parameter ``name`` (as a user would)."""
        widget = self.inputs[name]
        if isinstance(widget, QCheckBox):
            widget.setChecked(text.strip().lower() in ("1", "true", "yes", "on"))
        elif isinstance(widget, QComboBox):
            widget.setCurrentText(text)
        else:
            widget.setText(text)

    def _validate(self, param, widget: QLineEdit) -> bool:
        try:
            param.parse(widget.text())
        except ParameterError as exc:
            widget.setStyleSheet("background: #ffd0d0")
            widget.setToolTip(str(exc))
            return False
        widget.setStyleSheet("")
        return True

    def values(self) -> dict:
        """Parameter values; raises :class:`ParameterError` naming the first bad field."""
        out = {}
        for param in self.sequence.params:
            widget = self.inputs[param.name]
            if isinstance(widget, QCheckBox):
                out[param.name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                out[param.name] = param.parse(widget.currentText())
            else:
                out[param.name] = param.parse(widget.text())
        return out
