"""``labctl train`` errors, and inference staying torch-free (fresh interpreters)."""
from __future__ import annotations

import os
import subprocess
import sys


def _python(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_inference_and_metrics_never_import_torch():
    result = _python("import sys, labctl.models, labctl.imaging, labctl.cli\n"
                     "labctl.cli.build_parser()\n"
                     "labctl.models.load_model('digits-vae').sample(2, 0)\n"
                     "print('torch' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_train_without_torch_says_how_to_install():
    result = _python("import sys; sys.modules['torch'] = None\n"   # makes `import torch` fail
                     "from labctl.cli import main; sys.exit(main(['train', 'digits-vae']))")
    assert result.returncode == 2
    assert "pip install -e '.[train]'" in result.stderr
    assert result.stderr.count("\n") == 1


def test_train_without_the_data_set_is_one_line(tmp_path):
    result = _python("import sys; from labctl.cli import main; sys.exit(main(['train', 'fashion-vae']))",
                     env={"LABCTL_FASHION_MNIST": str(tmp_path / "absent")})
    assert result.returncode == 2
    assert "dataset-fashion-mnist" in result.stderr and result.stderr.count("\n") == 1
