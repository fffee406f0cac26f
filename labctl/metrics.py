"""Link and product quality metrics (pure functions of numpy arrays).

Definitions
-----------
- BER: bit errors / bits, with the exact two-sided 95 % Clopper-Pearson
  interval from beta quantiles (Clopper & Pearson, Biometrika 26, 404 (1934)):
  lower = B(a/2; k, n-k+1), upper = B(1-a/2; k+1, n-k), lower = 0 if k = 0,
  upper = 1 if k = n.
- Q factor of a two-level signal: Q = (mu1 - mu0) / (sigma1 + sigma0); for
  Gaussian noise and the optimum threshold BER = 0.5 erfc(Q / sqrt(2)).
- Electrical SNR: mean signal power / noise power, SNR = sum(s^2) / sum((y - s)^2)
  with s the noise-free reference; returned in dB (10 log10).
- RMSE relative to full scale: sqrt(mean((y - y_ref)^2)) / full_scale.
- ENOB of a product (effective bits): ENOB = log2(range / (sqrt(12) * sigma_err)),
  i.e. the resolution of an ideal uniform quantiser whose step q = range / 2^ENOB
  has the same rms error q / sqrt(12) as the measured error sigma_err
  (rms of y - y_ref, mean error included).  ``range`` is the full-scale span of
  the output (max - min of the ideal outputs unless given).

PSNR and SSIM of images live in :mod:`labctl.imaging` (models area).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats


@dataclass(frozen=True)
class BerEstimate:
    """Bit error ratio with its 95 % Clopper-Pearson interval."""
    errors: int
    bits: int
    ber: float
    ci95: tuple[float, float]


def clopper_pearson(errors: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval (Clopper-Pearson) for errors / trials."""
    if trials <= 0 or not 0 <= errors <= trials:
        raise ValueError(f"need 0 <= errors <= trials and trials > 0, got {errors}/{trials}")
    alpha = 1.0 - confidence
    lower = 0.0 if errors == 0 else float(stats.beta.ppf(alpha / 2, errors, trials - errors + 1))
    upper = 1.0 if errors == trials else float(stats.beta.ppf(1 - alpha / 2, errors + 1, trials - errors))
    return lower, upper


def ber(sent_bits: np.ndarray, received_bits: np.ndarray) -> BerEstimate:
    """BER of two equal-length bit arrays, with its 95 % Clopper-Pearson interval."""
    sent, received = np.asarray(sent_bits), np.asarray(received_bits)
    if sent.shape != received.shape:
        raise ValueError(f"bit arrays differ in shape: {sent.shape} vs {received.shape}")
    errors, bits = int(np.count_nonzero(sent != received)), int(sent.size)
    return BerEstimate(errors, bits, errors / bits, clopper_pearson(errors, bits))


def q_factor(samples: np.ndarray, bits: np.ndarray) -> float:
    """Q = (mu1 - mu0) / (sigma1 + sigma0) of samples taken at symbol centres."""
    samples, bits = np.asarray(samples, float), np.asarray(bits).astype(bool)
    one, zero = samples[bits], samples[~bits]
    return float((one.mean() - zero.mean()) / (one.std() + zero.std()))


def ber_from_q(q: float | np.ndarray) -> float | np.ndarray:
    """Gaussian two-level BER at the optimum threshold: 0.5 erfc(Q / sqrt 2)."""
    return 0.5 * special.erfc(np.asarray(q) / np.sqrt(2.0))


def snr_db(received: np.ndarray, reference: np.ndarray) -> float:
    """Electrical SNR (dB) = 10 log10(sum(ref^2) / sum((received - ref)^2))."""
    received, reference = np.asarray(received, float), np.asarray(reference, float)
    noise = np.sum((received - reference) ** 2)
    return float(10.0 * np.log10(np.sum(reference ** 2) / noise))


def rmse_fs(estimate: np.ndarray, reference: np.ndarray, full_scale: float | None = None) -> float:
    """RMS error relative to full scale (default: max - min of ``reference``)."""
    estimate, reference = np.asarray(estimate, float), np.asarray(reference, float)
    fs = _full_scale(reference, full_scale)
    return float(np.sqrt(np.mean((estimate - reference) ** 2)) / fs)


def enob(estimate: np.ndarray, reference: np.ndarray, full_scale: float | None = None) -> float:
    """Effective bits ENOB = log2(range / (sqrt(12) * sigma_err)), see module docstring."""
    estimate, reference = np.asarray(estimate, float), np.asarray(reference, float)
    sigma = np.sqrt(np.mean((estimate - reference) ** 2))
    return float(np.log2(_full_scale(reference, full_scale) / (np.sqrt(12.0) * sigma)))


def _full_scale(reference: np.ndarray, full_scale: float | None) -> float:
    fs = float(np.ptp(reference)) if full_scale is None else float(full_scale)
    if not fs > 0:
        raise ValueError("full scale must be positive")
    return fs
