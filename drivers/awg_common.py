"""What the AWG drivers share: code checks and conversions, and the AWG role adapter.

Codes are unsigned integers ``0 .. 2**bits - 1`` (docs/INTERFACES.md); each
driver converts them to its instrument's wire format.
"""
from __future__ import annotations

import numpy as np

from drivers.role_adapter import InstrumentRole, checked
from labctl.roles import AWG


def check_codes(codes, bits: int, min_length: int = 1, max_length: int = 1 << 31,
                granularity: int = 1) -> np.ndarray:
    """Return ``codes`` as uint16 after checking dtype, range and length (ValueError otherwise).

    Nothing is sent to an instrument before this check passes.
    """
    array = np.asarray(codes)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"codes must be a 1-D integer array, got {array.dtype} of shape {array.shape}")
    if array.size and (array.min() < 0 or array.max() > 2**bits - 1):
        raise ValueError(f"codes must lie in 0..{2**bits - 1} for a {bits}-bit DAC, "
                         f"got {array.min()}..{array.max()}")
    if not min_length <= array.size <= max_length or array.size % granularity:
        raise ValueError(f"waveform length {array.size} not allowed: {min_length}..{max_length} "
                         f"samples in steps of {granularity}")
    return array.astype(np.uint16, copy=False)


def codes_to_unit_float(codes: np.ndarray, bits: int) -> np.ndarray:
    """Codes -> normalised samples f = (2 c - (2**bits - 1)) / (2**bits - 1) in [-1, 1] (float32 LE)."""
    full = 2**bits - 1
    return ((2.0 * codes.astype(np.float64) - full) / full).astype("<f4")


def unit_float_to_codes(samples: np.ndarray, bits: int) -> np.ndarray:
    """Inverse of :func:`codes_to_unit_float`: c = round((f + 1) (2**bits - 1) / 2)."""
    full = 2**bits - 1
    return np.clip(np.rint((samples.astype(np.float64) + 1.0) * full / 2), 0, full).astype(np.uint16)


class AWGRole(InstrumentRole, AWG):
    """Role adapter shared by the AWG drivers: channel objects with ``upload``,
    ``download``, ``amplitude``, ``offset``, ``output_enabled``; the instrument with
    ``sample_rate``, ``run``, ``stop``, ``trigger``, ``wait_complete``, ``identity``.

    ``limits.max_modulator_voltage`` bounds the amplitude (Vpp) and |offset| (V);
    ``settings`` (the model's :mod:`labctl.role_settings` declaration) their ranges.
    """

    def set_sample_rate(self, rate: float) -> None:
        self.instrument.sample_rate = checked(self, "sample_rate", rate)

    def sample_rate(self) -> float:
        return self.instrument.sample_rate

    def upload(self, channel: int, codes) -> None:
        self._ch(channel).upload(codes)

    def download(self, channel: int) -> np.ndarray:
        return self._ch(channel).download()

    def set_amplitude(self, channel: int, vpp: float) -> None:
        vpp = checked(self, "vpp", vpp, "amplitude")
        self._ch(channel).amplitude = vpp

    def set_offset(self, channel: int, offset: float) -> None:
        offset = checked(self, "offset", offset)
        self._ch(channel).offset = offset

    def set_output(self, channel: int, enabled: bool) -> None:
        self._ch(channel).output_enabled = bool(enabled)

    def run(self) -> None:
        self.instrument.run()

    def stop(self) -> None:
        self.instrument.stop()

    def trigger(self) -> None:
        self.instrument.trigger()

    def wait_complete(self, timeout: float | None = None) -> None:
        self.instrument.wait_complete(timeout)

    def snapshot(self) -> dict:
        snap = {"sample_rate": (self.sample_rate(), "Sa/s"), "bits": (self.bits, "")}
        for ch in self.channels:
            channel = self._ch(ch)
            snap[f"ch{ch}_vpp"] = (channel.amplitude, "V")
            snap[f"ch{ch}_offset"] = (getattr(channel, "offset", 0.0), "V")
            snap[f"ch{ch}_output"] = (channel.output_enabled, "")
        return snap
