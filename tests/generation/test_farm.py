"""Scale-out on a real Dask LocalCluster (2 worker processes on 127.0.0.1):
farmed frames give the serial run's bytes, a killed worker's chunk is re-run,
an abort from the parent cancels what is outstanding."""
from __future__ import annotations

import os
import signal

import h5py
import numpy as np
import pytest

from labctl.cli import main
from labctl.engine import RunAborted
from labctl.farm import Farm
from labctl.mvm import SimBackend
from labctl.mvm.farmed import FarmRunner

#: bounded wait for the scheduler to forget cancelled tasks (s)
FORGET_S = 20


@pytest.fixture(scope="module")
def farm():
    with Farm(workers=2) as f:
        yield f


def _generate(argv_extra, tiny_models, calibration_file, out, capsys):
    code = main(["generate", "--model", "digits-vae", "--models-dir", str(tiny_models), "--count", "3",
                 "--calibration", str(calibration_file), "--out", str(out)] + argv_extra)
    printed = capsys.readouterr().out
    assert code == 0, printed
    return printed


@pytest.mark.parametrize("batch, tasks", [(2, "whole batches"), (4, "frames of each product")])
def test_workers_2_give_the_serial_images_and_metrics(batch, tasks, tiny_models, calibration_file,
                                                      tmp_path, capsys):
    """2 batches on 2 workers: each batch one Dask task; 1 batch: its products'
    frames farmed. Either way the serial run's images and metrics, byte for byte."""
    extra = ["--batch", str(batch)]
    _generate(extra, tiny_models, calibration_file, tmp_path / "serial.h5", capsys)
    printed = _generate(extra + ["--workers", "2"], tiny_models, calibration_file,
                        tmp_path / "farm.h5", capsys)
    assert "dask: 2 workers; dashboard http://127.0.0.1:" in printed
    with h5py.File(tmp_path / "serial.h5", "r") as a, h5py.File(tmp_path / "farm.h5", "r") as b:
        assert b["entry"].attrs["status"] == "completed"
        assert b["entry/provenance/dask_tasks"][()].decode() == tasks
        assert "dask_tasks" not in a["entry/provenance"]
        for name in ("optical", "digital"):
            assert a[f"entry/images/{name}"][()].tobytes() == b[f"entry/images/{name}"][()].tobytes()
        metrics = [k for k in a["entry/metrics"] if isinstance(a[f"entry/metrics/{k}"], h5py.Dataset)]
        assert "psnr_db" in metrics and "effective_bits" in metrics
        for key in metrics:
            assert a[f"entry/metrics/{key}"][()].tobytes() == b[f"entry/metrics/{key}"][()].tobytes(), key


def test_scheduler_option_joins_an_existing_cluster(farm, tiny_models, calibration_file, tmp_path,
                                                    capsys):
    """`--scheduler ADDRESS` farms to a scheduler started elsewhere (here the
    module's 2-worker LocalCluster on 127.0.0.1): its workers run the batches,
    the images are the serial run's, and the command leaves the cluster running."""
    address = farm.cluster.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    done0 = _task_count(farm)
    extra = ["--batch", "2"]
    _generate(extra, tiny_models, calibration_file, tmp_path / "serial.h5", capsys)
    printed = _generate(extra + ["--scheduler", address], tiny_models, calibration_file,
                        tmp_path / "joined.h5", capsys)
    assert "dask: 2 workers" in printed
    assert _task_count(farm) >= done0 + 2                      # its two batches ran there
    with h5py.File(tmp_path / "serial.h5", "r") as a, h5py.File(tmp_path / "joined.h5", "r") as b:
        assert b["entry/provenance/dask_tasks"][()].decode() == "whole batches"
        assert a["entry/images/optical"][()].tobytes() == b["entry/images/optical"][()].tobytes()
    assert farm.size == 2                                      # still up for others


def test_unreachable_scheduler_raises_a_farm_error_naming_it():
    """Nothing listens on the address: FarmError naming it (the CLI prints it
    as one line, exit 2), within the connect timeout."""
    import socket

    from labctl.farm import FarmError
    with socket.socket() as s:                  # a free port, closed again: nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FarmError, match=f"127.0.0.1:{port}"):
        with Farm(scheduler=f"tcp://127.0.0.1:{port}", connect_timeout_s=1.0):
            pass


