"""Run the simulated SCPI instruments of a bench in a background thread.

Usage (tests, CLI, GUI)::

    from labctl import sim_servers, instruments
    with sim_servers.start(bench, table) as servers:
        servers.resources          # {"awg_a": "TCPIP0::127.0.0.1::40123::SOCKET", ...}
        awg = instruments.connect(bench, "awg_a")   # finds the running server
        servers.faults("awg_a").delay = 0.5         # fault modes, per instrument

Every instrument whose ``resource`` is ``"sim"`` gets a simulated instrument of
its ``model`` (``sim_backends.scpi.models``), created with its bench
``settings``, on its own TCP port of ``host`` (127.0.0.1 unless given).  The
optical table links them: by default :class:`sim_backends.table.OpticalTable`
built from the bench (when it has a ``topology``); a ``table`` object given
instead (e.g. :class:`sim_backends.scpi.back_to_back.BackToBackTable`) is handed
the instruments with ``table.attach(instruments)`` when it has that method.
Without any table, scope acquisitions fail with a SCPI error (-224) and power
meters read 0 W.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from sim_backends.scpi.instrument import Faults, SimInstrument
from sim_backends.scpi.models import create
from sim_backends.scpi.server import BenchServer

_running: dict[str, str] = {}
_lock = threading.Lock()


@dataclass
class SimServers:
    """Running simulated instruments of one bench."""
    server: BenchServer
    table: object = None
    resources: dict[str, str] = field(default_factory=dict)

    @property
    def instruments(self) -> dict[str, SimInstrument]:
        return self.server.instruments

    def faults(self, name: str) -> Faults:
        """Fault switches of instrument ``name`` (see sim_backends.scpi.instrument.Faults)."""
        return self.server.instruments[name].faults


def build_instruments(bench) -> dict[str, SimInstrument]:
    """Simulated instruments for every ``resource = "sim"`` entry of ``bench.instruments``."""
    return {name: create(name, cfg.model, None, dict(cfg.settings))
            for name, cfg in bench.instruments.items() if cfg.resource == "sim"}


def default_table(bench, instruments: dict[str, SimInstrument]):
    """The bench's optical table (sim_backends.table.OpticalTable), or None without a topology."""
    if getattr(bench, "topology", None) is None:
        return None
    from sim_backends.table import OpticalTable
    return OpticalTable(bench, instruments)


@contextmanager
def start(bench, table=None, host: str = "127.0.0.1",
          ports: dict[str, int] | None = None) -> Iterator[SimServers]:
    """Serve the simulated instruments of ``bench`` until the ``with`` block ends.

    ``table``: the optical table (default: :func:`default_table`); ``host``:
    interface to bind (loopback by default); ``ports``: fixed ports by name
    (default: free ports chosen by the OS).
    """
    instruments = build_instruments(bench)
    if table is None:
        table = default_table(bench, instruments)
    elif hasattr(table, "attach"):
        table.attach(instruments)
    for instrument in instruments.values():
        instrument.table = table
    server = BenchServer(instruments, host=host, ports=ports)
    server.start_thread()
    servers = SimServers(server, table, {name: server.resource(name) for name in instruments})
    with _lock:
        _running.update(servers.resources)
    try:
        yield servers
    finally:
        with _lock:
            for name, resource in servers.resources.items():
                if _running.get(name) == resource:
                    del _running[name]
        server.stop_thread()


def running_resources() -> dict[str, str]:
    """Resources of the simulated instruments served by :func:`start` in this process."""
    with _lock:
        return dict(_running)
