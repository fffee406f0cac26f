"""Base of every simulated instrument: state, SCPI interpreter, error queue, faults.

An instrument holds its settings in SI units in ``state`` (keys as in
docs/INTERFACES.md, read by the optical table) and interprets program messages
with :meth:`SimInstrument.handle`.  IEEE 488.2 common commands (``*IDN?``,
``*RST``, ``*CLS``, ``*OPC?``, ``*OPC``, ``*ESR?``, ``*WAI``) and
``:SYSTem:ERRor[:NEXT]?`` with its SCPI-99 forms (``:SYSTem:ERRor:CODE[:NEXT]?``,
``:SYSTem:ERRor:COUNt?``, ``:SYSTem:ERRor:ALL?``) are served here; each model adds its
command tree in :meth:`SimInstrument.commands`.

Standard Event Status Register (IEEE 488.2, 11.5.1): an error sets its bit (command
error CME 32 for -1xx, execution error EXE 16 for -2xx, device error DDE 8 for -3xx,
query error QYE 4 for -4xx); ``*OPC`` sets OPC (1) at once, as every operation here
completes before the next message is read; ``*ESR?`` returns the register and clears
it; ``*CLS`` clears it and the error queue.

A query this interpreter does not know (``-113`` in the queue) gets no reply: the
client's read times out and the connection stays usable for the next message.  A
query-only header sent without ``?`` is ``-113`` too and sends nothing back.

Error queue (SCPI-99 vol. 2, 21.8): first in, first out, at most
:attr:`QUEUE_SIZE` entries; when full, the newest entry is replaced by
``-350,"Queue overflow"``.  An empty queue answers ``0,"No error"``.
"""
from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from sim_backends.scpi.commands import Command, split_args, split_header, split_unquoted

#: Standard SCPI error messages (SCPI-99 vol. 2, 21.8.9 ff.).
ERRORS = {
    -100: "Command error",
    -104: "Data type error",
    -109: "Missing parameter",
    -113: "Undefined header",
    -200: "Execution error",
    -221: "Settings conflict",
    -222: "Data out of range",
    -224: "Illegal parameter value",
    -256: "File name not found",
    -350: "Queue overflow",
}

#: SESR bit of an error, by the hundreds of its code (IEEE 488.2, 11.5.1.1).
SESR_BITS = {1: 32, 2: 16, 3: 8, 4: 4}


class SCPIError(Exception):
    """Raised by a command handler; becomes one error-queue entry."""

    def __init__(self, code: int, detail: str = ""):
        self.code = code
        self.message = ERRORS.get(code, "Error") + (f"; {detail}" if detail else "")
        super().__init__(f"{code},{self.message}")


@dataclass
class Faults:
    """Fault modes of one simulated instrument (switch at any time, from any thread).

    drop: close the connection on the next message; delay: seconds added
    before every reply; garbage: replies are replaced by non-SCPI bytes;
    error_flood: every message (but error-queue queries) fills the error queue to overflow;
    opc_hang: ``*OPC?`` is never answered.
    """
    drop: bool = False
    delay: float = 0.0
    garbage: bool = False
    error_flood: bool = False
    opc_hang: bool = False

    def clear(self) -> None:
        self.__init__()


@dataclass
class Call:
    """One parsed program message unit handed to a command handler."""
    suffixes: list[int]
    args: list[str]
    query: bool
    block: bytes | None = None

    @property
    def n(self) -> int:
        """First numeric suffix (channel), 1 when omitted."""
        return self.suffixes[0] if self.suffixes else 1

    def arg(self, index: int = 0) -> str:
        if index >= len(self.args) or self.args[index] == "":
            raise SCPIError(-109, f"parameter {index + 1}")
        return self.args[index]


@dataclass
class Block:
    """A binary block reply: the server adds the ``#<n><len>`` header and NL, or, for an
    indefinite block (IEEE 488.2, 8.7.10), ``#0`` before the data and NL after it."""
    data: bytes
    indefinite: bool = False


@dataclass
class Reply:
    """What one program message produced: text units, or one block; or nothing."""
    text: list[str] = field(default_factory=list)
    block: bytes | None = None
    silent: bool = False   # a query that must not be answered (fault opc_hang)
    indefinite: bool = False   # the block is sent as ``#0<data>`` + NL

    def wire_parts(self) -> list[bytes]:
        """Bytes to send, in pieces (no copy of a block): text units joined by ';' + NL,
        or ``#<n><len><data>`` + NL (``#0<data>`` + NL when indefinite); empty when
        nothing is to be sent."""
        if self.silent:
            return []
        if self.block is not None:
            if self.indefinite:
                return [b"#0", self.block, b"\n"]
            digits = str(len(self.block))
            return [f"#{len(digits)}{digits}".encode("ascii"), self.block, b"\n"]
        if self.text:
            return [(";".join(self.text) + "\n").encode("ascii")]
        return []


