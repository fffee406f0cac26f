"""What a sequence declares: its parameters, output streams, steps; and the errors.

A sequence (:class:`Sequence`) is a plan generator function with its declared
parameters (:class:`Param`) and streams (:class:`Stream`); the plan yields
:class:`Step` objects.  These are the pieces both the run engine
(:mod:`labctl.engine`, which re-exports every name here) and the sequence
registry (:mod:`labctl.registry`) need, so they live below both.
"""
from __future__ import annotations

import typing
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import numpy as np

from labctl.bench import Bench


class RunError(RuntimeError):
    """A sequence broke the engine's rules (undeclared stream, bad shape...)."""



class ParameterError(ValueError):
    """A sequence parameter that is unknown or has a bad value (one-line message)."""



# --------------------------------------------------------------- declarations
@dataclass(frozen=True)
class Param:
    """A sequence parameter: ``type`` is int, float, str, bool or list[int|float|str]."""
    name: str
    type: Any
    default: Any
    unit: str = ""
    help: str = ""
    choices: tuple | None = None

    def type_name(self) -> str:
        origin = typing.get_origin(self.type)
        if origin is list:
            return f"list[{typing.get_args(self.type)[0].__name__}]"
        return self.type.__name__

    def parse(self, text: str) -> Any:
        """Convert a command-line string; raises :class:`ParameterError`."""
        origin = typing.get_origin(self.type)
        if origin is list:
            item = typing.get_args(self.type)[0]
            parts = [t for t in text.replace(" ", "").split(",") if t]
            return self.check([self._scalar(item, t) for t in parts])
        return self.check(self._scalar(self.type, text))

    def _scalar(self, kind, text: str):
        try:
            if kind is bool:
                lowered = text.strip().lower()
                if lowered in ("1", "true", "yes", "on"):
                    return True
                if lowered in ("0", "false", "no", "off"):
                    return False
                raise ValueError(text)
            return kind(text)
        except ValueError:
            raise ParameterError(
                f"parameter {self.name}: expected {kind.__name__}, got {text!r}") from None

    def check(self, value: Any) -> Any:
        """Validate (and coerce int -> float) a Python value."""
        origin = typing.get_origin(self.type)
        if origin is list:
            item = typing.get_args(self.type)[0]
            if not isinstance(value, (list, tuple)):
                raise ParameterError(f"parameter {self.name}: expected a list of {item.__name__}")
            value = [self._coerce(item, v) for v in value]
            if self.choices is not None:
                for v in value:
                    self._in_choices(v)
            return value
        value = self._coerce(self.type, value)
        self._in_choices(value)
        return value

    def _coerce(self, kind, value):
        if kind is float and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return float(value)
        if kind is int and isinstance(value, np.integer):
            return int(value)
        if kind is float and isinstance(value, np.floating):
            return float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ParameterError(
                f"parameter {self.name}: expected {kind.__name__}, got {value!r}")
        return value

    def _in_choices(self, value):
        if self.choices is not None and value not in self.choices:
            raise ParameterError(f"parameter {self.name}: expected one of "
                                 f"{', '.join(map(str, self.choices))}, got {value!r}")


@dataclass(frozen=True)
class Stream:
    """A declared output of a sequence (one HDF5 dataset).

    ``shape``: per-step shape, a tuple or ``callable(params) -> tuple``.
    ``group``: "data" | "metrics" | "images" (images: name optical|digital,
    dtype uint8, shape (H, W)).  ``scale_factor``/``add_offset``: for raw
    integer codes, physical value = code * scale_factor + add_offset (numbers
    or ``callable(params, bench) -> float``).
    """
    name: str
    unit: str
    dtype: Any = float
    shape: Any = ()
    group: str = "data"
    help: str = ""
    scale_factor: Any = None
    add_offset: Any = None

    def resolve(self, params: dict, bench: Bench) -> dict:
        """Plain description with shape/scales evaluated (goes to the start document)."""
        shape = self.shape(params) if callable(self.shape) else self.shape
        desc = {"name": self.name, "unit": self.unit, "dtype": np.dtype(self.dtype).str,
                "shape": tuple(int(n) for n in shape), "group": self.group, "help": self.help}
        for key in ("scale_factor", "add_offset"):
            value = getattr(self, key)
            if value is not None:
                value = float(value(params, bench) if callable(value) else value)
            desc[key] = value
        if self.group not in ("data", "metrics", "images"):
            raise RunError(f"stream {self.name}: group must be data, metrics or images")
        if self.group == "images" and (self.name.rsplit("/", 1)[-1] not in ("optical", "digital")
                                       or len(desc["shape"]) != 2):
            raise RunError(f"image stream {self.name}: "
                           "name [<set>/]optical|digital with shape (H, W)")
        return desc


@dataclass
class Sequence:
    """A registered sequence: the plan generator function and its declarations."""
    name: str
    plan: Callable[..., Iterator["Step"]]
    params: list[Param] = field(default_factory=list)
    streams: list[Stream] | Callable[[dict], list[Stream]] = field(default_factory=list)
    help: str = ""
    #: ``setup(ctx)`` -> a context manager (or None), entered by the engine before the
    #: run file is created and exited after the run, whatever happens (see labctl.engine)
    setup: Callable[[Any], AbstractContextManager | None] | None = None

    def stream_list(self, params: dict) -> list[Stream]:
        """The declared streams; ``streams`` may be a callable of the parameters
        when the set of streams depends on them (e.g. one image set per model)."""
        return list(self.streams(params)) if callable(self.streams) else list(self.streams)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise ParameterError(f"sequence {self.name} has no parameter {name!r} (known: {known})")

    def resolve_params(self, given: dict[str, Any] | None = None,
                       text: dict[str, str] | None = None) -> dict[str, Any]:
        """Defaults, overridden by Python values ``given`` and command-line ``text``."""
        values = {p.name: p.default for p in self.params}
        for name, value in (given or {}).items():
            values[name] = self.param(name).check(value)
        for name, value in (text or {}).items():
            values[name] = self.param(name).parse(value)
        return values


@dataclass
class Step:
    """One completed step of a plan.

    ``data``/``metrics``: stream name -> value or (value, unit); the unit, when
    given, must equal the declared one.  ``images``: "optical"/"digital" ->
    uint8 array [H, W] or [n, H, W].
    """
    name: str
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    images: dict[str, np.ndarray] = field(default_factory=dict)
