"""What a form knows about its recipient: prefilled values, the identity and the file name."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from formkit.config import load_config
from formkit.forms.model import NO, YES, Field, Form
from formkit.forms.stamp import Stamp, period_id, recipient_id
from formkit.forms.stamp import write as write_stamp
from formkit.outputs import safe_name
from formkit.roster.model import County, Roster, Unit

FILE_SUFFIX = {"self-assessment": "自评表", "county-feedback": "地方评价表", "review-vote": "分类评价投票表",
               "quarterly-ledger": "台账", "half-year-report": "半年工作情况报告"}
PERIOD_WORDS = {"quarter": "第{}季度", "half": ("上半年", "下半年")}


@dataclass(frozen=True)
class Reviewer:
    """One member of a category's review group, known by the number of the voting sheet."""

    category: str
    lead: str
    number: str  # 01, 02...
    recused: str = ""  # the unit id left out of the sheet: a delegate does not vote on their own unit (回避)


@dataclass(frozen=True)
class Recipient:
    """One addressee of one form: a unit (self-assessment), a (unit, county) pair (county form), or a
    reviewer of a category (voting sheet: ``units`` are the category's units)."""

    id: str
    unit: Unit | None
    county: County | None
    counties: tuple[County, ...]
    reviewer: Reviewer | None = None
    units: tuple[Unit, ...] = ()
    period: int | None = None  # the quarter or half-year of a periodic form

    @property
    def name(self) -> str:
        if self.reviewer:
            return f"{self.reviewer.category}评议组第{self.reviewer.number}号投票表"
        return f"{self.county.province}{self.county.name}（{self.unit.name}）" if self.county else self.unit.name


def recipients(form: Form, roster: Roster, reviewers: int | Sequence[Reviewer] = 0,
               period: int | None = None) -> list[Recipient]:
    """Who receives ``form``. Voting sheets go to ``reviewers`` members of each category that has units (or to
    the ``Reviewer``s given, each sheet without its ``recused`` unit); a periodic form (quarterly,
    half-yearly) only when its ``period`` is given, the period in the id."""
    if form.period:
        if not period:
            return []
        return [Recipient(recipient_id(form, u.id, period_id(form, period)), u, None, tuple(roster.counties_of(u)),
                          period=period) for u in roster.units]
    if form.recipient == "unit":
        return [Recipient(u.id, u, None, tuple(roster.counties_of(u))) for u in roster.units]
    if form.recipient == "reviewer":
        out = []
        for number, category in enumerate(_categories(roster, form.year), start=1):
            units = tuple(u for u in roster.units if u.category == category)
            members = ([Reviewer(category, units[0].lead, f"{n:02d}") for n in range(1, reviewers + 1)]
                       if isinstance(reviewers, int) else [r for r in reviewers if r.category == category])
            for reviewer in members:
                out.append(Recipient(f"R{number:02d}-{reviewer.number}", None, None, (), reviewer,
                                     tuple(u for u in units if u.id != reviewer.recused)))
        return out
    return [Recipient(recipient_id(form, p.unit.id, county_code=p.county.code), p.unit, p.county, (p.county,))
            for p in roster.pairs]


def _categories(roster: Roster, year: int | None) -> list[str]:
    """The categories of the roster's units in the year's configured order (then any others by name)."""
    names = {u.category for u in roster.units}
    order = [c for c in load_config(year).category_names if c in names]
    return order + sorted(names - set(order))


def stamp(form: Form, year: int, recipient: Recipient, context: dict | None = None) -> Stamp:
    """The identity stamp of ``form`` issued to ``recipient`` (:mod:`formkit.forms.stamp`)."""
    unit, county = recipient.unit, recipient.county
    suggested = context.get("suggested") if context else None  # so the reader can say what changed
    return Stamp(form.id, form.code, form.version, year, recipient.id, recipient.name,
                 unit_id=unit.id if unit else "", unit=unit.name if unit else "",
                 county=county.name if county else "", county_code=county.code if county else "",
                 period=period_id(form, recipient.period),
                 category=recipient.reviewer.category if recipient.reviewer else "",
                 suggested=json.dumps(suggested, ensure_ascii=False, sort_keys=True) if suggested else "")


