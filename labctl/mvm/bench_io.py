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
from labctl.role_settings import settings_for


def _wire(bench, name: str, key: str, value: float) -> float:
    """``value`` of setting ``key`` of instrument ``name`` as the instrument holds
    it once sent: its model's declared wire format and unit
    (:meth:`labctl.role_settings.Setting.on_wire`).  The in-process path stores
    this number and the driver path sends it (re-sending it changes nothing), so
    both leave the simulated instruments in identical states."""
    inst = bench.instruments[name]
    return settings_for(inst.role, inst.model)[key].on_wire(value)


def configured(inst) -> dict[str, Any]:
    """Settings of bench instrument ``inst`` after connection: the power-on
    defaults of its role and model (:func:`labctl.role_settings.settings_for`)
    with the bench ``settings`` applied as the drivers send them (numbers
    through :meth:`~labctl.role_settings.Setting.on_wire`)."""
    declared = settings_for(inst.role, inst.model)
    values = declared.defaults()
    for key, value in inst.settings.items():
        kind = declared[key].kind if key in declared else None
        values[key] = declared[key].on_wire(value) if kind == "float" else value
    return values


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
    """Instrument states of a freshly configured simulated bench (keys of
    docs/INTERFACES.md): every declared setting of the instrument's role and
    model at its power-on default, the bench settings applied (:func:`configured`),
    on every channel of the model (for a model :mod:`labctl.role_settings` does
    not declare: the channels the topology wires); AWGs stopped with empty waveforms."""
    used = _channels_used(bench)
    states: dict[str, dict[str, Any]] = {}
    for name, inst in bench.instruments.items():
        declared = settings_for(inst.role, inst.model)
        values = configured(inst)
        st: dict[str, Any] = {s.name: values[s.name] for s in declared if not s.per_channel}
        per_channel = [s for s in declared if s.per_channel]
        if per_channel:
            chans = declared.channels or tuple(sorted(used.get(name, {1})))
            st["channels"] = {ch: {s.name: values[s.name] for s in per_channel} for ch in chans}
        if inst.role in ("awg", "scope"):
            st["bits"] = int(values.get("bits", declared.bits or 8))
        if inst.role == "awg":
            st["running"] = False
            for chan in st["channels"].values():
                chan["codes"] = np.zeros(0, np.uint16)
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
        self.states[name]["power"] = _wire(self.bench, name, "power", power)

    # -- amplifiers
    def set_amplifier_gain(self, name: str, gain_db: float) -> None:
        """Constant gain mode at ``gain_db`` (dB)."""
        st = self.states[name]
        st["mode"], st["gain"], st["output"] = "gain", _wire(self.bench, name, "gain", gain_db), True

    # -- heaters
    def set_heater_currents(self, currents: dict[int, float]) -> None:
        heaters = self.bench.topology.centre.rings.heaters
        chans = self.states[heaters]["channels"]
        inst = self.bench.instruments[heaters]
        wire = settings_for(inst.role, inst.model)["current"].on_wire_many(currents.values())
        for ch, i in zip(currents, wire):
            chans[ch]["current"] = i

    # -- scopes
    def configure_scope(self, name: str, points: int, ranges: dict[int, tuple[float, float]]) -> None:
        st = self.states[name]
        st["points"] = int(points)
        for ch, (rng, off) in ranges.items():
            st["channels"][ch]["range"] = _wire(self.bench, name, "range", rng)
            st["channels"][ch]["offset"] = _wire(self.bench, name, "offset", off)

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
        with self.table.unchanged():          # the scopes share one frame's optical powers
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
            s = configured(self.bench.instruments[scope])
            self._scope_cfg[scope] = {"sample_rate": self.roles[scope].sample_rate(), "bits": self.roles[scope].bits,
                                      "points": s["points"],
                                      "channels": {ch: (s["range"], s["offset"]) for ch in sorted(used[scope])}}

    def awg_info(self, name: str) -> dict:
        s = configured(self.bench.instruments[name])
        return {"sample_rate": self._awg_rate.get(name, s["sample_rate"]),
                "bits": self.roles[name].bits, "vpp": s["vpp"], "offset": s["offset"]}

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
        self.roles[name].set_power(_wire(self.bench, name, "power", power))

    def set_amplifier_gain(self, name: str, gain_db: float) -> None:
        amp = self.roles[name]
        amp.set_mode("gain")
        amp.set_gain(_wire(self.bench, name, "gain", gain_db))
        amp.set_output(True)

    def set_heater_currents(self, currents: dict[int, float]) -> None:
        heaters = self.bench.topology.centre.rings.heaters
        h = self.roles[heaters]
        for ch, i in currents.items():
            h.set_current(ch, _wire(self.bench, heaters, "current", i))

    def configure_scope(self, name: str, points: int, ranges) -> None:
        sc = self.roles[name]
        sc.set_points(int(points))
        cfg = self._scope_cfg[name]
        cfg["points"] = int(points)
        for ch, (rng, off) in ranges.items():
            rng, off = _wire(self.bench, name, "range", rng), _wire(self.bench, name, "offset", off)
            sc.set_range(ch, rng)
            sc.set_offset(ch, off)
            cfg["channels"][ch] = (rng, off)

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
