"""The compiled passes of the link device models (sim_backends/physics/link_kernels.py)
give bit-identical results to the numpy expressions they replaced (written out
here as the references), in float32 and float64, and so do the models' numpy
paths for calls below link_kernels.COMPILED_MIN elements (sizes on both sides)."""
import numpy as np
import pytest

from sim_backends.physics import filters, link_kernels, pam, units

#: Samples per row for the numpy path and for the compiled path (with the rows below).
SIZES = [1000, link_kernels.COMPILED_MIN // 2 + 17]
from sim_backends.physics.mzm import MZM
from sim_backends.physics.photodiode import Photodiode


def mzm_reference(mzm, field, volts, real):
    """The numpy MZM: E = field sqrt(IL) (cos half + j eps sin half)."""
    v = np.asarray(volts, dtype=real)
    half = v * real(np.pi / (2 * mzm.v_pi))
    half += real(np.pi * mzm.v_bias / (2 * mzm.v_pi))
    t = np.empty(half.shape, dtype=np.complex64 if real == np.float32 else np.complex128)
    t.real = np.cos(half) * real(np.sqrt(mzm.il))
    t.imag = np.sin(half) * real(np.sqrt(mzm.il) * mzm.epsilon)
    return np.multiply(field, t, dtype=t.dtype)


def photocurrent_reference(pd, field, fs, z, real):
    """The numpy photodiode before its filter: R sum |E|^2 + I_d, + z sigma."""
    power = np.square(field.real, dtype=real) + np.square(field.imag, dtype=real)
    i = power.sum(axis=-2) if power.shape[-2] > 1 else power[..., 0, :]
    i = i * real(pd.responsivity) + real(pd.dark_current)
    thermal_var = real(pd.thermal_noise_density**2 * fs / 2 if pd.thermal else 0.0)
    if pd.shot:
        sigma = np.sqrt(np.maximum(i, 0) * real(units.Q * fs) + thermal_var)
        return i + z.astype(real) * sigma
    return i + z.astype(real) * np.sqrt(thermal_var)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("complex_dtype", [np.complex64, np.complex128])
def test_mzm_scalar_carrier_and_arrays_match_numpy(complex_dtype, n, rng):
    real = np.float32 if complex_dtype == np.complex64 else np.float64
    mzm = MZM()
    volts = rng.uniform(-4, 4, (3, 1, n)).astype(real)
    carrier = np.full((1, 1), 0.03, complex_dtype)
    assert np.array_equal(mzm.modulate(carrier, volts), mzm_reference(mzm, carrier, volts, real))
    full = np.full((3, 1, n), 0.03 + 0.01j, complex_dtype)           # complex array field
    assert np.array_equal(mzm.modulate(full, volts), mzm_reference(mzm, full, volts, real))
    rows = (rng.standard_normal((4, n)) + 1j).astype(complex_dtype)  # [W, n] x [n]
    assert np.array_equal(mzm.modulate(rows, volts[0, 0]), mzm_reference(mzm, rows, volts[0, 0], real))


def test_mzm_transfer_is_the_cos_squared_law():
    mzm = MZM.biased("quadrature", extinction_ratio_db=np.inf, insertion_loss_db=0.0)
    v = np.linspace(-2.5, 2.5, 11)
    power = np.abs(mzm.modulate(np.ones(1, np.complex64), v)) ** 2
    assert np.allclose(power, np.cos(np.pi * (v - 2.5) / 10) ** 2, atol=1e-6)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("complex_dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("wavelengths", [1, 3])
@pytest.mark.parametrize("shot,thermal", [(True, True), (True, False), (False, True)])
def test_detection_and_noise_match_numpy(complex_dtype, wavelengths, shot, thermal, n, rng):
    real = np.float32 if complex_dtype == np.complex64 else np.float64
    fs = 40e9
    pd = Photodiode(saturation_current=None, shot=shot, thermal=thermal)
    field = (rng.standard_normal((2, wavelengths, n))
             + 1j * rng.standard_normal((2, wavelengths, n))).astype(complex_dtype) * 0.01
    z = rng.standard_normal((2, n)).astype(np.float32)
    ours = pd.photocurrent(field, fs, normals=z)
    unfiltered = photocurrent_reference(pd, field, fs, z, real)
    ref = filters.apply_real(unfiltered, fs, pd.response, key=pd, width=pd.halo(fs))
    assert ours.dtype == real
    assert np.array_equal(ours, ref)


def test_noiseless_current_is_responsivity_times_power_plus_dark():
    pd = Photodiode(noise=False, saturation_current=None, bandwidth=1e15)
    field = np.full((1, 4096), np.sqrt(1e-3), np.complex128)
    assert np.allclose(pd.photocurrent(field, 40e9), 0.8e-3 + 10e-9, rtol=1e-9)


def gray_reference(bits, k):
    b = np.asarray(bits, dtype=np.uint8).reshape(-1, k)
    gray = np.zeros(b.shape[0], dtype=np.uint8)
    for j in range(k):
        gray = (gray << 1) | b[:, j]
    idx = gray.copy()
    shift = gray >> 1
    while np.any(shift):
        idx ^= shift
        shift = shift >> 1
    return idx


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("fmt", ["pam2", "pam4"])
def test_gray_maps_match_numpy_and_round_trip(fmt, n, rng):
    k = pam.bits_per_symbol(fmt)
    bits = rng.integers(0, 2, 2 * n * k, dtype=np.uint8)
    symbols = pam.bits_to_symbols(bits, fmt)
    assert np.array_equal(symbols, gray_reference(bits, k))
    assert np.array_equal(pam.symbols_to_bits(symbols, fmt), bits)
    with pytest.raises(ValueError):
        pam.bits_to_symbols(bits[:-1], "pam4")


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_level_sums_and_decisions_match_bincount_and_threshold_loop(dtype, n, rng):
    s = rng.integers(0, 4, 4 * n).astype(np.uint8)
    y = (s * 3 + rng.standard_normal(s.size) * 2).astype(dtype)
    counts, sums, squares = pam.level_sums(y[::1], s, 4)
    yf = y.astype(float)
    assert np.array_equal(counts, np.bincount(s, minlength=4))
    assert np.array_equal(sums, np.bincount(s, weights=yf, minlength=4))
    assert np.array_equal(squares, np.bincount(s, weights=yf * yf, minlength=4))
    strided = pam.level_sums(y[::2], s[::2].astype(np.int64), 4)[1]
    assert np.array_equal(strided, np.bincount(s[::2], weights=yf[::2], minlength=4))
    thr = pam.thresholds(sums / counts)
    ref = np.zeros(y.shape, np.uint8)
    for t in thr.astype(y.dtype if y.dtype.kind == "f" else float):
        ref += y > t
    assert np.array_equal(pam.decide(y, thr), ref)
    with pytest.raises(ValueError):
        pam.level_sums(y, -s.astype(np.int64), 4)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("sps", [1, 2, 3, 4])
def test_nrz_shape_is_numpy_repeat(sps, n, rng):
    x = rng.standard_normal((3, n)).astype(np.float32)
    assert np.array_equal(pam.shape(x, sps, "nrz"), np.repeat(x, sps))


@pytest.mark.parametrize("n", [4096, 4097, 4100, 4101, 1 << 16, 100003])
@pytest.mark.parametrize("kind", [np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937])
def test_random_bits_are_numpys_integers_and_leave_the_same_state(n, kind):
    ours, ref = np.random.Generator(kind(7)), np.random.Generator(kind(7))
    ours.random()                                 # after other draws
    ref.random()
    bits = pam.random_bits(ours, n)
    assert np.array_equal(bits, ref.integers(0, 2, size=n, dtype=np.uint8))
    assert np.array_equal(ours.integers(0, 2**32, 8), ref.integers(0, 2**32, 8))
    assert 0.45 < bits.mean() < 0.55


def test_random_bits_read_pcg64_words_directly():
    """The fast path is on for numpy's default generator (if a numpy release
    changes its bounded-integer method, this fails and random_bits falls back)."""
    assert pam._raw_bits_exact(np.random.PCG64)
    assert not pam._raw_bits_exact(np.random.MT19937)


def test_random_bits_after_a_buffered_half_word_fall_back_to_numpy():
    ours, ref = np.random.default_rng(3), np.random.default_rng(3)
    ours.integers(0, 2**32, dtype=np.uint32)      # leaves a 32-bit half buffered
    ref.integers(0, 2**32, dtype=np.uint32)
    assert np.array_equal(pam.random_bits(ours, 5000), ref.integers(0, 2, size=5000, dtype=np.uint8))


@pytest.mark.parametrize("fmt", ["pam2", "pam4"])
def test_levels_in_place_equal_the_formula_and_leave_the_input(fmt, rng):
    m = pam.order(fmt)
    s = rng.integers(0, m, 5000).astype(np.float32)
    before = s.copy()
    assert np.array_equal(pam.values(s, fmt), ((2 * s - (m - 1)) / (m - 1)).astype(np.float32))
    assert np.array_equal(s, before)


def test_real_field_detects_its_square(rng):
    """A real (float32) field: R sum_w E_w^2 + I_d, as the numpy square-law gave it."""
    pd = Photodiode(noise=False, saturation_current=None)
    field = rng.standard_normal((2, 3, 5000)).astype(np.float32)
    unfiltered = np.square(field, dtype=np.float32).sum(axis=-2) * np.float32(0.8) + np.float32(10e-9)
    ref = filters.apply_real(unfiltered, 40e9, pd.response, key=pd, width=pd.halo(40e9))
    assert np.array_equal(pd.photocurrent(field, 40e9), ref)


@pytest.mark.parametrize("n", SIZES)
def test_bit_errors_are_the_differing_positions(n, rng):
    tx = rng.integers(0, 2, 4 * n, dtype=np.uint8)
    rx = tx.copy()
    flipped = rng.choice(tx.size, 37, replace=False)
    rx[flipped] ^= 1
    assert pam.count_bit_errors(tx, rx) == 37
    assert pam.count_bit_errors(tx, rx.astype(np.int64)) == 37
