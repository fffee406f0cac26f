"""Run browser: open any run file, see its status, provenance and metrics, plot
any dataset against its axes, view its image sets and its energy breakdown
(bars of mW/TOPS per component at each boundary, :mod:`gui.energy_bars`).

Reads with :func:`labctl.runfile.read_summary` (works on finished, running
and killed runs: it falls back to SWMR read mode).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.energy_bars import EnergyBars
from gui.image_pairs import ImagePairView
from labctl.runfile import read_summary

STEP_AXIS = "step index"
MAX_COLUMNS = 8          # a [steps, k] dataset with k <= this is drawn as k curves


def summarise(values: np.ndarray) -> str:
    """Short text of a metric: the value, or last value and count."""
    values = np.asarray(values)
    if values.size == 1:
        return f"{values.reshape(-1)[0]:.6g}"
    if values.ndim == 1:
        return f"{values[-1]:.6g} (last of {values.size})"
    return f"array {values.shape}"


def curves_for(y: np.ndarray, x: np.ndarray | None) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, x, y) curves of one dataset: per-step scalars, a few columns, or the last row."""
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        xs = np.arange(len(y)) if x is None else np.asarray(x, float)
        return [("", xs, y)]
    if y.ndim == 2 and y.shape[1] <= MAX_COLUMNS:
        xs = np.arange(len(y)) if x is None else np.asarray(x, float)
        return [(f"[:, {k}]", xs, y[:, k]) for k in range(y.shape[1])]
    last = y[-1].reshape(-1) if len(y) else np.zeros(0)
    return [("last step", np.arange(last.size), last)]


