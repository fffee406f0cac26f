"""Which settings of each role the bench panel edits, in which display units.

Everything here is read from the one declaration of each role's settings,
:data:`labctl.role_settings.ROLES` (name, SI unit, range, default, help, label,
display unit): this module only converts it for the forms.  Values travel in SI
(V, A, W, m, Sa/s; dB for gain) between the panel and the drivers; a
:class:`SettingSpec` converts to the display unit with ``display = SI / scale``
(e.g. power shown in mW: scale 1e-3).  The bounds are the role's declared range
(what any model of the role accepts); the bench file's safety limit
(``limit_field`` of :class:`labctl.bench.model.SafetyLimits`) caps the maximum
further, and the driver checks both again, with its model's narrower range,
before anything is sent.
"""
from __future__ import annotations

from dataclasses import dataclass

from labctl.role_settings import ROLES, Setting
from labctl.roles import SafetyLimitError, check_limit


@dataclass(frozen=True)
class SettingSpec:
    """A form's view of one declared :class:`labctl.role_settings.Setting`."""
    setting: Setting

    @property
    def key(self) -> str:            # setting key (same as bench file / role snapshot)
        return self.setting.name

    @property
    def label(self) -> str:
        return self.setting.label or self.setting.name

    @property
    def kind(self) -> str:           # float | int | bool | choice
        return self.setting.kind

    @property
    def unit(self) -> str:           # display unit
        return self.setting.display_unit or self.setting.unit

    @property
    def si_unit(self) -> str:
        return self.setting.unit

    @property
    def scale(self) -> float:        # SI value of one display unit
        return self.setting.display_scale

    @property
    def minimum(self) -> float:      # display units
        low = self.setting.low
        return 0.0 if low is None else low / self.scale

    @property
    def maximum(self) -> float:      # display units
        high = self.setting.high
        return 1.0 if high is None else high / self.scale

    @property
    def decimals(self) -> int:
        return self.setting.decimals

    @property
    def channel(self) -> bool:       # per-channel setting (snapshot key "ch<n>_<key>")
        return self.setting.per_channel

    @property
    def limit_field(self) -> str | None:
        return self.setting.limit

    @property
    def choices(self) -> tuple[str, ...]:
        return self.setting.choices

    @property
    def default(self):
        """Power-on value in display units."""
        return self.to_display(self.setting.default)

    @property
    def help(self) -> str:
        return self.setting.help

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
        """Upper bound of the editor: declared range capped by the safety limit."""
        limit = self.limit(limits)
        return self.maximum if limit is None else min(self.maximum, limit / self.scale)

    def check(self, instrument: str, si_value, limits) -> None:
        """Raise :class:`SafetyLimitError` if ``si_value`` is beyond the safety limit or range."""
        if self.kind not in ("float", "int"):
            return
        value = float(si_value)
        check_limit(instrument, self.key, value, self.limit(limits), self.si_unit)
        low, high = self.setting.low, self.setting.high
        if (low is not None and value < low) or (high is not None and value > high):
            raise SafetyLimitError(f"{instrument}: {self.key} {value:g} outside "
                                   f"{low:g} .. {high:g} {self.si_unit}")


#: Editable settings per role, in declaration order.
SPECS: dict[str, list[SettingSpec]] = {role: [SettingSpec(s) for s in declared]
                                       for role, declared in ROLES.items()}


def specs_for(role: str) -> list[SettingSpec]:
    return SPECS.get(role, [])


def spec(role: str, key: str) -> SettingSpec:
    for s in specs_for(role):
        if s.key == key:
            return s
    raise KeyError(f"no editable setting {key!r} for role {role!r}")
