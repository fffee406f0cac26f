"""Fixtures: one calibration of the embedded wdm bench (in process, saved to a file)
and a tiny digits VAE trained here (so socket runs need only a few frames)."""
from __future__ import annotations

import pytest

from labctl.bench import load_bench
from labctl.mvm import SimBackend


@pytest.fixture(scope="session")
def bench():
    return load_bench()


@pytest.fixture(scope="session")
def calibration_file(bench, tmp_path_factory):
    path = tmp_path_factory.mktemp("cal") / "wdm_calibration.h5"
    SimBackend(bench, seed=bench.seed).calibration.save(path)
    return path


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Directory holding 'digits-vae' with 8-wide hidden layers (8 -> 8 -> 8 -> 64)."""
    pytest.importorskip("torch", reason="PyTorch (the optional 'train' extra) trains the tiny model")
    from labctl.training import train
    out = tmp_path_factory.mktemp("models")
    train("digits-vae", epochs=2, seed=0, out_dir=out, sizes=(8, 8))
    return out
