"""Link composition: determinism, noise switches, BER vs theory, CLI."""
import dataclasses
import json

import numpy as np
import pytest
from physics_theory import q_function

from labctl.cli import main
from sim_backends.physics import link, pam
from sim_backends.physics.fibre import Fibre

SMALL = link.LinkConfig(symbols=8192)


def test_same_seed_gives_identical_scope_bytes():
    a = link.run(SMALL, seed=3)
    b = link.run(SMALL, seed=3)
    assert a.codes.dtype == np.uint16
    assert a.codes.tobytes() == b.codes.tobytes()


def test_different_seed_gives_different_noise():
    a = link.run(SMALL, seed=3).codes
    b = link.run(SMALL, seed=4).codes
    assert not np.array_equal(a, b)


def test_noise_switches_raise_the_snr_one_source_at_a_time():
    """Error budget: at low ROP the thermal noise dominates, so switching only
    it off raises the SNR a lot; switching everything off raises it more."""
    cfg = dataclasses.replace(SMALL, rop_dbm=-20.0)
    noisy = link.run(cfg, seed=1).snr_db
    no_thermal = link.run(dataclasses.replace(cfg, pd=dataclasses.replace(cfg.pd, thermal=False)), seed=1).snr_db
    silent = link.run(cfg.noiseless(), seed=1).snr_db
    assert no_thermal > noisy + 3.0
    assert silent >= no_thermal - 0.1


def test_ber_falls_with_received_power():
    bers = [link.run(dataclasses.replace(SMALL, rop_dbm=p), seed=1).ber for p in (-20.0, -14.0)]
    assert bers[0] > bers[1]


def test_thermal_limited_back_to_back_ber_matches_theory():
    """PAM2 back to back, thermal-noise limited: the BER counted on the scope
    codes must match the closed form at the SNR the receiver measured."""
    cfg = dataclasses.replace(SMALL, format="pam2", symbols=200_000, rop_dbm=-21.0,
                              spans=(Fibre(length=0.0),))
    r = link.run(cfg, seed=2)
    snr = 10 ** (r.snr_db / 10)
    theory = q_function(np.sqrt(snr))       # PAM2: 2(1-1/2) Q(sqrt(3 SNR / 3)) / 1
    lo, hi = r.ber_ci95
    assert r.bit_errors > 50
    assert lo <= theory <= hi, (r.ber, theory, lo, hi)


def test_cli_prints_json_with_required_fields(capsys):
    rc = main(["sim", "ber", "--format", "pam4", "--baud", "10e9", "--length-km", "20", "--rop-dbm", "-12",
               "--symbols", "4096", "--seed", "1", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("ber", "ber_ci95", "bit_errors", "bits", "snr_db", "rop_dbm", "seed"):
        assert key in out
    assert out["bits"] == 8192 and out["seed"] == 1 and out["rop_dbm"] == -12
    assert out["ber_ci95"][0] <= out["ber"] <= out["ber_ci95"][1]


@pytest.mark.parametrize("args,option", [
    (["--length-km", "-1"], "--length-km"),
    (["--format", "pam8"], "--format"),
    (["--symbols", "0"], "--symbols"),
    (["--baud", "0"], "--baud"),
    (["--seed", "-2"], "--seed"),
    (["--channels", "0"], "--channels"),
])
def test_cli_rejects_invalid_values_naming_the_option(capsys, args, option):
    assert main(["sim", "ber", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and option in err


def test_pam_ber_against_opticommpy():
    """OptiCommPy (GPL, optional oracle): its theoretical PAM BER in AWGN must
    agree with the closed form our reference receiver is tested against."""
    metrics = pytest.importorskip("optic.comm.metrics", reason="OptiCommPy (GPL, optional oracle) is not installed")
    for m, snr_db in ((2, 10.0), (4, 16.0)):
        snr = 10 ** (snr_db / 10)
        ebn0_db = snr_db - 10 * np.log10(2 * np.log2(m))       # SNR = 2 log2(M) Eb/N0
        ref = metrics.theoryBER(m, ebn0_db, "pam")
        assert np.isclose(pam.ber_awgn(snr, m), ref, rtol=0.02), (m, ref)


def test_wdm_link_is_vectorised_over_wavelengths():
    """Four comb lines, each with its own data: without demux crosstalk every
    channel matches a single-laser link at its wavelength (noiseless, SNR set by
    dispersion ISI and quantisation); with crosstalk the inner channels, which
    have two adjacent neighbours, lose more SNR than the edge channels."""
    from sim_backends.physics.laser import CombSource, Laser
    from sim_backends.physics.mux import Demux

    comb = CombSource(lines=4, spacing=100e9)
    base = dataclasses.replace(SMALL, symbols=16384, comb=comb, demux=Demux(crosstalk=False)).noiseless()
    wdm = link.run(base, seed=4)
    assert wdm.codes.shape == (4, 16384 * 2) and len(wdm.ber_per_channel) == 4
    for ch, lam in enumerate(comb.wavelengths):
        single = link.run(dataclasses.replace(base, comb=None, laser=Laser(wavelength=float(lam), noise=False)),
                          seed=4)
        assert abs(single.snr_db - wdm.snr_db_per_channel[ch]) < 0.3
    leaky = link.run(dataclasses.replace(base, demux=Demux(adjacent_xt_db=-20.0, nonadjacent_xt_db=-30.0)), seed=4)
    loss = np.array(wdm.snr_db_per_channel) - np.array(leaky.snr_db_per_channel)
    assert np.all(loss > 0.01)
    assert min(loss[1], loss[2]) > max(loss[0], loss[3])


def test_wdm_same_seed_same_bytes():
    from sim_backends.physics.laser import CombSource
    cfg = dataclasses.replace(SMALL, symbols=4096, comb=CombSource(lines=3))
    assert link.run(cfg, 2).codes.tobytes() == link.run(cfg, 2).codes.tobytes()