def document_code(form: Form, year: int, recipient: Recipient) -> str:
    """The short code printed in the footer: ``FK-SA-2026-U001-V1``."""
    return stamp(form, year, recipient).code


def properties(form: Form, year: int, recipient: Recipient, context: dict | None = None) -> dict[str, str]:
    """Custom document properties that identify an issued form."""
    return write_stamp(stamp(form, year, recipient, context))


def _sources(year: int, recipient: Recipient) -> dict:
    return {"year": year, "unit": recipient.unit, "county": recipient.county, "reviewer": recipient.reviewer,
            "period": recipient.period}


def _row_items(table: Field, recipient: Recipient) -> list[tuple[str, object]]:
    """(source name, item) of each prefilled row of a ``rows_from`` table."""
    if table.rows_from == "units":
        return [("unit", u) for u in recipient.units]
    return [("county", c) for c in recipient.counties]


def render_context(form: Form, year: int, recipient: Recipient, suggested: dict | None = None) -> dict:
    """What the template is rendered with: prefilled values, one dict per prefilled row, and the values
    ``suggested`` for this recipient (``{"values": {key: v}, "rows": {table: {county: {column: v}}}}``)."""
    sources = _sources(year, recipient)
    suggested = suggested or {}
    values = {f.key: _display(_resolve(f.prefill, sources)) for f in form.fields if f.prefill}
    values.update({f.key: _display(suggested.get("values", {}).get(f.key)) for f in form.fields if f.suggest})
    tables = {}
    for f in form.fields:
        if f.is_table and f.rows_from:
            rows = []
            for number, (name, item) in enumerate(_row_items(f, recipient), start=1):
                row = _row(f, {**sources, name: item, "number": number})
                proposed = suggested.get("rows", {}).get(f.key, {}).get(row.get("county", ""), {})
                row.update({c.key: _display(proposed.get(c.key)) for c in f.columns if c.suggest})
                rows.append(row)
            tables[f.key] = rows
    doc = {"year": year, "code": document_code(form, year, recipient), "form": form.id,
           "version": form.version, "recipient": recipient.name, "filer": filer(recipient)}
    return {"doc": doc, "v": values, "t": tables, "suggested": suggested}


def filer(recipient: Recipient) -> str:
    """Who files the form, as the line under its title names them (填报单位（盖章）): the unit, or the county."""
    if recipient.county:
        return recipient.county.province + recipient.county.name
    return recipient.unit.name if recipient.unit else ""


def prefilled_values(form: Form, year: int, recipient: Recipient) -> dict:
    """What the issued form holds for ``recipient``, typed as a reader returns it: single values, and the
    prefilled columns of table rows (one per designated county, or the form's fixed rows)."""
    sources = _sources(year, recipient)
    out: dict = {f.key: _resolve(f.prefill, sources) for f in form.fields if f.prefill}
    for f in form.fields:
        if f.is_table and f.rows_from:
            out[f.key] = [{c.key: _resolve(c.prefill, {**sources, name: item, "number": n}) for c in f.columns
                           if c.prefill} for n, (name, item) in enumerate(_row_items(f, recipient), start=1)]
        elif f.is_table and f.rows:
            out[f.key] = [dict(row) for row in f.rows]
    return out


def file_name(form: Form, year: int, recipient: Recipient) -> str:
    parts = [recipient.id, recipient.reviewer.category if recipient.reviewer else recipient.unit.name]
    if recipient.county:
        parts.append(recipient.county.name)
    when = f"{year}年"
    if form.period and recipient.period:
        words = PERIOD_WORDS[form.period]
        when += words.format(recipient.period) if isinstance(words, str) else words[recipient.period - 1]
    parts.append(when + FILE_SUFFIX.get(form.id, form.title))
    return safe_name(parts, "." + form.format)  # fits any file system, however long the names


def _row(table: Field, sources: dict) -> dict[str, str]:
    return {c.key: _display(_resolve(c.prefill, sources)) for c in table.columns if c.prefill}


def _resolve(path: str | None, sources: dict):
    head, _, attr = (path or "").partition(".")
    value = sources[head]
    return getattr(value, attr) if attr else value


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, bool):
        return YES if value else NO
    return str(value)
