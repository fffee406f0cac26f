"""The scope's sampling of the periodic optical signal (OpticalTable._sample)
against the exact Fourier evaluation of the band-limited periodic signal
x(t) = (1/n) sum_k c_k X_k H_rx(f_k) exp(j 2 pi f_k t) at the scope instants."""
import numpy as np
import scipy.fft as sfft

from labctl.mvm.bench_io import TableIO
from sim_backends.physics import filters
from sim_backends.table import NoiseSwitches


def test_scope_instants_match_the_exact_fourier_evaluation(wdm_bench):
    table = TableIO(wdm_bench, seed=1, noise=NoiseSwitches.none()).table
    n, fs_sim, fs, points = 8192, 92e9, 128e9, 3000
    period = n / fs_sim
    rng = np.random.default_rng(3)
    f = sfft.rfftfreq(n, 1 / fs_sim)
    # a modulator output: held symbols through the DAC x modulator bandwidth, cos^2
    v = np.repeat(rng.uniform(-0.25, 0.25, 256), 32) + rng.normal(0, 0.003, n)
    v = sfft.irfft(sfft.rfft(v) * filters.gaussian(f, 32e9) * np.sinc(f / fs_sim)
                   * filters.gaussian(f, 35e9), n=n)
    x = 1e-3 * np.cos(np.pi * (10 * v - 2.5) / 10) ** 2
    det = {"n": n, "period": period}
    got = table._sample(x[None, None], det, fs, points, 33e9, 2)[0, 0]
    pd_bw = wdm_bench.topology.devices.photodiode.bandwidth_hz
    spec = sfft.rfft(x) * filters.gaussian(f, pd_bw) * filters.gaussian(f, 33e9)
    c = np.full(spec.size, 2.0)
    c[0] = 1.0                      # the zero-padded spectrum keeps the Nyquist bin twice
    t = np.arange(points) / fs
    k = np.arange(spec.size)
    exact = np.real(np.exp(2j * np.pi * np.outer(t / period, k)) @ (c * spec)) / n
    err = np.abs(got - exact).max() / exact.max()
    assert err < 4e-3
