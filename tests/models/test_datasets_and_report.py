"""IDX reader on a file written here; the one-call quality report."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from labctl import imaging
from labctl.models import GaussianNoiseBackend, load_model
from labctl.models.datasets import load_dataset, read_idx


def test_read_idx_round_trip(tmp_path):
    data = np.random.default_rng(0).integers(0, 256, size=(3, 4, 5)).astype(np.uint8)
    header = bytes([0, 0, 0x08, 3]) + b"".join(n.to_bytes(4, "big") for n in data.shape)
    path = tmp_path / "x-idx3-ubyte.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(header + data.tobytes())
    assert np.array_equal(read_idx(path), data)


def test_read_idx_rejects_truncated_file(tmp_path):
    path = tmp_path / "bad-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x08, 1]) + (10).to_bytes(4, "big") + b"\x01\x02")
    with pytest.raises(ValueError, match="holds 2 bytes"):
        read_idx(path)


def test_digits_split_is_disjoint_and_scaled():
    train, test = load_dataset("digits", "train"), load_dataset("digits", "test")
    assert len(train.labels) + len(test.labels) == 1797
    assert train.images.dtype == np.uint8 and train.images.max() == 255


def test_quality_metrics_report():
    model = load_model("digits-vae")
    digital = model.sample(50, seed=0)
    optical = model.sample(50, seed=0, backend=GaussianNoiseBackend(6, seed=0))
    report = imaging.quality_metrics("digits", optical, digital)
    assert report["psnr_db"] == pytest.approx(imaging.psnr(digital, optical))
    assert 0.9 < report["ssim"] < 1.0
    assert 0.0 <= report["label_agreement"] <= 1.0
    assert report["frechet_floor"] > 0
    same = imaging.quality_metrics("digits", digital, digital)
    assert same["psnr_db"] == float("inf") and same["label_agreement"] == 1.0
    assert same["frechet_optical"] == pytest.approx(same["frechet_digital"])
