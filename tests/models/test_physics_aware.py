"""Physics-aware training (labctl.training.physics_aware, sequence train-through, CLI).

A tiny decoder (4 -> 16 -> 64, 8 x 8 digits images, ~20 frames per forward pass)
through the in-process high-rate bench: the optical forward, the exact-product
backward, a few steps lowering the optical loss, and the run file.
"""
from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch (the optional 'train' extra) is not installed")

from labctl.bench import load_bench  # noqa: E402
from labctl.cli import main  # noqa: E402
from labctl.models import DigitalBackend, load_model  # noqa: E402
from labctl.models.network import LayerInfo  # noqa: E402
from labctl.models.weights import WEIGHTS_DIR, load_weights, save_weights, sha256_of  # noqa: E402
from labctl.mvm import SimBackend  # noqa: E402
from labctl.training.physics_aware import (  # noqa: E402
    OpticalProduct,
    PhysicsAwareNet,
    arrays_sha256,
    fine_tune,
)

NAME = "digits-vae"      # a tiny stand-in saved under the shipped name, in tmp directories
SPEC = [{"name": "dec1", "in": 4, "out": 16, "activation": "relu"},
        {"name": "dec2", "in": 16, "out": 64, "activation": "sigmoid"}]


def save_tiny_decoder(directory):
    """Write a tiny random latent decoder (``SPEC``, seed 5) with a manifest like a shipped
    one as ``NAME`` in ``directory``; returns ``directory`` (also used by test_train_*.py)."""
    rng = np.random.default_rng(5)
    arrays = {"dec1.weight": rng.normal(0, 0.5, (16, 4)), "dec1.bias": rng.normal(0, 0.1, 16),
              "dec2.weight": rng.normal(0, 0.5, (64, 16)), "dec2.bias": rng.normal(0, 0.5, 64)}
    manifest = {"architecture": {"kind": "vae", "layers": SPEC, "latent_dim": 4,
                                 "output_range": [0.0, 1.0], "image_shape": [8, 8]},
                "dataset": "digits", "seed": 0}
    save_weights(directory, NAME, arrays, manifest)
    return directory


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Directory holding the tiny decoder (:func:`save_tiny_decoder`)."""
    return save_tiny_decoder(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def bench_backend():
    backend = SimBackend(load_bench("high-rate"), seed=3)
    yield backend
    backend.close()


def test_forward_is_optical_and_backward_is_the_exact_products_gradient(bench_backend):
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.uniform(0, 1, (8, 16)), requires_grad=True)
    w = torch.tensor(rng.normal(0, 1, (12, 16)), requires_grad=True)
    y = OpticalProduct.apply(x, w, LayerInfo("t", 16, 12, "none"), bench_backend)
    exact = (x @ w.T).detach()
    err = (y.detach() - exact).numpy()
    assert np.abs(err).max() > 0                                  # the optics, not numpy
    assert np.sqrt(np.mean(err ** 2)) < 0.1 * np.abs(exact.numpy()).max()
    loss = torch.sum(y ** 2)                                      # upstream gradient 2 Y_opt
    gx, gw = torch.autograd.grad(loss, (x, w))
    xr, wr = x.detach().clone().requires_grad_(), w.detach().clone().requires_grad_()
    rx, rw = torch.autograd.grad(xr @ wr.T, (xr, wr), grad_outputs=2 * y.detach())
    np.testing.assert_allclose(gx.numpy(), rx.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gw.numpy(), rw.numpy(), rtol=1e-12, atol=1e-12)


def test_optical_forward_equals_inference_through_the_same_backend(tiny):
    manifest, arrays = load_weights(NAME, tiny)
    model = load_model(NAME, tiny)
    z = model.initial_noise(6, seed=2)                            # [latent, 6]
    net = PhysicsAwareNet(SPEC, arrays)
    with torch.no_grad():
        got = net(torch.from_numpy(z.T.copy()), DigitalBackend()).numpy().T
    np.testing.assert_allclose(got, model.network.forward(z, DigitalBackend()), atol=1e-12)
    assert arrays_sha256(net.arrays()) == arrays_sha256(arrays)


def _optical_loss(arrays, directory, latents, calibration):
    """Mean squared error of the tiny model through a fresh high-rate backend (same seed and
    calibration each time: the same noise streams) vs the starting model's exact output."""
    net = PhysicsAwareNet(SPEC, arrays)
    ref = PhysicsAwareNet(SPEC, load_weights(NAME, directory)[1])
    backend = SimBackend(load_bench("high-rate"), seed=7, calibration=calibration)
    with torch.no_grad():
        return float(torch.mean((net(latents, backend) - ref(latents)) ** 2))


