"""The edge booster EDFA (topology ``edges[].booster_gain_db``) against closed form:
a constant gain on every line, and ASE referred to the booster input."""
import numpy as np
import pytest

from labctl.bench.model import Bench
from labctl.mvm.bench_io import TableIO
from labctl.mvm.engine import OpticalEngine
from sim_backends.physics import units
from sim_backends.table import NoiseSwitches


def _with_booster(bench, gain_db: float) -> Bench:
    data = bench.model_dump()
    for edge in data["topology"]["edges"]:
        edge["booster_gain_db"] = gain_db
    return Bench.model_validate(data)


def _detected(bench, noise):
    """Optical powers at the photodiodes with every modulator at its top code (DC)."""
    io = TableIO(bench, noise=noise)
    eng = OpticalEngine(bench, io, averages=1)
    codes = {(a, ch): 2 ** io.awg_info(a)["bits"] - 1 for a, ch, _ in eng.modulator_channels()}
    eng.set_ranges({k: (2.0, 0.9) for k in eng.outputs})
    eng.run(eng.const_waves(codes, 16))
    return io.table.detected(0)


@pytest.mark.parametrize("scheme", ["wdm", "time"])
def test_booster_multiplies_every_photodiode_power_by_its_gain(scheme, wdm_bench, time_bench):
    bench = wdm_bench if scheme == "wdm" else time_bench
    before = _detected(bench, NoiseSwitches.none())["power"].mean(axis=-1)
    after = _detected(_with_booster(bench, 7.0), NoiseSwitches.none())["power"].mean(axis=-1)
    np.testing.assert_allclose(after, before * units.db_to_lin(7.0), rtol=1e-9)


def test_booster_ase_is_referred_to_its_input(time_bench):
    """Time scheme, edge A (centre EDFA at 0 dB: no ASE of its own), modulators at
    DC: ASE PSD / signal power at the photodiode = NF G_b h nu / 2 / (G_b P_laser)
    = NF h nu / (2 P_laser), whatever the booster gain (every later loss and gain
    acts on both)."""
    nf = units.db_to_lin(time_bench.topology.devices.edfa.noise_figure_db)
    p_laser = time_bench.instruments["laser_a"].settings["power"]
    lam = time_bench.instruments["laser_a"].settings["wavelength"]
    nu = units.wavelength_to_frequency(lam)
    lane = 0  # edge_a
    for g in (10.0, 20.0):
        det = _detected(_with_booster(time_bench, g), NoiseSwitches())
        ratio = det["ase_psd"][lane] / det["power"][lane].mean()
        assert ratio == pytest.approx(nf * units.H * nu / (2 * p_laser), rel=1e-6)
    det = _detected(time_bench, NoiseSwitches())
    assert det["ase_psd"][lane] == 0.0   # no booster, centre EDFA at 0 dB
