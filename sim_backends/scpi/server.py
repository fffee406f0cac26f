"""Asyncio SCPI socket server: one TCP port per simulated instrument.

The server only frames bytes; the instruments interpret them.  Framing of a
program message (IEEE 488.2, 7.7.6 and 8.5 adapted to a raw socket):

* a message ends at NL (0x0A) outside a quoted string, or right after the last
  byte of a definite-length block ``#<n><len><data>`` (no terminator needed;
  a NL that follows anyway is an empty message and ignored);
* an indefinite block ``#0<data>`` runs to the next NL.

Replies: text units joined by ';' + NL; a block reply is ``#<n><len><data>``
+ NL, as Keysight and Tektronix instruments send it.

Sockets bind 127.0.0.1 unless another host is given explicitly.
"""
from __future__ import annotations

import asyncio
import os
import socket
import threading
from concurrent.futures import Future

from sim_backends.scpi.instrument import SimInstrument

#: Bytes sent instead of a reply in fault mode ``garbage``: not SCPI, not ASCII.
GARBAGE = b"\xff\xfe\x00garbage\x81\x7f\n"
_READ_CHUNK = 1 << 20


class _EndOfStream(Exception):
    pass


class MessageFramer:
    """Splits a byte stream into (text, block) program messages."""

    def __init__(self, reader: asyncio.StreamReader):
        self.reader = reader
        self.buffer = bytearray()

    async def _fill(self) -> None:
        data = await self.reader.read(_READ_CHUNK)
        if not data:
            raise _EndOfStream
        self.buffer += data

    async def _need(self, count: int) -> None:
        while len(self.buffer) < count:
            await self._fill()

    async def next_message(self) -> tuple[bytes, bytes | None]:
        """The next (text, block data or None); raises _EndOfStream at EOF."""
        pos, quoted = 0, False
        while True:
            while pos < len(self.buffer):
                byte = self.buffer[pos]
                if byte == 0x22:
                    quoted = not quoted
                elif not quoted and byte == 0x0A:
                    text = bytes(self.buffer[:pos])
                    del self.buffer[:pos + 1]
                    return text, None
                elif not quoted and byte == 0x23:
                    return await self._block(pos)
                pos += 1
            await self._fill()

    async def _block(self, start: int) -> tuple[bytes, bytes]:
        await self._need(start + 2)
        text = bytes(self.buffer[:start])
        digit = self.buffer[start + 1]
        if not 0x30 <= digit <= 0x39:  # '#' not followed by a digit: let the instrument reject it
            end = self.buffer.find(b"\n", start)
            while end < 0:
                await self._fill()
                end = self.buffer.find(b"\n", start)
            text = bytes(self.buffer[:end])
            del self.buffer[:end + 1]
            return text, None
        n = digit - 0x30
        if n == 0:  # indefinite: up to NL
            end = self.buffer.find(b"\n", start + 2)
            while end < 0:
                await self._fill()
                end = self.buffer.find(b"\n", start + 2)
            data = bytes(self.buffer[start + 2:end])
            del self.buffer[:end + 1]
            return text, data
        await self._need(start + 2 + n)
        length = int(self.buffer[start + 2:start + 2 + n])
        first = start + 2 + n
        have = len(self.buffer) - first
        if have >= length:
            data = bytes(self.buffer[first:first + length])
            del self.buffer[:first + length]
            return text, data
        head = bytes(self.buffer[first:])
        self.buffer.clear()
        try:
            rest = await self.reader.readexactly(length - have)
        except asyncio.IncompleteReadError:
            raise _EndOfStream from None
        return text, head + rest


async def serve_client(instrument: SimInstrument, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
    """Serve one connection until EOF, a socket error or fault ``drop``."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    framer = MessageFramer(reader)
    try:
        while True:
            text, block = await framer.next_message()
            if instrument.faults.drop:
                break
            parts = instrument.execute(text, block).wire_parts()
            if not parts:
                continue
            if instrument.faults.delay > 0:
                await asyncio.sleep(instrument.faults.delay)
            if instrument.faults.garbage:
                parts = [GARBAGE]
            for part in parts:
                writer.write(part)
            await writer.drain()
    except (_EndOfStream, ConnectionError):
        pass
    finally:
        writer.close()


class BenchServer:
    """All instruments of one bench, each on its own port, in one event loop.

    ``ports`` maps instrument name -> TCP port once started.  Use
    :meth:`start_thread`/:meth:`stop_thread` to run the loop in a background
    thread, or ``await start()``/``await stop()`` inside a running loop.
    """

    def __init__(self, instruments: dict[str, SimInstrument], host: str = "127.0.0.1",
                 ports: dict[str, int] | None = None):
        self.instruments = instruments
        self.host = host
        self.requested_ports = dict(ports or {})
        self.ports: dict[str, int] = {}
        self._servers: list[asyncio.base_events.Server] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def start(self) -> dict[str, int]:
        for name, instrument in self.instruments.items():
            server = await asyncio.start_server(
                lambda r, w, inst=instrument: serve_client(inst, r, w),
                host=self.host, port=self.requested_ports.get(name, 0), limit=_READ_CHUNK)
            self._servers.append(server)
            self.ports[name] = server.sockets[0].getsockname()[1]
        return self.ports

    async def stop(self) -> None:
        """Close the listening sockets and every client connection (tasks awaited)."""
        for server in self._servers:
            server.close()
        await asyncio.sleep(0)  # let just-accepted connections start their tasks
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()

    def resource(self, name: str) -> str:
        """VISA resource string of instrument ``name``."""
        return f"TCPIP0::{self.host}::{self.ports[name]}::SOCKET"

    # --- background thread ----------------------------------------------------
    def start_thread(self, timeout: float = 10.0) -> dict[str, int]:
        """Run the servers in a daemon thread; returns name -> port when listening."""
        ready: Future = Future()
        self._loop = asyncio.new_event_loop()

        def run():
            asyncio.set_event_loop(self._loop)
            try:
                self._loop.run_until_complete(self.start())
            except BaseException as exc:  # report bind errors to the caller
                ready.set_exception(exc)
                return
            ready.set_result(self.ports)
            self._loop.run_forever()
            self._loop.run_until_complete(self.stop())
            self._loop.close()

        self._thread = threading.Thread(target=run, name=f"sim-scpi-{os.getpid()}", daemon=True)
        self._thread.start()
        return ready.result(timeout)

    def stop_thread(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
        self._thread = None
