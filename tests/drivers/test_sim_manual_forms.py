"""Reply formats the programmer manuals define and the public drivers rely on.

IEEE 488.2 ``*ESR?`` bits, SCPI-99 error-queue forms, Infiniium headers and streaming
blocks, AWG70000 mass memory and WFMX files, DPO70000 data encodings.
"""
import numpy as np
import pytest

from sim_backends.scpi.models import SIM_MODELS, create
from sim_backends.scpi.tektronix_awg70002b import parse_wfmx


def ask(instrument, text: str) -> str:
    reply = instrument.handle(text.encode())
    return reply.decode().removesuffix("\n") if reply else ""


SCPI_MODELS = sorted(set(SIM_MODELS) - {"tektronix_dpo70000"})


@pytest.mark.parametrize("model", SCPI_MODELS)
def test_esr_bits_by_error_class_and_opc(model):
    """IEEE 488.2 11.5.1: CME 32 (-1xx), EXE 16 (-2xx), OPC 1; *ESR? reads and clears."""
    inst = create("x", model)
    assert ask(inst, "*ESR?") == "0"
    inst.handle(b":NOT:A:COMMand")
    inst.push_error(-222)
    inst.handle(b"*OPC")
    assert ask(inst, "*ESR?") == str(32 + 16 + 1)
    assert ask(inst, "*ESR?") == "0"
    inst.push_error(-222)
    inst.handle(b"*CLS")
    assert ask(inst, "*ESR?") == "0"


def test_scpi99_error_queue_forms():
    inst = create("x", "keysight_n7776c")
    for code in (-113, -222, -224):
        inst.push_error(code)
    assert ask(inst, ":SYSTem:ERRor:COUNt?") == "3"
    assert ask(inst, ":SYST:ERR:CODE?") == "-113"
    assert ask(inst, ":SYSTem:ERRor:CODE:NEXT?") == "-222"
    assert ask(inst, ":SYSTem:ERRor:ALL?") == '-224,"Illegal parameter value"'
    assert ask(inst, ":SYSTem:ERRor:ALL?") == '0,"No error"'
    assert ask(inst, ":SYST:ERR:COUN?") == "0" and ask(inst, ":SYST:ERR:CODE?") == "0"


def test_infiniium_headers_and_test_limits():
    uxr = create("scope", "keysight_uxr")
    assert ask(uxr, ":SYSTem:HEADer?") == "0"
    uxr.handle(b":SYSTem:HEADer ON")
    assert ask(uxr, ":ACQ:POIN?") == ":ACQ:POIN 65536"
    assert ask(uxr, ":channel2:range?") == ":CHAN2:RANG 0.5"      # short form, upper case
    assert ask(uxr, "*OPC?") == "1"                                 # common queries: bare
    uxr.handle(b":SYST:HEAD OFF")
    assert ask(uxr, ":ACQ:POIN?") == "65536"
    assert ask(uxr, ":ACQ:POIN:TESTLIMITS?") == "1,<numeric>16:1073741824"
    assert ask(uxr, ":ACQ:SRAT:TESTLIMITS?") == "1,<numeric>1.000000E+03:2.560000E+11"
    uxr.handle(b":ACQ:BAND 20E9")
    assert ask(uxr, ":ACQ:BAND?") == "2.000000E+10"
    uxr.handle(b":ACQ:BAND AUTO")
    assert float(ask(uxr, ":ACQ:BAND?")) == 33e9
    uxr.handle(b":ACQ:SRAT 128E9;:TIMebase:RANGe 1E-6")     # full scale = points / rate
    assert ask(uxr, ":ACQ:POIN?") == "128000" and float(ask(uxr, ":TIM:RANG?")) == 1e-6


def test_infiniium_streaming_sends_an_indefinite_block():
    """Streaming ON: ``#0<data>`` + NL; OFF: ``#<n><len><data>`` + NL (programmer's guide)."""
    uxr = create("scope", "keysight_uxr")
    codes = np.array([0, 1, 511, 512, 1023], np.uint16)
    uxr.memory = {1: codes}
    words = (codes.astype(np.int16) - 512).astype("<i2").tobytes()
    uxr.handle(b":WAVeform:STReaming ON")
    assert uxr.handle(b":WAVeform:DATA?") == b"#0" + words + b"\n"
    uxr.handle(b":WAVeform:STReaming OFF")
    assert uxr.handle(b":WAVeform:DATA?") == b"#210" + words + b"\n"
    preamble = ask(uxr, ":WAV:PRE?").split(",")
    assert len(preamble) == 24 and preamble[:4] == ["2", "1", "5", "1"]
    assert (preamble[10], preamble[20], preamble[21]) == ("2", "2", "1")  # DC50, s, V
    uxr.handle(b":ACQuire:AVERage ON;:ACQuire:AVERage:COUNt 64")
    assert ask(uxr, ":WAV:PRE?").split(",")[1:4] == ["2", "5", "64"]       # AVERage type


def wfmx(samples: np.ndarray) -> bytes:
    """A WFMX file as the AWG70000 writes it: XML header of ``offset`` bytes, then float32."""
    body = ('<DataFile offset="{:09d}" version="0.1"><DataSetsCollection><DataSets>'
            "<DataDescription><NumberSamples>{}</NumberSamples><Endian>Little</Endian>"
            "</DataDescription></DataSets></DataSetsCollection><Setup/></DataFile>")
    header = body.format(0, samples.size)
    header = body.format(len(header), samples.size)
    return header.encode() + samples.astype("<f4").tobytes()


