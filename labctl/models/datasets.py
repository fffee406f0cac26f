"""Image data sets the models are trained and judged on, read with numpy only.

* ``fashion-mnist``: Zalando's Fashion-MNIST (Xiao, Rasul & Vollgraf 2017), 28 x 28,
  10 classes, from Debian's ``dataset-fashion-mnist`` package (IDX files under
  ``/usr/share/datasets/fashion-mnist``).  The IDX format (LeCun et al.) is read here
  directly: a big-endian header ``0x0000 <type> <ndim>`` then ``ndim`` uint32 sizes,
  then the raw uint8 array.  Four lines of numpy did not justify a dependency.
* ``digits``: the UCI optical digits bundled with scikit-learn, 8 x 8, 10 classes,
  values 0..16 (``sklearn.datasets.load_digits``, no network).

Images are returned as uint8 [N, H, W] in 0..255 (digits rescaled by 255/16) with
int64 labels [N].  Nothing here is needed for ``labctl generate``: the models ship
their weights; the data sets are only for training and the Frechet-distance floor.
"""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Where Debian's dataset-fashion-mnist package installs the IDX files
#: (override with the LABCTL_FASHION_MNIST environment variable).
FASHION_MNIST_DIR = Path(os.environ.get("LABCTL_FASHION_MNIST", "/usr/share/datasets/fashion-mnist"))

DATASETS = ("fashion-mnist", "digits")
IMAGE_SHAPES = {"fashion-mnist": (28, 28), "digits": (8, 8)}


class DatasetUnavailable(RuntimeError):
    """The data set is not installed on this machine (message says how to get it)."""


@dataclass(frozen=True)
class ImageSet:
    """uint8 images [N, H, W] (0..255) with their int64 class labels [N]."""

    images: np.ndarray
    labels: np.ndarray


def read_idx(path: Path) -> np.ndarray:
    """Read one (optionally gzip-compressed) IDX file into a numpy array.

    Only the unsigned-byte type (0x08) used by (Fashion-)MNIST is supported.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as fh:
        raw = fh.read()
    zero, dtype_code, ndim = raw[0:2], raw[2], raw[3]
    if zero != b"\x00\x00" or dtype_code != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: header says {shape} but holds {data.size} bytes")
    return data.reshape(shape)


def _fashion(split: str) -> ImageSet:
    prefix = {"train": "train", "test": "t10k"}[split]
    images = FASHION_MNIST_DIR / f"{prefix}-images-idx3-ubyte.gz"
    labels = FASHION_MNIST_DIR / f"{prefix}-labels-idx1-ubyte.gz"
    if not images.exists() or not labels.exists():
        raise DatasetUnavailable(
            f"Fashion-MNIST not found in {FASHION_MNIST_DIR} "
            "(install the Debian package dataset-fashion-mnist)")
    return ImageSet(read_idx(images), read_idx(labels).astype(np.int64))


def _digits(split: str) -> ImageSet:
    try:
        from sklearn.datasets import load_digits
    except ImportError as exc:
        raise DatasetUnavailable("scikit-learn is not installed (pip install scikit-learn)") from exc
    bunch = load_digits()
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
    labels = bunch.target.astype(np.int64)
    # Fixed split: every 5th image is held out (no shuffling, so it is reproducible).
    held_out = np.arange(len(labels)) % 5 == 0
    keep = held_out if split == "test" else ~held_out
    return ImageSet(images[keep], labels[keep])


def load_dataset(name: str, split: str = "train") -> ImageSet:
    """Load ``split`` ('train' or 'test') of data set ``name`` (see :data:`DATASETS`)."""
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    if name == "fashion-mnist":
        return _fashion(split)
    if name == "digits":
        return _digits(split)
    raise ValueError(f"unknown data set {name!r} (known: {', '.join(DATASETS)})")


def dataset_available(name: str) -> bool:
    """True when :func:`load_dataset` can read ``name`` on this machine."""
    try:
        load_dataset(name, "test")
    except DatasetUnavailable:
        return False
    return True
