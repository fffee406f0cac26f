"""Waveform transfer through the real driver stack vs a raw socket, over loopback.

Run: ``python benchmarks/bench_transfer.py [--mib 16] [--repeat 5] [--queries 2000]``

Measured side by side in one run, against the same simulated instruments
(asyncio server on 127.0.0.1, so the server's own cost is in both columns):

* upload: a MIB-MiB IEEE 488.2 definite-length block to a Tektronix AWG70002B
  (``WLISt:WAVeform:DATA``, float32 samples) through pymeasure -> pyvisa ->
  pyvisa-py, completed by ``*OPC?``; baseline: the same bytes with
  ``socket.sendall`` + ``*OPC?``.  Also the whole role call ``AWG.upload``
  (codes -> float32 conversion, waveform list entry, channel assignment).
* download: a MIB-MiB block from a Keysight UXR (``:WAVeform:DATA?``, WORD)
  through the driver's block reader; baseline: ``recv_into`` a preallocated
  buffer.  Also the whole role call ``Oscilloscope.download`` (preamble,
  block, codes and scaling).
* the same transfers on the generic pyvisa path (``direct=False``: pyvisa-py's
  own write loop and read buffer), to show what the socket path gains;
* query round trip: ``*OPC?`` through the driver vs the raw socket (median).

MB/s are 10^6 bytes per second.  Targets (issue 3): >= 200 MB/s each way,
>= half the raw-socket rate, median query round trip < 0.2 ms.
"""
from __future__ import annotations

import argparse
import json
import socket
import statistics
import time
from types import SimpleNamespace

import numpy as np

from labctl import instruments, sim_servers
from labctl.visa_blocks import block_header, read_block, write_block


def _bench():
    def entry(role, model, settings=None):
        return SimpleNamespace(role=role, model=model, resource="sim", settings=settings or {}, limits=None)
    return SimpleNamespace(instruments={"awg": entry("awg", "tektronix_awg70002b"),
                                        "scope": entry("scope", "keysight_uxr")})


def _raw_socket(resource: str) -> socket.socket:
    _, host, port, _ = resource.split("::")
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _recv_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        data += sock.recv(65536)
    return data


def _recv_exact(sock: socket.socket, view: memoryview) -> None:
    got = 0
    while got < len(view):
        got += sock.recv_into(view[got:])


