"""``labctl sim serve`` (subprocess, signals) and ``labctl bench check``."""
import json
import os
import select
import signal
import subprocess
import sys

import pytest
import pyvisa

from labctl.bench import load_bench
from labctl.cli import main


def _first_line(proc, timeout=30.0) -> str:
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    assert ready, "no output from labctl sim serve"
    return proc.stdout.readline()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sim_serve_json_then_stops_cleanly(sig):
    proc = subprocess.Popen([sys.executable, "-m", "labctl", "sim", "serve", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        listing = json.loads(_first_line(proc))["instruments"]
        names = [row["name"] for row in listing]
        assert names == list(load_bench().instruments)
        assert all(row["resource"].startswith("TCPIP0::127.0.0.1::") and row["resource"].endswith("::SOCKET")
                   for row in listing)
        scope = next(row for row in listing if row["name"] == "scope_a")
        assert (scope["role"], scope["model"]) == ("scope", "keysight_uxr")
        rm = pyvisa.ResourceManager("@py")
        inst = rm.open_resource(scope["resource"], read_termination="\n", write_termination="\n", timeout=5000)
        assert "UXR" in inst.query("*IDN?")
        inst.close()
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bench_check_default_bench(capsys):
    assert main(["bench", "check"]) == 0
    out = capsys.readouterr().out
    assert "13/13 instruments ok" in out
    assert "ok   awg_w (awg, tektronix_awg70002b): TEKTRONIX,AWG70002B" in out


def test_bench_check_reports_a_failing_instrument(tmp_path, capsys):
    text = load_bench().source_text
    marker = '[instruments.edfa_b]'
    head, tail = text.split(marker, 1)
    tail = tail.replace('resource = "sim"', 'resource = "TCPIP0::127.0.0.1::1::SOCKET"', 1)
    path = tmp_path / "bench.toml"
    path.write_text(head + marker + tail)
    assert main(["bench", "check", "--bench", str(path), "--timeout", "0.5"]) == 1
    out = capsys.readouterr().out
    assert "FAIL edfa_b (amplifier, generic_edfa)" in out
    assert "12/13 instruments ok" in out


def test_bench_check_bad_file_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[instruments.x]\nrole = 'laser'\nmodel = 'santec_tsl570'\nresource = 'sim'\nbogus = 1\n")
    assert main(["bench", "check", "--bench", str(path)]) == 2
    assert str(path) in capsys.readouterr().err
