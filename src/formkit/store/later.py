"""Findings across documents, made once, when the second document of a pair is stored: a county's feedback
against its unit's self-assessment (``validate.cross``: ``rule.funds-differ``, the funds the county confirms
as arrived against what the unit claims for it; the cadres, first secretaries and visits it confirms). Each
finding is kept for both sides, so the unit's correction letter and the county's both carry it, and the
dossier reads it from the store instead of computing it again.

A row is valid while ``against`` is still the other side's current version: a new version of either side
is checked again when it is stored, and :func:`attach` keeps only the findings made against what is
current now."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, select

from formkit.config import load_config
from formkit.findings import Finding
from formkit.store.audit import append, later_digest
from formkit.store.records import READABLE, SCAN, Record, Submission
from formkit.validate.cross import cross_findings, unit_row
from formkit.validate.paths import location_at

UNIT_FORM, COUNTY_FORM = "self-assessment", "county-feedback"
FORMS = (UNIT_FORM, COUNTY_FORM)  # the forms checked against each other
EVENT = "cross-checked"

@lru_cache(maxsize=8)
def _side(t: Table, bounded: bool = False):
    """The readable versions of one form for one unit's recipients, ``bounded``: below an id (built once per
    table)."""
    return select(t.c.id, t.c.recipient_id, t.c.county, t.c.record, t.c.format).where(
        t.c.form == bindparam("form"), t.c.year == bindparam("year"), t.c.unit_id == bindparam("unit_id"),
        t.c.outcome.in_(READABLE), *([t.c.id < bindparam("upto")] if bounded else [])).order_by(t.c.id)


def _current(conn: Connection, t: Table, form: str, year: int, unit_id: str, upto: int | None = None) -> list:
    """The current readable versions of ``form`` for the unit's recipients (one per recipient id), among
    the rows below ``upto`` when given."""
    params = {"form": form, "year": year, "unit_id": unit_id, **({"upto": upto} if upto is not None else {})}
    rows = conn.execute(_side(t, upto is not None), params).mappings().all()
    latest: dict = {}
    for row in rows:  # in id order: the last version of each recipient wins, a Word file over a scan
        if row["format"] != SCAN or latest.get(row["recipient_id"], {"format": SCAN})["format"] == SCAN:
            latest[row["recipient_id"]] = row
    return sorted(latest.values(), key=lambda row: row["id"])


def recheck(conn: Connection, submissions: Table, later: Table, audit: Table, row_id: int, at: datetime,
            row: Mapping[str, Any] | None = None, codes: tuple[str, ...] | None = None,
            upto: int | None = None) -> int:
    """Check the submission ``row_id`` (just stored or retried; ``row``: its columns, when the caller has
    them) against the other side of each of its pairs; store what is found for both sides, with one audit
    event per pair that found something. ``codes``: only these rules (a migration's, as of its day).
    ``upto``: only against the other side's rows below this id (the rows that were there when this one was
    inserted, when rows inserted together are checked one after another). Returns the number of findings
    stored."""
    t = submissions
    if row is None:
        row = conn.execute(select(t).where(t.c.id == row_id)).mappings().one()
    if row.get("form") not in FORMS or row["outcome"] not in READABLE or not row.get("unit_id") \
            or not row.get("year"):
        return 0
    row = {**row, "id": row_id}
    if row["form"] == UNIT_FORM:
        pairs = [(row, county) for county in _current(conn, t, COUNTY_FORM, row["year"], row["unit_id"], upto)]
    else:
        pairs = [(unit, row) for unit in _current(conn, t, UNIT_FORM, row["year"], row["unit_id"], upto)]
    stored = 0
    for unit, county in pairs:
        found = pair_findings(Record.from_json(unit["record"]), Record.from_json(county["record"]), row["year"],
                              county["county"], codes)
        if not found:
            continue
        written = []
        for side, finding in found:
            sid, aid = (unit["id"], county["id"]) if side == UNIT_FORM else (county["id"], unit["id"])
            values = {"submission_id": sid, "against_id": aid, "code": finding.code, "severity": finding.severity,
                      "finding": finding.as_dict()}
            new_id = conn.execute(later.insert().values(**values, found_at=at)).inserted_primary_key[0]
            written.append({"id": new_id, **values})
        stored += len(written)
        append(conn, audit, EVENT, row_id, None, {
            "unit": unit["id"], "county": county["id"], "codes": sorted({f.code for _s, f in found}),
            "findings": [w["id"] for w in written], "digest": later_digest(written)}, at)
    return stored


def pair_findings(unit: Record | None, county: Record | None, year: int, name: str | None,
                  codes: tuple[str, ...] | None = None) -> list[tuple[str, Finding]]:
    """(side, finding) for a unit's self-assessment and the feedback of its county ``name`` (the county
    formkit issued that form for, not what the form says): each finding as the county's form shows it, and
    again placed on the unit's row for that county (funds, cadres, first secretaries, visits)."""
    if unit is None or county is None or not name:
        return []
    out = []
    confirmed = {**county.values, "county": name}
    for finding in cross_findings(unit.values, confirmed, load_config(year), county.raw):
        if codes is not None and finding.code not in codes:
            continue
        table, index = unit_row(unit.values, finding.code, name)
        place = location_at(unit.raw, (table, index, "county")) if index is not None else {}
        out.append((COUNTY_FORM, finding))
        out.append((UNIT_FORM, dataclasses.replace(
            finding, field=f"{table}[{index}]" if index is not None else table, location=place, subject=name)))
    return out


def attach(subs: dict[int, Submission], rows: list) -> None:
    """Give each submission in ``subs`` (id → current version) the later findings made against another
    current version."""
    for row in rows:
        sub = subs.get(row["submission_id"])
        if sub is not None and row["against_id"] in subs:
            sub.later.append(Finding.from_dict(row["finding"]))
