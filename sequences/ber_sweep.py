"""``ber-sweep``: BER versus received optical power and versus fibre length.

Each step runs the reference IM/DD link of :mod:`sim_backends.physics.link`
(DAC -> driver -> MZM -> SSMF -> VOA to the received power -> PIN+TIA ->
scope ADC -> threshold receiver) once, for one format (PAM2 or PAM4) at one
point of one sweep:

- sweep 0, "rop": received optical power ``rop_dbm`` at fixed ``length_km``;
- sweep 1, "length": fibre length ``lengths_km`` at fixed ``rop_at_length_dbm``.

The fibre's loss and dispersion and the laser's wavelength and power come from
the bench file (first span of the first edge node, its laser's settings).

Theory stored alongside (``ber_theory``): the closed-form Gray M-PAM BER in
AWGN at the electrical SNR measured at the decision point,
BER = 2 (1 - 1/M) Q(sqrt(3 SNR / (M^2 - 1))) / log2 M
(:func:`sim_backends.physics.pam.ber_awgn`).  ``snr_penalty_db`` is how much
more SNR the measured BER needs than theory says: 10 log10(SNR_meas / SNR_theory(BER_meas)),
computed only where the count is meaningful (>= 20 errors, BER < 0.1; NaN
elsewhere).  Dispersion power fading makes long links depart from it.

Each step is a pure function of (bench, parameters, seed, step index): the
link seed of step i is drawn from ``ctx.rng("ber-sweep", i)``. With a Dask farm
(``labctl run ber-sweep --workers N``) the points run as tasks, results in order.
"""
from __future__ import annotations

import numpy as np
from scipy import optimize

from labctl.engine import Param, Step, Stream
from sequences import sequence

FORMATS = ("pam2", "pam4")
MIN_ERRORS = 20


def _points(params: dict) -> list[tuple[int, str, float, float]]:
    """(sweep, format, rop_dbm, length_km) of every step, in run order."""
    points = []
    for fmt in params["formats"]:
        points += [(0, fmt, rop, params["length_km"]) for rop in params["rop_dbm"]]
        points += [(1, fmt, params["rop_at_length_dbm"], km) for km in params["lengths_km"]]
    return points


@sequence(
    "ber-sweep",
    help="BER vs received optical power and vs fibre length, PAM2/PAM4, with theory",
    params=[
        Param("formats", list[str], ["pam2", "pam4"], help="modulation formats", choices=FORMATS),
        Param("rop_dbm", list[float], [-24.0, -22.0, -20.0, -18.0, -16.0, -14.0, -12.0], "dBm",
              "received optical powers of the ROP sweep"),
        Param("length_km", float, 10.0, "km", "fibre length during the ROP sweep"),
        Param("lengths_km", list[float], [0.0, 10.0, 20.0, 40.0], "km",
              "fibre lengths of the length sweep"),
        Param("rop_at_length_dbm", float, -16.0, "dBm", "received power during the length sweep"),
        Param("baud", float, 10e9, "Bd", "symbol rate"),
        Param("symbols", int, 65536, help="symbols per point"),
        Param("sps", int, 2, help="samples per symbol"),
    ],
    streams=[
        Stream("sweep", "1", np.int64, help="0: BER vs ROP, 1: BER vs length"),
        Stream("pam_order", "1", np.int64, help="M of M-PAM"),
        Stream("rop_dbm", "dBm", help="received optical power"),
        Stream("length_km", "km", help="fibre length"),
        Stream("ber", "1", help="measured bit error ratio"),
        Stream("ber_ci95", "1", shape=(2,), help="95 % Clopper-Pearson interval"),
        Stream("bit_errors", "1", np.int64),
        Stream("bits", "1", np.int64),
        Stream("snr_db", "dB", help="electrical SNR at the decision point"),
        Stream("ber_theory", "1", help="Gray M-PAM AWGN BER at the measured SNR"),
        Stream("snr_penalty_db", "dB", help="SNR penalty of the measured BER vs theory"),
        Stream("max_snr_penalty_db", "dB", group="metrics",
               help="largest |penalty| over points with enough errors"),
    ],
)
def ber_sweep(ctx, formats, rop_dbm, length_km, lengths_km, rop_at_length_dbm, baud, symbols, sps):
    """BER vs received optical power and vs fibre length (PAM2/PAM4), theory alongside."""
    from sim_backends.physics import link, pam

    points = _points(ctx.params)
    ctx.set_total(len(points))
    tasks = [(link_config(ctx.bench, fmt, baud, sps, symbols, rop, km),
              int(ctx.rng("ber-sweep", i).integers(2**63)))
             for i, (_, fmt, rop, km) in enumerate(points)]
    # one pure task per point: farmed out to Dask workers when the run has a farm
    results = ctx.farm.map(link.run, tasks, ctx.check_abort) if ctx.farm is not None \
        else (link.run(*t) for t in tasks)
    penalties = []
    for i, ((sweep, fmt, rop, km), result) in enumerate(zip(points, results)):
        m = pam.order(fmt)
        snr = 10 ** (result.snr_db / 10)
        penalty = snr_penalty_db(result.ber, snr, result.bit_errors, m)
        if np.isfinite(penalty):
            penalties.append(abs(penalty))
        label = "rop" if sweep == 0 else "length"
        metrics = {}
        if i == len(points) - 1:
            metrics["max_snr_penalty_db"] = max(penalties) if penalties else np.nan
        yield Step(f"{fmt} {label} {rop:g} dBm {km:g} km", data={
            "sweep": sweep, "pam_order": m, "rop_dbm": rop, "length_km": km,
            "ber": result.ber, "ber_ci95": np.array(result.ber_ci95), "bit_errors": result.bit_errors,
            "bits": result.bits, "snr_db": result.snr_db,
            "ber_theory": float(pam.ber_awgn(snr, m)), "snr_penalty_db": penalty,
        }, metrics=metrics)


def link_config(bench, fmt: str, baud: float, sps: int, symbols: int, rop_dbm: float, length_km: float):
    """The reference link with the bench's laser and first span figures."""
    import dataclasses

    from sim_backends.physics.fibre import Fibre
    from sim_backends.physics.laser import Laser
    from sim_backends.physics.link import LinkConfig

    edge = bench.topology.edges[0]
    span = edge.spans[0]
    laser_settings = bench.instruments[edge.laser].settings
    laser = dataclasses.replace(Laser(), **{k: float(laser_settings[k]) for k in ("power", "wavelength")
                                            if k in laser_settings})
    fibre = Fibre(length=length_km * 1e3, alpha_db_km=span.loss_db_per_km, d_ps_nm_km=span.dispersion_ps_nm_km)
    return LinkConfig(format=fmt, baud=baud, sps=sps, symbols=symbols, rop_dbm=rop_dbm,
                      spans=(fibre,), laser=laser)


def snr_penalty_db(ber: float, snr: float, errors: int, m: int) -> float:
    """10 log10(SNR / SNR_theory(BER)): SNR the measured BER would need in AWGN.

    NaN when fewer than ``MIN_ERRORS`` errors or BER >= 0.1 (not meaningful).
    """
    from sim_backends.physics import pam

    if errors < MIN_ERRORS or not 0 < ber < 0.1:
        return float("nan")
    log_snr = optimize.brentq(lambda x: np.log(pam.ber_awgn(10 ** x, m)) - np.log(ber), -3.0, 3.0)
    return float(10 * np.log10(snr) - 10 * log_snr)
