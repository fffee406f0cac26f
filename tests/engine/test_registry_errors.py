"""A sequence module that fails to import (a dependency missing from the
install) is named, with its error, where the sequence is asked for: the
KeyError of ``registry.get`` and ``labctl sequences``, not only a shorter list
of known sequences."""
import sys

import pytest

from labctl import registry


@pytest.fixture
def broken_package(tmp_path, monkeypatch):
    pkg = tmp_path / "labseqs_broken"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "needs_missing.py").write_text(
        "import no_such_dependency_xyz  # noqa: F401\n"
        "from labctl.registry import sequence\n\n"
        "@sequence('never-registered')\ndef plan(ctx):\n    yield\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "SEQUENCE_PACKAGES", registry.SEQUENCE_PACKAGES + [pkg.name])
    monkeypatch.setattr(registry, "_ERRORS", dict(registry._ERRORS))
    monkeypatch.setattr(registry, "_LOADED", set(registry._LOADED))
    yield pkg.name
    sys.modules.pop(f"{pkg.name}.needs_missing", None)
    sys.modules.pop(pkg.name, None)


def test_unknown_sequence_names_the_module_that_failed_and_why(broken_package):
    with pytest.raises(KeyError) as err:
        registry.get("never-registered")
    text = str(err.value)
    assert "unknown sequence 'never-registered'" in text
    assert "generate" in text.split("(known: ")[1]                 # the good ones still load
    assert "needs_missing: ModuleNotFoundError: No module named 'no_such_dependency_xyz'" in text
    assert "needs_missing" in registry.import_errors()


def test_without_import_errors_the_message_lists_only_the_known(monkeypatch):
    monkeypatch.setattr(registry, "_ERRORS", {})
    with pytest.raises(KeyError) as err:
        registry.get("no-such-sequence")
    assert "failed to import" not in str(err.value)
