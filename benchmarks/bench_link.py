"""Benchmark: one IM/DD PAM4 link, this package vs OptiCommPy, side by side.

Chain (both implementations): 2^20 PAM4 Gray symbols at 2 samples/symbol
(NRZ) -> MZM at quadrature -> 20 km SSMF (loss + dispersion) -> PIN with shot
and thermal noise (bandwidth-limited) -> symbol-centre sampling -> threshold
decisions -> bit errors counted.  Each is run once to warm up (numba JIT in
OptiCommPy, FFT plans here), then timed on the full size, the implementations
interleaved run by run (``--repeats``, default 5); the report gives the best
and the median time of each, the speed-up best vs best and the ratio of the
medians, in wall time and in CPU time of the process (``time.process_time``:
on a shared machine the wall time includes waiting for a core, the CPU time
does not; both chains run on one thread).  Peak memory is the tracemalloc peak of an extra, untimed run (NumPy
array allocations are traced).

Also timed: this package's full reference link ``link.run`` (adds DAC with
ENOB noise and bandwidth, driver, laser RIN/phase noise, VOA, 10-bit scope)
on the same number of symbols.

Run:  python benchmarks/bench_link.py [--symbols-log2 20] [--repeats 5] [--json]
OptiCommPy (GPL-3.0) is an optional oracle: when it is not installed the
comparison is reported as skipped, with the reason.
"""
from __future__ import annotations

import argparse
import json
import logging
import time
import tracemalloc
import warnings

import numpy as np

from sim_backends.physics import chunks, link, pam, units
from sim_backends.physics import normals as normal_draws
from sim_backends.physics.fibre import Fibre
from sim_backends.physics.mzm import MZM
from sim_backends.physics.photodiode import Photodiode
from sim_backends.physics.streams import Streams

SPS = 2
BAUD = 10e9
LENGTH_KM = 20.0
P_LAUNCH_DBM = -10.0     # optical power into the MZM (dBm), chosen for a countable BER
V_PI = 5.0
DRIVE_VPP = 0.6 * V_PI  # peak-to-peak drive at the MZM
PD_BANDWIDTH = 10e9


def ours(n_symbols: int, seed: int = 1) -> dict:
    """The benchmark chain from sim_backends.physics device models, run
    chunk by chunk (sim_backends.physics.chunks) as link.run does."""
    fs = BAUD * SPS
    streams = Streams(seed)
    bits = pam.random_bits(streams.rng("bits"), 2 * n_symbols)
    symbols = pam.bits_to_symbols(bits, "pam4")
    volts = pam.values(symbols, "pam4")
    volts *= np.float32(DRIVE_VPP / 2)                    # V at the MZM (in place)
    volts = pam.shape(volts, SPS, "nrz")
    amplitude = np.float32(np.sqrt(units.dbm_to_w(P_LAUNCH_DBM)))
    # matched to OptiCommPy's modulator: no insertion loss, 60 dB extinction ratio
    mzm = MZM.biased("quadrature", v_pi=V_PI, insertion_loss_db=0.0, extinction_ratio_db=60.0)
    fibre = Fibre(length=LENGTH_KM * 1e3)
    pd = Photodiode(bandwidth=PD_BANDWIDTH, responsivity=1.0, saturation_current=None,
                    thermal_noise_density=float(np.sqrt(4 * units.K_B * 298.15 / 50)))
    wavelengths = [1550e-9]

    carrier = np.full((1, 1), amplitude, np.complex64)  # CW laser, broadcast over samples

    def chain(v, z):                                    # v, z: [batch, samples]
        field = mzm.modulate(carrier, v[..., None, :])  # [batch, wavelengths, samples]
        return pd.photocurrent(fibre.propagate(field, fs, wavelengths), fs, normals=z)

    normals = normal_draws.standard_normal([streams.state("pd")], volts.size)[0]  # compiled
    i = chunks.evaluate_batched(chain, [volts, normals], fibre.halo(fs, wavelengths) + pd.halo(fs))
    rx, _, _ = pam.receive(i, SPS, symbols, "pam4")
    errors = pam.count_bit_errors(bits, pam.symbols_to_bits(rx, "pam4"))
    return {"bit_errors": errors, "bits": int(bits.size), "samples": int(volts.size)}