class RunBrowser(QWidget):
    """Open a run file and look inside (see module docstring)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.summary = None
        self._build()

    def _build(self) -> None:
        open_button = QPushButton("Open run file…")
        open_button.clicked.connect(self._choose)
        self.reload_button = QPushButton("Reload")
        self.reload_button.clicked.connect(lambda: self.summary and self.open_path(self.summary.path))
        self.header = QLabel("no run open")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(open_button)
        top.addWidget(self.reload_button)
        top.addWidget(self.header, stretch=1)

        self.provenance = QTreeWidget()
        self.provenance.setHeaderLabels(["provenance", "value"])
        self.metrics = QTableWidget(0, 3)
        self.metrics.setHorizontalHeaderLabels(["metric", "value", "unit"])
        self.metrics.verticalHeader().setVisible(False)
        self.metrics.horizontalHeader().setStretchLastSection(True)
        info = QTabWidget()
        info.addTab(self.metrics, "Metrics")
        info.addTab(self.provenance, "Provenance")

        self.y_box = QComboBox()
        self.x_box = QComboBox()
        self.log_box = QCheckBox("log y")
        for w in (self.y_box, self.x_box):
            w.currentTextChanged.connect(lambda _: self.replot())
        self.log_box.toggled.connect(lambda _: self.replot())
        chooser = QHBoxLayout()
        for w in (QLabel("plot"), self.y_box, QLabel("against"), self.x_box, self.log_box):
            chooser.addWidget(w)
        chooser.addStretch()
        self.plot = pg.PlotWidget()
        self.plot.addLegend()
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        plot_box = QGroupBox("Datasets")
        col = QVBoxLayout(plot_box)
        col.addLayout(chooser)
        col.addWidget(self.plot, stretch=1)
        self.images = ImagePairView()
        right = QTabWidget()
        right.addTab(plot_box, "Plot")
        right.addTab(self.images, "Images")
        self.energy = EnergyBars()
        right.addTab(self.energy, "Energy")
        self.right = right

        split = QSplitter(Qt.Horizontal)
        split.addWidget(info)
        split.addWidget(right)
        split.setSizes([380, 700])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(split, stretch=1)

    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open run file", "runs", "HDF5 run files (*.h5 *.hdf5)")
        if path:
            self.open_path(path)

    @Slot(str)
    def open_path(self, path: str | Path) -> None:
        """Read ``path`` and fill every view; a broken file is reported in the header."""
        try:
            s = self.summary = read_summary(path)
        except Exception as exc:
            self.summary = None
            self.header.setText(f"<b>cannot read {path}</b>: {type(exc).__name__}: {exc}")
            return
        status = s.status if s.status == s.live_status or s.status != "running" else \
            f"{s.status} (live: {s.live_status})"
        error = f"<br><span style='color:#d62728'>error: {s.error}</span>" if s.error else ""
        if s.recovered:   # read_summary recovered a file left by a killed writer
            error += f"<br><i>{s.recovered}</i>"
        self.header.setText(f"<b>{s.path.name}</b>: sequence <b>{s.sequence}</b>, status <b>{status}</b>, "
                            f"{s.steps} steps, {s.start_time} → {s.end_time or '…'}{error}")
        self._fill_provenance(s)
        self._fill_metrics(s)
        self._fill_datasets(s)
        self._fill_images(s)
        self.energy.set_metrics(s.metrics)

    def _fill_provenance(self, s) -> None:
        self.provenance.clear()
        for key, value in sorted(s.provenance.items()):
            text = str(value)
            item = QTreeWidgetItem([key, text.splitlines()[0][:120] if text else ""])
            item.setToolTip(1, text[:4000])
            self.provenance.addTopLevelItem(item)

    def _fill_metrics(self, s) -> None:
        self.metrics.setRowCount(len(s.metrics))
        for r, (name, (values, unit)) in enumerate(sorted(s.metrics.items())):
            for c, text in enumerate((name, summarise(values) if np.size(values) else "–", unit)):
                self.metrics.setItem(r, c, QTableWidgetItem(text))

    def datasets(self) -> dict[str, tuple[np.ndarray, str]]:
        """Plottable datasets: numeric /entry/data and /entry/metrics (prefixed ``metrics/``)."""
        if self.summary is None:
            return {}
        out = {k: v for k, v in self.summary.data.items() if np.asarray(v[0]).dtype.kind in "iufb"}
        out.update({f"metrics/{k}": v for k, v in self.summary.metrics.items()
                    if np.asarray(v[0]).dtype.kind in "iufb"})
        return out

    def _fill_datasets(self, s) -> None:
        data = self.datasets()
        axes = [k for k, (v, _) in data.items() if np.ndim(v) == 1 and not k.startswith("metrics/")]
        for box, items in ((self.y_box, list(data)), (self.x_box, [STEP_AXIS] + axes)):
            box.blockSignals(True)
            box.clear()
            box.addItems(items)
            box.blockSignals(False)
        preferred = next((k for k in ("ber", "enob", "rmse_fs") if k in data), None)
        if preferred:
            self.y_box.setCurrentText(preferred)
        x_pref = next((k for k in ("rop_dbm", "received_power_dbm", "power_dbm") if k in axes), STEP_AXIS)
        self.x_box.setCurrentText(x_pref)
        self.replot()

    def replot(self) -> None:
        self.plot.clear()
        data = self.datasets()
        name = self.y_box.currentText()
        if name not in data:
            return
        y, unit = data[name]
        x_name = self.x_box.currentText()
        x, x_unit = data.get(x_name, (None, ""))
        if x is not None and len(x) != len(y):
            x, x_name, x_unit = None, STEP_AXIS, ""
        self.plot.setLogMode(y=self.log_box.isChecked())
        self.plot.setLabel("left", name, units=unit if unit not in ("", "1") else None)
        self.plot.setLabel("bottom", x_name, units=x_unit if x_unit not in ("", "1") else None)
        for i, (label, xs, ys) in enumerate(curves_for(y, x)):
            ok = np.isfinite(xs) & np.isfinite(ys) & ((ys > 0) if self.log_box.isChecked() else True)
            self.plot.plot(xs[ok], ys[ok], pen=pg.intColor(i, 8), symbol="o", symbolSize=5,
                           name=f"{name}{label}")

    def _fill_images(self, s) -> None:
        if {"optical", "digital"} <= set(s.images) and s.images["optical"][0] > 0:
            from labctl.runfile import open_run
            with open_run(s.path) as f:
                self.images.set_images(f["entry/images/optical"][()], f["entry/images/digital"][()])
        else:
            self.images.caption.setText("this run holds no image sets")
