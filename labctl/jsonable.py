"""JSON text of run parameters and provenance (numpy values, paths and tuples included)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def to_json(value: Any) -> str:
    """JSON text of ``value`` with sorted keys: numpy scalars -> Python numbers, arrays
    and tuples -> lists, paths -> strings; anything else unknown raises TypeError."""
    def default(obj):
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, Path):
            return str(obj)
        raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
    return json.dumps(value, default=default, sort_keys=True)
