"""Connect the instruments of a bench, in their roles, with the bench's safety limits.

::

    from labctl.bench import load_bench
    from labctl import instruments, sim_servers
    bench = load_bench()
    with sim_servers.start(bench, table):
        roles = instruments.connect_all(bench)      # {"awg_a": <M8196AAWG>, ...}
        roles["laser_a"].set_power(5e-3)            # W, checked against limits first

The driver module is ``drivers.<model>``; each provides
``open_role(resource, name, limits, timeout=..., check_errors=...)``.  A
``resource = "sim"`` instrument is reached at the resource of its running
simulated server (:func:`labctl.sim_servers.running_resources`, or ``resources``).
After connecting, the bench ``settings`` are applied through the role (so the
limits apply to them too).
"""
from __future__ import annotations

import importlib
from typing import Mapping

from labctl import roles, sim_servers
from labctl.roles import InstrumentError, Role

#: Bench settings keys understood per role, and how they are applied.
_CHANNEL_SETTINGS = {"awg": {"vpp": "set_amplitude", "offset": "set_offset"},
                     "scope": {"range": "set_range", "offset": "set_offset"},
                     "powermeter": {"wavelength": "set_wavelength"},
                     "bias": {"mode": "set_mode", "voltage": "set_voltage"}}
_SCALAR_SETTINGS = {"awg": {"sample_rate": "set_sample_rate"},
                    "scope": {"sample_rate": "set_sample_rate", "points": "set_points"},
                    "laser": {"wavelength": "set_wavelength", "power": "set_power", "output": "set_output"},
                    "amplifier": {"mode": "set_mode", "gain": "set_gain", "power": "set_power",
                                  "output": "set_output"}}


def resolve_resource(name: str, resource: str, resources: Mapping[str, str] | None = None) -> str:
    """The VISA resource for ``name``: ``resource`` itself, or its simulated server's."""
    if resource != "sim":
        return resource
    found = dict(resources or {}) or sim_servers.running_resources()
    if name not in found:
        raise InstrumentError(f"{name}: resource is 'sim' but no simulated server runs for it; "
                              "start them with labctl.sim_servers.start(bench)")
    return found[name]


def connect(bench, name: str, resources: Mapping[str, str] | None = None,
            timeout: float = 2.0, check_errors: bool = True, apply_settings: bool = True) -> Role:
    """Open instrument ``name`` of ``bench`` and return its role object.

    ``timeout`` (s) bounds every I/O; ``check_errors`` queries the instrument's
    error queue after every setting and raises with its message.
    """
    if name not in bench.instruments:
        raise InstrumentError(f"no instrument {name!r} in the bench; known: {sorted(bench.instruments)}")
    config = bench.instruments[name]
    resource = resolve_resource(name, config.resource, resources)
    try:
        module = importlib.import_module(f"drivers.{config.model}")
    except ModuleNotFoundError:
        raise InstrumentError(f"{name}: no driver module drivers/{config.model}.py") from None
    role = module.open_role(resource, name, config.limits, timeout=timeout, check_errors=check_errors)
    if role.role != config.role:
        role.close()
        raise InstrumentError(f"{name}: driver {config.model} implements role {role.role!r}, "
                              f"the bench says {config.role!r}")
    if apply_settings:
        try:
            apply(role, dict(config.settings))
        except Exception:
            role.close()
            raise
    return role


def connect_all(bench, resources: Mapping[str, str] | None = None, **options) -> dict[str, Role]:
    """Connect every instrument of ``bench``; on a failure, close those already open and re-raise."""
    opened: dict[str, Role] = {}
    try:
        for name in bench.instruments:
            opened[name] = connect(bench, name, resources, **options)
    except Exception:
        for role in opened.values():
            role.close()
        raise
    return opened


def apply(role: Role, settings: dict) -> None:
    """Apply bench ``settings`` (SI) through the role; per-channel keys go to every channel.

    ``bits`` is checked against the driver's resolution.  Unknown keys raise
    :class:`InstrumentError` (a typo must not pass silently).
    """
    scalar = _SCALAR_SETTINGS.get(role.role, {})
    per_channel = _CHANNEL_SETTINGS.get(role.role, {})
    for key, value in settings.items():
        if key == "bits" and hasattr(role, "bits"):
            if int(value) != role.bits:
                raise InstrumentError(f"{role.name}: bench says {value} bits, the driver has {role.bits}")
        elif key in scalar:
            getattr(role, scalar[key])(value)
        elif key in per_channel:
            for ch in role.channels:
                getattr(role, per_channel[key])(ch, value)
        else:
            raise InstrumentError(f"{role.name}: unknown setting {key!r} for role {role.role!r}; "
                                  f"known: {sorted(scalar) + sorted(per_channel) + ['bits']}")


__all__ = ["connect", "connect_all", "apply", "resolve_resource", "roles"]
