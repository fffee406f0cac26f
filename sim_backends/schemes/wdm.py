"""Scheme ``wdm`` on the optical table: comb lines per port, one MZM per port,
micro-ring weight bank, cyclic AWGR, one photodiode per AWGR output.

Per edge node e, port p, comb line k (fibre compensated, ``dcm_ratio`` = 1)::

    P_k        = P_laser eta_comb G_b flat_k / n_ports_e      (G_b: edge booster; 1:n split, W)
    t_p(t)     = MZM power transmission, delayed by the fibre (OpticalTable.ports_waveforms)
    P_pk(t)    = G_e L_e P_k t_p(t)                           (at the centre, after the EDFA)
    P_q(t)     = sum_pk T_awgr[p, q, k] T_ring[p, k] P_pk(t)   (AWGR output q)

so each port's contribution to output q is a_pq t_p(t) with
a_pq = sum_k T_awgr[p, q, k] T_ring[p, k] G_e L_e P_k: one scale per (port,
output) times one waveform per port. With residual dispersion each line's
field is propagated (``port_fields_power``) and the sum over k is explicit.
"""
from __future__ import annotations

import numpy as np

from sim_backends.physics import units
from sim_backends.schemes import booster


def awgs(topology) -> list[str]:
    """The edge AWGs (one channel per port)."""
    return list(dict.fromkeys(e.awg for e in topology.edges))


def outputs(topology) -> list[tuple[str, int]]:
    """(scope, channel) of AWGR output q's photodiode, q = 0..N-1."""
    return [(pd.scope, pd.channel) for pd in topology.centre.photodiodes]


def line_powers(table, edge, states) -> np.ndarray:
    """Comb line powers per port fibre [k] (W): P_laser eta_comb G_b flat_k / n_ports
    (G_b: the edge's booster EDFA, 1 without one)."""
    dev = table.topology.devices
    g_b = booster(table, edge, 1550e-9)[0]
    return (table._laser_power(edge.laser, states) * units.db_to_lin(dev.laser.comb_line_efficiency_db)
            * g_b * table.comb_flat[edge.name] / len(edge.ports))


def cw_input(table, edge, i: int) -> float:
    """CW power (W) launched into port index i's fibre: the sum of its comb lines."""
    return float(line_powers(table, edge, table.instruments).sum())


def detect(table, frames, period: float, n: int, acqs, avg) -> dict:
    """Optical powers at the photodiodes [frames, outputs, n] (see the module docstring)."""
    topo = table.topology
    c = topo.centre
    nf, nq = len(frames), c.ports
    by_laser: dict = {}
    ase_beat = np.zeros((nf, nq, n))
    ase_psd = np.zeros((nf, nq))
    taps = [dict() for _ in frames]
    rings = [table.ring_transmissions(_lam(table, topo.edges[0], st), st) for st in frames]
    power = None
    for edge in topo.edges:
        contrib = _edge(table, edge, frames, period, n, acqs, avg, rings, ase_beat, ase_psd, taps)
        mine = by_laser.get(edge.laser)
        by_laser[edge.laser] = contrib if mine is None else mine + contrib
        if power is None:
            power = contrib.copy()
        else:
            power += contrib
    return dict(period=period, n=n, fs=n / period, power=power, by_laser=by_laser,
                ase_beat=ase_beat, ase_psd=ase_psd, taps=taps, outputs=outputs(topo),
                optical_bandwidth=c.awgr.passband_3db_hz)


def _lam(table, edge, states) -> np.ndarray:
    return units.frequency_to_wavelength(table.line_frequencies(edge, states))


def _edge(table, edge, frames, period, n, acqs, avg, rings, ase_beat, ase_psd, taps):
    """One edge node's light at every output [frames, q, n] (ASE terms added in place)."""
    nq = table.topology.centre.ports
    contrib = np.zeros((len(frames), nq, n))
    if edge.dcm_ratio != 1.0:
        for i, port in enumerate(edge.ports):
            _dispersed_port(table, edge, i, port, frames, period, n, acqs, avg, rings, contrib,
                            ase_beat, ase_psd, taps)
        return contrib
    waves, loss = table.ports_waveforms(edge, range(len(edge.ports)), period, n, frames, acqs, avg)
    ports = list(edge.ports)
    for f, st in enumerate(frames):
        lam = _lam(table, edge, st)
        lines = line_powers(table, edge, st)
        t = waves[f]                                                         # [ports, n]
        w = table.awgr_matrix(lam)[ports] * rings[f][ports][:, None, :]      # [port, q, k]
        p_in = lines.sum() * loss * t.mean(axis=1)                           # [port] W
        gain = table._edfa_gains(edge, p_in, st)
        taps[f][edge.name] = taps[f].get(edge.name, 0.0) + float(p_in @ gain)
        scale = lines[None, :] * (loss * gain)[:, None]                      # [port, k] W per unit t
        a = np.einsum("pqk,pk->qp", w, scale)
        if not table.noise.ase:
            np.matmul(a, t, out=contrib[f])
            continue
        s = _port_ase(table, edge, lam, p_in / lines.sum() * gain, gain)      # [port] W/Hz
        b = np.einsum("pqk,pk->qp", w * w, scale) * s[None, :]
        ase_psd[f] += w.sum(axis=2).T @ s
        both = np.concatenate([a, b]) @ t        # one product for signal and beat rows
        contrib[f] = both[:nq]
        ase_beat[f] += both[nq:]
    return contrib


def _dispersed_port(table, edge, i, port, frames, period, n, acqs, avg, rings, contrib, ase_beat,
                    ase_psd, taps) -> None:
    """Residual dispersion: port ``port``'s lines propagated as fields, added in place."""
    for f, st in enumerate(frames):
        lam = _lam(table, edge, st)
        lines = line_powers(table, edge, st)
        w = table.awgr_matrix(lam)[port] * rings[f][port][None, :]          # [q, k]
        pw = table.port_fields_power(edge, i, lam, lines, period, n, [st], [acqs[f]], avg)[0]
        p_in = float(pw.sum(axis=0).mean())
        gain = table._edfa_gain(edge, p_in, st)
        taps[f][edge.name] = taps[f].get(edge.name, 0.0) + p_in * gain
        s = table._ase_psd(edge, gain, float(lam.mean())) if table.noise.ase else 0.0
        s += _booster_ase(table, edge, lam, p_in / lines.sum() * gain)
        contrib[f] += w @ (pw * gain)
        if s:
            ase_beat[f] += ((w * w) @ (pw * gain)) * s
            ase_psd[f] += w.sum(axis=1) * s


def _port_ase(table, edge, lam, transfer: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """ASE PSD (W/Hz per pol) of each port fibre at the centre: the edge EDFA's at
    its gain plus the booster's carried by the lines' power ``transfer`` [port]."""
    lam_mean = float(lam.mean())
    edfa = np.array([table._ase_psd(edge, float(g), lam_mean) for g in gain])
    return edfa + booster(table, edge, lam_mean)[1] / len(edge.ports) * transfer


def _booster_ase(table, edge, lam, transfer: float) -> float:
    """ASE PSD (W/Hz per pol) of the edge's booster at the centre EDFA output of one
    port fibre: its output PSD / n_ports (split) x ``transfer`` (mean modulator
    transmission x span/DCM loss x centre gain, the lines' power transfer)."""
    return booster(table, edge, float(lam.mean()))[1] / len(edge.ports) * transfer
