"""The calibrate / precision-sweep / energy sequences end to end, read back with h5py."""
import h5py
import numpy as np
import pytest

from labctl.engine import RunEngine
from labctl.mvm import Calibration


def test_calibrate_over_sockets_writes_and_improves(time_bench, tmp_path):
    cal_file = tmp_path / "cal.h5"
    run = RunEngine(progress=False).run("calibrate", {"calibration_file": str(cal_file), "path": "socket",
                                                      "check_size": 8}, bench=time_bench,
                                        out=tmp_path / "run.h5")
    assert run.status == "completed", run.error
    cal = Calibration.load(cal_file)
    assert set(cal.skew_s) == {"edge_a", "edge_b"} and len(cal.mzm) == 4
    assert set(cal.ffe) == {("scope_a", 1), ("scope_b", 1)}  # static equaliser per output, read back
    with h5py.File(tmp_path / "run.h5", "r") as f:
        assert f["entry"].attrs["status"] == "completed"
        assert f["entry/provenance/calibration_file"][()].decode() == str(cal_file.resolve())
        stages = f["entry/data/stage"][()]
        assert list(stages) == [0, 1, 3, 4, 5]  # no ring stage in the time scheme
        nominal, calibrated = f["entry/metrics/enob_nominal"][()], f["entry/metrics/enob_calibrated"][()]
        assert f["entry/metrics/enob_calibrated"].attrs["units"] == "bit"
    assert float(np.ravel(calibrated)[-1]) > float(np.ravel(nominal)[-1]) + 1.0


def test_precision_sweep_shows_precision_and_energy_together(time_bench, tmp_path):
    params = {"schemes": ["time"], "laser_offsets_db": [0.0, -10.0], "symbol_rates": [11.5e9],
              "sizes": [8], "averages": [1, 16], "size": 8, "columns": 16}
    run = RunEngine(progress=False).run("precision-sweep", params, bench=time_bench, out=tmp_path / "ps.h5")
    assert run.status == "completed", run.error
    with h5py.File(tmp_path / "ps.h5", "r") as f:
        d = {k: f["entry/data"][k][()] for k in ("sweep", "laser_offset_db", "enob", "mw_per_tops", "rmse_fs",
                                                 "averages")}
        assert f["entry/data/mw_per_tops"].attrs["units"] == "mW/TOPS"
    power = d["sweep"] == 0
    bright, dim = np.flatnonzero(power & (d["laser_offset_db"] == 0)), np.flatnonzero(power & (d["laser_offset_db"] < 0))
    # 10 dB less light: less laser power per operation, fewer effective bits
    assert d["mw_per_tops"][dim[0]] < d["mw_per_tops"][bright[0]]
    assert d["enob"][dim[0]] < d["enob"][bright[0]]
    assert np.all(np.isfinite(d["rmse_fs"])) and np.all(d["rmse_fs"] > 0)
    # scope averaging: 16 records cost 16x the energy per operation and gain bits
    single, many = (np.flatnonzero((d["sweep"] == 3) & (d["averages"] == n))[0] for n in (1, 16))
    assert d["mw_per_tops"][many] == pytest.approx(16 * d["mw_per_tops"][single], rel=1e-9)
    assert d["enob"][many] > d["enob"][single] + 1.0


def test_energy_breakdown_adds_up(time_bench, tmp_path):
    run = RunEngine(progress=False).run("energy", {"schemes": ["time"], "size": 8, "columns": 16},
                                        bench=time_bench, out=tmp_path / "e.h5")
    assert run.status == "completed", run.error
    with h5py.File(tmp_path / "e.h5", "r") as f:
        power = f["entry/data/power_w"][0]
        macs = f["entry/data/macs_per_second"][0]
        mw_per_tops = float(np.ravel(f["entry/metrics/mw_per_tops"][()])[0])
        enob = float(np.ravel(f["entry/metrics/enob"][()])[0])
        per = f["entry/data/boundary_mw_per_tops"][0]      # bench, system, centre
        stored = {b: f[f"entry/metrics/energy/{b}/mw_per_tops"][0] for b in ("bench", "system", "centre")}
        parts = sum(f[f"entry/metrics/energy/system/{c}"][0] for c in
                    ("lasers", "dacs", "adcs", "modulator_drivers", "tias", "amplifiers", "heaters"))
    assert mw_per_tops == pytest.approx(power.sum() * 1e3 / (2 * macs / 1e12), rel=1e-9)
    assert list(per) == pytest.approx([stored["bench"], stored["system"], stored["centre"]])
    assert stored["bench"] == pytest.approx(mw_per_tops) and per[2] <= per[1] <= per[0]
    assert parts == pytest.approx(stored["system"], rel=1e-9)
    assert 0 < enob < 16
