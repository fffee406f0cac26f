"""Smoke: every benchmark runs to completion with small settings (how fast is not tested here;
figures come from running them by hand, see README)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

CASES = {
    "bench_link.py": (["--symbols-log2", "12", "--repeats", "1"], "BER"),
    "bench_transfer.py": (["--mib", "1", "--repeat", "1", "--queries", "20"], "MB/s"),
    "bench_matmul.py": (["--size", "8", "--time-size", "4"], "MAC/s"),
    "bench_generate.py": (["--count", "1", "--models", "digits-vae", "--models-dir", "{tiny}"], "images/s"),
    "bench_gui.py": (["--frames", "2"], "updates/s"),
    "bench_frames.py": (["--tiles", "2", "--repeats", "1", "--workers", "1"], "frames/s"),
}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A digits VAE with 8-wide hidden layers: a few optical frames per image."""
    pytest.importorskip("torch", reason="PyTorch (the optional 'train' extra) trains the tiny model")
    from labctl.training import train
    out = tmp_path_factory.mktemp("models")
    train("digits-vae", epochs=1, seed=0, out_dir=out, sizes=(8, 8))
    return out


@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_runs(script, tiny):
    args, expect = CASES[script]
    args = [a.format(tiny=tiny) for a in args]
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert expect.lower() in proc.stdout.lower(), proc.stdout[-2000:]
