"""Requests beyond the bench's safety limits raise before anything is sent.

"Nothing sent" is checked twice: with pymeasure's ProtocolAdapter expecting no
message at all, and against a simulated instrument whose state must not change.
"""
import pytest
from drivers_sim_bench import bench_of, serving
from pymeasure.test import expected_protocol

from drivers.generic_edfa import EDFAAmplifier, GenericEDFA
from drivers.generic_heaters import GenericHeaters, HeaterBank
from drivers.generic_mbc import GenericMBC, MBCBias
from drivers.keysight_m8196a import M8196AAWG, KeysightM8196A
from drivers.keysight_n7776c import KeysightN7776C, N7776CLaser
from drivers.santec_tsl570 import SantecTSL570, TSL570Laser
from drivers.tektronix_awg70002b import AWG70002BAWG, TektronixAWG70002B
from labctl import instruments
from labctl.bench import SafetyLimits
from labctl.roles import SafetyLimitError

LIMITS = SafetyLimits(max_laser_power=5e-3, max_modulator_voltage=0.4,
                      max_heater_current=0.02, max_heater_voltage=4.0)


class _Bare:
    """Build a role adapter around an instrument without running its connection set-up."""

    @staticmethod
    def role(adapter_cls, instrument):
        role = adapter_cls.__new__(adapter_cls)
        role.name, role.limits, role.instrument = "dut", LIMITS, instrument
        return role


@pytest.mark.parametrize("instrument_cls, adapter_cls, call", [
    (SantecTSL570, TSL570Laser, lambda r: r.set_power(6e-3)),
    (KeysightN7776C, N7776CLaser, lambda r: r.set_power(0.0051)),
    (KeysightM8196A, M8196AAWG, lambda r: r.set_amplitude(1, 0.5)),
    (KeysightM8196A, M8196AAWG, lambda r: r.set_offset(2, -0.45)),
    (TektronixAWG70002B, AWG70002BAWG, lambda r: r.set_amplitude(1, 0.45)),
    (GenericMBC, MBCBias, lambda r: r.set_voltage(3, -0.41)),
    (GenericEDFA, EDFAAmplifier, lambda r: r.set_power(0.0075)),
    (GenericHeaters, HeaterBank, lambda r: r.set_current(7, 0.021)),
    (GenericHeaters, HeaterBank, lambda r: r.set_voltage(7, 4.5)),
])
def test_nothing_is_sent_beyond_a_limit(instrument_cls, adapter_cls, call):
    with expected_protocol(instrument_cls, []) as instrument:  # any message would fail here
        with pytest.raises(SafetyLimitError, match="dut: .* exceeds the safety limit .*nothing was sent"):
            call(_Bare.role(adapter_cls, instrument))


def test_within_limits_is_sent():
    with expected_protocol(GenericEDFA, [(":AMPLifier:POWer 0.004", None)]) as instrument:
        _Bare.role(EDFAAmplifier, instrument).set_power(4e-3)


def test_limits_from_the_bench_apply_over_sockets():
    bench = bench_of(laser=("laser", "santec_tsl570", {}, LIMITS), heaters=("heaters", "generic_heaters", {}, LIMITS))
    with serving(bench) as servers:
        with instruments.connect(bench, "laser") as laser, instruments.connect(bench, "heaters") as heaters:
            laser.set_power(2e-3)
            with pytest.raises(SafetyLimitError):
                laser.set_power(10e-3)
            with pytest.raises(SafetyLimitError):
                heaters.set_current(1, 0.05)
        assert servers.instruments["laser"].state["power"] == pytest.approx(2e-3)
        assert servers.instruments["heaters"].state["channels"][1]["current"] == 0.0


def test_bench_settings_beyond_limits_are_refused_at_connection():
    bench = bench_of(laser=("laser", "keysight_n7776c", {"power": 8e-3}, LIMITS))
    with serving(bench) as servers:
        before = servers.instruments["laser"].state["power"]
        with pytest.raises(SafetyLimitError):
            instruments.connect(bench, "laser")
        assert servers.instruments["laser"].state["power"] == before
