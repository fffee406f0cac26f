"""Run-file contract read back with h5py, the ber-sweep sequence, and the CLI."""
from __future__ import annotations

import json
from datetime import datetime

import h5py
import numpy as np
import pytest
from demo_sequences import NOISE

import sequences
from labctl.bench import load_bench
from labctl.cli import main
from labctl.cli.run import default_out_path
from labctl.engine import RunEngine

SHORT_BER = ["--set", "symbols=8192", "--set", "rop_dbm=-18,-16", "--set", "lengths_km=0,40",
             "--set", "formats=pam4"]


def test_run_file_follows_contract(tmp_path):
    path = tmp_path / "c.h5"
    RunEngine(progress=False).run(NOISE, {"points": 3, "sigma": 2e-3}, out=path, seed=11)
    datasets = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: datasets.append((name, obj)) if isinstance(obj, h5py.Dataset) else None)
        entry = f["entry"]
        assert entry.attrs["NX_class"] == "NXentry"
        assert entry.attrs["sequence"] == "noise-demo" and entry.attrs["status"] == "completed"
        for key in ("start_time", "end_time"):
            datetime.fromisoformat(entry.attrs[key])          # ISO 8601
        assert entry.attrs["labctl_version"]
        prov = entry["provenance"]
        assert prov["bench_config"][()].decode() == load_bench().source_text
        assert json.loads(prov["parameters"][()]) == {"points": 3, "sigma": 2e-3, "wait_from": -1}
        assert json.loads(prov["seeds"][()])["run_seed"] == 11
        commit = prov["git_commit"][()].decode()
        assert len(commit) == 40 and int(commit, 16) >= 0
        assert prov["git_dirty"][()] in (True, False)
        assert "h5py" in json.loads(prov["versions"][()])
        assert set(entry["instruments"]) == set(load_bench().instruments)
        laser = entry["instruments/laser_a"]
        assert laser.attrs["role"] == "laser" and laser.attrs["model"] == "santec_tsl570"
        assert laser["settings/power"][()] == pytest.approx(0.010)
        assert laser["settings/power"].attrs["units"] == "W"
        assert laser["limits/max_laser_power"].attrs["units"] == "W"
        codes = entry["data/codes"]
        assert codes.dtype == np.uint16 and codes.shape == (3, 16) and codes.chunks is not None
        assert codes.maxshape == (None, 16)
        volts = codes[()] * codes.attrs["scale_factor"] + codes.attrs["add_offset"]
        np.testing.assert_allclose(volts, entry["data/trace"][()], atol=0.5e-4 + 1e-12)
        assert entry["images/optical"].dtype == np.uint8 and entry["images/optical"].shape == (3, 3, 4)
        np.testing.assert_array_equal(entry["images/digital"][()][:, 0, 0], [0, 2, 4])
        assert entry["metrics/rms"].attrs["units"] == "V"
        missing = [name for name, d in datasets if "units" not in d.attrs]
        assert len(datasets) > 50 and not missing, f"datasets without units: {missing}"


def test_ber_sweep_agrees_with_awgn_theory(tmp_path):
    out = tmp_path / "ber.h5"
    assert main(["run", "ber-sweep", "--out", str(out), *SHORT_BER]) == 0
    with h5py.File(out, "r") as f:
        data = f["entry/data"]
        assert data["ber"].shape == (4,)
        np.testing.assert_array_equal(data["sweep"][()], [0, 0, 1, 1])
        np.testing.assert_array_equal(data["length_km"][()], [10, 10, 0, 40])
        errors = data["bit_errors"][()]
        assert (errors >= 20).all()                        # every point is in the counted regime
        lo, hi = data["ber_ci95"][()].T
        assert ((lo <= data["ber"][()]) & (data["ber"][()] <= hi)).all()
        penalty = data["snr_penalty_db"][()]
        assert np.all(np.abs(penalty) < 0.5), penalty       # within 0.5 dB of theory
        assert f["entry/metrics/max_snr_penalty_db"][0] == pytest.approx(np.max(np.abs(penalty)))
        ber = data["ber"][()]
        assert ber[1] < ber[0] and ber[3] > ber[2]          # more power helps; 40 km hurts


def test_sequences_lists_parameters(capsys):
    assert main(["sequences"]) == 0
    out = capsys.readouterr().out
    assert "ber-sweep:" in out and "rop_dbm = [" in out and "dBm" in out
    assert "ber-sweep" in sequences.available()


def test_show_prints_status_parameters_metrics(tmp_path, capsys):
    out = tmp_path / "s.h5"
    assert main(["run", "ber-sweep", "--out", str(out), *SHORT_BER]) == 0
    assert f"completed: 4 steps -> {out}" in capsys.readouterr().out
    assert main(["show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "status:    completed" in shown and "symbols = 8192" in shown
    assert "max_snr_penalty_db = " in shown


def test_default_out_path_has_timestamp_and_sequence():
    assert str(default_out_path("ber-sweep", datetime(2025, 7, 6, 12, 30, 5))) == "runs/20250706-123005_ber-sweep.h5"


@pytest.mark.parametrize("argv, message", [
    (["run", "no-such-sequence"], "unknown sequence 'no-such-sequence' (known: "),
    (["run", "ber-sweep", "--set", "colour=red"], "sequence ber-sweep has no parameter 'colour'"),
    (["run", "ber-sweep", "--set", "symbols=lots"], "parameter symbols: expected int, got 'lots'"),
    (["run", "ber-sweep", "--set", "formats=pam8"], "parameter formats: expected one of pam2, pam4"),
    (["run", "ber-sweep", "--set", "symbols"], "--set expects NAME=VALUE"),
    (["run", "ber-sweep", "--bench", "/nonexistent/bench.toml"], "bench file /nonexistent/bench.toml: cannot read"),
    (["show", "/nonexistent/run.h5"], "cannot read run file /nonexistent/run.h5"),
])
def test_cli_errors_are_one_line_nonzero(tmp_path, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not (tmp_path / "runs").exists()


def test_show_rejects_non_run_files(tmp_path, capsys):
    text = tmp_path / "notes.h5"
    text.write_text("not hdf5")
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["x"] = 1
    for path in (text, other):
        assert main(["show", str(path)]) == 2
        err = capsys.readouterr().err
        assert f"cannot read run file {path}" in err and err.count("\n") == 1
