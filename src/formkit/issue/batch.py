"""Issue every form of a year to every recipient of the roster, with a manifest of what went to whom."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from formkit.config import load_config
from formkit.errors import FormkitError
from formkit.forms import load_form
from formkit.forms.loader import form_ids
from formkit.forms.model import PERIODS
from formkit.issue import context as ctx
from formkit.issue.render import PreparedTemplate
from formkit.issue.templates import normalise_zip
from formkit.outputs import write_bytes, write_csv
from formkit.resources import template_path
from formkit.roster.model import Roster

MANIFEST = "manifest.csv"


@dataclass
class Issued:
    form: str
    code: str
    recipient_id: str
    recipient: str
    unit: str
    county: str
    province: str
    category: str
    lead_department: str
    file: str
    sha256: str
    error_code: str = ""
    error: str = ""
    unit_id: str = ""  # the unit's roster id (none for a voting sheet)
    period: str = ""  # Q1..Q4, H1, H2 for a periodic form


def plan(roster: Roster, year: int, forms: list[str] | None = None, reviewers: int = 0,
         period: int | None = None) -> list[tuple]:
    """(form, recipient) for every document to issue, in a stable order (voting sheets only when a number of
    ``reviewers`` per category is given)."""
    out = []
    for form_id in forms or form_ids():
        form = load_form(form_id, year)
        out.extend((form, r) for r in ctx.recipients(form, roster, reviewers, period))
    return out


def issue_forms(roster: Roster, year: int, out_dir: str | Path, forms: list[str] | None = None,
                templates: Path | None = None, on_progress: Callable[[Issued], None] | None = None,
                created: datetime | None = None, reviewers: int = 0, period: int | None = None,
                suggest: Callable | None = None) -> list[Issued]:
    """Write one document per recipient and ``manifest.csv``. A recipient that fails is recorded in the
    manifest with its error code; the others are still issued. ``period`` picks the quarter or half-year of
    periodic forms; ``suggest(form)`` gives, per unit id, the values proposed on it (from the ledger). Recording
    what was issued in the store rewrites the manifest with the audit head (``intake.issued.record_issued``)."""
    out = Path(out_dir)
    created_at = (created or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    author = load_config(year).coordinator  # the documents' author: the year's coordinating body, not a program
    prepared: dict[str, PreparedTemplate] = {}
    proposals: dict[str, dict] = {}
    results: list[Issued] = []
    for form, recipient in plan(roster, year, forms, reviewers, period):
        if form.id not in prepared and form.format == "docx":
            prepared[form.id] = PreparedTemplate(template_path(form.id, templates))
        folder = out / form.id
        folder.mkdir(parents=True, exist_ok=True)
        name = ctx.file_name(form, year, recipient)
        county, unit, reviewer = recipient.county, recipient.unit, recipient.reviewer
        row = Issued(form.id, ctx.document_code(form, year, recipient), recipient.id, recipient.name,
                     unit.name if unit else "", county.name if county else "", county.province if county else "",
                     reviewer.category if reviewer else unit.category, reviewer.lead if reviewer else unit.lead,
                     f"{form.id}/{name}", "", unit_id=unit.id if unit else "",
                     period=f"{PERIODS[form.period][0]}{recipient.period}" if form.period and recipient.period else "")
        try:
            if suggest and form.id not in proposals:
                proposals[form.id] = suggest(form) if any(f.suggest or any(c.suggest for c in f.columns)
                                                          for f in form.fields) else {}
            proposed = proposals.get(form.id, {}).get(recipient.unit.id if recipient.unit else "")
            context = ctx.render_context(form, year, recipient, proposed)
            props = ctx.properties(form, year, recipient, context)
            title = f"{year}年度{form.title}（{recipient.name}）"
            if form.format == "xlsx":
                # openpyxl is heavy: loaded only when a spreadsheet form is issued (reading loads this module too)
                from formkit.issue.workbook import render_workbook

                data = normalise_zip(render_workbook(form, context, props, title, created_at, author))
            else:
                data = prepared[form.id].render(context, props, title, created_at, author)
            write_bytes(folder / name, data)
            row.sha256 = hashlib.sha256(data).hexdigest()
        except FormkitError as exc:
            row.file, row.error_code, row.error = "", exc.code, exc.message
        results.append(row)
        if on_progress:
            on_progress(row)
    write_manifest(out / MANIFEST, results)
    return results


MANIFEST_HEADERS = {
    "form": "表单", "code": "识别码", "recipient_id": "接收方编号", "recipient": "接收方", "unit": "中央单位",
    "county": "定点帮扶县", "province": "所属省份", "category": "单位类别", "lead_department": "牵头部门",
    "file": "文件", "sha256": "SHA-256", "error_code": "错误代码", "error": "错误说明",
}


def write_manifest(path: Path, rows: list[Issued], stamp: dict[str, str] | None = None) -> None:
    """The manifest as CSV with Chinese headers, UTF-8 with BOM so that Excel opens it correctly; a cell
    that a spreadsheet would run as a formula is neutralised (:func:`formkit.outputs.csv_cell`)."""
    stamp = stamp or {}
    write_csv(path, [*MANIFEST_HEADERS.values(), *stamp],
              ([*(asdict(row)[k] for k in MANIFEST_HEADERS), *stamp.values()] for row in rows))


def issued_rows(results: list[Issued], year: int) -> list[dict]:
    """What was issued, as the store's tracking table keeps it."""
    return [{"form": r.form, "year": year, "recipient_id": r.recipient_id, "recipient_name": r.recipient,
             "unit": r.unit, "county": r.county, "lead_department": r.lead_department, "code": r.code,
             "sha256": r.sha256, "unit_id": r.unit_id or None, "period": r.period or None}
            for r in results if not r.error_code]
