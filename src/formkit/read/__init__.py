"""Reading returned documents back: bytes → source document → identity → located text → typed values.

Extraction only: what the values mean against the regulation (the schema, the rules) is checked above,
in :mod:`formkit.pipeline`, which turns an :class:`Extracted` into the :class:`ReadResult` that
``formkit read`` prints and intake stores."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from pathlib import Path
from typing import Any

from formkit import __version__
from formkit.config import CycleConfig, load_config
from formkit.document import SourceDocument
from formkit.errors import FormkitError
from formkit.findings import WARNING, Finding, finding
from formkit.forms import form_ids, load_form
from formkit.forms.model import Form
from formkit.limits import DEFAULT, Limits
from formkit.ooxml.document import read_docx
from formkit.ooxml.workbook import read_xlsx
from formkit.pdf.extract import read_pdf
from formkit.read.identify import Identity, identify
from formkit.read.locate import Layout, Locator, prepared
from formkit.read.record import extract as extract_values
from formkit.read.result import ReadResult
from formkit.read.sniff import Kind, ReadError, cannot_open, classify, sniff
from formkit.resources import template_path

READER = f"formkit-read/{__version__}"
_TEXT = attrgetter("text")
_LAYOUTS: dict[tuple, Layout] = {}


@dataclass
class Extracted:
    """One document read into typed values, not yet validated."""

    form: Form
    config: CycleConfig
    identity: Identity
    year: int | None  # the year asked for, else the one the document's identity says
    values: dict[str, Any]
    raw: dict[str, Any]
    invalid: set[str]  # paths whose text was not a value (reported once, not again by the schema)
    findings: list[Finding]
    source: dict[str, Any]

    @property
    def recipient(self) -> dict[str, Any]:
        """Who the document is from: the issued id and name, the unit's id and name, the county and the
        period, each when known (from the identity stamp, else from what the form's own fields say)."""
        identity, values, pair = self.identity, self.values, self.form.recipient == "pair"
        return {"id": identity.recipient_id, "name": identity.recipient_name or _recipient_name(self.form, values),
                "unit_id": identity.unit_id, "unit": identity.unit or _text(values.get("unit_name")),
                "county": identity.county or (_text(values.get("county")) if pair else None),
                "period": identity.period}


def load_source(data: bytes, name: str = "", limits: Limits = DEFAULT, kind: Kind | None = None) -> SourceDocument:
    """The document's cells and text, or a ReadError / coded FormkitError when it cannot be read (``kind``:
    what :func:`classify` already said of ``data``)."""
    kind = sniff(data, name, kind)
    if kind == "scan":  # an image: read by formkit.scan (pipeline.read_document), never as a .docx
        raise ReadError("read.image", "这是图片（扫描件），请用 formkit read 或 formkit ingest 读取")
    if kind == "pdf":
        return read_pdf(data, limits)
    if kind == "ofd":
        from formkit.ofd import read_ofd  # only for an OFD file

        return read_ofd(data, limits)
    if kind == "xlsx":
        return read_xlsx(data, limits)
    return read_docx(data, limits)


def extract(data: bytes, name: str = "", year: int | None = None, limits: Limits = DEFAULT,
            kind: Kind | None = None) -> Extracted:
    """Read one returned document into values. Raises a FormkitError (exit status 2) when it cannot be
    read at all."""
    return extract_document(load_source(data, name, limits, kind), data, name, year, limits)


def extract_document(doc: SourceDocument, data: bytes, name: str = "", year: int | None = None,
                     limits: Limits = DEFAULT, identified: tuple[Identity, list[Finding]] | None = None) -> Extracted:
    """:func:`extract` of a document already in cells (a scan's: ``formkit.scan``), identified by
    ``identified`` when its reader knows better than :func:`identify` (a scan's QR code or its cells)."""
    cells = chain.from_iterable(chain.from_iterable(t.rows for t in doc.tables))  # every grid position
    if sum(map(len, map(_TEXT, cells))) > limits.text_chars:
        raise ReadError("read.too-much-text", f"文档表格中的文字超过 {limits.text_chars} 个字符的上限")
    identity, findings = identified or identify(doc, limits)
    form_year = year or identity.year
    form = load_form(identity.form, form_year)
    config = load_config(form_year)
    if identity.version is not None and identity.version != form.version:
        findings.append(finding("read.other-version", WARNING,
                                f"文档是第 {identity.version} 版表格，按现行第 {form.version} 版读取"))
        form = _as_of(form, identity.version)  # without what later versions added (a column it cannot have)
    if doc.macros:
        findings.append(finding("read.macros-ignored", WARNING, "文档含有宏（VBA），formkit 不会运行宏，只读取表格内容"))
    if doc.tracked_changes:
        findings.append(finding("read.tracked-changes", WARNING, "文档含有未接受的修订，已按修订后的最终文字读取"))
    locator = Locator(form, doc, layout_of(form))
    values, raw, value_findings, invalid = extract_values(form, locator, config, limits)
    source = {"sha256": hashlib.sha256(data).hexdigest(), "format": doc.format, "producer": doc.producer,
              "name": Path(name).name if name else ""}
    return Extracted(form, config, identity, form_year, values, raw, invalid,
                     findings + locator.findings + value_findings, source)


_EARLIER: dict[tuple, tuple[Form, Form]] = {}


def _as_of(form: Form, version: int) -> Form:
    """``form.as_of(version)``, made once per form and version: a batch of forms issued at an earlier
    version reads each against the same definition (and its prepared layout, checks and readings)."""
    key = (form.id, form.version, form.year, version)
    known = _EARLIER.get(key)
    if known is None or known[0] is not form:
        known = _EARLIER[key] = (form, form.as_of(version))
    return known[1]


def _recipient_name(form: Form, values: dict) -> str | None:
    if form.recipient == "pair" and values.get("county"):
        return f"{values.get('province') or ''}{values['county']}（{values.get('unit_name') or ''}）"
    return values.get("unit_name")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def warm_up(year: int | None = None) -> None:
    """Load every definition and layout once, so forked workers inherit them ready."""
    for form_id in form_ids():
        form = load_form(form_id, year)
        layout_of(form)
        prepared(form)
    load_config(year)


def layout_of(form: Form) -> Layout:
    """Where each value sat in the issued template, for reading by position when a label is gone (an
    empty layout when there is no Word template: a spreadsheet form; and for a copy of an earlier version,
    laid out otherwise than the template of today: its tables are not where the template's are)."""
    key = (form.id, form.version)
    if key not in _LAYOUTS:
        if form.version != load_form(form.id, form.year).version:
            _LAYOUTS[key] = Layout()
            return _LAYOUTS[key]
        try:
            template = read_docx(template_path(form.id).read_bytes())
        except (OSError, FormkitError):
            _LAYOUTS[key] = Layout()
        else:
            _LAYOUTS[key] = Locator(form, template).find_layout()
    return _LAYOUTS[key]


__all__ = ["Extracted", "ReadError", "ReadResult", "cannot_open", "classify", "extract", "extract_document", "load_source",
           "warm_up"]
