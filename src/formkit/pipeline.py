"""One returned document from its bytes to its checked result: extracted (:mod:`formkit.read`), validated
against the form's schema and the regulation's rules (:mod:`formkit.validate`), as the
:class:`~formkit.read.result.ReadResult` that ``formkit read`` prints and intake stores. Both call
:func:`read_document`, in the isolated reading worker.

Checks across documents (``rule.funds-differ``: a county's feedback against its unit's self-assessment)
are made in :mod:`formkit.validate.cross`; :func:`cross_checked` applies them to the results of one
``formkit read`` batch, intake when the second document of a pair is stored."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import TypeVar

from formkit.config import load_config
from formkit.errors import FormkitError
from formkit.findings import Finding
from formkit.forms import form_ids, load_form
from formkit.forms.computed import computed
from formkit.forms.measures import UNIT_FORM
from formkit.limits import DEFAULT, Limits
from formkit.read import READER, Extracted, ReadResult, cannot_open, classify, extract
from formkit.read import warm_up as warm_up_reading
from formkit.read.identify import conflicts_with_values
from formkit.read.sniff import Kind
from formkit.roster.model import Roster
from formkit.signatures import detect as detect_signatures
from formkit.signatures import electronic_seal
from formkit.signatures import findings as signature_findings
from formkit.validate.cross import cross_findings
from formkit.validate.rules import RuleContext, apply_rules, differs_from_suggested
from formkit.validate.schema import prepare, validate

COUNTY_FORM = "county-feedback"  # checked against its unit's UNIT_FORM
NO_FORM = "该 PDF 没有文字层，页面上也找不到 formkit 的表格或二维码，无法读取内容，请同时报送 Word 文件"
T = TypeVar("T")


def read_document(data: bytes, name: str = "", roster: Roster | None = None, year: int | None = None,
                  limits: Limits = DEFAULT) -> ReadResult:
    """Read and check one returned document. Raises a FormkitError (exit status 2) when it cannot be read
    at all; ``roster`` adds the checks against the roster, ``year`` overrides the year the document says."""
    kind = classify(data, name)
    ext = _extracted(data, name, year, limits, kind)
    _signed(ext, data, kind, limits)
    form, values, raw, identity = ext.form, ext.values, ext.raw, ext.identity
    findings = ext.findings + validate(form, values, raw, ext.invalid)
    if not any(f.code == "read.identity-conflict" for f in findings):  # one conflict is said once
        findings += conflicts_with_values(identity, values)
    year = ext.year or values.get("year")
    findings += apply_rules(RuleContext(form.id, year, values, raw, ext.config, roster, identity.recipient_id))
    findings += differs_from_suggested(form, values, raw, identity.suggested)
    return ReadResult(form=form.id, version=identity.version or form.version, year=year,
                      recipient=ext.recipient, values=values, raw=raw, findings=_ordered(findings),
                      source=ext.source, reader=READER, identified_by=identity.found_by,
                      computed=computed(form, values))


def _extracted(data: bytes, name: str, year: int | None, limits: Limits, kind: Kind) -> Extracted:
    """A Word file, spreadsheet, text PDF or OFD by :func:`formkit.read.extract`; a scan (an image, a PDF without
    a text layer, an OFD of page images) by :func:`formkit.scan.extract_scan`."""
    if kind.name != "scan":
        try:
            return extract(data, name, year, limits, kind)
        except FormkitError as exc:
            if exc.code == "ofd.image-only":
                return _scanned_ofd(data, name, year, limits)
            if exc.code != "pdf.no-text":
                raise
            try:
                return _scan(data, name, year, limits)
            except FormkitError as nothing:  # pages without a form's tables or QR code: no text, no form
                if nothing.code != "read.not-a-form":
                    raise
                raise FormkitError(exc.code, NO_FORM, exc.where) from nothing
    return _scan(data, name, year, limits)


def _scan(data: bytes, name: str, year: int | None, limits: Limits) -> Extracted:
    try:
        from formkit.scan.read import extract_scan  # OpenCV, numpy and the OCR: imported only for a scan
    except ImportError as exc:  # opencv-python needs libGL.so.1 (Debian: libgl1)
        raise FormkitError("scan.unavailable", f"本机无法识别扫描件：缺少 OCR 组件（{exc}）") from exc
    return extract_scan(data, name, year, limits)


def _scanned_ofd(data: bytes, name: str, year: int | None, limits: Limits) -> Extracted:
    """An OFD of page images (a scan saved as OFD): its pages, drawn from their images, read as a scan."""
    from formkit.ofd import page_scan
    from formkit.scan.read import extract_scan

    ext = extract_scan(page_scan(data, limits), name, year, limits)
    ext.source.update(sha256=hashlib.sha256(data).hexdigest(), container="ofd")
    return ext


def _signed(ext: Extracted, data: bytes, kind: Kind, limits: Limits) -> None:
    """The document's electronic seals and signatures recorded with it (``source.signatures``), what is wrong
    with them as findings; an intact electronic seal is the seal a form needs (``cycle.yaml`` ``seals``):
    ``source.seal`` says so, and a scan saved as OFD is not ``scan.seal-missing``."""
    found = detect_signatures(data, kind.name, limits)
    if not found:
        return
    ext.source["signatures"] = found
    ext.findings += signature_findings(found)
    if not electronic_seal(found):
        return
    from formkit.scan.read import sealed_forms  # (loads OpenCV: only for a file with an electronic seal)

    if ext.form.id in sealed_forms(ext.year or ext.values.get("year")):
        ext.source["seal"] = "electronic"
        ext.findings = [f for f in ext.findings if f.code != "scan.seal-missing"]


def read_file(path: str | Path, roster: Roster | None = None, year: int | None = None) -> ReadResult:
    """:func:`read_document` of a file, in this process (``formkit read`` reads in isolated workers)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise cannot_open(path, exc) from exc
    return read_document(data, str(path), roster, year)


