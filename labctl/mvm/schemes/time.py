"""The time scheme: x and w in the same symbol slot on two cascaded MZMs, one row per lane.

Lane ``j`` (one wavelength, one weight-AWG channel, one photodiode): the edge
MZM carries ``x_k`` and the centre MZM ``w_jk`` in the same slot, so the
photodiode sees ``x_k w_jk`` per slot and the receiver sums the K slots of a
column (labctl.bench.topology). One frame: ``lanes`` rows against
``k_tile * columns <= payload`` slots (slot = b * k_tile + k).
"""
from __future__ import annotations

import numpy as np

from labctl.mvm import static_ffe
from labctl.mvm.dsp import train_apply_rows
from labctl.mvm.receiver import equaliser_input, frame_taps, train_equaliser
from labctl.mvm.schemes.base import EnergyCounts, FrameDrive, register


class TimeCodec:
    """Frames of the time scheme on one engine (labctl.mvm.engine.OpticalEngine)."""

    def __init__(self, engine):
        self.engine = engine

    def waves(self, xs: np.ndarray, ws: np.ndarray) -> dict:
        """AWG codes for inputs ``xs`` [slot] (edge AWGs, skewed) and lane
        weights ``ws`` [lane, slot] (weight AWG)."""
        e = self.engine
        waves: dict = {}
        wa = e.topo.centre.weight_awg
        for j, lane in enumerate(e.topo.centre.lanes):
            edge = e.topo.edge(lane.edge)
            ch = edge.awg_channels[lane.port]
            waves.setdefault(edge.awg, {})[ch] = e.tx.waveform(edge.awg, ch, xs, e.tx.skew(edge.name))
            wch = lane.weight_channel
            waves.setdefault(wa, {})[wch] = e.tx.waveform(wa, wch, ws[j])
        return waves

    def encode(self, w_u: np.ndarray, x_u: np.ndarray, index: int | None = None) -> FrameDrive:
        """Inputs ``xs`` [slot]: preamble, training, x_u column by column, guard
        at 0.5; lane weights ``ws`` [lane, slot]: 1 under the preamble (so the
        product shows it), training, w_u[j] repeated per column."""
        e = self.engine
        f = e.frame
        lanes = e.topo.centre.lanes
        kt, bt = x_u.shape
        xs = np.full(f.n_symbols, 0.5)
        ws = np.full((len(lanes), f.n_symbols), 0.5)
        xs[:f.n_pre] = f.pre
        ws[:, :f.n_pre] = 1.0
        tr = e.tx.training((len(lanes) + 1, f.train), e.frames_run if index is None else index)
        xs[f.n_pre:f.n_pre + f.train] = tr[0]
        ws[:, f.n_pre:f.n_pre + f.train] = tr[1:]
        slots = kt * bt
        p0 = f.n_pre + f.train
        xs[p0:p0 + slots] = x_u.T.reshape(-1)            # slot = b * kt + k
        ws[:, p0:p0 + slots] = np.tile(w_u, (1, bt))     # w[j, k] repeated per column
        return FrameDrive(self.waves(xs, ws), None, {"xs": xs, "ws": ws})

    def decode(self, w_u: np.ndarray, x_u: np.ndarray, drive: FrameDrive,
               volts: dict) -> np.ndarray:
        """Lane products [lane, column]: per slot equalised x_k w_jk, summed over k."""
        e = self.engine
        f = e.frame
        kt, bt = x_u.shape
        xs, ws = drive.symbols["xs"], drive.symbols["ws"]
        taps = frame_taps(volts, e.io, f)
        known = f.known
        slots = kt * bt
        p0 = f.n_pre + f.train
        y = np.zeros((len(e.topo.centre.lanes), bt))
        ffes = [static_ffe.taps_for(e, key) for key in e.outputs]
        if len({None if t is None else t.shape for t in ffes}) == 1:
            # every lane's equaliser at once (the same numbers to rounding)
            side = np.stack([np.stack([xs, ws[j]], axis=1) for j in range(len(e.outputs))])
            est = train_apply_rows(
                np.stack([equaliser_input(t, taps[key][known]) for t, key in zip(ffes, e.outputs)]),
                side[:, known], (xs * ws[:len(e.outputs)])[:, known],
                np.stack([equaliser_input(t, taps[key][p0:p0 + slots])
                          for t, key in zip(ffes, e.outputs)]), side[:, p0:p0 + slots])
            return est.reshape(len(e.outputs), bt, kt).sum(axis=2)
        for j, key in enumerate(e.outputs):
            ffe = static_ffe.taps_for(e, key)
            side = np.stack([xs, ws[j]], axis=1)
            eq = train_equaliser(ffe, taps[key][known], side[known], (xs * ws[j])[known])
            est = eq.apply(equaliser_input(ffe, taps[key][p0:p0 + slots]), side[p0:p0 + slots])
            y[j] = est.reshape(bt, kt).sum(axis=1)
        return y

    def known_frame(self, rng: np.random.Generator) -> tuple[FrameDrive, dict]:
        e = self.engine
        f = e.frame
        lanes = len(e.outputs)
        xs = np.concatenate([f.pre, rng.uniform(0, 1, f.n_symbols - f.n_pre)])
        ws = np.concatenate([np.ones((lanes, f.n_pre)),
                             rng.uniform(0, 1, (lanes, f.n_symbols - f.n_pre))], axis=1)
        rows = {key: (np.stack([xs, ws[j]], axis=1), xs * ws[j]) for j, key in enumerate(e.outputs)}
        return FrameDrive(self.waves(xs, ws), None, {"xs": xs, "ws": ws}), rows


