"""Image quality metrics and the contact sheet (optical beside digital).

* :func:`psnr` - peak signal-to-noise ratio, dB, peak 255.
* :func:`ssim` - structural similarity, Wang, Bovik, Sheikh & Simoncelli, "Image
  quality assessment: from error visibility to structural similarity", IEEE TIP
  13(4):600-612, 2004: 11-tap Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03,
  L = 255.  Written here (scipy.ndimage) because scikit-image is not a dependency;
  same choices as skimage's ``structural_similarity(gaussian_weights=True,
  use_sample_covariance=False, data_range=255)``.
* :func:`label_agreement`, :func:`frechet_distance`, :func:`frechet_floor` - with the
  shipped classifier of the data set (penultimate-layer features).
* :func:`write_contact_sheet` - PNG (Pillow).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import linalg, ndimage

SSIM_SIGMA = 1.5       # Wang et al. 2004, section III-C
SSIM_TRUNCATE = 3.5    # radius 5 px -> an 11 x 11 window, as in the paper
SSIM_K1, SSIM_K2 = 0.01, 0.03
PEAK = 255.0


def _as_stack(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images, dtype=np.float64)
    return images[None] if images.ndim == 2 else images


def psnr(reference: np.ndarray, test: np.ndarray, peak: float = PEAK) -> float:
    """PSNR in dB = 10 log10(peak^2 / MSE), MSE pooled over every pixel of every image.

    Infinite when the images are identical.
    """
    ref, tst = _as_stack(reference), _as_stack(test)
    if ref.shape != tst.shape:
        raise ValueError(f"shape mismatch {ref.shape} vs {tst.shape}")
    mse = float(np.mean((ref - tst) ** 2))
    return float("inf") if mse == 0.0 else float(10.0 * np.log10(peak ** 2 / mse))


def _ssim_map(x: np.ndarray, y: np.ndarray, peak: float) -> np.ndarray:
    blur = lambda img: ndimage.gaussian_filter(img, SSIM_SIGMA, truncate=SSIM_TRUNCATE, mode="reflect")
    c1, c2 = (SSIM_K1 * peak) ** 2, (SSIM_K2 * peak) ** 2
    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x ** 2
    var_y = blur(y * y) - mu_y ** 2
    cov = blur(x * y) - mu_x * mu_y
    return ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x ** 2 + mu_y ** 2 + c1) * (var_x + var_y + c2))


def ssim(reference: np.ndarray, test: np.ndarray, peak: float = PEAK) -> float:
    """Mean SSIM (Wang et al. 2004, eq. 13) over images [N, H, W] (or one [H, W]).

    Local statistics use a Gaussian window (sigma 1.5, 11 x 11) with reflected
    borders; the SSIM map is averaged over the pixels whose window lies inside the
    image (5 px border cropped, as skimage does), or over every pixel when the image
    is smaller than the window (the 8 x 8 digits).
    """
    ref, tst = _as_stack(reference), _as_stack(test)
    if ref.shape != tst.shape:
        raise ValueError(f"shape mismatch {ref.shape} vs {tst.shape}")
    pad = int(SSIM_TRUNCATE * SSIM_SIGMA + 0.5)
    values = []
    for x, y in zip(ref, tst):
        smap = _ssim_map(x, y, peak)
        if min(smap.shape) > 2 * pad:
            smap = smap[pad:-pad, pad:-pad]
        values.append(smap.mean())
    return float(np.mean(values))


def label_agreement(classifier, optical: np.ndarray, digital: np.ndarray) -> float:
    """Fraction of images the classifier gives the same label optical vs digital."""
    return float(np.mean(classifier.predict(optical) == classifier.predict(digital)))


def frechet_distance_features(a: np.ndarray, b: np.ndarray) -> float:
    """Frechet distance between Gaussians fitted to feature sets a [N, F], b [M, F].

    d^2 = |mu_a - mu_b|^2 + Tr(C_a + C_b - 2 (C_a C_b)^(1/2))  (Dowson & Landau 1982;
    Heusel et al. 2017 "FID"), covariances with N - 1.  Returns d^2, as FID does.
    The trace of the matrix root is taken as Tr((S C_b S)^(1/2)) with S = C_a^(1/2)
    (same eigenvalues as C_a C_b, but symmetric): two ``scipy.linalg.eigh`` calls,
    robust to the singular covariances of dead ReLU features where
    ``scipy.linalg.sqrtm(C_a C_b)`` warns and loses accuracy.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    values, vectors = linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T
    middle = linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = float(np.sum(np.sqrt(np.clip(middle, 0.0, None))))
    value = float(np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_root)
    return max(value, 0.0)


def frechet_distance(classifier, images_a: np.ndarray, images_b: np.ndarray) -> float:
    """Frechet distance of two image sets in the classifier's penultimate features."""
    return frechet_distance_features(classifier.features(images_a), classifier.features(images_b))


