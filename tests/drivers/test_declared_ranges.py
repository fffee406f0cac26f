"""The drivers refuse values outside their model's declared range before sending.

Ranges come from :data:`labctl.role_settings.MODELS`; "nothing sent" is checked
with pymeasure's ProtocolAdapter expecting no message at all.  Over real sockets:
bench settings the declaration adds (heater current) reach the instrument, and a
value reaches the simulated instrument exactly as ``Setting.on_wire`` says.
"""
import pytest
from drivers_sim_bench import bench_of, serving
from pymeasure.test import expected_protocol

from drivers.generic_edfa import EDFAAmplifier, GenericEDFA
from drivers.generic_heaters import GenericHeaters, HeaterBank
from drivers.generic_mbc import GenericMBC, MBCBias
from drivers.keysight_m8196a import M8196AAWG, KeysightM8196A
from drivers.keysight_uxr import KeysightUXR, UXRScope
from drivers.santec_tsl570 import SantecTSL570, TSL570Laser
from labctl import instruments
from labctl.role_settings import MODELS, SettingError


def bare(adapter_cls, instrument):
    """A role adapter around ``instrument`` without its connection set-up (no limits)."""
    role = adapter_cls.__new__(adapter_cls)
    role.name, role.limits, role.instrument = "dut", None, instrument
    return role


@pytest.mark.parametrize("instrument_cls, adapter_cls, call, pattern", [
    # beyond the heater's 0.1 A: refused before the source function is switched
    (GenericHeaters, HeaterBank, lambda r: r.set_current(1, 0.15), r"heater 1 current: .*0 \.\. 0\.1 A"),
    # in the AWG role's range, outside the M8196A's 88-93.4 GSa/s
    (KeysightM8196A, M8196AAWG, lambda r: r.set_sample_rate(64e9), r"sample_rate: .*8\.8e\+10"),
    (KeysightM8196A, M8196AAWG, lambda r: r.set_amplitude(2, 1.2), r"amplitude: .*0\.1 \.\. 1 V"),
    (GenericMBC, MBCBias, lambda r: r.set_mode(1, "quad"), r"mode: expected one of 'quadrature'"),
    (GenericEDFA, EDFAAmplifier, lambda r: r.set_gain(31.0), r"gain: .*0 \.\. 30 dB"),
    # in the scope role's range (to 5 V), outside the UXR's 2 V full scale
    (KeysightUXR, UXRScope, lambda r: r.set_range(1, 3.0), r"range: .*0\.008 \.\. 2 V"),
    (KeysightUXR, UXRScope, lambda r: r.set_points(8), r"points: .*16 \.\. 1073741824"),
    (SantecTSL570, TSL570Laser, lambda r: r.set_wavelength(1300e-9), r"wavelength: .*1\.48e-06"),
])
def test_out_of_range_is_refused_before_sending(instrument_cls, adapter_cls, call, pattern):
    with expected_protocol(instrument_cls, []) as instrument:   # any message would fail here
        with pytest.raises(SettingError, match=rf"dut: {pattern}.*nothing was sent"):
            call(bare(adapter_cls, instrument))


def test_in_range_is_sent_with_the_declared_format():
    gain = MODELS["generic_edfa"]["gain"]
    with expected_protocol(GenericEDFA, [(":AMPLifier:GAIN " + gain.scpi % 12.3456789, None)]) as inst:
        bare(EDFAAmplifier, inst).set_gain(12.3456789)
    assert gain.scpi % 12.3456789 == "12.3457"


def test_heater_current_is_a_bench_setting_over_sockets():
    bench = bench_of(heaters=("heaters", "generic_heaters", {"current": 0.004}))
    with serving(bench) as servers:
        with instruments.connect(bench, "heaters"):
            pass
        channels = servers.instruments["heaters"].state["channels"]
    assert {c["current"] for c in channels.values()} == {0.004}


WIRE_CASES = [  # (role, model, key, channel, value): per-model formats and wire units included
    ("amplifier", "generic_edfa", "gain", None, 12.3456789),
    ("scope", "keysight_uxr", "offset", 2, 0.123456789),
    ("scope", "tektronix_dpo70000", "range", 3, 0.123456789),       # sent as V/div
    ("laser", "santec_tsl570", "power", None, 0.0123456789),         # sent in mW, %.6g
    ("laser", "keysight_n7776c", "power", None, 0.0123456789),       # sent as "%f mW"
    ("laser", "keysight_n7776c", "wavelength", None, 1550.123456789e-9),  # sent as "%fnm"
    ("heaters", "generic_heaters", "current", 5, 0.0123456789),
]


@pytest.mark.parametrize("role, model, key, channel, value", WIRE_CASES,
                         ids=[f"{c[1]}-{c[2]}" for c in WIRE_CASES])
def test_a_value_reaches_the_instrument_as_on_wire_says(role, model, key, channel, value):
    """What the in-process path stores (``on_wire``) is what the simulated instrument
    holds after the driver sent the value, and sending that number again changes nothing."""
    setting = MODELS[model][key]
    bench = bench_of(dut=(role, model))
    with serving(bench) as servers:
        with instruments.connect(bench, "dut") as dut:
            state = servers.instruments["dut"].state
            args = (channel,) if channel is not None else ()
            getattr(dut, setting.method)(*args, value)
            dut.identity()            # a query: the instrument has executed the setting before it
            held = (state["channels"][channel] if channel is not None else state)[key]
            assert held == setting.on_wire(value) != value
            getattr(dut, setting.method)(*args, held)
            dut.identity()
            assert (state["channels"][channel] if channel is not None else state)[key] == held
