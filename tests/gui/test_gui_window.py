"""The main window on the embedded simulated bench, end to end over real sockets.

One window (and one set of simulated SCPI servers) for the module; the tests
run in file order: connect, settings, live view, sequences, browser.
"""
from __future__ import annotations

import h5py
import numpy as np
import pytest
from PySide6.QtCore import Qt

from labctl import instruments

WAIT_MS = 30_000


@pytest.fixture(scope="module")
def window(qapp, tmp_path_factory):
    from gui.app import create_window
    win = create_window(None, tmp_path_factory.mktemp("runs"))
    win.show()
    yield win
    win.shutdown()
    win.close()


@pytest.fixture(scope="module")
def connected(window):
    from pytestqt.qtbot import QtBot
    bot = QtBot(window)
    bot.mouseClick(_button(window.bench_panel, "Connect all"), Qt.LeftButton)
    bot.waitUntil(lambda: all(s != "disconnected" for s in window.bench_panel.states.values()),
                  timeout=WAIT_MS)
    return window


def _button(widget, text):
    from PySide6.QtWidgets import QPushButton
    return next(b for b in widget.findChildren(QPushButton) if b.text() == text)


def test_connect_all_shows_state_and_identity(connected, screenshot):
    panel = connected.bench_panel
    assert set(panel.states.values()) == {"connected"}, panel.errors
    servers = connected.worker.servers
    # identity column = what a second, independent driver connection reads
    for name in ("laser_a", "scope_a", "pm"):
        role = instruments.connect(connected.bench, name, servers.resources, apply_settings=False)
        try:
            assert panel.table.item(panel.rows[name], 5).text() == role.identity()
        finally:
            role.close()
    assert panel.table.item(panel.rows["laser_a"], 6).text().startswith("max_laser_power 0.02 W")
    connected.tabs.setCurrentWidget(panel)
    screenshot(connected, "gui-bench.png")


def test_setting_reaches_simulated_instrument(connected, qtbot):
    panel = connected.bench_panel
    panel.select("laser_a")
    qtbot.waitUntil(lambda: "power" in panel.editors and "laser_a" in panel.snapshots, timeout=WAIT_MS)
    editor = panel.editors["power"]
    editor.input.setValue(5.0)                        # mW in the display
    qtbot.mouseClick(editor.apply_button, Qt.LeftButton)
    sim = connected.worker.servers.instruments["laser_a"]
    qtbot.waitUntil(lambda: sim.state["power"] == pytest.approx(5e-3), timeout=WAIT_MS)
    # the panel's read-back follows the instrument
    qtbot.waitUntil(lambda: panel.snapshots["laser_a"]["power"][0] == pytest.approx(5e-3), timeout=WAIT_MS)

    panel.select("awg_a")
    qtbot.waitUntil(lambda: "vpp" in panel.editors, timeout=WAIT_MS)
    panel.channel_box.setValue(3)
    panel.editors["vpp"].input.setValue(0.3)
    qtbot.mouseClick(panel.editors["vpp"].apply_button, Qt.LeftButton)
    awg = connected.worker.servers.instruments["awg_a"]
    qtbot.waitUntil(lambda: awg.state["channels"][3]["vpp"] == pytest.approx(0.3), timeout=WAIT_MS)
    assert awg.state["channels"][1]["vpp"] == pytest.approx(0.5)      # other channels untouched


def test_safety_limit_shown_and_enforced(connected, qtbot):
    panel = connected.bench_panel
    panel.select("laser_a")
    qtbot.waitUntil(lambda: "power" in panel.editors, timeout=WAIT_MS)
    assert panel.editors["power"].input.maximum() == pytest.approx(20.0)   # 0.020 W limit in mW
    sim = connected.worker.servers.instruments["laser_a"]
    before = sim.state["power"]
    n_errors = len(panel.errors)
    assert panel.submit("laser_a", "power", None, 25.0) is False
    assert "safety limit" in panel.errors[-1][1] and len(panel.errors) == n_errors + 1
    assert sim.state["power"] == before

    # the driver layer enforces it too: a request that bypasses the GUI check reports an error
    panel.request_apply.emit("laser_b", "power", None, 0.015)    # laser_b limit: 0.010 W
    qtbot.waitUntil(lambda: any(n == "laser_b" and "safety limit" in m for n, m in panel.errors),
                    timeout=WAIT_MS)
    assert connected.worker.servers.instruments["laser_b"].state["power"] <= 0.010


def test_instrument_error_is_surfaced(connected, qtbot):
    panel = connected.bench_panel
    faults = connected.worker.servers.faults("edfa_a")
    faults.error_flood = True
    try:
        panel.request_apply.emit("edfa_a", "gain", None, 12.0)
        qtbot.waitUntil(lambda: any(n == "edfa_a" for n, _ in panel.errors), timeout=WAIT_MS)
    finally:
        faults.clear()
    assert panel.states["edfa_a"] == "error"
    assert "edfa_a" in panel.error_log.toPlainText()


