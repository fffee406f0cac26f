"""The main job: `generate` through the drivers over sockets, its run file and CLI."""
from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from labctl.cli import main
from labctl.engine import RunEngine


def _params(tiny_models, calibration_file, backend, **extra):
    return {"models": ["digits-vae"], "count": 3, "batch": 2, "backend": backend, "ber_frames": 1,
            "calibration": str(calibration_file), "models_dir": str(tiny_models), **extra}


@pytest.fixture(scope="module")
def socket_run(tiny_models, calibration_file, bench, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "bench.h5"
    result = RunEngine(progress=False).run("generate", _params(tiny_models, calibration_file, "bench"),
                                           bench, out=out, seed=bench.seed)
    assert result.status == "completed", result.error
    return out


def test_socket_run_follows_the_contract(socket_run, tiny_models, calibration_file):
    with h5py.File(socket_run, "r") as f:
        entry = f["entry"]
        assert entry.attrs["status"] == "completed" and entry.attrs["sequence"] == "generate"
        for kind in ("optical", "digital"):
            images = entry["images"][kind]
            assert images.dtype == np.uint8 and images.shape == (3, 8, 8)
        metrics = entry["metrics"]
        for name in ("psnr_db", "ssim", "label_agreement", "effective_bits", "ber", "ber_ci95",
                     "energy_mw_per_tops", "pj_per_mac", "energy/amplifiers",
                     *(f"energy/{b}/{k}" for b in ("bench", "system", "centre")
                       for k in ("mw_per_tops", "pj_per_mac", "power_w", "tias"))):
            assert "units" in metrics[name].attrs, name
        e = {b: metrics[f"energy/{b}/mw_per_tops"][0] for b in ("bench", "system", "centre")}
        assert e["centre"] <= e["system"] <= e["bench"]
        assert e["bench"] == metrics["energy_mw_per_tops"][0]     # today's key: the bench boundary
        assert metrics["effective_bits"].shape == (1, 3)      # three layers of the tiny decoder
        lo, hi = metrics["ber_ci95"][0]
        assert lo <= metrics["ber"][0] <= hi
        assert metrics["bits"][0] == 1 * 8 * 128 * 2           # one frame, 8 ports, PAM4
        prov = entry["provenance"]
        assert prov["calibration_file"][()].decode() == str(calibration_file)
        manifest = json.loads((tiny_models / "digits-vae.json").read_text())
        weights = prov["model_weights"]
        text = weights[()].decode() if isinstance(weights, h5py.Dataset) else json.dumps(dict(weights.attrs))
        assert manifest["sha256"] in text


def test_socket_path_gives_the_in_process_images(socket_run, tiny_models, calibration_file, bench, tmp_path):
    """The drivers only move bytes: same bench, seed and calibration -> the same images.

    (The simulated SCPI servers draw their noise from the bench file's seed, as a
    real bench would not take one over the wire; the in-process run uses the same.)
    """
    out = tmp_path / "sim.h5"
    result = RunEngine(progress=False).run("generate", _params(tiny_models, calibration_file, "sim"),
                                           bench, out=out, seed=bench.seed)
    assert result.status == "completed", result.error
    with h5py.File(socket_run, "r") as a, h5py.File(out, "r") as b:
        assert np.array_equal(a["entry/images/optical"][()], b["entry/images/optical"][()])
        assert np.array_equal(a["entry/images/digital"][()], b["entry/images/digital"][()])


def test_abort_stops_generate_inside_its_first_batch(tiny_models, calibration_file, bench, tmp_path):
    """An abort requested as the run starts ends it during the first batch's products
    (the frame hook), not after the batch: no step is recorded and the file says so."""
    engine = RunEngine(progress=False)
    engine.subscribe(lambda doc: engine.abort() if doc["kind"] == "start" else None)
    out = tmp_path / "aborted.h5"
    result = engine.run("generate", _params(tiny_models, calibration_file, "sim"), bench, out=out)
    assert (result.status, result.steps) == ("aborted", 0)
    with h5py.File(out, "r") as f:
        assert f["entry"].attrs["status"] == "aborted"


def test_psnr_in_file_matches_the_images(socket_run):
    from labctl.imaging import psnr
    with h5py.File(socket_run, "r") as f:
        o, d = f["entry/images/optical"][()], f["entry/images/digital"][()]
        assert f["entry/metrics/psnr_db"][0] == pytest.approx(psnr(d, o))


@pytest.mark.parametrize("argv, option", [
    (["generate", "--model", "no-such-model"], "--model"),
    (["generate", "--count", "0"], "--count"),
    (["generate", "--backend", "gpu"], "--backend"),
    (["generate", "--bench", "/no/such/bench.toml"], "bench"),
    (["generate", "--calibration", "/no/such/cal.h5"], "--calibration"),
])
def test_cli_errors_are_one_line(argv, option, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and option in err


def test_cli_lists_models(capsys):
    assert main(["generate", "--list"]) == 0
    names = capsys.readouterr().out.split()
    assert "fashion-vae" in names and "digits-gan" in names


def test_cli_writes_the_file_and_a_contact_sheet(tiny_models, calibration_file, tmp_path, capsys):
    from PIL import Image
    out = tmp_path / "run.h5"
    code = main(["generate", "--model", "digits-vae", "--models-dir", str(tiny_models), "--count", "2",
                 "--calibration", str(calibration_file), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0, printed
    sheet = tmp_path / "run.png"
    assert f"run file:      {out}" in printed and f"contact sheet: {sheet}" in printed
    with Image.open(sheet) as image:
        assert image.width > 2 * image.height > 0   # two grids side by side
    with h5py.File(out, "r") as f:
        assert f["entry"].attrs["status"] == "completed"
        assert f["entry/images/optical"].shape == (2, 8, 8)


def test_run_generate_with_unknown_model_is_one_line(capsys, tmp_path):
    assert main(["run", "generate", "--set", "models=no-such-model", "--out", str(tmp_path / "x.h5")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no-such-model" in err
    assert not (tmp_path / "x.h5").exists()
