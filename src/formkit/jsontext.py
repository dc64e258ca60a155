"""JSON text of plain data: ``json.dumps(value, ensure_ascii=False, allow_nan=False, ...)``, the same text,
written in C (``_jsontext.c``, when it was built) for data of plain types only — None, bool, and exactly str,
int, finite float, list, tuple and dict with text keys; anything else, and every value when the module was
not built, goes to json.dumps itself, which writes or raises as it always does (tests/test_jsontext.py).

A reading worker writes each record's canonical JSON (what the store keeps and its digests are taken of), and
``formkit read --json`` a line for each file: json.dumps spent about 0.7 ms on a self-assessment's, the C
writer about a quarter of that."""

from __future__ import annotations

import json
from typing import Any

ABI = 1  # what _jsontext.c says it is: a module built from other source is not used


def _load():
    try:
        from formkit import _jsontext
    except ImportError:
        return None
    return _jsontext.encode if getattr(_jsontext, "ABI", None) == ABI else None


_ENCODE = _load()
COMPACT = (",", ":")
SPACED = (", ", ": ")  # json.dumps's own, without indent


def plain(value: Any, sort_keys: bool = False, separators: tuple[str, str] = SPACED) -> str | None:
    """The text ``json.dumps(value, ensure_ascii=False, sort_keys=sort_keys, separators=separators)`` writes,
    when the value is plain data and the C writer is there; else None (never an empty text)."""
    return _ENCODE(value, sort_keys, *separators) if _ENCODE is not None else None


def dumps(value: Any, sort_keys: bool = False, separators: tuple[str, str] = SPACED) -> str:
    """``json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=sort_keys, separators=separators)``;
    raises what it raises (ValueError for NaN, TypeError for a type JSON has not)."""
    return plain(value, sort_keys, separators) or \
        json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=sort_keys, separators=separators)


def built() -> bool:
    """Whether the C writer is there (else json.dumps writes everything)."""
    return _ENCODE is not None
