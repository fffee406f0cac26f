"""What the matrix-product code needs from a bench, behind one small interface,
with two implementations that must leave the simulated table in the same state:

* :class:`TableIO`: in process. Instrument state dicts (keys of
  docs/INTERFACES.md) and a :class:`sim_backends.table.OpticalTable`; no sockets.
* :class:`DriverIO`: through the instrument roles of :mod:`labctl.roles`
  (drivers over VISA: real instruments or the simulated SCPI servers).

Both acquire every scope of the topology once per :meth:`acquire`, in the
topology's order, so the table draws the same noise streams on either path.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from labctl.mvm.dsp import to_volts
from labctl.mvm.schemes import scheme_for


def wire(value: float) -> float:
    """A float as it reaches an instrument: SCPI drivers format numbers with
    ``%g`` (6 significant digits); the in-process path rounds the same way so
    both paths leave the simulated instruments in identical states."""
    return float(f"{value:g}")


def _channels_used(bench) -> dict[str, set[int]]:
    """Channels of every instrument the topology wires (1-based): the edges'
    AWG and bias channels and the centre's (its scheme's ``centre_channels``)."""
    topo = bench.topology
    used: dict[str, set[int]] = {}
    for e in topo.edges:
        used.setdefault(e.awg, set()).update(e.awg_channels)
        used.setdefault(e.bias, set()).update(e.bias_channels)
    for name, chans in scheme_for(topo).centre_channels(topo).items():
        used.setdefault(name, set()).update(chans)
    return used


def scopes_in_order(bench) -> list[str]:
    """Scopes wired to photodiodes, in output order (acquisition order)."""
    return list(dict.fromkeys(scope for scope, _ in outputs(bench)))


def outputs(bench) -> list[tuple[str, int]]:
    """(scope, channel) of each output row (the scheme's ``outputs``: AWGR
    outputs q in wdm, lanes in time)."""
    return scheme_for(bench.topology).outputs(bench.topology)


def initial_states(bench) -> dict[str, dict[str, Any]]:
    """Instrument states of a freshly configured simulated bench (bench settings applied)."""
    used = _channels_used(bench)
    states: dict[str, dict[str, Any]] = {}
    for name, inst in bench.instruments.items():
        s = dict(inst.settings)
        chans = sorted(used.get(name, {1}))
        if inst.role == "awg":
            st = {"sample_rate": s.get("sample_rate", 92e9), "bits": s.get("bits", 8), "running": False,
                  "channels": {ch: {"codes": np.zeros(0, np.uint16), "vpp": s.get("vpp", 0.5),
                                    "offset": s.get("offset", 0.0), "output": True} for ch in chans}}
        elif inst.role == "laser":
            st = {"wavelength": s.get("wavelength", 1550.12e-9), "power": s.get("power", 0.001),
                  "output": s.get("output", True)}
        elif inst.role == "bias":
            st = {"channels": {ch: {"mode": s.get("mode", "quadrature"), "voltage": s.get("voltage", 0.0)}
                               for ch in chans}}
        elif inst.role == "amplifier":
            st = {"mode": s.get("mode", "gain"), "gain": s.get("gain", 0.0), "power": s.get("power", 0.0),
                  "output": s.get("output", True)}
        elif inst.role == "heaters":
            st = {"channels": {ch: {"current": 0.0, "voltage": 0.0} for ch in chans}}
        elif inst.role == "scope":
            st = {"sample_rate": s.get("sample_rate", 100e9), "points": s.get("points", 4096),
                  "bits": s.get("bits", 8),
                  "channels": {ch: {"range": 0.5, "offset": 0.0, "enabled": True} for ch in chans}}
        else:  # powermeter
            st = {"channels": {ch: {"wavelength": s.get("wavelength", 1550e-9)} for ch in range(1, 5)}}
        states[name] = st
    return states


class TableIO:
    """In-process bench: state dicts + the optical table (no sockets)."""

    def __init__(self, bench, seed: int | None = None, noise=None):
        from sim_backends.table import OpticalTable
        self.bench = bench
        self.states = initial_states(bench)
        self.table = OpticalTable(bench, self.states, seed=seed, noise=noise)

    # -- AWGs
    def awg_info(self, name: str) -> dict:
        st = self.states[name]
        ch0 = next(iter(st["channels"].values()))
        return {"sample_rate": st["sample_rate"], "bits": st["bits"], "vpp": ch0["vpp"], "offset": ch0["offset"]}

    def load_awgs(self, waveforms: dict[str, tuple[float, dict[int, np.ndarray]]]) -> None:
        """{awg: (sample_rate, {channel: uint16 codes})}; then run them all."""
        for name, (rate, chans) in waveforms.items():
            st = self.states[name]
            st["running"] = False
            st["sample_rate"] = float(rate)
            for ch, codes in chans.items():
                st["channels"][ch]["codes"] = np.asarray(codes, np.uint16).copy()
                st["channels"][ch]["output"] = True
        for name in waveforms:
            self.states[name]["running"] = True

    # -- lasers
    def set_laser_power(self, name: str, power: float) -> None:
        self.states[name]["power"] = wire(power)

    # -- amplifiers
    def set_amplifier_gain(self, name: str, gain_db: float) -> None:
        """Constant gain mode at ``gain_db`` (dB)."""
        st = self.states[name]
        st["mode"], st["gain"], st["output"] = "gain", wire(gain_db), True

    # -- heaters
    def set_heater_currents(self, currents: dict[int, float]) -> None:
        chans = self.states[self.bench.topology.centre.rings.heaters]["channels"]
        for ch, i in currents.items():
            chans[ch]["current"] = wire(i)

    # -- scopes
    def configure_scope(self, name: str, points: int, ranges: dict[int, tuple[float, float]]) -> None:
        st = self.states[name]
        st["points"] = int(points)
        for ch, (rng, off) in ranges.items():
            st["channels"][ch]["range"] = wire(rng)
            st["channels"][ch]["offset"] = wire(off)

    def set_averages(self, name: str, count: int) -> None:
        """Averaging acquisition of ``count`` records (1: normal)."""
        st = self.states[name]
        st["averaging"], st["average_count"] = count > 1, int(count)

    def scope_info(self, name: str) -> dict:
        st = self.states[name]
        return {"sample_rate": st["sample_rate"], "bits": st["bits"], "points": st["points"],
                "channels": {ch: (c["range"], c["offset"]) for ch, c in st["channels"].items()}}

    def acquire(self) -> dict[tuple[str, int], np.ndarray]:
        """{(scope, channel): uint16 codes} of one acquisition of every scope."""
        out = {}
        for scope in scopes_in_order(self.bench):
            for ch, codes in self.table.acquire(scope).items():
                out[(scope, ch)] = codes
        return out

    def run_frames(self, frames: list) -> list[dict[tuple[str, int], np.ndarray]]:
        """Many frames [(waveforms {awg: (rate, {ch: codes})}, heater currents
        or None)] through the table at once: each frame's state is what
        :meth:`load_awgs` and :meth:`set_heater_currents` leave, then every
        scope acquires it (labctl's frame-by-frame order) -> codes per frame.
        The states end as the last frame left them."""
        states = []
        for waves, heaters in frames:
            self.load_awgs(waves)
            if heaters:
                self.set_heater_currents(heaters)
            states.append(_snapshot(self.states))
        return self.table.acquire_frames(states, scopes_in_order(self.bench))

    def volts(self, codes: dict[tuple[str, int], np.ndarray]) -> dict[tuple[str, int], np.ndarray]:
        out = {}
        for (scope, ch), c in codes.items():
            st = self.states[scope]
            rng, off = st["channels"][ch]["range"], st["channels"][ch]["offset"]
            out[(scope, ch)] = to_volts(c, st["bits"], rng, off)
        return out

    def close(self) -> None:
        pass


def _snapshot(states: dict) -> dict:
    """A copy of the state dicts that later set-points do not change (arrays
    are shared: loading replaces them, it never writes into them)."""
    def copy(obj):
        return {k: copy(v) for k, v in obj.items()} if isinstance(obj, dict) else obj
    return copy(states)


class DriverIO:
    """The same operations through instrument roles (labctl.instruments), i.e.
    drivers over VISA sockets. ``roles``: name -> role object."""

    def __init__(self, bench, roles: dict[str, Any]):
        self.bench = bench
        self.roles = roles
        self._scope_cfg: dict[str, dict] = {}
        self._awg_rate: dict[str, float] = {}
        self._init_scopes()

    def _init_scopes(self) -> None:
        used = _channels_used(self.bench)
        for scope in scopes_in_order(self.bench):
            s = self.bench.instruments[scope].settings
            self._scope_cfg[scope] = {"sample_rate": self.roles[scope].sample_rate(), "bits": self.roles[scope].bits,
                                      "points": s.get("points", 4096),
                                      "channels": {ch: (0.5, 0.0) for ch in sorted(used[scope])}}

    def awg_info(self, name: str) -> dict:
        s = self.bench.instruments[name].settings
        return {"sample_rate": self._awg_rate.get(name, s.get("sample_rate", 92e9)),
                "bits": s.get("bits", 8), "vpp": s.get("vpp", 0.5), "offset": s.get("offset", 0.0)}

    def load_awgs(self, waveforms) -> None:
        for name, (rate, chans) in waveforms.items():
            awg = self.roles[name]
            awg.stop()
            if self._awg_rate.get(name) != rate:
                awg.set_sample_rate(rate)
                self._awg_rate[name] = rate
            for ch, codes in chans.items():
                awg.upload(ch, np.asarray(codes, np.uint16))
                awg.set_output(ch, True)
        for name in waveforms:
            self.roles[name].run()

    def set_laser_power(self, name: str, power: float) -> None:
        self.roles[name].set_power(wire(power))

    def set_amplifier_gain(self, name: str, gain_db: float) -> None:
        amp = self.roles[name]
        amp.set_mode("gain")
        amp.set_gain(wire(gain_db))
        amp.set_output(True)

    def set_heater_currents(self, currents: dict[int, float]) -> None:
        h = self.roles[self.bench.topology.centre.rings.heaters]
        for ch, i in currents.items():
            h.set_current(ch, wire(i))

    def configure_scope(self, name: str, points: int, ranges) -> None:
        sc = self.roles[name]
        sc.set_points(int(points))
        cfg = self._scope_cfg[name]
        cfg["points"] = int(points)
        for ch, (rng, off) in ranges.items():
            sc.set_range(ch, wire(rng))
            sc.set_offset(ch, wire(off))
            cfg["channels"][ch] = (wire(rng), wire(off))

    def set_averages(self, name: str, count: int) -> None:
        self.roles[name].set_averages(int(count))

    def scope_info(self, name: str) -> dict:
        return self._scope_cfg[name]

    def acquire(self) -> dict[tuple[str, int], np.ndarray]:
        out = {}
        for scope in scopes_in_order(self.bench):
            sc = self.roles[scope]
            sc.single()
            sc.wait_complete()
            for ch in self._scope_cfg[scope]["channels"]:
                out[(scope, ch)] = np.asarray(sc.download(ch).codes, np.uint16)
        return out

    def volts(self, codes):
        out = {}
        for (scope, ch), c in codes.items():
            cfg = self._scope_cfg[scope]
            rng, off = cfg["channels"][ch]
            out[(scope, ch)] = to_volts(c, cfg["bits"], rng, off)
        return out

    def close(self) -> None:
        for r in self.roles.values():
            try:
                r.close()
            except Exception:  # noqa: BLE001 - closing best effort
                pass
