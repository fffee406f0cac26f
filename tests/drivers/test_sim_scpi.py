"""The simulated instruments' SCPI interpreter and the socket server's framing."""
import socket

import numpy as np
import pytest
from drivers_sim_bench import bench_of, serving

from sim_backends.scpi.commands import header_regex
from sim_backends.scpi.models import SIM_MODELS, create


def ask(instrument, text: str) -> str:
    reply = instrument.handle(text.encode())
    assert reply is None or reply.endswith(b"\n")
    return reply.decode().removesuffix("\n") if reply else ""


def test_short_and_long_forms_numeric_suffix_and_optional_nodes():
    regex = header_regex(":SOURce<n>:VOLTage[:LEVel][:IMMediate][:AMPLitude]")
    for header in (":SOUR2:VOLT", "source2:voltage:level:immediate:amplitude", "SOUR2:VOLT:AMPL?"):
        assert regex.match(header), header
    for header in (":SOURC2:VOLT", ":SOUR2:VOLTA", ":SOUR2:AMPL"):
        assert not regex.match(header), header


SCPI_ERROR_QUEUE = sorted(set(SIM_MODELS) - {"tektronix_dpo70000"})   # it has an event queue


@pytest.mark.parametrize("model", SCPI_ERROR_QUEUE)
def test_common_commands_of_every_model(model):
    inst = create("x", model)
    assert "," in ask(inst, "*IDN?")
    assert ask(inst, "*OPC?") == "1"
    assert ask(inst, ":SYSTem:ERRor?") == '0,"No error"'
    inst.handle(b":NOT:A:COMMand 1")
    assert ask(inst, ":SYST:ERR?").startswith('-113,"Undefined header')
    inst.handle(b":NOT:A:COMMand 1")
    inst.handle(b"*CLS")
    assert ask(inst, ":SYST:ERR?") == '0,"No error"'


def test_dpo70000_event_queue_follows_the_programmer_manual():
    inst = create("scope", "tektronix_dpo70000")
    assert ask(inst, "*IDN?").startswith("TEKTRONIX,")
    assert ask(inst, "EVMsg?") == '0,"No events to report - queue empty"'
    inst.handle(b"NOT:A:COMMand 1")                  # command error: CME, SESR bit 5
    inst.handle(b"CH1:SCAle 9")                      # execution error: EXE, SESR bit 4
    assert ask(inst, "EVMsg?") == '1,"No events to report - new events pending *ESR?"'
    assert ask(inst, "*ESR?") == str(32 + 16)
    assert ask(inst, "*ESR?") == "0"                 # reading clears the SESR ...
    inst.handle(b"CH1:SCAle 9")
    assert ask(inst, "*ESR?") == "16"                # ... and drops summarised, unread events
    assert ask(inst, "EVMsg?").startswith('222,"Data out of range')
    assert ask(inst, "EVMsg?") == '0,"No events to report - queue empty"'
    inst.handle(b":SYSTem:ERRor?")                   # not a DPO70000 command
    inst.handle(b"CH1:SCAle 9")
    assert ask(inst, "*ESR?") == str(32 + 16)
    events = ask(inst, "ALLEv?")
    assert events.startswith('113,"Undefined header; :SYSTem:ERRor?"') and ',222,"Data out' in events
    inst.handle(b"FOO")
    assert ask(inst, "*ESR?") == "32"
    inst.errors.clear()                              # a queue emptied behind the interpreter's back
    assert ask(inst, "*ESR?") == "0" and ask(inst, "EVMsg?").startswith("0,")
    inst.handle(b"FOO")
    inst.handle(b"*CLS")
    assert (ask(inst, "*ESR?"), ask(inst, "EVENT?")) == ("0", "0")


