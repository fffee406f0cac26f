"""Energy breakdown of a run as a bar chart: mW/TOPS per component at one
boundary (bench, system, centre; labctl.energy.BOUNDARIES), chosen in a box.

Reads the run file's ``/entry/metrics/energy/<boundary>/<component>`` metrics
(written by ``generate`` and ``energy``: sequences.energy.boundary_metrics).
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from labctl.energy import BOUNDARIES, COMPONENTS


def energy_breakdown(metrics: dict) -> dict[str, dict[str, float]]:
    """{boundary: {component: mW/TOPS}} from a run summary's metrics
    ({name: (values, unit)}; the last value of each), boundaries in
    :data:`BOUNDARIES` order, components in :data:`COMPONENTS` order; a boundary
    the run did not record is left out."""
    out = {}
    for b in BOUNDARIES:
        parts = {c: metrics.get(f"energy/{b}/{c}") for c in COMPONENTS}
        if all(p is not None and np.size(p[0]) for p in parts.values()):
            out[b] = {c: float(np.ravel(v)[-1]) for c, (v, _) in parts.items()}
    return out


class EnergyBars(QWidget):
    """Bars of mW/TOPS per component at the boundary chosen in :attr:`boundary_box`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.breakdown: dict[str, dict[str, float]] = {}
        self.boundary_box = QComboBox()
        self.boundary_box.currentTextChanged.connect(lambda _: self.redraw())
        self.total = QLabel("this run holds no energy breakdown")
        top = QHBoxLayout()
        top.addWidget(QLabel("boundary"))
        top.addWidget(self.boundary_box)
        top.addWidget(self.total, stretch=1)
        self.plot = pg.PlotWidget()
        self.plot.setLabel("left", "mW/TOPS")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.getAxis("bottom").setTicks([list(enumerate(COMPONENTS))])
        self.bars: pg.BarGraphItem | None = None
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, stretch=1)

    def set_metrics(self, metrics: dict) -> None:
        """Show the breakdown of a run summary's ``metrics``."""
        self.breakdown = energy_breakdown(metrics)
        self.boundary_box.blockSignals(True)
        self.boundary_box.clear()
        self.boundary_box.addItems(list(self.breakdown))
        self.boundary_box.blockSignals(False)
        self.redraw()

    def heights(self) -> list[float]:
        """mW/TOPS per component (:data:`COMPONENTS` order) of the chosen boundary."""
        parts = self.breakdown.get(self.boundary_box.currentText(), {})
        return [parts.get(c, 0.0) for c in COMPONENTS]

    def redraw(self) -> None:
        self.plot.clear()
        self.bars = None
        boundary = self.boundary_box.currentText()
        if boundary not in self.breakdown:
            self.total.setText("this run holds no energy breakdown")
            return
        h = self.heights()
        self.bars = pg.BarGraphItem(x=np.arange(len(h)), height=h, width=0.7, brush="#1f77b4")
        self.plot.addItem(self.bars)
        self.total.setText(f"{boundary}: {sum(h):.4g} mW/TOPS in all")
