"""labctl.recover in one process: the lookup3 checksum, the superblock, the writer's
liveness, crash images (a file's bytes copied while its writer holds it open, i.e.
what a kill at that moment leaves), and a run that ends without its stop document.

Files left by real SIGKILLs of a child process: test_runfile_processes.py.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from child_run import CRASH

from labctl.engine import Param, RunEngine, Sequence, Step, Stream
from labctl.recover import (
    RecoveryRefused,
    inspect,
    lookup3,
    needs_recovery,
    read_superblock,
    recover,
    writer_record,
    writer_state,
)
from labctl.runfile import open_run, read_summary


# --------------------------------------------------------------- checksum and superblock
def test_lookup3_reference_values():
    """Values printed by Bob Jenkins' lookup3.c self test (driver5) for hashlittle."""
    assert lookup3(b"") == 0xDEADBEEF
    assert lookup3(b"", 0xDEADBEEF) == 0xBD5B7DDE
    assert lookup3(b"Four score and seven years ago") == 0x17770551
    assert lookup3(b"Four score and seven years ago", 1) == 0xCD628161


def test_superblock_checksum_matches_hdf5_closed_and_open_for_write(tmp_path):
    path = tmp_path / "f.h5"
    with h5py.File(path, "w", libver="latest") as f:
        f.create_dataset("x", shape=(0,), maxshape=(None,), dtype="f8")
        f.swmr_mode = True
        f.flush()
        open_sb = read_superblock(path)          # as a kill now would leave it
    closed_sb = read_superblock(path)
    assert (open_sb.version, open_sb.flags, open_sb.checksum_ok) == (3, 0x05, True)
    assert (closed_sb.flags, closed_sb.checksum_ok) == (0, True)
    assert closed_sb.eof_address == path.stat().st_size
    assert open_sb.checksum != closed_sb.checksum


def test_hdf5_rejects_a_wrong_superblock_checksum(tmp_path):
    """What makes 'a plain reader opens the patched file' a check of the checksum."""
    path = tmp_path / "f.h5"
    with h5py.File(path, "w", libver="latest") as f:
        f["x"] = 1
    raw = bytearray(path.read_bytes())
    raw[11] = 0x01                               # flags changed, checksum not rewritten
    path.write_bytes(bytes(raw))
    with pytest.raises(OSError, match="checksum"):
        h5py.File(path, "r")


def test_not_hdf5_is_a_value_error(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_bytes(b"not an HDF5 file at all" * 40)
    with pytest.raises(ValueError, match="no HDF5 signature"):
        read_superblock(path)


# --------------------------------------------------------------- writer liveness
def test_writer_state():
    me = writer_record()
    assert me["pid"] == os.getpid() and me["host"] == socket.gethostname()
    assert writer_state(me) == "alive"
    assert writer_state(None) == "unknown"
    assert writer_state({**me, "host": me["host"] + "-elsewhere"}) == "unknown"
    if me["start_ticks"] >= 0:                   # Linux: /proc gives the start time
        assert writer_state({**me, "start_ticks": me["start_ticks"] + 1}) == "dead"  # pid reused
    if me["boot_id"]:
        assert writer_state({**me, "boot_id": "another-boot"}) == "dead"


def test_exited_and_zombie_writers_are_dead():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)   # exited, not reaped: a zombie
    record = {**writer_record(), "pid": proc.pid, "start_ticks": -1}
    assert writer_state(record) == "dead"
    proc.wait()
    assert writer_state(record) == "dead"


# --------------------------------------------------------------- crash images
def _snapshot_plan(ctx, points, copy_after, image):
    for i in range(points):
        if i == copy_after:
            shutil.copy(ctx.out, image)          # the bytes a kill here would leave
        yield Step(f"point {i}", data={"index": i})


SNAPSHOT = Sequence("snapshot-demo", _snapshot_plan,
                    params=[Param("points", int, 4), Param("copy_after", int, 2),
                            Param("image", str, "")],
                    streams=[Stream("index", "1", np.int64)])


def test_crash_image_of_a_live_writer_is_not_touched(tmp_path):
    image = tmp_path / "image.h5"
    result = RunEngine(progress=False).run(SNAPSHOT, {"image": str(image)}, out=tmp_path / "r.h5")
    assert result.status == "completed"
    before = image.read_bytes()
    state = inspect(image)                       # its writer is this process: alive
    assert (state.flags, state.status, state.writer_state) == (0x05, "running", "alive")
    assert not needs_recovery(image)
    with pytest.raises(RecoveryRefused, match="still running"):
        recover(image, force=True)
    with open_run(image) as f:
        assert f.swmr_mode and f["entry/live/steps_done"][()] == 2
    assert read_summary(image).writer == "alive"
    assert image.read_bytes() == before


def _legacy_image(path: Path, extra_bytes: int = 0) -> None:
    """A run file as written before labctl recorded its writer, copied while open
    for SWMR write; step 1 cut off mid-write (its /entry/data/index row is there,
    steps_done not advanced); ``extra_bytes`` past the stored end of file."""
    live_path = path.with_suffix(".live.h5")
    with h5py.File(live_path, "w", libver="latest") as f:
        entry = f.create_group("entry")
        entry.attrs.update({"status": "running", "start_time": "2026-01-01T00:00:00.000+00:00",
                            "end_time": "", "error": ""})
        index = entry.create_group("data").create_dataset("index", shape=(0,), maxshape=(None,),
                                                          dtype="i8", chunks=(16,))
        live = entry.create_group("live")
        live["status"] = np.bytes_("running")
        live["steps_done"] = 0
        live["updated"] = 1.767225600e9             # 2026-01-01T00:00:00Z
        f.swmr_mode = True
        index.resize(1, axis=0)
        index[0] = 7
        live["steps_done"][()] = 1
        f.flush()
        index.resize(2, axis=0)
        index[1] = 8
        f.flush()
        shutil.copy(live_path, path)
    if extra_bytes:
        with open(path, "ab") as fh:
            fh.write(b"\xa5" * extra_bytes)


