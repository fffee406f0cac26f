"""The compiled normal sampler (sim_backends.physics.normals) against the
closed-form N(0, 1): moments, tail probabilities beyond the ziggurat's base
strip, the Kolmogorov-Smirnov distance, and the stream properties the optical
table relies on (same seed same numbers, prefix-stable, independent seeds)."""
import numpy as np
import pytest
from scipy import stats

from sim_backends.physics import normals

N_STREAMS, N_EACH = 40, 50_000          # 2e6 draws


@pytest.fixture(scope="module")
def draws():
    seqs = [np.random.SeedSequence(123, spawn_key=(i,)) for i in range(N_STREAMS)]
    return normals.standard_normal(seqs, N_EACH, np.float64)


def test_moments_match_the_standard_normal(draws):
    z = draws.ravel()
    n = z.size
    # sampling errors of mean, variance, skewness and excess kurtosis: 1/sqrt(n), sqrt(2/n), ...
    assert abs(z.mean()) < 5 / np.sqrt(n)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / n)
    assert abs(stats.skew(z)) < 5 * np.sqrt(6 / n)
    assert abs(stats.kurtosis(z)) < 5 * np.sqrt(24 / n)


@pytest.mark.parametrize("a", [1.0, 2.0, 3.0, normals._R, 4.0])
def test_tail_probabilities_within_binomial_bounds(draws, a):
    """P(|z| > a) = 2 Q(a): counts within 5 binomial standard deviations (the
    tail beyond r = 3.654 comes from the exact tail sampler)."""
    z = draws.ravel()
    p = 2 * stats.norm.sf(a)
    count = int(np.count_nonzero(np.abs(z) > a))
    assert abs(count - z.size * p) < 5 * np.sqrt(z.size * p * (1 - p)) + 1


def test_kolmogorov_smirnov_distance(draws):
    """sup |F_n - Phi| below the 1e-3 critical value sqrt(-ln(1e-3 / 2) / (2 n))."""
    z = draws.ravel()
    d = stats.kstest(z, "norm").statistic
    assert d < np.sqrt(-np.log(1e-3 / 2) / (2 * z.size))


def test_streams_are_deterministic_prefix_stable_and_independent():
    a = np.random.SeedSequence(5, spawn_key=(1, 2))
    b = np.random.SeedSequence(5, spawn_key=(1, 3))
    x = normals.standard_normal([a, a, b], 4000)
    assert x.dtype == np.float32
    assert x[0].tobytes() == x[1].tobytes()
    assert normals.standard_normal([a], 1000)[0].tobytes() == x[0, :1000].tobytes()
    r = np.corrcoef(x[0], x[2])[0, 1]
    assert abs(r) < 5 / np.sqrt(4000)
    # successive values of one stream are uncorrelated too
    assert abs(np.corrcoef(x[0, :-1], x[0, 1:])[0, 1]) < 5 / np.sqrt(4000)


def test_stream_states_depend_only_on_seed_and_names():
    from sim_backends.physics.streams import Streams
    a, b = Streams(7), Streams(7)
    assert a.state("pd", "scope_a", 3).tobytes() == b.state("pd", "scope_a", 3).tobytes()
    others = [a.state("pd", "scope_a", 4), a.state("pd", "scope_b", 3), Streams(8).state("pd", "scope_a", 3)]
    assert len({s.tobytes() for s in others} | {a.state("pd", "scope_a", 3).tobytes()}) == 4
    z = normals.standard_normal([a.state("pd", "scope_a", k) for k in range(20)], 5000, np.float64)
    assert abs(z.mean()) < 5 / np.sqrt(z.size) and abs(z.var() - 1) < 5 * np.sqrt(2 / z.size)


def test_rows_longer_than_a_block_are_the_prefixes_of_longer_rows():
    """Rows are drawn in blocks of BLOCK values: value m depends only on the
    stream and m, so a row crossing block boundaries is the prefix of a longer
    row and its tail beyond one block is not a repeat of its first block."""
    s = np.random.SeedSequence(11)
    n = 2 * normals.BLOCK + 3
    long = normals.standard_normal([s], n + 1000)[0]
    row = normals.standard_normal([s], n)[0]
    assert row.tobytes() == long[:n].tobytes()
    assert not np.array_equal(row[normals.BLOCK:normals.BLOCK + 100], row[:100])
    assert abs(float(row.std()) - 1.0) < 0.01
