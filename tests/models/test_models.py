"""Numpy inference: backend seam, scaling, determinism, per-layer effective bits."""
from __future__ import annotations

import numpy as np
import pytest

from labctl.models import (
    DigitalBackend,
    GaussianNoiseBackend,
    ProductRecorder,
    UnknownModel,
    available_models,
    effective_bits,
    load_model,
)
from labctl.models.network import LayerInfo, Linear


class OperandLog:
    """A real (digital) backend that also keeps the operands it was handed."""

    def __init__(self):
        self.calls = []

    def matmul(self, W, X):
        self.calls.append((W.copy(), X.copy()))
        return W @ X


def test_linear_normalises_operands_and_restores_scale():
    rng = np.random.default_rng(0)
    W, b, X = rng.normal(size=(5, 7)) * [[1], [10], [0.1], [3], [0.5]], rng.normal(size=5), rng.normal(size=(7, 4)) * 30
    layer = Linear(LayerInfo("fc", 7, 5, "none"), W, b)
    log = OperandLog()
    y = layer(X, log)
    w_n, x_n = log.calls[0]
    assert np.allclose(np.abs(w_n).max(axis=1), 1.0)      # every weight row spans the full range
    assert np.allclose(np.abs(x_n).max(axis=0), 1.0)      # every input column too
    assert np.allclose(y, W @ X + b[:, None], rtol=1e-12, atol=1e-12)


def test_available_models_and_unknown_name():
    names = available_models()
    assert {"digits-vae", "digits-gan", "digits-diffusion"} <= set(names)
    assert not any("classifier" in n for n in names)
    with pytest.raises(UnknownModel, match="available: "):
        load_model("no-such-model")


@pytest.mark.parametrize("name", ["digits-vae", "digits-gan", "digits-diffusion"])
def test_sample_is_deterministic_and_batch_independent(name):
    model = load_model(name)
    a = model.sample(6, seed=11)
    assert a.shape == (6, *model.image_shape) and a.dtype == np.uint8
    assert np.array_equal(a, model.sample(6, seed=11))
    assert np.array_equal(a[:3], model.sample(3, seed=11))               # prefix property
    assert np.array_equal(a, model.sample(6, seed=11, batch_size=4))      # batch size irrelevant
    assert not np.array_equal(a, model.sample(6, seed=12))


class NoisyOperandLog(OperandLog):
    """Keeps the operands, answers through the 6-bit Gaussian test error model."""

    def __init__(self):
        super().__init__()
        self.noise = GaussianNoiseBackend(6, seed=0)

    def matmul(self, W, X):
        super().matmul(W, X)
        return self.noise.matmul(W, X)


def test_same_latents_whatever_the_backend():
    model = load_model("digits-gan")
    digital, noisy = OperandLog(), NoisyOperandLog()
    model.sample(4, seed=5, backend=digital)
    model.sample(4, seed=5, backend=noisy)
    assert np.array_equal(digital.calls[0][1], noisy.calls[0][1])         # first-layer inputs identical
    assert not np.array_equal(digital.calls[1][1], noisy.calls[1][1])     # later ones carry the error


def test_noise_backend_hits_its_effective_bits():
    rng = np.random.default_rng(1)
    W, X = rng.uniform(-1, 1, (64, 128)), rng.uniform(-1, 1, (128, 256))
    for bits in (4.0, 6.0, 8.0):
        y = GaussianNoiseBackend(bits, seed=2).matmul(W, X)
        assert effective_bits(W @ X, y) == pytest.approx(bits, abs=0.05)
    assert effective_bits(W @ X, DigitalBackend().matmul(W, X)) == float("inf")


def test_recorder_reports_per_layer_bits_and_macs():
    model = load_model("digits-vae")
    recorder = ProductRecorder()
    model.sample(200, seed=0, backend=GaussianNoiseBackend(6, seed=3), hook=recorder)
    assert list(recorder.layers) == [info.name for info in model.layers]
    for bits in recorder.effective_bits().values():
        assert bits == pytest.approx(6.0, abs=0.1)
    assert recorder.total_macs == 200 * model.macs_per_image


def test_diffusion_calls_the_denoiser_once_per_step():
    model = load_model("digits-diffusion")
    recorder = ProductRecorder()
    model.sample(2, seed=0, hook=recorder)
    assert all(s.calls == model.sampling_steps for s in recorder.layers.values())
    assert recorder.total_macs == 2 * model.macs_per_image
    assert all(b == float("inf") for b in recorder.effective_bits().values())


def test_latent_diffusion_denoises_every_step_then_decodes_once():
    model = load_model("fashion-latent-diffusion")
    recorder = ProductRecorder()
    images = model.sample(2, seed=0, hook=recorder)
    assert images.shape == (2, 28, 28)
    den = [i.name for i in model.network.infos]
    dec = [i.name for i in model.decoder.infos]
    assert list(recorder.layers) == den + dec
    assert all(recorder.layers[n].calls == model.sampling_steps for n in den)
    assert all(recorder.layers[n].calls == 1 for n in dec)
    assert recorder.total_macs == 2 * model.macs_per_image

