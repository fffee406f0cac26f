"""Reading a bench file: TOML (``tomllib``) -> :class:`labctl.bench.model.Bench`.

Every failure becomes one :class:`BenchError` with a one-line message::

    bench file my.toml: instruments.laser_a.limits.max_laser_power: expected a number greater than 0, got -1
"""
from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from labctl.bench.model import Bench
from labctl.bench.topology import CENTRE_KINDS

#: Names of the embedded benches (files of this package).
DEFAULT_SIM = "default_sim.toml"
DEFAULT_TIME = "default_sim_time.toml"
HIGH_RATE = "high_rate_sim.toml"
HIGH_RATE_TIME = "high_rate_sim_time.toml"
#: Short names of the embedded benches (``labctl generate --bench high-rate``) -> file.
EMBEDDED = {"default": DEFAULT_SIM, "default-time": DEFAULT_TIME,
            "high-rate": HIGH_RATE, "high-rate-time": HIGH_RATE_TIME}


class BenchError(ValueError):
    """A bench file that cannot be read or does not validate."""


def load_bench(path: str | Path | None = None) -> Bench:
    """Load and validate a bench file.

    ``None`` loads the embedded simulated bench ``default_sim.toml``; a short
    name of :data:`EMBEDDED` (``default``, ``default-time``, ``high-rate``,
    ``high-rate-time``) or the bare file name of an embedded bench
    (``high_rate_sim.toml``, ...) loads that embedded file, unless a file of
    that name exists in the working directory.  Raises :class:`BenchError`.
    """
    name = embedded_name(path)
    if name is not None:
        text = resources.files("labctl.bench").joinpath(name).read_text(encoding="utf-8")
        return parse_bench(text, origin=f"<embedded {name}>", path=None)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BenchError(f"bench file {path}: cannot read: {exc.strerror or exc}") from None
    return parse_bench(text, origin=str(path), path=path.resolve())


def embedded_name(path: str | Path | None) -> str | None:
    """The embedded bench file ``path`` names (None: the default; a short name
    or an embedded file name that is not an existing file), else None."""
    if path is None:
        return DEFAULT_SIM
    key = str(path)
    name = EMBEDDED.get(key, key if key in EMBEDDED.values() else None)
    return name if name is not None and not Path(key).exists() else None


def parse_bench(text: str, origin: str = "<string>", path: Path | None = None) -> Bench:
    """Validate bench TOML ``text``; ``origin`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BenchError(f"bench file {origin}: TOML syntax error: {exc}") from None
    try:
        bench = Bench.model_validate(data)
    except ValidationError as exc:
        raise BenchError(f"bench file {origin}: {_describe(exc)}") from None
    return bench.model_copy(update={"source_text": text, "path": path})


def _describe(exc: ValidationError) -> str:
    """First validation error as 'key.path: expected ..., got ...' (+ count of others)."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    key = ".".join(str(part) for part in first["loc"] if not _is_union_tag(part)) or "(top level)"
    kind = first["type"]
    if not first["loc"]:  # a whole-file check: its message carries the key path
        return first["msg"].removeprefix("Value error, ") + more_errors(errors)
    if kind == "extra_forbidden":
        what = "unknown key"
    elif kind == "missing":
        what = "missing required key"
    else:
        message = first["msg"].removeprefix("Value error, ")
        what = f"expected {_expected(message)}, got {first.get('input')!r}"
    return f"{key}: {what}{more_errors(errors)}"


def more_errors(errors: list) -> str:
    return f" (and {len(errors) - 1} more error(s))" if len(errors) > 1 else ""


def _expected(message: str) -> str:
    """Turn pydantic's 'Input should be ...' into '...'."""
    for prefix in ("Input should be ", "input should be "):
        if message.startswith(prefix):
            return message[len(prefix):]
    return message


def _is_union_tag(part) -> bool:
    """pydantic inserts type names like 'function-after[...]' into loc paths."""
    return isinstance(part, str) and ("[" in part or part in ("int", "float", "str", "bool")
                                      or part in CENTRE_KINDS)  # tags of the centre union
