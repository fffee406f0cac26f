"""BER of the edge -> centre links at the operating point the products use.

Every input port sends Gray-coded PAM symbols (levels 0, 1/(M-1), ..., 1 of the
calibrated modulator transmission) through its metro span, and the micro-ring
bank is set to a permutation (ring (p, k(p, q = p)) fully on, every other ring
off) so each photodiode sees exactly one port: the same frames, calibration and
DSP as the matrix products, only the weights differ. Decisions use the
thresholds half way between the level means measured on the payload itself
(data-aided, :func:`sim_backends.physics.pam.thresholds`); errors are counted
against the bits sent, with the 95 % Clopper-Pearson interval of
:func:`labctl.metrics.ber`.
"""
from __future__ import annotations

import numpy as np

from labctl.metrics import BerEstimate, ber
from sim_backends.physics import pam


def measure_link_ber(engine, fmt: str = "pam4", frames: int = 4, seed: int = 0) -> tuple[BerEstimate, float]:
    """(BER estimate, electrical SNR in dB) of every port -> its own output, ``frames`` frames.

    ``engine``: a :class:`labctl.mvm.engine.OpticalEngine` on a wdm bench.
    """
    if not engine.scheme.measures_link_ber:
        raise ValueError("link BER through the ring bank needs a wdm bench")
    if frames < 1:
        raise ValueError(f"frames must be at least 1, not {frames}")
    m, k = pam.order(fmt), pam.bits_per_symbol(fmt)
    n, payload = engine.topo.centre.ports, engine.frame.payload
    rng = np.random.default_rng(seed)
    sent, samples, symbols = [], [], []
    for _ in range(frames):
        bits = pam.random_bits(rng, n * payload * k)
        sym = pam.bits_to_symbols(bits, fmt).reshape(n, payload)
        y = engine.tile_product(np.eye(n), sym / (m - 1), signed=False)
        samples.append(y.reshape(-1))
        symbols.append(sym.reshape(-1))
        sent.append(bits)
    y, s = np.concatenate(samples), np.concatenate(symbols)
    decided = pam.decide(y, pam.thresholds(pam.level_means(y, s, m)))
    received = pam.symbols_to_bits(decided, fmt)
    snr = pam.snr_estimate(y, s, m)
    return ber(np.concatenate(sent), received), float(10 * np.log10(snr))
