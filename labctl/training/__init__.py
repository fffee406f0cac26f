"""Training of the shipped models (needs the optional ``train`` extra: PyTorch).

This is the only package that imports torch; inference (``labctl.models``) never
imports it.  ``train(name)`` trains one recipe of :data:`recipes.RECIPES` and writes
``<name>.npz`` + ``<name>.json`` (see :mod:`labctl.models.weights`).
"""
from __future__ import annotations

import datetime as _dt
import platform
import time
from pathlib import Path

import numpy as np

from labctl.models.datasets import load_dataset
from labctl.models.weights import WEIGHTS_DIR, save_weights


class TrainingUnavailable(RuntimeError):
    """Training cannot run here (no torch, unknown model, missing data set); one-line message."""


def trainable_models() -> list[str]:
    """Names ``labctl train`` accepts (importable without torch)."""
    return ["fashion-classifier", "digits-classifier", "fashion-vae", "digits-vae",
            "digits-gan", "fashion-gan", "digits-diffusion", "fashion-diffusion",
            "fashion-latent-diffusion"]


def train(name: str, epochs: int | None = None, seed: int = 0, out_dir: Path | None = None,
          sizes: tuple[int, ...] | None = None, overrides: dict | None = None) -> Path:
    """Train model ``name`` and write its weights and manifest; returns the manifest path.

    ``epochs`` defaults to the recipe's; ``sizes`` overrides its hidden widths (tests
    use tiny ones); ``overrides`` replaces other recipe fields (e.g. ``{"vae_epochs": 1,
    "dataset": "digits"}``); ``out_dir`` defaults to the package's shipped weights directory.
    Uses one CPU thread (the machine is shared) and is deterministic for a seed.
    """
    if name not in trainable_models():
        raise TrainingUnavailable(f"unknown model {name!r} (trainable: {', '.join(trainable_models())})")
    try:
        import torch
    except ImportError as exc:
        raise TrainingUnavailable(
            "training needs PyTorch: pip install -e '.[train]'") from exc
    from dataclasses import replace

    from labctl.models.datasets import DatasetUnavailable
    from labctl.training.recipes import RECIPES

    recipe = RECIPES[name]
    if sizes is not None:
        recipe = replace(recipe, sizes=tuple(sizes))
    if overrides:
        recipe = replace(recipe, **overrides)
    epochs = recipe.epochs if epochs is None else int(epochs)
    try:
        data = load_dataset(recipe.dataset, "train")
    except DatasetUnavailable as exc:
        raise TrainingUnavailable(str(exc)) from exc
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x = torch.from_numpy(data.images.reshape(len(data.images), -1).astype(np.float32) / 255.0)
    labels = torch.from_numpy(data.labels)
    start = time.perf_counter()
    arrays, arch, metrics = recipe.run(recipe, x, labels, epochs, gen)
    metrics = dict(metrics, epochs=epochs, train_seconds=round(time.perf_counter() - start, 1),
                   train_images=int(len(x)))
    manifest = {
        "architecture": dict(arch, image_shape=list(data.images.shape[1:])),
        "dataset": recipe.dataset,
        "seed": seed,
        "training": metrics,
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "trained_with": {"torch": torch.__version__, "python": platform.python_version()},
    }
    return save_weights(Path(out_dir or WEIGHTS_DIR), name, arrays, manifest)
