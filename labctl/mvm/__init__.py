"""Optical matrix products on a bench (docs/DESIGN.md, "The data path").

Entry point: ``optical_matmul(W, X, backend) -> MatmulResult``; backends
``DigitalBackend``, ``SimBackend`` (in-process physics) and ``BenchBackend``
(drivers over VISA); each also has ``matmul(W, X) -> Y``.
"""
from labctl.mvm.backends import (
           BenchBackend,
           DigitalBackend,
           MatmulResult,
           SimBackend,
           optical_matmul,
)
from labctl.mvm.calibration import Calibration
from labctl.mvm.frames import FrameFormat

__all__ = ["optical_matmul", "MatmulResult", "DigitalBackend", "SimBackend", "BenchBackend",
           "Calibration", "FrameFormat"]
