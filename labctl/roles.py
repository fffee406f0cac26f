"""Instrument roles: one small abstract interface per kind of instrument.

Sequences, the GUI and the matrix-product backend talk to these interfaces
only; ``drivers/<model>.py`` implements them for one instrument model each, so
any AWG model can replace any other.  SI units throughout (V, A, W, m, s, Hz,
Sa/s); dB only for amplifier gain.  Channels are 1-based, as on the front panels.
The settings of each role (name, unit, range, power-on default, the method that
applies it) and each model's narrower ranges are declared in :mod:`labctl.role_settings`.

Errors raised by every role call: :class:`InstrumentError` and its subclasses
(:class:`SafetyLimitError` when a request exceeds the bench's safety limits;
nothing has then been sent to the instrument).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


# ----------------------------------------------------------------- errors
class InstrumentError(RuntimeError):
    """An instrument reported an error, or could not be talked to."""


class InstrumentTimeout(InstrumentError):
    """No (complete) reply within the configured timeout."""


class InstrumentReplyError(InstrumentError):
    """A reply that cannot be understood (garbage, wrong format)."""


class SafetyLimitError(InstrumentError, ValueError):
    """A request beyond a safety limit of the bench file; nothing was sent."""


def check_limit(instrument: str, quantity: str, value: float, limit: float | None, unit: str) -> None:
    """Raise :class:`SafetyLimitError` if ``|value| > limit`` (``limit`` None = no limit)."""
    if limit is not None and abs(value) > limit:
        raise SafetyLimitError(
            f"{instrument}: {quantity} {value:g} {unit} exceeds the safety limit {limit:g} {unit} "
            f"of the bench file; nothing was sent")


# ----------------------------------------------------------------- base
class Role(ABC):
    """Common part of every role: identity, snapshot, close."""
    role = ""

    def __init__(self, name: str, limits=None):
        self.name = name
        #: Safety limits (``labctl.bench.SafetyLimits`` or any object with its fields).
        self.limits = limits

    def limit(self, field: str) -> float | None:
        return getattr(self.limits, field, None) if self.limits is not None else None

    @abstractmethod
    def identity(self) -> str:
        """Get the instrument's ``*IDN?`` string."""

    @abstractmethod
    def snapshot(self) -> dict[str, tuple[object, str]]:
        """Get the key settings as {name: (value, unit)} for run files and displays."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class AWG(Role):
    """Arbitrary waveform generator: integer DAC codes -> analog output."""
    role = "awg"
    channels: tuple[int, ...] = ()
    bits: int = 8

    @abstractmethod
    def set_sample_rate(self, rate: float) -> None:
        """Set the sample rate (Sa/s)."""

    @abstractmethod
    def sample_rate(self) -> float:
        """Get the sample rate (Sa/s)."""

    @abstractmethod
    def upload(self, channel: int, codes: np.ndarray) -> None:
        """Set the waveform of ``channel`` to unsigned DAC codes ``0 .. 2**bits-1``."""

    @abstractmethod
    def download(self, channel: int) -> np.ndarray:
        """Get the waveform of ``channel`` back as unsigned DAC codes (uint16)."""

    @abstractmethod
    def set_amplitude(self, channel: int, vpp: float) -> None:
        """Set the full-scale output amplitude (V peak-to-peak)."""

    @abstractmethod
    def set_offset(self, channel: int, offset: float) -> None:
        """Set the output offset (V)."""

    @abstractmethod
    def set_output(self, channel: int, enabled: bool) -> None:
        """Set the channel output on or off."""

    @abstractmethod
    def run(self) -> None:
        """Start signal generation."""

    @abstractmethod
    def stop(self) -> None:
        """Stop signal generation."""

    @abstractmethod
    def trigger(self) -> None:
        """Send a trigger event."""

    @abstractmethod
    def wait_complete(self, timeout: float | None = None) -> None:
        """Wait until pending operations are complete (``*OPC?``)."""


class Laser(Role):
    """Tunable CW laser."""
    role = "laser"

    @abstractmethod
    def set_wavelength(self, wavelength: float) -> None:
        """Set the wavelength (m)."""

    @abstractmethod
    def wavelength(self) -> float:
        """Get the wavelength (m)."""

    @abstractmethod
    def set_power(self, power: float) -> None:
        """Set the optical output power (W)."""

    @abstractmethod
    def power(self) -> float:
        """Get the optical output power set point (W)."""

    @abstractmethod
    def set_output(self, enabled: bool) -> None:
        """Set the laser output on or off."""

    @abstractmethod
    def output(self) -> bool:
        """Get whether the laser output is on."""


class BiasController(Role):
    """Mach-Zehnder modulator bias controller."""
    role = "bias"
    channels: tuple[int, ...] = ()
    MODES = ("quadrature", "peak", "null", "manual")

    @abstractmethod
    def set_mode(self, channel: int, mode: str) -> None:
        """Set the lock point: 'quadrature', 'peak', 'null' or 'manual'."""

    @abstractmethod
    def mode(self, channel: int) -> str:
        """Get the lock point."""

    @abstractmethod
    def set_voltage(self, channel: int, voltage: float) -> None:
        """Set the bias voltage in manual mode (V)."""

    @abstractmethod
    def voltage(self, channel: int) -> float:
        """Get the applied bias voltage (V)."""


class OpticalAmplifier(Role):
    """Optical amplifier (EDFA), gain or output-power controlled."""
    role = "amplifier"

    @abstractmethod
    def set_mode(self, mode: str) -> None:
        """Set the control mode: 'gain' (constant gain) or 'power' (constant output power)."""

    @abstractmethod
    def set_gain(self, gain_db: float) -> None:
        """Set the gain (dB)."""

    @abstractmethod
    def set_power(self, power: float) -> None:
        """Set the output power (W)."""

    @abstractmethod
    def set_output(self, enabled: bool) -> None:
        """Set the amplifier (pump) on or off."""

    @abstractmethod
    def gain(self) -> float:
        """Get the gain set point (dB)."""

    @abstractmethod
    def power(self) -> float:
        """Get the output power set point (W)."""


class HeaterArray(Role):
    """Multi-channel heater driver for micro-ring thermal tuning."""
    role = "heaters"
    channels: tuple[int, ...] = ()

    @abstractmethod
    def set_current(self, channel: int, current: float) -> None:
        """Set the heater current of ``channel`` (A)."""

    @abstractmethod
    def set_voltage(self, channel: int, voltage: float) -> None:
        """Set the heater voltage of ``channel`` (V)."""

    @abstractmethod
    def current(self, channel: int) -> float:
        """Measure the heater current (A)."""

    @abstractmethod
    def voltage(self, channel: int) -> float:
        """Measure the heater voltage (V)."""


class PowerMeter(Role):
    """Multi-port optical power meter."""
    role = "powermeter"
    channels: tuple[int, ...] = ()

    @abstractmethod
    def set_wavelength(self, channel: int, wavelength: float) -> None:
        """Set the calibration wavelength of ``channel`` (m)."""

    @abstractmethod
    def power(self, channel: int) -> float:
        """Measure the optical power at ``channel`` (W)."""


@dataclass(frozen=True)
class Trace:
    """One downloaded scope channel: integer ADC codes plus their scaling.

    ``volts = codes * scale_factor + add_offset`` (the HDF5/CF convention);
    ``x_increment`` is the sample interval (s).
    """
    channel: int
    codes: np.ndarray          # uint16, 0 .. 2**bits - 1
    bits: int
    scale_factor: float        # V per code
    add_offset: float          # V of code 0
    x_increment: float         # s

    def volts(self) -> np.ndarray:
        """The trace in volts (float64)."""
        return self.codes.astype(np.float64) * self.scale_factor + self.add_offset


class Oscilloscope(Role):
    """Real-time sampling oscilloscope."""
    role = "scope"
    channels: tuple[int, ...] = ()
    bits: int = 8

    @abstractmethod
    def set_range(self, channel: int, full_scale: float) -> None:
        """Set the vertical full-scale range (V)."""

    @abstractmethod
    def set_offset(self, channel: int, offset: float) -> None:
        """Set the vertical offset: voltage at mid-scale (V)."""

    @abstractmethod
    def set_enabled(self, channel: int, enabled: bool) -> None:
        """Set whether ``channel`` is acquired."""

    @abstractmethod
    def set_sample_rate(self, rate: float) -> None:
        """Set the sample rate (Sa/s)."""

    @abstractmethod
    def sample_rate(self) -> float:
        """Get the sample rate (Sa/s)."""

    @abstractmethod
    def set_points(self, points: int) -> None:
        """Set the record length (points per channel); timebase = points / sample rate."""

    def set_averages(self, count: int) -> None:
        """Averaging acquisition mode: each acquisition is the point-by-point
        mean of ``count`` records (1: normal single-record acquisition)."""
        if count != 1:
            raise NotImplementedError(f"{type(self).__name__} has no averaging acquisition mode")

    @abstractmethod
    def single(self) -> None:
        """Arm and take one single-shot acquisition."""

    @abstractmethod
    def wait_complete(self, timeout: float | None = None) -> None:
        """Wait until the acquisition is complete (``*OPC?``)."""

    @abstractmethod
    def download(self, channel: int) -> Trace:
        """Get the codes of ``channel`` from the last acquisition, with their scaling."""
