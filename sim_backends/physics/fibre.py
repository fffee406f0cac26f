"""Single-mode fibre span: loss, chromatic dispersion (with slope) applied
exactly in the frequency domain per wavelength, optional Kerr SPM by
symmetric split-step Fourier.

Each row of the field [wavelengths, samples] is the complex baseband of one
WDM channel around its own carrier nu_c = c / lambda_c.  Per channel (Agrawal,
Nonlinear Fiber Optics, 5th ed., eqs. 2.3.x, 3.x)::

    D(lambda_c)  = D0 + S (lambda_c - lambda_0)
    beta2        = -D lambda_c^2 / (2 pi c)
    beta3        = (lambda_c^2 / (2 pi c))^2 (S + 2 D / lambda_c)
    H(f)         = exp(-alpha L / 2) exp(-j (beta2/2 w^2 + beta3/6 w^3) L), w = 2 pi f

(numpy FFT sign convention, e^{+j w t}; OptiCommPy uses the conjugate).  The
exact transfer H is applied in the frequency domain when ``nonlinear`` is
False: one FFT for short records, overlap-save blocks for long ones (see
filters.py; ``block=False`` forces one whole-record FFT).  With ``nonlinear`` True the
span is cut into ``steps`` equal steps, each a half linear step, the SPM phase
exp(-j gamma |A|^2 L_eff_step), and another half linear step.  Both signs
follow the engineering convention E ~ exp(j (w t - beta z)): dispersion
exp(-j beta2/2 w^2 z) and Kerr exp(-j gamma |A|^2 z) (a larger index delays
the phase); they are the complex conjugates of Agrawal's physics-convention
NLSE, so anomalous SSMF supports solitons (tested).  Inter-channel
XPM/FWM are not modelled (channels are treated as separate basebands); this
is valid for the mW-per-channel powers of the bench.

IM/DD power fading (Wang & Petermann, JLT 10(1) 1992): a chirp-free
double-sideband signal detected in intensity has response
|cos(beta2 w^2 L / 2)|, with nulls at f_k = sqrt((2k-1) c / (2 lambda^2 D L)).

Defaults: Corning SMF-28 Ultra data sheet: attenuation <= 0.18-0.20 dB/km at
1550 nm, D = 17 ps/(nm km) (typical at 1550 nm), zero-dispersion slope
0.056...0.092 ps/(nm^2 km) (0.056 at 1550 nm), gamma ~ 1.3 /(W km).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.fft as sfft

from sim_backends.physics import filters, units

#: Corning SMF-28 Ultra figures at 1550 nm, the one place labctl's defaults come
#: from (bench ``Span`` and this model): attenuation <= 0.18-0.20 dB/km (0.20
#: used), D = 17 ps/(nm km) typical, dispersion slope 0.056 ps/(nm^2 km) at 1550 nm
#: (the datasheet bounds the zero-dispersion slope by 0.092), group index 1.4682.
SMF28_LOSS_DB_KM = 0.20
SMF28_DISPERSION_PS_NM_KM = 17.0
SMF28_SLOPE_PS_NM2_KM = 0.056
SMF28_GROUP_INDEX = 1.4682


@dataclass(frozen=True)
class Fibre:
    """An SSMF span. Length in m; catalogue units for loss/D/S/gamma."""

    length: float = 20e3               # m
    alpha_db_km: float = SMF28_LOSS_DB_KM          # dB/km
    d_ps_nm_km: float = SMF28_DISPERSION_PS_NM_KM  # ps/(nm km) at ref_wavelength
    s_ps_nm2_km: float = SMF28_SLOPE_PS_NM2_KM     # ps/(nm^2 km)
    ref_wavelength: float = 1550e-9    # m, where D is quoted
    gamma_w_km: float = 1.3            # 1/(W km)
    nonlinear: bool = False
    steps: int = 50                    # split-step count when nonlinear
    block: bool = True                 # overlap-save for long records (filters.overlap_save)

    def __post_init__(self):
        if self.length < 0:
            raise ValueError(f"length must be >= 0 m, got {self.length}")

    @property
    def alpha(self) -> float:
        """Power attenuation coefficient in 1/m."""
        return float(units.db_per_km_to_neper_per_m(self.alpha_db_km))

    @property
    def loss_db(self) -> float:
        """Span loss in dB."""
        return self.alpha_db_km * self.length / 1e3

    def dispersion(self, wavelength) -> np.ndarray:
        """D(lambda) in s/m^2 (slope included)."""
        d0 = units.dispersion_to_si(self.d_ps_nm_km)
        s = units.slope_to_si(self.s_ps_nm2_km)
        return d0 + s * (np.asarray(wavelength, dtype=float) - self.ref_wavelength)

    def beta2(self, wavelength) -> np.ndarray:
        """GVD beta2 = -D lambda^2 / (2 pi c) in s^2/m."""
        lam = np.asarray(wavelength, dtype=float)
        return -self.dispersion(lam) * lam**2 / (2 * np.pi * units.C)

    def beta3(self, wavelength) -> np.ndarray:
        """TOD beta3 = (lambda^2/(2 pi c))^2 (S + 2 D/lambda) in s^3/m."""
        lam = np.asarray(wavelength, dtype=float)
        s = units.slope_to_si(self.s_ps_nm2_km)
        return (lam**2 / (2 * np.pi * units.C)) ** 2 * (s + 2 * self.dispersion(lam) / lam)

    def transfer(self, f, wavelengths, length: float | None = None, loss: bool = True) -> np.ndarray:
        """Linear transfer H[wavelengths, len(f)] over ``length`` (default the span)."""
        z = self.length if length is None else length
        w = 2 * np.pi * np.asarray(f, dtype=float)[None, :]
        lam = np.atleast_1d(np.asarray(wavelengths, dtype=float))[:, None]
        phase = (self.beta2(lam) / 2 * w**2 + self.beta3(lam) / 6 * w**3) * z
        h = np.exp(-1j * phase)
        if loss:
            h = h * np.exp(-self.alpha * z / 2)
        return h

    def propagate(self, field, fs: float, wavelengths) -> np.ndarray:
        """Propagate ``field`` [wavelengths, samples] (sqrt W) sampled at ``fs``
        through the span; ``wavelengths`` [wavelengths] in m."""
        field = np.asarray(field)
        squeeze = field.ndim == 1
        if squeeze:
            field = field[None, :]
        dtype = field.dtype if np.iscomplexobj(field) else np.complex128
        if not self.nonlinear:
            out = filters.apply_complex(field.astype(dtype, copy=False), fs, self._response(wavelengths),
                                        block=self.block, key=(self, _key(wavelengths)),
                                        width=self.halo(fs, wavelengths))
            out = out.astype(dtype, copy=False)
        else:
            f = sfft.fftfreq(field.shape[-1], 1.0 / fs)
            out = self._split_step(field.astype(dtype), f, wavelengths)
        return out[0] if squeeze else out

    def _response(self, wavelengths):
        lam = np.atleast_1d(np.asarray(wavelengths, dtype=float))
        return lambda f: self.transfer(f, lam)

    def halo(self, fs: float, wavelengths) -> int:
        """Half-width (samples) of the span's dispersive impulse response at
        ``fs``: the group-delay spread over the simulated band,
        max |tau_g(f)| fs with tau_g = (beta2 w + beta3 w^2 / 2) L, |f| <= fs/2,
        plus 4 filters.HALO_MARGIN samples for the band-edge ringing (for overlap-save
        and chunked evaluation; agreement with one whole-record FFT is tested)."""
        return _halo(self, float(fs), _key(wavelengths))

    def _split_step(self, field, f, wavelengths):
        """Symmetric split-step Fourier (SPM only), ``steps`` equal steps."""
        dz = self.length / self.steps
        h_half = self.transfer(f, wavelengths, length=dz / 2).astype(field.dtype)
        gamma = self.gamma_w_km / 1e3
        l_eff = (1 - np.exp(-self.alpha * dz)) / self.alpha if self.alpha > 0 else dz
        a = field
        for _ in range(self.steps):
            a = sfft.ifft(sfft.fft(a, axis=-1) * h_half, axis=-1)
            # loss of the first half step is already in |a|^2; L_eff covers the step
            a = a * np.exp(-1j * gamma * l_eff * np.exp(self.alpha * dz / 2) * np.abs(a) ** 2).astype(a.dtype)
            a = sfft.ifft(sfft.fft(a, axis=-1) * h_half, axis=-1)
        return a.astype(field.dtype, copy=False)


@functools.lru_cache(maxsize=64)
def _halo(fibre: Fibre, fs: float, wavelengths: tuple) -> int:
    lam = np.array(wavelengths)
    w = np.pi * fs
    tau = (np.abs(fibre.beta2(lam)) * w + np.abs(fibre.beta3(lam)) * w * w / 2) * fibre.length
    return int(np.ceil(np.max(tau) * fs)) + 4 * filters.HALO_MARGIN


def _key(wavelengths) -> tuple:
    return tuple(np.atleast_1d(np.asarray(wavelengths, dtype=float)).tolist())


def fading_null_frequencies(k, wavelength: float, d_ps_nm_km: float, length: float) -> np.ndarray:
    """IM/DD dispersion power-fading nulls f_k = sqrt((2k-1) c / (2 lambda^2 D L))
    in Hz, k = 1, 2, ...  (D in ps/(nm km), length in m)."""
    d = units.dispersion_to_si(d_ps_nm_km)
    k = np.asarray(k, dtype=float)
    return np.sqrt((2 * k - 1) * units.C / (2 * wavelength**2 * d * length))
