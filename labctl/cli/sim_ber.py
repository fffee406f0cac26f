"""``labctl sim ber``: run the simulated IM/DD link once and report its BER.

Chain and device defaults: :mod:`sim_backends.physics.link` (edge transmitter
-> SSMF -> VOA to the received power -> PIN+TIA -> 10-bit scope -> reference
receiver).  Prints a human summary, or one JSON object with ``--json``.
"""
from __future__ import annotations

import json
import math

from labctl.cli import UsageError

DEFAULTS = {"format": "pam4", "baud": 10e9, "length_km": 20.0, "rop_dbm": -12.0,
            "symbols": 262144, "sps": 2, "seed": 1,
            "channels": 1}


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ber", help="BER of the simulated IM/DD link (PAM2/PAM4 over SSMF)",
        description="Run the simulated link (DAC -> driver -> MZM -> SSMF -> PIN+TIA -> scope ADC) "
                    "and count bit errors with the reference threshold receiver.")
    p.add_argument("--format", default=DEFAULTS["format"], help="pam2 | pam4 (default %(default)s)")
    p.add_argument("--baud", type=float, default=DEFAULTS["baud"], help="symbol rate, Bd (default %(default)g)")
    p.add_argument("--length-km", type=float, default=DEFAULTS["length_km"],
                   help="SSMF length, km, >= 0 (default %(default)g)")
    p.add_argument("--rop-dbm", type=float, default=DEFAULTS["rop_dbm"],
                   help="received optical power at the photodiode, dBm (default %(default)g)")
    p.add_argument("--symbols", type=int, default=DEFAULTS["symbols"], help="symbols, > 0 (default %(default)d)")
    p.add_argument("--sps", type=int, default=DEFAULTS["sps"], help="samples per symbol, >= 1 (default %(default)d)")
    p.add_argument("--channels", type=int, default=DEFAULTS["channels"],
                   help="WDM channels on a 100 GHz comb, >= 1 (default %(default)d: one laser)")
    p.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="random seed, >= 0 (default %(default)d)")
    p.add_argument("--noiseless", action="store_true", help="switch every noise source off")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def _check(args) -> None:
    from sim_backends.physics import pam
    if args.format.lower() not in pam.FORMATS:
        raise UsageError(f"--format: unknown format {args.format!r} (expected pam2 or pam4)")
    if not (math.isfinite(args.baud) and args.baud > 0):
        raise UsageError(f"--baud: must be a positive number of Bd, got {args.baud}")
    if not (math.isfinite(args.length_km) and args.length_km >= 0):
        raise UsageError(f"--length-km: must be >= 0, got {args.length_km}")
    if not math.isfinite(args.rop_dbm):
        raise UsageError(f"--rop-dbm: must be finite, got {args.rop_dbm}")
    if args.symbols <= 0:
        raise UsageError(f"--symbols: must be > 0, got {args.symbols}")
    if args.sps < 1:
        raise UsageError(f"--sps: must be >= 1, got {args.sps}")
    if args.channels < 1:
        raise UsageError(f"--channels: must be >= 1, got {args.channels}")
    if args.seed < 0:
        raise UsageError(f"--seed: must be >= 0, got {args.seed}")


def config_from_args(args):
    """LinkConfig for validated CLI arguments."""
    from sim_backends.physics.fibre import Fibre
    from sim_backends.physics.laser import CombSource
    from sim_backends.physics.link import LinkConfig
    comb = CombSource(lines=args.channels) if args.channels > 1 else None
    cfg = LinkConfig(format=args.format.lower(), baud=args.baud, sps=args.sps, symbols=args.symbols,
                     rop_dbm=args.rop_dbm, spans=(Fibre(length=args.length_km * 1e3),), comb=comb)
    return cfg.noiseless() if args.noiseless else cfg


def run(args) -> int:
    _check(args)
    from sim_backends.physics import link
    result = link.run(config_from_args(args), args.seed)
    summary = result.summary()
    summary.update(format=args.format.lower(), baud=args.baud, length_km=args.length_km,
                   symbols=args.symbols, sps=args.sps, channels=args.channels)
    if args.json:
        print(json.dumps(summary))
    else:
        lo, hi = summary["ber_ci95"]
        print(f"{summary['format'].upper()} {args.baud / 1e9:g} GBd, {args.length_km:g} km SSMF, "
              f"ROP {args.rop_dbm:g} dBm, seed {args.seed}")
        print(f"BER {summary['ber']:.3e}  (95 % CI {lo:.2e} .. {hi:.2e}; "
              f"{summary['bit_errors']} errors / {summary['bits']} bits), SNR {summary['snr_db']:.2f} dB")
    return 0


__all__ = ["register", "run", "config_from_args", "DEFAULTS"]