def warm_up(year: int | None = None) -> None:
    """Load every definition, layout and validator once, so forked workers inherit them ready."""
    warm_up_reading(year)
    for form_id in form_ids():
        prepare(load_form(form_id, year))


def pair_findings(unit: ReadResult, county: ReadResult) -> list[Finding]:
    """What a county's feedback and its unit's self-assessment say against each other (for the county's
    form): ``rule.funds-differ`` and the other rules of :mod:`formkit.validate.cross`."""
    return cross_findings(unit.values, county.values, load_config(county.year), county.raw)


def cross_checked(results: Iterable[T]) -> list[T]:
    """The results of one batch (read results among errors, in order), each county's feedback whose unit's
    self-assessment is in the batch given the findings across the two (:func:`pair_findings`).

    The two are paired by the unit's roster id when both documents have one (``recipient["unit_id"]``, from
    the identity stamp formkit issued them with; the store pairs by ``unit_id`` too): a unit name typed
    differently still pairs, and two units' forms never do. Otherwise by the unit name typed in both forms.
    When several self-assessments match, the last one in the batch is used."""
    results = list(results)
    units = [r for r in results if isinstance(r, ReadResult) and r.form == UNIT_FORM]
    by_id = {u.recipient.get("unit_id"): u for u in units if u.recipient.get("unit_id")}
    by_name = {u.values.get("unit_name"): u for u in units if u.values.get("unit_name")}
    by_name_without_id = {u.values.get("unit_name"): u for u in units
                          if u.values.get("unit_name") and not u.recipient.get("unit_id")}
    out = []
    for r in results:
        unit = None
        if isinstance(r, ReadResult) and r.form == COUNTY_FORM:
            unit_id = r.recipient.get("unit_id")
            unit = by_id.get(unit_id) if unit_id else None
            if unit is None:  # by name when one of the two has no unit id; two ids pair only when equal
                unit = (by_name_without_id if unit_id else by_name).get(r.values.get("unit_name"))
        found = pair_findings(unit, r) if unit is not None else []
        out.append(dataclasses.replace(r, findings=[*r.findings, *found]) if found else r)
    return out


def _ordered(findings: list[Finding]) -> list[Finding]:
    """Errors first, then in document order (page, table, row, column)."""
    def key(f: Finding):
        loc = f.location
        return (f.severity != "error", loc.get("page") or 0, loc.get("table") or 10**6, loc.get("row") or 0,
                loc.get("column") or 0)
    return sorted(findings, key=key)


__all__ = ["cross_checked", "pair_findings", "read_document", "read_file", "warm_up"]
