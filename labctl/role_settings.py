"""The settings of every instrument role, declared once: name, unit, range, default, help.

One :class:`Setting` per quantity a role can be told to hold (the keys of a
bench file's ``settings``, of a role's ``snapshot`` and of the state dicts the
optical table reads, docs/INTERFACES.md), grouped per role in
:data:`ROLES`; :data:`MODELS` narrows them per instrument model (the driver
module name of the bench file's ``model``), in the spirit of qudi's hardware
constraints objects.  Everything that needs a range, a unit or a default reads
it here:

* the bench-file validator (:mod:`labctl.bench.model`): unknown keys, types,
  choices and ranges, refused with the key path on load;
* the in-process I/O (:func:`labctl.mvm.bench_io.initial_states`): power-on
  defaults, channel counts, resolution;
* the drivers (``drivers/*``): their pymeasure validators' ranges, their SCPI
  number format and the range check made before anything is sent;
* the GUI forms (:mod:`gui.settings_spec`): editor ranges, units and labels;
* :func:`labctl.instruments.apply`: which role method applies a bench setting.

Units are SI (W, V, A, m, Sa/s; dB for amplifier gain).  ``default`` is the
value the instrument reports at power-on: for the simulated instruments it must
equal their ``initial_state`` (``sim_backends.scpi``, which cannot import
labctl); ``tests/engine/test_settings_declarations.py`` holds the two together.
The per-model figures are the data-sheet ranges the drivers validate against
(sources in comments); they live here, not in ``drivers/``, because labctl may
not import the drivers (they import labctl) and the bench validator, the GUI and
the in-process path need them without opening an instrument.

How a value travels on the wire: SCPI drivers send ``value / wire_scale``
formatted with :attr:`Setting.scpi` (``%.<digits>g`` unless a model's command
set says otherwise, e.g. the N7776C's ``%f`` mW); :meth:`Setting.on_wire` is the
value the instrument then holds, which the in-process path stores so that both
paths leave the simulated instruments in identical states.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

from labctl.roles import check_limit


class SettingError(ValueError):
    """A setting that is unknown, of the wrong type, not a choice or outside its range."""


@dataclass(frozen=True)
class Setting:
    """One setting of a role.

    ``kind``: 'float', 'int', 'bool' or 'choice'; ``low``/``high``: inclusive
    range in ``unit`` (None: unbounded); ``per_channel``: set on every channel
    (state ``channels[ch][name]``, snapshot ``ch<n>_<name>``); ``limit``: the
    :class:`labctl.bench.SafetyLimits` field that bounds ``|value|`` further;
    ``method``: the role method that applies it (channel first if per channel);
    ``digits``: significant decimal digits on the wire; ``wire_format``: the
    model's printf format when it is not ``%.<digits>g``; ``wire_scale``: SI value
    of one unit on the wire (1e-3 for mW, 10 for a 10-division scope's V/div); ``display_unit`` /
    ``display_scale`` / ``decimals``: how a form shows it
    (``display = SI / display_scale``).
    """
    name: str
    kind: str
    unit: str
    default: Any
    help: str
    method: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    per_channel: bool = False
    limit: str | None = None
    digits: int = 6
    wire_format: str = ""
    wire_scale: float = 1.0
    label: str = ""
    display_unit: str = ""
    display_scale: float = 1.0
    decimals: int = 3

    @property
    def span(self) -> list[float]:
        """``[low, high]`` (pymeasure ``strict_range`` values)."""
        return [self.low, self.high]

    @property
    def scpi(self) -> str:
        """printf format of the number on the wire (of ``value / wire_scale``):
        ``wire_format`` if set, ``%d`` for integers, else ``%.<digits>g``
        (``%.6g`` is the same text as ``%g``)."""
        if self.wire_format:
            return self.wire_format
        return "%d" if self.kind == "int" else f"%.{self.digits}g"

    def to_wire(self, value: float) -> float:
        """The number a driver formats with :attr:`scpi`: ``value / wire_scale``."""
        return value / self.wire_scale

    def on_wire(self, value: float) -> float:
        """``value`` as the instrument holds it once received: the text
        ``scpi % to_wire(value)`` read back and times ``wire_scale`` (integers: unchanged)."""
        return self.on_wire_many((value,))[0]

    def on_wire_many(self, values) -> list:
        """:meth:`on_wire` of each of ``values`` (format and scale looked up once:
        the heater currents of a frame)."""
        if self.kind == "int":
            return [int(v) for v in values]
        fmt, scale = self.scpi, self.wire_scale
        return [float(fmt % (v / scale)) * scale for v in values]      # scpi % to_wire(v)

    def narrowed(self, **changes) -> "Setting":
        return dataclasses.replace(self, **changes)

    def describe_range(self) -> str:
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        number = "{:d}" if self.kind == "int" else "{:g}"
        span = f"{number.format(self.low)} .. {number.format(self.high)}"
        return f"{self.kind} in {span} {self.unit}".rstrip()

    def validate(self, value) -> Any:
        """``value`` cast to the setting's type; :class:`SettingError` if it does not fit."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise SettingError(f"expected true or false, got {value!r}")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise SettingError(f"expected {self.describe_range()}, got {value!r}")
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                self.kind == "int" and not float(value).is_integer()):
            raise SettingError(f"expected {'an integer' if self.kind == 'int' else 'a number'} "
                               f"({self.unit or 'no unit'}), got {value!r}")
        number = int(value) if self.kind == "int" else float(value)
        if not math.isfinite(number) or (self.low is not None and number < self.low) or (
                self.high is not None and number > self.high):
            raise SettingError(f"expected {self.describe_range()}, got {value!r}")
        return number

    def check(self, instrument: str, value, limits=None, what: str | None = None):
        """What a driver does before sending: the bench's safety limit
        (:class:`labctl.roles.SafetyLimitError`), then the range
        (:class:`SettingError`); both name the instrument and ``what`` (default:
        the setting's name) and say nothing was sent.  Returns the value cast."""
        what = what or self.name
        if self.limit is not None and limits is not None and self.kind in ("float", "int"):
            check_limit(instrument, what, float(value), getattr(limits, self.limit, None), self.unit)
        try:
            return self.validate(value)
        except SettingError as exc:
            raise SettingError(f"{instrument}: {what}: {exc}; nothing was sent") from None


