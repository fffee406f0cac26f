"""Generative models run in plain numpy, every product through a pluggable backend.

Public API::

    from labctl.models import load_model, available_models, DigitalBackend
    model = load_model("fashion-vae")              # checks the weights' sha256
    images = model.sample(16, seed=0, backend=DigitalBackend())   # uint8 [16, 28, 28]
    rec = ProductRecorder(); model.sample(16, 0, backend, hook=rec); rec.effective_bits()

A backend is any object with ``matmul(W [M, K], X [K, B]) -> Y [M, B]``
(docs/INTERFACES.md); ``labctl.mvm`` provides the optical ones.  No torch here.
"""
from __future__ import annotations

from pathlib import Path

from labctl.models.backends import (
    DigitalBackend,
    GaussianNoiseBackend,
    MatmulBackend,
    effective_bits,
)
from labctl.models.generative import (
    Classifier,
    DiffusionModel,
    GenerativeModel,
    LatentDecoder,
    LatentDiffusionModel,
)
from labctl.models.network import LayerInfo, ProductLog, ProductRecorder
from labctl.models.weights import (
    WEIGHTS_DIR,
    WeightsError,
    load_weights,
    read_manifest,
    shipped_models,
)

_KINDS = {"vae": LatentDecoder, "gan": LatentDecoder, "diffusion": DiffusionModel,
          "latent-diffusion": LatentDiffusionModel}

#: Which shipped classifier judges each data set.
CLASSIFIERS = {"fashion-mnist": "fashion-classifier", "digits": "digits-classifier"}


class UnknownModel(ValueError):
    """No shipped model of that name (message lists the available ones)."""


def available_models(directory: Path | None = None) -> list[str]:
    """Names of the shipped generative models (classifiers excluded)."""
    return [n for n in shipped_models(directory)
            if read_manifest(n, directory)["architecture"]["kind"] in _KINDS]


def load_model(name: str, directory: Path | None = None) -> GenerativeModel:
    """Load generative model ``name`` from its shipped (or ``directory``'s) weights.

    Raises :class:`UnknownModel` for an unknown name and :class:`WeightsError` for a
    missing or corrupted weights file.
    """
    known = available_models(directory)
    if name not in known:
        raise UnknownModel(f"unknown model {name!r} (available: {', '.join(known) or 'none'})")
    manifest, arrays = load_weights(name, directory)
    return _KINDS[manifest["architecture"]["kind"]](manifest, arrays)


def load_classifier(dataset: str, directory: Path | None = None) -> Classifier:
    """The shipped classifier for ``dataset`` ('fashion-mnist' or 'digits')."""
    if dataset not in CLASSIFIERS:
        raise UnknownModel(f"no classifier for data set {dataset!r}")
    manifest, arrays = load_weights(CLASSIFIERS[dataset], directory)
    return Classifier(manifest, arrays)


__all__ = ["available_models", "load_model", "load_classifier", "GenerativeModel", "LatentDecoder",
           "DiffusionModel", "LatentDiffusionModel", "Classifier", "DigitalBackend",
           "GaussianNoiseBackend", "MatmulBackend", "ProductRecorder", "ProductLog", "LayerInfo", "effective_bits", "WeightsError", "UnknownModel",
           "WEIGHTS_DIR"]
