"""What the store writes is always storable: standard JSON (no NaN or Infinity), text without NUL or lone
surrogates (PostgreSQL refuses both, SQLite cannot encode a surrogate), strings that fit their columns, and
file names whose bytes are not UTF-8 shown decoded (GBK, as a Windows zip leaves them) or escaped."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import String, Table

from formkit import jsontext


def safe_text(text: str) -> str:
    """``text`` without NUL characters, lone surrogates written as ``\\udcxx`` escapes."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if text.isascii():  # (no surrogate: nothing to encode)
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def display_name(path: str | os.PathLike) -> str:
    """A file name as people should see it: UTF-8 as is; bytes that are not UTF-8 (surrogate-escaped by
    Python) decoded as GBK when they are GBK, else shown as ``\\xNN`` escapes."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "/".join(_name_part(os.fsencode(part)) for part in text.split("/"))


def _name_part(raw: bytes) -> str:
    for encoding in ("utf-8", "gbk"):  # each folder name on its own: a GBK name inside a UTF-8 path
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return raw.decode("utf-8", "backslashreplace")


@dataclass
class Cleaned:
    """A value made storable, and what had to change (JSON paths of the values that were not finite)."""
    value: Any
    not_finite: list[str] = field(default_factory=list)
    text: str | None = None  # its JSON, when the check made it


def clean(value: Any, path: str = "") -> Cleaned:
    """``value`` as standard JSON data: non-finite numbers become None (their paths are listed), text is
    made storable, tuples become lists, dates ISO strings, Decimals numbers. A value that is storable already
    (nearly every record) is returned as it is, after one C-level serialisation that proves it (kept as
    ``text``)."""
    text = standard_json(value)
    if text is not None:
        return Cleaned(value, text=text)
    out = Cleaned(None)
    out.value = _clean(value, path, out.not_finite)
    return out


class Serialized(dict):
    """A JSON object stored as ``text``, its JSON made once (:func:`dumps` returns it as it is), and, when
    its maker had it, ``canonical``: the canonical JSON of ``text`` read back (``audit.canonical_json``,
    what a row digest is taken of). Not to be changed once made."""

    def __init__(self, value: dict, text: str | None = None, canonical: str | None = None):
        super().__init__(value)
        self.text = text if text is not None else dumps(value)
        self.canonical = canonical if text is not None else None


def standard_json(value: Any, canonical: bool = False) -> str | None:
    """``value`` as standard JSON text when it needs no cleaning at all, else None: no NaN or Infinity, only
    JSON types (no dates or Decimals), no NUL and no lone surrogate anywhere (a ``\\u0000`` that is really
    a backslash in the text only sends it the slow way). ``canonical``: keys sorted and no spaces, as
    ``audit.canonical_json`` writes it (the same text, for data whose keys are all text)."""
    try:
        text = jsontext.dumps(value, sort_keys=True, separators=jsontext.COMPACT) if canonical else \
            jsontext.dumps(value)
    except (ValueError, TypeError):
        return None
    if "\\u0000" in text:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return text


def _clean(value: Any, path: str, bad: list[str]) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if value.is_finite() if isinstance(value, Decimal) else math.isfinite(value):
            return float(value) if isinstance(value, Decimal) else value
        bad.append(path or "$")
        return None
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, dict):
        return {safe_text(str(k)): _clean(v, f"{path}.{k}" if path else str(k), bad) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v, f"{path}[{i}]", bad) for i, v in enumerate(value)]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return safe_text(str(value))


def dumps(value: Any) -> str:
    """Standard JSON for the store's JSON columns (the engines' ``json_serializer``)."""
    if isinstance(value, Serialized):
        return value.text
    text = standard_json(value)
    return text if text is not None else json.dumps(clean(value).value, ensure_ascii=False, allow_nan=False)


def fit(table: Table, row: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``row`` with its text made storable and every string clipped to its column's length; also the names
    of the columns that were clipped."""
    lengths = _lengths(table)
    out, clipped = {}, []
    for key, value in row.items():
        if isinstance(value, str):
            value = safe_text(value)
            length = lengths.get(key)
            if length and len(value) > length:
                value = value[:length]
                clipped.append(key)
        out[key] = value
    return out, clipped


@lru_cache(maxsize=16)
def _lengths(table: Table) -> dict[str, int]:
    """The length of each of ``table``'s text columns that has one (read from the table once)."""
    return {c.name: c.type.length for c in table.c if isinstance(c.type, String) and c.type.length}
