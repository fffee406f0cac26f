"""Pydantic models of a bench file (validated on load, unknown keys rejected).

The ``[topology]`` and ``[devices]`` tables are validated by the models of
:mod:`labctl.bench.topology` (owned by the matrix-product area); everything
else is defined here.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from labctl.bench.power import PowerFigures
from labctl.role_settings import SettingError, settings_for

try:  # the topology schema lives in its own module, written by the mvm area
    from labctl.bench.topology import Topology
except ModuleNotFoundError as exc:  # pragma: no cover - only before topology.py lands
    if exc.name != "labctl.bench.topology":
        raise
    Topology = dict[str, Any]  # permissive until labctl/bench/topology.py exists


#: Instrument roles (abstract interfaces in :mod:`labctl.roles`).
Role = Literal["laser", "awg", "bias", "amplifier", "heaters", "scope", "powermeter"]

_VISA = re.compile(r"^(TCPIP|GPIB|USB|ASRL|PXI|VXI)\d*::.+", re.IGNORECASE)
_MODULE = re.compile(r"^[a-z_][a-z0-9_]*$")


class SafetyLimits(BaseModel):
    """Hard limits enforced by the driver layer before anything is sent.

    ``None`` means no limit of that kind for this instrument.  SI units:
    W for optical power, V and A for electrical drive.
    """
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_laser_power: float | None = Field(None, gt=0, description="W, optical output")
    max_modulator_voltage: float | None = Field(None, gt=0, description="V, peak-to-peak drive or |bias|")
    max_modulator_current: float | None = Field(None, gt=0, description="A")
    max_heater_voltage: float | None = Field(None, gt=0, description="V per channel")
    max_heater_current: float | None = Field(None, gt=0, description="A per channel")


class InstrumentConfig(BaseModel):
    """One ``[instruments.<name>]`` table."""
    model_config = ConfigDict(extra="forbid")

    role: Role
    model: str = Field(description="driver module name in drivers/, e.g. 'keysight_m8196a'")
    resource: str = Field(description="'sim' or a VISA resource string")
    settings: dict[str, Any] = Field(default_factory=dict, description=(
        "settings applied at connection, SI units: the keys, ranges and units that "
        "labctl.role_settings declares for the role (narrowed to the model)"))
    limits: SafetyLimits = Field(default_factory=SafetyLimits)

    @field_validator("model")
    @classmethod
    def _module_name(cls, value: str) -> str:
        if not _MODULE.match(value):
            raise ValueError("a driver module name (lower-case identifier, e.g. 'keysight_m8196a')")
        return value

    @field_validator("resource")
    @classmethod
    def _resource(cls, value: str) -> str:
        if value != "sim" and not _VISA.match(value):
            raise ValueError("'sim' or a VISA resource string such as 'TCPIP0::10.0.0.5::inst0::INSTR'")
        return value

    @property
    def simulated(self) -> bool:
        return self.resource == "sim"


class Bench(BaseModel):
    """A whole bench file.  ``source_text`` and ``path`` are filled by the loader."""
    model_config = ConfigDict(extra="forbid")

    name: str = ""
    description: str = ""
    seed: int = Field(ge=0, description="root of every numpy SeedSequence of a run")
    instruments: dict[str, InstrumentConfig]
    power: PowerFigures
    topology: Topology
    source_text: str = Field("", exclude=True)
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _settings(self) -> "Bench":
        """Every instrument's settings are declared for its role and model and in range
        (:mod:`labctl.role_settings`); the message names the key path."""
        for name, inst in self.instruments.items():
            try:
                settings_for(inst.role, inst.model).validate(inst.settings)
            except SettingError as exc:
                raise ValueError(f"instruments.{name}.settings.{exc}") from None
        return self

    @model_validator(mode="after")
    def _references(self) -> "Bench":
        """Every instrument the topology names exists and has the right role."""
        for key, name, role in _topology_references(self.topology):
            inst = self.instruments.get(name)
            if inst is None or inst.role != role:
                raise ValueError(f"{key}: expected the name of an instrument with role "
                                 f"'{role}', got {name!r}")
        return self

    def by_role(self, role: str) -> dict[str, InstrumentConfig]:
        """The instruments of one role, in file order."""
        return {n: i for n, i in self.instruments.items() if i.role == role}

    @property
    def scheme(self) -> str:
        """Computing scheme, 'time' or 'wdm' (from the topology)."""
        topo = self.topology
        return topo["scheme"] if isinstance(topo, dict) else topo.scheme

    @property
    def devices(self):
        """Physics parameters of the simulated devices (``[topology.devices]``)."""
        topo = self.topology
        return topo.get("devices", {}) if isinstance(topo, dict) else topo.devices

    @property
    def simulated(self) -> bool:
        """True when every instrument is simulated."""
        return all(i.simulated for i in self.instruments.values())


def _topology_references(topo) -> list[tuple[str, str, str]]:
    """(key path, instrument name, expected role) for every instrument the topology names."""
    if isinstance(topo, dict):  # schema not available: nothing to check
        return []
    refs = []
    for i, edge in enumerate(topo.edges):
        key = f"topology.edges.{i}"
        refs += [(f"{key}.laser", edge.laser, "laser"), (f"{key}.awg", edge.awg, "awg"),
                 (f"{key}.bias", edge.bias, "bias")]
        if edge.amplifier is not None:
            refs.append((f"{key}.amplifier", edge.amplifier, "amplifier"))
    return refs + topo.centre.instrument_references()
