"""Recovery of run files whose writer died: the file opens in any HDF5 reader again.

A run file is written in HDF5 SWMR mode (:mod:`labctl.runfile`).  While the
writer has it open, the superblock's *file consistency flags* say "open for
write" (bit 0) and "open for SWMR write" (bit 2); a writer that is killed
(SIGKILL, a crash, power loss) never clears them, and every ordinary reader
(``h5py.File(path, "r")``, silx, h5web, h5dump) then refuses the file with
"file is already open for write".  Only an SWMR reader opens it, and its
/entry ``status`` attribute still says ``running``.

:func:`recover` (``labctl recover FILE``; :func:`labctl.runfile.open_run`,
``labctl show`` and the GUI's run browser call it transparently) does what
HDF5's ``h5clear -s`` does, in pure Python, then finalises the run:

1. checks that no live process still writes the file: the writer records
   ``{"pid", "host", "boot_id", "start_ticks"}`` in /entry/live/writer before
   SWMR starts; a writer whose process (same host, same boot, same process
   start time, not a zombie) still runs is never touched (:func:`writer_state`);
2. patches the version-2/3 superblock (HDF5 file format specification,
   "Superblock version 2 and 3"): flags byte -> 0, end-of-file address ->
   max(stored, actual file size) (a killed writer may have written past the
   address stored at its last flush; HDF5 would truncate that tail when the file
   is next closed for writing: the ``h5clear --increment`` case), and the
   superblock checksum (Jenkins lookup3, :func:`lookup3`) rewritten;
3. reopens the file normally (read/write, not SWMR) and keeps every completed
   step: the committed step count is min(/entry/live/steps_done, rows of every
   /entry/data dataset); /entry/data rows past it (a step cut off mid-write)
   are dropped; /entry status -> ``failed``, ``error`` -> ``killed: ...``
   (``interrupted: ...`` when the file was closed but never finalised),
   ``end_time`` -> the writer's last live update (/entry/live/updated), and
   /entry/live/status -> ``failed``;
4. reopens it read-only without SWMR and reads the last row of every dataset,
   so a file it reports as recovered opens in a plain reader.

A file flagged by a write session that was not SWMR (flags 0x01: killed while
the final status was being written) opens in no reader, not even an SWMR one;
:func:`inspect` reads it through a :class:`ClearedView` (the same bytes with the
cleared superblock overlaid, nothing written) to find its writer.

The pure-Python path is the only one (Debian's ``h5clear`` is not needed); on a
killed run file its superblock is byte-identical to ``h5clear -s`` (1.10.8).
"""
from __future__ import annotations

import io
import json
import os
import socket
import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: recoveries are not serialised
    fcntl = None

SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: file consistency flags of superblock v3: open for write, open for SWMR write
FLAG_WRITE, FLAG_SWMR_WRITE = 0x01, 0x04
#: where a superblock may start: 0, then 512, 1024, 2048, ... (after a user block)
_MAX_SUPERBLOCK_OFFSET = 1 << 30


class RecoveryRefused(Exception):
    """Recovery would be unsafe: a live process may still write the file."""


