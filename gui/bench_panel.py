"""Bench panel: every instrument with role, model, resource, connection state and
identity; key settings editable with units and validation; safety limits shown
and enforced; instrument errors listed (never swallowed).

The panel sends requests to :class:`gui.workers.BenchWorker` through its
signals and shows what comes back; it never talks to an instrument itself.
Each editor's range, unit, default and help come from the role's declaration
(:mod:`labctl.role_settings` through :mod:`gui.settings_spec`).  Values are
checked against that range and the bench's safety limit here (so a bad value is
refused before it leaves the GUI) and again by the driver.
"""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.settings_spec import SettingSpec, specs_for

COLUMNS = ("name", "role", "model", "resource", "state", "identity", "safety limits")
STATE_COLOURS = {"connected": "#2ca02c", "disconnected": "#7f7f7f", "failed": "#d62728",
                 "error": "#ff7f0e"}


def limits_text(limits) -> str:
    """Safety limits of one instrument in SI units, e.g. ``max_laser_power 0.02 W``."""
    units = {"max_laser_power": "W", "max_modulator_voltage": "V", "max_modulator_current": "A",
             "max_heater_voltage": "V", "max_heater_current": "A"}
    values = limits.model_dump() if limits is not None else {}
    return ", ".join(f"{k} {v:g} {units.get(k, '')}" for k, v in values.items() if v is not None) or "none"


def format_value(value, unit: str) -> str:
    if isinstance(value, float):
        return f"{value:.6g} {unit}".strip()
    return f"{value} {unit}".strip()


class SettingEditor(QWidget):
    """One editor row: a typed input in display units, with an Apply button.

    Range, unit and initial value (the instrument's power-on default, until a
    snapshot reports the actual one) are those of the declared setting."""

    def __init__(self, spec: SettingSpec, limits, parent=None):
        super().__init__(parent)
        self.spec = spec
        if spec.kind == "bool":
            self.input = QCheckBox()
        elif spec.kind == "choice":
            self.input = QComboBox()
            self.input.addItems(list(spec.choices))
        elif spec.kind == "int":
            self.input = QSpinBox()
            self.input.setRange(int(spec.minimum), int(spec.display_maximum(limits)))
            self.input.setSuffix(f" {spec.unit}")
        else:
            self.input = QDoubleSpinBox()
            self.input.setDecimals(spec.decimals)
            self.input.setRange(spec.minimum, spec.display_maximum(limits))
            self.input.setSuffix(f" {spec.unit}")
            self.input.setKeyboardTracking(False)
        limit = spec.limit(limits)
        tip = f"{spec.label}: {spec.help}"
        if spec.kind in ("float", "int"):
            tip += f"; {spec.minimum:g} .. {spec.display_maximum(limits):g} {spec.unit}"
        if limit is not None:
            tip += f"  (safety limit {limit:g} {spec.si_unit} from the bench file)"
        self.input.setToolTip(tip)
        self.set_display_value(spec.default)
        self.apply_button = QPushButton("Apply")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.input, stretch=1)
        row.addWidget(self.apply_button)

    def display_value(self):
        if self.spec.kind == "bool":
            return self.input.isChecked()
        if self.spec.kind == "choice":
            return self.input.currentText()
        return self.input.value()

    def set_display_value(self, value) -> None:
        self.input.blockSignals(True)
        if self.spec.kind == "bool":
            self.input.setChecked(bool(value))
        elif self.spec.kind == "choice":
            self.input.setCurrentText(str(value))
        else:
            self.input.setValue(value)
        self.input.blockSignals(False)


