"""Base of every driver here: a pymeasure ``Instrument`` with strict I/O and blocks.

What it adds to ``pymeasure.instruments.Instrument`` + ``SCPIMixin``:

* pyvisa-py is the default VISA library (``"@py"``), NL termination, timeout in s;
  socket sessions get TCP_NODELAY (:func:`labctl.visa_blocks.tune_socket_session`);
* every I/O failure becomes a :class:`labctl.roles.InstrumentError` naming the
  instrument and the command (timeout, lost connection, undecodable reply);
* :meth:`LabInstrument.values` is strict: a reply that does not parse raises
  :class:`~labctl.roles.InstrumentReplyError` instead of passing a string on;
* optional error-queue check after every setting (``check_errors=True``): reads
  ``:SYSTem:ERRor?`` until ``0`` (at most ``max_errors`` entries; a model may
  change the query, the end codes and what precedes the read) and raises with
  the instrument's own messages;
* ``*OPC?`` completion with its own timeout (never a sleep);
* IEEE 488.2 definite-length block write and block read (definite or ``#0``).
"""
from __future__ import annotations

from contextlib import contextmanager

import pyvisa
from pymeasure.instruments import Instrument, SCPIMixin

from labctl.roles import InstrumentError, InstrumentReplyError, InstrumentTimeout
from labctl.visa_blocks import BlockError, read_block, tune_socket_session, write_block


