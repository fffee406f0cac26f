"""Energy at three boundaries (bench, system, centre), scaling with N and rate,
``[power]`` validation, ``labctl energy`` and the ``energy-scaling`` sequence."""
from __future__ import annotations

import json
import re

import h5py
import numpy as np
import pytest
from PIL import Image

from labctl.bench import DEFAULT_TIME, BenchError, load_bench, parse_bench
from labctl.cli import main
from labctl.energy import BOUNDARIES, COMPONENTS, boundary_energy, report_dict, scaling_energy
from labctl.engine import RunEngine
from labctl.mvm.frames import FrameFormat

BENCHES = [None, DEFAULT_TIME]
POINTS = [(2.875e9, 32), (11.5e9, 1), (32e9, 1)]


@pytest.fixture(scope="module", params=BENCHES, ids=["wdm", "time"])
def bench(request):
    return load_bench(request.param)


@pytest.mark.parametrize("rate, averages", POINTS)
def test_components_sum_to_the_total_at_every_boundary(bench, rate, averages):
    reports = scaling_energy(bench, bench.topology.size, rate, averages)
    out = report_dict(reports)
    assert list(out["boundaries"]) == list(BOUNDARIES)
    for name, b in out["boundaries"].items():
        assert set(b["components"]) == set(COMPONENTS)
        assert sum(b["components"].values()) == pytest.approx(b["mw_per_tops"], rel=1e-12), name
        assert sum(b["components_w"].values()) == pytest.approx(b["power_w"], rel=1e-12), name
        assert b["pj_per_mac"] == pytest.approx(b["mw_per_tops"] * 2e-3, rel=1e-12)  # 1 MAC = 2 ops


@pytest.mark.parametrize("rate, averages", POINTS)
@pytest.mark.parametrize("n", [8, 16, 64])
def test_centre_within_system_within_bench(bench, n, rate, averages):
    r = scaling_energy(bench, n, rate, averages)
    assert r["centre"].mw_per_tops <= r["system"].mw_per_tops <= r["bench"].mw_per_tops
    assert r["centre"].macs_per_second == r["system"].macs_per_second == r["bench"].macs_per_second


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_mw_per_tops_falls_with_n_at_a_fixed_rate(bench, boundary):
    """Fixed costs (edge EDFAs; in wdm, N receivers for N^2 MACs) are shared by more
    MACs.  The time centre has none: every cost it counts is per lane, as its MACs."""
    figures = [scaling_energy(bench, n, 11.5e9, 1)[boundary].mw_per_tops for n in (8, 16, 32, 64)]
    if bench.scheme == "time" and boundary == "centre":
        assert figures == pytest.approx([figures[0]] * 4)
    else:
        assert all(a > b for a, b in zip(figures, figures[1:])), figures


def test_system_converters_at_the_dsp_rates_by_hand():
    """wdm N x N, system boundary: N DAC channels at dac_samples_per_symbol x rate,
    N ADC channels at the receiver DSP's sps_rx x rate (closed form)."""
    bench = load_bench()
    rate, n = 20e9, 16
    sys = scaling_energy(bench, n, rate, 1)["system"]
    p = bench.power
    assert sys.components["dacs"] == pytest.approx(
        n * p.dac.energy_per_sample * p.system.dac_samples_per_symbol * rate)
    assert sys.components["adcs"] == pytest.approx(
        n * p.adc.energy_per_sample * FrameFormat(symbol_rate=rate).sps_rx * rate)
    assert sys.components["heaters"] == pytest.approx(n * n * p.heater.power_per_ring)
    frame = FrameFormat(symbol_rate=rate)
    assert sys.macs_per_second == pytest.approx(rate * frame.payload / frame.n_symbols * n * n)


POWER_KEYS = {  # component -> ([power.<table>], key, new value)
    "lasers": ("laser", "wall_plug_efficiency", "0.05"),
    "dacs": ("dac", "energy_per_sample", "7e-12"),
    "adcs": ("adc", "energy_per_sample", "1e-12"),
    "modulator_drivers": ("modulator_driver", "power_per_channel", "0.5"),
    "tias": ("tia", "power_per_channel", "0.2"),
    "amplifiers": ("amplifier", "power_per_unit", "9.0"),
    "heaters": ("heater", "power_per_ring", "5e-3"),
}


def _set_power(text: str, table: str, key: str, value: str) -> str:
    """The bench text with ``[power.<table>] <key>`` set to ``value``."""
    new, count = re.subn(rf"(\[power\.{table}\]\s*\n{key}\s*=\s*)[-0-9.e]+", rf"\g<1>{value}", text)
    assert count == 1, (table, key)
    return new


@pytest.mark.parametrize("component", COMPONENTS)
def test_changing_one_power_figure_changes_exactly_its_component(bench, component):
    other = parse_bench(_set_power(bench.source_text, *POWER_KEYS[component]))
    base, changed = boundary_energy(bench), boundary_energy(other)
    if bench.scheme == "time" and component == "heaters":   # no rings in the time scheme
        assert changed["bench"].components[component] == 0.0
    else:
        assert changed["bench"].components[component] != base["bench"].components[component]
    for name in BOUNDARIES:
        for c in COMPONENTS:
            if c != component:
                assert changed[name].components[c] == base[name].components[c], (name, c)


