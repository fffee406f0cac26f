"""Live plots of a run, fed by the engine's documents (start/step/stop).

Which plot shows what is decided from the declared streams, by name and unit,
so any sequence that uses these names gets the plots:

- **BER vs received power**: data stream ``ber`` against the first of
  ``rop_dbm``/``received_power_dbm``/``power_dbm``; ``ber_theory`` drawn as a
  line; one curve per ``pam_order`` when declared; when a ``sweep`` stream is
  declared only rows of sweep 0 (the power sweep) are used.
- **Effective bits vs power**: stream ``enob`` (data or metrics) against the same
  power axis (or the step index when there is none).
- **Energy breakdown**: every stream in ``mW/TOPS`` except the totals
  (``*mw_per_tops`` with no component name), latest value, as bars.
- **Images**: ``images/optical`` beside ``images/digital`` with PSNR.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QTabWidget

from gui.image_pairs import ImagePairView

POWER_AXES = ("rop_dbm", "received_power_dbm", "power_dbm")
TOTAL_ENERGY = ("energy_mw_per_tops", "mw_per_tops", "total_mw_per_tops")
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")


class RunRecord:
    """The rows of one run received so far: data streams per step, metrics as reported."""

    def __init__(self, start: dict):
        self.streams: dict[str, dict] = start["streams"]
        self.data: dict[str, list] = {n: [] for n, d in self.streams.items() if d["group"] == "data"}
        self.metrics: dict[str, list] = {n: [] for n, d in self.streams.items() if d["group"] == "metrics"}
        self.images: dict[str, list] = {"optical": [], "digital": []}
        self.steps = 0

    def add(self, doc: dict) -> None:
        for name, rows in self.data.items():
            value = doc["data"].get(name)
            rows.append(np.asarray(value[0], float) if value is not None
                        else np.full(self.streams[name]["shape"], np.nan))
        for name, (value, _) in doc["metrics"].items():
            self.metrics.setdefault(name, []).append(np.asarray(value, float))
        for name, (value, _) in doc["images"].items():
            arr = np.asarray(value, np.uint8)
            self.images.setdefault(name, []).extend(arr[None] if arr.ndim == 2 else arr)
        self.steps += 1

    def column(self, name: str) -> np.ndarray | None:
        """Per-step values of data stream ``name`` (or all reported values of a metric)."""
        rows = self.data.get(name) or self.metrics.get(name)
        return np.asarray(rows, float) if rows else None

    def power_axis(self) -> str | None:
        return next((n for n in POWER_AXES if n in self.data), None)

    def energy_components(self) -> dict[str, float]:
        out = {}
        for name, desc in self.streams.items():
            if desc["unit"] == "mW/TOPS" and name not in TOTAL_ENERGY and desc["shape"] == ():
                col = self.column(name)
                if col is not None and np.isfinite(col).any():
                    out[name] = float(col[np.isfinite(col)][-1])
        return out


def ber_curves(record: RunRecord) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray | None]]:
    """(label, power, measured BER, theory BER or None) per PAM order, sweep 0 only."""
    axis = record.power_axis()
    ber = record.column("ber")
    if axis is None or ber is None:
        return []
    x = record.column(axis)
    keep = np.ones(len(ber), bool)
    sweep = record.column("sweep")
    if sweep is not None:
        keep &= sweep == 0
    theory = record.column("ber_theory")
    orders = record.column("pam_order")
    groups = sorted(set(orders[keep].astype(int))) if orders is not None else [None]
    curves = []
    for order in groups:
        sel = keep & (orders == order) if order is not None else keep
        label = f"PAM{order}" if order is not None else "BER"
        curves.append((label, x[sel], ber[sel], theory[sel] if theory is not None else None))
    return curves


class LivePlots(QTabWidget):
    """Tabs of live plots; feed it every engine document with :meth:`on_document`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.record: RunRecord | None = None
        self.ber_plot = pg.PlotWidget(title="BER vs received optical power")
        self.ber_plot.setLogMode(y=True)
        self.ber_plot.setLabel("bottom", "received optical power", units="dBm")
        self.ber_plot.setLabel("left", "BER")
        self.ber_plot.getAxis("left").enableAutoSIPrefix(False)
        self.ber_plot.addLegend()
        self.enob_plot = pg.PlotWidget(title="Effective bits vs power")
        self.enob_plot.setLabel("left", "ENOB", units="bit")
        self.energy_plot = pg.PlotWidget(title="Energy breakdown")
        self.energy_plot.setLabel("left", "energy", units="mW/TOPS")
        self.images = ImagePairView()
        self.addTab(self.ber_plot, "BER")
        self.addTab(self.enob_plot, "ENOB")
        self.addTab(self.energy_plot, "Energy")
        self.addTab(self.images, "Images")

    def on_document(self, doc: dict) -> None:
        if doc["kind"] == "start":
            self.record = RunRecord(doc)
            for plot in (self.ber_plot, self.enob_plot, self.energy_plot):
                plot.clear()
            self.ber_plot.addLegend()
        elif doc["kind"] == "step" and self.record is not None:
            self.record.add(doc)
            self.redraw(doc)

    def redraw(self, doc: dict | None = None) -> None:
        record = self.record
        if doc is None or doc["data"].keys() & {"ber", "ber_theory"}:
            self._draw_ber(record)
        if record.column("enob") is not None:
            self._draw_enob(record)
        if record.energy_components():
            self._draw_energy(record)
        if record.images.get("optical") and record.images.get("digital"):
            self.images.set_images(np.asarray(record.images["optical"]), np.asarray(record.images["digital"]))

    def _draw_ber(self, record: RunRecord) -> None:
        self.ber_plot.clear()
        for i, (label, x, ber, theory) in enumerate(ber_curves(record)):
            colour = COLOURS[i % len(COLOURS)]
            ok = ber > 0                        # log axis: BER = 0 (no error) cannot be drawn
            self.ber_plot.plot(x[ok], ber[ok], pen=None, symbol="o", symbolBrush=colour,
                               name=f"{label} measured")
            if theory is not None:
                order = np.argsort(x)
                good = theory[order] > 0
                self.ber_plot.plot(x[order][good], theory[order][good], pen=pg.mkPen(colour, width=2),
                                   name=f"{label} theory (AWGN)")

    def _draw_enob(self, record: RunRecord) -> None:
        enob = record.column("enob")
        axis = record.power_axis()
        x = record.column(axis) if axis and len(record.column(axis)) == len(enob) else np.arange(len(enob))
        self.enob_plot.setLabel("bottom", axis or "step", units="dBm" if axis else "")
        self.enob_plot.clear()
        self.enob_plot.plot(x, enob, pen=pg.mkPen(COLOURS[0], width=2), symbol="o")

    def _draw_energy(self, record: RunRecord) -> None:
        parts = record.energy_components()
        self.energy_plot.clear()
        bars = pg.BarGraphItem(x=np.arange(len(parts)), height=list(parts.values()), width=0.6,
                               brush=COLOURS[0])
        self.energy_plot.addItem(bars)
        self.energy_plot.getAxis("bottom").setTicks([list(enumerate(parts))])
