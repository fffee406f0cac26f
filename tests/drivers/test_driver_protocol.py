"""Protocol tests: the exact bytes each driver sends and how it reads replies (pymeasure expected_protocol)."""
import numpy as np
import pytest
from pymeasure.test import expected_protocol

from drivers.generic_edfa import GenericEDFA
from drivers.generic_heaters import GenericHeaters
from drivers.generic_mbc import GenericMBC
from drivers.keysight_m8196a import KeysightM8196A
from drivers.keysight_n7744c import KeysightN7744C
from drivers.keysight_n7776c import KeysightN7776C
from drivers.keysight_uxr import KeysightUXR
from drivers.santec_tsl570 import SantecTSL570
from drivers.tektronix_awg70002b import TektronixAWG70002B
from drivers.tektronix_dpo70000 import TektronixDPO70000
from labctl.roles import InstrumentError, InstrumentReplyError


# ------------------------------------------------------------------ AWGs
def test_m8196a_settings():
    with expected_protocol(KeysightM8196A, [(":FREQuency:RASTer 9.2e+10", None),
                                            (":VOLTage3:AMPLitude 0.35", None),
                                            (":VOLTage3:OFFSet?", "-0.1"),
                                            (":OUTPut2 1", None),
                                            (":INITiate:IMMediate", None)]) as awg:
        awg.sample_rate = 92e9
        awg.ch_3.amplitude = 0.35
        assert awg.ch_3.offset == -0.1
        awg.ch_2.output_enabled = True
        awg.run()


def test_m8196a_upload_is_signed_bytes_in_a_definite_block():
    codes = np.arange(256, dtype=np.uint16)
    wire = bytes((c - 128) & 0xFF for c in range(256))
    with expected_protocol(KeysightM8196A, [(":TRACe4:DEFine 1,256", None),
                                            (b":TRACe4:DATA 1,0,#3256" + wire, None)]) as awg:
        awg.ch_4.upload(codes)


def test_m8196a_download_parses_the_block():
    wire = bytes([0x80, 0xFF, 0x00, 0x7F, 0x0A])  # -128, -1, 0, 127, 10 (0x0A inside the data)
    with expected_protocol(KeysightM8196A, [(":TRACe1:CATalog?", "1,5"),
                                            (":TRACe1:DATA? 1,0,5", b"#15" + wire + b"\n")]) as awg:
        assert awg.ch_1.download().tolist() == [0, 127, 128, 255, 138]


def test_m8196a_rejects_bad_codes_before_sending():
    with expected_protocol(KeysightM8196A, []) as awg:
        with pytest.raises(ValueError, match="0..255"):
            awg.ch_1.upload(np.full(128, 256))
        with pytest.raises(ValueError, match="length"):
            awg.ch_1.upload(np.zeros(100, dtype=np.uint16))
        with pytest.raises(ValueError):
            awg.sample_rate = 100e9


def test_awg70002b_upload_float_block_and_assign():
    codes = np.array([0, 1023, 512], dtype=np.uint16)
    floats = ((2.0 * codes - 1023) / 1023).astype("<f4").tobytes()
    with expected_protocol(TektronixAWG70002B, [
            ('WLISt:WAVeform:NEW "labctl_ch2",3', None),
            (b'WLISt:WAVeform:DATA "labctl_ch2",0,3,#212' + floats, None),
            ('SOURce2:CASSet:WAVeform "labctl_ch2"', None),
            ("SOURce2:DAC:RESolution 10", None),
            ("CLOCk:SRATe?", "2.5E+10")]) as awg:
        awg.ch_2.upload(codes)
        awg.ch_2.resolution = 10
        assert awg.sample_rate == 25e9


def test_awg70002b_download_round_trips_codes():
    codes = np.array([0, 1, 511, 512, 1022, 1023], dtype=np.uint16)
    floats = ((2.0 * codes - 1023) / 1023).astype("<f4").tobytes()
    with expected_protocol(TektronixAWG70002B, [
            ("SOURce1:CASSet:WAVeform?", '"w"'),
            ('WLISt:WAVeform:LENGth? "w"', "6"),
            ('WLISt:WAVeform:DATA? "w",0,6', b"#224" + floats + b"\n")]) as awg:
        assert np.array_equal(awg.ch_1.download(), codes)


# ------------------------------------------------------------------ scopes
def test_uxr_download_scales_word_data_from_the_preamble():
    values = np.array([-512, 0, 511], dtype="<i2")
    preamble = "2,1,3,1,7.8125e-12,0,0,0.0005,0.01025,0"
    with expected_protocol(KeysightUXR, [
            (":WAVeform:SOURce CHANnel3;:WAVeform:FORMat WORD;:WAVeform:BYTeorder LSBFirst;"
             ":WAVeform:STReaming OFF", None),
            (":WAVeform:PREamble?", preamble),
            (":WAVeform:DATA?", b"#16" + values.tobytes() + b"\n")]) as scope:
        trace = scope.ch_3.download()
    assert trace.codes.tolist() == [0, 512, 1023]
    # volts = yinc * value + yorigin
    assert np.allclose(trace.volts(), 0.0005 * values + 0.01025)
    assert trace.x_increment == pytest.approx(7.8125e-12)


def test_uxr_settings_and_digitize():
    with expected_protocol(KeysightUXR, [(":CHANnel1:RANGe 0.4", None), (":ACQuire:POINts:ANALog 4096", None),
                                         (":ACQuire:SRATe:ANALog?", "1.28E+11"), (":DIGitize", None),
                                         ("*OPC?", "1")]) as scope:
        scope.ch_1.full_scale = 0.4
        scope.points = 4096
        assert scope.sample_rate == 128e9
        scope.single()
        scope.wait_complete()