def test_error_codes_out_of_range_and_illegal_value():
    inst = create("awg", "keysight_m8196a")
    inst.handle(b":FREQ:RAST 1e12")                 # numeric out of range
    inst.handle(b":OUTP1 MAYBE")                   # not a boolean
    inst.handle(b":TRAC1:DEF 1,130")               # not a multiple of 128
    codes = [int(ask(inst, ":SYST:ERR?").split(",")[0]) for _ in range(4)]
    assert codes == [-222, -224, -224, 0]
    assert inst.state["sample_rate"] == 92e9


def test_queue_overflow_keeps_30_entries_and_ends_with_minus_350():
    inst = create("edfa", "generic_edfa")
    for _ in range(40):
        inst.handle(b":AMPL:GAIN 99")
    entries = [ask(inst, ":SYST:ERR?") for _ in range(31)]
    assert all(e.startswith("-222") for e in entries[:29])
    assert entries[29] == '-350,"Queue overflow"'
    assert entries[30] == '0,"No error"'


def test_reset_restores_power_on_state_and_compound_messages():
    inst = create("edfa", "generic_edfa")
    assert ask(inst, ":AMPL:GAIN 12;:AMPL:GAIN?;:OUTP ON;:OUTP?") == "12;1"
    inst.handle(b"*RST")
    assert inst.state == create("edfa", "generic_edfa").state


def test_state_keys_of_the_interface_contract():
    """Keys the optical table reads (docs/INTERFACES.md)."""
    required = {
        "keysight_m8196a": ({"sample_rate", "bits", "running", "channels"}, {"codes", "vpp", "offset", "output"}),
        "tektronix_awg70002b": ({"sample_rate", "bits", "running", "channels"}, {"codes", "vpp", "offset", "output"}),
        "keysight_uxr": ({"sample_rate", "points", "bits", "channels"}, {"range", "offset", "enabled"}),
        "tektronix_dpo70000": ({"sample_rate", "points", "bits", "channels"}, {"range", "offset", "enabled"}),
        "santec_tsl570": ({"wavelength", "power", "output"}, set()),
        "keysight_n7776c": ({"wavelength", "power", "output"}, set()),
        "generic_mbc": ({"channels"}, {"mode", "voltage"}),
        "generic_edfa": ({"mode", "gain", "power", "output"}, set()),
        "generic_heaters": ({"channels"}, {"current", "voltage"}),
        "keysight_n7744c": ({"channels"}, {"wavelength"}),
    }
    for model, (top, per_channel) in required.items():
        state = create("x", model).state
        assert top <= set(state), model
        for channel in state.get("channels", {}).values():
            assert per_channel <= set(channel), model


def _raw(resource: str) -> socket.socket:
    _, host, port, _ = resource.split("::")
    return socket.create_connection((host, int(port)), timeout=5)


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        assert chunk, "connection closed"
        data += chunk
    return data


def test_server_framing_block_without_terminator_then_next_command_in_one_packet():
    bench = bench_of(awg=("awg", "keysight_m8196a"))
    codes = np.arange(128) + 64
    samples = (codes - 128).astype(np.int8).tobytes()  # contains 0x0A and '#' bytes
    assert b"\n" in samples and b"#" in samples
    with serving(bench) as servers, _raw(servers.resources["awg"]) as sock:
        sock.sendall(b":TRAC1:DEF 1,128\n:TRAC1:DATA 1,0,#3128" + samples + b":TRAC1:CAT?\n")
        assert _read_line(sock) == b"1,128\n"
        assert np.array_equal(servers.instruments["awg"].state["channels"][1]["codes"], codes)
        sock.sendall(b":SYST:ERR?\n")
        assert _read_line(sock) == b'0,"No error"\n'


def test_server_binds_loopback_only_by_default():
    bench = bench_of(edfa=("amplifier", "generic_edfa"))
    with serving(bench) as servers:
        assert servers.resources["edfa"].startswith("TCPIP0::127.0.0.1::")
        port = servers.server.ports["edfa"]
        listening = servers.server._servers[0].sockets[0].getsockname()
        assert listening == ("127.0.0.1", port)
