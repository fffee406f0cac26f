"""Scope set-up of the outputs: vertical ranges, record length, averaging.

Every output (scope, channel) gets a vertical range and offset (V, the
scope's full scale and its centre); a record is one frame period plus margins
(``FrameFormat.scope_points``) or, for DC measurements, a shorter record of
``record_symbols(n)`` symbols; averaging acquisitions average ``averages``
records. Ranges come from a calibration, from :meth:`ScopeSetup.set_ranges`,
or from an autorange (labctl.mvm.autorange) that measures the brightest level
and applies :func:`ranges_above`.
"""
from __future__ import annotations

import numpy as np

#: (range, offset) (V) of an output before any range is known: 0.6 V +- 0.7 V.
DEFAULT_RANGE = (1.4, 0.6)
#: (range, offset) (V) while the brightest level is measured: -0.1 .. 1.9 V
#: covers every photodiode + TIA output of the benches (saturation at 2 mA x 300 Ohm).
PROBE_RANGE = (2.0, 0.9)
#: Autorange: full scale = AUTORANGE_HEADROOM x the brightest mean level + AUTORANGE_MARGIN_V.
AUTORANGE_HEADROOM = 1.1
AUTORANGE_MARGIN_V = 2e-3


def ranges_above(levels: dict, headroom: float, margin_v: float) -> dict:
    """{output: (range, offset)} (V) spanning about 0 .. ``headroom`` x level +
    ``margin_v``: range = headroom level + margin, offset = range / 2 - margin / 2
    (the scale starts just below 0 V, so the dark level stays on scale)."""
    out = {}
    for key, level in levels.items():
        top = headroom * level + margin_v
        out[key] = (top, top / 2 - margin_v / 2)
    return out


def output_scopes(outputs: list) -> list[str]:
    """Scopes of the outputs [(scope, ch)], in output order (acquisition order)."""
    return list(dict.fromkeys(scope for scope, _ in outputs))


class ScopeSetup:
    """Vertical ranges, record length and averaging of the output scopes of one
    bench IO (``io``), in acquisition order (``scopes``)."""

    def __init__(self, io, frame, outputs: list, scopes: list[str], averages: int,
                 ranges: dict | None = None):
        self.io, self.frame, self.outputs, self.scopes = io, frame, outputs, scopes
        #: scope records averaged per acquisition
        self.averages = int(averages)
        #: {(scope, ch): (range, offset)} (V); None: not known yet (autorange first)
        self.ranges: dict | None = ranges
        self.record: int | None = None    # symbols per DC record (None: a frame record)
        self.configured = False           # the frame record set on every scope

    def configure(self) -> None:
        """Send ranges, record length and averaging to every output scope."""
        for scope in self.scopes:
            fs = self.io.scope_info(scope)["sample_rate"]
            ranges = {ch: (self.ranges or {}).get((scope, ch), DEFAULT_RANGE)
                      for (s, ch) in self.outputs if s == scope}
            self.io.configure_scope(scope, self.points(fs), ranges)
            self.io.set_averages(scope, self.averages)

    def points(self, fs: float) -> int:
        """Record length (samples at ``fs`` Sa/s): a frame record, or the
        ``record_symbols(n)`` symbols of a DC measurement."""
        if self.record is None:
            return self.frame.scope_points(fs)
        return int(np.ceil(self.record / self.frame.symbol_rate * fs))

    def record_symbols(self, n: int | None) -> None:
        """Shorter records (``n`` symbols) for DC measurements; None restores."""
        if n != self.record:
            self.record = n
            self.configure()

    def set_ranges(self, ranges: dict | None) -> None:
        """Fix the ranges (None: autorange before the next frame)."""
        self.ranges = ranges
        if ranges is not None:
            self.configure()

    def ensure_configured(self) -> None:
        """Configure the scopes once before the first frame."""
        if not self.configured:
            self.configure()
        self.configured = True