def real_images(dataset: str, count: int, seed: int = 0, offset: int = 0) -> np.ndarray:
    """``count`` real training-split images of ``dataset``, a seeded random subset.

    The training split, as FID is usually computed (Heusel et al. 2017), also
    because the digits' test split holds only 360 images.

    Subsets with different ``offset`` (in units of ``count``) are disjoint.
    Raises ``DatasetUnavailable`` when the data set is not installed.
    """
    from labctl.models.datasets import load_dataset
    data = load_dataset(dataset, "train")
    order = np.random.default_rng(seed).permutation(len(data.images))
    chosen = order[offset * count:(offset + 1) * count]
    if len(chosen) < count:
        raise ValueError(f"{dataset} training split has only {len(data.images)} images")
    return data.images[chosen]


def frechet_floor(classifier, dataset: str, count: int, seed: int = 0) -> float | None:
    """Real-vs-real Frechet distance of two disjoint ``count``-image subsets.

    The value a perfect generator would get with ``count`` samples (finite-sample
    bias).  When the training split holds fewer than 2 ``count`` images (digits:
    1437) each subset takes half of it, a floor for that smaller size (an upper
    bound for ``count``).  None when the data set is not installed here.
    """
    from labctl.models.datasets import DatasetUnavailable, load_dataset
    try:
        available = len(load_dataset(dataset, "train").labels)
    except DatasetUnavailable:
        return None
    count = min(count, available // 2)
    first = real_images(dataset, count, seed, offset=0)
    second = real_images(dataset, count, seed, offset=1)
    return frechet_distance(classifier, first, second)


def _grid(images: np.ndarray, columns: int, zoom: int, gap: int) -> np.ndarray:
    n, h, w = images.shape
    rows = -(-n // columns)
    cell_h, cell_w = h * zoom + gap, w * zoom + gap
    canvas = np.full((rows * cell_h + gap, columns * cell_w + gap), 64, dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, columns)
        big = np.kron(img, np.ones((zoom, zoom), dtype=np.uint8))
        canvas[gap + r * cell_h: gap + r * cell_h + h * zoom, gap + c * cell_w: gap + c * cell_w + w * zoom] = big
    return canvas


def write_contact_sheet(path: str | Path, optical: np.ndarray, digital: np.ndarray,
                        title: str = "", columns: int | None = None,
                        labels: tuple[str, str] = ("optical", "digital")) -> Path:
    """Write a PNG: the optical images' grid left, the digital reference's right.

    Images are uint8 [N, H, W], zoomed (nearest neighbour) to about 56 px per image.
    ``labels`` (default 'optical' / 'digital') and ``title`` are drawn above the grids.
    """
    from PIL import Image, ImageDraw

    optical, digital = np.asarray(optical, np.uint8), np.asarray(digital, np.uint8)
    if optical.shape != digital.shape:
        raise ValueError(f"shape mismatch {optical.shape} vs {digital.shape}")
    n, h, _ = optical.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    zoom = max(1, 56 // h)
    left, right = _grid(optical, columns, zoom, 2), _grid(digital, columns, zoom, 2)
    header, spacer = 36, 16
    sheet = np.full((left.shape[0] + header, left.shape[1] * 2 + spacer), 255, dtype=np.uint8)
    sheet[header:, :left.shape[1]] = left
    sheet[header:, left.shape[1] + spacer:] = right
    image = Image.fromarray(sheet, mode="L")
    draw = ImageDraw.Draw(image)
    draw.text((4, 2), title, fill=0)
    draw.text((4, 20), labels[0], fill=0)
    draw.text((left.shape[1] + spacer + 4, 20), labels[1], fill=0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def quality_metrics(dataset: str, optical: np.ndarray, digital: np.ndarray, seed: int = 0) -> dict:
    """Every image metric of an optical run against its digital reference, in one dict.

    Keys (units): ``psnr_db`` (dB), ``ssim`` (1), ``label_agreement`` (fraction),
    ``frechet_optical`` / ``frechet_digital`` (d^2 against as many real training
    images as generated, ``seed``-chosen) and ``frechet_floor`` (real vs real); the
    three Frechet values are None when the data set is not installed or fewer than 2
    images were made.  Uses the shipped classifier of ``dataset``.
    """
    from labctl.models import load_classifier
    from labctl.models.datasets import dataset_available

    classifier = load_classifier(dataset)
    result = {
        "psnr_db": psnr(digital, optical),
        "ssim": ssim(digital, optical),
        "label_agreement": label_agreement(classifier, optical, digital),
        "frechet_optical": None, "frechet_digital": None, "frechet_floor": None,
    }
    if len(optical) >= 2 and dataset_available(dataset):
        real = real_images(dataset, len(optical), seed)
        result["frechet_optical"] = frechet_distance(classifier, optical, real)
        result["frechet_digital"] = frechet_distance(classifier, digital, real)
        result["frechet_floor"] = frechet_floor(classifier, dataset, len(optical), seed + 1)
    return result
