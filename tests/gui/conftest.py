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
