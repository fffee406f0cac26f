"""Shipped model weights: ``<name>.npz`` (float32 arrays) + ``<name>.json`` manifest.

The manifest records the architecture (enough to rebuild the numpy inference),
the data set, the training seed and metrics, the date, and the SHA-256 of the
weights file.  :func:`load_weights` recomputes that hash and refuses a file whose
bytes changed, naming the file.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

#: Directory of the weights shipped inside the package.
WEIGHTS_DIR = Path(__file__).with_name("weights")


class WeightsError(RuntimeError):
    """Missing, corrupted or inconsistent weight files (the message names the file)."""


def sha256_of(path: Path) -> str:
    """Hex SHA-256 digest of the file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_weights(directory: Path, name: str, arrays: dict[str, np.ndarray], manifest: dict) -> Path:
    """Write ``<name>.npz`` (arrays as float32) and ``<name>.json`` (manifest + sha256).

    Returns the manifest path.  ``manifest`` is copied; ``weights_file`` and
    ``sha256`` are filled in here.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    npz_path = directory / f"{name}.npz"
    np.savez_compressed(npz_path, **{k: np.asarray(v, dtype=np.float32) for k, v in arrays.items()})
    manifest = dict(manifest, name=name, weights_file=npz_path.name, sha256=sha256_of(npz_path))
    json_path = directory / f"{name}.json"
    json_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return json_path


def read_manifest(name: str, directory: Path | None = None) -> dict:
    """The parsed manifest of model ``name`` (``WeightsError`` if absent or unreadable)."""
    path = Path(directory or WEIGHTS_DIR) / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise WeightsError(f"{path}: no manifest for model {name!r}") from exc
    except json.JSONDecodeError as exc:
        raise WeightsError(f"{path}: manifest is not valid JSON ({exc})") from exc


def load_weights(name: str, directory: Path | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """Return ``(manifest, arrays)`` after checking the weights' SHA-256 against the manifest."""
    directory = Path(directory or WEIGHTS_DIR)
    manifest = read_manifest(name, directory)
    npz_path = directory / manifest["weights_file"]
    if not npz_path.exists():
        raise WeightsError(f"{npz_path}: weights file missing for model {name!r}")
    actual = sha256_of(npz_path)
    if actual != manifest["sha256"]:
        raise WeightsError(
            f"{npz_path}: corrupted weights (sha256 {actual[:12]}... but the manifest "
            f"says {manifest['sha256'][:12]}...); retrain with `labctl train {name}`")
    with np.load(npz_path) as data:
        arrays = {key: data[key] for key in data.files}
    return manifest, arrays


def shipped_models(directory: Path | None = None) -> list[str]:
    """Names of every model with a manifest in ``directory`` (default: shipped weights)."""
    return sorted(p.stem for p in Path(directory or WEIGHTS_DIR).glob("*.json"))
