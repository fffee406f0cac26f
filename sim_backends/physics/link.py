"""An IM/DD link: edge-node transmitter -> fibre spans (+ EDFAs) -> receiver.

Chain (every stage one device model of this package, all at the simulation
rate fs = baud * sps)::

    bits -> Gray PAM symbols -> DAC codes (full-scale PAM levels, NRZ at sps)
         -> DAC.to_volts -> DriverAmp -> MZM (laser field, quadrature bias)
         -> [Fibre -> EDFA?] per span -> VOA to the received power ROP
         -> Photodiode+TIA -> scope ADC (auto-ranged to the signal) -> codes
         -> reference receiver (symbol-centre sampling, data-aided thresholds)

Vectorised over wavelengths: ``Link.transmit_fields`` keeps fields as
[wavelengths, samples]; the single-wavelength BER run uses one row.

Determinism: all randomness comes from ``Streams(seed)`` with one stream per
device ("bits", "dac", "laser", ("edfa", span), "pd", "adc"), drawn for the
whole record before the chain runs chunk by chunk (:mod:`chunks`), so one
seed gives bit-identical ADC codes on every run whatever the chunking;
different seeds give different noise.  Each noise source is switched through its device's ``noise`` field
(``LinkConfig.noiseless()`` switches all off).

The DAC and scope run at fs = baud * sps here (their ``sample_rate`` is
replaced accordingly), i.e. an AWG/scope clocked synchronously at an integer
number of samples per symbol; the instruments' own rates matter in the
simulated bench (sim_backends.table), not in this reference link.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import numpy as np

from sim_backends.physics import chunks, pam, units
from sim_backends.physics.adc import ADC
from sim_backends.physics.dac import DAC
from sim_backends.physics.driver_amp import DriverAmp
from sim_backends.physics.edfa import EDFA
from sim_backends.physics.fibre import Fibre
from sim_backends.physics.laser import Laser
from sim_backends.physics.mzm import MZM
from sim_backends.physics.photodiode import Photodiode
from sim_backends.physics.streams import Streams


@dataclass(frozen=True)
class LinkConfig:
    """Everything that defines one link run (SI units, rop in dBm)."""

    format: str = "pam4"
    baud: float = 10e9                 # symbols/s
    sps: int = 2                       # samples per symbol
    symbols: int = 262144
    rop_dbm: float | None = -12.0      # received optical power at the PD; None = no VOA
    spans: tuple = (Fibre(length=20e3),)
    edfa: EDFA | None = None           # amplifier after every span (None = unamplified)
    laser: Laser = field(default_factory=Laser)
    dac: DAC = field(default_factory=lambda: DAC(vpp=0.25))  # AWG amplitude setting
    driver: DriverAmp = field(default_factory=DriverAmp)
    mzm: MZM = field(default_factory=MZM)
    pd: Photodiode = field(default_factory=Photodiode)
    adc: ADC = field(default_factory=ADC)
    adc_autorange: bool = True         # set range/offset to the signal as a scope autoscale

    @property
    def fs(self) -> float:
        return self.baud * self.sps

    @property
    def length(self) -> float:
        return float(sum(s.length for s in self.spans))

    def noiseless(self) -> "LinkConfig":
        """The same link with every noise source switched off."""
        r = dataclasses.replace
        return r(self, laser=r(self.laser, noise=False), dac=r(self.dac, noise=False),
                 pd=r(self.pd, noise=False), adc=r(self.adc, noise=False),
                 edfa=r(self.edfa, noise=False) if self.edfa else None)


@dataclass
class LinkResult:
    ber: float
    ber_ci95: tuple
    bit_errors: int
    bits: int
    snr_db: float
    rop_dbm: float | None
    seed: int
    codes: np.ndarray = field(repr=False)
    adc: ADC = field(repr=False)

    def summary(self) -> dict:
        """JSON-ready scalars."""
        return {"ber": self.ber, "ber_ci95": list(self.ber_ci95), "bit_errors": self.bit_errors,
                "bits": self.bits, "snr_db": self.snr_db, "rop_dbm": self.rop_dbm, "seed": self.seed,
                "adc_range_v": self.adc.range, "adc_offset_v": self.adc.offset}

    def to_json(self) -> str:
        return json.dumps(self.summary())


def dac_codes(symbols, fmt: str, dac: DAC, sps: int) -> np.ndarray:
    """PAM level indices -> DAC codes spanning the full scale, held sps samples:
    code(i) = round(i (2**bits - 1) / (M - 1))."""
    m = pam.order(fmt)
    levels = np.rint(np.arange(m) * dac.max_code / (m - 1)).astype(np.uint16)
    return np.repeat(levels[np.asarray(symbols)], sps)


def _halo(span: Fibre, fs: float, wavelengths) -> int:
    """Chunk halo of a span (a nonlinear span is evaluated in one pass)."""
    return 1 << 40 if span.nonlinear else span.halo(fs, wavelengths)


def _normals(rng: np.random.Generator, shape, on: bool) -> np.ndarray:
    """Whole-record standard normals (float32), or zeros when the source is off."""
    return rng.standard_normal(shape, dtype=np.float32) if on else np.zeros(shape, np.float32)


def transmit(cfg: LinkConfig, codes, streams: Streams, wavelengths) -> np.ndarray:
    """Codes [samples] -> field [1, samples] after the MZM and the first span
    (DAC with ENOB noise, driver, laser with RIN/phase noise, MZM)."""
    fs, n = cfg.fs, codes.shape[-1]
    dac = dataclasses.replace(cfg.dac, sample_rate=fs)
    carrier = cfg.laser.field(n, fs, streams.rng("laser"))
    first = cfg.spans[0] if cfg.spans else None

    def chain(codes, z, carrier):
        field = cfg.mzm.modulate(carrier, cfg.driver.amplify(dac.to_volts(codes, normals=z), fs))
        return first.propagate(field, fs, wavelengths) if first else field

    halo = dac.halo() + cfg.driver.halo(fs) + (_halo(first, fs, wavelengths) if first else 0)
    return chunks.evaluate(chain, [codes, _normals(streams.rng("dac"), n, dac.noise), carrier], halo)


def propagate(cfg: LinkConfig, field, streams: Streams, wavelengths) -> np.ndarray:
    """EDFA after each span and the remaining spans; returns the field at the
    VOA input (the first span is part of :func:`transmit`)."""
    fs = cfg.fs
    for i, span in enumerate(cfg.spans):
        if i > 0:
            field = chunks.evaluate(lambda x: span.propagate(x, fs, wavelengths), [field],
                                    _halo(span, fs, wavelengths))
        if cfg.edfa is not None:
            field = cfg.edfa.amplify(field, fs, wavelengths, streams.rng("edfa", i))
    return field


def voa_scale(cfg: LinkConfig, field) -> float:
    """Field scale factor of the VOA that sets the mean power to ``rop_dbm``."""
    if cfg.rop_dbm is None:
        return 1.0
    p = float(np.sum(np.mean(np.abs(field) ** 2, axis=-1)))
    return float(np.sqrt(float(units.dbm_to_w(cfg.rop_dbm)) / p))


def receive_codes(cfg: LinkConfig, field, streams: Streams):
    """Field at the VOA input -> (uint16 scope codes, the ADC used with its
    range/offset).  VOA, PD+TIA and scope front end run chunked."""
    fs, n = cfg.fs, field.shape[-1]
    adc = dataclasses.replace(cfg.adc, sample_rate=fs)
    scale = np.float32(voa_scale(cfg, field))

    def chain(x, z):
        return adc.frontend(cfg.pd.detect(x * scale, fs, normals=z), fs)

    volts = chunks.evaluate(chain, [field, _normals(streams.rng("pd"), n, cfg.pd.noise)],
                            cfg.pd.halo(fs) + adc.halo(fs))
    if cfg.adc_autorange:
        lo, hi = float(volts.min()), float(volts.max())
        adc = dataclasses.replace(adc, range=1.1 * (hi - lo), offset=(hi + lo) / 2)
    codes = adc.to_codes(adc.resample(volts, fs), streams.rng("adc"))
    return codes, adc


def run(cfg: LinkConfig, seed: int) -> LinkResult:
    """Run the link once; BER from the reference receiver on the ADC codes."""
    if cfg.symbols <= 0:
        raise ValueError("symbols must be > 0")
    streams = Streams(seed)
    k = pam.bits_per_symbol(cfg.format)
    bits = pam.random_bits(streams.rng("bits"), cfg.symbols * k)
    symbols = pam.bits_to_symbols(bits, cfg.format)
    codes_tx = dac_codes(symbols, cfg.format, cfg.dac, cfg.sps)
    wavelengths = np.array([cfg.laser.wavelength])
    field = propagate(cfg, transmit(cfg, codes_tx, streams, wavelengths), streams, wavelengths)
    codes, adc = receive_codes(cfg, field, streams)
    rx_symbols, snr, _ = pam.receive(adc.to_volts(codes), cfg.sps, symbols, cfg.format)
    rx_bits = pam.symbols_to_bits(rx_symbols, cfg.format)
    errors = pam.count_bit_errors(bits[: rx_bits.size], rx_bits)
    n = int(rx_bits.size)
    return LinkResult(ber=errors / n, ber_ci95=pam.ber_ci95(errors, n), bit_errors=errors, bits=n,
                      snr_db=float(10 * np.log10(snr)), rop_dbm=cfg.rop_dbm, seed=int(seed),
                      codes=codes, adc=adc)
