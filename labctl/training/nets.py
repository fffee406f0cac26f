"""PyTorch twins of the numpy inference networks (training only).

An :class:`MLP` is built from the same layer specification that goes into the
weights manifest (``[{"name", "in", "out", "activation"}, ...]``), so the numpy
side (``labctl.models.network``) rebuilds exactly what was trained.  Layers named
in ``time_layers`` get a learned per-timestep bias table (``nn.Embedding``) added
to their pre-activation: a lookup, not a matrix product, so diffusion time
conditioning stays digital at inference.

Noise-aware training (``noise_bits``): while training, every product gets the same
white Gaussian error that ``labctl.models.GaussianNoiseBackend`` adds at inference -
error std range(W_n X_n) / (2**bits sqrt(12)) on the *normalised* product (rows of W
and columns of X scaled to peak 1, as ``labctl.models.network`` does), scaled back
by the row and column factors.  Training through the error the analog link will make
is the usual way to make a network tolerate it (e.g. Joshi et al., "Accurate deep
neural network inference using computational phase-change memory", Nat. Commun.
11:2473, 2020).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "none": nn.Identity,
}


def layer_spec(names_sizes: list[tuple[str, int, int, str]]) -> list[dict]:
    """``[(name, in, out, activation), ...]`` -> manifest layer specification."""
    return [{"name": n, "in": i, "out": o, "activation": a} for n, i, o, a in names_sizes]


def chain(prefix: str, sizes: list[int], hidden: str, last: str) -> list[dict]:
    """Specification of a plain MLP ``sizes[0] -> ... -> sizes[-1]``."""
    rows = []
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        act = last if index == len(sizes) - 2 else hidden
        rows.append((f"{prefix}{index + 1}", n_in, n_out, act))
    return layer_spec(rows)


class MLP(nn.Module):
    """Stack of affine layers following a manifest layer specification."""

    def __init__(self, spec: list[dict], time_layers: tuple[str, ...] = (), timesteps: int = 0,
                 noise_bits: float | None = None):
        super().__init__()
        self.spec = spec
        self.noise_bits = noise_bits
        self.linears = nn.ModuleDict({s["name"]: nn.Linear(s["in"], s["out"]) for s in spec})
        self.acts = nn.ModuleDict({s["name"]: _ACTIVATIONS[s["activation"]]() for s in spec})
        self.time = nn.ModuleDict({
            s["name"]: nn.Embedding(timesteps, s["out"]) for s in spec if s["name"] in time_layers})
        for table in self.time.values():
            nn.init.normal_(table.weight, std=0.02)

    def forward(self, x: torch.Tensor, t: torch.Tensor | None = None,
                features: bool = False) -> torch.Tensor:
        """Apply every layer; with ``features`` return the penultimate activations."""
        for index, s in enumerate(self.spec):
            if features and index == len(self.spec) - 1:
                return x
            h = self.linears[s["name"]](x)
            if self.training and self.noise_bits is not None:
                h = h + self._product_error(self.linears[s["name"]].weight, x)
            if s["name"] in self.time:
                h = h + self.time[s["name"]](t)
            x = self.acts[s["name"]](h)
        return x

    def _product_error(self, weight: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """Gaussian error of a ``noise_bits`` link on x @ W^T (see module docstring)."""
        with torch.no_grad():
            w_scale = weight.abs().amax(dim=1).clamp_min(1e-12)          # [out]
            x_scale = x.abs().amax(dim=1, keepdim=True).clamp_min(1e-12)  # [batch, 1]
            product = (x / x_scale) @ (weight / w_scale[:, None]).T
            sigma = (product.max() - product.min()) / (2.0 ** self.noise_bits * 12 ** 0.5)
            return torch.randn_like(product) * sigma * w_scale[None, :] * x_scale

    def arrays(self) -> dict[str, np.ndarray]:
        """Weights for the npz file: ``<layer>.weight`` [out, in], ``.bias``, ``.time`` [T, out]."""
        out = {}
        for name, lin in self.linears.items():
            out[f"{name}.weight"] = lin.weight.detach().cpu().numpy()
            out[f"{name}.bias"] = lin.bias.detach().cpu().numpy()
        for name, table in self.time.items():
            out[f"{name}.time"] = table.weight.detach().cpu().numpy()
        return out
