"""Pure parts of the GUI checked against closed-form expectations."""
from __future__ import annotations

import numpy as np
import pytest

from gui.eye import eye_histogram
from gui.live_plots import RunRecord, ber_curves
from gui.param_form import ParamForm
from gui.patterns import pam_codes, pam_levels
from gui.sequence_runner import time_remaining
from gui.settings_spec import spec
from labctl.engine import ParameterError
from labctl.roles import SafetyLimitError


def test_eye_of_noiseless_nrz_has_two_levels_evenly_spread():
    # NRZ at 4 samples/symbol: each (phase, level) cell gets N / (time_bins) x P(level)
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, 1000)
    volts = np.repeat(bits * 1.0, 4)
    eye = eye_histogram(volts, 4, ui=2, time_bins=8, volt_bins=10)
    assert eye.counts.sum() == volts.size
    occupied = np.nonzero(eye.counts.sum(axis=0))[0]
    assert list(occupied) == [0, 9]                       # only the two rails
    per_time_bin = eye.counts.sum(axis=1)
    assert np.all(per_time_bin == volts.size // 8)        # phase = (i / sps) mod 2 fills bins evenly
    ones = eye.counts[:, 9].sum()
    assert ones == 4 * bits.sum()


def test_eye_with_fractional_samples_per_symbol_folds_on_the_symbol_clock():
    # a sine at the symbol rate sampled at 5.5 Sa/symbol folds onto one fixed curve
    sps = 5.5
    n = np.arange(11_000)
    volts = np.sin(2 * np.pi * n / sps)
    eye = eye_histogram(volts, sps, ui=1, time_bins=10, volt_bins=63)  # no edge at 0 V
    # 11 distinct phases k/11, each with one voltage: 11 occupied cells of 1000 samples each
    occupied = eye.counts[eye.counts > 0]
    assert occupied.size == 11 and np.all(occupied == 1000)


def test_eye_bins_hold_whole_adc_codes():
    step = 0.01
    volts = np.arange(0, 100) * step                      # 100 consecutive codes
    eye = eye_histogram(np.tile(volts, 10), 1.0, ui=1, time_bins=1, volt_bins=30, step=step)
    counts = eye.counts[0]
    assert counts.size == 25 and np.all(counts == counts[0])  # 4 codes per bin, no empty stripes


def test_pam_levels_and_codes():
    assert list(pam_levels(4, 8)) == [0, 85, 170, 255]
    assert list(pam_levels(2, 10)) == [0, 1023]
    codes = pam_codes(np.random.default_rng(1), 4, 100, 3, 8)
    assert codes.size == 300 and set(np.unique(codes)) <= {0, 85, 170, 255}
    assert np.all(codes[0::3] == codes[1::3])
    with pytest.raises(ValueError):
        pam_levels(1, 8)


def test_time_remaining_extrapolates_mean_step_time():
    assert time_remaining(10.0, 4, 10) == pytest.approx(15.0)
    assert time_remaining(10.0, 0, 10) is None and time_remaining(1.0, 1, None) is None


def test_setting_spec_units_and_limits():
    from labctl.bench import load_bench
    bench = load_bench()
    power = spec("laser", "power")
    limits = bench.instruments["laser_b"].limits              # 0.010 W
    assert power.to_si(5.0) == pytest.approx(5e-3) and power.to_display(2e-3) == pytest.approx(2.0)
    assert power.display_maximum(limits) == pytest.approx(10.0)
    power.check("laser_b", 0.009, limits)
    with pytest.raises(SafetyLimitError, match="safety limit"):
        power.check("laser_b", 0.011, limits)
    assert spec("powermeter", "wavelength").to_si(1550.0) == pytest.approx(1550e-9)


def test_param_form_parses_like_the_command_line(qtbot):
    import sequences
    form = ParamForm(sequences.get("ber-sweep"))
    qtbot.addWidget(form)
    values = form.values()
    assert values == sequences.get("ber-sweep").resolve_params()   # defaults round-trip through text
    form.set_text("rop_dbm", "-20, -10")
    form.set_text("symbols", "1024")
    assert form.values()["rop_dbm"] == [-20.0, -10.0] and form.values()["symbols"] == 1024
    form.set_text("formats", "pam2, pam8")
    assert "background" in form.inputs["formats"].styleSheet()
    with pytest.raises(ParameterError, match="formats"):
        form.values()


def test_ber_curves_select_power_sweep_and_group_by_order():
    streams = {n: {"group": "data", "shape": (), "unit": u} for n, u in
               (("sweep", "1"), ("pam_order", "1"), ("rop_dbm", "dBm"), ("ber", "1"), ("ber_theory", "1"))}
    record = RunRecord({"streams": streams})
    rows = [(0, 2, -20, 1e-3, 2e-3), (0, 4, -20, 1e-2, 2e-2), (1, 2, -16, 5e-4, 1e-4), (0, 2, -18, 1e-5, 1e-5)]
    for s, m, p, b, t in rows:
        record.add({"data": {"sweep": (s, "1"), "pam_order": (m, "1"), "rop_dbm": (p, "dBm"),
                             "ber": (b, "1"), "ber_theory": (t, "1")}, "metrics": {}, "images": {}})
    curves = {label: (x, y, t) for label, x, y, t in ber_curves(record)}
    assert set(curves) == {"PAM2", "PAM4"}
    assert list(curves["PAM2"][0]) == [-20, -18] and list(curves["PAM2"][1]) == [1e-3, 1e-5]
