"""Diffusion noise schedule and DDIM update: pure numpy, always computed digitally.

Only the denoiser's matrix products go through the (optical) backend; the schedule
arithmetic below is tiny and precision-critical (1/sqrt(alpha_bar) reaches ~60 at the
noisiest step), so it stays in float64 on the host.

References: cosine schedule, Nichol & Dhariwal, "Improved DDPM", ICML 2021, eq. 17;
DDIM update, Song, Meng & Ermon, "Denoising Diffusion Implicit Models", ICLR 2021, eq. 12.
"""
from __future__ import annotations

import numpy as np


def cosine_alpha_bar(timesteps: int, s: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    """Cumulative signal fraction alpha_bar[t], t = 0..T-1 (t = 0 is the least noisy).

    alpha_bar(t) = f(t)/f(0), f(t) = cos^2(((t/T) + s)/(1 + s) * pi/2), with each
    beta_t = 1 - alpha_bar_t/alpha_bar_{t-1} clipped at ``max_beta``.
    """
    steps = np.arange(timesteps + 1, dtype=np.float64) / timesteps
    f = np.cos((steps + s) / (1 + s) * np.pi / 2) ** 2
    betas = np.clip(1.0 - f[1:] / f[:-1], 0.0, max_beta)
    return np.cumprod(1.0 - betas)


def ddim_timesteps(timesteps: int, sampling_steps: int) -> np.ndarray:
    """Evenly spaced DDIM time indices, descending from T-1 to 0 (``sampling_steps`` of them)."""
    return np.unique(np.linspace(0, timesteps - 1, sampling_steps).round().astype(int))[::-1]


def ddim_step(x_t: np.ndarray, v: np.ndarray, alpha_bar_t: float, alpha_bar_prev: float,
              clip: float = 1.0) -> np.ndarray:
    """One deterministic (eta = 0) DDIM step x_t -> x_prev from a v-prediction.

    The denoiser predicts v = sqrt(ab_t) eps - sqrt(1 - ab_t) x0 (Salimans & Ho,
    "Progressive distillation", ICLR 2022, section 4), so
    x0 = sqrt(ab_t) x_t - sqrt(1 - ab_t) v, clipped to [-clip, clip] (the data range),
    eps = (x_t - sqrt(ab_t) x0) / sqrt(1 - ab_t), and
    x_prev = sqrt(ab_prev) x0 + sqrt(1 - ab_prev) eps.
    An error in v reaches x0 multiplied by sqrt(1 - ab_t) <= 1; with the usual
    eps-prediction it is multiplied by sqrt((1 - ab_t)/ab_t), ~100 at the noisiest
    step of this schedule, which is why v is used: the products go through a ~6-bit link.
    """
    a_t = np.sqrt(alpha_bar_t)
    s_t = np.sqrt(1.0 - alpha_bar_t)
    x0 = np.clip(a_t * x_t - s_t * v, -clip, clip)
    eps = (x_t - a_t * x0) / s_t
    return np.sqrt(alpha_bar_prev) * x0 + np.sqrt(1.0 - alpha_bar_prev) * eps
