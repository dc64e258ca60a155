"""What the store holds, as typed objects: nothing above the store sees a row's columns or its ``record``
JSON. A :class:`Submission` is one file that arrived (its outcome, who it is from, what was read from it);
its :class:`Record` is what the reader returned (values, where each was found, findings); an
:class:`IssuedForm` is one document issued to one recipient. Who a document is for is a :class:`Recipient`
with the unit, the county and the period (quarter ``Q2``, half-year ``H1``) as separate items: nothing
parses them back out of a name or an id.

Findings produced later, when another document is stored (``rule.funds-differ`` between a county's
feedback and its unit's self-assessment), are kept in their own table and joined in here:
:attr:`Submission.findings` is everything found on that document, whatever stage found it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from formkit.findings import ERROR, Finding
from formkit.outcomes import READABLE

SCAN = "scan"  # the format of a submission read from a scan: a sealed copy (``store.sealed``)


@dataclass(frozen=True)
class Recipient:
    id: str | None
    name: str | None = None
    unit_id: str | None = None  # the unit's roster id (a county's feedback and a ledger belong to a unit)
    unit: str | None = None  # the unit's name
    county: str | None = None
    period: str | None = None  # "Q1".."Q4", "H1", "H2" for periodic forms

    @property
    def quarter(self) -> int | None:
        return int(self.period[1:]) if self.period and self.period[0] == "Q" and self.period[1:].isdigit() else None

    @property
    def half(self) -> int | None:
        return int(self.period[1:]) if self.period and self.period[0] == "H" and self.period[1:].isdigit() else None


@dataclass(frozen=True)
class Record:
    """What the reader returned for a readable document."""
    form: str | None
    version: int | None
    year: int | None
    values: dict[str, Any]
    raw: dict[str, Any]
    findings: tuple[Finding, ...]
    source: dict[str, Any]
    reader: str = ""
    identified_by: str = ""

    def value(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    def rows(self, key: str) -> list[dict[str, Any]]:
        """The rows of a table field (an empty list for a blank or missing table)."""
        rows = self.values.get(key)
        return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Record | None:
        if not data:
            return None
        return cls(data.get("form"), data.get("version"), data.get("year"), dict(data.get("values") or {}),
                   dict(data.get("raw") or {}), tuple(Finding.from_dict(f) for f in data.get("findings") or []),
                   dict(data.get("source") or {}), data.get("reader") or "", data.get("identified_by") or "")


@dataclass
class Submission:
    id: int
    sha256: str
    file_name: str
    size: int
    received_at: datetime
    format: str | None
    producer: str | None
    outcome: str
    code: str | None
    message: str | None
    form: str | None
    form_version: int | None
    year: int | None
    recipient: Recipient
    record: Record | None
    reader: str
    converted_by: str | None
    supersedes: int | None
    read_errors: int = 0  # as counted when it was read
    read_warnings: int = 0
    later: list[Finding] = field(default_factory=list)  # found when another document was stored

    @property
    def readable(self) -> bool:
        return self.outcome in READABLE

    @property
    def scanned(self) -> bool:
        """Read from a scan: the sealed copy of the recipient's submission, its data only while no Word file
        came (``store.sealed``)."""
        return self.format == SCAN

    @property
    def values(self) -> dict[str, Any]:
        return self.record.values if self.record else {}

    @property
    def signatures(self) -> list[dict[str, Any]]:
        """The electronic seals and signatures the file carried (``formkit.signatures``), as read."""
        return list((self.record.source.get("signatures") if self.record else None) or [])

    @property
    def findings(self) -> list[Finding]:
        return [*(self.record.findings if self.record else ()), *self.later]

    @property
    def errors(self) -> int:
        return self.read_errors + sum(f.severity == ERROR for f in self.later)

    @property
    def warnings(self) -> int:
        return self.read_warnings + sum(f.severity != ERROR for f in self.later)


@dataclass(frozen=True)
class IssuedForm:
    form: str
    year: int
    recipient: Recipient
    lead_department: str | None
    code: str | None
    sha256: str | None
    issued_at: datetime


def submission(row: Mapping[str, Any], later: list[Finding] | None = None) -> Submission:
    """A ``submissions`` row as a :class:`Submission`."""
    return Submission(
        row["id"], row["sha256"], row["file_name"], row["size"], row["received_at"], row["format"],
        row["producer"], row["outcome"], row["code"], row["message"], row["form"], row["form_version"], row["year"],
        Recipient(row["recipient_id"], row["recipient_name"], row.get("unit_id"), row.get("unit"),
                  row.get("county"), row.get("period")),
        Record.from_json(row["record"]), row["reader"], row["converted_by"], row["supersedes"],
        row["errors"] or 0, row["warnings"] or 0, list(later or []))


def issued_form(row: Mapping[str, Any]) -> IssuedForm:
    return IssuedForm(row["form"], row["year"],
                      Recipient(row["recipient_id"], row["recipient_name"], row.get("unit_id"), row.get("unit"),
                                row.get("county"), row.get("period")),
                      row["lead_department"], row["code"], row["sha256"], row["issued_at"])
