"""``labctl bench``: not implemented yet (placeholder registered so the CLI loads)."""
from __future__ import annotations


def register(subparsers) -> None:
    pass