@dataclass(frozen=True)
class RoleSettings:
    """The settings of one role (or one model in that role): ``role``,
    ``channels`` (1-based; empty for single-channel roles), ``bits`` (DAC/ADC
    resolution, 0 when the role has none) and the :class:`Setting` s."""
    role: str
    settings: tuple[Setting, ...]
    channels: tuple[int, ...] = ()
    bits: int = 0

    def __iter__(self) -> Iterator[Setting]:
        return iter(self.settings)

    def __contains__(self, name: str) -> bool:
        return any(s.name == name for s in self.settings)

    def __getitem__(self, name: str) -> Setting:
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(f"no setting {name!r} for role {self.role!r}; known: {self.names()}")

    def names(self) -> list[str]:
        return [s.name for s in self.settings]

    def validate(self, settings: Mapping[str, Any]) -> dict[str, Any]:
        """Bench ``settings`` checked and cast; :class:`SettingError` starting with the key.

        ``bits`` is accepted for roles with a resolution and must equal it.
        """
        out = {}
        for key, value in settings.items():
            if key == "bits" and self.bits:
                if isinstance(value, bool) or value != self.bits:
                    raise SettingError(f"bits: expected {self.bits} (the instrument's resolution), "
                                       f"got {value!r}")
                out[key] = int(value)
            elif key in self:
                try:
                    out[key] = self[key].validate(value)
                except SettingError as exc:
                    raise SettingError(f"{key}: {exc}") from None
            else:
                known = self.names() + (["bits"] if self.bits else [])
                raise SettingError(f"{key}: unknown setting for role {self.role!r}; known: {known}")
        return out

    def defaults(self) -> dict[str, Any]:
        """Power-on value of every setting."""
        return {s.name: s.default for s in self.settings}


def _role(role: str, *settings: Setting) -> RoleSettings:
    return RoleSettings(role, settings)


_WAVELENGTH = dict(kind="float", unit="m", digits=10, label="Wavelength", display_unit="nm",
                   display_scale=1e-9, decimals=3)

