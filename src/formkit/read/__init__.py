"""Reading returned documents back: bytes → source document → located text → typed values → findings."""

from __future__ import annotations

import hashlib
from pathlib import Path

from formkit import __version__
from formkit.config import load_config
from formkit.document import SourceDocument
from formkit.errors import FormkitError
from formkit.findings import WARNING, Finding, finding
from formkit.forms import load_form
from formkit.forms.model import Form
from formkit.limits import DEFAULT, Limits
from formkit.read.identify import conflicts_with_values, identify
from formkit.read.locate import Layout, Locator
from formkit.read.record import extract
from formkit.read.result import ReadResult
from formkit.read.sniff import ReadError, cannot_open, sniff
from formkit.roster.model import Roster
from formkit.validate.rules import RuleContext, apply_rules, differs_from_suggested
from formkit.validate.schema import validate

READER = f"formkit-read/{__version__}"
_LAYOUTS: dict[tuple, Layout] = {}


def load_source(data: bytes, name: str = "", limits: Limits = DEFAULT) -> SourceDocument:
    """The document's cells and text, or a ReadError / coded FormkitError when it cannot be read."""
    kind = sniff(data, name)
    if kind == "pdf":
        from formkit.pdf.extract import read_pdf

        return read_pdf(data, limits)
    if kind == "xlsx":
        from formkit.ooxml.workbook import read_xlsx

        return read_xlsx(data, limits)
    from formkit.ooxml.document import read_docx

    return read_docx(data, limits)


def read_document(data: bytes, name: str = "", roster: Roster | None = None, year: int | None = None,
                  limits: Limits = DEFAULT) -> ReadResult:
    """Read one returned document. Raises a FormkitError (exit status 2) when it cannot be read at all."""
    doc = load_source(data, name, limits)
    if sum(len(c.text) for t in doc.tables for row in t.rows for c in row) > limits.text_chars:
        raise ReadError("read.too-much-text", f"文档表格中的文字超过 {limits.text_chars} 个字符的上限")
    identity, findings = identify(doc, limits)
    form_year = year or identity.year
    form = load_form(identity.form, form_year)
    config = load_config(form_year)
    if identity.version is not None and identity.version != form.version:
        findings.append(finding("read.other-version", WARNING,
                                f"文档是第 {identity.version} 版表格，按现行第 {form.version} 版读取"))
    if doc.macros:
        findings.append(finding("read.macros-ignored", WARNING, "文档含有宏（VBA），formkit 不会运行宏，只读取表格内容"))
    if doc.tracked_changes:
        findings.append(finding("read.tracked-changes", WARNING, "文档含有未接受的修订，已按修订后的最终文字读取"))
    locator = Locator(form, doc, layout_of(form))
    values, raw, value_findings, invalid = extract(form, locator, config, limits)
    findings += locator.findings + value_findings + validate(form, values, raw, invalid)
    if not any(f.code == "read.identity-conflict" for f in findings):  # one conflict is said once
        findings += conflicts_with_values(identity, values)
    recipient = {"id": identity.recipient_id, "name": identity.recipient_name or _recipient_name(form, values)}
    findings += apply_rules(RuleContext(form.id, form_year or values.get("year"), values, raw, config, roster,
                                        identity.recipient_id))
    findings += differs_from_suggested(form, values, raw, doc.properties.get("formkit.suggested"))
    return ReadResult(
        form=form.id, version=identity.version or form.version, year=form_year or values.get("year"),
        recipient=recipient, values=values, raw=raw, findings=_ordered(findings),
        source={"sha256": hashlib.sha256(data).hexdigest(), "format": doc.format, "producer": doc.producer,
                "name": Path(name).name if name else ""},
        reader=READER, identified_by=identity.found_by,
    )


def read_file(path: str | Path, roster: Roster | None = None, year: int | None = None) -> ReadResult:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise cannot_open(path, exc) from exc
    return read_document(data, str(path), roster, year)


def _recipient_name(form: Form, values: dict) -> str | None:
    if form.recipient == "pair" and values.get("county"):
        return f"{values.get('province') or ''}{values['county']}（{values.get('unit_name') or ''}）"
    return values.get("unit_name")


def _ordered(findings: list[Finding]) -> list[Finding]:
    """Errors first, then in document order (page, table, row, column)."""
    def key(f: Finding):
        loc = f.location
        return (f.severity != "error", loc.get("page") or 0, loc.get("table") or 10**6, loc.get("row") or 0,
                loc.get("column") or 0)
    return sorted(findings, key=key)


def warm_up(year: int | None = None) -> None:
    """Load every definition, layout and validator once, so forked workers inherit them ready."""
    from formkit.forms import form_ids
    from formkit.validate.schema import _validator

    for form_id in form_ids():
        form = load_form(form_id, year)
        layout_of(form)
        _validator(form)
        for f in form.fields:
            if f.is_table:
                _validator(form, f.key)
    load_config(year)


def layout_of(form: Form) -> Layout:
    """Where each value sat in the issued template, for reading by position when a label is gone."""
    key = (form.id, form.version)
    if key not in _LAYOUTS:
        from formkit.issue.batch import template_path
        from formkit.ooxml.document import read_docx

        layout = Layout()
        try:
            template = read_docx(template_path(form.id).read_bytes())
        except (OSError, FormkitError):
            _LAYOUTS[key] = layout
            return layout
        locator = Locator(form, template)
        for f in form.fields:
            if f.is_table:
                continue
            hit = locator._by_label(f)
            cell = locator._value_cell(*hit) if hit else None
            if hit:
                layout.labels[f.key] = (hit[0].number, hit[1].row, hit[1].col)
            if hit and cell is not None:
                layout.positions[f.key] = (hit[0].number, cell.row, cell.col)
        _LAYOUTS[key] = layout
    return _LAYOUTS[key]


__all__ = ["ReadError", "ReadResult", "load_source", "read_document", "read_file"]