class SimInstrument:
    """A simulated instrument: ``state`` in SI units plus a SCPI interpreter.

    Subclasses set ``model`` (driver module name), ``role``, ``idn`` and
    implement :meth:`initial_state` and :meth:`commands`.
    """
    model = ""
    role = ""
    idn = "labctl,SIM,0,0"
    QUEUE_SIZE = 30

    def __init__(self, name: str, table: Any = None, settings: dict | None = None):
        self.name = name
        self.table = table
        self.faults = Faults()
        self.errors: deque[tuple[int, str]] = deque()
        self.sesr = 0           # Standard Event Status Register (IEEE 488.2, 11.5.1)
        self.headers = False    # replies carry their command header (``:SYSTem:HEADer ON``)
        self.verbose = False    # ... in long form (Tektronix ``VERBose ON``), else short
        self._matched: tuple[Command, list[int]] | None = None
        self._settings = dict(settings or {})
        self.state = self.initial_state()
        self.configure(self._settings)
        self._commands = [
            Command("*IDN", self._idn), Command("*RST", self._rst), Command("*CLS", self._cls),
            Command("*OPC", self._opc), Command("*WAI", lambda call: None),
        ] + self.status_commands() + self.commands()

    #: Substrings of the messages that read the error queue (error_flood spares them).
    error_reads: tuple[bytes, ...] = (b"ERR",)

    def status_commands(self) -> list[Command]:
        """How the error queue is read: SCPI ``:SYSTem:ERRor?`` and its SCPI-99 forms,
        ``*ESR?`` (models may replace them)."""
        return [Command("*ESR", self._esr), Command(":SYSTem:ERRor[:NEXT]", self._next_error),
                Command(":SYSTem:ERRor:CODE[:NEXT]", self._next_code),
                Command(":SYSTem:ERRor:COUNt", lambda call: str(len(self.errors))),
                Command(":SYSTem:ERRor:ALL", self._all_errors)]

    # --- to be provided by models ------------------------------------------------
    def initial_state(self) -> dict:
        """State after power-on or ``*RST`` (SI units)."""
        return {}

    def commands(self) -> list[Command]:
        """The model's command tree."""
        return []

    def configure(self, settings: dict) -> None:
        """Apply bench-file settings (SI) that the real instrument would keep in memory."""

    # --- interpreter -----------------------------------------------------------
    def handle(self, line: bytes, block: bytes | None = None) -> bytes | None:
        """Execute one program message; return the reply bytes as sent on the wire, or None.

        (The interface of docs/INTERFACES.md; the server uses :meth:`execute`.)
        """
        parts = self.execute(line, block).wire_parts()
        return b"".join(parts) if parts else None

    def execute(self, line: bytes, block: bytes | None = None) -> Reply:
        """Execute one program message (units separated by ';').

        ``line`` is the message text without terminator; when the message ends
        with a binary block, ``line`` is the text before the block and ``block``
        its data.  Returns a :class:`Reply`.
        """
        reply = Reply()
        units = split_unquoted(line.decode("latin-1"), ";")
        for index, unit in enumerate(units):
            header, params = split_header(unit)
            if not header:
                continue
            last = index == len(units) - 1
            try:
                result = self._dispatch(header, params, block if last else None)
            except SCPIError as exc:
                self.push_error(exc.code, exc.message)
                continue
            except Exception as exc:  # the simulated hardware failed: -200 execution error
                self.push_error(-200, f"{ERRORS[-200]}; {type(exc).__name__}: {exc}")
                continue
            if result is not None and result is not _SILENT and not header.endswith("?"):
                # a query-only header sent as a command: nothing may be sent back
                self.push_error(-113, f"{header} is a query only")
                continue
            if isinstance(result, Block):
                reply.block, reply.indefinite = result.data, result.indefinite
            elif result is _SILENT:
                reply.silent = True
            elif result is not None:
                text = str(result)
                if self.headers and self._matched and not header.startswith("*"):
                    command, suffixes = self._matched
                    text = f"{command.reply_header(suffixes, self.verbose)} {text}"
                reply.text.append(text)
        if self.faults.error_flood and not any(r in line.upper() for r in self.error_reads):
            for _ in range(self.QUEUE_SIZE + 1):
                self.push_error(-224, "fault mode error_flood")
        return reply

    def _dispatch(self, header: str, params: str, block: bytes | None):
        for command in self._commands:
            found = command.match(header)
            if found is not None:
                suffixes, query = found
                self._matched = (command, suffixes)
                return command.handler(Call(suffixes, split_args(params), query, block))
        raise SCPIError(-113, header)

    def push_error(self, code: int, message: str | None = None) -> None:
        """Append an entry to the error queue (overflow -> -350 as the last entry)."""
        message = message or ERRORS.get(code, "Error")
        self.sesr |= SESR_BITS.get(abs(code) // 100, 0)
        if len(self.errors) >= self.QUEUE_SIZE:
            self.errors[-1] = (-350, ERRORS[-350])
        else:
            self.errors.append((code, message))

    # --- common commands ------------------------------------------------------
    def _idn(self, call: Call):
        return self.idn if call.query else _raise(-113, "*IDN")

    def _rst(self, call: Call):
        self.state = self.initial_state()

    def _cls(self, call: Call):
        self.errors.clear()
        self.sesr = 0

    def _opc(self, call: Call):
        if not call.query:
            self.sesr |= 1      # OPC bit: every operation is complete already
            return None
        return _SILENT if self.faults.opc_hang else "1"

    def _esr(self, call: Call):
        value, self.sesr = self.sesr, 0
        return str(value)

    def _next_error(self, call: Call):
        code, message = self.errors.popleft() if self.errors else (0, "No error")
        return f'{code},"{message}"'

    def _next_code(self, call: Call):
        return str(self.errors.popleft()[0] if self.errors else 0)

    def _all_errors(self, call: Call):
        """Every queued error, oldest first, comma separated; ``0,"No error"`` if none."""
        if not self.errors:
            return '0,"No error"'
        entries = [f'{code},"{message}"' for code, message in self.errors]
        self.errors.clear()
        return ",".join(entries)

    # --- helpers for model command trees --------------------------------------
    def setting(self, pattern: str, path: str, parse: Callable[[str], Any],
                fmt: Callable[[Any], str] = lambda v: f"{v:.12g}") -> Command:
        """A command that sets/queries one state value.

        ``path`` is a key of ``state``, or ``"channels.<key>"`` for the channel
        given by the header's numeric suffix.  ``parse(text)`` returns the SI
        value or raises :class:`SCPIError`.
        """
        def handler(call: Call):
            target, key = self._target(path, call.n)
            if call.query:
                return fmt(target[key])
            target[key] = parse(call.arg())
        return Command(pattern, handler)

    def _target(self, path: str, n: int) -> tuple[dict, str]:
        if path.startswith("channels."):
            channels = self.state["channels"]
            if n not in channels:
                raise SCPIError(-113, f"no channel {n}")
            return channels[n], path.split(".", 1)[1]
        return self.state, path

    def snapshot(self) -> dict:
        """A deep copy of ``state`` (for tests and the optical table)."""
        return copy.deepcopy(self.state)


_SILENT = object()


def _raise(code: int, detail: str = ""):
    raise SCPIError(code, detail)


# --- parameter parsers (SCPI-99 vol. 1, 7.2: <NRf>, <Boolean>, character data) ---
def number(low: float, high: float, units: dict[str, float] | None = None) -> Callable[[str], float]:
    """Parser for a decimal number in [low, high] (SI), with optional unit suffixes.

    ``units`` maps a suffix (case-insensitive) to its multiplier, e.g. {"NM": 1e-9}.
    Out of range -> -222; not a number -> -104.
    """
    suffixes = {k.upper(): v for k, v in (units or {}).items()}

    def parse(text: str) -> float:
        body, scale = text.strip(), 1.0
        for suffix, multiplier in sorted(suffixes.items(), key=lambda kv: -len(kv[0])):
            if body.upper().endswith(suffix) and not body[:-len(suffix)].strip().upper().endswith("E"):
                body, scale = body[:-len(suffix)].strip(), multiplier
                break
        try:
            value = float(body) * scale
        except ValueError:
            raise SCPIError(-104, text) from None
        if not low <= value <= high:
            raise SCPIError(-222, f"{text} not in [{low:g}, {high:g}]")
        return value
    return parse


def integer(low: int, high: int) -> Callable[[str], int]:
    """Parser for an integer in [low, high] (-104 if not an integer, -222 if out of range)."""
    def parse(text: str) -> int:
        try:
            value = float(text)
        except ValueError:
            raise SCPIError(-104, text) from None
        if value != int(value):
            raise SCPIError(-104, text)
        if not low <= value <= high:
            raise SCPIError(-222, f"{text} not in [{low}, {high}]")
        return int(value)
    return parse


def boolean(text: str) -> bool:
    """<Boolean>: ON|OFF|1|0 (-224 otherwise)."""
    token = text.strip().upper()
    if token in ("1", "ON"):
        return True
    if token in ("0", "OFF"):
        return False
    raise SCPIError(-224, text)


def choice(options: dict[str, Any]) -> Callable[[str], Any]:
    """Parser for character data; ``options`` maps the long form (short form = capitals) to a value."""
    table = {}
    for word, value in options.items():
        table[word.upper()] = value
        table["".join(c for c in word if not c.islower()).upper()] = value

    def parse(text: str) -> Any:
        token = text.strip().strip('"').upper()
        if token not in table:
            raise SCPIError(-224, text)
        return table[token]
    return parse


def fmt_bool(value: bool) -> str:
    return "1" if value else "0"
