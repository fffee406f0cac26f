"""Bench-file errors inside each kind of computing centre name the key path
(the centre is a union discriminated by ``topology.scheme``: pydantic's union
tag must not show up in the path)."""
from __future__ import annotations

import re
from importlib import resources

import pytest

from labctl.bench import DEFAULT_TIME, BenchError, parse_bench
from labctl.bench.loader import DEFAULT_SIM
from labctl.bench.topology import TimeCentre, WdmCentre


def _text(name: str) -> str:
    return resources.files("labctl.bench").joinpath(name).read_text()


BAD = [  # (bench file, replace old, by new, pattern of the message)
    (DEFAULT_SIM, 'rings = { heaters = "heaters", first_channel = 1 }', "",
     r"topology\.centre\.rings: missing required key"),
    (DEFAULT_SIM, "first_channel = 1 }", "first_channel = 0 }",
     r"topology\.centre\.rings\.first_channel: expected greater than or equal to 1, got 0"),
    (DEFAULT_SIM, "wavelengths = 8", "wavelengths = 7",
     r"topology\.centre\.wavelengths: expected wavelengths == ports \(8\).*got 7"),
    (DEFAULT_SIM, '{ scope = "scope_a", channel = 1 }, ', "",
     r"topology\.centre\.photodiodes: expected 8 photodiodes .*got 7"),
    (DEFAULT_SIM, "ports = [4, 5, 6, 7]", "ports = [4, 5, 6, 6]",
     r"topology\.edges: expected edge ports covering the centre ports 0\.\.7 once each"),
    (DEFAULT_SIM, "rings = { heaters", 'weight_awg = "awg_w"\nrings = { heaters',
     r"topology\.centre\.weight_awg: unknown key"),
    (DEFAULT_TIME, 'weight_awg = "awg_w"', "", r"topology\.centre\.weight_awg: missing required key"),
    (DEFAULT_TIME, '{ edge = "edge_a", port = 0', '{ edge = "edge_c", port = 0',
     r"topology\.centre\.lanes\.0\.edge: expected one of \['edge_a', 'edge_b'\], got 'edge_c'"),
    (DEFAULT_TIME, "weight_channel = 1,", "weight_channel = 0,",
     r"topology\.centre\.lanes\.0\.weight_channel: expected greater than or equal to 1"),
    (DEFAULT_TIME, 'weight_awg = "awg_w"', 'weight_awg = "awg_w"\nrings = { heaters = "heaters" }',
     r"topology\.centre\.rings: unknown key"),
    (DEFAULT_TIME, 'weight_awg = "awg_w"', 'weight_awg = "awg_w"\nkind = "wdm"',
     r"topology\.centre\.kind: expected 'time' \(the scheme\), got 'wdm'"),
]


@pytest.mark.parametrize("name, old, new, pattern", BAD, ids=[b[3] for b in BAD])
def test_centre_errors_name_the_key_path(name, old, new, pattern):
    text = _text(name)
    assert old in text
    with pytest.raises(BenchError) as info:
        parse_bench(text.replace(old, new, 1), origin="b.toml")
    message = str(info.value)
    assert re.search(rf"^bench file b\.toml: {pattern}", message), message
    assert "\n" not in message


@pytest.mark.parametrize("name, centre", [(DEFAULT_SIM, WdmCentre), (DEFAULT_TIME, TimeCentre)])
def test_scheme_picks_the_centre_model(name, centre):
    bench = parse_bench(_text(name))
    assert type(bench.topology.centre) is centre
    assert bench.topology.centre.kind == bench.scheme
