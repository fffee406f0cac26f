"""Weights + manifest: hash recorded on save, checked on load, corruption refused."""
from __future__ import annotations

import json

import numpy as np
import pytest

from labctl.models import WEIGHTS_DIR, WeightsError, available_models, load_classifier, load_model
from labctl.models.weights import load_weights, save_weights, sha256_of, shipped_models


def _save(tmp_path):
    arrays = {"fc1.weight": np.arange(6.0).reshape(2, 3), "fc1.bias": np.ones(2)}
    return save_weights(tmp_path, "tiny", arrays, {"architecture": {"kind": "classifier"}, "dataset": "digits"})


def test_manifest_records_hash_and_round_trips(tmp_path):
    manifest_path = _save(tmp_path)
    manifest = json.loads(manifest_path.read_text())
    assert manifest["sha256"] == sha256_of(tmp_path / "tiny.npz")
    assert manifest["weights_file"] == "tiny.npz"
    _, arrays = load_weights("tiny", tmp_path)
    assert arrays["fc1.weight"].dtype == np.float32
    assert np.array_equal(arrays["fc1.weight"], np.arange(6.0).reshape(2, 3))


def test_corrupted_weights_are_refused_naming_the_file(tmp_path):
    _save(tmp_path)
    npz = tmp_path / "tiny.npz"
    raw = bytearray(npz.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    npz.write_bytes(bytes(raw))
    with pytest.raises(WeightsError, match=r"tiny\.npz.*corrupted"):
        load_weights("tiny", tmp_path)


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(WeightsError, match="no manifest"):
        load_weights("absent", tmp_path)


def test_corrupted_shipped_model_copy_is_refused(tmp_path):
    name = available_models()[0]
    manifest = json.loads((WEIGHTS_DIR / f"{name}.json").read_text())
    (tmp_path / f"{name}.json").write_text(json.dumps(manifest))
    data = bytearray((WEIGHTS_DIR / manifest["weights_file"]).read_bytes())
    data[-100] ^= 0x01
    (tmp_path / manifest["weights_file"]).write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=manifest["weights_file"]):
        load_model(name, tmp_path)


def test_every_shipped_file_matches_its_manifest():
    names = shipped_models()
    assert {"digits-classifier", "fashion-classifier"} <= set(names)
    for name in names:
        manifest = json.loads((WEIGHTS_DIR / f"{name}.json").read_text())
        assert sha256_of(WEIGHTS_DIR / manifest["weights_file"]) == manifest["sha256"], name
        for key in ("architecture", "dataset", "seed", "training", "date"):
            assert key in manifest, (name, key)


def test_shipped_classifiers_are_accurate():
    from labctl.models.datasets import dataset_available, load_dataset
    for dataset, floor in (("digits", 0.9), ("fashion-mnist", 0.85)):
        if not dataset_available(dataset):
            pytest.skip(f"{dataset} not installed: classifier accuracy not checkable")
        test = load_dataset(dataset, "test")
        accuracy = np.mean(load_classifier(dataset).predict(test.images[:2000]) == test.labels[:2000])
        assert accuracy > floor, dataset