#: Settings of every role (role-wide ranges: what any supported model accepts).
ROLES: dict[str, RoleSettings] = {r.role: r for r in (
    _role("laser",
          Setting("wavelength", default=1550e-9, low=1240e-9, high=1650e-9, method="set_wavelength",
                  help="emission wavelength", **_WAVELENGTH),
          Setting("power", "float", "W", 1e-3, "optical output power set point", "set_power",
                  low=1e-6, high=0.020, limit="max_laser_power", label="Power",
                  display_unit="mW", display_scale=1e-3),
          Setting("output", "bool", "", False, "laser emission on", "set_output", label="Output on")),
    _role("awg",
          Setting("sample_rate", "float", "Sa/s", 1e9, "DAC sample rate", "set_sample_rate",
                  low=1e3, high=100e9, label="Sample rate", display_unit="GSa/s", display_scale=1e9),
          Setting("vpp", "float", "V", 0.5, "full-scale output amplitude, peak to peak",
                  "set_amplitude", low=0.1, high=1.0, per_channel=True,
                  limit="max_modulator_voltage", label="Amplitude", display_unit="Vpp"),
          Setting("offset", "float", "V", 0.0, "output offset", "set_offset", low=-1.0, high=1.0,
                  per_channel=True, limit="max_modulator_voltage", label="Offset", display_unit="V"),
          Setting("output", "bool", "", False, "channel output on", "set_output", per_channel=True,
                  label="Output on")),
    _role("bias",
          Setting("mode", "choice", "", "manual", "lock point of the dither loop ('manual': hold "
                  "the voltage)", "set_mode", choices=("quadrature", "peak", "null", "manual"),
                  per_channel=True, label="Lock point"),
          Setting("voltage", "float", "V", 0.0, "bias voltage in manual mode", "set_voltage",
                  low=-10.0, high=10.0, per_channel=True, limit="max_modulator_voltage",
                  label="Bias (manual)", display_unit="V")),
    _role("amplifier",
          Setting("mode", "choice", "", "gain", "constant gain or constant output power",
                  "set_mode", choices=("gain", "power"), label="Control"),
          Setting("gain", "float", "dB", 0.0, "gain set point (constant-gain mode)", "set_gain",
                  low=0.0, high=30.0, label="Gain", display_unit="dB", decimals=2),
          Setting("power", "float", "W", 1e-3, "output power set point (constant-power mode)",
                  "set_power", low=1e-4, high=0.2, limit="max_laser_power", label="Output power",
                  display_unit="mW", display_scale=1e-3),
          Setting("output", "bool", "", False, "pump on", "set_output", label="Pump on")),
    _role("heaters",
          Setting("current", "float", "A", 0.0, "heater current (current-source mode)",
                  "set_current", low=0.0, high=0.1, per_channel=True, limit="max_heater_current",
                  label="Current", display_unit="mA", display_scale=1e-3),
          Setting("voltage", "float", "V", 0.0, "heater voltage (voltage-source mode)",
                  "set_voltage", low=0.0, high=20.0, per_channel=True, limit="max_heater_voltage",
                  label="Voltage", display_unit="V")),
    _role("scope",
          Setting("sample_rate", "float", "Sa/s", 100e9, "ADC sample rate", "set_sample_rate",
                  low=1e3, high=256e9, label="Sample rate", display_unit="GSa/s",
                  display_scale=1e9),
          Setting("points", "int", "", 65536, "record length, points per channel", "set_points",
                  low=16, high=1 << 30, label="Record length", display_unit="pts", decimals=0),
          Setting("range", "float", "V", 0.5, "vertical full-scale range", "set_range",
                  low=0.008, high=5.0, per_channel=True, label="Range", display_unit="V"),
          Setting("offset", "float", "V", 0.0, "vertical offset, the voltage at mid-scale",
                  "set_offset", low=-2.5, high=2.5, per_channel=True, label="Offset",
                  display_unit="V"),
          Setting("enabled", "bool", "", True, "channel acquired", "set_enabled", per_channel=True,
                  label="Acquired")),
    _role("powermeter",
          Setting("wavelength", default=1550e-9, low=1250e-9, high=1650e-9, method="set_wavelength",
                  help="calibration wavelength of the detector", per_channel=True, **_WAVELENGTH)),
)}


