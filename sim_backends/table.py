"""The simulated optical table: every instrument of one bench wired as the
bench topology says (docs/DESIGN.md, "The data path"; INTERFACES.md).

The table owns no settings: it reads the instruments' ``state`` dicts (keys of
docs/INTERFACES.md) each time a scope acquires, runs the physics of
:mod:`sim_backends.physics` between the AWG codes and the scope codes, and
returns integer ADC codes.

Time base. The AWGs play their waveforms in continuous repeat from a common
trigger; the scopes trigger on the same clock at the computing centre (t = 0).
All signals are therefore periodic with the AWG period ``T = len(codes) /
sample_rate`` (equal for every running AWG), and each edge node's light arrives
delayed by its fibre group delay, i.e. circularly shifted by ``tau mod T``. One
period is simulated exactly in the frequency domain (delay, DAC/driver/PD
responses and chromatic dispersion are phase factors on one FFT grid); the
scope then samples the periodic signal at its own rate for ``points`` samples.

Signal chain, scheme ``wdm`` (per edge node e, port p, comb line k)::

    line power   P_k = P_laser * eta_comb * flat_k / n_ports_e     (1:n split)
    drive        v_p(t) = g_drv * DAC(codes_p)                      (V)
    field        E_pk = sqrt(P_k) * MZM(v_p + v_bias,p)             (sqrt W)
    fibre        E_pk <- H_fibre(f; lambda_k, L_e - r L_e) e^{-j 2 pi f tau_e}
    EDFA, DCM    E_pk <- sqrt(G_e * L_dcm) E_pk   (+ ASE, PSD S_e)
    rings        P_pk <- |E_pk|^2 * prod_k' |t_ring(p,k')(lambda_k)|^2
    AWGR         P_q  = sum_pk T_awgr[p, q, k] P_pk   (q = (p - k) mod N routed)
    receiver     I_q = R P_q + I_d ; V = Z_t I ; scope ADC -> uint16 codes

Scheme ``time``: one lane per parallel row, the edge laser (CW) -> edge MZM
(x) -> fibre -> EDFA/DCM -> centre MZM driven by the weight AWG (w, no delay:
it sits at the centre) -> photodiode -> scope.

Noise (each switchable in :class:`NoiseSwitches`, for the error budget). The
additive noises are drawn white at the scope rate with the one-sided PSDs
below over fs/2 and then shaped by the receiver response (PD x scope), i.e.
after filtering their variance is PSD x ENBW (Agrawal, Fiber-Optic
Communication Systems, 4th ed., sec. 4.4 and 7.1):

* ``dac``: AWG ENOB noise (physics.dac), per AWG sample, per acquisition;
* ``rin``: laser RIN, one realisation per seed laser shared by all its comb
  lines and all outputs (relative power noise, PSD = RIN_lin);
* ``shot``: 2 q I;   ``thermal``: i_n^2 (TIA input-referred);
* ``ase``: signal-ASE beat 4 R^2 P_s S_ase and ASE-ASE 4 R^2 S_ase^2 B_o per
  output, with S_ase the EDFA ASE PSD per polarisation carried to the PD;
  plus the mean ASE photocurrent 2 R S_ase B_o;
* ``crosstalk``: AWGR leakage (power, incoherent) and ring-to-neighbour-line
  attenuation (thermal coupling between neighbouring heaters is always on: it
  is a deterministic device property that calibration measures and undoes);
* ``adc``: scope ENOB noise (physics.adc) before quantisation.

Quantisation of DAC and ADC codes cannot be switched off: it is in the codes.

Randomness: :class:`sim_backends.physics.streams.Streams`. Device spreads
(bias offsets, ring fabrication offsets, comb flatness) come from
``("device", ...)`` streams of the *bench* seed (one physical bench), noise
from ``(source, ..., acquisition)`` streams of the run seed, where the
acquisition index counts the acquisitions of each scope (scopes acquired in
lockstep share one realisation of the upstream noises): ("dac", awg, channel,
acq), ("rin", laser, acq), and per scope ("pd", scope, acq) for all its
photodiode rows and ("adc", scope, acq) for all its ADC rows, drawn by the
compiled sampler :mod:`sim_backends.physics.normals` from ``Streams.state``.
"""
from __future__ import annotations

import contextlib
import hashlib
import math
import pickle
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping, Sequence

import numpy as np
import scipy.fft as sfft

from sim_backends import drive_kernels, schemes
from sim_backends import receiver_kernels as kernels
from sim_backends.physics import filters, normals, quantiser, units
from sim_backends.physics.awgr import AWGR
from sim_backends.physics.dac import DAC
from sim_backends.physics.edfa import EDFA
from sim_backends.physics.fibre import Fibre
from sim_backends.physics.microring import MicroRing
from sim_backends.physics.mzm import MZM, bias_voltage
from sim_backends.physics.streams import Streams

#: Oversampling of the periodic signal before the scope samples it (4-point
#: Lagrange interpolation between Fourier-interpolated points).
_SCOPE_UPSAMPLE = 2

#: One state mapping per frame: instrument name -> state dict (or instrument).
Frames = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class NoiseSwitches:
    """Which noise sources are on (all by default). ``NoiseSwitches.none()``
    gives the deterministic table (quantisation only)."""

    dac: bool = True
    rin: bool = True
    shot: bool = True
    thermal: bool = True
    ase: bool = True
    crosstalk: bool = True
    adc: bool = True

    @classmethod
    def none(cls) -> "NoiseSwitches":
        return cls(**{f.name: False for f in fields(cls)})

    def without(self, name: str) -> "NoiseSwitches":
        """The same switches with one source off."""
        return replace(self, **{name: False})

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def _state(obj) -> Mapping[str, Any]:
    """An instrument's state dict (accepts a SimInstrument or the dict)."""
    return getattr(obj, "state", obj)


def _chan(state: Mapping, ch: int) -> Mapping:
    chans = state.get("channels", {})
    return chans.get(ch, chans.get(str(ch), {}))