class BenchPanel(QWidget):
    """Instrument table + settings editor + error log."""

    request_connect_all = Signal()
    request_disconnect_all = Signal()
    request_refresh = Signal(str)
    request_apply = Signal(str, str, object, object)   # name, key, channel, SI value

    def __init__(self, bench, parent=None):
        super().__init__(parent)
        self.bench = bench
        self.states: dict[str, str] = {name: "disconnected" for name in bench.instruments}
        self.snapshots: dict[str, dict] = {}
        self.errors: list[tuple[str, str]] = []
        self.current: str | None = None
        self.editors: dict[str, SettingEditor] = {}
        self._build()

    # -- layout
    def _build(self) -> None:
        buttons = QHBoxLayout()
        connect = QPushButton("Connect all")
        connect.clicked.connect(self.request_connect_all)
        disconnect = QPushButton("Disconnect all")
        disconnect.clicked.connect(self.request_disconnect_all)
        refresh = QPushButton("Refresh selected")
        refresh.clicked.connect(lambda: self.current and self.request_refresh.emit(self.current))
        for b in (connect, disconnect, refresh):
            buttons.addWidget(b)
        buttons.addStretch()

        self.table = QTableWidget(len(self.bench.instruments), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.rows = {}
        for r, (name, cfg) in enumerate(self.bench.instruments.items()):
            self.rows[name] = r
            for c, text in enumerate((name, cfg.role, cfg.model, cfg.resource, "disconnected", "",
                                      limits_text(cfg.limits))):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        self.editor_box = QGroupBox("Settings")
        self.editor_layout = QVBoxLayout(self.editor_box)
        self.channel_box = QSpinBox()
        self.channel_box.setPrefix("channel ")
        self.channel_box.valueChanged.connect(lambda _: self._fill_editors())
        self.form = QGridLayout()
        self.limits_label = QLabel()
        self.limits_label.setWordWrap(True)
        self.editor_layout.addWidget(self.channel_box)
        self.editor_layout.addLayout(self.form)
        self.editor_layout.addWidget(self.limits_label)
        self.snapshot_table = QTableWidget(0, 2)
        self.snapshot_table.setHorizontalHeaderLabels(["setting (read back)", "value"])
        self.snapshot_table.horizontalHeader().setStretchLastSection(True)
        self.snapshot_table.verticalHeader().setVisible(False)
        self.editor_layout.addWidget(self.snapshot_table, stretch=1)

        self.error_log = QPlainTextEdit()
        self.error_log.setReadOnly(True)
        self.error_log.setPlaceholderText("instrument errors appear here")
        self.error_log.setMaximumBlockCount(2000)

        top = QSplitter(Qt.Horizontal)
        top.addWidget(self.table)
        top.addWidget(self.editor_box)
        top.setSizes([700, 400])
        outer = QSplitter(Qt.Vertical)
        outer.addWidget(top)
        errors = QGroupBox("Instrument errors")
        QVBoxLayout(errors).addWidget(self.error_log)
        outer.addWidget(errors)
        outer.setSizes([500, 120])
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(outer)
        if self.bench.instruments:
            self.select(next(iter(self.bench.instruments)))

    def select(self, name: str) -> None:
        self.table.selectRow(self.rows[name])

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        name = self.table.item(rows[0].row(), 0).text()
        self.current = name
        self._build_editors(name)

    def _build_editors(self, name: str) -> None:
        while self.form.count():
            item = self.form.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        cfg = self.bench.instruments[name]
        self.editors = {}
        specs = specs_for(cfg.role)
        self.editor_box.setTitle(f"Settings of {name} ({cfg.role}, {cfg.model})")
        channels = self._channels(name)
        self.channel_box.setVisible(any(s.channel for s in specs))
        self.channel_box.setRange(1, max(channels) if channels else 1)
        for r, spec in enumerate(specs):
            editor = SettingEditor(spec, cfg.limits)
            editor.apply_button.clicked.connect(lambda _=False, k=spec.key: self.apply_editor(k))
            label = spec.label + (" [channel]" if spec.channel else "")
            self.form.addWidget(QLabel(label), r, 0)
            self.form.addWidget(editor, r, 1)
            self.editors[spec.key] = editor
        self.limits_label.setText(f"Safety limits (bench file, enforced): {limits_text(cfg.limits)}")
        self._fill_editors()

    def _channels(self, name: str) -> list[int]:
        snap = self.snapshots.get(name, {})
        found = sorted({int(k[2:].split("_")[0]) for k in snap if k.startswith("ch") and "_" in k
                        and k[2:].split("_")[0].isdigit()})
        return found or [1]

    def _fill_editors(self) -> None:
        name = self.current
        snap = self.snapshots.get(name, {}) if name else {}
        for key, editor in self.editors.items():
            channel = self.channel_box.value() if editor.spec.channel else None
            entry = snap.get(editor.spec.snapshot_key(channel))
            if entry is not None:
                editor.set_display_value(editor.spec.to_display(entry[0]))
        self.snapshot_table.setRowCount(len(snap))
        for r, (key, (value, unit)) in enumerate(snap.items()):
            self.snapshot_table.setItem(r, 0, QTableWidgetItem(key))
            self.snapshot_table.setItem(r, 1, QTableWidgetItem(format_value(value, unit)))

    # -- sending
    def apply_editor(self, key: str) -> bool:
        editor = self.editors[key]
        channel = self.channel_box.value() if editor.spec.channel else None
        return self.submit(self.current, key, channel, editor.display_value())

    def submit(self, name: str, key: str, channel: int | None, display_value) -> bool:
        """Validate ``display_value`` (display units) and send it in SI; False if refused here."""
        cfg = self.bench.instruments[name]
        spec = next((s for s in specs_for(cfg.role) if s.key == key), None)
        if spec is None:
            self.log_error(name, f"no editable setting {key!r}")
            return False
        if self.states.get(name) not in ("connected", "error"):
            self.log_error(name, f"not connected; {key} not sent")
            return False
        value = spec.to_si(display_value)
        try:
            spec.check(name, value, cfg.limits)
        except ValueError as exc:
            self.log_error(name, f"refused by the GUI: {exc}")
            return False
        self.request_apply.emit(name, key, channel, value)
        return True

    # -- results from the worker (GUI thread)
    def set_state(self, name: str, state: str, identity: str | None = None) -> None:
        self.states[name] = state
        r = self.rows[name]
        item = self.table.item(r, 4)
        item.setText(state)
        item.setForeground(QColor(STATE_COLOURS.get(state, "#000000")))
        if identity is not None:
            self.table.item(r, 5).setText(identity)

    @Slot(str, str)
    def on_connected(self, name: str, identity: str) -> None:
        self.set_state(name, "connected", identity)

    @Slot(str, str)
    def on_connect_failed(self, name: str, message: str) -> None:
        self.set_state(name, "failed")
        self.log_error(name, message)

    @Slot(str)
    def on_disconnected(self, name: str) -> None:
        self.set_state(name, "disconnected", "")

    @Slot(str, object)
    def on_snapshot(self, name: str, snapshot: dict) -> None:
        first = name not in self.snapshots
        self.snapshots[name] = dict(snapshot)
        if name == self.current:
            if first:
                self._build_editors(name)
            else:
                self._fill_editors()

    @Slot(str, str)
    def on_error(self, name: str, message: str) -> None:
        if name in self.states and self.states[name] == "connected":
            self.set_state(name, "error")
        self.log_error(name, message)

    def log_error(self, name: str, message: str) -> None:
        self.errors.append((name, message))
        stamp = datetime.now().strftime("%H:%M:%S")
        self.error_log.appendPlainText(f"{stamp}  {name}: {message}")
