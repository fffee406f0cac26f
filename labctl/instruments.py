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
from labctl.role_settings import ROLES
from labctl.roles import InstrumentError, Role


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

    Which keys exist, and the role method applying each, are declared in
    :data:`labctl.role_settings.ROLES`.  ``bits`` is checked against the driver's
    resolution.  Unknown keys raise :class:`InstrumentError` (a typo must not pass silently).
    """
    declared = ROLES.get(role.role)
    for key, value in settings.items():
        if key == "bits" and hasattr(role, "bits"):
            if int(value) != role.bits:
                raise InstrumentError(f"{role.name}: bench says {value} bits, the driver has {role.bits}")
        elif declared is not None and key in declared:
            setting = declared[key]
            method = getattr(role, setting.method)
            if setting.per_channel:
                for ch in role.channels:
                    method(ch, value)
            else:
                method(value)
        else:
            known = sorted(declared.names() if declared is not None else []) + ["bits"]
            raise InstrumentError(f"{role.name}: unknown setting {key!r} for role {role.role!r}; "
                                  f"known: {known}")


__all__ = ["connect", "connect_all", "apply", "resolve_resource", "roles"]
