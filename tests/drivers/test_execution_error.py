"""A failure inside the simulated hardware becomes SCPI error -200, not a dead connection."""
from sim_backends.scpi.models import create


class _NoLightTable:
    """An optical table that cannot produce a trace (no AWG has a waveform loaded)."""

    def acquire(self, scope_name):
        raise RuntimeError("no AWG waveform loaded")

    def optical_power(self, meter, channel):
        return 0.0


def test_hardware_failure_is_reported_as_execution_error_and_serving_continues():
    scope = create("scope_a", "keysight_uxr", table=_NoLightTable())
    assert scope.handle(b":DIGitize") is None
    error = scope.handle(b":SYSTem:ERRor?").decode()
    assert error.startswith("-200,")
    assert "no AWG waveform loaded" in error
    assert scope.handle(b"*OPC?").strip() == b"1"
    assert scope.handle(b":SYSTem:ERRor?").decode().startswith("0,")
