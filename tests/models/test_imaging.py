"""Image metrics against closed-form values."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from labctl import imaging


def test_psnr_of_known_error():
    rng = np.random.default_rng(0)
    ref = rng.integers(20, 200, size=(4, 28, 28)).astype(np.uint8)
    test = ref + np.uint8(5)                       # every pixel off by exactly 5
    assert imaging.psnr(ref, test) == pytest.approx(10 * np.log10(255 ** 2 / 25.0), abs=1e-12)
    assert imaging.psnr(ref, ref) == float("inf")


def test_ssim_identical_is_one():
    img = np.random.default_rng(1).integers(0, 256, size=(3, 28, 28)).astype(np.uint8)
    assert imaging.ssim(img, img) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("shape", [(28, 28), (8, 8)])
def test_ssim_of_constant_images_is_luminance_term(shape):
    # Zero variance: the contrast-structure term is C2/C2 = 1, SSIM = (2ab + C1)/(a^2 + b^2 + C1).
    a, b = 100.0, 140.0
    c1 = (0.01 * 255) ** 2
    expected = (2 * a * b + c1) / (a * a + b * b + c1)
    got = imaging.ssim(np.full(shape, a), np.full(shape, b))
    assert got == pytest.approx(expected, rel=1e-9)


def test_ssim_drops_with_noise_and_is_symmetric():
    rng = np.random.default_rng(2)
    ref = rng.integers(0, 256, size=(2, 28, 28)).astype(np.float64)
    slight = np.clip(ref + rng.normal(0, 5, ref.shape), 0, 255)
    heavy = np.clip(ref + rng.normal(0, 60, ref.shape), 0, 255)
    assert 1.0 > imaging.ssim(ref, slight) > imaging.ssim(ref, heavy)
    assert imaging.ssim(ref, heavy) == pytest.approx(imaging.ssim(heavy, ref), rel=1e-12)


def test_ssim_matches_skimage():
    metrics = pytest.importorskip("skimage.metrics", reason="scikit-image not installed: reference comparison skipped")
    rng = np.random.default_rng(3)
    ref = rng.integers(0, 256, size=(28, 28)).astype(np.float64)
    test = np.clip(ref + rng.normal(0, 20, ref.shape), 0, 255)
    expected = metrics.structural_similarity(ref, test, gaussian_weights=True, sigma=1.5,
                                             use_sample_covariance=False, data_range=255)
    assert imaging.ssim(ref, test) == pytest.approx(expected, rel=1e-6)


def test_frechet_identical_sets_is_zero():
    feats = np.random.default_rng(4).normal(size=(500, 6))
    assert imaging.frechet_distance_features(feats, feats) == pytest.approx(0.0, abs=1e-8)


def test_frechet_of_shifted_set_is_squared_shift():
    # Same covariance exactly: the trace term vanishes, d^2 = |shift|^2.
    feats = np.random.default_rng(5).normal(size=(400, 5))
    shift = np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    assert imaging.frechet_distance_features(feats, feats + shift) == pytest.approx(shift @ shift, rel=1e-9)


def test_frechet_of_gaussians_matches_closed_form():
    # N(mu1, s1^2 I) vs N(mu2, s2^2 I) in d dims: d^2 = |mu1 - mu2|^2 + d (s1 - s2)^2.
    rng = np.random.default_rng(6)
    d, n = 4, 200_000
    mu1, mu2, s1, s2 = np.zeros(d), np.full(d, 0.5), 1.0, 2.0
    a = rng.normal(mu1, s1, size=(n, d))
    b = rng.normal(mu2, s2, size=(n, d))
    expected = np.sum((mu1 - mu2) ** 2) + d * (s1 - s2) ** 2
    assert imaging.frechet_distance_features(a, b) == pytest.approx(expected, rel=0.02)


def test_contact_sheet_holds_both_grids(tmp_path):
    rng = np.random.default_rng(7)
    optical = rng.integers(0, 256, size=(4, 28, 28)).astype(np.uint8)
    digital = 255 - optical
    path = imaging.write_contact_sheet(tmp_path / "sheet.png", optical, digital, title="t")
    sheet = np.asarray(Image.open(path))
    zoom = 2                                   # 56 px per 28 px image
    # First image of each grid: left grid starts at the 2 px gap below the 36 px header.
    left = sheet[38:38 + 28 * zoom:zoom, 2:2 + 28 * zoom:zoom]
    assert np.array_equal(left, optical[0])
    grid_w = (2 * (28 * zoom + 2) + 2)
    right = sheet[38:38 + 28 * zoom:zoom, grid_w + 16 + 2:grid_w + 16 + 2 + 28 * zoom:zoom]
    assert np.array_equal(right, digital[0])
