"""Findings are data: a stable code (listed in ``codes.yaml``), a severity, the reason in Chinese, the label
of the field it is about, the field's key or path, where in the document, the text read, the figures the
reason was built from and what it is about (a county, a unit). The clerk's one-line message
(``表3 第2行「投入无偿资金」：“约三百万”是约数…``) is rendered from these only when it is shown."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from formkit.codes import lookup

ERROR, WARNING = "error", "warning"


@dataclass
class Finding:
    code: str
    severity: str
    reason: str  # why, in Chinese, without the place or the label: “约三百万”是约数，请填写确切数字
    label: str | None = None  # the field's label as the form shows it
    field: str | None = None  # a key, or a path into a table: ``visits[2].date``
    location: dict[str, Any] = dataclasses.field(default_factory=dict)  # page, table, row, column
    raw: str | None = None  # the text the value was read from
    params: dict[str, Any] = dataclasses.field(default_factory=dict)  # the figures in the reason (JSON-safe)
    subject: str | None = None  # what the finding is about beyond the field: a county, a unit
    verbatim: str | None = dataclasses.field(default=None, repr=False)  # a stored message that cannot be re-rendered

    @property
    def message(self) -> str:
        """``第2页 表3 第4行「标签」：reason``: the place, the label and the reason, for the clerk."""
        if self.verbatim is not None:
            return self.verbatim
        place = where_text(self.location)
        named = f"「{self.label}」" if self.label and f"「{self.label}」" not in place else ""  # not twice
        head = f"{place}{named}".strip()
        return f"{head}：{self.reason}" if head else self.reason

    @property
    def help(self) -> str:
        """What the clerk should do about it, from the codes table (empty for a code not listed)."""
        entry = lookup(self.code)
        return entry.help if entry else ""

    def as_dict(self) -> dict[str, Any]:
        """The stored and printed shape: the keys findings always had (``message`` rendered), then the parts
        it was rendered from."""
        out = {"code": self.code, "severity": self.severity, "message": self.message, "field": self.field,
               "location": self.location, "raw": self.raw, "label": self.label, "reason": self.reason,
               "params": self.params, "subject": self.subject}
        if self.verbatim is not None:  # no parts to keep: stored again as it came
            del out["label"], out["reason"]
        return {k: v for k, v in out.items() if v not in (None, {})}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """A finding from :meth:`as_dict`, or from a dict stored before findings kept their parts (only a
        ``message``: its place and label are taken back off, as :func:`finding` put them on)."""
        location = dict(data.get("location") or {})
        common = {"field": data.get("field"), "location": location, "raw": data.get("raw"),
                  "params": dict(data.get("params") or {}), "subject": data.get("subject")}
        if "reason" in data:
            return cls(data["code"], data["severity"], data["reason"], data.get("label"), **common)
        message = data.get("message") or ""
        split = _split(message, location)
        if split is None:
            return cls(data["code"], data["severity"], message, None, **common, verbatim=message)
        label, reason = split
        return cls(data["code"], data["severity"], reason, label, **common)


LABELLED = re.compile(r"「(.+?)」：")


def _split(message: str, location: dict[str, Any]) -> tuple[str | None, str] | None:
    """(label, reason) of a message rendered by an earlier formkit; None when it is not in that shape."""
    place = where_text(location)
    if place:
        if not message.startswith(place):
            return None
        message = message[len(place):]
    labelled = LABELLED.match(message)
    if labelled:
        return labelled.group(1), message[labelled.end():]
    if place:
        return (None, message[1:]) if message.startswith("：") else None
    return None, message


def where_text(location: dict[str, Any]) -> str:
    """``第2页 表3 第4行`` from a location; empty when nothing is known. The table as the copy names it when
    the reader knew (``cited``: 表3 printed above it, or for a copy that numbers no tables its caption or
    section, :mod:`formkit.forms.tables`), else by its place in the document."""
    parts = []
    if location.get("page"):
        parts.append(f"第{location['page']}页")
    if location.get("cited"):
        parts.append(location["cited"])
    elif location.get("table"):
        parts.append(f"表{location['table']}")
    if location.get("row"):
        parts.append(f"第{location['row']}行")
    return " ".join(parts)


def finding(code: str, severity: str, reason: str, label: str | None = None, key: str | None = None,
            location: dict[str, Any] | None = None, raw: str | None = None, *, params: dict[str, Any] | None = None,
            subject: str | None = None) -> Finding:
    return Finding(code, severity, reason, label, key, dict(location or {}), raw,
                   {k: jsonable(v) for k, v in (params or {}).items()}, subject)


def jsonable(value: Any) -> Any:
    """A parameter as JSON carries it: dates as ISO text, decimals as numbers, tuples as lists."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value
