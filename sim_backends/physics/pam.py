"""PAM2 / PAM4 with Gray mapping, pulse shaping and the reference receiver.

Conventions
-----------
* Symbols are level indices 0..M-1 (``uint8``); bits map to them by Gray
  code, MSB first: PAM4 00->0, 01->1, 11->2, 10->3 (adjacent levels differ in
  one bit).  ``values`` are the normalised levels (2 i - (M-1)) / (M-1) in
  [-1, 1].
* Electrical SNR is signal variance / noise variance at the decision point.
  For equiprobable M-PAM in AWGN with mid-point thresholds (Proakis, Digital
  Communications, 5th ed., eq. 4.3-5)::

      SER = 2 (1 - 1/M) Q( sqrt(3 SNR / (M^2 - 1)) ),  BER ~ SER / log2 M (Gray)

  With N0/2 the two-sided noise density of the real channel, SNR = 2 Es/N0
  = 2 log2(M) Eb/N0, i.e. SNR_dB = Eb/N0_dB + 10 log10(2 log2 M): +3.01 dB
  for PAM2 and +6.02 dB for PAM4.  Curves quoted against Eb/N0 must be shifted.
* The reference receiver samples at symbol centres, estimates the mean
  level of each transmitted symbol (data aided), sets thresholds half way
  between adjacent means, decides, Gray-demaps and counts bit errors.
* Confidence intervals are Clopper-Pearson (exact binomial), from
  ``scipy.stats.binomtest(...).proportion_ci(method='exact')``.
"""
from __future__ import annotations

import functools

import numpy as np
from scipy import special, stats

from sim_backends.physics import filters, link_kernels

FORMATS = {"pam2": 2, "pam4": 4}


def order(fmt: str) -> int:
    """Number of levels M of a format name ('pam2' | 'pam4')."""
    try:
        return FORMATS[fmt.lower()]
    except KeyError:
        raise ValueError(f"unknown format {fmt!r}; expected one of {sorted(FORMATS)}") from None


def bits_per_symbol(fmt: str) -> int:
    return int(np.log2(order(fmt)))


def random_bits(rng: np.random.Generator, n: int) -> np.ndarray:
    """n random bits (uint8 0/1): ``rng.integers(0, 2, n, dtype=uint8)``,
    the same values and the same generator state afterwards.

    numpy draws a bounded uint8 by Lemire's method from the bytes of
    successive 32-bit words, themselves the halves of 64-bit words (PCG64:
    low half first), and for the range [0, 2) that is the top bit of each
    byte.  So for a PCG64 generator the bits are read from ``random_raw``
    directly (0.4 ms instead of 2.3 ms for 2^21 bits); a one-time check per
    bit-generator type (:func:`_raw_bits_exact`) falls back to
    ``rng.integers`` wherever this would not reproduce it."""
    bg = rng.bit_generator
    if n >= 4096 and _raw_bits_exact(type(bg)) and bg.state["has_uint32"] == 0:
        return _raw_bits(bg, n)
    return rng.integers(0, 2, size=n, dtype=np.uint8)


