"""Scheme ``time`` on the optical table: one lane per parallel row j.

Edge laser (CW) -> edge MZM (x) -> fibre -> EDFA/DCM -> centre MZM driven by
the weight AWG (w; no delay: it sits at the centre) -> photodiode::

    P_j(t) = G_e L_e G_b P_laser t_x(t) t_w(t)      (W; G_b: the edge's booster EDFA, 1 if none)

with t_x the edge modulator's power transmission delayed by the fibre and
t_w the weight modulator's.
"""
from __future__ import annotations

import numpy as np

from sim_backends.schemes import booster


def awgs(topology) -> list[str]:
    """The edge AWGs and the centre's weight AWG."""
    return list(dict.fromkeys([e.awg for e in topology.edges] + [topology.centre.weight_awg]))


def outputs(topology) -> list[tuple[str, int]]:
    """(scope, channel) of each lane's photodiode."""
    return [(lane.photodiode.scope, lane.photodiode.channel) for lane in topology.centre.lanes]


def cw_input(table, edge, i: int) -> float:
    """CW power (W) into port index i's fibre: the (boosted) seed laser feeds port 0 only."""
    return table._laser_power(edge.laser) * booster(table, edge, 1550e-9)[0] if i == 0 else 0.0


def detect(table, frames, period: float, n: int, acqs, avg) -> dict:
    """Optical powers at the lanes' photodiodes [frames, lanes, n]."""
    topo = table.topology
    c, dev = topo.centre, topo.devices
    lanes = c.lanes
    nf = len(frames)
    power = np.zeros((nf, len(lanes), n))
    by_laser: dict = {}
    ase_beat = np.zeros((nf, len(lanes), n))
    ase_psd = np.zeros((nf, len(lanes)))
    taps = [dict() for _ in frames]
    g = dev.mzm.driver_gain
    for j, lane in enumerate(lanes):
        edge = topo.edge(lane.edge)
        weight = _weight_mzm(table, lane)
        vw = table.drives(c.weight_awg, lane.weight_channel, period, n, frames, acqs, avg)
        if edge.dcm_ratio == 1.0:
            t, loss = table.port_waveforms(edge, lane.port, period, n, frames, acqs, avg)
        for f, st in enumerate(frames):
            laser = st[edge.laser]
            lam = np.array([getattr(laser, "state", laser).get("wavelength", 1550.12e-9)])
            g_b, s_b = booster(table, edge, float(lam[0]))
            p_seed = np.array([table._laser_power(edge.laser, st) * g_b])
            if edge.dcm_ratio == 1.0:
                pw = p_seed[0] * loss * t[f]
            else:
                pw = table.port_fields_power(edge, lane.port, lam, p_seed, period, n, [st],
                                             [acqs[f]], avg)[0, 0]
            gain = table._edfa_gain(edge, float(pw.mean()), st)
            taps[f][edge.name] = taps[f].get(edge.name, 0.0) + float(pw.mean() * gain)
            tw = weight.power_transfer(g * vw[f])
            out = pw * gain * tw
            power[f, j] = out
            by_laser.setdefault(edge.laser, np.zeros((nf, len(lanes), n)))[f, j] += out
            if table.noise.ase:
                s = table._ase_psd(edge, gain, float(lam[0]))
                s += s_b * float(pw.mean()) / p_seed[0] * gain if p_seed[0] > 0 else 0.0
                ase_beat[f, j] = out * s * tw
                ase_psd[f, j] = s * float(tw.mean())
    return dict(period=period, n=n, fs=n / period, power=power, by_laser=by_laser,
                ase_beat=ase_beat, ase_psd=ase_psd, taps=taps, outputs=outputs(topo),
                optical_bandwidth=n / period / 2)


def _weight_mzm(table, lane):
    """The lane's centre modulator: at quadrature (with its lock error) or a manual bias."""
    if lane.weight_bias_voltage is None:
        return table._mzm("quadrature", 0.0, 0.0, table.lock_error[("centre", lane.weight_channel)])
    return table._mzm("manual", lane.weight_bias_voltage, 0.0, 0.0)
