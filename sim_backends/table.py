"""The simulated optical table: every instrument of one bench wired as the
bench topology says (DESIGN.md, "The data path"; INTERFACES.md).

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
lockstep share one realisation of the upstream noises).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

import numpy as np
import scipy.fft as sfft

from sim_backends.physics import filters, quantiser, units
from sim_backends.physics.adc import ADC
from sim_backends.physics.awgr import AWGR
from sim_backends.physics.dac import DAC
from sim_backends.physics.edfa import EDFA
from sim_backends.physics.fibre import Fibre
from sim_backends.physics.microring import MicroRing
from sim_backends.physics.mzm import MZM, bias_voltage
from sim_backends.physics.streams import Streams

#: Oversampling of the periodic signal before the scope samples it (linear
#: interpolation between Fourier-interpolated points).
_SCOPE_UPSAMPLE = 4


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
        #: simulate scope averaging with N independent records (else the Gaussian shortcut)
        self.exact_average = False
        self._devices_fixed()

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
            db = rng.uniform(-dev.laser.comb_flatness_db, dev.laser.comb_flatness_db, topo.centre.wavelengths)
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
        for i, lane in enumerate(topo.centre.lanes):
            rng = self.device_streams.rng("device", "weight_mzm", i)
            self.lock_error[("centre", lane.weight_channel)] = float(rng.normal(0, dev.mzm.lock_error_v))

    # ------------------------------------------------------------ grid and lines
    def line_frequencies(self, edge) -> np.ndarray:
        """Comb line frequencies (Hz) of an edge node: seed frequency + (k - (N-1)/2) spacing."""
        laser = _state(self.instruments[edge.laser])
        f0 = float(units.wavelength_to_frequency(laser.get("wavelength", 1550.12e-9)))
        n = self.topology.centre.wavelengths
        return f0 + (np.arange(n) - (n - 1) / 2) * self.topology.centre.comb_spacing_hz

    def ring_design_wavelengths(self) -> np.ndarray:
        """Comb-grid wavelengths (m) the rings are designed for, per line k."""
        c = self.topology.centre
        f = c.grid_centre_hz + (np.arange(c.wavelengths) - (c.wavelengths - 1) / 2) * c.comb_spacing_hz
        return units.frequency_to_wavelength(f)

    def _period(self) -> tuple[float, int]:
        """(period T in s, grid points N) from the running AWGs."""
        best = None
        for name in self._awg_names():
            st = _state(self.instruments[name])
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

    def _awg_names(self) -> list[str]:
        topo = self.topology
        names = [e.awg for e in topo.edges]
        if topo.scheme == "time" and topo.centre.weight_awg:
            names.append(topo.centre.weight_awg)
        return names

    # ------------------------------------------------------------ electrical drive
    def _awg_model(self, name: str) -> str:
        inst = self.bench.instruments.get(name)
        return getattr(inst, "model", "") if inst is not None else ""

    def drive(self, awg: str, ch: int, period: float, n: int, acq: int, avg=(1, None)) -> np.ndarray:
        """AWG channel output on the simulation grid (V at the AWG output):
        DAC levels (+ENOB noise) -> ZOH x analogue bandwidth, resampled onto the
        n-point grid of one period by zero-padding the spectrum (exact for a
        periodic band-limited signal). A stopped AWG or a channel with output off
        gives its offset voltage (0 V when off). ``avg`` = (N, draw): scope
        averaging of N records; draw None is the Gaussian-equivalent shortcut
        (noise std / sqrt(N)), an integer one of N exact draws."""
        st = _state(self.instruments[awg])
        c = _chan(st, ch)
        codes = np.asarray(c.get("codes", ()))
        if not st.get("running", True) or not c.get("output", True) or codes.size == 0:
            return np.zeros(n)
        dev = self.topology.devices.dac
        model = self._awg_model(awg)
        dac = DAC(bits=int(st.get("bits", 8)), sample_rate=float(st["sample_rate"]),
                  vpp=float(c.get("vpp", 0.5)), offset=float(c.get("offset", 0.0)),
                  bandwidth=dev.bandwidth_hz.get(model, dev.default_bandwidth_hz),
                  enob=dev.enob.get(model, dev.default_enob), noise=self.noise.dac)
        v = dac.levels(codes)
        if self.noise.dac and dac.noise_sigma() > 0:
            v = v + self._rng(avg, "dac", awg, ch, acq).standard_normal(v.shape) * (dac.noise_sigma() * _avg_scale(avg))
        reps = period * dac.sample_rate / v.size  # a shorter waveform repeats within the period
        if abs(reps - round(reps)) > 1e-6 * reps or round(reps) < 1:
            raise RuntimeError(f"{awg} ch{ch}: waveform period {v.size / dac.sample_rate:.4g} s does not "
                               f"divide the bench period {period:.4g} s")
        v = np.tile(v, int(round(reps)))
        m = v.size
        spec = sfft.rfft(v) * dac.response(sfft.rfftfreq(m, 1 / dac.sample_rate))
        spec *= filters.gaussian(sfft.rfftfreq(m, 1 / dac.sample_rate), self.topology.devices.mzm.bandwidth_hz)
        out = np.zeros(n // 2 + 1, complex)
        k = min(out.size, spec.size)
        out[:k] = spec[:k]
        return sfft.irfft(out, n=n) * (n / m)

    def _rng(self, avg, *key) -> np.random.Generator:
        """Noise stream ``key``; the exact average's draw i gets its own stream."""
        return self.streams.rng(*key) if avg[1] is None else self.streams.rng(*key, "avg", avg[1])

    def _mzm(self, mode: str, bias_v: float, offset_v: float, lock_err: float) -> MZM:
        d = self.topology.devices.mzm
        if mode in ("quadrature", "peak", "null"):
            vb = bias_voltage(mode, d.v_pi) + lock_err
        else:
            vb = bias_v + offset_v
        return MZM(v_pi=d.v_pi, v_bias=vb, extinction_ratio_db=d.extinction_ratio_db,
                   insertion_loss_db=d.insertion_loss_db)

    def edge_mzm(self, edge, i: int) -> MZM:
        """The modulator of port index i of an edge node, biased per its controller."""
        st = _chan(_state(self.instruments[edge.bias]), edge.bias_channels[i])
        key = (edge.name, edge.bias_channels[i])
        return self._mzm(st.get("mode", "quadrature"), float(st.get("voltage", 0.0)),
                         self.bias_offset[key], self.lock_error[key])

    # ------------------------------------------------------------ fibre, amplifier
    def _laser_power(self, name: str) -> float:
        st = _state(self.instruments[name])
        return float(st.get("power", 0.0)) if st.get("output", True) else 0.0

    def _edfa_gain(self, edge, p_in: float) -> float:
        """Linear gain of the edge's amplifier (per port fibre) for mean input power p_in (W)."""
        if edge.amplifier is None:
            return 1.0
        st = _state(self.instruments[edge.amplifier])
        if not st.get("output", True):
            return 0.0
        if st.get("mode", "gain") == "power":
            return float(st.get("power", 0.0)) / p_in if p_in > 0 else 0.0
        return float(units.db_to_lin(st.get("gain", 0.0)))

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
        return float(EDFA(noise_figure_db=self.topology.devices.edfa.noise_figure_db)
                     .ase_psd(gain, wavelength))

    # ------------------------------------------------------------ centre
    def ring(self, p: int, k: int) -> MicroRing:
        d = self.topology.devices.ring
        lam = self.ring_design_wavelengths()[k] - self.ring_fab_offset[p, k]
        return MicroRing(resonance=float(lam), fsr=d.fsr_m, q_loaded=d.q_loaded,
                         round_trip_loss_db=d.round_trip_loss_db, tuning=d.tuning_nm_per_mw * 1e-6,
                         heater_resistance=d.heater_resistance_ohm)

    def heater_powers(self) -> np.ndarray:
        """Effective heater power per ring [p, k] (W): P = I^2 R (or V^2/R when
        only a voltage is set), plus thermal crosstalk from the neighbouring
        rings of the same port bank."""
        c = self.topology.centre
        d = self.topology.devices.ring
        st = _state(self.instruments[c.rings.heaters])
        n, nw = c.ports, c.wavelengths
        p = np.zeros((n, nw))
        for i in range(n):
            for k in range(nw):
                ch = _chan(st, c.rings.first_channel + i * nw + k)
                cur, volt = float(ch.get("current", 0.0)), float(ch.get("voltage", 0.0))
                if ch.get("output", True) is False:
                    continue
                p[i, k] = cur**2 * d.heater_resistance_ohm if cur else volt**2 / d.heater_resistance_ohm
        if d.thermal_crosstalk:  # a deterministic device property, compensated by calibration
            eff = p.copy()
            eff[:, 1:] += d.thermal_crosstalk * p[:, :-1]
            eff[:, :-1] += d.thermal_crosstalk * p[:, 1:]
            p = eff
        return p

    def ring_power_transmission(self, p: int, wavelengths) -> np.ndarray:
        """|through|^2 of port p's ring bank at each comb line [k]; without
        ``crosstalk`` each line only sees its own ring."""
        hp = self.heater_powers()
        lam = np.atleast_1d(wavelengths)
        out = np.ones(lam.size)
        for k in range(lam.size):
            ring = self.ring(p, k)
            if self.noise.crosstalk:
                out *= np.abs(ring.through(lam, hp[p, k])) ** 2
            else:
                out[k] *= np.abs(ring.through(lam[k], hp[p, k])) ** 2
        return out

    def awgr(self) -> AWGR:
        c = self.topology.centre
        n = c.ports
        grid0 = c.grid_centre_hz - (n - 1) / 2 * c.comb_spacing_hz
        return AWGR(ports=n, grid_frequency=grid0, spacing=c.comb_spacing_hz,
                    passband_3db=c.awgr.passband_3db_hz, insertion_loss_db=c.awgr.insertion_loss_db,
                    adjacent_xt_db=c.awgr.adjacent_crosstalk_db,
                    nonadjacent_xt_db=c.awgr.nonadjacent_crosstalk_db, crosstalk=self.noise.crosstalk)

    # ------------------------------------------------------------ optical powers at the PDs
    def detected(self, acq: int, avg=(1, None)) -> dict:
        """Noise-free optical powers at every photodiode over one period, with
        what the noise model needs. Returns dict with ``period``, ``n``,
        ``power`` [outputs, n] (W), ``by_laser`` {laser: [outputs, n]} (W),
        ``ase_beat`` [outputs, n] (W^2/Hz: sum P_s S_ase at the PD),
        ``ase_psd`` [outputs] (W/Hz per pol at the PD), ``taps`` {edge: W}."""
        period, n = self._period()
        if self.topology.scheme == "wdm":
            return self._detected_wdm(period, n, acq, avg)
        return self._detected_time(period, n, acq, avg)

    def _edge_powers(self, edge, i: int, wavelengths, line_power, period, n, acq,
                     fields: bool = False, avg=(1, None)) -> np.ndarray:
        """Optical power [lines, n] (W) of port index i of an edge at the centre
        input, before the EDFA. With residual dispersion the fields of every line
        are propagated (physics.fibre transfer); with full compensation
        (``dcm_ratio`` = 1) the fibre is a pure loss and delay, applied once to
        the port's power waveform (exact, and 8x cheaper)."""
        fs = n / period
        v = self.drive(edge.awg, edge.awg_channels[i], period, n, acq, avg)
        g = self.topology.devices.mzm.driver_gain
        mzm = self.edge_mzm(edge, i)
        if edge.dcm_ratio == 1.0 and not fields:
            f = sfft.rfftfreq(n, 1 / fs)
            h = self._fibre_transfer(edge, f, np.atleast_1d(wavelengths)[:1])[0]
            loss = abs(h[0]) ** 2
            t = sfft.irfft(sfft.rfft(mzm.power_transfer(g * v)) * (h / abs(h[0])), n=n)
            return np.asarray(line_power)[:, None] * loss * t[None, :]
        e = np.sqrt(line_power)[:, None] * mzm.field_transfer(g * v)[None, :]
        f = sfft.fftfreq(n, 1 / fs)
        h = self._fibre_transfer(edge, f, wavelengths)
        return np.abs(sfft.ifft(sfft.fft(e, axis=-1) * h, axis=-1)) ** 2

    def _detected_wdm(self, period, n, acq, avg=(1, None)):
        topo = self.topology
        c, dev = topo.centre, topo.devices
        nq = c.ports
        fs = n / period
        awgr = self.awgr()
        power = np.zeros((nq, n))
        by_laser = {}
        ase_beat = np.zeros((nq, n))
        ase_psd = np.zeros(nq)
        taps = {}
        for edge in topo.edges:
            freqs = self.line_frequencies(edge)
            lam = units.frequency_to_wavelength(freqs)
            t_awgr = awgr.power_matrix(lam)  # [p, q, k]
            p_seed = self._laser_power(edge.laser)
            lines = (p_seed * units.db_to_lin(dev.laser.comb_line_efficiency_db)
                     * self.comb_flat[edge.name] / len(edge.ports))
            contrib = np.zeros((nq, n))
            tap = 0.0
            for i, port in enumerate(edge.ports):
                pw = self._edge_powers(edge, i, lam, lines, period, n, acq, avg=avg)  # [k, n]
                gain = self._edfa_gain(edge, float(pw.sum(axis=0).mean()))
                pw = pw * gain
                tap += float(pw.sum(axis=0).mean())
                loss_after = self.ring_power_transmission(port, lam)  # [k]
                w = t_awgr[port] * loss_after[None, :]  # [q, k]
                contrib += w @ pw
                if self.noise.ase:
                    s = self._ase_psd(edge, gain, float(lam.mean()))
                    ase_beat += ((w * w) @ pw) * s  # P_s,PD * S_PD summed over lines
                    ase_psd += w.sum(axis=1) * s
            taps[edge.name] = tap
            by_laser[edge.laser] = by_laser.get(edge.laser, 0) + contrib
            power += contrib
        outputs = [(pd.scope, pd.channel) for pd in c.photodiodes]
        return dict(period=period, n=n, fs=fs, power=power, by_laser=by_laser, ase_beat=ase_beat,
                    ase_psd=ase_psd, taps=taps, outputs=outputs,
                    optical_bandwidth=c.awgr.passband_3db_hz)

    def _detected_time(self, period, n, acq, avg=(1, None)):
        topo = self.topology
        c, dev = topo.centre, topo.devices
        fs = n / period
        lanes = c.lanes
        power = np.zeros((len(lanes), n))
        by_laser = {}
        ase_beat = np.zeros((len(lanes), n))
        ase_psd = np.zeros(len(lanes))
        taps = {}
        g = dev.mzm.driver_gain
        for j, lane in enumerate(lanes):
            edge = topo.edge(lane.edge)
            laser = _state(self.instruments[edge.laser])
            lam = np.array([laser.get("wavelength", 1550.12e-9)])
            p_seed = np.array([self._laser_power(edge.laser)])
            pw = self._edge_powers(edge, lane.port, lam, p_seed, period, n, acq, avg=avg)[0]
            gain = self._edfa_gain(edge, float(pw.mean()))
            taps[edge.name] = taps.get(edge.name, 0.0) + float(pw.mean() * gain)
            vw = self.drive(c.weight_awg, lane.weight_channel, period, n, acq, avg)
            if lane.weight_bias_voltage is None:
                mzm = self._mzm("quadrature", 0.0, 0.0, self.lock_error[("centre", lane.weight_channel)])
            else:
                mzm = self._mzm("manual", lane.weight_bias_voltage, 0.0, 0.0)
            t = mzm.power_transfer(g * vw)
            out = pw * gain * t
            power[j] = out
            by_laser.setdefault(edge.laser, np.zeros((len(lanes), n)))[j] += out
            if self.noise.ase:
                s = self._ase_psd(edge, gain, float(lam[0]))
                ase_beat[j] = out * s * t
                ase_psd[j] = s * float(t.mean())
        outputs = [(lane.photodiode.scope, lane.photodiode.channel) for lane in lanes]
        return dict(period=period, n=n, fs=fs, power=power, by_laser=by_laser, ase_beat=ase_beat,
                    ase_psd=ase_psd, taps=taps, outputs=outputs, optical_bandwidth=fs / 2)

    # ------------------------------------------------------------ acquisition
    def _fingerprint(self) -> str:
        """Hash of every state the physics reads (cache key)."""
        h = hashlib.blake2b(digest_size=16)
        for name in sorted(self.instruments):
            st = _state(self.instruments[name])
            h.update(name.encode())
            _hash_into(h, st)
        return h.hexdigest()

    def _detected_cached(self, acq: int, avg=(1, None)) -> dict:
        key = (acq, avg, self._fingerprint(), self.noise)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self.detected(acq, avg))
        return self._cache[1]

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
        navg = max(1, int(st.get("average_count", 1))) if st.get("averaging", False) else 1
        rows = None
        if navg > 1 and self.exact_average:
            total = None
            for i in range(navg):
                rows, v = self._analog(scope_name, st, self._detected_cached(acq, (navg, i)), acq, (1, i))
                total = v if total is None else total + v
            volts = total / navg if total is not None else None
        else:
            rows, volts = self._analog(scope_name, st, self._detected_cached(acq, (navg, None)), acq,
                                       (navg, None))
        if not rows:
            return {}
        bits = int(st.get("bits", 8))
        out = {}
        for i, q in enumerate(rows):
            ch = self._cache[1]["outputs"][q][1]
            cst = _chan(st, ch)
            out[ch] = quantiser.to_codes(volts[i], float(cst.get("range", 0.5)), float(cst.get("offset", 0.0)), bits)
        return out

    def _analog(self, scope_name: str, st, det: dict, acq: int, avg) -> tuple[list, np.ndarray | None]:
        """(output rows, volts [rows, points]) at the ADC input including its
        ENOB noise, i.e. everything before quantisation; noise std scaled by
        1/sqrt(avg[0]) (the averaging shortcut; 1 for single records)."""
        fs = float(st["sample_rate"])
        points = int(st["points"])
        bits = int(st.get("bits", 8))
        model = self._awg_model(scope_name)
        adev = self.topology.devices.adc
        pdp = self.topology.devices.photodiode
        bw = adev.bandwidth_hz.get(model, adev.default_bandwidth_hz)
        resp = lambda f: filters.gaussian(f, pdp.bandwidth_hz) * filters.gaussian(f, bw)  # noqa: E731
        rows = [q for q, (scope, ch) in enumerate(det["outputs"])
                if scope == scope_name and _chan(st, ch).get("enabled", True)]
        if not rows:
            return rows, None
        r = pdp.responsivity_a_per_w
        lasers = list(det["by_laser"])
        # photocurrent per laser (RIN is per laser); their sum is the signal
        stack = [det["ase_beat"][rows]] + [det["by_laser"][name][rows] * r for name in lasers]
        sampled = self._sample(np.concatenate(stack), det, fs, points, bw).reshape(len(stack), len(rows), points)
        sampled = np.concatenate([sampled[1:].sum(axis=0)[None], sampled])  # [signal, ase_beat, lasers...]
        current = sampled[0] + pdp.dark_current_a
        var = np.zeros_like(current)
        if self.noise.shot:
            var += units.Q * fs * np.maximum(current, 0)
        if self.noise.thermal:
            var += pdp.input_noise_a_per_rthz**2 * fs / 2
        s_ase = det["ase_psd"][rows][:, None]
        if self.noise.ase:
            var += (4 * r**2 * np.maximum(sampled[1], 0) + 4 * r**2 * s_ase**2 * det["optical_bandwidth"]) * fs / 2
            current = current + 2 * r * s_ase * det["optical_bandwidth"]
        scale = _avg_scale(avg)
        noise = np.sqrt(var) * np.stack([self._rng(avg, "pd", q, acq).standard_normal(points) for q in rows])
        if self.noise.rin:
            rin = units.db_to_lin(self.topology.devices.laser.rin_db_per_hz)
            for i, name in enumerate(lasers):
                n_rel = self._rng(avg, "rin", name, acq).standard_normal(points) * np.sqrt(rin * fs / 2)
                noise += n_rel[None, :] * sampled[2 + i]
        current = current + filters.apply_real(noise * scale, fs, resp)
        sat = pdp.saturation_current_a
        volts = sat * np.tanh(current / sat) * pdp.transimpedance_ohm
        for i, q in enumerate(rows):
            ch = det["outputs"][q][1]
            cst = _chan(st, ch)
            adc = ADC(bits=bits, sample_rate=fs, bandwidth=bw, enob=adev.enob.get(model, adev.default_enob),
                      range=float(cst.get("range", 0.5)), offset=float(cst.get("offset", 0.0)),
                      noise=self.noise.adc)
            if self.noise.adc and adc.noise_sigma() > 0:
                z = self._rng(avg, "adc", scope_name, ch, acq).standard_normal(points, dtype=np.float32)
                volts[i] = volts[i] + z.astype(volts.dtype) * volts.dtype.type(adc.noise_sigma() * scale)
        return rows, volts

    def _sample(self, x: np.ndarray, det: dict, fs: float, points: int, scope_bw: float) -> np.ndarray:
        """Periodic signals x [rows, n] (one period each) through the receiver
        response (PD x scope, Gaussian), evaluated at the scope instants
        t_m = m / fs, m < points: Fourier interpolation to _SCOPE_UPSAMPLE x n
        points, then linear interpolation."""
        n, period = det["n"], det["period"]
        pdp = self.topology.devices.photodiode
        f = sfft.rfftfreq(n, period / n)
        spec = sfft.rfft(x, axis=-1) * (filters.gaussian(f, pdp.bandwidth_hz) * filters.gaussian(f, scope_bw))
        m = n * _SCOPE_UPSAMPLE
        up = sfft.irfft(spec, n=m, axis=-1) * _SCOPE_UPSAMPLE
        pos = np.mod(np.arange(points) / fs, period) * (m / period)
        i0 = np.floor(pos).astype(np.int64) % m
        frac = pos - np.floor(pos)
        return up[:, i0] * (1 - frac) + up[:, (i0 + 1) % m] * frac

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
        return float(det["taps"].get(edges[channel - 1].name, 0.0))

    def _cw_tap(self, edge) -> float:
        """Tap power with the modulators undriven (W)."""
        dev = self.topology.devices
        p_seed = self._laser_power(edge.laser)
        total = 0.0
        for i in range(len(edge.ports)):
            t = float(self.edge_mzm(edge, i).power_transfer(0.0))
            loss = np.prod([units.db_to_lin(-s.loss_db_per_km * s.length_m / 1e3) for s in edge.spans])
            loss *= units.db_to_lin(-edge.dcm_loss_db) if edge.dcm_ratio else 1
            if self.topology.scheme == "wdm":
                p = p_seed * units.db_to_lin(dev.laser.comb_line_efficiency_db) * self.comb_flat[edge.name].sum() / len(edge.ports)
            else:
                p = p_seed if i == 0 else 0.0
            p_in = p * t * loss
            total += p_in * self._edfa_gain(edge, p_in)
        return float(total)


def _avg_scale(avg) -> float:
    """Noise std factor of an averaged record: 1/sqrt(N) for the shortcut
    (draw None), 1 for a single record or one exact draw."""
    n, draw = avg
    return 1.0 if draw is not None else 1.0 / np.sqrt(max(1, n))


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
