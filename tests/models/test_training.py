"""Training end to end on the bundled digits (tiny sizes, seconds)."""
from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch (the optional 'train' extra) is not installed")

from labctl.cli import main  # noqa: E402
from labctl.models import load_classifier, load_model  # noqa: E402
from labctl.training import train  # noqa: E402


def test_tiny_vae_trains_and_generates(tmp_path):
    manifest_path = train("digits-vae", epochs=3, seed=1, out_dir=tmp_path, sizes=(16, 32))
    manifest = json.loads(manifest_path.read_text())
    assert manifest["dataset"] == "digits"
    assert manifest["architecture"]["layers"][0] == {"name": "dec1", "in": 8, "out": 16, "activation": "relu"}
    assert np.isfinite(manifest["training"]["final_loss_nats_per_image"])
    model = load_model("digits-vae", tmp_path)
    images = model.sample(5, seed=0)
    assert images.shape == (5, 8, 8) and images.dtype == np.uint8


def test_training_is_deterministic_for_a_seed(tmp_path):
    a = json.loads(train("digits-gan", epochs=1, seed=3, out_dir=tmp_path / "a", sizes=(8, 8)).read_text())
    b = json.loads(train("digits-gan", epochs=1, seed=3, out_dir=tmp_path / "b", sizes=(8, 8)).read_text())
    c = json.loads(train("digits-gan", epochs=1, seed=4, out_dir=tmp_path / "c", sizes=(8, 8)).read_text())
    assert a["training"]["final_loss_g"] == b["training"]["final_loss_g"]
    assert a["training"]["final_loss_g"] != c["training"]["final_loss_g"]


def test_tiny_classifier_learns_digits(tmp_path):
    train("digits-classifier", epochs=5, seed=0, out_dir=tmp_path, sizes=(32,))
    manifest = json.loads((tmp_path / "digits-classifier.json").read_text())
    assert manifest["training"]["test_accuracy"] > 0.8       # chance is 0.1
    assert load_classifier("digits", tmp_path).features(np.zeros((2, 8, 8), np.uint8)).shape == (2, 32)


def test_tiny_diffusion_trains(tmp_path):
    train("digits-diffusion", epochs=2, seed=0, out_dir=tmp_path, sizes=(32,))
    model = load_model("digits-diffusion", tmp_path)
    assert model.sample(3, seed=0).shape == (3, 8, 8)


def test_tiny_latent_diffusion_trains_both_stages(tmp_path):
    """VAE, then a denoiser on its scaled latents; the manifest holds both networks."""
    train("fashion-latent-diffusion", epochs=2, seed=0, out_dir=tmp_path, sizes=(16, 32),
          overrides={"dataset": "digits", "vae_epochs": 2, "denoiser": (16,), "latent": 4})
    manifest = json.loads((tmp_path / "fashion-latent-diffusion.json").read_text())
    arch = manifest["architecture"]
    assert [layer["name"] for layer in arch["decoder_layers"]] == ["dec1", "dec2", "dec3"]
    assert arch["layers"][0]["in"] == arch["layers"][-1]["out"] == arch["latent_dim"] == 4
    assert np.isfinite(manifest["training"]["final_mse"])
    model = load_model("fashion-latent-diffusion", tmp_path)
    assert model.latent_scale.shape == (4,) and (model.latent_scale > 0).all()
    assert model.sample(3, seed=0).shape == (3, 8, 8)


def test_cli_train_writes_weights(tmp_path, capsys):
    assert main(["train", "digits-vae", "--epochs", "1", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "digits-vae.npz").exists()
    assert "digits-vae" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["train", "no-such-model"], "unknown model 'no-such-model'"),
    (["train", "digits-vae", "--epochs", "0"], "--epochs must be at least 1"),
])
def test_cli_train_errors_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
