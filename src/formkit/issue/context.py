"""What a form knows about its recipient: prefilled values, the identity and the file name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from formkit.forms.model import NO, YES, Field, Form
from formkit.roster.model import County, Roster, Unit

FILE_SUFFIX = {"self-assessment": "自评表", "county-feedback": "地方评价表"}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True)
class Recipient:
    """One addressee of one form: a unit (self-assessment) or a (unit, county) pair (county form)."""

    id: str
    unit: Unit
    county: County | None
    counties: tuple[County, ...]

    @property
    def name(self) -> str:
        return f"{self.county.province}{self.county.name}（{self.unit.name}）" if self.county else self.unit.name


def recipients(form: Form, roster: Roster) -> list[Recipient]:
    if form.recipient == "unit":
        return [Recipient(u.id, u, None, tuple(roster.counties_of(u))) for u in roster.units]
    return [Recipient(p.id, p.unit, p.county, (p.county,)) for p in roster.pairs]


def document_code(form: Form, year: int, recipient: Recipient) -> str:
    """The short code printed in the footer: ``FK-SA-2026-U001-V1``."""
    return f"FK-{form.code}-{year}-{recipient.id}-V{form.version}"


def properties(form: Form, year: int, recipient: Recipient) -> dict[str, str]:
    """Custom document properties that identify an issued form."""
    props = {
        "formkit.form": form.id,
        "formkit.version": str(form.version),
        "formkit.year": str(year),
        "formkit.recipient": recipient.id,
        "formkit.recipient_name": recipient.name,
        "formkit.unit": recipient.unit.name,
        "formkit.code": document_code(form, year, recipient),
    }
    if recipient.county:
        props["formkit.county"] = recipient.county.name
        props["formkit.county_code"] = recipient.county.code
    return props


def render_context(form: Form, year: int, recipient: Recipient) -> dict:
    sources = {"year": year, "unit": recipient.unit, "county": recipient.county}
    values = {f.key: _display(_resolve(f.prefill, sources)) for f in form.fields if f.prefill}
    tables = {
        f.key: [_row(f, {**sources, "county": c}) for c in recipient.counties]
        for f in form.fields if f.is_table and f.rows_from == "counties"
    }
    doc = {"year": year, "code": document_code(form, year, recipient), "form": form.id,
           "version": form.version, "recipient": recipient.name}
    return {"doc": doc, "v": values, "t": tables}


def prefilled_values(form: Form, year: int, recipient: Recipient) -> dict:
    """What the issued form holds for ``recipient``, typed as a reader returns it: single values, and the
    prefilled columns of table rows (one per designated county, or the form's fixed rows)."""
    sources = {"year": year, "unit": recipient.unit, "county": recipient.county}
    out: dict = {f.key: _resolve(f.prefill, sources) for f in form.fields if f.prefill}
    for f in form.fields:
        if f.is_table and f.rows_from == "counties":
            out[f.key] = [{c.key: _resolve(c.prefill, {**sources, "county": county}) for c in f.columns if c.prefill}
                          for county in recipient.counties]
        elif f.is_table and f.rows:
            out[f.key] = [dict(row) for row in f.rows]
    return out


def file_name(form: Form, year: int, recipient: Recipient) -> str:
    parts = [recipient.id, recipient.unit.name]
    if recipient.county:
        parts.append(recipient.county.name)
    parts.append(f"{year}年{FILE_SUFFIX.get(form.id, form.title)}")
    return _UNSAFE.sub("_", "_".join(parts)) + ".docx"


def _row(table: Field, sources: dict) -> dict[str, str]:
    return {c.key: _display(_resolve(c.prefill, sources)) for c in table.columns if c.prefill}


def _resolve(path: str | None, sources: dict):
    head, _, attr = (path or "").partition(".")
    value = sources[head]
    return getattr(value, attr) if attr else value


def _display(value) -> str:
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)
