"""Plain-numpy MLP inference with every product through a pluggable backend.

Scaling choices (so each optical product uses the link's full range, ~6-7 bits):

* **Per-output-channel weight scaling.**  Row m of W is divided by
  s_w[m] = max_k |W[m, k]| once at load time, so every row of the normalised
  weights peaks at +-1 (each weight modulator / micro-ring uses its full swing).
  The factor is re-applied digitally to the result.
* **Per-sample input scaling.**  Column b of the layer input is divided by
  s_x[b] = max_k |X[k, b]| before the product and the result multiplied back.  It is
  per column, so one image's result never depends on which other images share its
  batch (same seeds give the same images whatever the batch size).
* **Bias, activation and diffusion time conditioning are digital** (vector adds and
  element-wise functions: no products).  Only W_n @ X_n goes to the backend:
  Y = s_w[:, None] * backend.matmul(W_n, X_n) * s_x[None, :] + b[:, None] (+ time[t]).

A *product hook* ``hook(layer_name, W_n, X_n, Y_n)`` sees every normalised product
and the backend's result, e.g. :class:`ProductRecorder` for per-layer effective bits
and MAC counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.special import expit

from labctl.models.backends import effective_bits

ProductHook = Callable[[str, np.ndarray, np.ndarray, np.ndarray], None]

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "relu": lambda x: np.maximum(x, 0.0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "silu": lambda x: x * expit(x),
    "tanh": np.tanh,
    "sigmoid": expit,
    "none": lambda x: x,
}


@dataclass(frozen=True)
class LayerInfo:
    """One affine layer: ``out_features`` x ``in_features`` weights, then ``activation``."""

    name: str
    in_features: int
    out_features: int
    activation: str

    @property
    def macs_per_column(self) -> int:
        """Multiply-accumulates per input column (per image per call)."""
        return self.in_features * self.out_features


class Linear:
    """Affine layer whose product is done, normalised, by a backend."""

    def __init__(self, info: LayerInfo, weight: np.ndarray, bias: np.ndarray,
                 time_table: np.ndarray | None = None):
        self.info = info
        weight = np.asarray(weight, dtype=np.float64)
        if weight.shape != (info.out_features, info.in_features):
            raise ValueError(f"layer {info.name}: weight shape {weight.shape} does not match "
                             f"{(info.out_features, info.in_features)}")
        scale = np.abs(weight).max(axis=1)
        self.weight_scale = np.where(scale > 0, scale, 1.0)
        self.weight_normalised = weight / self.weight_scale[:, None]
        self.bias = np.asarray(bias, dtype=np.float64)
        self.time_table = None if time_table is None else np.asarray(time_table, dtype=np.float64)

    def __call__(self, x: np.ndarray, backend, hook: ProductHook | None = None,
                 t: int | None = None) -> np.ndarray:
        """Pre-activation for input ``x`` [in, B] -> [out, B] (see module docstring)."""
        peak = np.abs(x).max(axis=0)
        x_scale = np.where(peak > 0, peak, 1.0)
        x_n = x / x_scale[None, :]
        y_n = np.asarray(backend.matmul(self.weight_normalised, x_n), dtype=np.float64)
        if y_n.shape != (self.info.out_features, x.shape[1]):
            raise ValueError(f"backend returned shape {y_n.shape} for layer {self.info.name}")
        if hook is not None:
            hook(self.info.name, self.weight_normalised, x_n, y_n)
        y = self.weight_scale[:, None] * y_n * x_scale[None, :] + self.bias[:, None]
        if self.time_table is not None:
            y = y + self.time_table[t][:, None]
        return y


class Network:
    """A stack of :class:`Linear` layers with element-wise activations."""

    def __init__(self, spec: list[dict], arrays: dict[str, np.ndarray]):
        self.layers: list[Linear] = []
        for s in spec:
            info = LayerInfo(s["name"], int(s["in"]), int(s["out"]), s["activation"])
            self.layers.append(Linear(info, arrays[f"{info.name}.weight"], arrays[f"{info.name}.bias"],
                                      arrays.get(f"{info.name}.time")))

    @property
    def infos(self) -> list[LayerInfo]:
        return [layer.info for layer in self.layers]

    def forward(self, x: np.ndarray, backend, hook: ProductHook | None = None,
                t: int | None = None, features: bool = False) -> np.ndarray:
        """Run ``x`` [in, B] through the layers; ``features`` stops before the last layer."""
        for index, layer in enumerate(self.layers):
            if features and index == len(self.layers) - 1:
                break
            x = ACTIVATIONS[layer.info.activation](layer(x, backend, hook, t))
        return x


@dataclass
class LayerStats:
    """Accumulated products of one layer (see :class:`ProductRecorder`)."""

    calls: int = 0
    macs: int = 0
    sum_sq_error: float = 0.0
    elements: int = 0
    ref_min: float = np.inf
    ref_max: float = -np.inf

    @property
    def rms_error(self) -> float:
        return float(np.sqrt(self.sum_sq_error / self.elements)) if self.elements else 0.0

    @property
    def effective_bits(self) -> float:
        """log2(range / (sqrt(12) rms error)) over every call (see backends.effective_bits)."""
        if self.sum_sq_error == 0.0:
            return float("inf")
        return float(np.log2((self.ref_max - self.ref_min) / (np.sqrt(12.0) * self.rms_error)))


@dataclass(frozen=True)
class ProductError:
    """One product's error against the exact float64 product Y_ref = W X:
    MACs (rows x inner x columns), sum of (Y - Y_ref)^2, elements, range of Y_ref."""

    macs: int
    sum_sq_error: float
    elements: int
    ref_min: float
    ref_max: float


def product_error(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> ProductError:
    """:class:`ProductError` of the backend's ``y`` for W ``w`` and X ``x``."""
    ref = w @ x
    return ProductError(w.shape[0] * w.shape[1] * x.shape[1], float(np.sum((y - ref) ** 2)),
                        ref.size, float(ref.min()), float(ref.max()))