def _raw_bits(bg, n: int) -> np.ndarray:
    """Top bits of the first n bytes of bg's 64-bit words; the half of a word
    numpy would keep for its next 32-bit draw is left buffered in the state."""
    words32 = -(-n // 4)
    raw = bg.random_raw(-(-words32 // 2))
    if words32 % 2:
        state = bg.state
        state["has_uint32"], state["uinteger"] = 1, int(raw[-1] >> np.uint64(32))
        bg.state = state
    bits = raw.view(np.uint8)[:n]
    bits >>= 7                                   # in place in the words' buffer
    return bits


@functools.cache
def _raw_bits_exact(kind: type) -> bool:
    """Whether :func:`_raw_bits` reproduces numpy's ``integers(0, 2, dtype=uint8)``
    for this bit-generator type (values and the state after; PCG64 family)."""
    if kind not in (np.random.PCG64, np.random.PCG64DXSM):
        return False
    a, b = np.random.Generator(kind(20260)), np.random.Generator(kind(20260))
    for n in (4099, 4104):                    # an odd and an even count of 32-bit words
        if not np.array_equal(a.integers(0, 2, size=n, dtype=np.uint8), _raw_bits(b.bit_generator, n)):
            return False
        if a.integers(0, 2**32, 3).tolist() != b.integers(0, 2**32, 3).tolist():
            return False
    return True


def bits_to_symbols(bits, fmt: str) -> np.ndarray:
    """Bits (length multiple of log2 M) -> Gray-coded level indices (uint8),
    one compiled pass (:func:`link_kernels.gray_encode`)."""
    k = bits_per_symbol(fmt)
    b = np.ascontiguousarray(bits, dtype=np.uint8).reshape(-1)
    if b.size % k:
        raise ValueError(f"{b.size} bits are not a multiple of {k} bits per symbol")
    if b.size < link_kernels.COMPILED_MIN:
        return _gray_encode_numpy(b.reshape(-1, k))
    out = np.empty(b.size // k, dtype=np.uint8)
    if k == 2:                           # PAM4: the bit pairs as little-endian uint16
        link_kernels.gray_encode_pairs(b.view("<u2"), out)
    else:
        link_kernels.gray_encode(b, k, out)
    return out


def _gray_encode_numpy(b) -> np.ndarray:
    """Gray words of the bit rows b [n, k] (MSB first) -> level indices (uint8)."""
    gray = np.zeros(b.shape[0], dtype=np.uint8)
    for j in range(b.shape[1]):
        gray = (gray << 1) | b[:, j]
    idx = gray.copy()
    shift = gray >> 1
    while np.any(shift):                   # Gray -> binary: xor of all right shifts
        idx ^= shift
        shift = shift >> 1
    return idx


def symbols_to_bits(symbols, fmt: str) -> np.ndarray:
    """Level indices -> bits (inverse of :func:`bits_to_symbols`; compiled,
    :func:`link_kernels.gray_decode`)."""
    k = bits_per_symbol(fmt)
    s = np.ascontiguousarray(symbols, dtype=np.uint8).reshape(-1)
    out = np.empty(s.size * k, dtype=np.uint8)
    if s.size < link_kernels.COMPILED_MIN:
        gray = s ^ (s >> 1)
        for j in range(k):
            out[j::k] = (gray >> (k - 1 - j)) & 1
    elif k == 2:
        link_kernels.gray_decode_pairs(s, out.view("<u2"))
    else:
        link_kernels.gray_decode(s, k, out)
    return out


def values(symbols, fmt: str) -> np.ndarray:
    """Normalised levels (2 i - (M-1)) / (M-1) in [-1, 1] (float32)."""
    m = order(fmt)
    x = np.array(symbols, dtype=np.float32)      # a copy, then in place: no temporaries
    x *= 2
    x -= m - 1
    x /= m - 1
    return x


def shape(x, sps: int, pulse: str = "nrz", rolloff: float = 0.2) -> np.ndarray:
    """Pulse-shape symbol values x at ``sps`` samples per symbol.

    'nrz': rectangular (each value held for sps samples);
    'rc' : raised cosine of roll-off ``rolloff`` (zero ISI at the symbol
    instants n sps), applied in the frequency domain on a circular block.
    """
    x = np.asarray(x, dtype=np.float32)
    if pulse == "nrz":                         # np.repeat(x, sps), compiled (6x faster)
        if x.size < link_kernels.COMPILED_MIN:
            return np.repeat(x, sps)
        out = np.empty(x.size * sps, dtype=np.float32)
        link_kernels.hold(np.ascontiguousarray(x).reshape(-1), int(sps), out)
        return out
    if pulse != "rc":
        raise ValueError(f"pulse must be 'nrz' or 'rc', got {pulse!r}")
    up = np.zeros(x.size * sps, dtype=np.float32)
    up[::sps] = x * sps
    return filters.apply_real(up, float(sps), lambda f: raised_cosine(f, 1.0, rolloff))


def raised_cosine(f, baud: float, rolloff: float):
    """Raised-cosine spectrum (unit DC gain / sps normalisation by caller)."""
    f = np.abs(np.asarray(f, dtype=float)) / baud
    lo, hi = (1 - rolloff) / 2, (1 + rolloff) / 2
    h = np.where(f <= lo, 1.0, 0.0)
    band = (f > lo) & (f <= hi)
    return h + np.where(band, 0.5 * (1 + np.cos(np.pi / max(rolloff, 1e-12) * (f - lo))), 0.0)


def sample(x, sps: int, phase: int = 0) -> np.ndarray:
    """Symbol-centre samples x[phase::sps] of a waveform [..., samples]."""
    return np.asarray(x)[..., phase::sps]


def level_means(samples, symbols, m: int) -> np.ndarray:
    """Mean received value of each transmitted level (data aided; NaN if absent)."""
    counts, sums, _ = level_sums(samples, symbols, m, squares=False)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


def level_sums(samples, symbols, m: int, squares: bool = True):
    """(counts, sums, sums of squares) of the received values per transmitted
    level, float64 (squares None when not asked for); one compiled pass
    (:func:`link_kernels.level_sums`), summing in sample order as
    ``np.bincount`` does.  Levels >= m are ignored."""
    y = np.asarray(samples)
    if y.dtype not in (np.float32, np.float64):
        y = y.astype(np.float64)
    s = np.asarray(symbols)
    if s.dtype != np.uint8:
        s = s.astype(np.intp)
        if s.size and s.min() < 0:
            raise ValueError("symbols must be non-negative level indices")
    if y.ndim != 1 or s.ndim != 1 or y.size != s.size:
        raise ValueError(f"samples {y.shape} and symbols {s.shape} must be 1-d of one length")
    if y.size < link_kernels.COMPILED_MIN:
        yf = y.astype(np.float64)
        return (np.bincount(s, minlength=m)[:m], np.bincount(s, weights=yf, minlength=m)[:m],
                np.bincount(s, weights=yf * yf, minlength=m)[:m] if squares else None)
    counts = np.zeros(m, np.int64)
    sums = np.zeros(m)
    sq = np.zeros(m)
    link_kernels.level_sums(y, s, m, counts, sums, sq)
    return counts, sums, (sq if squares else None)


def thresholds(means) -> np.ndarray:
    """Decision thresholds half way between adjacent sorted level means."""
    means = np.asarray(means, dtype=float)
    return (means[:-1] + means[1:]) / 2


def decide(samples, thr) -> np.ndarray:
    """Threshold decisions: level index = number of (ascending) thresholds
    below the sample (one compiled pass, :func:`link_kernels.decide`)."""
    return _decide(samples, thr, np.arange(len(thr) + 1, dtype=np.uint8))


def _decide(samples, thr, lut) -> np.ndarray:
    """lut[number of thresholds below the sample]; the thresholds are compared
    in the samples' dtype (float32 or float64; other samples as float64)."""
    y = np.asarray(samples)
    if y.dtype not in (np.float32, np.float64):
        y = y.astype(np.float64)
    y = np.ascontiguousarray(y)              # a strided y (symbol centres) is copied:
    thr = np.asarray(thr, dtype=y.dtype)     # the compiled passes vectorise contiguous data
    if y.size < link_kernels.COMPILED_MIN:
        count = np.zeros(y.shape, dtype=np.uint8)
        for t in thr:
            count += y > t
        return lut[count]
    out = np.empty(y.shape, dtype=np.uint8)
    link_kernels.decide(y.reshape(-1), thr, lut, out.reshape(-1))
    return out


def snr_estimate(samples, symbols, m: int) -> float:
    """Electrical SNR (linear): variance of the level means (weighted by
    occurrence) / mean within-level noise variance, from one pass of sums
    and sums of squares per level."""
    return snr_from_sums(*level_sums(samples, symbols, m))


def snr_from_sums(counts, sums, squares) -> float:
    """:func:`snr_estimate` from the per-level (counts, sums, squares)."""
    present = counts > 0
    n = counts.sum()
    noise = (squares.sum() - np.sum(sums[present] ** 2 / counts[present])) / n
    signal = np.sum(sums[present] ** 2 / counts[present]) / n - (sums.sum() / n) ** 2
    return float(signal / noise) if noise > 0 else float("inf")


def count_bit_errors(tx_bits, rx_bits) -> int:
    """Number of positions where the bit sequences differ (long uint8 records
    counted in one compiled pass, without a full-size comparison array)."""
    a, b = np.asarray(tx_bits), np.asarray(rx_bits)
    if (a.size >= link_kernels.COMPILED_MIN and a.shape == b.shape
            and a.dtype == b.dtype == np.uint8):
        return int(link_kernels.count_different(a.reshape(-1), b.reshape(-1)))
    return int(np.count_nonzero(a != b))


def ber_ci95(errors: int, bits: int) -> tuple[float, float]:
    """Clopper-Pearson 95 % interval of the BER."""
    ci = stats.binomtest(int(errors), int(bits)).proportion_ci(confidence_level=0.95, method="exact")
    return float(ci.low), float(ci.high)


def ber_awgn(snr, m: int) -> np.ndarray:
    """Closed-form Gray M-PAM BER in AWGN vs electrical SNR (linear),
    SER/log2 M with SER = 2(1-1/M) Q(sqrt(3 SNR/(M^2-1)))."""
    q = 0.5 * special.erfc(np.sqrt(3 * np.asarray(snr, dtype=float) / (m * m - 1)) / np.sqrt(2))
    return 2 * (1 - 1 / m) * q / np.log2(m)


def receive(waveform, sps: int, tx_symbols, fmt: str, phase_symbols: int = 65536):
    """Reference receiver on a waveform at ``sps`` samples/symbol.

    Picks the sampling phase with the highest SNR on the first
    ``phase_symbols`` symbols, estimates the level means on all of them
    (data aided), decides with mid-point thresholds and returns
    (rx_symbols, snr_linear, phase)."""
    m = order(fmt)
    tx_symbols = np.asarray(tx_symbols)
    head = tx_symbols[:phase_symbols]

    def head_snr(phase):
        y = sample(waveform, sps, phase)[: head.size]
        return snr_estimate(y, head[: y.size], m)

    phase = max(range(sps), key=head_snr)
    y = sample(waveform, sps, phase)[: tx_symbols.size]
    s = tx_symbols[: y.size]
    counts, sums, squares = level_sums(y, s, m)        # one pass for means and SNR
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    order_idx = np.argsort(means)       # decisions in received-level order
    rx = _decide(y, thresholds(means[order_idx]), order_idx.astype(np.uint8))
    return rx, snr_from_sums(counts, sums, squares), phase