def test_awg70000_mass_memory_and_wfmx_load():
    awg = create("awg", "tektronix_awg70002b")
    assert ask(awg, "MMEMory:CDIRectory?") == '"\\Users\\OEM\\Documents"'
    samples = np.linspace(-1, 1, 2400, dtype=np.float32)
    data = wfmx(samples)
    awg.handle(b'MMEMory:DATA "ramp.wfmx",', data)         # (text before the block, block)
    assert awg.handle(b'MMEMory:DATA? "C:\\Users\\OEM\\Documents\\RAMP.WFMX"') \
        == f"#{len(str(len(data)))}{len(data)}".encode() + data + b"\n"
    awg.handle(b'MMEMory:OPEN "C:\\Users\\OEM\\Documents\\ramp.wfmx"')
    assert ask(awg, "WLISt:LIST?") == '"ramp"'
    assert np.array_equal(awg.waveforms["ramp"], samples)
    awg.handle(b'MMEMory:DELete "ramp.wfmx"')
    awg.handle(b'MMEMory:DELete "ramp.wfmx"')                      # gone: -256
    assert ask(awg, "SYSTem:ERRor:CODE?") == "-256"
    assert ask(awg, "SYSTem:ERRor:CODE?") == "0"
    assert np.array_equal(parse_wfmx(wfmx(np.array([2.0, -3.0, 0.5]))), [1.0, -1.0, 0.5])


def test_awg70002b_direct_output_has_no_offset_and_clock_source():
    awg = create("awg", "tektronix_awg70002b")
    assert ask(awg, "CLOCk:SOURce?") == "INT" and ask(awg, "SOUR1:VOLT:OFFS?") == "0"
    awg.handle(b"SOURce1:VOLTage:LEVel:IMMediate:OFFSet 0.1")
    assert ask(awg, "SYSTem:ERRor?").startswith("-221,")
    awg.handle(b"CLOCk:SOURce EFIXed")
    assert ask(awg, "CLOCk:SOURce?") == "EFIX"


@pytest.mark.parametrize("encoding, byte_nr, dtype, offset", [
    ("RIBinary", 1, ">i1", -128), ("SRIbinary", 2, "<i2", -128), ("RPBinary", 1, ">u1", 0),
    ("SRPbinary", 2, "<u2", 0)])
def test_dpo70000_encodings_scale_to_the_same_volts(encoding, byte_nr, dtype, offset):
    """volts = (value - YOFf) * YMUlt + YZEro holds in every binary encoding."""
    dpo = create("scope", "tektronix_dpo70000")
    codes = np.array([0, 1, 127, 128, 255], np.uint16)
    dpo.memory = {1: codes}
    dpo.handle(f"CH1:SCAle 0.05;:CH1:OFFSet 0.1;:DATa:ENCdg {encoding};"
               f":WFMOutpre:BYT_Nr {byte_nr}".encode())
    reply = dpo.handle(b"CURVe?")
    values = np.frombuffer(reply[2 + int(reply[1:2]):-1], dtype=dtype).astype(float)
    assert np.array_equal(values, (codes.astype(float) + offset) * (256 if byte_nr == 2 else 1))
    y_mult, y_off, y_zero = (float(ask(dpo, f"WFMOutpre:{q}?")) for q in ("YMUlt", "YOFf", "YZEro"))
    volts = (values - y_off) * y_mult + y_zero
    assert np.allclose(volts, (codes - 127.5) * 0.5 / 256 + 0.1, rtol=0, atol=1e-12)
    assert ask(dpo, "DATa:ENCdg?") == encoding.upper()


@pytest.mark.parametrize("model, header", [("tektronix_awg70002b", "AWGControl:RSTate"),
                                           ("keysight_uxr", ":WAVeform:YUNits"),
                                           ("keysight_n7776c", "*IDN")])
def test_query_only_header_sent_as_a_command_answers_nothing(model, header):
    inst = create("x", model)
    assert inst.handle(header.encode()) is None
    assert ask(inst, ":SYSTem:ERRor?").startswith("-113,")


def test_awg70000_waveform_data_start_and_size_are_optional():
    awg = create("awg", "tektronix_awg70002b")
    awg.handle(b'WLISt:WAVeform:NEW "w",4')
    block = np.array([0.5, -0.5, 0.25, 1.0], "<f4").tobytes()
    awg.handle(b'WLISt:WAVeform:DATA "w",', block)    # (text before the block, block)
    assert np.array_equal(awg.waveforms["w"], [0.5, -0.5, 0.25, 1.0])
    awg.handle(b'WLISt:WAVeform:DATA "w",2,', block[:8])
    assert np.array_equal(awg.waveforms["w"], [0.5, -0.5, 0.5, -0.5])
    assert awg.handle(b'WLISt:WAVeform:DATA? "w",1') == b"#212" + awg.waveforms["w"][1:].tobytes() + b"\n"
    awg.handle(b'WLISt:WAVeform:DATA "w",3,', block[:8])             # past the end
    assert ask(awg, "SYSTem:ERRor?").startswith("-222,")


def test_dpo70000_headers_long_or_short_by_verbose():
    dpo = create("scope", "tektronix_dpo70000")
    assert ask(dpo, "CH1:SCA?") == "0.05"                           # HEADer OFF at power-on
    dpo.handle(b"HEADer ON")
    assert ask(dpo, "CH1:SCA?") == ":CH1:SCALE 0.05"                # VERBose ON: long form
    dpo.handle(b"VERBose OFF")
    assert ask(dpo, "horizontal:mode:samplerate?") == ":HOR:MODE:SAMPLER 100000000000"
    dpo.handle(b"HEADer OFF;:VERBose ON")
    assert ask(dpo, "CH1:SCA?") == "0.05" and ask(dpo, "*ESR?") == "0"
