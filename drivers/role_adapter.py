"""Role adapters: what every driver's adapter to a labctl role shares.

An adapter wraps one pymeasure instrument (``instrument``) and implements a role
of :mod:`labctl.roles` on it; identity, channel lookup and closing are the same
for every model, and the two tunable lasers also share their read-backs.
"""
from __future__ import annotations

from labctl.roles import Laser


def checked(role, key: str, value, what: str | None = None):
    """``value`` of setting ``key`` after the checks made before anything is sent:
    the bench's safety limit (``role.limits``) and the range that
    :mod:`labctl.role_settings` declares for the role's model (``role.settings``)."""
    return role.settings[key].check(role.name, value, role.limits, what)


class InstrumentRole:
    """Mixin placed before a role ABC: ``class AWGRole(InstrumentRole, AWG)``."""

    def __init__(self, instrument, name: str, limits=None):
        super().__init__(name, limits)
        self.instrument = instrument

    def _ch(self, channel: int):
        """The instrument's channel object (ValueError for a channel the role does not have)."""
        if channel not in self.channels:
            raise ValueError(f"{self.name}: channel {channel} not in {self.channels}")
        return self.instrument.channels[channel]

    def identity(self) -> str:
        return self.instrument.identity

    def close(self) -> None:
        self.instrument.adapter.close()


class LaserRole(InstrumentRole, Laser):
    """Read-backs shared by the tunable-laser adapters (SI: m, W)."""

    def set_output(self, enabled: bool) -> None:
        self.instrument.output_enabled = bool(enabled)
        self.instrument.check_set_errors()

    def output(self) -> bool:
        return bool(self.instrument.output_enabled)

    def snapshot(self) -> dict:
        return {"wavelength": (self.wavelength(), "m"), "power": (self.power(), "W"),
                "output": (self.output(), "")}
