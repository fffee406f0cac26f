"""The twin's error model: a per-layer, per-output gain and offset measured on a twin bench.

Physics-aware training (Wright et al., Nature 601, 549, 2022) runs the forward pass on
the physical system and the backward pass through a *differentiable digital twin* of
it. Here the twin is a bench file (usually ``labctl twin fit``'s output, any bench file
works) simulated in process (:class:`labctl.mvm.SimBackend`, seeded, with the run's
calibration), and the differentiable model fitted to it is, per layer, per output i::

    y_n[i, j] = g_i * e_n[i, j] + c_i + n_ij,     e_n = W_n X_n

in the normalised units the backend sees (rows of W and columns of X scaled to peak 1,
:class:`labctl.models.network.Linear`). g_i (dimensionless) and c_i (normalised product
units) are the least-squares line through the twin's products of the layer's own
normalised weights and inputs (the network run on ``count`` seeded latents through the
twin), one line per output over all columns j::

    g_i = cov_j(e_n[i, j], y_n[i, j]) / var_j(e_n[i, j]),   c_i = <y_n[i]> - g_i <e_n[i]>

and ``noise_std`` is the rms residual n_ij over the layer (normalised units): what a
per-output line cannot represent (noise, and errors depending on the other operands).

In layer units (Y = s_w Y_n s_x) the model is Y = g ⊙ (W X) + C, C_ij = s_w,i c_i s_x,j.
Its gradients, with the offset held at the operating point (C carries no gradient:
the scales s are peak magnitudes, piecewise constant), for G = dL/dY::

    dL/dX = (g ⊙ G)^T W    (torch layout [B, in]: (G * g) @ W)
    dL/dW = (g ⊙ G) X^T    (torch layout [out, in]: (G * g)^T @ x)

i.e. the exact product's gradients with G replaced by g ⊙ G
(:class:`labctl.training.physics_aware.OpticalProduct` with ``gain``). With g = 1 they
are the exact product's.

What the per-output line can and cannot carry: on the high-rate bench (calibrated,
fashion-vae, 64 latents) g is 0.89-1.02 (mean 0.97) and repeats across latents for one
bench and seed; the rest of the error depends on the operands (rms residual 0.07-0.10 of
a normalised product). A per-row constant factor on dL/dW does not change Adam's update
of that row (m / sqrt(v) is scale-invariant), so with Adam the twin acts mainly through
dL/dX, i.e. on the layers before each product.

The sequence measures the twin with the run's seed and calibration: in simulation, with
the forward bench's own file as the twin, that is an exact twin (the best case).

numpy only (no torch): the measurement runs the numpy inference network.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from labctl.models.network import Network


@dataclass(frozen=True)
class LayerErrorModel:
    """Fitted y_n = g e_n + c of one layer (see the module docstring).

    ``gain`` [out] (1), ``offset`` [out] (normalised product units), ``noise_std``
    (normalised product units, rms residual), ``columns``: products fitted per output.
    """

    name: str
    gain: np.ndarray
    offset: np.ndarray
    noise_std: float
    columns: int

    def predict(self, w_n: np.ndarray, x_n: np.ndarray) -> np.ndarray:
        """Model output g ⊙ (W_n X_n) + c for normalised operands [out, in], [in, B]."""
        return self.gain[:, None] * (w_n @ x_n) + self.offset[:, None]

    def summary(self) -> dict:
        """JSON-able figures: gains and offsets per output, their extremes, the noise."""
        return {"gain": self.gain.round(6).tolist(), "offset": self.offset.round(6).tolist(),
                "gain_min": float(self.gain.min()), "gain_max": float(self.gain.max()),
                "offset_rms": float(np.sqrt(np.mean(self.offset ** 2))),
                "noise_std": self.noise_std, "columns": self.columns}


@dataclass(frozen=True)
class TwinErrorModel:
    """Per-layer error models measured on one twin bench file."""

    layers: dict[str, LayerErrorModel]
    file: str
    sha256: str
    seed: int
    count: int

    def gains(self) -> dict[str, np.ndarray]:
        """Layer name -> per-output gain g (what the backward pass uses)."""
        return {name: model.gain for name, model in self.layers.items()}

    def summary(self) -> dict:
        """JSON-able description for the run file's provenance."""
        return {"file": self.file, "sha256": self.sha256, "seed": self.seed,
                "latents": self.count,
                "model": "y_n = g * (W_n X_n) + c per output; backward G' = g * G",
                "layers": {name: m.summary() for name, m in self.layers.items()}}


