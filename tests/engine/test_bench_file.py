"""Bench files: the embedded ones load, bad ones fail with key path and expectation."""
from __future__ import annotations

import re
from importlib import resources

import pytest

from labctl.bench import DEFAULT_TIME, BenchError, load_bench, parse_bench
from labctl.bench.loader import DEFAULT_SIM

TEAM_SET = {  # docs/TEAM.md default instrument set: name -> (role, driver module)
    "laser_a": ("laser", "santec_tsl570"), "laser_b": ("laser", "keysight_n7776c"),
    "awg_a": ("awg", "keysight_m8196a"), "awg_b": ("awg", "keysight_m8196a"),
    "awg_w": ("awg", "tektronix_awg70002b"), "bias_a": ("bias", "generic_mbc"),
    "bias_b": ("bias", "generic_mbc"), "edfa_a": ("amplifier", "generic_edfa"),
    "edfa_b": ("amplifier", "generic_edfa"), "heaters": ("heaters", "generic_heaters"),
    "scope_a": ("scope", "keysight_uxr"), "scope_b": ("scope", "tektronix_dpo70000"),
    "pm": ("powermeter", "keysight_n7744c"),
}


def default_text() -> str:
    return resources.files("labctl.bench").joinpath(DEFAULT_SIM).read_text()


@pytest.mark.parametrize("name, scheme", [(None, "wdm"), (DEFAULT_TIME, "time")])
def test_embedded_benches_hold_team_instrument_set(name, scheme):
    bench = load_bench(name)
    assert bench.scheme == scheme
    assert {n: (i.role, i.model) for n, i in bench.instruments.items()} == TEAM_SET
    assert bench.simulated and all(i.resource == "sim" for i in bench.instruments.values())
    assert "[instruments.laser_a]" in bench.source_text
    assert bench.instruments["laser_a"].limits.max_laser_power == pytest.approx(0.020)
    assert 0 < bench.power.laser.wall_plug_efficiency <= 1


def test_embedded_edges_at_two_metro_distances():
    bench = load_bench()
    lengths = sorted(e.length_m for e in bench.topology.edges)
    assert lengths == [10e3, 40e3]
    assert bench.topology.centre.ports == 8


def test_file_on_disk_records_path_and_text(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text(default_text())
    bench = load_bench(path)
    assert bench.path == path.resolve()
    assert bench.source_text == path.read_text()


def test_visa_resource_accepted():
    old = 'model = "santec_tsl570"\nresource = "sim"'
    text = default_text().replace(old, 'model = "santec_tsl570"\nresource = "TCPIP0::10.0.0.5::inst0::INSTR"')
    bench = parse_bench(text)
    assert bench.instruments["laser_a"].resource.startswith("TCPIP0::")
    assert not bench.simulated


BAD = [  # (replace old, by new) -> key path and expectation in the message
    (('role = "laser"', 'role = "laser"\ncolour = "red"'),
     r"instruments\.laser_a\.colour: unknown key"),
    (('role = "laser"', 'role = "lazer"'), r"instruments\.laser_a\.role: expected 'laser', 'awg'.*got 'lazer'"),
    (("max_laser_power = 0.020", "max_laser_power = -1"),
     r"instruments\.laser_a\.limits\.max_laser_power: expected .*greater than 0.*got -1"),
    (("max_laser_power = 0.020", "max_laser_power = 'lots'"),
     r"instruments\.laser_a\.limits\.max_laser_power: expected a valid number.*got 'lots'"),
    (("max_laser_power = 0.020", "max_power = 0.02"),
     r"instruments\.laser_a\.limits\.max_power: unknown key"),
    (('santec_tsl570"\nresource = "sim"', 'santec_tsl570"\nresource = "10.0.0.5"'), r"instruments\.laser_a\.resource: expected 'sim' or a VISA"),
    (('model = "santec_tsl570"', 'model = "Santec TSL-570"'), r"instruments\.laser_a\.model: expected a driver module"),
    (("seed = 20250706", "seed = 1.5"), r"seed: expected a valid integer"),
    (("seed = 20250706", ""), r"seed: missing required key"),
    (("wall_plug_efficiency = 0.0029", "wall_plug_efficiency = 1.5"),
     r"power\.laser\.wall_plug_efficiency: expected .*less than or equal to 1"),
    (("[power.tia]\n", "[power.tia]\nvolts = 3\n"), r"power\.tia\.volts: unknown key"),
    (('laser = "laser_a"', 'laser = "awg_a"'),
     r"topology\.edges\.0\.laser: expected the name of an instrument with role 'laser', got 'awg_a'"),
    (('scheme = "wdm"', 'scheme = "tdm"'), r"topology\.scheme: expected 'time' or 'wdm'"),
]


@pytest.mark.parametrize("change, pattern", BAD, ids=[p for _, p in BAD])
def test_bad_bench_names_file_key_and_expectation(tmp_path, change, pattern):
    old, new = change
    text = default_text()
    assert old in text
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(BenchError) as info:
        load_bench(path)
    message = str(info.value)
    assert message.startswith(f"bench file {path}: ")
    assert "\n" not in message
    assert re.search(pattern, message), message


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("seed = \n[instruments\n")
    with pytest.raises(BenchError, match=rf"bench file {re.escape(str(path))}: TOML syntax error: .*line 1"):
        load_bench(path)


def test_missing_file_is_bench_error(tmp_path):
    with pytest.raises(BenchError, match="cannot read"):
        load_bench(tmp_path / "nope.toml")
