"""One declaration of each role's settings (labctl.role_settings), held against
what reads it and against the simulated instruments that cannot import it.

* the simulated SCPI instruments' power-on state is the declared default, on
  the declared channels, at the declared resolution (sim_backends is standalone:
  this test is what keeps the two in step);
* the in-process initial state (``bench_io.initial_states``) equals the state
  the simulated instruments reach over real sockets once the drivers have
  applied the bench settings, for every instrument of both embedded benches;
* a bench file with an undeclared, out-of-range or wrong-model setting is
  refused on load with the key path.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import labctl.bench as lb
from labctl import sim_servers
from labctl.bench import BenchError, load_bench, parse_bench
from labctl.instruments import connect_all
from labctl.mvm.bench_io import initial_states
from labctl.role_settings import MODELS, ROLES, SettingError, settings_for
from sim_backends.scpi.models import SIM_MODELS, create


def test_every_simulated_model_is_declared_in_its_role():
    assert set(MODELS) == set(SIM_MODELS)
    for model, cls in SIM_MODELS.items():
        assert MODELS[model].role == cls.role


@pytest.mark.parametrize("model", sorted(SIM_MODELS))
def test_simulated_power_on_state_is_the_declared_default(model):
    declared = MODELS[model]
    state = create("dut", model).state             # power-on state, no bench settings
    if declared.channels:
        assert tuple(state["channels"]) == declared.channels
    if declared.bits:
        assert state["bits"] == declared.bits
    for setting in declared:
        if setting.per_channel:
            values = {ch: c[setting.name] for ch, c in state["channels"].items()}
            assert values == {ch: setting.default for ch in declared.channels}, setting.name
        else:
            assert state[setting.name] == setting.default, setting.name
        if setting.kind in ("float", "int"):         # the default lies in the model's range
            assert setting.low <= setting.default <= setting.high, setting.name


def _declared_view(bench, states: dict) -> dict:
    """The declared settings (+ resolution, AWG run state and waveforms) of ``states``.

    A bias channel's ``voltage`` is compared in manual mode only: in a locked
    mode the controller reports where its dither loop settled (a read-back of the
    simulated modulator's V_pi), which the optical table recomputes from the
    bench's own V_pi and never reads from the state.
    """
    view = {}
    for name, inst in bench.instruments.items():
        declared = settings_for(inst.role, inst.model)
        st = states[name]
        out = {s.name: st[s.name] for s in declared if not s.per_channel}
        per = [s.name for s in declared if s.per_channel]
        if per:
            out["channels"] = {}
            for ch, c in st["channels"].items():
                keys = [k for k in per if not (inst.role == "bias" and k == "voltage"
                                               and c["mode"] != "manual")]
                out["channels"][ch] = {k: c[k] for k in keys}
                if inst.role == "awg":
                    out["channels"][ch]["codes"] = np.asarray(c["codes"]).tolist()
        if inst.role in ("awg", "scope"):
            out["bits"] = st["bits"]
        if inst.role == "awg":
            out["running"] = st["running"]
        view[name] = out
    return view


EMBEDDED = sorted(p.name for p in Path(lb.__file__).parent.glob("*.toml"))


def _bare_bench():
    """The embedded wdm bench with every instrument's settings removed: power-on state."""
    text = re.sub(r"(?m)^settings = \{.*\}", "settings = {}", load_bench().source_text)
    return parse_bench(text, origin="bare.toml")


@pytest.mark.parametrize("which", EMBEDDED + ["bare"])
def test_in_process_initial_state_equals_the_socket_path(which):
    bench = _bare_bench() if which == "bare" else load_bench(Path(lb.__file__).parent / which)
    in_process = _declared_view(bench, initial_states(bench))
    with sim_servers.start(bench) as servers:
        roles = connect_all(bench)                 # the drivers apply the bench settings
        try:
            for role in roles.values():            # a query each: every setting has been executed
                role.identity()
            over_sockets = _declared_view(
                bench, {n: i.state for n, i in servers.instruments.items()})
        finally:
            for role in roles.values():
                role.close()
    assert set(in_process) == set(bench.instruments)
    for name in bench.instruments:
        assert in_process[name] == over_sockets[name], name


def test_resolved_drifts_read_the_same_in_process():
    """The values the three old copies disagreed on, as the in-process path now holds
    them without bench settings (the socket path agrees: the "bare" case above)."""
    states = initial_states(_bare_bench())
    assert not any(bench_settings for bench_settings in
                   (i.settings for i in _bare_bench().instruments.values()))
    assert states["awg_a"]["channels"][1]["output"] is False     # power-on: outputs off
    assert states["awg_a"]["sample_rate"] == 92e9                # M8196A nominal
    assert states["awg_w"]["sample_rate"] == 25e9 and states["awg_w"]["bits"] == 10
    assert states["edfa_a"]["power"] == 1e-3 and states["edfa_a"]["output"] is False
    assert states["laser_a"]["output"] is False and states["laser_a"]["wavelength"] == 1550e-9
    assert states["scope_a"]["points"] == 65536
    assert set(states["heaters"]["channels"]) == set(range(1, 65))


def _default_text() -> str:
    return load_bench().source_text


BAD_SETTINGS = [  # (replace old, by new) -> message pattern
    ('settings = {}', 'settings = { current = 0.2 }',
     r"instruments\.heaters\.settings\.current: expected float in 0 \.\. 0\.1 A, got 0\.2"),
    ('settings = { mode = "gain", gain = 10.0', 'settings = { mode = "gain", gian = 10.0',
     r"instruments\.edfa_a\.settings\.gian: unknown setting for role 'amplifier'"),
    ('settings = { mode = "gain", gain = 10.0', 'settings = { mode = "gain", gain = 45.0',
     r"instruments\.edfa_a\.settings\.gain: expected float in 0 \.\. 30 dB, got 45\.0"),
    ('settings = { mode = "quadrature" }', 'settings = { mode = "quad" }',
     r"instruments\.bias_a\.settings\.mode: expected one of 'quadrature', 'peak', 'null', "
     r"'manual', got 'quad'"),
    # inside the AWG role's range, outside the M8196A's 88-93.4 GSa/s
    ("settings = { sample_rate = 92e9, bits = 8", "settings = { sample_rate = 64e9, bits = 8",
     r"instruments\.awg_a\.settings\.sample_rate: expected float in 8\.8e\+10 \.\. 9\.34e\+10 Sa/s"),
    ("settings = { sample_rate = 25e9, bits = 10", "settings = { sample_rate = 25e9, bits = 8",
     r"instruments\.awg_w\.settings\.bits: expected 10 \(the instrument's resolution\), got 8"),
    ("settings = { sample_rate = 128e9, bits = 10, points = 65536 }",
     "settings = { sample_rate = 128e9, bits = 10, points = 65536.5 }",
     r"instruments\.scope_a\.settings\.points: expected an integer"),
]


@pytest.mark.parametrize("old, new, pattern", BAD_SETTINGS, ids=[b[2][:40] for b in BAD_SETTINGS])
def test_bench_setting_out_of_its_declaration_is_refused_with_the_key_path(old, new, pattern):
    text = _default_text()
    assert old in text
    with pytest.raises(BenchError) as info:
        parse_bench(text.replace(old, new, 1), origin="bad.toml")
    message = str(info.value)
    assert message.startswith("bench file bad.toml: ") and "\n" not in message
    assert re.search(pattern, message), message


def test_settings_the_gui_edits_are_accepted_by_the_bench_file():
    """Heater current and AWG output (editable in the GUI) are bench settings too."""
    text = _default_text().replace("settings = {}", "settings = { current = 0.005 }", 1)
    text = text.replace("settings = { sample_rate = 92e9, bits = 8, vpp = 0.5, offset = 0.0 }",
                        "settings = { sample_rate = 92e9, bits = 8, vpp = 0.5, output = true }", 1)
    bench = parse_bench(text)
    states = initial_states(bench)
    assert all(c["current"] == 0.005 for c in states["heaters"]["channels"].values())
    assert all(c["output"] is True for c in states["awg_a"]["channels"].values())


def test_on_wire_is_the_drivers_number_format():
    gain = ROLES["amplifier"]["gain"]
    assert gain.scpi == "%.6g" and gain.on_wire(10.123456789) == 10.1235
    assert ROLES["scope"]["points"].scpi == "%d" and ROLES["scope"]["points"].on_wire(4096) == 4096
    assert ROLES["laser"]["wavelength"].on_wire(1550.123456789e-9) == float("1.550123457e-06")


def test_declared_check_names_instrument_and_refuses():
    current = MODELS["generic_heaters"]["current"]
    assert current.check("h", 0.05) == 0.05
    with pytest.raises(SettingError, match=r"h: current: expected float in 0 \.\. 0\.1 A, got 0\.15; "
                                           r"nothing was sent"):
        current.check("h", 0.15)
    with pytest.raises(SettingError, match="expected a number"):
        current.check("h", "lots")
