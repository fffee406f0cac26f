"""The embedded simulated bench of each computing scheme.

labctl.bench ships one simulated bench file per scheme (``DEFAULT_SIM``,
``DEFAULT_TIME``). Which scheme a file runs is read from the file itself (its
``[topology] scheme``, parsed by labctl.bench), so no scheme name is written here.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import labctl.bench as lb
from labctl.bench import DEFAULT_SIM, DEFAULT_TIME, Bench, load_bench

#: Embedded bench files in order of preference (the first of a scheme is its bench).
EMBEDDED_FILES = (DEFAULT_SIM, DEFAULT_TIME)


@cache
def embedded_files() -> dict[str, Path]:
    """{scheme kind: path of its embedded bench file}, in :data:`EMBEDDED_FILES` order."""
    out: dict[str, Path] = {}
    for name in EMBEDDED_FILES:
        path = Path(lb.__file__).parent / name
        out.setdefault(load_bench(path).topology.scheme, path)
    return out


def embedded_bench(kind: str) -> Bench:
    """A freshly loaded embedded bench of scheme ``kind`` (loaded by its path)."""
    files = embedded_files()
    if kind not in files:
        raise ValueError(f"no embedded bench of scheme {kind!r}; known: {sorted(files)}")
    return load_bench(files[kind])


def default_scheme() -> str:
    """The scheme of the default embedded bench (``load_bench()``)."""
    return next(iter(embedded_files()))
