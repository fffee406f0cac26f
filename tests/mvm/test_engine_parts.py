"""The engine's parts on their own: tile jobs (pure), operating point, transmitter,
autorange, and the scheme registry that the sequences and benchmarks derive from."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from labctl.bench import load_bench
from labctl.bench.topology import CENTRE_KINDS
from labctl.mvm import operating_point
from labctl.mvm.bench_io import TableIO
from labctl.mvm.embedded_benches import default_scheme, embedded_bench, embedded_files
from labctl.mvm.encode import T_HI
from labctl.mvm.engine import OpticalEngine
from labctl.mvm.plan import tile_plan
from labctl.mvm.schemes import SCHEMES, kinds, scheme_named, stream_codes_help
from labctl.mvm.scope_setup import AUTORANGE_HEADROOM, AUTORANGE_MARGIN_V
from labctl.mvm.tile_jobs import assemble, product_jobs

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("split", [False, True])
@pytest.mark.parametrize("w_lo,x_lo", [(-1, -1), (0, -1), (-1, 0), (0, 0)])
def test_tile_jobs_reassemble_the_exact_product(split, w_lo, x_lo, rng):
    """With exact optics (frame estimate = W_u X_u), scaling, offset or split
    encoding and reassembly give W X to rounding: the decode formulas are exact."""
    w, x = rng.uniform(w_lo, 1, (11, 13)) * 3.0, rng.uniform(x_lo, 1, (13, 9)) * 0.2
    plan = tile_plan(11, 13, 9, 4, 5, 8, "any")
    jobs, scales = product_jobs(plan, w, x, split)
    assert any(j.split for j in jobs) == (split and x_lo < 0)
    y = assemble(plan, scales, [job.finish(job.w_u @ job.x_u) for job in jobs])
    np.testing.assert_allclose(y, w @ x, rtol=0, atol=1e-12 * np.abs(w).sum() * np.abs(x).max())
    for job in jobs:  # what the optics gets lies in [0, 1]
        assert job.w_u.min() >= 0 and job.w_u.max() <= 1 + 1e-15
        assert job.x_u.min() >= 0 and job.x_u.max() <= 1 + 1e-15


def test_operating_point_sets_lasers_and_amplifiers(wdm_bench):
    """P = P_bench 10^(offset/10); gain = nominal + offset (through the real in-process IO)."""
    io = TableIO(wdm_bench)
    OpticalEngine(wdm_bench, io, laser_offset_db=-3.0, gain_offset_db=1.5, averages=1)
    for e in wdm_bench.topology.edges:
        p_bench = wdm_bench.instruments[e.laser].settings["power"]
        assert io.states[e.laser]["power"] == pytest.approx(p_bench * 10 ** -0.3, rel=1e-6)
        if e.amplifier is not None:
            nominal = e.amplifier_gain_db
            if nominal is None:
                nominal = wdm_bench.instruments[e.amplifier].settings["gain"]
            assert io.states[e.amplifier]["gain"] == pytest.approx(nominal + 1.5, rel=1e-6)
    powers = operating_point.laser_powers(wdm_bench, -10.0)
    assert all(powers[e.laser] == pytest.approx(
        wdm_bench.instruments[e.laser].settings["power"] / 10) for e in wdm_bench.topology.edges)


def test_transmitter_holds_each_symbol_and_skews_circularly(wdm_bench):
    eng = OpticalEngine(wdm_bench, TableIO(wdm_bench), averages=1)
    edge = wdm_bench.topology.edges[0]
    awg, ch = edge.awg, edge.awg_channels[0]
    sps, rate = eng.awg_rate(awg)
    codes = np.arange(eng.frame.n_symbols, dtype=np.uint16)
    plain = eng.waveform(awg, ch, None, raw_codes=codes)
    assert np.array_equal(plain, np.repeat(codes, sps))
    skewed = eng.waveform(awg, ch, None, skew_s=5 / rate, raw_codes=codes)
    assert np.array_equal(skewed, np.roll(plain, -5))
    # symbol values through the nominal curve: u = 1 is the top of the window, T_HI
    bright = eng.tx.bright_codes()[(awg, ch)]
    curve_codes, t = eng.tx.curve(awg, ch)
    step = np.max(np.abs(np.diff(t)))        # one code's change of transmission
    assert abs(t[list(curve_codes).index(bright)] - T_HI) <= step


@pytest.mark.parametrize("bench_name", ["wdm_bench", "time_bench"])
def test_autorange_keeps_the_brightest_level_on_scale(bench_name, request):
    """After the autorange every output's range is 1.1 x its brightest level
    + 2 mV, and a bright frame's mean volts sit inside it (not clipped)."""
    bench = request.getfixturevalue(bench_name)
    eng = OpticalEngine(bench, TableIO(bench), averages=1)
    eng.prepare()
    codes = eng.tx.bright_codes()
    volts = eng.run(eng.const_waves(codes, 16), eng.scheme.bright_heaters(eng))
    for key in eng.outputs:
        full, offset = eng.scopes.ranges[key]
        level = float(np.mean(volts[key]))
        assert full == pytest.approx(AUTORANGE_HEADROOM * level + AUTORANGE_MARGIN_V, rel=0.05)
        assert offset - full / 2 < level < offset + full / 2


def test_scheme_codes_and_embedded_benches_come_from_the_registry_and_the_files():
    """Stream codes are 0..n-1 in ``kinds()`` order (sequences store
    ``SCHEMES.index(kind)``); every scheme has an embedded bench that runs it."""
    assert set(kinds()) == set(SCHEMES) >= set(CENTRE_KINDS)
    assert [scheme_named(k).stream_code for k in kinds()] == list(range(len(kinds())))
    assert stream_codes_help().split(", ")[0] == f"0 {kinds()[0]}"
    assert set(embedded_files()) == set(CENTRE_KINDS)
    for kind in CENTRE_KINDS:
        assert embedded_bench(kind).topology.scheme == kind
    assert default_scheme() == load_bench().topology.scheme
    with pytest.raises(ValueError, match="no embedded bench of scheme 'nope'"):
        embedded_bench("nope")


def test_the_simulated_table_knows_every_scheme():
    from sim_backends.schemes import SCHEMES as TABLE_SCHEMES
    assert set(TABLE_SCHEMES) == set(CENTRE_KINDS)


#: "time" in its everyday meaning (a timestamp key, a plot axis), not the scheme
OTHER_MEANING = {"labctl/engine.py", "labctl/runfile.py", "gui/live_view.py"}
#: not yet converted
PENDING: set[str] = set()


def test_scheme_names_are_written_only_where_the_bench_file_is_parsed():
    """A string literal equal to a scheme name appears in the bench-file parser
    (labctl/bench) and as each scheme module's own ``kind``, nowhere else."""
    found = {}
    for top in ("labctl", "sequences", "gui", "benchmarks", "sim_backends"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel.startswith("labctl/bench/") or rel in OTHER_MEANING | PENDING:
                continue
            own = path.stem if rel.startswith("labctl/mvm/schemes/") else None
            lines = [node.lineno for node in ast.walk(ast.parse(path.read_text(), rel))
                     if isinstance(node, ast.Constant) and node.value in SCHEMES
                     and node.value != own]
            if lines:
                found[rel] = lines
    assert found == {}