def _model(role: str, channels: int = 0, bits: int = 0, wire: Mapping[str, dict] | None = None,
           **ranges) -> RoleSettings:
    """``role`` narrowed to one model: ``name=(low, high[, default])`` per setting;
    ``wire``: ``{name: {"wire_format": ..., "wire_scale": ...}}`` where the model's
    command set differs from the role's ``%.<digits>g`` in SI units."""
    base = ROLES[role]
    wire = dict(wire or {})
    settings = []
    for s in base.settings:
        if s.name in ranges:
            low, high, *default = ranges.pop(s.name)
            s = s.narrowed(low=low, high=high, default=default[0] if default else s.default)
        if s.name in wire:
            s = s.narrowed(**wire.pop(s.name))
        settings.append(s)
    if ranges or wire:
        raise KeyError(f"no setting {sorted(ranges) + sorted(wire)} for role {role!r}")
    return RoleSettings(role, tuple(settings), tuple(range(1, channels + 1)), bits)


#: Settings of every instrument model (driver module name), narrowed to its data sheet.
MODELS: dict[str, RoleSettings] = {
    # Keysight M8196A: 88-93.4 GSa/s (92 GSa/s nominal), 8 bit, 4 ch, 0.1-1.0 Vpp, offset +/-1 V
    "keysight_m8196a": _model("awg", 4, 8, sample_rate=(88e9, 93.4e9, 92e9), vpp=(0.1, 1.0),
                              offset=(-1.0, 1.0)),
    # Tektronix AWG70002B (option 225): 1.49 kSa/s-25 GSa/s, 10 bit, 2 ch, 0.25-0.5 Vpp,
    # direct output without offset
    "tektronix_awg70002b": _model("awg", 2, 10, sample_rate=(1.49e3, 25e9, 25e9),
                                  vpp=(0.25, 0.5), offset=(0.0, 0.0)),
    # Santec TSL-570: 1480-1640 nm, -15..+13 dBm; power sent in mW
    "santec_tsl570": _model("laser", wavelength=(1480e-9, 1640e-9),
                            power=(10 ** (-15 / 10) * 1e-3, 10 ** (13 / 10) * 1e-3),
                            wire={"power": dict(wire_scale=1e-3)}),
    # Keysight N7776C: 1480-1620 nm (pymeasure WL_RANGE), up to about +13 dBm (20 mW);
    # pymeasure sends "%fnm" and "%f mW"
    "keysight_n7776c": _model("laser", wavelength=(1480e-9, 1620e-9), power=(1e-6, 0.020),
                              wire={"wavelength": dict(wire_format="%f", wire_scale=1e-9),
                                    "power": dict(wire_format="%f", wire_scale=1e-3)}),
    # generic documented SCPI sets (docs/readme/drivers.md)
    "generic_mbc": _model("bias", 4),
    "generic_edfa": _model("amplifier"),
    "generic_heaters": _model("heaters", 64),
    # Keysight Infiniium UXR: 10 bit, up to 256 GSa/s, 4 ch, 8 mV-2 V full scale, +/-2 V offset
    "keysight_uxr": _model("scope", 4, 10, sample_rate=(1e3, 256e9, 128e9),
                           range=(0.008, 2.0), offset=(-2.0, 2.0)),
    # Tektronix DPO70000SX: 8 bit, 100 GSa/s (200 on 2 ch), 1-500 mV/div x 10 div, +/-2.5 V,
    # record length from 500 points
    # range sent as V/div (CH<n>:SCAle)
    "tektronix_dpo70000": _model("scope", 4, 8, sample_rate=(1e3, 200e9, 100e9),
                                 points=(500, 1 << 30), range=(0.01, 5.0), offset=(-2.5, 2.5),
                                 wire={"range": dict(wire_scale=10.0)}),
    # Keysight N7744C: 4 ports, 1250-1650 nm
    "keysight_n7744c": _model("powermeter", 4, wavelength=(1250e-9, 1650e-9)),
}


def settings_for(role: str, model: str | None = None) -> RoleSettings:
    """The settings of ``model`` if it is declared in :data:`MODELS` (and plays
    ``role``), else those of ``role`` (KeyError for an unknown role)."""
    found = MODELS.get(model or "")
    if found is not None and found.role == role:
        return found
    return ROLES[role]


__all__ = ["Setting", "RoleSettings", "SettingError", "ROLES", "MODELS", "settings_for"]