class OpticalTable:
    """All devices of one bench, wired per its topology.

    Parameters: ``bench`` (a :class:`labctl.bench.Bench` or anything with
    ``.topology``, ``.instruments`` and ``.seed``), ``instruments_state``:
    name -> state dict (or simulated instrument with ``.state``), ``seed``
    (default ``bench.seed``), ``noise``: :class:`NoiseSwitches`.

    Frames. Every computation runs on a batch of frames (a leading frames
    axis): ``frames`` is a list of state mappings, one per frame, and ``acqs``
    their acquisition indices. A frame's numbers depend only on its own state
    and acquisition index (its noise comes from its own streams; the batched
    operations are row-wise FFTs and element-wise arithmetic), so a frame's
    codes do not depend on how frames are batched. :meth:`acquire` is the
    batch of one frame that a simulated scope asks for; :meth:`acquire_frames`
    the in-process path's many frames at once.
    """

    def __init__(self, bench, instruments_state: Mapping[str, Any], seed: int | None = None,
                 noise: NoiseSwitches | None = None):
        self.bench = bench
        self.topology = bench.topology
        self.instruments = instruments_state
        self.seed = int(bench.seed if seed is None else seed)
        self.streams = Streams(self.seed)
        #: device spread is a property of the bench (its seed), not of a run
        self.device_streams = Streams(int(bench.seed))
        self.noise = noise or NoiseSwitches()
        self.acquisitions: dict[str, int] = {}
        self._cache: tuple | None = None
        self._unchanged = 0               # inside unchanged(): its serial number, no fingerprints
        self._contexts = 0
        self._static: dict = {}
        #: simulate scope averaging with N independent records (else the Gaussian shortcut)
        self.exact_average = False
        self._devices_fixed()

    @property
    def scheme(self):
        """The scheme module (sim_backends.schemes) of this bench's topology."""
        return schemes.for_topology(self.topology)

    # ------------------------------------------------------------ static device spread
    def _devices_fixed(self) -> None:
        """Per-device random parameters, drawn once from ('device', ...) streams."""
        topo, dev = self.topology, self.topology.devices
        self.bias_offset = {}  # (edge, ch) -> V, static bias offset seen in manual mode
        self.comb_flat = {}    # edge -> linear factor per line
        for e in topo.edges:
            rng = self.device_streams.rng("device", "mzm", e.name)
            for ch in e.bias_channels:
                self.bias_offset[(e.name, ch)] = float(rng.normal(0, dev.mzm.bias_spread_v))
            rng = self.device_streams.rng("device", "comb", e.name)
            db = rng.uniform(-dev.laser.comb_flatness_db, dev.laser.comb_flatness_db,
                             topo.centre.wavelengths)
            self.comb_flat[e.name] = units.db_to_lin(db)
        n = topo.centre.ports
        lo, hi = dev.ring.fab_offset_nm
        rng = self.device_streams.rng("device", "rings")
        self.ring_fab_offset = rng.uniform(lo, hi, (n, topo.centre.wavelengths)) * 1e-9  # m, blue
        self.lock_error = {}
        for e in topo.edges:
            rng = self.device_streams.rng("device", "bias_lock", e.name)
            for ch in e.bias_channels:
                self.lock_error[(e.name, ch)] = float(rng.normal(0, dev.mzm.lock_error_v))
        for i, lane in enumerate(getattr(topo.centre, "lanes", None) or ()):
            rng = self.device_streams.rng("device", "weight_mzm", i)
            self.lock_error[("centre", lane.weight_channel)] = float(rng.normal(0, dev.mzm.lock_error_v))

    def _memo(self, key, make):
        """Static quantity (transfer functions, sample positions, ...) computed once per key."""
        if key not in self._static:
            self._static[key] = make()
        return self._static[key]

    # ------------------------------------------------------------ grid and lines
    def line_frequencies(self, edge, states: Mapping | None = None) -> np.ndarray:
        """Comb line frequencies (Hz) of an edge node: seed frequency + (k - (N-1)/2) spacing."""
        laser = _state((states or self.instruments)[edge.laser])
        f0 = float(units.wavelength_to_frequency(laser.get("wavelength", 1550.12e-9)))
        n = self.topology.centre.wavelengths
        return f0 + (np.arange(n) - (n - 1) / 2) * self.topology.centre.comb_spacing_hz

    def ring_design_wavelengths(self) -> np.ndarray:
        """Comb-grid wavelengths (m) the rings are designed for, per line k."""
        c = self.topology.centre
        f = c.grid_centre_hz + (np.arange(c.wavelengths) - (c.wavelengths - 1) / 2) * c.comb_spacing_hz
        return units.frequency_to_wavelength(f)

    def _period(self, states: Mapping | None = None) -> tuple[float, int]:
        """(period T in s, grid points N) from the running AWGs."""
        states = states or self.instruments
        best = None
        for name in self.scheme.awgs(self.topology):
            st = _state(states[name])
            lengths = [len(_chan(st, ch).get("codes", ())) for ch in st.get("channels", {})]
            lengths = [n for n in lengths if n]
            if not lengths:
                continue
            t = max(lengths) / float(st["sample_rate"])
            n = max(lengths)
            if best is None or n > best[1]:
                best = (t, n)
        if best is None:
            raise RuntimeError("no AWG holds a waveform: nothing to acquire")
        return best

    # ------------------------------------------------------------ electrical drive
    def _awg_model(self, name: str) -> str:
        inst = self.bench.instruments.get(name)
        return getattr(inst, "model", "") if inst is not None else ""

    def _dac(self, awg: str, st: Mapping, c: Mapping) -> DAC:
        dev = self.topology.devices.dac
        model = self._awg_model(awg)
        key = ("dac", awg, int(st.get("bits", 8)), float(st["sample_rate"]),
               float(c.get("vpp", 0.5)), float(c.get("offset", 0.0)))
        return self._memo(key, lambda: DAC(
            bits=key[2], sample_rate=key[3], vpp=key[4], offset=key[5],
            bandwidth=dev.bandwidth_hz.get(model, dev.default_bandwidth_hz),
            enob=dev.enob.get(model, dev.default_enob), noise=self.noise.dac))

    def _drive_response(self, dac: DAC, m: int) -> np.ndarray:
        """DAC (ZOH x bandwidth) x modulator-bandwidth response on the m-point rfft grid."""
        def make():
            f = sfft.rfftfreq(m, 1 / dac.sample_rate)
            return dac.response(f) * filters.gaussian(f, self.topology.devices.mzm.bandwidth_hz)
        return self._memo(("drive_h", dac, m), make)

    def drive(self, awg: str, ch: int, period: float, n: int, acq: int, avg=(1, None)) -> np.ndarray:
        """AWG channel output on the simulation grid (V) for the current
        state: :meth:`drives` of one frame."""
        return self.drives(awg, ch, period, n, [self.instruments], [acq], avg)[0]

    def drives(self, awg: str, ch: int, period: float, n: int, frames: Frames, acqs,
               avg=(1, None)) -> np.ndarray:
        """AWG channel output on the simulation grid (V at the AWG output),
        [frames, n]: :meth:`drives_of` of one channel."""
        return self.drives_of(awg, [ch], period, n, frames, acqs, avg)[:, 0]

    def drives_of(self, awg: str, chans: Sequence[int], period: float, n: int, frames: Frames,
                  acqs, avg=(1, None), extra=None) -> np.ndarray:
        """AWG channel outputs on the simulation grid (V at the AWG output),
        [frames, channels, n]: DAC levels (+ENOB noise) -> ZOH x analogue
        bandwidth, resampled onto the n-point grid of one period by
        zero-padding the spectrum (exact for a periodic band-limited signal).
        A stopped AWG or a channel with output off gives 0 V. ``avg`` = (N,
        draw): scope averaging of N records; draw None is the
        Gaussian-equivalent shortcut (noise std / sqrt(N)), an integer one of N
        exact draws. ``extra`` = (key, H): a further linear transfer H on the
        n-point rfft grid (e.g. a fibre's pure delay, which commutes with the
        memoryless modulator), applied in the same spectrum.

        ENOB noise: white, std sigma_enob per AWG sample, one stream
        ("dac", awg, channel, acquisition) per channel and frame
        (:mod:`sim_backends.physics.normals`). Codes held for r samples
        (symbols, r > 1) take a shortcut with the same result: the spectrum
        of the held levels is S[k mod N_s] D_r(k) (S: the N_s-point DFT of the
        symbol levels, D_r: the DFT of r ones), and the white noise is drawn
        directly in the frequency domain with the law of the rfft of m white
        samples (:func:`_white_spectrum`): no forward FFT of m samples."""
        out = np.zeros((len(frames), len(chans), n))
        items = []          # [frame, channel index, dac, codes, reps, channel, block]
        for f, states in enumerate(frames):
            st = _state(states[awg])
            for j, ch in enumerate(chans):
                c = _chan(st, ch)
                codes = np.asarray(c.get("codes", ()))
                if not st.get("running", True) or not c.get("output", True) or codes.size == 0:
                    continue
                dac = self._dac(awg, st, c)
                reps = period * dac.sample_rate / codes.size  # a shorter waveform repeats
                if abs(reps - round(reps)) > 1e-6 * reps or round(reps) < 1:
                    raise RuntimeError(f"{awg} ch{ch}: waveform period {codes.size / dac.sample_rate:.4g} s "
                                       f"does not divide the bench period {period:.4g} s")
                reps = int(round(reps))
                items.append([f, j, dac, codes, reps, ch,
                              drive_kernels.hold_block(codes) if reps == 1 else 1])
        groups: dict = {}   # one transform per group of rows with the same DAC set-up and shape
        for it in items:
            groups.setdefault((it[2], it[3].size * it[4], it[6]), []).append(it)
        for (dac, m, r), its in groups.items():
            sigma = dac.noise_sigma() * _avg_scale(avg) if self.noise.dac else 0.0
            z = (normals.standard_normal([self._seq(avg, "dac", awg, it[5], acqs[it[0]]) for it in its],
                                         its[0][3].size) if sigma > 0 else None)
            if r > 1 and m == n:   # held symbols on the bench period: one compiled pass
                rows = self._held_rows(dac, m, r, its, z, sigma, extra)
                for it, row in zip(its, rows):
                    out[it[0], it[1]] = row
                continue
            if r > 1:   # held symbols: the spectrum from the symbols, the noise drawn in it
                sym = dac.levels(np.stack([it[3][::r] for it in its]))
                d, wrap = self._memo(("hold", m, r), lambda: (
                    sfft.rfft(np.r_[np.ones(r), np.zeros(m - r)]), np.arange(m // 2 + 1) % (m // r)))
                spec = np.fft.fft(sym, axis=-1)[:, wrap] * d
                if z is not None:
                    spec += _white_spectrum(z, m) * sigma
            else:
                v = dac.levels(np.stack([np.tile(it[3], it[4]) for it in its]))
                if z is not None:
                    v += np.concatenate([z] * its[0][4], axis=-1) * sigma if its[0][4] > 1 else z * sigma
                spec = sfft.rfft(v, axis=-1)
            if m == n and extra is not None:
                spec *= self._memo(("drive_h", dac, m, extra[0]),
                                   lambda: self._drive_response(dac, m) * extra[1])
            else:
                spec *= self._drive_response(dac, m)
                if m != n:
                    full = np.zeros((len(its), n // 2 + 1), complex)
                    k = min(full.shape[-1], spec.shape[-1])
                    full[:, :k] = spec[:, :k] * (n / m)
                    spec = full
                if extra is not None:
                    spec *= extra[1]
            rows = sfft.irfft(spec, n=n, axis=-1)
            for it, row in zip(its, rows):
                out[it[0], it[1]] = row
        return out

    def _held_rows(self, dac: DAC, m: int, r: int, its, z, sigma: float, extra) -> np.ndarray:
        """Rows [len(its), m] (V, float32) of held symbols (r samples each) on
        the m-point grid of the bench period: the spectrum S[k mod N_s] D_r[k]
        H[k] plus the ENOB noise drawn in it (:mod:`sim_backends.drive_kernels`,
        one pass, complex64: 1e-7 of full scale), then one float32 inverse FFT."""
        def make():
            h = self._drive_response(dac, m)
            if extra is not None:
                h = self._memo(("drive_h", dac, m, extra[0]), lambda: h * extra[1])
            d = sfft.rfft(np.r_[np.ones(r), np.zeros(m - r)])
            nb = m // 2 + 1
            c = np.full(nb, np.sqrt(m / 2))
            c[0] = np.sqrt(m)
            if m % 2 == 0:
                c[-1] = np.sqrt(m)
            return d * h, c * h, np.arange(nb) % (m // r), nb - 1 - (m % 2 == 0)
        dh, nh, wrap, inner = self._memo(("held_h", dac, m, r, None if extra is None else extra[0]),
                                         make)
        sym = dac.levels(np.stack([it[3][::r] for it in its]))
        spec = np.empty((len(its), m // 2 + 1), np.complex64)
        drive_kernels.held_spectrum(np.fft.fft(sym, axis=-1), wrap, dh,
                                    z if z is not None else np.zeros((0, 1), np.float32),
                                    nh * sigma, inner, spec)
        return sfft.irfft(spec, n=m, axis=-1)

    def _seq(self, avg, *key) -> np.ndarray:
        """Generator state of noise stream ``key`` (Streams.state; the exact
        average's draw i: its own stream)."""
        return self.streams.state(*key) if avg[1] is None else self.streams.state(*key, "avg", avg[1])

    def _mzm(self, mode: str, bias_v: float, offset_v: float, lock_err: float) -> MZM:
        d = self.topology.devices.mzm
        if mode in ("quadrature", "peak", "null"):
            vb = bias_voltage(mode, d.v_pi) + lock_err
        else:
            vb = bias_v + offset_v
        return MZM(v_pi=d.v_pi, v_bias=vb, extinction_ratio_db=d.extinction_ratio_db,
                   insertion_loss_db=d.insertion_loss_db)

    def edge_mzm(self, edge, i: int, states: Mapping | None = None) -> MZM:
        """The modulator of port index i of an edge node, biased per its controller."""
        st = _chan(_state((states or self.instruments)[edge.bias]), edge.bias_channels[i])
        key = (edge.name, edge.bias_channels[i])
        return self._mzm(st.get("mode", "quadrature"), float(st.get("voltage", 0.0)),
                         self.bias_offset[key], self.lock_error[key])

    # ------------------------------------------------------------ fibre, amplifier
    def _laser_power(self, name: str, states: Mapping | None = None) -> float:
        st = _state((states or self.instruments)[name])
        return float(st.get("power", 0.0)) if st.get("output", True) else 0.0

    def _edfa_gain(self, edge, p_in: float, states: Mapping | None = None) -> float:
        """Linear gain of the edge's amplifier (per port fibre) for mean input power p_in (W)."""
        if edge.amplifier is None:
            return 1.0
        st = _state((states or self.instruments)[edge.amplifier])
        if not st.get("output", True):
            return 0.0
        if st.get("mode", "gain") == "power":
            return float(st.get("power", 0.0)) / p_in if p_in > 0 else 0.0
        return float(units.db_to_lin(st.get("gain", 0.0)))

    def _edfa_gains(self, edge, p_in: np.ndarray, states: Mapping | None = None) -> np.ndarray:
        """:meth:`_edfa_gain` for each mean input power of ``p_in`` [ports] (W);
        in constant-gain mode (or without an amplifier) one value for all."""
        st = _state((states or self.instruments)[edge.amplifier]) if edge.amplifier else {}
        if st.get("mode", "gain") == "power" and st.get("output", True):
            return np.array([self._edfa_gain(edge, float(p), states) for p in p_in])
        return np.full(p_in.shape, self._edfa_gain(edge, 0.0, states))

    def _fibre_transfer(self, edge, f: np.ndarray, wavelengths) -> np.ndarray:
        """Span transfer with the DCM removing ``dcm_ratio`` of the dispersion,
        loss included, times the group delay exp(-j 2 pi f tau) [wavelengths, f]."""
        h = np.ones((len(np.atleast_1d(wavelengths)), f.size), complex)
        for span in edge.spans:
            fib = Fibre(length=span.length_m, alpha_db_km=span.loss_db_per_km,
                        d_ps_nm_km=span.dispersion_ps_nm_km, s_ps_nm2_km=span.slope_ps_nm2_km)
            h = h * fib.transfer(f, wavelengths, length=span.length_m * (1 - edge.dcm_ratio), loss=False)
            h = h * np.exp(-fib.alpha * span.length_m / 2)
        h = h * np.sqrt(units.db_to_lin(-edge.dcm_loss_db)) if edge.dcm_ratio > 0 else h
        return h * np.exp(-2j * np.pi * f * edge.delay_s)[None, :]

    def _ase_psd(self, edge, gain: float, wavelength: float) -> float:
        """ASE PSD per polarisation (W/Hz) at the amplifier output."""
        if edge.amplifier is None or gain <= 1:
            return 0.0
        key = (gain, wavelength)
        cache = self._static.setdefault("ase_psd", {})
        if key not in cache:
            if len(cache) > 4096:  # power mode: a new gain per frame; keep the memo bounded
                cache.clear()
            cache[key] = float(EDFA(noise_figure_db=self.topology.devices.edfa.noise_figure_db)
                               .ase_psd(gain, wavelength))
        return cache[key]

    def port_waveforms(self, edge, i: int, period: float, n: int, frames: Frames, acqs,
                       avg=(1, None)) -> tuple[np.ndarray, float]:
        """Compensated fibre (``dcm_ratio`` = 1): the fibre is a pure loss and
        delay. Returns (t [frames, n]: modulator power transmission delayed to
        the centre input, loss: the span + DCM power loss), so that the power
        of comb line k at the centre input is P_k * loss * t (W);
        :meth:`ports_waveforms` of one port."""
        t, loss = self.ports_waveforms(edge, [i], period, n, frames, acqs, avg)
        return t[:, 0], loss

    def ports_waveforms(self, edge, ports: Sequence[int], period: float, n: int, frames: Frames,
                        acqs, avg=(1, None)) -> tuple[np.ndarray, float]:
        """:meth:`port_waveforms` of several port indices at once: (t [frames,
        ports, n], loss). The fibre's group delay tau is applied to the drive
        (its spectrum times exp(-j 2 pi f tau), with the DAC response): the
        modulator is memoryless, so MZM(v(t - tau)) is the delayed power
        transmission, sampled exactly on the grid."""
        fs = n / period
        def make():
            f = sfft.rfftfreq(n, 1 / fs)
            h = self._fibre_transfer(edge, f, np.atleast_1d(1550e-9))[0]
            return h / abs(h[0]), abs(h[0]) ** 2
        h, loss = self._memo(("fibre_delay", edge.name, n, period), make)
        chans = [edge.awg_channels[i] for i in ports]
        v = self.drives_of(edge.awg, chans, period, n, frames, acqs, avg,
                           extra=(("fibre_delay", edge.name, period), h))
        g = self.topology.devices.mzm.driver_gain
        mzms = [self.edge_mzm(edge, i, st) for st in frames for i in ports]
        t = _mzm_power_rows(v.reshape(-1, n), g, mzms)
        return t.reshape(len(frames), len(ports), n), loss

    def port_fields_power(self, edge, i: int, wavelengths, line_power, period: float, n: int,
                          frames: Frames, acqs, avg=(1, None)) -> np.ndarray:
        """Residual dispersion: the fields of every line are propagated
        (physics.fibre transfer); -> power [frames, lines, n] (W) at the centre input."""
        fs = n / period
        v = self.drives(edge.awg, edge.awg_channels[i], period, n, frames, acqs, avg)
        g = self.topology.devices.mzm.driver_gain
        f = sfft.fftfreq(n, 1 / fs)
        lam = np.atleast_1d(wavelengths)
        h = self._memo(("fibre", edge.name, n, period, lam.tobytes()),
                       lambda: self._fibre_transfer(edge, f, lam))
        lp = np.asarray(line_power)
        e = np.stack([np.sqrt(lp)[:, None] * self.edge_mzm(edge, i, st).field_transfer(g * v[k])[None, :]
                      for k, st in enumerate(frames)])
        return np.abs(sfft.ifft(sfft.fft(e, axis=-1) * h, axis=-1)) ** 2

    def _edge_powers(self, edge, i: int, wavelengths, line_power, period, n, acq,
                     fields: bool = False, avg=(1, None)) -> np.ndarray:
        """Optical power [lines, n] (W) of port index i of an edge at the centre
        input, before the EDFA, for the current state (one frame). With residual
        dispersion (or ``fields``) the fields of every line are propagated; with
        full compensation the power waveform is delayed once (exact, and cheaper)."""
        frames, acqs = [self.instruments], [acq]
        if edge.dcm_ratio == 1.0 and not fields:
            t, loss = self.port_waveforms(edge, i, period, n, frames, acqs, avg)
            return np.asarray(line_power)[:, None] * loss * t[0][None, :]
        return self.port_fields_power(edge, i, wavelengths, line_power, period, n, frames, acqs,
                                      avg)[0]

    # ------------------------------------------------------------ centre
    def ring(self, p: int, k: int) -> MicroRing:
        d = self.topology.devices.ring
        lam = self.ring_design_wavelengths()[k] - self.ring_fab_offset[p, k]
        return MicroRing(resonance=float(lam), fsr=d.fsr_m, q_loaded=d.q_loaded,
                         round_trip_loss_db=d.round_trip_loss_db, tuning=d.tuning_nm_per_mw * 1e-6,
                         heater_resistance=d.heater_resistance_ohm)

    def heater_powers(self, states: Mapping | None = None) -> np.ndarray:
        """Effective heater power per ring [p, k] (W): P = I^2 R (or V^2/R when
        only a voltage is set), plus thermal crosstalk from the neighbouring
        rings of the same port bank."""
        c = self.topology.centre
        d = self.topology.devices.ring
        st = _state((states or self.instruments)[c.rings.heaters])
        n, nw = c.ports, c.wavelengths
        chans = [_chan(st, c.rings.first_channel + j) for j in range(n * nw)]
        cur = np.array([float(ch.get("current", 0.0)) for ch in chans]).reshape(n, nw)
        volt = np.array([float(ch.get("voltage", 0.0)) for ch in chans]).reshape(n, nw)
        on = np.array([ch.get("output", True) is not False for ch in chans]).reshape(n, nw)
        p = np.where(cur != 0, cur**2 * d.heater_resistance_ohm, volt**2 / d.heater_resistance_ohm)
        p[~on] = 0.0
        if d.thermal_crosstalk:  # a deterministic device property, compensated by calibration
            eff = p.copy()
            eff[:, 1:] += d.thermal_crosstalk * p[:, :-1]
            eff[:, :-1] += d.thermal_crosstalk * p[:, 1:]
            p = eff
        return p

    def ring_transmissions(self, wavelengths, states: Mapping | None = None) -> np.ndarray:
        """|through|^2 of every port's ring bank at each comb line [p, k]:
        the product over the bank's rings k' of the all-pass response
        |t(lambda_k; resonance_pk' + tuning P_pk')|^2 (MicroRing.through);
        without ``crosstalk`` each line only sees its own ring."""
        hp = self.heater_powers(states)
        lam = np.atleast_1d(wavelengths)
        c = self.topology.centre
        def bank():   # the rings' resonances [p, k'] and their common parameters
            rings = [[self.ring(p, k) for k in range(c.wavelengths)] for p in range(c.ports)]
            r0 = rings[0][0]
            return (np.array([[ring.resonance for ring in row] for row in rings]),
                    r0.tuning, r0.fsr, r0.r, r0.a)
        res, tuning, fsr, r, a = self._memo(("ring_bank",), bank)
        phase = 2 * np.pi * ((res + tuning * hp)[:, :, None] - lam[None, None, :]) / fsr
        e = np.exp(1j * phase)                                                    # [p, k', k]
        t2 = np.abs((r * a * e - r) / (1 - r * r * a * e)) ** 2
        if self.noise.crosstalk:
            return np.prod(t2, axis=1)
        return np.einsum("pkk->pk", t2)

    def ring_power_transmission(self, p: int, wavelengths) -> np.ndarray:
        """|through|^2 of port p's ring bank at each comb line [k] (current state)."""
        return self.ring_transmissions(wavelengths)[p]

    def awgr(self) -> AWGR:
        c = self.topology.centre
        n = c.ports
        grid0 = c.grid_centre_hz - (n - 1) / 2 * c.comb_spacing_hz
        return AWGR(ports=n, grid_frequency=grid0, spacing=c.comb_spacing_hz,
                    passband_3db=c.awgr.passband_3db_hz, insertion_loss_db=c.awgr.insertion_loss_db,
                    adjacent_xt_db=c.awgr.adjacent_crosstalk_db,
                    nonadjacent_xt_db=c.awgr.nonadjacent_crosstalk_db, crosstalk=self.noise.crosstalk)

    def awgr_matrix(self, wavelengths) -> np.ndarray:
        """AWGR power matrix T[p, q, k] at the comb lines (cached per wavelength set)."""
        lam = np.atleast_1d(wavelengths)
        return self._memo(("awgr", lam.tobytes()), lambda: self.awgr().power_matrix(lam))

    # ------------------------------------------------------------ optical powers at the PDs
    def detected(self, acq: int, avg=(1, None)) -> dict:
        """Noise-free optical powers at every photodiode over one period (one
        frame: the current state), with what the noise model needs. Returns
        dict with ``period``, ``n``, ``fs``, ``power`` [outputs, n] (W),
        ``by_laser`` {laser: [outputs, n]} (W), ``ase_beat`` [outputs, n]
        (W^2/Hz: sum P_s S_ase at the PD), ``ase_psd`` [outputs] (W/Hz per pol
        at the PD), ``taps`` {edge: W}, ``outputs`` [(scope, ch)] and
        ``optical_bandwidth`` (Hz). :meth:`detected_frames` gives the same
        with a leading frames axis."""
        det = self.detected_frames([self.instruments], [acq], avg)
        return _frame_of(det, 0)

    def detected_frames(self, frames: Frames, acqs, avg=(1, None)) -> dict:
        """:meth:`detected` for a batch of frames (arrays [frames, ...],
        ``taps`` a list of dicts); every frame must have the same period."""
        period, n = self._period(frames[0])
        for st in frames[1:]:
            if self._period(st) != (period, n):
                raise RuntimeError("frames of one batch must have the same AWG period")
        return self.scheme.detect(self, frames, period, n, acqs, avg)

    # ------------------------------------------------------------ acquisition
    def _fingerprint(self) -> bytes | str:
        """Every state the physics reads, as a cache key: the states pickled
        (compared byte for byte: equal bytes mean equal states, and a miss only
        recomputes), or a BLAKE2b hash of them when something does not pickle."""
        names = sorted(self.instruments)
        try:  # one C pass, no hashing: the cache compares the bytes (memcmp)
            return pickle.dumps([(name, _state(self.instruments[name])) for name in names],
                                protocol=5)
        except Exception:  # noqa: BLE001 - anything unpicklable: the slow walk
            h = hashlib.blake2b(digest_size=16)
            for name in names:
                h.update(name.encode())
                _hash_into(h, _state(self.instruments[name]))
            return h.hexdigest()

    def _detected_cached(self, acq: int, avg=(1, None)) -> dict:
        """The optical powers of the current state (:meth:`detected`), kept for
        the next scope that acquires the same acquisition index of the same
        state. The state is compared by :meth:`_fingerprint`, except inside
        :meth:`unchanged` (the caller vouches that no state changes)."""
        fingerprint = ("unchanged", self._unchanged) if self._unchanged else self._fingerprint()
        key = (acq, avg, fingerprint, self.noise)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self.detected_frames([self.instruments], [acq], avg))
        return self._cache[1]

    @contextlib.contextmanager
    def unchanged(self):
        """Context in which the caller changes no instrument state (e.g. the
        in-process bench IO acquiring every scope of one frame): the scopes
        share the optical powers without comparing fingerprints of every state
        (two pickles a frame). Each context has its own serial number in the
        cache key, so nothing cached in one is found in another or outside.
        (The cache is replaced, not dropped: dropping it before the next frame
        allocates its arrays let glibc trim and page-fault them afresh, +8 %
        CPU a frame.)"""
        self._contexts += 1
        self._unchanged = self._contexts
        try:
            yield self
        finally:
            self._unchanged = 0

    @staticmethod
    def _averages(st: Mapping) -> int:
        return max(1, int(st.get("average_count", 1))) if st.get("averaging", False) else 1

    def acquire(self, scope_name: str) -> dict[int, np.ndarray]:
        """One acquisition of ``scope_name``: {channel: uint16 codes} for every
        channel wired to a photodiode (and enabled); see the module docstring.

        Averaging mode (state ``averaging`` with ``average_count`` N, e.g.
        Infiniium ``:ACQuire:AVERage ON`` + ``:ACQuire:COUNt N``, Tektronix
        ``ACQuire:MODe AVErage`` + ``ACQuire:NUMAVg N``): the record is the
        mean of N acquisitions of the periodic signal, quantised once at the
        scope's resolution. By default the Gaussian-equivalent shortcut: every
        noise source (DAC, RIN, shot, thermal, ASE, ADC ENOB noise; all
        Gaussian and independent between records) enters once with its std
        divided by sqrt(N). With ``exact_average`` set, N independent records
        are simulated (each with its own noise draws) and averaged before
        quantisation (tests compare the two)."""
        acq = self.acquisitions.get(scope_name, 0)
        self.acquisitions[scope_name] = acq + 1
        st = _state(self.instruments[scope_name])
        navg = self._averages(st)
        if navg > 1 and self.exact_average:
            total = None
            for i in range(navg):
                rows, v = self._analog(scope_name, st, self._detected_cached(acq, (navg, i)),
                                       [acq], (1, i))
                total = v if total is None else total + v
            volts = total / navg if total is not None else None
        else:
            rows, volts = self._analog(scope_name, st, self._detected_cached(acq, (navg, None)),
                                       [acq], (navg, None))
        return self._codes(st, self._cache[1]["outputs"], rows, volts)[0] if rows else {}

    def acquire_frames(self, frames: Frames, scopes: Sequence[str]) -> list[dict]:
        """Many frames at once (the in-process path): ``frames`` is one state
        mapping per frame (e.g. the instruments' states with that frame's AWG
        codes and heater currents), ``scopes`` the scopes acquired per frame,
        in order. Returns, per frame, {(scope, channel): uint16 codes}:
        exactly what :meth:`acquire` of each scope, frame after frame, gives.
        Acquisition indices continue each scope's count (scopes acquired in
        lockstep share one realisation of the upstream noises)."""
        first = [self.acquisitions.get(s, 0) for s in scopes]
        navg = {s: self._averages(_state(frames[0][s])) for s in scopes}
        lockstep = len(set(first)) == 1 and len(set(navg.values())) == 1
        if not lockstep or (self.exact_average and max(navg.values()) > 1):
            return [self._acquire_one(states, scopes) for states in frames]
        acqs = [first[0] + f for f in range(len(frames))]
        avg = (next(iter(navg.values())), None)
        det = self.detected_frames(frames, acqs, avg)
        out = [dict() for _ in frames]
        for s in scopes:
            st = _state(frames[0][s])
            rows, volts = self._analog(s, st, det, acqs, avg)
            if rows:
                for f, codes in enumerate(self._codes(st, det["outputs"], rows, volts)):
                    out[f].update({(s, ch): c for ch, c in codes.items()})
            self.acquisitions[s] = first[0] + len(frames)
        self._cache = None
        return out

    def _acquire_one(self, states: Mapping, scopes: Sequence[str]) -> dict:
        """One frame of :meth:`acquire_frames` through :meth:`acquire`."""
        saved = self.instruments
        self.instruments = states
        try:
            return {(s, ch): c for s in scopes for ch, c in self.acquire(s).items()}
        finally:
            self.instruments = saved
            self._cache = None

    @staticmethod
    def _codes(st: Mapping, outputs, rows, volts) -> list[dict[int, np.ndarray]]:
        """Volts [frames, rows, points] -> per frame {channel: uint16 codes}
        (quantiser.to_codes of every row, one compiled pass)."""
        bits = int(st.get("bits", 8))
        chans = [outputs[q][1] for q in rows]
        cst = [_chan(st, ch) for ch in chans]
        codes = kernels.to_codes_rows(volts, np.array([float(c.get("range", 0.5)) for c in cst]),
                                      np.array([float(c.get("offset", 0.0)) for c in cst]), bits)
        return [{ch: codes[f, i] for i, ch in enumerate(chans)} for f in range(volts.shape[0])]

    def _analog(self, scope_name: str, st, det: dict, acqs, avg) -> tuple[list, np.ndarray | None]:
        """(output rows, volts [frames, rows, points]) at the ADC input
        including its ENOB noise, i.e. everything before quantisation; noise
        std scaled by 1/sqrt(avg[0]) (the averaging shortcut; 1 for single records).

        Receiver: photocurrent I = R P + I_d (+ 2 R S_ase B_o, the mean
        ASE-ASE current), shaped by the PD x scope response; additive noise
        with variance (2 q I + i_n^2 + 4 R^2 (P_s S_ase + S_ase^2 B_o)) fs/2
        (shot, thermal, signal-ASE and ASE-ASE beat) and RIN (relative PSD
        RIN_lin times each laser's current), drawn white per sample and shaped
        by the same response; then TIA saturation I_sat tanh(I / I_sat) Z_t."""
        fs = float(st["sample_rate"])
        points = int(st["points"])
        bits = int(st.get("bits", 8))
        model = self._awg_model(scope_name)
        adev = self.topology.devices.adc
        pdp = self.topology.devices.photodiode
        bw = adev.bandwidth_hz.get(model, adev.default_bandwidth_hz)
        rows = [q for q, (scope, ch) in enumerate(det["outputs"])
                if scope == scope_name and _chan(st, ch).get("enabled", True)]
        if not rows:
            return rows, None
        r = pdp.responsivity_a_per_w
        lasers = list(det["by_laser"])
        frames = det["power"].shape[0]
        signal = det["power"][:, rows] * r     # the sum over lasers of by_laser
        current = self._sample(signal, det, fs, points, bw, _SCOPE_UPSAMPLE) + pdp.dark_current_a
        s_ase = det["ase_psd"][:, rows]
        b_o = det["optical_bandwidth"]
        on = self.noise
        length = sfft.next_fast_len(points, real=True)
        # noise streams (sim_backends.physics.normals): one per scope and
        # acquisition for the photodiode rows and one for the ADC rows (every
        # output of the scope draws, enabled or not), one per laser for RIN
        mine = [q for q, (scope, _) in enumerate(det["outputs"]) if scope == scope_name]
        sel = [mine.index(q) for q in rows]
        z_pd = normals.standard_normal([self._seq(avg, "pd", scope_name, acq) for acq in acqs],
                                       len(mine) * length).reshape(frames, len(mine), length)[:, sel]
        if on.rin:
            z_rin = normals.standard_normal(
                [self._seq(avg, "rin", name, acq) for acq in acqs for name in lasers],
                length).reshape(frames, len(lasers), length)
        else:
            z_rin = np.zeros((frames, len(lasers), 1), np.float32)
        rin = units.db_to_lin(self.topology.devices.laser.rin_db_per_hz)
        # the noise variances (shot, beat) and the RIN scale act before the
        # photodiode's response: the optical powers interpolated at the scope
        # instants (linear, on the simulation grid), inside the kernel
        i0, i1, frac = self._memo(("rx_positions", det["n"], det["period"], fs, points, 1),
                                  lambda: _positions(det["n"], det["period"], fs, points, 1))
        white = kernels.noise_from_grid(
            current, det["ase_beat"], tuple(det["by_laser"][name] for name in lasers),
            np.asarray(rows, np.int64), i0, i1, frac, z_pd, z_rin,
            units.Q * fs if on.shot else 0.0,
            pdp.input_noise_a_per_rthz**2 * fs / 2 if on.thermal else 0.0,
            4 * r**2 * fs / 2 if on.ase else 0.0,
            4 * r**2 * s_ase**2 * b_o * fs / 2 if on.ase else np.zeros_like(s_ase),
            float(np.sqrt(rin * fs / 2)) if on.rin else 0.0, r)
        h = self._memo(("rx_h", length, fs, bw), lambda: (
            filters.gaussian(sfft.rfftfreq(length, 1 / fs), pdp.bandwidth_hz)
            * filters.gaussian(sfft.rfftfreq(length, 1 / fs), bw)).astype(np.complex64))
        shaped = sfft.irfft(sfft.rfft(white, axis=-1) * h, n=length, axis=-1)
        sigma = np.zeros(len(rows))
        if self.noise.adc:   # ADC(...).noise_sigma() of each row's channel
            enob = adev.enob.get(model, adev.default_enob)
            for i, q in enumerate(rows):
                cst = _chan(st, det["outputs"][q][1])
                sigma[i] = quantiser.enob_sigma(float(cst.get("range", 0.5)), bits, enob) * _avg_scale(avg)
        if sigma.any():
            z_adc = normals.standard_normal([self._seq(avg, "adc", scope_name, acq) for acq in acqs],
                                            len(mine) * points).reshape(frames, len(mine), points)[:, sel]
        else:
            z_adc = np.zeros((frames, len(rows), points), np.float32)
        ase_mean = 2 * r * s_ase * b_o if on.ase else np.zeros_like(s_ase)
        volts = kernels.tia_and_adc(current, ase_mean, shaped, _avg_scale(avg),
                                    pdp.saturation_current_a, pdp.transimpedance_ohm, sigma, z_adc)
        return rows, volts

    def _sample(self, x: np.ndarray, det: dict, fs: float, points: int, scope_bw: float,
                upsample: int) -> np.ndarray:
        """Periodic signals x [frames, rows, n] (one period each) through the
        receiver response (PD x scope, Gaussian), evaluated at the scope
        instants t_m = m / fs, m < points: Fourier interpolation to
        ``upsample`` x n points (float32: 1e-7 of full scale), then 4-point
        Lagrange interpolation (kernels.cubic_at; at 2x, within 3.4e-3 of
        full scale of the exact Fourier evaluation for the default bench's
        signals, where 4x + linear interpolation gave 4.7e-3)."""
        n, period = det["n"], det["period"]
        pdp = self.topology.devices.photodiode
        m = n * upsample
        def response():
            f = sfft.rfftfreq(n, period / n)
            h = filters.gaussian(f, pdp.bandwidth_hz) * filters.gaussian(f, scope_bw)
            return h.astype(np.float32) * np.float32(upsample)
        h = self._memo(("rx_sample_h", n, period, scope_bw, upsample), response)
        i0, i1, frac = self._memo(("rx_positions", n, period, fs, points, upsample),
                                  lambda: _positions(n, period, fs, points, upsample))
        spec = sfft.rfft(x.astype(np.float32), axis=-1) * h
        up = sfft.irfft(spec, n=m, axis=-1)
        flat = np.ascontiguousarray(up.reshape(-1, m))
        return kernels.cubic_at(flat, i0, frac).reshape(up.shape[:-1] + (i0.size,))

    def optical_power(self, meter: str, channel: int) -> float:
        """Power meter reading (W): channel i (1-based) taps the centre input of
        the i-th edge node (after its amplifier, summed over its port fibres);
        other channels read 0."""
        edges = self.topology.edges
        if not 1 <= channel <= len(edges):
            return 0.0
        try:
            det = self._detected_cached(self.acquisitions.get("__pm__", 0))
        except RuntimeError:  # no waveform loaded: CW light, MZM at its bias point
            return self._cw_tap(edges[channel - 1])
        return float(det["taps"][0].get(edges[channel - 1].name, 0.0))

    def _cw_tap(self, edge) -> float:
        """Tap power with the modulators undriven (W)."""
        total = 0.0
        for i in range(len(edge.ports)):
            t = float(self.edge_mzm(edge, i).power_transfer(0.0))
            loss = np.prod([units.db_to_lin(-s.loss_db_per_km * s.length_m / 1e3) for s in edge.spans])
            loss *= units.db_to_lin(-edge.dcm_loss_db) if edge.dcm_ratio else 1
            p_in = self.scheme.cw_input(self, edge, i) * t * loss
            total += p_in * self._edfa_gain(edge, p_in)
        return float(total)


def _hold_block(codes: np.ndarray) -> int:
    """Largest r dividing len(codes) such that codes are constant on every
    block [i r, (i + 1) r) (1: no such structure)."""
    change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    return int(np.gcd.reduce(np.append(change, codes.size)))


def _white_spectrum(z: np.ndarray, m: int) -> np.ndarray:
    """Standard normals z [R, m] -> [R, m // 2 + 1] complex with the law of
    rfft(m white N(0, 1) samples): DC (and Nyquist for even m) real N(0, m),
    the other bins N(0, m/2) + j N(0, m/2), all independent."""
    nb = m // 2 + 1
    inner = nb - 1 - (m % 2 == 0)
    spec = np.zeros((z.shape[0], nb), complex)
    spec.real = z[:, :nb]
    spec.imag[:, 1:1 + inner] = z[:, nb:nb + inner]
    spec[:, 1:1 + inner] *= np.sqrt(m / 2)
    spec[:, 0] *= np.sqrt(m)
    if m % 2 == 0:
        spec[:, -1] *= np.sqrt(m)
    return spec


def _mzm_power_rows(v: np.ndarray, gain: float, mzms: Sequence[MZM]) -> np.ndarray:
    """MZM.power_transfer of rows v [R, n] (V at the AWG; row r through
    ``mzms[r]`` after the driver ``gain``): il (eps^2 + (1 - eps^2) cos^2(phi/2))
    with phi = pi (g v + v_bias) / V_pi, i.e. il (eps^2 + (1 - eps^2)(1 + cos phi)/2)
    = A + B cos phi. cos in float32 (SIMD; 1e-7 of the transmission), phi
    rounded once to float32, A and B in float64."""
    vpi = np.array([m.v_pi for m in mzms])
    a = (np.pi * gain / vpi)[:, None]
    b = (np.pi * np.array([m.v_bias for m in mzms]) / vpi)[:, None]
    phi = np.empty(v.shape, np.float32)
    np.add(v * a, b, out=phi, casting="same_kind")
    np.cos(phi, out=phi)
    il = np.array([m.il for m in mzms])[:, None]
    e2 = np.array([m.epsilon for m in mzms])[:, None] ** 2
    half = il * (1 - e2) * 0.5
    out = phi * half
    out += il * e2 + half
    return out


def _positions(n: int, period: float, fs: float, points: int, upsample: int):
    """Scope instants t_m = m / fs (m < points) on the periodic grid of
    ``upsample`` x n points: (index below, index above, fraction)."""
    m = n * upsample
    pos = np.mod(np.arange(points) / fs, period) * (m / period)
    i0 = np.floor(pos).astype(np.int64) % m
    frac = pos - np.floor(pos)
    return i0, (i0 + 1) % m, frac.astype(np.float32)


def _frame_of(det: dict, f: int) -> dict:
    """Frame f of a batched :meth:`OpticalTable.detected_frames` result."""
    out = dict(det)
    for key in ("power", "ase_beat", "ase_psd"):
        out[key] = det[key][f]
    out["by_laser"] = {k: v[f] for k, v in det["by_laser"].items()}
    out["taps"] = det["taps"][f]
    return out


def _avg_scale(avg) -> float:
    """Noise std factor of an averaged record: 1/sqrt(N) for the shortcut
    (draw None), 1 for a single record or one exact draw."""
    n, draw = avg
    return 1.0 if draw is not None else 1.0 / math.sqrt(max(1, n))


def _hash_into(h, obj) -> None:
    if isinstance(obj, dict):
        for k in sorted(obj, key=str):
            h.update(str(k).encode())
            _hash_into(h, obj[k])
    elif isinstance(obj, np.ndarray):
        h.update(obj.tobytes())
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _hash_into(h, v)
    else:
        h.update(repr(obj).encode())
