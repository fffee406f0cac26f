"""Every driver against its simulated instrument: pyvisa + pyvisa-py over real loopback sockets."""
import socket

import numpy as np
import pytest

from labctl import instruments
from labctl.roles import (
    AWG,
    BiasController,
    HeaterArray,
    Laser,
    OpticalAmplifier,
    Oscilloscope,
    PowerMeter,
)
from sim_backends.physics.mzm import MZM


def state(servers, name):
    return servers.instruments[name].state


def test_identities_are_model_specific(every_model):
    bench, servers = every_model
    expected = {"awg_m": "M8196A", "awg_t": "AWG70002B", "scope_k": "UXR", "scope_t": "DPO7",
                "laser_s": "TSL-570", "laser_k": "N7776C", "pm": "N7744C", "bias": "MBC",
                "edfa": "EDFA", "heaters": "HEATER-64"}
    for name, model in expected.items():
        with instruments.connect(bench, name) as role:
            assert model in role.identity()


def test_socket_sessions_have_tcp_nodelay(every_model):
    bench, _ = every_model
    with instruments.connect(bench, "edfa") as role:
        connection = role.instrument.adapter.connection
        sock = connection.visalib.sessions[connection.session].interface
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1


@pytest.mark.parametrize("name, bits, length", [("awg_m", 8, 1024), ("awg_t", 10, 1000)])
def test_awg_settings_and_waveform_round_trip(every_model, name, bits, length):
    bench, servers = every_model
    codes = np.random.default_rng(7).integers(0, 2**bits, length).astype(np.uint16)
    with instruments.connect(bench, name) as awg:
        assert isinstance(awg, AWG) and awg.bits == bits
        awg.upload(2, codes)
        awg.set_amplitude(2, 0.3)
        awg.set_output(2, True)
        awg.run()
        awg.wait_complete()
        assert np.array_equal(awg.download(2), codes)
    st = state(servers, name)
    assert np.array_equal(st["channels"][2]["codes"], codes)
    assert st["channels"][2]["vpp"] == pytest.approx(0.3)
    assert st["channels"][2]["output"] is True and st["running"] is True


def test_awg_sample_rate(every_model):
    bench, servers = every_model
    with instruments.connect(bench, "awg_m") as awg:
        awg.set_sample_rate(90e9)
        assert awg.sample_rate() == pytest.approx(90e9)
    assert state(servers, "awg_m")["sample_rate"] == pytest.approx(90e9)


@pytest.mark.parametrize("name", ["scope_k", "scope_t"])
def test_scope_settings_reach_the_instrument_state(every_model, name):
    bench, servers = every_model
    with instruments.connect(bench, name) as scope:
        assert isinstance(scope, Oscilloscope)
        scope.set_range(3, 0.2)
        scope.set_offset(3, 0.05)
        scope.set_enabled(4, False)
        scope.set_points(1024)
        scope.set_sample_rate(64e9)
        assert scope.sample_rate() == pytest.approx(64e9)
    st = state(servers, name)
    assert st["channels"][3]["range"] == pytest.approx(0.2)
    assert st["channels"][3]["offset"] == pytest.approx(0.05)
    assert st["channels"][4]["enabled"] is False and st["points"] == 1024


@pytest.mark.parametrize("name", ["scope_k", "scope_t"])
def test_instrument_errors_reach_the_driver_over_the_socket(every_model, name):
    """SCPI :SYSTem:ERRor? on the UXR, *ESR? + EVMsg? on the DPO70000: same InstrumentError."""
    from labctl.roles import InstrumentError
    bench, servers = every_model
    with instruments.connect(bench, name) as scope:
        scope.instrument.write("NOT:A:COMMand 1")            # bypasses every validator on purpose
        with pytest.raises(InstrumentError, match=r'113,"Undefined header; NOT:A:COMMand'):
            scope.instrument.raise_errors()
        assert scope.instrument.error_queue() == []         # the read emptied the queue
    assert not servers.instruments[name].errors


@pytest.mark.parametrize("name", ["laser_s", "laser_k"])
def test_laser_in_si_units(every_model, name):
    bench, servers = every_model
    with instruments.connect(bench, name) as laser:
        assert isinstance(laser, Laser)
        laser.set_wavelength(1549.32e-9)
        laser.set_power(4e-3)
        laser.set_output(True)
        assert laser.wavelength() == pytest.approx(1549.32e-9, rel=1e-9)
        assert laser.power() == pytest.approx(4e-3, rel=1e-6)
        assert laser.output() is True
    st = state(servers, name)
    assert st["wavelength"] == pytest.approx(1549.32e-9, rel=1e-9)
    assert st["power"] == pytest.approx(4e-3, rel=1e-6) and st["output"] is True


