"""An IM/DD link: edge-node transmitter -> fibre spans (+ EDFAs) -> receiver.

Chain (every stage one device model of this package, all at the simulation
rate fs = baud * sps)::

    bits -> Gray PAM symbols -> DAC codes (full-scale PAM levels, NRZ at sps)
         -> DAC.to_volts -> DriverAmp -> MZM (laser field, quadrature bias)
         -> [Fibre -> EDFA?] per span -> VOA to the received power ROP
         -> Photodiode+TIA -> scope ADC (auto-ranged to the signal) -> codes
         -> reference receiver (symbol-centre sampling, data-aided thresholds)

Vectorised over wavelengths: with ``LinkConfig(comb=CombSource(...))`` every
comb line carries its own PAM data through its own DAC channel, driver and
MZM; the lines share the fibre as one field [wavelengths, samples] (each
with its own dispersion), are separated by a demux (with its crosstalk) and
detected and scoped per channel.  ``rop_dbm`` is then the power per channel
at each photodiode.  Without a comb a single ``Laser`` is used.

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
from sim_backends.physics.laser import CombSource, Laser
from sim_backends.physics.mux import Demux
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
    comb: CombSource | None = None     # WDM: one PAM channel per comb line (replaces laser)
    demux: Demux = field(default_factory=Demux)

    @property
    def wavelengths(self) -> np.ndarray:
        """Carrier wavelengths (m), one per channel."""
        return np.asarray(self.comb.wavelengths if self.comb else [self.laser.wavelength])

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
                 edfa=r(self.edfa, noise=False) if self.edfa else None,
                 comb=r(self.comb, noise=False) if self.comb else None,
                 demux=r(self.demux, crosstalk=False))


@dataclass
class LinkResult:
    ber: float
    ber_ci95: tuple
    bit_errors: int
    bits: int
    snr_db: float
    rop_dbm: float | None
    seed: int
    codes: np.ndarray = field(repr=False)   # uint16 [samples], or [channels, samples] (WDM)
    adc: ADC = field(repr=False)            # scope settings of channel 0
    ber_per_channel: list = field(default_factory=list)
    snr_db_per_channel: list = field(default_factory=list)

    def summary(self) -> dict:
        """JSON-ready scalars (SNR is the mean over channels in dB)."""
        out = {"ber": self.ber, "ber_ci95": list(self.ber_ci95), "bit_errors": self.bit_errors,
               "bits": self.bits, "snr_db": self.snr_db, "rop_dbm": self.rop_dbm, "seed": self.seed,
               "adc_range_v": self.adc.range, "adc_offset_v": self.adc.offset}
        if len(self.ber_per_channel) > 1:
            out.update(ber_per_channel=self.ber_per_channel, snr_db_per_channel=self.snr_db_per_channel)
        return out

    def to_json(self) -> str:
        return json.dumps(self.summary())


def dac_codes(symbols, fmt: str, dac: DAC, sps: int) -> np.ndarray:
    """PAM level indices -> DAC codes spanning the full scale, held sps samples:
    code(i) = round(i (2**bits - 1) / (M - 1))."""
    m = pam.order(fmt)
    levels = np.rint(np.arange(m) * dac.max_code / (m - 1)).astype(np.uint16)
    return np.repeat(levels[np.asarray(symbols)], sps, axis=-1)


def _halo(span: Fibre, fs: float, wavelengths) -> int:
    """Chunk halo of a span (a nonlinear span is evaluated in one pass)."""
    return 1 << 40 if span.nonlinear else span.halo(fs, wavelengths)


def _normals(rng: np.random.Generator, shape, on: bool) -> np.ndarray:
    """Whole-record standard normals (float32), or zeros when the source is off."""
    return rng.standard_normal(shape, dtype=np.float32) if on else np.zeros(shape, np.float32)


def transmit(cfg: LinkConfig, codes, streams: Streams, wavelengths) -> np.ndarray:
    """Codes [channels, samples] -> field [channels, samples] after the MZMs
    and the first span (DAC with ENOB noise, driver, laser or comb with
    RIN/phase noise, one MZM per channel)."""
    fs, n = cfg.fs, codes.shape[-1]
    dac = dataclasses.replace(cfg.dac, sample_rate=fs)
    carrier = (cfg.comb or cfg.laser).field(n, fs, streams.rng("laser"))
    first = cfg.spans[0] if cfg.spans else None

    def chain(codes, z, carrier):
        field = cfg.mzm.modulate(carrier, cfg.driver.amplify(dac.to_volts(codes, normals=z), fs))
        return first.propagate(field, fs, wavelengths) if first else field

    halo = dac.halo() + cfg.driver.halo(fs) + (_halo(first, fs, wavelengths) if first else 0)
    return chunks.evaluate_batched(chain, [codes, _normals(streams.rng("dac"), codes.shape, dac.noise), carrier], halo)


def propagate(cfg: LinkConfig, field, streams: Streams, wavelengths) -> np.ndarray:
    """EDFA after each span and the remaining spans; returns the field at the
    VOA input (the first span is part of :func:`transmit`)."""
    fs = cfg.fs
    for i, span in enumerate(cfg.spans):
        if i > 0:
            field = chunks.evaluate_batched(lambda x: span.propagate(x, fs, wavelengths), [field],
                                    _halo(span, fs, wavelengths))
        if cfg.edfa is not None:
            field = cfg.edfa.amplify(field, fs, wavelengths, streams.rng("edfa", i))
    return field


def voa_scale(cfg: LinkConfig, field) -> float:
    """Field scale factor of the VOA that sets the mean power per channel at
    each photodiode to ``rop_dbm`` (after the demux loss in WDM)."""
    if cfg.rop_dbm is None:
        return 1.0
    p = float(np.mean(np.abs(field) ** 2))          # mean power per channel
    if cfg.comb is not None:
        p *= float(units.db_to_lin(-cfg.demux.insertion_loss_db))
    return float(np.sqrt(float(units.dbm_to_w(cfg.rop_dbm)) / p))


def receive_codes(cfg: LinkConfig, field, streams: Streams):
    """Field [channels, samples] at the VOA input -> (uint16 scope codes
    [channels, samples], one ADC per channel with its range/offset).  VOA,
    demux (WDM), PD+TIA and scope front end run chunked."""
    fs = cfg.fs
    adc = dataclasses.replace(cfg.adc, sample_rate=fs)
    scale = np.float32(voa_scale(cfg, field))

    def chain(x, z):
        x = x * scale
        if cfg.comb is not None:
            x = cfg.demux.split(x)                  # [outputs, wavelengths, samples]
        else:
            x = x[..., None, :]                     # one photodiode per row
        return adc.frontend(cfg.pd.detect(x, fs, normals=z), fs)

    volts = chunks.evaluate_batched(chain, [field, _normals(streams.rng("pd"), field.shape, cfg.pd.noise)],
                            cfg.pd.halo(fs) + adc.halo(fs))
    codes, adcs = [], []
    for ch, v in enumerate(volts):
        a = adc
        if cfg.adc_autorange:
            lo, hi = float(v.min()), float(v.max())
            a = dataclasses.replace(adc, range=1.1 * (hi - lo), offset=(hi + lo) / 2)
        codes.append(a.to_codes(a.resample(v, fs), streams.rng("adc", ch) if ch else streams.rng("adc")))
        adcs.append(a)
    return np.array(codes), adcs


def run(cfg: LinkConfig, seed: int) -> LinkResult:
    """Run the link once; BER from the reference receiver on the ADC codes
    (all channels together for the totals, and per channel)."""
    if cfg.symbols <= 0:
        raise ValueError("symbols must be > 0")
    streams = Streams(seed)
    wavelengths = cfg.wavelengths
    n_ch, k = wavelengths.size, pam.bits_per_symbol(cfg.format)
    bits = pam.random_bits(streams.rng("bits"), n_ch * cfg.symbols * k).reshape(n_ch, -1)
    symbols = pam.bits_to_symbols(bits.reshape(-1), cfg.format).reshape(n_ch, -1)
    codes_tx = dac_codes(symbols, cfg.format, cfg.dac, cfg.sps)
    field = propagate(cfg, transmit(cfg, codes_tx, streams, wavelengths), streams, wavelengths)
    codes, adcs = receive_codes(cfg, field, streams)
    errors, n_bits, bers, snrs = 0, 0, [], []
    for ch in range(n_ch):
        rx_symbols, snr, _ = pam.receive(adcs[ch].to_volts(codes[ch]), cfg.sps, symbols[ch], cfg.format)
        rx_bits = pam.symbols_to_bits(rx_symbols, cfg.format)
        e = pam.count_bit_errors(bits[ch, : rx_bits.size], rx_bits)
        errors, n_bits = errors + e, n_bits + rx_bits.size
        bers.append(e / rx_bits.size)
        snrs.append(float(10 * np.log10(snr)))
    return LinkResult(ber=errors / n_bits, ber_ci95=pam.ber_ci95(errors, n_bits), bit_errors=errors,
                      bits=int(n_bits), snr_db=float(np.mean(snrs)), rop_dbm=cfg.rop_dbm, seed=int(seed),
                      codes=codes[0] if n_ch == 1 else codes, adc=adcs[0],
                      ber_per_channel=bers, snr_db_per_channel=snrs)
