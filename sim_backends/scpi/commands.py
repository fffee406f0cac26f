"""SCPI program headers: matching long/short forms, optional nodes and numeric suffixes.

A pattern is written as in the vendors' programming guides::

    ":SOURce<n>:VOLTage[:LEVel][:IMMediate][:AMPLitude]"

Upper-case letters are the short form (``SOUR``), the whole word the long form
(``SOURCE``); both are accepted in any case (SCPI-99 vol. 1, 6.2.1).  ``<n>`` is
a numeric suffix (default 1 when omitted); ``[...]`` is an optional node.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

_TOKEN = re.compile(r"\[(:?[A-Za-z_*]+(?:<n>)?)\]|(:?[A-Za-z_*]+(?:<n>)?)")


def _mnemonic(word: str) -> str:
    """Regex for one mnemonic: short form or long form, optional numeric suffix."""
    suffix = word.endswith("<n>")
    word = word.removesuffix("<n>")
    colon = ":" if word.startswith(":") else ""
    word = word.lstrip(":")
    short = "".join(ch for ch in word if ch.isupper() or ch in "*_")
    forms = {re.escape(short), re.escape(word.upper())}
    body = "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"
    return colon + body + (r"(\d*)" if suffix else "")


def header_regex(pattern: str) -> re.Pattern:
    """Compile a programming-guide header pattern into a case-insensitive regex."""
    parts, pos = [], 0
    for match in _TOKEN.finditer(pattern):
        if match.start() != pos:
            raise ValueError(f"bad SCPI pattern {pattern!r} at {pos}")
        optional, required = match.groups()
        parts.append(f"(?:{_mnemonic(optional)})?" if optional else _mnemonic(required))
        pos = match.end()
    if pos != len(pattern):
        raise ValueError(f"bad SCPI pattern {pattern!r}")
    body = "".join(parts)
    if not pattern.startswith("*"):  # the root colon is optional
        body = ":?" + body.removeprefix(":")
    return re.compile(body + r"(\?)?$", re.IGNORECASE)


@dataclass
class Command:
    """One header and its handler ``handler(suffixes, args, query) -> reply | None``.

    ``suffixes``: numeric suffixes in order (1 when omitted); ``args``: the
    parameter text (``str``) or, for block data, ``bytes``; ``query``: True for
    ``HEADER?``.
    """
    pattern: str
    handler: Callable
    regex: re.Pattern = None

    def __post_init__(self):
        self.regex = header_regex(self.pattern)

    def reply_header(self, suffixes: list[int], long: bool) -> str:
        """The header a reply carries when headers are on (``HEADer ON``): the required
        mnemonics in short (``:CHAN2:RANG``) or long form (``:CHANNEL2:RANGE``), upper
        case, with the numeric suffixes of the query; optional nodes left out."""
        parts, index = [], 0
        for match in _TOKEN.finditer(self.pattern):
            optional, required = match.groups()
            word = optional or required
            suffix = ""
            if word.endswith("<n>"):
                suffix = str(suffixes[index]) if index < len(suffixes) else "1"
                index += 1
                word = word.removesuffix("<n>")
            if optional:
                continue
            word = word.lstrip(":")
            text = word if long else "".join(ch for ch in word if ch.isupper() or ch in "*_")
            parts.append(text.upper() + suffix)
        return ("" if self.pattern.startswith("*") else ":") + ":".join(parts)

    def match(self, header: str) -> tuple[list[int], bool] | None:
        """(numeric suffixes, is_query) when ``header`` names this command, else None."""
        found = self.regex.match(header)
        if not found:
            return None
        groups = found.groups()
        return [int(g) if g else 1 for g in groups[:-1]], bool(groups[-1])


def split_header(text: str) -> tuple[str, str]:
    """Split one program message unit into (header, parameter text)."""
    text = text.strip()
    head, _, rest = text.partition(" ")
    return head, rest.strip()


def split_args(text: str) -> list[str]:
    """Comma-separated parameters, honouring double-quoted strings."""
    return [part.strip() for part in split_unquoted(text, ",")] if text.strip() else []


def split_unquoted(text: str, separator: str) -> list[str]:
    """Split ``text`` at ``separator`` characters outside double-quoted strings."""
    parts, current, quoted = [], [], False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == separator and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts
