"""Suite-wide rule: under CI (CI=true) a skipped test is a failure.

The few conditional skips (optional torch, scikit-image, OptiCommPy, Debian's
Fashion-MNIST) exist for developers without those extras; `scripts/setup.sh test`
installs all of them, so in CI a skip would mean a missing install step.
"""
from __future__ import annotations

import os

import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI", "").lower() == "true" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI (install step missing?): {report.longrepr}"
