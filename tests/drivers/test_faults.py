"""Fault modes of the simulated instruments become clear driver errors within the timeout."""
import pytest
from drivers_sim_bench import bench_of, serving

from labctl import instruments
from labctl.roles import InstrumentError, InstrumentReplyError, InstrumentTimeout

TIMEOUT = 0.3  # s, driver I/O timeout for these tests


@pytest.fixture(scope="module")
def served():
    bench = bench_of(edfa=("amplifier", "generic_edfa"), awg=("awg", "keysight_m8196a"))
    with serving(bench) as servers:
        yield bench, servers


@pytest.fixture
def edfa(served):
    bench, servers = served
    role = instruments.connect(bench, "edfa", timeout=TIMEOUT)
    yield role, servers.faults("edfa")
    servers.faults("edfa").clear()
    servers.instruments["edfa"].errors.clear()
    role.close()


def test_dropped_connection(edfa):
    role, faults = edfa
    faults.drop = True
    with pytest.raises(InstrumentError, match="edfa"):
        role.gain()


def test_delayed_reply_times_out(edfa):
    role, faults = edfa
    faults.delay = 5 * TIMEOUT
    with pytest.raises(InstrumentTimeout, match=r"edfa: no reply within 0.3 s"):
        role.gain()


def test_garbage_reply(edfa):
    role, faults = edfa
    faults.garbage = True
    with pytest.raises(InstrumentReplyError, match="edfa"):
        role.gain()


def test_full_error_queue_raises_with_the_instruments_messages(edfa):
    role, faults = edfa
    faults.error_flood = True
    with pytest.raises(InstrumentError, match=r'-350,"Queue overflow"'):
        role.set_gain(3.0)


def test_opc_that_never_completes_times_out(edfa):
    role, faults = edfa
    faults.opc_hang = True
    with pytest.raises(InstrumentTimeout, match="no reply within 0.2 s"):
        role.instrument.wait_complete(timeout=0.2)


def test_instrument_error_reported_after_a_setting(served):
    bench, servers = served
    with instruments.connect(bench, "awg", timeout=TIMEOUT) as awg:
        awg.instrument.write(":VOLTage1:AMPLitude 7")  # bypasses the driver's validator on purpose
        with pytest.raises(InstrumentError, match=r"-222,\"Data out of range"):
            awg.instrument.raise_errors()
        awg.instrument.write(":VOLT1:FOO 1")
        with pytest.raises(InstrumentError, match=r"-113,\"Undefined header"):
            awg.instrument.raise_errors()


def test_connection_refused_is_a_clear_error():
    with pytest.raises(InstrumentError, match="lost|cannot open|no reply|I/O"):
        bench = bench_of(x=("amplifier", "generic_edfa"))
        bench.instruments["x"].resource = "TCPIP0::127.0.0.1::1::SOCKET"
        with instruments.connect(bench, "x", timeout=TIMEOUT) as role:
            role.gain()
