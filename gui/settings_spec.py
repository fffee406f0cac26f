"""Which settings of each role the bench panel edits, in which display units.

Values travel in SI (V, A, W, m, Sa/s; dB for gain) between the panel and the
drivers; a :class:`SettingSpec` converts to the display unit with
``display = SI / scale`` (e.g. power shown in mW: scale 1e-3).  The bounds are
the range a user may type; the bench file's safety limit (``limit_field`` of
:class:`labctl.bench.model.SafetyLimits`) caps the maximum further and is
checked again by the driver layer before anything is sent.
Instrument ranges are typical datasheet spans (sources in comments).
"""
from __future__ import annotations

from dataclasses import dataclass

from labctl.roles import SafetyLimitError, check_limit


@dataclass(frozen=True)
class SettingSpec:
    key: str                       # setting key (same as bench file / role snapshot)
    label: str
    kind: str = "float"            # float | int | bool | choice
    unit: str = ""                 # display unit
    scale: float = 1.0             # SI value of one display unit
    minimum: float = 0.0           # display units
    maximum: float = 1.0           # display units
    decimals: int = 3
    channel: bool = False          # per-channel setting (snapshot key "ch<n>_<key>")
    limit_field: str | None = None
    choices: tuple[str, ...] = ()

    def to_si(self, display):
        if self.kind == "float":
            return float(display) * self.scale
        if self.kind == "int":
            return int(display)
        return display

    def to_display(self, si):
        if self.kind == "float":
            return float(si) / self.scale
        return si

    def snapshot_key(self, channel: int | None) -> str:
        return f"ch{channel}_{self.key}" if self.channel else self.key

    def limit(self, limits) -> float | None:
        """The safety limit in SI units, or None."""
        if self.limit_field is None or limits is None:
            return None
        return getattr(limits, self.limit_field, None)

    def display_maximum(self, limits) -> float:
        """Upper bound of the editor: instrument range capped by the safety limit."""
        limit = self.limit(limits)
        return self.maximum if limit is None else min(self.maximum, limit / self.scale)

    def check(self, instrument: str, si_value, limits) -> None:
        """Raise :class:`SafetyLimitError` if ``si_value`` is beyond the safety limit or range."""
        if self.kind not in ("float", "int"):
            return
        check_limit(instrument, self.key, float(si_value), self.limit(limits), _si_unit(self))
        low, high = self.minimum * self.scale, self.maximum * self.scale
        if not low <= float(si_value) <= high:
            raise SafetyLimitError(f"{instrument}: {self.key} {float(si_value):g} outside "
                                   f"{low:g} .. {high:g} {_si_unit(self)}")


def _si_unit(spec: SettingSpec) -> str:
    return {"mW": "W", "nm": "m", "GSa/s": "Sa/s", "mA": "A"}.get(spec.unit, spec.unit)


# C-band tunable lasers (Santec TSL-570: 1480-1640 nm; Keysight N7776C: 1240-1380/1480-1620 nm).
_WAVELENGTH = dict(kind="float", unit="nm", scale=1e-9, minimum=1240.0, maximum=1650.0, decimals=3)

SPECS: dict[str, list[SettingSpec]] = {
    "laser": [
        SettingSpec("wavelength", "Wavelength", **_WAVELENGTH),
        SettingSpec("power", "Power", unit="mW", scale=1e-3, minimum=0.0, maximum=20.0,
                    limit_field="max_laser_power"),
        SettingSpec("output", "Output on", kind="bool"),
    ],
    "awg": [   # M8196A: 88-93.4 GSa/s; AWG70002B: up to 25 GSa/s; amplitudes up to 1 Vpp
        SettingSpec("sample_rate", "Sample rate", unit="GSa/s", scale=1e9, minimum=1.0, maximum=100.0),
        SettingSpec("vpp", "Amplitude", unit="Vpp", minimum=0.0, maximum=1.0, channel=True,
                    limit_field="max_modulator_voltage"),
        SettingSpec("offset", "Offset", unit="V", minimum=-1.0, maximum=1.0, channel=True),
        SettingSpec("output", "Output on", kind="bool", channel=True),
    ],
    "bias": [
        SettingSpec("mode", "Lock point", kind="choice", channel=True,
                    choices=("quadrature", "peak", "null", "manual")),
        SettingSpec("voltage", "Bias (manual)", unit="V", minimum=-20.0, maximum=20.0, channel=True,
                    limit_field="max_modulator_voltage"),
    ],
    "amplifier": [
        SettingSpec("mode", "Control", kind="choice", choices=("gain", "power")),
        SettingSpec("gain", "Gain", unit="dB", minimum=0.0, maximum=40.0, decimals=2),
        SettingSpec("power", "Output power", unit="mW", scale=1e-3, minimum=0.0, maximum=200.0,
                    limit_field="max_laser_power"),
        SettingSpec("output", "Pump on", kind="bool"),
    ],
    "heaters": [
        SettingSpec("current", "Current", unit="mA", scale=1e-3, minimum=0.0, maximum=100.0,
                    channel=True, limit_field="max_heater_current"),
    ],
    "scope": [   # UXR: up to 256 GSa/s; DPO70000SX: 100/200 GSa/s
        SettingSpec("sample_rate", "Sample rate", unit="GSa/s", scale=1e9, minimum=1.0, maximum=256.0),
        SettingSpec("points", "Record length", kind="int", unit="pts", minimum=16, maximum=4_000_000,
                    decimals=0),
        SettingSpec("range", "Range", unit="V", minimum=0.001, maximum=10.0, channel=True),
        SettingSpec("offset", "Offset", unit="V", minimum=-5.0, maximum=5.0, channel=True),
    ],
    "powermeter": [
        SettingSpec("wavelength", "Wavelength", channel=True, **_WAVELENGTH),
    ],
}


def specs_for(role: str) -> list[SettingSpec]:
    return SPECS.get(role, [])


def spec(role: str, key: str) -> SettingSpec:
    for s in specs_for(role):
        if s.key == key:
            return s
    raise KeyError(f"no editable setting {key!r} for role {role!r}")