# --------------------------------------------------------------- Jenkins lookup3
def _rot(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF


def lookup3(data: bytes, initval: int = 0) -> int:
    """Bob Jenkins' lookup3 ``hashlittle(data, len(data), initval)``, a 32-bit hash.

    HDF5 checksums its metadata with it (``H5_checksum_lookup3``, initval 0): the
    bytes are taken 12 at a time as three little-endian 32-bit words a, b, c
    (starting at 0xdeadbeef + length + initval), ``mix``-ed after each full block
    but the last, the tail (1..12 bytes, zero padded) added, then ``final``;
    an empty input returns c unmixed.  Reference values (lookup3.c's self test):
    ``lookup3(b"") == 0xdeadbeef``, ``lookup3(b"Four score and seven years ago") ==
    0x17770551``, the same with initval 1 == 0xcd628161.
    """
    length = len(data)
    a = b = c = (0xDEADBEEF + length + initval) & 0xFFFFFFFF
    if length == 0:
        return c
    pos = 0
    while length - pos > 12:
        x, y, z = struct.unpack_from("<3I", data, pos)
        a = (a + x) & 0xFFFFFFFF
        b = (b + y) & 0xFFFFFFFF
        c = (c + z) & 0xFFFFFFFF
        # mix(a, b, c)
        a = (a - c) & 0xFFFFFFFF; a ^= _rot(c, 4); c = (c + b) & 0xFFFFFFFF  # noqa: E702
        b = (b - a) & 0xFFFFFFFF; b ^= _rot(a, 6); a = (a + c) & 0xFFFFFFFF  # noqa: E702
        c = (c - b) & 0xFFFFFFFF; c ^= _rot(b, 8); b = (b + a) & 0xFFFFFFFF  # noqa: E702
        a = (a - c) & 0xFFFFFFFF; a ^= _rot(c, 16); c = (c + b) & 0xFFFFFFFF  # noqa: E702
        b = (b - a) & 0xFFFFFFFF; b ^= _rot(a, 19); a = (a + c) & 0xFFFFFFFF  # noqa: E702
        c = (c - b) & 0xFFFFFFFF; c ^= _rot(b, 4); b = (b + a) & 0xFFFFFFFF  # noqa: E702
        pos += 12
    x, y, z = struct.unpack("<3I", data[pos:].ljust(12, b"\0"))
    a = (a + x) & 0xFFFFFFFF
    b = (b + y) & 0xFFFFFFFF
    c = (c + z) & 0xFFFFFFFF
    # final(a, b, c)
    c ^= b; c = (c - _rot(b, 14)) & 0xFFFFFFFF  # noqa: E702
    a ^= c; a = (a - _rot(c, 11)) & 0xFFFFFFFF  # noqa: E702
    b ^= a; b = (b - _rot(a, 25)) & 0xFFFFFFFF  # noqa: E702
    c ^= b; c = (c - _rot(b, 16)) & 0xFFFFFFFF  # noqa: E702
    a ^= c; a = (a - _rot(c, 4)) & 0xFFFFFFFF  # noqa: E702
    b ^= a; b = (b - _rot(a, 14)) & 0xFFFFFFFF  # noqa: E702
    c ^= b; c = (c - _rot(b, 24)) & 0xFFFFFFFF  # noqa: E702
    return c


# --------------------------------------------------------------- superblock
@dataclass
class Superblock:
    """A version-2/3 superblock: ``offset`` in the file (bytes), the fields, and
    whether its stored checksum matches lookup3 of the bytes before it."""
    offset: int
    version: int
    size_of_offsets: int
    size_of_lengths: int
    flags: int
    base_address: int
    extension_address: int
    eof_address: int
    root_address: int
    checksum: int
    checksum_ok: bool

    @property
    def size(self) -> int:
        """Bytes of the superblock, checksum included: 12 + 4 addresses + 4."""
        return 12 + 4 * self.size_of_offsets + 4


def read_superblock(path: str | Path) -> Superblock | None:
    """The superblock of an HDF5 file if it is version 2 or 3 (the versions with
    consistency flags HDF5 acts on); None for versions 0/1.  Raises ValueError if
    ``path`` holds no HDF5 signature."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        offset = 0
        while offset < min(size, _MAX_SUPERBLOCK_OFFSET):
            fh.seek(offset)
            head = fh.read(12)
            if head[:8] == SIGNATURE:
                version, so, sl, flags = head[8], head[9], head[10], head[11]
                if version not in (2, 3):
                    return None
                fh.seek(offset)
                raw = fh.read(12 + 4 * so + 4)
                fmt = {2: "H", 4: "I", 8: "Q"}[so]
                base, ext, eof, root = struct.unpack_from(f"<4{fmt}", raw, 12)
                (stored,) = struct.unpack_from("<I", raw, 12 + 4 * so)
                return Superblock(offset, version, so, sl, flags, base, ext, eof, root, stored,
                                  lookup3(raw[:12 + 4 * so]) == stored)
            offset = 512 if offset == 0 else 2 * offset
    raise ValueError(f"{path}: no HDF5 signature (not an HDF5 file)")


def cleared_superblock(sb: Superblock, file_size: int) -> bytes:
    """The superblock bytes with flags 0, EOF address max(stored, file size - base)
    and the lookup3 checksum of the bytes before it."""
    eoa = max(sb.eof_address, file_size - sb.base_address)
    fmt = {2: "H", 4: "I", 8: "Q"}[sb.size_of_offsets]
    body = SIGNATURE + bytes([sb.version, sb.size_of_offsets, sb.size_of_lengths, 0])
    body += struct.pack(f"<4{fmt}", sb.base_address, sb.extension_address, eoa, sb.root_address)
    return body + struct.pack("<I", lookup3(body))


def _patch_superblock(fd: int, sb: Superblock, file_size: int) -> tuple[int, int]:
    """Write :func:`cleared_superblock`; extend the file with zeros if it is shorter
    than the stored EOF address.  Returns (EOF address written, new file size)."""
    if sb.base_address + sb.eof_address > file_size:   # stored EOF beyond the end: pad
        os.ftruncate(fd, sb.base_address + sb.eof_address)
    os.lseek(fd, sb.offset, os.SEEK_SET)
    os.write(fd, cleared_superblock(sb, file_size))
    os.fsync(fd)
    return max(sb.eof_address, file_size - sb.base_address), os.fstat(fd).st_size


class ClearedView(io.RawIOBase):
    """A read-only view of an HDF5 file in which the superblock reads as
    :func:`cleared_superblock`: ``h5py.File(ClearedView(path), "r")`` reads a file
    whose consistency flags are set without changing a byte of it (e.g. one left
    by a write session that was not SWMR, which neither an ordinary nor an SWMR
    reader opens)."""

    def __init__(self, path: str | Path):
        super().__init__()
        sb = read_superblock(path)
        self._fh = open(path, "rb")
        size = os.fstat(self._fh.fileno()).st_size
        self._start = sb.offset if sb is not None else 0
        self._patch = cleared_superblock(sb, size) if sb is not None else b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        return self._fh.seek(pos, whence)

    def tell(self) -> int:
        return self._fh.tell()

    def readinto(self, buffer) -> int:
        pos = self._fh.tell()
        n = self._fh.readinto(buffer)
        lo, hi = max(pos, self._start), min(pos + n, self._start + len(self._patch))
        if lo < hi:
            memoryview(buffer).cast("B")[lo - pos:hi - pos] = \
                self._patch[lo - self._start:hi - self._start]
        return n

    def close(self) -> None:
        self._fh.close()
        super().close()


# --------------------------------------------------------------- the writer's identity
def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks since boot) of ``pid`` from
    /proc/<pid>/stat; None if there is no such process; ("", -1) without /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        if not Path("/proc/self/stat").exists():
            return "", -1
        return None
    except OSError:
        return "", -1
    fields = text[text.rindex(")") + 2:].split()   # after "pid (comm) ": state is field 3
    return fields[0], int(fields[19])               # field 22: starttime


def writer_record() -> dict:
    """Who writes a run file: this process's pid, host, boot id and start time
    (clock ticks since boot); stored as JSON in /entry/live/writer."""
    stat = _proc_stat(os.getpid())
    return {"pid": os.getpid(), "host": socket.gethostname(), "boot_id": _boot_id(),
            "start_ticks": stat[1] if stat else -1}


def writer_state(record: dict | None) -> str:
    """``"alive"``, ``"dead"`` or ``"unknown"`` for a writer record.

    dead: same host and the process is gone, a zombie, another process with the
    same pid (different start time) or the machine has rebooted since (different
    boot id).  unknown: no record (files written before labctl recorded one) or
    another host (its processes cannot be seen from here).  Otherwise alive.
    """
    if not record or "pid" not in record:
        return "unknown"
    if record.get("host") != socket.gethostname():
        return "unknown"
    boot = _boot_id()
    if record.get("boot_id") and boot and record["boot_id"] != boot:
        return "dead"
    pid = int(record["pid"])
    stat = _proc_stat(pid)
    if stat is None:
        return "dead"
    state, start = stat
    if state in ("Z", "X"):
        return "dead"
    if start >= 0 and int(record.get("start_ticks", -1)) >= 0 and start != record["start_ticks"]:
        return "dead"
    if start < 0:                                    # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return "dead"
        except PermissionError:
            return "alive"
    return "alive"


def read_writer(f: h5py.File) -> dict | None:
    """The writer record of an open run file (None if it has none)."""
    dset = f.get("entry/live/writer")
    if dset is None:
        return None
    value = dset[()]
    try:
        return json.loads(value.decode() if isinstance(value, bytes) else str(value))
    except ValueError:
        return None


# --------------------------------------------------------------- inspection
@dataclass
class FileState:
    """What recovery needs to know about a run file, read without changing it."""
    flags: int                  # superblock consistency flags (0: closed properly)
    status: str                 # /entry status attribute ("" if not a run file)
    writer: dict | None
    writer_state: str           # alive | dead | unknown

    @property
    def unfinished(self) -> bool:
        """Open for write, or closed without its final status."""
        return bool(self.flags) or self.status == "running"

    @property
    def needs_recovery(self) -> bool:
        """Unfinished, and its writer is known to be gone."""
        return self.unfinished and self.writer_state == "dead"


def inspect(path: str | Path) -> FileState:
    """Read the superblock flags, /entry status and writer record (SWMR read if
    the file is flagged open for write; through a :class:`ClearedView` if it was
    left by a write session that was not SWMR).  Changes nothing."""
    sb = read_superblock(path)
    flags = sb.flags if sb is not None else 0
    if flags and not flags & FLAG_SWMR_WRITE:
        with ClearedView(path) as view, h5py.File(view, "r") as f:
            return _state(f, flags)
    with h5py.File(path, "r", swmr=bool(flags), locking=False) as f:
        return _state(f, flags)


def _state(f: h5py.File, flags: int) -> FileState:
    entry = f.get("entry")
    status = str(entry.attrs.get("status", "")) if entry is not None else ""
    writer = read_writer(f)
    return FileState(flags, status, writer, writer_state(writer))


def needs_recovery(path: str | Path) -> bool:
    """True if ``path`` is a run file its writer left unfinished (killed, or closed
    without its final status) and that writer is known not to run any more."""
    return inspect(path).needs_recovery


# --------------------------------------------------------------- recovery
@dataclass
class RecoveryReport:
    """What :func:`recover` found and did.  ``action``: ``recovered`` or
    ``nothing to do``; ``reason``: ``killed`` (flags were set) or ``interrupted``
    (closed, status still 'running'); ``trimmed``: /entry/data dataset -> rows dropped.
    A file killed while its final status was being written keeps that status."""
    path: Path
    action: str
    reason: str = ""
    flags_before: int = 0
    eof_address_before: int = 0
    eof_address_after: int = 0
    file_size: int = 0
    status_before: str = ""
    status_after: str = ""
    steps: int = 0
    writer: dict | None = None
    trimmed: dict[str, int] = field(default_factory=dict)

    def text(self) -> str:
        """One line for a terminal or a GUI header."""
        if self.action != "recovered":
            return f"{self.path}: {self.action} (status {self.status_before or '?'})"
        who = self.writer or {}
        writer = f"pid {who['pid']} on {who.get('host', '?')}" if "pid" in who else "unknown"
        trimmed = (f"; dropped the cut-off rows of {len(self.trimmed)} datasets"
                   if self.trimmed else "")
        return (f"{self.path}: recovered ({self.reason}; writer {writer}): flags "
                f"0x{self.flags_before:02x} -> 0, {self.steps} completed steps kept{trimmed}, "
                f"status {self.status_after}")


def recover(path: str | Path, force: bool = False) -> RecoveryReport:
    """Make a run file left by a dead writer readable by any HDF5 reader and mark
    it ``failed`` (module docstring).  ``force``: also when the writer cannot be
    checked (no record, another host); a writer seen alive is never touched.

    Raises :class:`RecoveryRefused` (writer alive, unknown without ``force``, or
    the file locked by another recovery), ValueError (not an HDF5 file),
    OSError (e.g. a read-only file).
    """
    path = Path(path)
    fd = os.open(path, os.O_RDWR)
    try:
        try:   # one recovery at a time (HDF5 below opens without its own locking)
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RecoveryRefused(f"{path}: open in another process (a reader that locks "
                                  "files, or another recovery)") from None
        state = inspect(path)
        report = RecoveryReport(path, "nothing to do", flags_before=state.flags,
                                status_before=state.status, writer=state.writer)
        if not state.unfinished:
            return report
        if state.writer_state == "alive":
            raise RecoveryRefused(f"{path}: its writer (pid {state.writer['pid']}) is still "
                                  "running")
        if state.writer_state == "unknown" and not force:
            where = ("on another host" if state.writer else "unrecorded")
            raise RecoveryRefused(f"{path}: its writer is {where}; cannot tell whether it still "
                                  "runs (use force if it does not)")
        sb = read_superblock(path)
        report.file_size = os.fstat(fd).st_size
        if sb is not None:
            report.eof_address_before = sb.eof_address
            if state.flags or sb.base_address + sb.eof_address != report.file_size:
                report.eof_address_after, report.file_size = _patch_superblock(
                    fd, sb, report.file_size)
            else:
                report.eof_address_after = sb.eof_address
        report.reason = "killed" if state.flags else "interrupted"
        with h5py.File(path, "r+", locking=False) as f:
            report.steps, report.trimmed = _finalise(f, report.reason, state.writer)
            report.status_after = str(f["entry"].attrs.get("status", ""))
        _check_readable(path)
        report.action = "recovered"
        return report
    finally:
        os.close(fd)


def _finalise(f: h5py.File, reason: str, writer: dict | None) -> tuple[int, dict[str, int]]:
    """Keep the committed steps, set the final status.  Returns (steps, trimmed)."""
    entry = f["entry"]
    live = entry.get("live")
    data = entry.get("data")
    steps = int(live["steps_done"][()]) if live is not None and "steps_done" in live else 0
    rows = {}
    if data is not None:
        data.visititems(lambda name, obj: rows.__setitem__(name, obj.shape[0])
                        if isinstance(obj, h5py.Dataset) and obj.shape else None)
    committed = min([steps, *rows.values()])
    trimmed = {}
    for name, n in rows.items():
        if n > committed:
            data[name].resize(committed, axis=0)
            trimmed[name] = n - committed
    if entry.attrs.get("status") != "running":     # finalised already: flags were all
        return committed, trimmed
    updated = float(live["updated"][()]) if live is not None and "updated" in live else None
    who = (f"pid {writer['pid']} on {writer.get('host', '?')}" if writer and "pid" in writer
           else "an unrecorded writer")
    if reason == "killed":
        what = (f"killed: the writer ({who}) stopped without closing the file (SIGKILL, crash "
                f"or power loss); {committed} completed steps kept")
    else:
        what = (f"interrupted: the writer ({who}) closed the file without its final status; "
                f"{committed} completed steps kept")
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    end = (datetime.fromtimestamp(updated, timezone.utc).isoformat(timespec="milliseconds")
           if updated else "")
    entry.attrs.update({"status": "failed", "error": f"{what} (recovered {now})",
                        "end_time": end, "recovered": now})
    if live is not None:
        if "status" in live:
            live["status"][()] = np.bytes_("failed")
        if "steps_done" in live:
            live["steps_done"][()] = committed
    return committed, trimmed


def _check_readable(path: Path) -> None:
    """Open ``path`` as any reader would (read-only, no SWMR) and read the last
    row of every dataset (raises OSError if HDF5 cannot)."""
    def touch(name, obj):
        if isinstance(obj, h5py.Dataset):
            if obj.shape and obj.shape[0]:
                obj[-1]
            elif not obj.shape:
                obj[()]
    with h5py.File(path, "r", locking=False) as f:   # our own lock is held
        f.visititems(touch)