def fit_gain_offset(y: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Least-squares line y[i, :] = g_i e[i, :] + c_i per row i; returns (g, c, rms residual).

    g_i = cov(e_i, y_i) / var(e_i) and c_i = mean(y_i) - g_i mean(e_i) (population
    moments over the columns); a row whose e is constant gets g_i = 1 and c_i =
    mean(y_i - e_i). ``y``, ``e``: [rows, columns], any common unit.
    """
    y, e = np.asarray(y, np.float64), np.asarray(e, np.float64)
    de = e - e.mean(axis=1, keepdims=True)
    dy = y - y.mean(axis=1, keepdims=True)
    var = np.mean(de ** 2, axis=1)
    flat = var <= 1e-24 * np.maximum(np.mean(e ** 2, axis=1), 1e-300)
    gain = np.where(flat, 1.0, np.mean(de * dy, axis=1) / np.where(flat, 1.0, var))
    offset = y.mean(axis=1) - gain * e.mean(axis=1)
    residual = y - (gain[:, None] * e + offset[:, None])
    return gain, offset, float(np.sqrt(np.mean(residual ** 2)))


def file_sha256(bench) -> str:
    """Hex SHA-256 of a bench's file bytes (embedded benches: their UTF-8 text)."""
    path = getattr(bench, "path", None)
    data = Path(path).read_bytes() if path else bench.source_text.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def twin_latents(seed: int, count: int, dim: int) -> np.ndarray:
    """Standard-normal latents [dim, count] of the twin measurement, from
    ``SeedSequence([seed, 1, 2, 3])`` (disjoint from training's ``[seed, step]`` streams)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1, 2, 3]))
    return rng.standard_normal((count, dim)).T.copy()


def measure_twin(bench, spec: list[dict], arrays: dict[str, np.ndarray], calibration=None,
                 seed: int = 0, count: int = 64, latent_dim: int | None = None,
                 backend=None, latent_seed: int | None = None) -> TwinErrorModel:
    """Fit each layer's y_n = g e_n + c on the twin ``bench`` (module docstring).

    Runs the network (``spec``, ``arrays``: a manifest's layers and weights) on ``count``
    latents (:func:`twin_latents` of ``latent_seed``, default ``seed``; dimension
    ``latent_dim``, default the first layer's input) through
    ``SimBackend(bench, seed=seed, calibration=calibration)`` (None:
    calibrate the twin; a :class:`~labctl.mvm.calibration.Calibration` or file: the
    real bench's, so the twin shows that calibration's residual error), recording each
    layer's normalised operands and result. ``backend`` replaces the SimBackend (tests).
    """
    from labctl.mvm import SimBackend

    network = Network(spec, arrays)
    dim = int(latent_dim or spec[0]["in"])
    seen: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}

    def hook(name, w_n, x_n, y_n):
        seen.setdefault(name, []).append((np.asarray(y_n, np.float64), w_n @ x_n))

    own = backend is None
    backend = SimBackend(bench, seed=seed, calibration=calibration) if own else backend
    try:
        z = twin_latents(seed if latent_seed is None else latent_seed, count, dim)
        network.forward(z, backend, hook=hook)
    finally:
        if own:
            backend.close()
    layers = {}
    for name, pairs in seen.items():
        y = np.concatenate([p[0] for p in pairs], axis=1)
        e = np.concatenate([p[1] for p in pairs], axis=1)
        gain, offset, noise = fit_gain_offset(y, e)
        layers[name] = LayerErrorModel(name, gain, offset, noise, y.shape[1])
    path = getattr(bench, "path", None)
    return TwinErrorModel(layers, str(path) if path else "<embedded>", file_sha256(bench),
                          seed, count)
