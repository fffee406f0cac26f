"""The embedded high-rate benches (labctl/bench/high_rate_sim*.toml): resolvable
by short name, and their single-record precision against the figures documented
in README.md ("High-rate bench"), with a tolerance (never an exact value).

Procedure of the documented figures (the same here): calibrate at the operating
point (bench seed 1), then 4 random signed products W [rows x 16] X [16 x 64],
uniform in [-1, 1] (numpy seeds 100..103, run seeds 200..203); ENOB =
log2(range / (sqrt(12) sigma_err)) (labctl.metrics.enob), averaged over the 4.
"""
import numpy as np
import pytest

from labctl.bench import EMBEDDED, load_bench
from labctl.metrics import enob
from labctl.mvm import FrameFormat, SimBackend
from labctl.mvm.schemes import scheme_for

#: 92 GSa/s / 3 on the M8196A AWGs: the benches' >= 25 GBd point
RATE_30G = 92e9 / 3

#: (bench, symbol rate in Bd) -> documented mean ENOB (bits), at the file's operating point
DOCUMENTED = {
    ("high-rate", 11.5e9): 4.57,
    ("high-rate-time", 11.5e9): 4.36,
    ("high-rate", RATE_30G): 4.00,
    ("high-rate-time", RATE_30G): 3.37,
}
#: spread of the 4-product mean between seeds is ~0.1 bit: 0.3 bit leaves room for
#: legitimate physics changes elsewhere while catching a lost operating point
TOLERANCE = 0.3


def signed_enob(bench, rate: float) -> float:
    """Mean ENOB of 4 random signed 16-column products (module docstring)."""
    cal = SimBackend(bench, seed=1, frame=FrameFormat(symbol_rate=rate)).calibration
    rows = scheme_for(bench.topology).benchmark_rows(bench.topology, 16)
    out = []
    for s in range(4):
        rng = np.random.default_rng(100 + s)
        backend = SimBackend(bench, seed=200 + s, calibration=cal)
        w, x = rng.uniform(-1, 1, (rows, 16)), rng.uniform(-1, 1, (16, 64))
        out.append(enob(backend.matmul(w, x), w @ x))
    return float(np.mean(out))


def test_short_names_load_the_embedded_high_rate_benches():
    wdm, time = load_bench("high-rate"), load_bench("high-rate-time")
    assert (wdm.topology.scheme, time.topology.scheme) == ("wdm", "time")
    for bench in (wdm, time):
        assert bench.topology.symbol_rate_hz == 11.5e9
        assert bench.topology.scope_averages == 1
        assert bench.path is None  # embedded, not a file of the working directory
    assert all(e.booster_gain_db == 14.0 for e in wdm.topology.edges)
    assert load_bench(EMBEDDED["high-rate"]).source_text == wdm.source_text
    assert load_bench("default").source_text == load_bench().source_text


def test_a_file_of_that_name_wins_over_the_embedded_bench(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "high-rate").write_text(load_bench("high-rate-time").source_text)
    assert load_bench("high-rate").topology.scheme == "time"


@pytest.mark.slow
@pytest.mark.parametrize("name, rate", list(DOCUMENTED))
def test_single_record_precision_meets_the_documented_figure(name, rate):
    measured = signed_enob(load_bench(name), rate)
    assert measured >= DOCUMENTED[(name, rate)] - TOLERANCE