def test_unrecorded_writer_needs_force(tmp_path):
    image = tmp_path / "legacy.h5"
    _legacy_image(image)
    assert inspect(image).writer_state == "unknown" and not needs_recovery(image)
    with pytest.raises(RecoveryRefused, match="unrecorded"):
        recover(image)
    with open_run(image) as f:                   # not recovered transparently
        assert f.swmr_mode
    report = recover(image, force=True)
    assert (report.action, report.reason, report.steps) == ("recovered", "killed", 1)
    assert report.trimmed == {"index": 1}
    with h5py.File(image, "r") as f:
        assert f["entry"].attrs["status"] == "failed"
        assert f["entry"].attrs["end_time"] == "2026-01-01T00:00:00.000+00:00"
        assert f["entry/data/index"][()].tolist() == [7]
        assert f["entry/live/status"][()] == b"failed"


def test_one_recovery_at_a_time(tmp_path):
    import fcntl
    image = tmp_path / "legacy.h5"
    _legacy_image(image)
    before = image.read_bytes()
    with open(image, "rb") as other:             # another recovery holds the file
        fcntl.flock(other, fcntl.LOCK_EX)
        with pytest.raises(RecoveryRefused, match="open in another process"):
            recover(image, force=True)
    assert image.read_bytes() == before
    assert recover(image, force=True).action == "recovered"


def test_bytes_past_the_stored_end_of_file_are_kept(tmp_path):
    """A killed writer may have written past the end-of-file address of its last
    flush; HDF5 would truncate them when the file is next closed for writing."""
    image = tmp_path / "longer.h5"
    _legacy_image(image, extra_bytes=4096)
    size = image.stat().st_size
    assert read_superblock(image).eof_address == size - 4096
    report = recover(image, force=True)
    assert report.eof_address_after >= size
    assert image.stat().st_size >= size
    assert image.read_bytes()[size - 4096:size] == b"\xa5" * 4096


def test_stored_end_of_file_past_the_file_is_padded(tmp_path):
    image = tmp_path / "short.h5"
    _legacy_image(image)
    sb = read_superblock(image)
    body = bytearray(image.read_bytes()[:sb.size - 4])
    struct.pack_into("<Q", body, 12 + 2 * 8, sb.eof_address + 4096)   # EOF address field
    with open(image, "r+b") as fh:
        fh.write(bytes(body) + struct.pack("<I", lookup3(bytes(body))))
    report = recover(image, force=True)
    assert report.action == "recovered" and image.stat().st_size >= sb.eof_address + 4096
    with h5py.File(image, "r") as f:
        assert f["entry/data/index"][()].tolist() == [7]


def test_killed_while_writing_the_final_status(tmp_path):
    """Killed in the short non-SWMR session that writes the final status: flags 0x01,
    which neither an ordinary nor an SWMR reader opens; open_run recovers it."""
    done, image = tmp_path / "done.h5", tmp_path / "image.h5"
    assert RunEngine(progress=False).run(CRASH, {"points": 2}, out=done).status == "completed"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()                                  # a writer process that has ended
    with h5py.File(done, "r+", libver="latest") as f:
        f["entry/live/writer"][()] = json.dumps({**writer_record(), "pid": gone.pid,
                                                 "start_ticks": -1})
        f["entry"].attrs["status"] = "completed"
        f.flush()
        shutil.copy(done, image)                 # the bytes a kill here would leave
    assert read_superblock(image).flags == 0x01
    for swmr in (False, True):
        with pytest.raises(OSError, match="open for"):
            h5py.File(image, "r", swmr=swmr)
    state = inspect(image)                       # read through a ClearedView
    assert (state.status, state.writer_state, state.needs_recovery) == ("completed", "dead", True)
    with open_run(image) as f:
        assert not f.swmr_mode and f["entry"].attrs["status"] == "completed"
        assert f["entry/data/index"][()].tolist() == [0, 1]
    assert read_superblock(image).flags == 0


# --------------------------------------------------------------- no stop document
def _interrupted_plan(ctx, points):
    for i in range(points):
        if i == 2:
            raise KeyboardInterrupt               # e.g. a second Ctrl-C: no stop document
        yield Step(f"point {i}", data={"index": i})


INTERRUPTED = Sequence("interrupted-demo", _interrupted_plan, params=[Param("points", int, 4)],
                       streams=[Stream("index", "1", np.int64)])


def test_run_ended_without_stop_document_is_marked_failed(tmp_path):
    out = tmp_path / "int.h5"
    with pytest.raises(KeyboardInterrupt):
        RunEngine(progress=False).run(INTERRUPTED, {}, out=out)
    with h5py.File(out, "r") as f:
        assert f["entry"].attrs["status"] == "failed"
        assert f["entry"].attrs["error"].startswith("interrupted: ")
        assert f["entry"].attrs["end_time"]
        assert f["entry/live/status"][()] == b"failed"
        assert f["entry/data/index"][()].tolist() == [0, 1]
    assert not needs_recovery(out)


def test_completed_run_records_its_writer_and_needs_nothing(tmp_path):
    out = tmp_path / "done.h5"
    assert RunEngine(progress=False).run(CRASH, {"points": 2}, out=out).status == "completed"
    summary = read_summary(out)
    assert (summary.status, summary.recovered, summary.writer) == ("completed", "", "")
    with h5py.File(out, "r") as f:
        assert f["entry/live/writer"][()].decode().startswith('{"pid": %d' % os.getpid())
    assert recover(out).action == "nothing to do"
