"""The Oscilloscope role adapter shared by the scope drivers.

A driver provides channel objects with ``full_scale`` (V), ``offset`` (V),
``enabled`` (bool) and ``download() -> labctl.roles.Trace``, and an instrument
with ``sample_rate`` (Sa/s), ``points``, ``single()``, ``wait_complete()`` and
``identity``.
"""
from __future__ import annotations

from drivers.role_adapter import InstrumentRole, checked
from labctl.roles import Oscilloscope, Trace


class ScopeRole(InstrumentRole, Oscilloscope):
    """Role adapter for the scope drivers of this package; ``settings`` (the model's
    :mod:`labctl.role_settings` declaration) bounds every set point before it is sent."""

    def set_range(self, channel: int, full_scale: float) -> None:
        self._ch(channel).full_scale = checked(self, "range", full_scale)

    def set_offset(self, channel: int, offset: float) -> None:
        self._ch(channel).offset = checked(self, "offset", offset)

    def set_enabled(self, channel: int, enabled: bool) -> None:
        self._ch(channel).enabled = bool(enabled)

    def set_averages(self, count: int) -> None:
        self.instrument.set_averages(int(count))

    def set_sample_rate(self, rate: float) -> None:
        self.instrument.sample_rate = checked(self, "sample_rate", rate)

    def sample_rate(self) -> float:
        return self.instrument.sample_rate

    def set_points(self, points: int) -> None:
        self.instrument.points = checked(self, "points", int(points))

    def single(self) -> None:
        self.instrument.single()

    def wait_complete(self, timeout: float | None = None) -> None:
        self.instrument.wait_complete(timeout)

    def download(self, channel: int) -> Trace:
        return self._ch(channel).download()

    def snapshot(self) -> dict:
        snap = {"sample_rate": (self.sample_rate(), "Sa/s"), "points": (self.instrument.points, ""),
                "bits": (self.bits, "")}
        for ch in self.channels:
            channel = self._ch(ch)
            snap[f"ch{ch}_range"] = (channel.full_scale, "V")
            snap[f"ch{ch}_offset"] = (channel.offset, "V")
            snap[f"ch{ch}_enabled"] = (channel.enabled, "")
        return snap