class LabInstrument(SCPIMixin, Instrument):
    """pymeasure Instrument with strict errors, error-queue checks and binary blocks.

    ``adapter``: VISA resource string or a pymeasure adapter (e.g. ProtocolAdapter);
    ``timeout``: I/O timeout (s); ``check_errors``: query the error queue after
    every setting and raise on entries.
    """
    #: The instrument sends NL after a definite-length block reply.
    block_terminated = True
    #: Error-queue query and the most entries read in one check.
    error_query = ":SYSTem:ERRor?"
    #: Error-queue codes that mean "nothing (more) to report".
    no_error_codes: tuple[int, ...] = (0,)
    max_errors = 64

    def __init__(self, adapter, name: str, timeout: float = 2.0, check_errors: bool = False, **kwargs):
        if isinstance(adapter, str):
            kwargs.setdefault("visa_library", "@py")
            kwargs.setdefault("read_termination", "\n")
            kwargs.setdefault("write_termination", "\n")
            kwargs["timeout"] = int(timeout * 1000)
        self._last_command = ""
        self.timeout = timeout
        self.check_errors_after_set = check_errors
        try:
            super().__init__(adapter, name, **kwargs)
        except (pyvisa.Error, OSError, Exception) as exc:
            if isinstance(exc, InstrumentError):
                raise
            raise InstrumentError(f"{name}: cannot open {adapter!r}: {exc}") from exc
        tune_socket_session(getattr(self.adapter, "connection", None))

    # --- strict I/O --------------------------------------------------------------
    @contextmanager
    def _io(self, what: str):
        try:
            yield
        except pyvisa.errors.VisaIOError as exc:
            if exc.error_code == pyvisa.constants.StatusCode.error_timeout:
                raise InstrumentTimeout(
                    f"{self.name}: no reply within {self.timeout:g} s ({what})") from None
            raise InstrumentError(f"{self.name}: I/O error {exc.abbreviation} ({what})") from None
        except TimeoutError:
            raise InstrumentTimeout(f"{self.name}: no data within {self.timeout:g} s ({what})") from None
        except (OSError, EOFError) as exc:
            raise InstrumentError(f"{self.name}: connection lost: {exc} ({what})") from None
        except UnicodeDecodeError as exc:
            raise InstrumentReplyError(
                f"{self.name}: reply is not text ({what}): {exc.object[:32]!r}") from None
        except BlockError as exc:
            raise InstrumentReplyError(f"{self.name}: {exc} ({what})") from None

    def write(self, command: str, **kwargs) -> None:
        self._last_command = command
        with self._io(f"sending {command!r}"):
            super().write(command, **kwargs)

    def read(self, **kwargs) -> str:
        with self._io(f"reply to {self._last_command!r}"):
            return super().read(**kwargs)

    def write_bytes(self, content: bytes, **kwargs) -> None:
        with self._io(f"sending {len(content)} bytes"):
            super().write_bytes(content, **kwargs)

    def read_bytes(self, count: int, **kwargs) -> bytes:
        with self._io(f"reply to {self._last_command!r}"):
            return super().read_bytes(count, **kwargs)

    def values(self, command: str, separator: str = ",", cast=float, preprocess_reply=None,
               maxsplit: int = -1, **kwargs) -> list:
        """Query ``command`` and cast every field of the reply (strict: raise if one fails)."""
        reply = self.ask(command, **kwargs).strip()
        if callable(preprocess_reply):
            reply = preprocess_reply(reply)
        out = []
        for field in reply.split(separator, maxsplit):
            try:
                out.append(bool(float(field)) if cast is bool else cast(field))
            except (ValueError, TypeError):
                raise InstrumentReplyError(
                    f"{self.name}: cannot read {field!r} as {getattr(cast, '__name__', cast)} "
                    f"(reply to {command!r})") from None
        return out

    @contextmanager
    def timeout_of(self, seconds: float | None):
        """Temporarily use another I/O timeout (s); None keeps the current one."""
        connection = getattr(self.adapter, "connection", None)
        if seconds is None or not isinstance(connection, pyvisa.resources.Resource):
            yield
            return
        before, saved = self.timeout, connection.timeout
        self.timeout, connection.timeout = seconds, int(seconds * 1000)
        try:
            yield
        finally:
            self.timeout, connection.timeout = before, saved

    # --- identity, errors, completion ------------------------------------------
    @property
    def identity(self) -> str:
        """Get the ``*IDN?`` string."""
        return self.ask("*IDN?").strip()

    def error_queue(self) -> list[tuple[int, str]]:
        """Get and clear the error queue: [(code, message)], at most ``max_errors`` entries."""
        errors = []
        self.prepare_error_read()
        for _ in range(self.max_errors):
            reply = self.ask(self.error_query).strip()
            code, _, message = reply.partition(",")
            try:
                number = int(code)
            except ValueError:
                raise InstrumentReplyError(
                    f"{self.name}: unreadable error-queue entry {reply!r}") from None
            if number in self.no_error_codes:
                break
            errors.append((number, message.strip().strip('"')))
        return errors

    def prepare_error_read(self) -> None:
        """Run before the queue is read (nothing for SCPI instruments; Tektronix
        oscilloscopes need ``*ESR?`` first)."""

    def raise_errors(self) -> None:
        """Raise :class:`InstrumentError` with the instrument's messages if its queue holds errors."""
        command = self._last_command
        errors = self.error_queue()
        if errors:
            shown = errors if len(errors) <= 4 else errors[:3] + errors[-1:]
            text = "; ".join(f'{code},"{message}"' for code, message in shown)
            more = f" ({len(errors)} errors; first 3 and last shown)" if len(errors) > 4 else ""
            raise InstrumentError(f"{self.name}: after {command!r}: {text}{more}")

    def check_set_errors(self) -> list:
        """Called by pymeasure after settings: raise on instrument errors when enabled."""
        if self.check_errors_after_set:
            self.raise_errors()
        return []

    def check_errors(self) -> list:
        return self.error_queue()

    def wait_complete(self, timeout: float | None = None) -> None:
        """Wait for ``*OPC?`` to answer 1 (timeout in s, default the I/O timeout)."""
        with self.timeout_of(timeout):
            reply = self.ask("*OPC?").strip()
        if reply.lstrip("+") != "1":
            raise InstrumentReplyError(f"{self.name}: *OPC? answered {reply!r}")

    # --- binary blocks ---------------------------------------------------------
    def write_block(self, command: str, data: bytes) -> None:
        """Send ``command`` immediately followed by a definite-length block of ``data``.

        ``command`` includes its separator (e.g. ``":TRAC1:DATA 1,0,"``).
        """
        self._last_command = command + "<block>"
        with self._io(f"sending {command!r} + {len(data)} bytes"):
            write_block(self.adapter, command, data)
        self.check_set_errors()

    def query_block(self, command: str) -> bytes:
        """Send ``command`` and read one binary block reply."""
        self.write(command)
        with self._io(f"block reply to {command!r}"):
            return read_block(self.adapter, self.block_terminated)
