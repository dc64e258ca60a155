"""The result of reading one document: what ``formkit read --json`` prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from formkit.findings import ERROR, Finding


@dataclass
class ReadResult:
    """``recipient``: ``id`` and ``name`` as issued, ``unit_id`` (the unit's roster id), ``unit`` (its name),
    ``county`` (a county's form) and ``period`` (``Q1``…``Q4``, ``H1``, ``H2``: a periodic form), each None
    when not known."""

    form: str
    version: int | None
    year: int | None
    recipient: dict[str, Any]
    values: dict[str, Any]
    raw: dict[str, Any]
    findings: list[Finding]
    source: dict[str, Any]
    reader: str = ""
    identified_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    computed: dict[str, Any] = field(default_factory=dict)  # 合计, 完成率: made from the values (forms/computed.py)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == ERROR for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 1 if self.has_errors else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "form": self.form,
            "version": self.version,
            "year": self.year,
            "recipient": self.recipient,
            "values": jsonable(self.values),
            "findings": [f.as_dict() for f in self.findings],
            "source": self.source,
            "reader": self.reader,
            "identified_by": self.identified_by,
            **({"computed": self.computed} if self.computed else {}),
            "raw": self.raw,
        }


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value
