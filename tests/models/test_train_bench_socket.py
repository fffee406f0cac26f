"""``labctl train --through bench``: physics-aware fine-tuning through the drivers over
loopback sockets (the simulated SCPI servers of the high-rate bench on 127.0.0.1).

The drivers only move bytes: with the same bench, seed and calibration, the socket run
and the in-process run (``--through sim``) upload the same codes and read the same scope
records, so every step's losses, gradient norm and the final weights are the same.
The simulated servers draw their noise from the bench file's seed (a real bench takes
none over the wire), so both runs use ``--seed`` = the bench's seed.
"""
from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

pytest.importorskip("torch", reason="PyTorch (the optional 'train' extra) is not installed")

from test_physics_aware import NAME, save_tiny_decoder  # noqa: E402

from labctl import sim_servers  # noqa: E402
from labctl.bench import load_bench  # noqa: E402
from labctl.cli import main  # noqa: E402
from labctl.models.weights import load_weights  # noqa: E402
from labctl.mvm import SimBackend  # noqa: E402
from labctl.training.physics_aware import arrays_sha256  # noqa: E402

STEPS = 3


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same fine-tuning through sockets and in process: {through: (run file, out dir)}."""
    tmp = tmp_path_factory.mktemp("socket-train")
    save_tiny_decoder(tmp / "tiny")
    bench = load_bench("high-rate")
    cal = tmp / "cal.h5"
    with SimBackend(bench, seed=bench.seed) as backend:
        backend.calibration.save(cal)
    out, served = {}, []
    real_start = sim_servers.start

    def start(bench, *args, **kw):      # the real servers, counted (which run served sockets)
        servers = real_start(bench, *args, **kw)
        served.append(servers)
        return servers

    for through in ("bench", "sim"):
        run, weights = tmp / f"{through}.h5", tmp / f"out-{through}"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sim_servers, "start", start)
            code = main(["train", NAME, "--through", through, "--bench", "high-rate",
                         "--models-dir", str(tmp / "tiny"), "--steps", str(STEPS), "--batch",
                         "8", "--lr", "1e-3", "--eval-count", "0", "--seed", str(bench.seed),
                         "--calibration", str(cal), "--out", str(weights), "--run", str(run)])
        assert code == 0, through
        out[through] = (run, weights, len(served))
    return out


def test_socket_run_logs_losses_per_step_and_the_weights_sha256(runs):
    run, weights, served = runs["bench"]
    assert served == 1 and runs["sim"][2] == 1      # SCPI servers for the bench run only
    manifest = json.loads((weights / f"{NAME}.json").read_text())
    assert manifest["fine_tuned"]["through"] == "bench"
    with h5py.File(run, "r") as f:
        entry = f["entry"]
        assert entry.attrs["status"] == "completed"
        data = entry["data"]
        assert list(data["step"][:STEPS]) == list(range(STEPS))
        for name in ("loss_optical", "loss_digital", "psnr_optical_db", "grad_norm"):
            assert data[name].shape == (STEPS + 1,)             # the steps + the "saved" row
            assert np.isfinite(data[name][:STEPS]).all(), name
        assert (data["loss_optical"][:STEPS] > 0).all()
        assert json.loads(entry["provenance/parameters"][()])["through"] == "bench"
        metrics = entry["metrics"]
        assert metrics["weights_sha256"][-1].decode() == manifest["sha256"]
        content = arrays_sha256(load_weights(NAME, weights)[1])
        assert metrics["weights_content_sha256"][-1].decode() == content


def test_socket_run_equals_the_in_process_run(runs):
    """Same losses step by step and the same final weights: the drivers only move bytes."""
    files = {t: h5py.File(runs[t][0], "r") for t in runs}
    try:
        for name in ("loss_optical", "loss_digital", "grad_norm"):
            np.testing.assert_array_equal(files["bench"][f"entry/data/{name}"][:STEPS],
                                          files["sim"][f"entry/data/{name}"][:STEPS])
        sha = {t: f["entry/metrics/weights_content_sha256"][-1] for t, f in files.items()}
        assert sha["bench"] == sha["sim"]
    finally:
        for f in files.values():
            f.close()
