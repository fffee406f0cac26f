"""GUI tests run offscreen: the platform must be chosen before Qt is imported."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "gui"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def screenshot(artifacts):
    """``screenshot(widget, name)``: save a PNG of ``widget`` as drawn now to the artifacts."""
    def save(widget, name: str) -> Path:
        path = artifacts / name
        assert widget.grab().save(str(path)), f"could not write {path}"
        return path
    return save


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After each GUI test's teardown (module fixtures such as the main window
    included), free its closed widgets here, in the GUI thread.

    Left to CPython, the cycles would be collected by whichever thread
    allocates next, possibly a simulated-server thread of a later test, and Qt
    objects destroyed off the GUI thread crash the process (see gui.gc_guard).
    """
    result = yield
    import gc
    gc.collect()
    return result