def opticommpy(n_symbols: int, seed: int = 1) -> dict:
    """The same chain with OptiCommPy (GPL; imported only here, never copied)."""
    from optic.comm.modulation import modulateGray
    from optic.models.channels import linearFiberChannel
    from optic.models.devices import mzm, photodiode
    from optic.utils import parameters

    fs = BAUD * SPS
    rng = np.random.default_rng(seed)
    bits = rng.integers(0, 2, 2 * n_symbols)
    symb = modulateGray(bits, 4, "pam")
    symb = symb / np.max(np.abs(symb))
    # rectangular NRZ as ours (OptiCommPy's 'nrz' pulse at 2 sps is [1/4, 1/2, 1/4],
    # which halves the drive swing)
    u = np.repeat(symb, SPS) * (DRIVE_VPP / 2)
    pm = parameters()
    pm.Vpi, pm.Vb, pm.ER = V_PI, -V_PI / 2, 60.0
    field = mzm(np.full(u.size, np.sqrt(units.dbm_to_w(P_LAUNCH_DBM))), u, pm)
    pf = parameters()
    pf.L, pf.alpha, pf.D, pf.Fc, pf.Fs = LENGTH_KM, 0.2, 17.0, 193.1e12, fs
    field = linearFiberChannel(field, pf)
    pp = parameters()
    pp.R, pp.B, pp.Fs, pp.RL, pp.seed = 1.0, PD_BANDWIDTH, fs, 50, seed
    i = photodiode(field, pp)
    # the same reference receiver as ours (data-aided thresholds), so that the
    # BERs compare the physics; OptiCommPy's Gray map matches ours level by level
    symbols = pam.bits_to_symbols(bits.astype(np.uint8), "pam4")
    rx, _, _ = pam.receive(i, SPS, symbols, "pam4")
    errors = pam.count_bit_errors(bits, pam.symbols_to_bits(rx, "pam4"))
    return {"bit_errors": errors, "bits": int(bits.size), "samples": int(u.size)}


def full_link(n_symbols: int, seed: int = 1) -> dict:
    """This package's whole reference link (DAC ... scope ADC) at the same size."""
    r = link.run(link.LinkConfig(symbols=n_symbols, sps=SPS, baud=BAUD,
                                 spans=(Fibre(length=LENGTH_KM * 1e3),)), seed)
    return {"bit_errors": r.bit_errors, "bits": r.bits, "samples": n_symbols * SPS}


def measure(fns: dict, n_symbols: int, repeats: int = 5) -> dict:
    """Time every chain in ``fns`` (name -> callable) ``repeats`` times,
    interleaved (ours, OptiCommPy, ours, ... so that the shared machine's
    load hits both alike), after one warm-up each (JIT, imports, FFT plans);
    report the best and the median wall time, then one more untimed run
    each under tracemalloc for the peak memory."""
    for fn in fns.values():
        fn(min(n_symbols, 1 << 15))    # large enough for the compiled paths (link_kernels)
    times = {name: [] for name in fns}
    cpu = {name: [] for name in fns}
    outs = {}
    for _ in range(repeats):
        for name, fn in fns.items():
            c0, t0 = time.process_time(), time.perf_counter()
            outs[name] = fn(n_symbols)
            times[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    for name, fn in fns.items():
        tracemalloc.start()
        fn(n_symbols)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        best, median = min(times[name]), float(np.median(times[name]))
        out = outs[name]
        out.update(seconds=best, median_seconds=median, samples_per_s=out["samples"] / best,
                   cpu_seconds=min(cpu[name]), cpu_median_seconds=float(np.median(cpu[name])),
                   peak_mib=peak / 2**20, ber=out["bit_errors"] / out["bits"], repeats=repeats)
    return outs


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--symbols-log2", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    n = 2**args.symbols_log2
    logging.disable(logging.WARNING)
    fns = {"ours": ours, "ours_full_link": full_link}
    report = {"symbols": n, "sps": SPS}
    try:
        import optic  # noqa: F401  (optional oracle, GPL)
        fns["opticommpy"] = opticommpy
    except ImportError as exc:
        report["opticommpy"] = {"skipped": f"OptiCommPy not installed ({exc})"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.update(measure(fns, n, args.repeats))
    if "skipped" not in report["opticommpy"]:
        o, ref = report["ours"], report["opticommpy"]
        report["speedup_vs_opticommpy"] = ref["seconds"] / o["seconds"]            # best vs best
        report["speedup_median_vs_opticommpy"] = ref["median_seconds"] / o["median_seconds"]
        report["cpu_speedup_vs_opticommpy"] = ref["cpu_seconds"] / o["cpu_seconds"]
        report["cpu_speedup_median_vs_opticommpy"] = ref["cpu_median_seconds"] / o["cpu_median_seconds"]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"{n} PAM4 symbols x {SPS} sps, MZM at quadrature, {LENGTH_KM:g} km SSMF, PIN shot+thermal; "
              f"{args.repeats} interleaved repeats")
        for key in ("ours", "ours_full_link", "opticommpy"):
            r = report[key]
            if "skipped" in r:
                print(f"  {key:15s} skipped: {r['skipped']}")
                continue
            print(f"  {key:15s} best {r['seconds']:7.3f} s  median {r['median_seconds']:7.3f} s  "
                  f"(CPU {r['cpu_seconds']:.3f} / {r['cpu_median_seconds']:.3f} s)  "
                  f"{r['samples_per_s'] / 1e6:8.1f} MSa/s  peak {r['peak_mib']:7.1f} MiB  BER {r['ber']:.2e}")
        if "speedup_vs_opticommpy" in report:
            print(f"  speed-up vs OptiCommPy (same chain): {report['speedup_vs_opticommpy']:.1f}x best-of-"
                  f"{args.repeats}, {report['speedup_median_vs_opticommpy']:.1f}x ratio of medians; "
                  f"CPU time {report['cpu_speedup_vs_opticommpy']:.1f}x best, "
                  f"{report['cpu_speedup_median_vs_opticommpy']:.1f}x medians")
    return report


if __name__ == "__main__":
    main()
