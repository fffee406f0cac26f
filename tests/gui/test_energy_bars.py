"""The run browser's energy tab: bars of mW/TOPS per component at each boundary,
read from a real ``energy`` run file."""
from __future__ import annotations

import h5py
import numpy as np
import pytest

from labctl.bench import DEFAULT_TIME, load_bench
from labctl.energy import BOUNDARIES, COMPONENTS
from labctl.engine import RunEngine


@pytest.fixture(scope="module")
def energy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "energy.h5"
    run = RunEngine(progress=False).run("energy", {"schemes": ["time"], "size": 8, "columns": 16},
                                        bench=load_bench(DEFAULT_TIME), out=out)
    assert run.status == "completed", run.error
    return out


def test_energy_tab_shows_each_boundary_from_the_file(energy_run, qtbot, screenshot):
    from gui.run_browser import RunBrowser
    browser = RunBrowser()
    qtbot.addWidget(browser)
    browser.open_path(energy_run)
    bars = browser.energy
    boxes = [bars.boundary_box.itemText(i) for i in range(bars.boundary_box.count())]
    assert boxes == list(BOUNDARIES)
    with h5py.File(energy_run, "r") as f:
        stored = {b: [float(f[f"entry/metrics/energy/{b}/{c}"][-1]) for c in COMPONENTS]
                  for b in BOUNDARIES}
        totals = {b: float(f[f"entry/metrics/energy/{b}/mw_per_tops"][-1]) for b in BOUNDARIES}
    for b in BOUNDARIES:
        bars.boundary_box.setCurrentText(b)
        assert bars.heights() == pytest.approx(stored[b])
        assert np.asarray(bars.bars.opts["height"]) == pytest.approx(stored[b])
        assert sum(bars.heights()) == pytest.approx(totals[b], rel=1e-9)
        assert f"{totals[b]:.4g}" in bars.total.text()
    browser.right.setCurrentWidget(bars)
    browser.resize(1000, 600)
    screenshot(browser, "gui-energy.png")


def test_a_run_without_energy_shows_no_bars(tmp_path, qtbot):
    from gui.run_browser import RunBrowser
    out = tmp_path / "sweep.h5"
    run = RunEngine(progress=False).run("precision-sweep", {
        "schemes": ["time"], "laser_offsets_db": [0.0], "symbol_rates": [], "sizes": [],
        "averages": [], "size": 8, "columns": 8}, load_bench(DEFAULT_TIME), out=out)
    assert run.status == "completed", run.error
    browser = RunBrowser()
    qtbot.addWidget(browser)
    browser.open_path(out)
    assert browser.energy.boundary_box.count() == 0 and browser.energy.bars is None
    assert "no energy" in browser.energy.total.text()