def test_live_view_trace_eye_and_powers(connected, qtbot, screenshot):
    live = connected.live_view
    connected.tabs.setCurrentWidget(live)
    live.awg_box.setCurrentText("awg_a")
    live.levels_box.setCurrentText("PAM4")
    live.load_pattern()
    qtbot.waitUntil(lambda: "test pattern loaded" in connected.status.text(), timeout=WAIT_MS)
    awg = connected.worker.servers.instruments["awg_a"]
    codes = np.asarray(awg.state["channels"][1]["codes"])
    assert sorted(np.unique(codes)) == [0, 85, 170, 255]            # PAM4 levels of an 8-bit DAC
    live.scope_box.setCurrentText("scope_a")
    qtbot.mouseClick(live.single_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: live.last_frame is not None, timeout=WAIT_MS)
    points = connected.worker.servers.instruments["scope_a"].state["points"]
    assert live.last_frame.volts.size == points
    assert np.array_equal(live.curve.yData, live.last_frame.volts)
    assert live.eye_image.image.sum() == points          # every sample lands in the eye
    qtbot.waitUntil(lambda: "dBm" in live.power_labels[("pm", 1)].text(), timeout=WAIT_MS)
    screenshot(connected, "gui-live.png")


def _set_params(runner, **texts):
    for name, text in texts.items():
        runner.form.set_text(name, text)


def test_run_sequence_to_completion(connected, qtbot, screenshot):
    runner = connected.runner
    connected.tabs.setCurrentWidget(runner)
    runner.select("ber-sweep")
    _set_params(runner, formats="pam2, pam4", rop_dbm="-22, -20, -18, -16", lengths_km="0",
                symbols="8192")
    with qtbot.waitSignal(runner.run_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(runner.start_button, Qt.LeftButton)
    result = finished.args[0]
    assert result.status == "completed" and result.steps == 10
    assert runner.progress.value() == runner.progress.maximum() == 10
    with h5py.File(result.path, "r") as f:
        assert f["entry"].attrs["status"] == "completed"
        assert f["entry/data/ber"].shape == (10,)
    assert str(result.path) in runner.file_label.text()
    curves = runner.plots.ber_plot.listDataItems()
    assert len(curves) == 4                        # PAM2/PAM4 measured + theory
    runner.plots.setCurrentWidget(runner.plots.ber_plot)
    screenshot(connected, "gui-sequence.png")
    # the finished run opens in the browser
    qtbot.waitUntil(lambda: connected.browser.summary is not None, timeout=WAIT_MS)
    assert connected.browser.summary.path == result.path


def test_run_aborted_midway_keeps_its_steps(connected, qtbot):
    runner = connected.runner
    runner.select("ber-sweep")
    _set_params(runner, formats="pam2, pam4", rop_dbm=", ".join(str(-24 + 0.5 * i) for i in range(20)),
                lengths_km="0, 10", symbols="16384")
    qtbot.mouseClick(runner.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: runner.steps >= 1, timeout=WAIT_MS)
    qtbot.mouseClick(runner.pause_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: runner.state == "paused", timeout=WAIT_MS)
    paused_at = runner.steps
    assert runner.resume_button.isEnabled() and not runner.start_button.isEnabled()
    with qtbot.waitSignal(runner.run_finished, timeout=WAIT_MS) as finished:
        qtbot.mouseClick(runner.abort_button, Qt.LeftButton)
    result = finished.args[0]
    total = 2 * (20 + 2)
    assert result.status == "aborted" and result.steps == paused_at < total
    with h5py.File(result.path, "r") as f:
        assert f["entry"].attrs["status"] == "aborted"
        assert f["entry/data/ber"].shape == (paused_at,)
        assert f["entry/live/steps_done"][()] == paused_at
    assert runner.start_button.isEnabled()


def test_run_browser_opens_a_run_file(connected, qtbot, screenshot):
    runner, browser = connected.runner, connected.browser
    completed = next(d for d in reversed(runner.documents) if d["kind"] == "stop")
    assert completed["status"] == "aborted"             # documents of the last run
    path = sorted(runner.run_dir.glob("ber-sweep-*.h5"))[0]
    browser.open_path(path)
    connected.tabs.setCurrentWidget(browser)
    assert browser.summary.sequence == "ber-sweep"
    assert browser.y_box.currentText() == "ber" and browser.x_box.currentText() == "rop_dbm"
    assert len(browser.plot.listDataItems()) == 1
    keys = [browser.provenance.topLevelItem(i).text(0) for i in range(browser.provenance.topLevelItemCount())]
    assert "bench_config" in keys and "git_commit" in keys
    metric_names = [browser.metrics.item(r, 0).text() for r in range(browser.metrics.rowCount())]
    assert "max_snr_penalty_db" in metric_names
    browser.y_box.setCurrentText("ber_ci95")            # a [steps, 2] dataset: one curve per column
    assert len(browser.plot.listDataItems()) == 2
    browser.y_box.setCurrentText("ber")
    browser.log_box.setChecked(True)
    screenshot(connected, "gui-browser.png")