def _task_count(farm) -> int:
    """Tasks the scheduler has completed since it started (its task-stream log)."""
    return farm.client.run_on_scheduler(
        lambda dask_scheduler: sum(1 for e in dask_scheduler.get_task_stream()
                                   if e.get("status") == "OK"))


def _product(seed=5):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (48, 32)), rng.uniform(0, 1, (32, 8))


def test_a_killed_worker_is_replaced_and_the_product_completes(farm, bench, calibration_file):
    w, x = _product()
    serial = SimBackend(bench, seed=2, calibration=str(calibration_file)).engine.matmul(w, x)[0]
    pids = list(farm.client.run(os.getpid).values())
    engine = SimBackend(bench, seed=2, calibration=str(calibration_file)).engine
    engine.runner = FarmRunner(farm)
    killed = []

    def kill_one_worker():          # called while the parent waits for the first chunk
        if not killed:
            killed.append(pids[0])
            os.kill(pids[0], signal.SIGKILL)
    engine.before_frame = kill_one_worker
    farmed = engine.matmul(w, x)[0]
    assert killed == [pids[0]]
    assert farmed.tobytes() == serial.tobytes()
    farm.client.wait_for_workers(2, timeout=60)          # the nanny restarted it
    assert pids[0] not in farm.client.run(os.getpid).values()


def test_abort_from_the_parent_cancels_outstanding_chunks(farm, bench, calibration_file):
    w, x = _product(7)
    engine = SimBackend(bench, seed=2, calibration=str(calibration_file)).engine
    engine.runner = FarmRunner(farm)
    calls = []

    def abort_on_second_wait():
        calls.append(1)
        if len(calls) == 2:
            raise RunAborted("abort requested")
    engine.before_frame = abort_on_second_wait
    frames0 = engine.frames_run
    with pytest.raises(RunAborted):
        engine.matmul(w, x)
    assert engine.frames_run == frames0          # nothing counted as run
    assert _outstanding(farm) == 0               # the scheduler released the cancelled chunks


def test_energy_scaling_points_farmed_give_the_serial_run(tmp_path, capsys):
    """`labctl run energy-scaling --workers 2`: its (rate, averaging) points are
    Dask tasks; the run file's data equal the serial run's, byte for byte."""
    argv = ["run", "energy-scaling", "--set", "ports=8,16", "--set", "symbol_rates=11.5e9,23e9",
            "--set", "averages=1", "--set", "size=8", "--set", "columns=8"]
    data = _serial_equals_farmed(argv, ("enob", "mw_per_tops", "ports", "symbol_rate"),
                                 tmp_path, capsys)
    assert len(set(data["enob"])) == 2                          # one measurement per rate


def _square(x):
    return x * x


def test_progress_counts_completed_dask_tasks(farm):
    """Farm listeners see every completion; the console bar's task row follows them."""
    from labctl.engine import ConsoleProgress
    seen = []
    farm.listeners.append(lambda done, total: seen.append((done, total)))
    progress = ConsoleProgress(farm)
    progress({"kind": "start", "sequence": "demo", "total": 1})
    try:
        start_done, start_total = farm.completed, farm.submitted
        assert list(farm.map(_square, [(i,) for i in range(5)])) == [i * i for i in range(5)]
    finally:
        progress({"kind": "stop", "status": "completed"})
        farm.listeners.pop(0)
    assert seen[0] == (start_done, start_total + 5)
    assert seen[-1] == (start_done + 5, start_total + 5)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    row = progress.bar.tasks[1]
    assert row.description == "dask tasks" and row.completed == start_done + 5
    assert progress.on_tasks not in farm.listeners


def test_precision_sweep_points_farmed_give_the_serial_run(tmp_path, capsys):
    """`labctl run precision-sweep --workers 2`: calibrations, then points, as Dask
    tasks; the run file's data equal the serial run's, byte for byte."""
    argv = ["run", "precision-sweep", "--set", "schemes=wdm,time", "--set", "laser_offsets_db=0,-6",
            "--set", "symbol_rates=11.5e9", "--set", "sizes=8", "--set", "averages=4",
            "--set", "size=8", "--set", "columns=8"]
    data = _serial_equals_farmed(argv, ("enob", "rmse_fs", "mw_per_tops", "scheme", "sweep",
                                        "symbol_rate"), tmp_path, capsys)
    assert len(data["enob"]) == 10