@dataclass
class ProductLog:
    """Product hook that keeps each call's :class:`ProductError` in order, to be
    replayed into a :class:`ProductRecorder` elsewhere (a Dask worker's batch
    replayed by the parent: the same sums in the same order, so the same bits)."""

    calls: list = field(default_factory=list)

    def __call__(self, name: str, w: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        self.calls.append((name, product_error(w, x, y)))

    def replay(self, recorder: "ProductRecorder") -> None:
        for name, e in self.calls:
            recorder.add(name, e)


@dataclass
class ProductRecorder:
    """Product hook that compares each backend result with the exact float64 product.

    Keeps running sums only (constant memory): per layer the number of calls, MACs,
    rms error and the range of the exact product, hence per-layer effective bits.
    """

    layers: dict[str, LayerStats] = field(default_factory=dict)

    def __call__(self, name: str, w: np.ndarray, x: np.ndarray, y: np.ndarray) -> None:
        self.add(name, product_error(w, x, y))

    def add(self, name: str, e: ProductError) -> None:
        """Accumulate one product's error figures (from :func:`product_error`)."""
        stats = self.layers.setdefault(name, LayerStats())
        stats.calls += 1
        stats.macs += e.macs
        stats.sum_sq_error += e.sum_sq_error
        stats.elements += e.elements
        stats.ref_min = min(stats.ref_min, e.ref_min)
        stats.ref_max = max(stats.ref_max, e.ref_max)

    def effective_bits(self) -> dict[str, float]:
        """Per-layer effective bits of the backend against the exact product."""
        return {name: s.effective_bits for name, s in self.layers.items()}

    @property
    def total_macs(self) -> int:
        return sum(s.macs for s in self.layers.values())


__all__ = ["ACTIVATIONS", "LayerInfo", "Linear", "Network", "ProductRecorder", "ProductLog",
           "ProductError", "product_error", "LayerStats",
           "effective_bits"]
