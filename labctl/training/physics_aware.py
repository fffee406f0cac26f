"""Physics-aware training: forward through the optics, backward through a digital model.

Wright, Onodera, Stein et al., "Deep physical neural networks trained with
backpropagation", Nature 601, 549-555 (2022): each affine layer's forward pass uses the
*physical* product, Y_opt = backend.matmul(W_n, X_n) rescaled exactly as inference does
(:class:`labctl.models.network.Linear`: rows of W and columns of X normalised to peak 1,
the factors re-applied digitally); the backward pass uses the gradient of a
*differentiable digital model* of the same layer (:class:`OpticalProduct`), evaluated
at the same W and X, for G = dL/dY:

* the exact product Y = W X (default): dL/dX = G W, dL/dW = G^T X (torch layout);
* the twin's error model (``gains``, :mod:`labctl.training.twin_model`, ``--twin``):
  Y = g ⊙ (W X) + C with a per-output gain g fitted on a twin bench simulated in
  process, so G is replaced by g ⊙ G: dL/dX = (g ⊙ G) W, dL/dW = (g ⊙ G)^T X. This is
  the way Wright et al. use their digital twin: the physics runs forward, the twin
  supplies the derivative of what the physics does.

Biases, activations and the loss are ordinary torch autograd.

Objective (:func:`fine_tune`): distillation onto the shipped model's digital output.
For fresh standard-normal latents z each step, L = mean((f_opt(z; theta) - f_dig(z;
theta_0))^2) over every pixel of every image, outputs in the model's range ([0, 1] for
the VAEs), i.e. the squared error that PSNR vs the digital reference measures (PSNR =
10 log10(range^2 / L) before the 8-bit rounding). Why not the data set's reconstruction
loss: only the decoder ships (no encoder to reconstruct with), and the figures the
optics are judged by (PSNR, label agreement vs the digital reference) compare with the
shipped digital images, which distillation targets directly.

Each step also reports the *digital* loss: the same L with the current weights through
exact products (how far fine-tuning has moved the model itself from the shipped one).

Only torch-using module of the physics-aware path; imported by ``labctl train --through``
and the ``train-through`` sequence, never by inference.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import torch
from torch import nn

from labctl.models.backends import DigitalBackend
from labctl.models.network import ACTIVATIONS, LayerInfo, Linear

_TORCH_ACTIVATIONS = {
    "relu": torch.relu,
    "leaky_relu": lambda x: torch.nn.functional.leaky_relu(x, 0.2),
    "silu": torch.nn.functional.silu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "none": lambda x: x,
}
assert set(_TORCH_ACTIVATIONS) == set(ACTIVATIONS)


class OpticalProduct(torch.autograd.Function):
    """y = W x through ``backend`` forward; the digital model's gradients backward.

    ``forward(x [B, in], weight [out, in], info, backend, gain=None) -> y [B, out]`` (no
    bias): detached float64 numpy operands go through :class:`labctl.models.network.Linear`
    with a zero bias, so the backend sees exactly the normalised operands inference
    sends it. ``backward(G)`` returns (G' W, G'^T x) with G' = G (exact product x W^T)
    or, with ``gain`` g [out] (the twin's error model y = g ⊙ (W x) + c), G' = G * g:
    the model's gradients at the same operands, whatever the backend returned.
    """

    @staticmethod
    def forward(ctx, x, weight, info: LayerInfo, backend, gain=None):
        layer = Linear(info, weight.detach().cpu().numpy(), np.zeros(info.out_features))
        y = layer(x.detach().cpu().numpy().T.astype(np.float64), backend).T
        ctx.save_for_backward(x, weight)
        ctx.gain = None if gain is None else torch.as_tensor(gain, dtype=x.dtype)
        return torch.from_numpy(np.ascontiguousarray(y)).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        if ctx.gain is not None:
            grad = grad * ctx.gain
        grad_x = grad @ weight if ctx.needs_input_grad[0] else None
        grad_w = grad.T @ x if ctx.needs_input_grad[1] else None
        return grad_x, grad_w, None, None, None


class PhysicsAwareNet(nn.Module):
    """A manifest's MLP (``architecture.layers``) in float64 torch, products pluggable.

    ``forward(x [B, in], backend, gains)``: with ``backend=None`` every product is exact
    torch (full autograd); otherwise each product goes through :class:`OpticalProduct`,
    with the per-output gain ``gains[layer]`` in its backward if ``gains`` has the layer.
    ``trainable``: names of the layers whose weight and bias get gradients (others frozen).
    """

    def __init__(self, spec: list[dict], arrays: dict[str, np.ndarray],
                 trainable: tuple[str, ...] | None = None):
        super().__init__()
        self.infos = [LayerInfo(s["name"], int(s["in"]), int(s["out"]), s["activation"])
                      for s in spec]
        names = [i.name for i in self.infos]
        trainable = tuple(names) if trainable is None else tuple(trainable)
        unknown = set(trainable) - set(names)
        if unknown:
            raise ValueError(f"no layer {', '.join(sorted(unknown))} (layers: {', '.join(names)})")
        self.weights = nn.ParameterDict()
        self.biases = nn.ParameterDict()
        for info in self.infos:
            for store, key in ((self.weights, "weight"), (self.biases, "bias")):
                value = torch.from_numpy(np.asarray(arrays[f"{info.name}.{key}"], np.float64).copy())
                store[info.name] = nn.Parameter(value, requires_grad=info.name in trainable)
        self.trainable = trainable
        own = {f"{n}.{key}" for n in names for key in ("weight", "bias")}
        self.extra = {k: v for k, v in arrays.items() if k not in own}

    def forward(self, x: torch.Tensor, backend=None, gains: dict | None = None) -> torch.Tensor:
        gains = gains or {}
        for info in self.infos:
            w, b = self.weights[info.name], self.biases[info.name]
            if backend is None:
                h = x @ w.T
            else:
                h = OpticalProduct.apply(x, w, info, backend, gains.get(info.name))
            x = _TORCH_ACTIVATIONS[info.activation](h + b)
        return x

    def arrays(self) -> dict[str, np.ndarray]:
        """Weights in the shipped layout (``<layer>.weight`` [out, in], ``.bias``), other
        arrays of the original file unchanged."""
        out = dict(self.extra)
        for info in self.infos:
            out[f"{info.name}.weight"] = self.weights[info.name].detach().numpy().copy()
            out[f"{info.name}.bias"] = self.biases[info.name].detach().numpy().copy()
        return out


def arrays_sha256(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the weights as float32 bytes, keys sorted (name, shape, bytes each):
    independent of the npz container (whose zip entries carry times)."""
    digest = hashlib.sha256()
    for key in sorted(arrays):
        value = np.ascontiguousarray(np.asarray(arrays[key], dtype=np.float32))
        digest.update(key.encode() + str(value.shape).encode() + value.tobytes())
    return digest.hexdigest()


@dataclass
class StepRecord:
    """One training step: losses (mean squared error, output units^2) and PSNR (dB)."""

    step: int
    loss_optical: float      # L through the backend, the loss that was differentiated
    loss_digital: float      # L with exact products, same weights and latents
    psnr_optical_db: float   # 10 log10(range^2 / loss_optical)
    grad_norm: float         # ||dL/dtheta||_2 over the trained parameters
    seconds: float = 0.0


@dataclass
class FineTune:
    """State of a fine-tuning run (see :func:`fine_tune`)."""

    net: PhysicsAwareNet
    reference: PhysicsAwareNet
    output_range: tuple[float, float]
    latent_dim: int
    records: list[StepRecord] = field(default_factory=list)


def latents(seed: int, step: int, batch: int, dim: int) -> np.ndarray:
    """Standard-normal latents [batch, dim] of training step ``step``: a pure function of
    (seed, step), from ``SeedSequence([seed, step])``."""
    return np.random.default_rng(np.random.SeedSequence([seed, step])).standard_normal((batch, dim))


def fine_tune(manifest: dict, arrays: dict[str, np.ndarray], backend, steps: int, batch: int,
              seed: int = 0, lr: float = 3e-5,
              trainable: tuple[str, ...] | None = None,
              gains: dict[str, np.ndarray] | None = None) -> Iterator[tuple[StepRecord, FineTune]]:
    """Fine-tune a latent-decoder model (VAE decoder / GAN generator) through ``backend``.

    Adam(lr) on the ``trainable`` layers (default: every layer), ``steps`` steps of
    ``batch`` fresh latents each (:func:`latents`), loss as in the module docstring.
    ``gains``: layer -> per-output gain of the twin's error model for the backward pass
    (:func:`labctl.training.twin_model.measure_twin`; default: exact-product gradients).
    Yields ``(record, state)`` after every step; ``state.net.arrays()`` are the weights.
    Deterministic for a seed on a deterministic backend (one torch thread).
    """
    arch = manifest["architecture"]
    if arch.get("kind") not in ("vae", "gan"):
        raise ValueError(f"{manifest.get('name')}: physics-aware fine-tuning supports latent "
                         f"decoders (vae, gan), not {arch.get('kind')!r}")
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    net = PhysicsAwareNet(arch["layers"], arrays, trainable)
    reference = PhysicsAwareNet(arch["layers"], arrays, trainable=())
    lo, hi = (float(v) for v in arch["output_range"])
    state = FineTune(net, reference, (lo, hi), int(arch["latent_dim"]))
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    for step in range(steps):
        start = time.perf_counter()
        z = torch.from_numpy(latents(seed, step, batch, state.latent_dim))
        with torch.no_grad():
            target = reference(z)
        out = net(z, backend, gains)
        loss = torch.mean((out - target) ** 2)
        opt.zero_grad()
        loss.backward()
        grad_norm = float(torch.sqrt(sum(torch.sum(p.grad ** 2) for p in params)))
        opt.step()
        with torch.no_grad():
            digital = float(torch.mean((net(z) - target) ** 2))
        value = float(loss.detach())
        record = StepRecord(step, value, digital, _psnr(value, hi - lo), grad_norm,
                            time.perf_counter() - start)
        state.records.append(record)
        yield record, state


def _psnr(mse: float, span: float) -> float:
    return float("inf") if mse <= 0 else float(10.0 * np.log10(span ** 2 / mse))


def evaluate(models: dict, backends, count: int, seed: int, reference=None) -> dict[str, dict]:
    """Image metrics of each model through the optics against the reference's digital images.

    ``models``: label -> :class:`~labctl.models.generative.GenerativeModel`;
    ``backends(label)`` -> the optical backend for that model (a fresh one per model
    with one seed gives each model the same noise streams); every model gets the same
    ``count`` latents (``seed``). ``reference`` (default: the first model) makes the
    digital images the metrics compare with. Per label: ``psnr_db`` (dB), ``ssim``,
    ``label_agreement``, ``frechet_optical`` / ``frechet_digital`` / ``frechet_floor``
    (:func:`labctl.imaging.quality_metrics`), ``psnr_own_db`` (vs the model's own digital
    images) and ``optical`` / ``digital`` uint8 images.
    """
    from labctl.imaging import psnr, quality_metrics

    labels = list(models)
    reference = reference or models[labels[0]]
    digital = reference.sample(count, seed, DigitalBackend(), batch_size=max(count, 1))
    out = {}
    for label in labels:
        model = models[label]
        optical = model.sample(count, seed, backends(label), batch_size=max(count, 1))
        own = model.sample(count, seed, DigitalBackend(), batch_size=max(count, 1))
        metrics = quality_metrics(reference.dataset, optical, digital, seed)
        metrics["psnr_own_db"] = psnr(own, optical)
        metrics["optical"], metrics["digital"] = optical, own
        out[label] = metrics
    return out