def test_power_meter_reads_the_table(every_model):
    bench, servers = every_model

    class Tap:  # a table whose tap power is known: 1.5 mW on port n = n * 1.5 mW
        def optical_power(self, meter, channel):
            return 1.5e-3 * channel

    servers.instruments["pm"].table = Tap()
    try:
        with instruments.connect(bench, "pm") as pm:
            assert isinstance(pm, PowerMeter)
            pm.set_wavelength(2, 1310e-9)
            assert pm.power(3) == pytest.approx(4.5e-3)
    finally:
        servers.instruments["pm"].table = None
    assert state(servers, "pm")["channels"][2]["wavelength"] == pytest.approx(1310e-9)


def test_bias_controller_modes(every_model):
    bench, servers = every_model
    with instruments.connect(bench, "bias") as bias:
        assert isinstance(bias, BiasController)
        bias.set_mode(1, "manual")
        bias.set_voltage(1, -1.25)
        assert bias.voltage(1) == pytest.approx(-1.25)
        bias.set_mode(2, "null")
        assert bias.mode(2) == "null"
        # cos^2 MZM: transmission cos^2(pi V / (2 V_pi)) is zero at |V| = V_pi, one at V = 0
        assert abs(bias.voltage(2)) == pytest.approx(MZM.v_pi)
        bias.set_mode(3, "peak")
        assert bias.voltage(3) == pytest.approx(0.0)
        bias.set_mode(4, "quadrature")
        assert abs(bias.voltage(4)) == pytest.approx(MZM.v_pi / 2)
    st = state(servers, "bias")["channels"]
    assert st[1]["mode"] == "manual" and st[1]["voltage"] == pytest.approx(-1.25)
    assert st[2]["mode"] == "null"


def test_amplifier(every_model):
    bench, servers = every_model
    with instruments.connect(bench, "edfa") as edfa:
        assert isinstance(edfa, OpticalAmplifier)
        edfa.set_mode("power")
        edfa.set_power(0.02)
        edfa.set_gain(17.5)
        edfa.set_output(True)
        assert edfa.gain() == pytest.approx(17.5)
    st = state(servers, "edfa")
    assert (st["mode"], st["output"]) == ("power", True)
    assert st["power"] == pytest.approx(0.02) and st["gain"] == pytest.approx(17.5)


def test_heater_array_current_and_voltage(every_model):
    bench, servers = every_model
    with instruments.connect(bench, "heaters") as heaters:
        assert isinstance(heaters, HeaterArray) and len(heaters.channels) == 64
        heaters.set_current(64, 0.01)
        heaters.set_voltage(1, 1.5)
        assert heaters.current(64) == pytest.approx(0.01)
        r = servers.instruments["heaters"].state["channels"][1]["resistance"]
        assert heaters.current(1) == pytest.approx(1.5 / r)  # Ohm's law in the simulated heater
    st = state(servers, "heaters")["channels"]
    assert st[64]["current"] == pytest.approx(0.01) and st[1]["voltage"] == pytest.approx(1.5)


def test_bench_settings_are_applied_at_connection(every_model):
    bench, servers = every_model
    bench.instruments["laser_k"].settings = {"wavelength": 1551.0e-9, "power": 2e-3, "output": True}
    try:
        with instruments.connect(bench, "laser_k"):
            pass
    finally:
        bench.instruments["laser_k"].settings = {}
    st = state(servers, "laser_k")
    assert st["wavelength"] == pytest.approx(1551.0e-9) and st["power"] == pytest.approx(2e-3)


def test_unknown_setting_is_an_error(every_model):
    bench, _ = every_model
    bench.instruments["edfa"].settings = {"gian": 3.0}
    try:
        with pytest.raises(instruments.InstrumentError, match="unknown setting 'gian'"):
            instruments.connect(bench, "edfa")
    finally:
        bench.instruments["edfa"].settings = {}


@pytest.mark.parametrize("direct", [True, False])
def test_block_paths_over_a_real_socket(every_model, direct):
    """Socket path and generic pyvisa path move the same bytes; the stream stays in step."""
    from labctl.visa_blocks import read_block, write_block
    bench, servers = every_model
    codes = (np.arange(1024) % 256).astype(np.uint16)
    data = (codes.astype(np.int16) - 128).astype(np.int8).tobytes()   # holds 0x0A and '#'
    with instruments.connect(bench, "awg_m") as awg:
        awg.instrument.write(":TRACe3:DEFine 1,1024")
        write_block(awg.instrument.adapter, ":TRACe3:DATA 1,0,", data, direct=direct)
        awg.wait_complete()
        assert np.array_equal(servers.instruments["awg_m"].state["channels"][3]["codes"], codes)
        awg.instrument.write(":TRACe3:DATA? 1,0,1024")
        assert bytes(read_block(awg.instrument.adapter, True, direct=direct)) == data
        assert "M8196A" in awg.identity()


def test_scope_download_of_a_large_record(every_model):
    bench, servers = every_model
    codes = np.random.default_rng(4).integers(0, 1024, 3 << 20).astype(np.uint16)  # 6 MiB WORD block
    servers.instruments["scope_k"].memory = {2: codes}
    with instruments.connect(bench, "scope_k") as scope:
        trace = scope.download(2)
    assert np.array_equal(trace.codes, codes) and trace.bits == 10