@pytest.mark.parametrize("table, key, value", [
    ("laser", "wall_plug_efficiency", "0"), ("laser", "wall_plug_efficiency", "1.5"),
    ("dac", "energy_per_sample", "-25e-12"), ("adc", "energy_per_sample", "0"),
    ("tia", "power_per_channel", "-0.1"), ("heater", "power_per_ring", "-1e-3"),
    ("amplifier", "power_per_unit", "-3")])
def test_bad_power_values_are_refused_with_the_key_path(table, key, value):
    with pytest.raises(BenchError, match=rf"power\.{table}\.{key}"):
        parse_bench(_set_power(load_bench().source_text, table, key, value))


def test_cli_energy_json_matches_the_library(capsys):
    assert main(["energy", "--json", "--symbol-rate", "32e9", "--averages", "1",
                 "--ports", "16"]) == 0
    out = json.loads(capsys.readouterr().out)
    ref = scaling_energy(load_bench(), 16, 32e9, 1)
    assert set(out["boundaries"]) == set(BOUNDARIES)
    for name in BOUNDARIES:
        b = out["boundaries"][name]
        assert {"mw_per_tops", "pj_per_mac", "components"} <= set(b)
        assert b["mw_per_tops"] == pytest.approx(ref[name].mw_per_tops)
    assert out["macs_per_second"] == pytest.approx(ref["bench"].macs_per_second)


def test_cli_energy_text_and_usage_errors(capsys):
    assert main(["energy", "--bench", DEFAULT_TIME]) == 0
    text = capsys.readouterr().out
    assert all(re.search(rf"^{b}\s+[0-9.e+]+ mW/TOPS", text, re.M) for b in BOUNDARIES)
    assert main(["energy", "--symbol-rate", "-1"]) == 2
    assert "--symbol-rate" in capsys.readouterr().err
    assert main(["energy", "--ports", "1"]) == 2          # 2 edge nodes need >= 2 ports
    assert main(["energy", "--bench", "/nonexistent.toml"]) == 2


def test_energy_scaling_sequence_writes_streams_and_a_plot(tmp_path):
    out = tmp_path / "scaling.h5"
    params = {"ports": [8, 32], "symbol_rates": [11.5e9, 32e9], "averages": [1], "size": 8,
              "columns": 8}
    result = RunEngine(progress=False).run("energy-scaling", params, load_bench(), out=out)
    assert result.status == "completed", result.error
    with h5py.File(out, "r") as f:
        data = f["entry/data"]
        assert data["mw_per_tops"].attrs["units"] == "mW/TOPS"
        mw, ports = data["mw_per_tops"][()], data["ports"][()]
        assert mw.shape == (4, 3) and list(ports) == [8, 32, 8, 32]
        assert np.all(mw[1::2] < mw[0::2])          # N = 32 below N = 8 at each rate
        assert np.all(mw[:, 2] <= mw[:, 1]) and np.all(mw[:, 1] <= mw[:, 0])
        enob = data["enob"][()]
        assert np.all((enob > 0) & (enob < 10)) and enob[0] == enob[1]   # per rate
        assert f["entry/metrics/min_mw_per_tops/centre"][-1] == pytest.approx(mw[:, 2].min())
    with Image.open(out.with_suffix(".png")) as png:
        assert png.format == "PNG" and png.size[0] > 300


def test_energy_scaling_refuses_bad_parameters(tmp_path):
    from labctl.engine import ParameterError
    with pytest.raises(ParameterError, match="ports"):
        RunEngine(progress=False).run("energy-scaling", {"ports": [1]}, load_bench(),
                                      out=tmp_path / "x.h5")
    assert not (tmp_path / "x.h5").exists()


def test_an_edge_booster_is_one_more_amplifier_at_every_boundary(bench):
    """Edge booster EDFAs exist for the computation's optical budget: counted at
    every boundary, the centre included (one [power.amplifier] unit each)."""
    topo = bench.topology
    edges = [topo.edges[0].model_copy(update={"booster_gain_db": 10.0}), *topo.edges[1:]]
    boosted = bench.model_copy(update={"topology": topo.model_copy(update={"edges": edges})})
    base, more = boundary_energy(bench), boundary_energy(boosted)
    unit = bench.power.amplifier.power_per_unit
    for name in BOUNDARIES:
        assert more[name].components["amplifiers"] == pytest.approx(
            base[name].components["amplifiers"] + unit), name


def test_labctl_run_energy_prints_one_line_per_boundary(tmp_path, capsys):
    out = tmp_path / "e.h5"
    assert main(["run", "energy", "--bench", DEFAULT_TIME, "--set", "size=8", "--set", "columns=8",
                 "--set", "schemes=time", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    with h5py.File(out, "r") as f:
        for b in BOUNDARIES:
            mw = f[f"entry/metrics/energy/{b}/mw_per_tops"][-1]
            assert re.search(rf"^  energy {b}\s+{re.escape(f'{mw:.4g}')} mW/TOPS", printed, re.M)
