"""Shared fixtures: the two embedded benches and one calibration of each
(calibrating the wdm bench takes a few seconds, so it is done once)."""
from pathlib import Path

import numpy as np
import pytest

import labctl.bench as lb
from labctl.bench import load_bench
from labctl.mvm import SimBackend


@pytest.fixture(scope="session")
def wdm_bench():
    return load_bench()


@pytest.fixture(scope="session")
def time_bench():
    return load_bench(Path(lb.__file__).parent / "default_sim_time.toml")


@pytest.fixture(scope="session")
def wdm_cal(wdm_bench, tmp_path_factory):
    cal = SimBackend(wdm_bench).calibration
    cal.save(tmp_path_factory.mktemp("cal") / "wdm.h5")
    return cal


@pytest.fixture(scope="session")
def time_cal(time_bench, tmp_path_factory):
    cal = SimBackend(time_bench).calibration
    cal.save(tmp_path_factory.mktemp("cal") / "time.h5")
    return cal


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
