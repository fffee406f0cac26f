"""The scheme protocol and the registry (re-exported by :mod:`labctl.mvm.schemes`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator, Protocol

import numpy as np


@dataclass
class FrameDrive:
    """What one frame sends, as pure data: AWG codes ``waves`` {awg: {ch:
    uint16 codes}}, heater currents (A) by channel (None: heaters untouched)
    and the symbol values the decoder needs (``symbols``, scheme-defined)."""

    waves: dict
    heaters: dict | None = None
    symbols: dict = field(default_factory=dict)


@dataclass(frozen=True)
class EnergyCounts:
    """Device counts of a scheme for the energy model (labctl.energy): MACs per
    symbol slot, rings (heated), and per output the photodiode + ADC channel.
    The DAC channels and modulator drivers are ``modulator_channels``."""

    macs_per_symbol: int
    rings: int
    photodiodes: int


class FrameCodec(Protocol):
    """One frame of a tile product, split into pure encode and decode steps
    around the bench IO (load the drive, acquire: labctl.mvm.engine)."""

    def encode(self, w_u: np.ndarray, x_u: np.ndarray, index: int | None = None) -> FrameDrive:
        """Unsigned tile operands in [0, 1] -> the frame's drive (``index``:
        frame number whose training symbols it carries; None: the next frame)."""

    def decode(self, w_u: np.ndarray, x_u: np.ndarray, drive: FrameDrive,
               volts: dict) -> np.ndarray:
        """Scope volts of the frame -> unsigned tile estimates [rows, columns]."""

    def known_frame(self, rng: np.random.Generator) -> tuple[FrameDrive, dict]:
        """A frame whose every symbol the receiver knows (static equaliser
        training) -> (drive, {output: (side terms [slot, s], target [slot])})."""


class Scheme(Protocol):
    """A computing scheme (see the module docstring)."""

    #: the centre model's ``kind`` (the bench file's ``[topology] scheme``)
    kind: str
    #: the scheme's number in run files (``scheme`` streams); fixed once given
    stream_code: int
    #: signed X may go as positive and negative columns of one frame
    supports_split_columns: bool
    #: several models can share one frame (labctl.generation.parallel)
    supports_parallel_models: bool
    #: the link BER can be measured through the centre (labctl.generation.link_ber)
    measures_link_ber: bool
    #: light passes every modulator in series: a modulator is measured with the
    #: others at full transmission (else dark)
    modulators_in_series: bool
    #: calibration stages of the centre itself (after "skew" and "modulators")
    centre_stages: tuple[str, ...]

    def outputs(self, topology) -> list[tuple[str, int]]:
        """(scope, channel) of each output row, in row order."""

    def modulator_channels(self, topology) -> list[tuple[str, int, str | None]]:
        """(awg, channel, edge name or None) of every modulator the scheme drives."""

    def centre_channels(self, topology) -> dict[str, set[int]]:
        """Channels (1-based) of the centre's instruments: scopes, AWGs, heaters."""

    def tile_shape(self, k: int, *, ports: int, lanes: int,
                   frame_slots: int) -> tuple[int, int, int]:
        """(rows, inner, columns) of one frame's tile for inner dimension K, a
        centre of ``ports`` input ports or ``lanes`` lanes and ``frame_slots``
        payload slots (labctl.mvm.plan.plan_product)."""

    def benchmark_rows(self, topology, size: int) -> int:
        """Rows M of the ``size``-sized benchmark products of the sweeps."""

    def energy_counts(self, topology) -> EnergyCounts:
        """Device counts for the energy model."""

    def codec(self, engine) -> FrameCodec:
        """The frame codec of ``engine`` (labctl.mvm.engine.OpticalEngine)."""

    def closed_loop_weights(self):
        """Closed-loop weight programming (``frame(engine, rounds, w_u, x_u)``
        -> tile estimates; labctl.mvm.engine ``weight_rounds``), or None."""

    def bright_heaters(self, engine) -> dict | None:
        """Heater currents with every weight at 1 (autorange), None without heaters."""

    def idle_heaters(self, engine) -> dict | None:
        """Heater currents at zero heater power (DC ranging), None without heaters."""

    def skew_groups(self, topology) -> tuple[set | None, dict[str, set]]:
        """(reference channels or None, {edge: channels sending its preamble}):
        each edge's arrival is measured relative to the reference (None: to
        the centre clock)."""

    def calibrate_centre(self, engine, cal) -> Iterator[str]:
        """Run the centre's calibration stages on ``engine`` into ``cal``,
        yielding each stage name of ``centre_stages`` when done."""


#: kind -> scheme (filled by the modules of this package)
SCHEMES: dict[str, Scheme] = {}


def register(scheme: Scheme) -> Scheme:
    """Register ``scheme`` under its ``kind``; returns it."""
    SCHEMES[scheme.kind] = scheme
    return scheme


def scheme_named(kind: str) -> Scheme:
    """The scheme of centre kind ``kind``."""
    try:
        return SCHEMES[kind]
    except KeyError:
        raise ValueError(f"no computing scheme {kind!r}; known: {sorted(SCHEMES)}") from None


def kinds() -> tuple[str, ...]:
    """Kinds of the registered schemes in ``stream_code`` order (parameter choices)."""
    return tuple(sorted(SCHEMES, key=lambda kind: SCHEMES[kind].stream_code))


def stream_codes_help() -> str:
    """What the values of a ``scheme`` stream mean, e.g. "0 wdm, 1 time"."""
    return ", ".join(f"{SCHEMES[kind].stream_code} {kind}" for kind in kinds())


def scheme_for(topology) -> Scheme:
    """The scheme of a bench topology (by its centre's ``kind``)."""
    return scheme_named(topology.centre.kind)
