"""IEEE 488.2 arbitrary binary blocks over a pymeasure adapter, and socket tuning.

Block formats (IEEE Std 488.2-1992, 7.7.6 and 8.7.9):

* definite length: ``#<n><len><data>`` with ``n`` (1..9) the number of decimal
  digits of ``len`` and ``len`` the number of data bytes;
* indefinite length (read only here): ``#0<data>`` terminated by the message
  terminator (NL with END).

Why this module exists: pymeasure 0.16's ``Adapter.read_binary_values`` does
not parse the ``#<n><len>`` header, and pyvisa-py 0.8 socket sessions
(``TCPIP::host::port::SOCKET``) neither set ``TCP_NODELAY`` (a write followed by
a query then stalls ~40 ms on Nagle + delayed ACK) nor let the VISA attribute
``VI_ATTR_TCPIP_NODELAY`` be set (its setter is not wired up), and they receive in
4 KiB chunks with one ``select`` each.  :func:`tune_socket_session` fixes both on
the session's socket, and large block payloads on such sessions are sent and
received on the session's own socket (``sendall``/``recv_into``) rather than
through pyvisa-py's 4 KiB write loop and its copying read buffer.
"""
from __future__ import annotations

import socket

import pyvisa
from pyvisa import constants

#: Largest length a definite block header can state (9 digits).
MAX_BLOCK = 999_999_999


class BlockError(IOError):
    """A reply that is not a well-formed IEEE 488.2 binary block."""


def encode_block(data: bytes | bytearray | memoryview) -> bytes:
    """Return the definite-length block header ``#<n><len>`` for ``data`` plus the data."""
    return block_header(len(data)) + bytes(data)


def block_header(length: int) -> bytes:
    """Definite-length block header for ``length`` data bytes (``#<n><len>``)."""
    if not 0 <= length <= MAX_BLOCK:
        raise ValueError(f"block length {length} outside 0..{MAX_BLOCK}")
    digits = str(length)
    return f"#{len(digits)}{digits}".encode("ascii")


def decode_block(message: bytes) -> bytes:
    """Data of a complete block ``message`` (definite or ``#0``), trailing NL allowed."""
    if message[:1] != b"#" or len(message) < 2 or not message[1:2].isdigit():
        raise BlockError(f"not a binary block: starts {message[:16]!r}")
    n = int(message[1:2])
    if n == 0:
        return message[2:].removesuffix(b"\n")
    length = _parse_length(message[2:2 + n])
    data = message[2 + n:2 + n + length]
    if len(data) != length:
        raise BlockError(f"block announces {length} bytes, {len(data)} present")
    return data


def write_block(adapter, command: str, data: bytes, direct: bool = True) -> None:
    """Send ``command`` immediately followed by a definite-length block of ``data``.

    ``command`` carries its own separator (``":TRAC1:DATA 1,0,"``).  Nothing
    follows the block (no terminator): IEEE 488.2 ends the message with the
    block's last byte (+END on GPIB).  ``direct=False`` forces the generic
    pyvisa path even on a pyvisa-py socket session.
    """
    prefix = command.encode("ascii") + block_header(len(data))
    fast = _socket_session(adapter) if direct else None
    if fast is None:
        adapter.write_bytes(prefix + bytes(data))
        return
    connection, _, sock = fast
    with _socket_timeout(sock, connection.timeout):
        sock.sendall(prefix)
        sock.sendall(memoryview(data))


def read_block(adapter, terminated: bool = True, direct: bool = True) -> bytes:
    """Read one binary block reply from a pymeasure ``adapter``.

    ``terminated``: the instrument sends NL after a definite block (Keysight and
    Tektronix instruments do); it is read and checked.  ``#0`` blocks are read
    up to the terminator.  Raises :class:`BlockError` on a malformed header.
    ``direct=False`` forces the generic pyvisa path on pyvisa-py socket sessions.
    """
    head = adapter.read_bytes(2)
    if len(head) != 2 or head[:1] != b"#" or not head[1:2].isdigit():
        raise BlockError(f"expected a binary block '#', received {head!r}")
    n = int(head[1:2])
    if n == 0:
        return adapter.read_bytes(-1, break_on_termchar=True).removesuffix(b"\n")
    length = _parse_length(adapter.read_bytes(n))
    fast = _socket_session(adapter) if direct else None
    if fast is not None:
        data = _recv_exact(*fast, length)
    else:
        with _termchar_disabled(adapter):
            data = adapter.read_bytes(length)
    if len(data) != length:
        raise BlockError(f"block announces {length} bytes, received {len(data)}")
    if terminated:
        end = adapter.read_bytes(1)
        if end != b"\n":
            raise BlockError(f"expected NL after the block, received {end!r}")
    return data


