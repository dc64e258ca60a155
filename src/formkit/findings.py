"""Findings are data: a stable code, a severity, the field, where in the document, and a message for a
clerk in Chinese that says what is wrong and where (``表3 第2行「投入无偿资金」：“约三百万”是约数…``)."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass
from typing import Any

ERROR, WARNING = "error", "warning"


@dataclass
class Finding:
    code: str
    severity: str
    message: str
    field: str | None = None  # a key, or a path into a table: ``visits[2].date``
    location: dict[str, Any] = dataclasses.field(default_factory=dict)
    raw: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, {})}


def where_text(location: dict[str, Any]) -> str:
    """``第2页 表3 第4行`` from a location; empty when nothing is known."""
    parts = []
    if location.get("page"):
        parts.append(f"第{location['page']}页")
    if location.get("table"):
        parts.append(f"表{location['table']}")
    if location.get("row"):
        parts.append(f"第{location['row']}行")
    return " ".join(parts)


def finding(code: str, severity: str, reason: str, label: str | None = None, key: str | None = None,
            location: dict[str, Any] | None = None, raw: str | None = None) -> Finding:
    location = location or {}
    place = where_text(location)
    subject = f"「{label}」" if label else ""
    head = f"{place}{subject}".strip()
    message = f"{head}：{reason}" if head else reason
    return Finding(code, severity, message, key, location, raw)
