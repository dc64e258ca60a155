"""Paths into a record (``visits[2].date``), and what the reader kept at one: ``raw`` holds, per single
field, ``{"text", "location"}`` and, per table, a list of rows of such cells keyed by column."""

from __future__ import annotations

import re
from typing import Any

KeyPath = tuple  # (key,), (key, row), (key, row, column)
_PART = re.compile(r"\[(\d+)\]|\.([^.\[]+)")


def path_text(path: KeyPath) -> str:
    """``visits[2].date`` from ``("visits", 2, "date")``."""
    out = str(path[0])
    for part in path[1:]:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def parse_path(text: str) -> KeyPath:
    """``("visits", 2, "date")`` from ``visits[2].date``."""
    head = re.match(r"[^.\[]+", text)
    if head is None:
        return (text,)
    return (head.group(0), *(int(i) if i else col for i, col in _PART.findall(text[head.end():])))


def raw_at(raw: dict[str, Any], path: KeyPath | str) -> dict[str, Any]:
    """What was read at ``path``: ``{"text", "location"}`` of a single field or of a table's cell (a path to
    a row gives its first cell); ``{}`` where nothing was read (a whole table, a row or cell not there)."""
    parts = parse_path(path) if isinstance(path, str) else tuple(path)
    entry = raw.get(parts[0]) if raw else None
    if len(parts) == 1:
        return entry if isinstance(entry, dict) else {}
    if not isinstance(entry, list) or not isinstance(parts[1], int) or not 0 <= parts[1] < len(entry):
        return {}
    row = entry[parts[1]] or {}
    cell = row.get(parts[2]) if len(parts) > 2 else next(iter(row.values()), None)
    return cell if isinstance(cell, dict) else {}


def location_at(raw: dict[str, Any], path: KeyPath | str) -> dict[str, Any]:
    """Where the value at ``path`` was read (page, table, row, column); ``{}`` when unknown."""
    return raw_at(raw, path).get("location") or {}