def test_abort_after_the_first_farmed_batch_keeps_it_and_cancels_the_rest(farm, tiny_models,
                                                                          calibration_file, bench,
                                                                          tmp_path):
    """Whole batches on Dask: an abort requested when the first batch's step is
    written ends the run `aborted` with that step kept, and no task is left running."""
    from labctl.engine import RunEngine
    engine = RunEngine(progress=False)
    engine.subscribe(lambda doc: engine.abort() if doc["kind"] == "step" else None)
    params = {"models": ["digits-vae"], "count": 8, "batch": 2, "backend": "sim", "ber_frames": 1,
              "calibration": str(calibration_file), "models_dir": str(tiny_models)}
    out = tmp_path / "aborted.h5"
    result = engine.run("generate", params, bench, out=out, farm=farm)
    assert (result.status, result.steps) == ("aborted", 1)
    with h5py.File(out, "r") as f:
        assert f["entry"].attrs["status"] == "aborted"
        assert f["entry/provenance/dask_tasks"][()].decode() == "whole batches"
        assert f["entry/images/optical"].shape[0] == 2
    assert _outstanding(farm) == 0


def _outstanding(farm) -> int:
    """Tasks the scheduler still runs or waits to run, after a bounded wait."""
    remaining = None
    for _ in range(int(FORGET_S / 0.2)):
        remaining = farm.client.run_on_scheduler(
            lambda dask_scheduler: sum(ts.state in ("processing", "waiting", "queued", "no-worker")
                                       for ts in dask_scheduler.tasks.values()))
        if remaining == 0:
            break
        farm.client.gather([farm.client.submit(int, 0, pure=False)])  # one round trip
    return remaining


def _malloc_env():
    return {k: os.environ.get(k) for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_")}


def test_workers_start_with_the_allocator_thresholds_of_the_labctl_command(farm):
    """Local workers get labctl.allocator's glibc thresholds (not the nanny's
    64 KiB trim threshold, which made a frame 3x slower), and this process can
    set the same with mallopt (glibc here)."""
    from labctl.allocator import TRIM_BYTES, WORKER_ENV, hold_heap
    envs = list(farm.client.run(_malloc_env).values())
    assert len(envs) == 2 and all(env == WORKER_ENV for env in envs)
    assert WORKER_ENV["MALLOC_TRIM_THRESHOLD_"] == str(TRIM_BYTES) != "65536"
    assert hold_heap() is True


def test_ber_sweep_points_farmed_give_the_serial_run(tmp_path, capsys):
    """`labctl run ber-sweep --workers 2`: each (format, power or length) point is
    a Dask task; the run file's data equal the serial run's, byte for byte."""
    argv = ["run", "ber-sweep", "--set", "formats=pam4", "--set", "rop_dbm=-20,-16",
            "--set", "lengths_km=0,20", "--set", "symbols=4096"]
    data = _serial_equals_farmed(argv, ("ber", "bit_errors", "snr_db", "rop_dbm", "length_km"),
                                 tmp_path, capsys)
    assert len(data["ber"]) == 4 and len(set(data["snr_db"])) == 4   # four distinct points


def _serial_equals_farmed(argv: list, keys: tuple, tmp_path, capsys) -> dict:
    """Run ``labctl argv`` serially and with ``--workers 2``; assert the farmed
    run completed with /entry/data ``keys`` byte-identical; the serial data back."""
    assert main(argv + ["--out", str(tmp_path / "serial.h5")]) == 0
    assert main(argv + ["--workers", "2", "--out", str(tmp_path / "farm.h5")]) == 0
    capsys.readouterr()
    with h5py.File(tmp_path / "serial.h5", "r") as a, h5py.File(tmp_path / "farm.h5", "r") as b:
        assert b["entry"].attrs["status"] == "completed"
        data = {key: a[f"entry/data/{key}"][()] for key in keys}
        for key in keys:
            assert data[key].tobytes() == b[f"entry/data/{key}"][()].tobytes(), key
    return data