def _parse_length(digits: bytes) -> int:
    if not digits.isdigit():
        raise BlockError(f"block length digits expected, received {digits!r}")
    return int(digits)


def _socket_session(adapter):
    """(resource, session, socket) of a pyvisa-py TCPIP SOCKET session, else None.

    pyvisa-py 0.8 writes such sessions in 4 KiB pieces with one ``select`` each
    and copies received data three times; large blocks go straight through the
    session's own socket instead (after the bytes pyvisa-py already buffered).
    """
    connection = getattr(adapter, "connection", None)
    sessions = getattr(getattr(connection, "visalib", None), "sessions", None)
    if not isinstance(sessions, dict):
        return None
    session = sessions.get(getattr(connection, "session", None))
    sock = getattr(session, "interface", None)
    if isinstance(sock, socket.socket) and isinstance(getattr(session, "_pending_buffer", None), bytearray):
        return connection, session, sock
    return None


def _recv_exact(connection, session, sock: socket.socket, length: int) -> bytearray:
    """Read ``length`` bytes: first those pyvisa-py holds, then from the socket."""
    out = bytearray(length)
    view = memoryview(out)
    pending = session._pending_buffer
    got = min(len(pending), length)
    view[:got] = pending[:got]
    session._pending_buffer = pending[got:]
    with _socket_timeout(sock, connection.timeout):
        while got < length:
            count = sock.recv_into(view[got:])
            if count == 0:
                raise ConnectionError("connection closed by the instrument")
            got += count
    return out


class _socket_timeout:
    """Give a blocking socket a timeout (VISA timeout in ms) for the duration."""

    def __init__(self, sock: socket.socket, timeout_ms):
        self.sock = sock
        self.timeout = None if timeout_ms in (None, float("inf")) else timeout_ms / 1000

    def __enter__(self):
        self.before = self.sock.gettimeout()
        self.sock.settimeout(self.timeout)

    def __exit__(self, *exc):
        self.sock.settimeout(self.before)
        return False


class _termchar_disabled:
    """Switch VISA termination-character detection off while reading block data.

    With it on, pyvisa-py returns at every 0x0A data byte and rescans its buffer
    each time, which is quadratic on large blocks.
    """

    def __init__(self, adapter):
        self.connection = getattr(adapter, "connection", None)
        self.active = isinstance(self.connection, pyvisa.resources.MessageBasedResource)

    def __enter__(self):
        if self.active:
            self.connection.set_visa_attribute(constants.ResourceAttribute.termchar_enabled, False)
        return self

    def __exit__(self, *exc):
        if self.active:
            self.connection.set_visa_attribute(constants.ResourceAttribute.termchar_enabled,
                                               self.connection.read_termination is not None)
        return False


def tune_socket_session(resource, recv_size: int = 1 << 20) -> bool:
    """Set TCP_NODELAY and a larger receive chunk on a pyvisa-py SOCKET session.

    Returns True when the resource is a pyvisa-py socket session that was tuned,
    False otherwise (other backends or interfaces are left as they are).
    ``recv_size`` (bytes) is the most one ``recv`` call asks for (pyvisa-py: 4096).
    """
    session = getattr(getattr(resource, "visalib", None), "sessions", {}).get(
        getattr(resource, "session", None))
    sock = getattr(session, "interface", None)
    if not isinstance(sock, socket.socket):
        return False
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if hasattr(session, "max_recv_size"):
        session.max_recv_size = max(session.max_recv_size, recv_size)
    return True