def _median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(mib: int = 16, repeat: int = 5, queries: int = 2000) -> dict:
    nbytes = mib * 1024 * 1024
    samples = nbytes // 4
    payload = np.random.default_rng(0).uniform(-1, 1, samples).astype("<f4").tobytes()
    points = nbytes // 2
    scope_codes = np.random.default_rng(1).integers(0, 1024, points).astype(np.uint16)
    bench = _bench()
    results: dict = {"bytes": nbytes}
    with sim_servers.start(bench) as servers:
        awg = instruments.connect(bench, "awg", timeout=30)
        scope = instruments.connect(bench, "scope", timeout=30)
        sim_scope = servers.instruments["scope"]
        sim_scope.memory = {1: scope_codes}  # scope memory as after an acquisition
        awg.instrument.write(f'WLISt:WAVeform:NEW "bench",{samples}')
        command = f'WLISt:WAVeform:DATA "bench",0,{samples},'

        def driver_upload():
            awg.instrument.write_block(command, payload)
            awg.wait_complete()

        raw = _raw_socket(servers.resources["awg"])
        message = command.encode() + block_header(nbytes) + payload

        def raw_upload():
            raw.sendall(message)
            raw.sendall(b"*OPC?\n")
            assert _recv_line(raw) == b"1\n"

        def generic_upload():  # pyvisa write_raw: pyvisa-py's 4 KiB write loop
            write_block(awg.instrument.adapter, command, payload, direct=False)
            awg.wait_complete()

        results["upload_generic_s"] = _median_time(generic_upload, repeat)
        codes = np.random.default_rng(2).integers(0, 1024, samples).astype(np.uint16)
        results["upload_driver_s"] = _median_time(driver_upload, repeat)
        results["upload_raw_s"] = _median_time(raw_upload, repeat)
        results["upload_role_s"] = _median_time(lambda: (awg.upload(1, codes), awg.wait_complete()), repeat)

        scope.instrument.write(":WAVeform:SOURce CHANnel1;:WAVeform:FORMat WORD;:WAVeform:BYTeorder LSBFirst")
        raw_scope = _raw_socket(servers.resources["scope"])
        raw_scope.sendall(b":WAVeform:SOURce CHANnel1;:WAVeform:FORMat WORD\n")
        buffer = bytearray(2 + len(str(nbytes)) + nbytes + 1)

        def driver_download():
            assert len(scope.instrument.query_block(":WAVeform:DATA?")) == nbytes

        def raw_download():
            raw_scope.sendall(b":WAVeform:DATA?\n")
            _recv_exact(raw_scope, memoryview(buffer))

        def generic_download():  # pyvisa read_bytes with termchar off, 1 MiB receive chunks
            scope.instrument.write(":WAVeform:DATA?")
            assert len(read_block(scope.instrument.adapter, True, direct=False)) == nbytes

        results["download_generic_s"] = _median_time(generic_download, repeat)
        results["download_driver_s"] = _median_time(driver_download, repeat)
        results["download_raw_s"] = _median_time(raw_download, repeat)
        results["download_role_s"] = _median_time(lambda: scope.download(1), repeat)
        assert np.array_equal(scope.download(1).codes, scope_codes)

        driver_rtt, raw_rtt = [], []
        for _ in range(queries):
            start = time.perf_counter()
            awg.wait_complete()
            driver_rtt.append(time.perf_counter() - start)
            start = time.perf_counter()
            raw.sendall(b"*OPC?\n")
            _recv_line(raw)
            raw_rtt.append(time.perf_counter() - start)
        results["opc_driver_median_s"] = statistics.median(driver_rtt)
        results["opc_raw_median_s"] = statistics.median(raw_rtt)
        raw.close()
        raw_scope.close()
        awg.close()
        scope.close()
    return results


def report(r: dict) -> str:
    mb = r["bytes"] / 1e6
    rows = [("upload   (driver, block + *OPC?)", r["upload_driver_s"], r["upload_raw_s"]),
            ("download (driver, block read)", r["download_driver_s"], r["download_raw_s"])]
    lines = [f"payload {r['bytes'] / 2**20:.0f} MiB over loopback; MB/s = 1e6 B/s", ""]
    lines.append(f"{'':34}{'driver MB/s':>12}{'raw MB/s':>10}{'ratio':>8}")
    for label, driver, raw in rows:
        lines.append(f"{label:34}{mb / driver:12.0f}{mb / raw:10.0f}{raw / driver:8.2f}")
    lines.append(f"{'upload   (generic pyvisa write)':34}{mb / r['upload_generic_s']:12.0f}"
                 f"{'':10}{r['upload_raw_s'] / r['upload_generic_s']:8.2f}")
    lines.append(f"{'download (generic pyvisa read)':34}{mb / r['download_generic_s']:12.0f}"
                 f"{'':10}{r['download_raw_s'] / r['download_generic_s']:8.2f}")
    lines.append(f"{'upload   (AWG.upload role call)':34}{mb / r['upload_role_s']:12.0f}")
    lines.append(f"{'download (Oscilloscope.download)':34}{mb / r['download_role_s']:12.0f}")
    lines.append("")
    lines.append(f"*OPC? median round trip: driver {r['opc_driver_median_s'] * 1e3:.3f} ms, "
                 f"raw socket {r['opc_raw_median_s'] * 1e3:.3f} ms")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON")
    args = parser.parse_args()
    results = run(args.mib, args.repeat, args.queries)
    print(json.dumps(results) if args.json else report(results))


if __name__ == "__main__":
    main()
