"""The bench panel's forms take their ranges, units and defaults from the one
declaration of each role's settings (labctl.role_settings), capped by the bench
file's safety limits; the worker applies exactly the declared keys."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDoubleSpinBox, QSpinBox

from gui.bench_panel import BenchPanel
from gui.workers import role_method
from labctl.bench import load_bench
from labctl.role_settings import ROLES


@pytest.fixture(scope="module")
def bench():
    return load_bench()


@pytest.fixture
def panel(qtbot, bench):
    panel = BenchPanel(bench)
    qtbot.addWidget(panel)
    return panel


def test_every_editor_is_a_declared_setting_with_its_range_unit_and_default(panel, bench):
    for name, cfg in bench.instruments.items():
        panel.select(name)
        declared = ROLES[cfg.role]
        assert list(panel.editors) == declared.names(), name
        for key, editor in panel.editors.items():
            setting = declared[key]
            widget = editor.input
            if setting.kind == "bool":
                assert isinstance(widget, QCheckBox) and widget.isChecked() is setting.default
                continue
            if setting.kind == "choice":
                assert isinstance(widget, QComboBox)
                assert [widget.itemText(i) for i in range(widget.count())] == list(setting.choices)
                assert widget.currentText() == setting.default
                continue
            scale = setting.display_scale
            high = setting.high
            limit = getattr(cfg.limits, setting.limit, None) if setting.limit else None
            if limit is not None:
                high = min(high, limit)
            digits = setting.decimals if setting.kind == "float" else 0
            assert isinstance(widget, QSpinBox if setting.kind == "int" else QDoubleSpinBox)
            assert widget.minimum() == pytest.approx(round(setting.low / scale, digits)), (name, key)
            assert widget.maximum() == pytest.approx(round(high / scale, digits)), (name, key)
            assert widget.suffix() == f" {setting.display_unit or setting.unit}"
            assert widget.value() == pytest.approx(round(setting.default / scale, digits)), (name, key)


def test_examples_read_from_the_declaration(panel):
    panel.select("heaters")                      # 0.1 A declared, 20 mA safety limit
    current = panel.editors["current"].input
    assert (current.minimum(), current.maximum(), current.suffix()) == (0.0, 20.0, " mA")
    panel.select("edfa_a")                       # generic EDFA: 0-30 dB, no limit on gain
    assert panel.editors["gain"].input.maximum() == 30.0
    panel.select("scope_a")
    points = panel.editors["points"].input
    assert (points.minimum(), points.maximum(), points.value()) == (16, 1 << 30, 65536)
    panel.select("bias_a")
    assert panel.editors["mode"].input.currentText() == "manual"   # the controller's power-on mode


def test_the_form_refuses_what_the_declaration_refuses(panel):
    panel.states["edfa_a"] = panel.states["heaters"] = "connected"
    sent = []
    panel.request_apply.connect(lambda *args: sent.append(args))
    assert panel.submit("edfa_a", "gain", None, 31.0) is False          # declared 0 .. 30 dB
    assert "outside 0 .. 30 dB" in panel.errors[-1][1]
    assert panel.submit("heaters", "current", 3, 50.0) is False         # 50 mA > 20 mA limit
    assert "safety limit" in panel.errors[-1][1]
    assert panel.submit("edfa_a", "gain", None, 12.0) is True
    assert sent == [("edfa_a", "gain", None, 12.0)]


def test_the_worker_applies_every_declared_setting_through_its_role_method():
    import labctl.roles as roles
    classes = {cls.role: cls for cls in (roles.Laser, roles.AWG, roles.BiasController,
                                         roles.OpticalAmplifier, roles.HeaterArray,
                                         roles.Oscilloscope, roles.PowerMeter)}
    for role, declared in ROLES.items():
        for setting in declared:
            method = role_method(role, setting.name, 1 if setting.per_channel else None)
            assert method == setting.method and hasattr(classes[role], method), (role, setting.name)