def test_a_few_steps_through_the_bench_lower_the_optical_loss(tiny, bench_backend):
    manifest, arrays = load_weights(NAME, tiny)
    records, state = [], None
    for record, state in fine_tune(manifest, arrays, bench_backend, steps=10, batch=64, seed=1,
                                   lr=1e-2):
        records.append(record)
    assert [r.step for r in records] == list(range(10))
    assert all(np.isfinite(r.loss_optical) and r.loss_digital >= 0 for r in records)
    latents = torch.from_numpy(np.random.default_rng(99).standard_normal((64, 4)))
    cal = bench_backend.calibration
    before = _optical_loss(arrays, tiny, latents, cal)
    after = _optical_loss(state.net.arrays(), tiny, latents, cal)
    assert after < 0.95 * before, (before, after)          # measured: -11 %
    assert records[-1].loss_digital > 0                     # the model itself moved


def test_train_through_cli_writes_run_file_and_weights(tiny, bench_backend, tmp_path):
    out, run, cal = tmp_path / "out", tmp_path / "run.h5", tmp_path / "cal.h5"
    bench_backend.calibration.save(cal)
    shipped = sha256_of(WEIGHTS_DIR / f"{NAME}.npz")
    code = main(["train", NAME, "--through", "sim", "--bench", "high-rate", "--models-dir",
                 str(tiny), "--steps", "3", "--batch", "8", "--lr", "1e-3", "--layers", "dec2",
                 "--eval-count", "8", "--seed", "4", "--calibration", str(cal),
                 "--out", str(out), "--run", str(run)])
    assert code == 0
    assert sha256_of(WEIGHTS_DIR / f"{NAME}.npz") == shipped      # shipped weights untouched
    manifest = json.loads((out / f"{NAME}.json").read_text())
    assert manifest["fine_tuned"]["layers"] == ["dec2"] and manifest["fine_tuned"]["steps"] == 3
    before, after = load_weights(NAME, tiny)[1], load_weights(NAME, out)[1]
    np.testing.assert_array_equal(before["dec1.weight"], after["dec1.weight"])   # frozen
    assert not np.array_equal(before["dec2.weight"], after["dec2.weight"])
    with h5py.File(run, "r") as f:
        assert f["entry"].attrs["status"] == "completed"
        data, metrics = f["entry/data"], f["entry/metrics"]
        for name, unit in (("loss_optical", "1"), ("loss_digital", "1"), ("step", "1"),
                           ("psnr_optical_db", "dB"), ("grad_norm", "1"), ("step_seconds", "s")):
            assert data[name].attrs["units"] == unit
            assert data[name].shape[0] == 4                  # 3 steps + the evaluation
        assert np.isfinite(data["loss_optical"][:3]).all() and np.isnan(data["loss_optical"][3])
        assert list(data["step"][:3]) == [0, 1, 2]
        assert metrics["weights_sha256"][-1].decode() == manifest["sha256"]
        assert metrics["weights_content_sha256"][-1].decode() == arrays_sha256(after)
        assert metrics["shipped/psnr_db"].attrs["units"] == "dB"
        assert 0 <= metrics["trained/label_agreement"][-1] <= 1
        assert f["entry/images/trained/optical"].shape == (8, 8, 8)
        seeds = json.loads(f["entry/provenance/seeds"][()])
        assert seeds["run_seed"] == 4
        assert f["entry/provenance/calibration_file"][()].decode() == str(cal)


def test_train_through_refuses_the_shipped_directory(capsys):
    code = main(["train", NAME, "--through", "gaussian", "--out", str(WEIGHTS_DIR),
                 "--steps", "1", "--eval-count", "0"])
    assert code == 2
    assert "choose another one" in capsys.readouterr().err
