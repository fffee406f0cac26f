"""The twin's error model (labctl.training.twin_model) and ``labctl train --twin``.

Tiny decoder (4 -> 16 -> 64) on the in-process high-rate bench, whose calibrated
products have per-output gains of 0.93-1.03 (measured): the twin measured on that bench
file with the run's calibration, its gradients against finite differences of the fitted
model, and a CLI run logging the twin file and its sha256.
"""
from __future__ import annotations

import hashlib
import json

import h5py
import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch (the optional 'train' extra) is not installed")

from test_physics_aware import NAME, SPEC, save_tiny_decoder  # noqa: E402

from labctl.bench import load_bench  # noqa: E402
from labctl.cli import main  # noqa: E402
from labctl.models.network import LayerInfo  # noqa: E402
from labctl.models.weights import load_weights  # noqa: E402
from labctl.mvm import SimBackend  # noqa: E402
from labctl.training.physics_aware import OpticalProduct, fine_tune  # noqa: E402
from labctl.training.twin_model import fit_gain_offset, measure_twin  # noqa: E402


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return save_tiny_decoder(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def calibration():
    """One calibration of the high-rate bench (the 'real' bench's, used by the twin too)."""
    with SimBackend(load_bench("high-rate"), seed=3) as backend:
        return backend.calibration


@pytest.fixture(scope="module")
def twin(tiny, calibration):
    _, arrays = load_weights(NAME, tiny)
    return measure_twin(load_bench("high-rate"), SPEC, arrays, calibration=calibration,
                        seed=11, count=128, latent_dim=4)


def test_least_squares_line_recovers_a_known_gain_and_offset():
    """y = g e + c + noise: the fit is within 5 standard errors, se(g) = s / sqrt(N var e)."""
    rng = np.random.default_rng(0)
    n, sigma = 400, 0.05
    g, c = rng.uniform(0.8, 1.2, 6), rng.uniform(-0.2, 0.2, 6)
    e = rng.uniform(-3, 3, (6, n))
    y = g[:, None] * e + c[:, None] + rng.normal(0, sigma, (6, n))
    gain, offset, rms = fit_gain_offset(y, e)
    se_g = sigma / np.sqrt(n * e.var(axis=1))
    se_c = sigma * np.sqrt(1 / n + e.mean(axis=1) ** 2 / (n * e.var(axis=1)))
    assert np.all(np.abs(gain - g) < 5 * se_g)
    assert np.all(np.abs(offset - c) < 5 * se_c)
    assert rms == pytest.approx(sigma, rel=0.1)
    gain, offset, rms = fit_gain_offset(1.5 * e - 0.25, e)              # exact line
    np.testing.assert_allclose(gain, 1.5, atol=1e-12)
    np.testing.assert_allclose(offset, -0.25, atol=1e-12)
    assert rms < 1e-12


def test_twin_of_the_high_rate_bench_has_a_gain_error_that_repeats(tiny, twin, calibration):
    """g != 1 on the high-rate bench, and it is a property of the bench and seed, not of the
    latents: other latents give gains closer to these than these are to 1."""
    assert set(twin.layers) == {"dec1", "dec2"}
    dec2 = twin.layers["dec2"]
    assert dec2.gain.shape == (64,) and dec2.columns == 128
    assert np.max(np.abs(dec2.gain - 1)) > 0.02                 # measured: 0.93 .. 1.03
    assert 0 < dec2.noise_std < 0.2                              # measured: 0.055
    _, arrays = load_weights(NAME, tiny)
    other = measure_twin(load_bench("high-rate"), SPEC, arrays, calibration=calibration,
                         seed=11, count=128, latent_dim=4, latent_seed=12)
    g, h = dec2.gain, other.layers["dec2"].gain
    assert np.sqrt(np.mean((g - h) ** 2)) < 0.5 * np.sqrt(np.mean((g - 1) ** 2))
    assert np.corrcoef(g - 1, h - 1)[0, 1] > 0.5


def _fitted_model_loss(x, w, gain, offset, upstream):
    """L = sum(R * (g ⊙ (x W^T) + C)) of the twin's model in torch layout [B, out]."""
    return float(np.sum(upstream * ((x @ w.T) * gain[None, :] + offset)))


def test_twin_gradient_is_the_finite_difference_gradient_of_the_fitted_model(twin, calibration):
    """OpticalProduct with the twin's gain: backward = central differences of the fitted
    model y = g ⊙ (W x) + C (the offset held), to 1e-7; and not the exact product's."""
    gain = twin.layers["dec2"].gain
    rng = np.random.default_rng(1)
    x0, w0 = rng.uniform(0, 1, (3, 16)), rng.normal(0, 0.5, (64, 16))
    upstream, offset = rng.normal(0, 1, (3, 64)), rng.normal(0, 0.1, (3, 64))
    x, w = torch.tensor(x0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    with SimBackend(load_bench("high-rate"), seed=5, calibration=calibration) as backend:
        y = OpticalProduct.apply(x, w, LayerInfo("dec2", 16, 64, "none"), backend, gain)
    gx, gw = torch.autograd.grad(torch.sum(y * torch.from_numpy(upstream)), (x, w))
    h = 1e-6
    for value, grad, other in ((x0, gx.numpy(), "x"), (w0, gw.numpy(), "w")):
        fd = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            plus, minus = value.copy(), value.copy()
            plus[index] += h
            minus[index] -= h
            args = ((plus, w0), (minus, w0)) if other == "x" else ((x0, plus), (x0, minus))
            fd[index] = (_fitted_model_loss(*args[0], gain, offset, upstream)
                         - _fitted_model_loss(*args[1], gain, offset, upstream)) / (2 * h)
        np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-7)
    exact_gw = upstream.T @ x0                                  # the exact product's dL/dW
    np.testing.assert_allclose(gw.numpy(), gain[:, None] * exact_gw, rtol=1e-12, atol=1e-14)
    assert not np.allclose(gw.numpy(), exact_gw, rtol=1e-3)


def test_twin_changes_the_gradients_not_the_forward(tiny, twin, calibration):
    """Step 0 through fresh backends of one seed: the same optical loss (the forward is the
    optics either way), a different gradient norm (the backward is the twin's)."""
    manifest, arrays = load_weights(NAME, tiny)
    first = {}
    for label, gains in (("exact", None), ("twin", twin.gains())):
        with SimBackend(load_bench("high-rate"), seed=21, calibration=calibration) as backend:
            record, _ = next(fine_tune(manifest, arrays, backend, steps=1, batch=16, seed=2,
                                       lr=1e-3, gains=gains))
        first[label] = record
    assert first["twin"].loss_optical == first["exact"].loss_optical
    ratio = first["twin"].grad_norm / first["exact"].grad_norm
    assert abs(ratio - 1) > 1e-3 and 0.8 < ratio < 1.2, ratio


def test_train_through_with_twin_logs_the_twin_file(tiny, calibration, tmp_path):
    twin_file = tmp_path / "fitted.toml"          # a twin bench file: here the bench's own text
    twin_file.write_text(load_bench("high-rate").source_text)
    cal, out, run = tmp_path / "cal.h5", tmp_path / "out", tmp_path / "run.h5"
    calibration.save(cal)
    code = main(["train", NAME, "--through", "sim", "--bench", "high-rate", "--models-dir",
                 str(tiny), "--steps", "2", "--batch", "8", "--lr", "1e-3", "--eval-count", "0",
                 "--seed", "4", "--calibration", str(cal), "--twin", str(twin_file),
                 "--out", str(out), "--run", str(run)])
    assert code == 0
    sha = hashlib.sha256(twin_file.read_bytes()).hexdigest()
    with h5py.File(run, "r") as f:
        assert f["entry"].attrs["status"] == "completed"
        prov = f["entry/provenance"]
        assert prov["twin_file"][()].decode() == str(twin_file.resolve())
        assert prov["twin_sha256"][()].decode() == sha
        model = json.loads(prov["twin_model"][()])
        assert model["sha256"] == sha and set(model["layers"]) == {"dec1", "dec2"}
        assert len(model["layers"]["dec2"]["gain"]) == 64
        assert np.isfinite(f["entry/data/loss_optical"][:2]).all()
        assert json.loads(prov["parameters"][()])["twin"] == str(twin_file)
    manifest = json.loads((out / f"{NAME}.json").read_text())
    assert manifest["fine_tuned"]["twin"] == {"file": str(twin_file.resolve()), "sha256": sha}
    assert "twin's error model" in manifest["fine_tuned"]["method"]


def test_twin_fit_output_drives_train_twin(tiny, tmp_path, capsys):
    """The loop closed on the command line: `labctl twin fit` on the embedded bench
    writes fitted.toml, and `labctl train --through sim --twin fitted.toml` measures
    its error model on that file (gains near 1 for the bench fitted against itself)
    and trains a step with it, logging the fitted file's sha256."""
    cal = tmp_path / "cal.h5"
    assert main(["run", "calibrate", "--out", str(tmp_path / "cal_run.h5"),
                 "--set", f"calibration_file={cal}", "--set", "check_size=4"]) == 0
    fitted = tmp_path / "fitted.toml"
    assert main(["twin", "fit", "--calibration", str(cal), "--out", str(fitted)]) == 0
    run = tmp_path / "run.h5"
    code = main(["train", NAME, "--through", "sim", "--models-dir", str(tiny), "--steps", "1",
                 "--batch", "8", "--eval-count", "0", "--seed", "4", "--calibration", str(cal),
                 "--twin", str(fitted), "--out", str(tmp_path / "out"), "--run", str(run)])
    capsys.readouterr()
    assert code == 0
    with h5py.File(run, "r") as f:
        assert f["entry"].attrs["status"] == "completed"
        prov = f["entry/provenance"]
        assert prov["twin_sha256"][()].decode() == hashlib.sha256(fitted.read_bytes()).hexdigest()
        gains = np.concatenate([np.asarray(layer["gain"]) for layer in
                                json.loads(prov["twin_model"][()])["layers"].values()])
    assert gains.size > 0 and np.all(np.abs(gains - 1) < 0.2)


def test_twin_errors_are_one_line_usage_errors(tiny, tmp_path, capsys):
    missing = tmp_path / "absent.toml"
    code = main(["train", NAME, "--through", "gaussian", "--twin", str(missing),
                 "--models-dir", str(tiny), "--out", str(tmp_path / "o"), "--steps", "1",
                 "--eval-count", "0"])
    err = capsys.readouterr().err
    assert code == 2 and "--twin" in err and err.count("\n") == 1
    assert main(["train", NAME, "--twin", "high-rate"]) == 2
    assert "--twin needs --through" in capsys.readouterr().err