def test_dpo70000_curve_download_and_scaling():
    values = np.array([-128, -1, 0, 127], dtype=np.int8)
    with expected_protocol(TektronixDPO70000, [
            ("HEADer OFF", None),
            (f"DATa:SOUrce CH2;:DATa:ENCdg RIBinary;:DATa:STARt 1;:DATa:STOP {1 << 30};"
             ":WFMOutpre:BYT_Nr 1", None),
            ("WFMOutpre:YMUlt?;:WFMOutpre:YOFf?;:WFMOutpre:YZEro?;:WFMOutpre:XINcr?",
             "0.002;-0.5;0.1;1e-11"),
            ("CURVe?", b"#14" + values.tobytes() + b"\n")]) as scope:
        trace = scope.ch_2.download()
    assert trace.codes.tolist() == [0, 127, 128, 255]
    # volts = (value - YOFf) * YMUlt + YZEro
    assert np.allclose(trace.volts(), (values + 0.5) * 0.002 + 0.1)


def test_dpo70000_full_scale_is_ten_divisions_and_single_sequence():
    with expected_protocol(TektronixDPO70000, [("HEADer OFF", None), ("CH1:SCAle 0.05", None), ("CH1:SCAle?", "0.05"),
                                               ("ACQuire:STOPAfter SEQuence;:ACQuire:STATE RUN", None)]) as scope:
        scope.ch_1.full_scale = 0.5
        assert scope.ch_1.full_scale == pytest.approx(0.5)
        scope.single()


def test_dpo70000_reads_errors_through_esr_and_the_event_queue():
    """Programmer manual, Status and Events: *ESR? first, then EVMsg? until event 0 or 1."""
    with expected_protocol(TektronixDPO70000, [
            ("HEADer OFF", None), ("*ESR?", "48"),
            ("EVMsg?", '222,"Data out of range"'), ("EVMsg?", '113,"Undefined header"'),
            ("EVMsg?", '1,"No events to report - new events pending *ESR?"')]) as scope:
        with pytest.raises(InstrumentError, match=r'222,"Data out of range"; 113,"Undefined header"'):
            scope.raise_errors()


# ------------------------------------------------------------------ lasers, meter, generic
def test_tsl570_reused_pymeasure_commands_in_si():
    with expected_protocol(SantecTSL570, [(":WAVelength 1.55012e-06", None), (":POWer 5", None),
                                          (":POWer:STATe 1", None), (":WAVelength?", "1.55012E-06")]) as laser:
        laser.wavelength_setpoint = 1550.12e-9
        laser.power_setpoint = 5
        laser.output_enabled = True
        assert laser.wavelength_setpoint == pytest.approx(1550.12e-9)


def test_n7776c_reused_pymeasure_commands():
    with expected_protocol(KeysightN7776C, [("sour0:wav 1550.120000nm", None), ("SOUR0:POW 5.000000 mW", None),
                                            ("SOUR0:POW:STAT 1", None)]) as laser:
        laser.wavelength = 1550.12
        laser.output_power_mW = 5
        laser.output_enabled = True


def test_n7744c_port_commands():
    with expected_protocol(KeysightN7744C, [(":SENSe3:POWer:WAVelength 1.31e-06", None),
                                            (":SENSe3:POWer:UNIT 1", None), (":READ3:POWer?", "1.25E-03")]) as pm:
        pm.port_3.wavelength = 1310e-9
        pm.port_3.unit = "W"
        assert pm.port_3.power == pytest.approx(1.25e-3)


def test_generic_mbc_edfa_heaters_commands():
    with expected_protocol(GenericMBC, [(":BIAS2:MODE QUAD", None), (":BIAS2:VOLTage?", "2.5")]) as mbc:
        mbc.ch_2.mode = "quadrature"
        assert mbc.ch_2.voltage == 2.5
    with expected_protocol(GenericEDFA, [(":AMPLifier:MODE POW", None), (":AMPLifier:POWer 0.05", None)]) as edfa:
        edfa.mode = "power"
        edfa.power = 0.05
    with expected_protocol(GenericHeaters, [(":SOURce64:CURRent 0.012", None),
                                            (":MEASure64:VOLTage?", "3.6")]) as heaters:
        heaters.ch_64.current_setpoint = 0.012
        assert heaters.ch_64.voltage == 3.6


# ------------------------------------------------------------------ error queue and strict replies
def test_error_queue_check_raises_with_the_instruments_message():
    with expected_protocol(GenericEDFA, [(":AMPLifier:GAIN 12", None),
                                         (":SYSTem:ERRor?", '-222,"Data out of range"'),
                                         (":SYSTem:ERRor?", '0,"No error"')], check_errors=True) as edfa:
        with pytest.raises(InstrumentError, match='-222,"Data out of range"'):
            edfa.gain = 12


def test_error_check_is_optional():
    with expected_protocol(GenericEDFA, [(":AMPLifier:GAIN 12", None)], check_errors=False) as edfa:
        edfa.gain = 12


def test_opc_reply_other_than_one_is_an_error():
    with expected_protocol(GenericEDFA, [("*OPC?", "0")]) as edfa:
        with pytest.raises(InstrumentReplyError):
            edfa.wait_complete()


def test_unparsable_reply_raises_instead_of_passing_a_string():
    with expected_protocol(GenericEDFA, [(":AMPLifier:GAIN?", "garbage")]) as edfa:
        with pytest.raises(InstrumentReplyError, match="garbage"):
            edfa.gain