class TimeScheme:
    kind = "time"
    stream_code = 1
    supports_split_columns = False
    supports_parallel_models = False
    measures_link_ber = False
    modulators_in_series = True
    centre_stages: tuple[str, ...] = ()

    def outputs(self, topology) -> list[tuple[str, int]]:
        return [(lane.photodiode.scope, lane.photodiode.channel) for lane in topology.centre.lanes]

    def modulator_channels(self, topology) -> list[tuple[str, int, str | None]]:
        out = []
        for lane in topology.centre.lanes:
            e = topology.edge(lane.edge)
            out.append((e.awg, e.awg_channels[lane.port], e.name))
            out.append((topology.centre.weight_awg, lane.weight_channel, None))
        return out

    def centre_channels(self, topology) -> dict[str, set[int]]:
        c = topology.centre
        used: dict[str, set[int]] = {}
        for lane in c.lanes:
            used.setdefault(lane.photodiode.scope, set()).add(lane.photodiode.channel)
            used.setdefault(c.weight_awg, set()).add(lane.weight_channel)
        return used

    def tile_shape(self, k: int, *, ports: int, lanes: int,
                   frame_slots: int) -> tuple[int, int, int]:
        tk = min(k, frame_slots)
        return lanes, tk, max(1, frame_slots // tk)

    def benchmark_rows(self, topology, size: int) -> int:
        """Lanes x size / ports: a product of about the wdm one's frame count."""
        return len(topology.centre.lanes) * max(1, size // topology.centre.ports)

    def energy_counts(self, topology) -> EnergyCounts:
        n = len(topology.centre.lanes)
        return EnergyCounts(macs_per_symbol=n, rings=0, photodiodes=n)

    def codec(self, engine) -> TimeCodec:
        return TimeCodec(engine)

    def closed_loop_weights(self) -> None:
        return None

    def bright_heaters(self, engine) -> None:
        return None

    def idle_heaters(self, engine) -> None:
        return None

    def skew_groups(self, topology) -> tuple[set, dict[str, set]]:
        c = topology.centre
        ref = {(c.weight_awg, lane.weight_channel) for lane in c.lanes}
        groups = {}
        for e in topology.edges:
            lanes = [ln for ln in c.lanes if ln.edge == e.name]
            if lanes:
                groups[e.name] = {(e.awg, e.awg_channels[ln.port]) for ln in lanes}
        return ref, groups

    def calibrate_centre(self, engine, cal):
        return iter(())


SCHEME = register(TimeScheme())
