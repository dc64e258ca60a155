"""Which form, version, year and recipient a document is: from its custom properties, else the footer
code, else its content (the form's title, and a real share of the form's labels in its tables: a notice that
names a form is not that form).

Everything here comes from the sender: a year outside the form's declared range, a version or year that is
not a number, a recipient id or name longer than ``limits.property_chars`` is ignored with a finding, never
used."""

from __future__ import annotations

import re
from dataclasses import dataclass

from formkit.document import SourceDocument
from formkit.findings import ERROR, WARNING, Finding, finding
from formkit.forms import form_ids, load_form, stamp
from formkit.forms.model import Form
from formkit.limits import DEFAULT, Limits
from formkit.read.locate import cell_labels, label_key
from formkit.read.normalise import quote, visible
from formkit.read.sniff import ReadError
from formkit.resources import forms_dir

LABEL_SHARE = 0.5  # of a form's labels that a document identified by its title alone must hold
MAX_VERSION = 10_000


@dataclass
class Identity:
    form: str
    version: int | None
    year: int | None
    recipient_id: str | None
    recipient_name: str | None
    found_by: str
    unit_id: str | None = None  # the unit's roster id
    unit: str | None = None  # the unit's name
    county: str | None = None  # the county's name (a county's form)
    period: str | None = None  # Q1..Q4, H1, H2 (a periodic form)
    suggested: str | None = None  # what the issued form proposed (JSON)


def identify(doc: SourceDocument, limits: Limits = DEFAULT) -> tuple[Identity, list[Finding]]:
    forms, by_code = _forms()
    findings: list[Finding] = []
    said = stamp.parse(doc.properties)
    form_id = _form_property(said.form, forms, limits, findings)
    if form_id is None:
        identity = _from_code(doc, by_code, forms, limits, findings)
        if identity is None:
            identity = _from_content(doc, forms, limits, findings)
    else:
        identity = _from_properties(said, forms[form_id], limits, findings)
        from_code = _from_code(doc, by_code, forms, limits, [], footer_only=True)
        if from_code and from_code.form == identity.form:  # what a property could not say, the footer says
            identity.version = identity.version or from_code.version
            identity.year = identity.year or from_code.year
            identity.recipient_id = identity.recipient_id or from_code.recipient_id
        claimed = (identity.form, identity.recipient_id, identity.year)
        shown = (from_code.form, from_code.recipient_id, from_code.year) if from_code else claimed
        if claimed != shown:
            findings.append(finding("read.identity-conflict", ERROR,
                                    f"文档属性（{_said(claimed)}）与页脚识别码（{_said(shown)}）不一致，"
                                    "以文档属性为准，请核实是否套用了别人的表格"))
    _who(identity, forms[identity.form], said if identity.found_by == "properties" else None, limits, findings)
    identity.suggested = said.suggested
    return identity, findings


_FORMS: dict[str, tuple[dict[str, Form], dict[str, str]]] = {}


def _forms() -> tuple[dict[str, Form], dict[str, str]]:
    """Every form by its id, and its id by its code, for the forms folder in use (not to be changed)."""
    folder = str(forms_dir())
    if folder not in _FORMS:
        forms = {f: load_form(f) for f in form_ids()}
        _FORMS[folder] = forms, {form.code: form_id for form_id, form in forms.items()}
    return _FORMS[folder]


def _from_properties(said: stamp.Said, form: Form, limits: Limits, findings: list[Finding]) -> Identity:
    check = _Checker(form, limits, findings)
    what = "文档属性 " + stamp.PREFIX
    return Identity(form.id, check.version(said.version, what + "version"), check.year(said.year, what + "year"),
                    check.text(said.recipient, what + "recipient"),
                    check.text(said.recipient_name, what + "recipient_name"), "properties",
                    unit_id=check.text(said.unit_id, what + "unit_id"), unit=check.text(said.unit, what + "unit"),
                    county=check.text(said.county, what + "county"))


def _who(identity: Identity, form: Form, said: stamp.Said | None, limits: Limits, findings: list[Finding]) -> None:
    """The unit id and the period, from their own properties, else (forms issued by earlier versions, or
    properties lost) from inside the recipient id."""
    unit_id, period, _county_code = stamp.recipient_parts(form, identity.recipient_id)
    identity.unit_id = identity.unit_id or unit_id
    what = "文档属性 formkit.period"
    text = _Checker(form, limits, findings).text(said.period if said else None, what)
    identity.period = stamp.period_of(form, text)
    if text and identity.period is None:
        _ignored(findings, "read.property-invalid", what, f"“{quote(text, 20)}”不是本表的期次")
    identity.period = identity.period or period


def _form_property(text: str | None, forms: dict[str, Form], limits: Limits, findings: list[Finding]) -> str | None:
    """The form the ``formkit.form`` property names, when it names one; anything else is ignored with a
    finding and the document is identified by its footer code or content."""
    what = "文档属性 formkit.form"
    text = _Checker(None, limits, findings).text(text, what)
    if text is None or text in forms:
        return text
    _ignored(findings, "read.property-invalid", what, f"“{quote(text, 20)}”不是 formkit 的表格编号")
    return None


def _said(identity: tuple) -> str:
    form, recipient, year = identity
    return "，".join(str(x) for x in (form, recipient, f"{year}年度" if year else None) if x)


def conflicts_with_values(identity: Identity, values: dict) -> list[Finding]:
    """The year the identity says against the year the form shows in its own year field."""
    shown = values.get("year")
    if identity.year is None or not isinstance(shown, int) or shown == identity.year:
        return []
    return [finding("read.identity-conflict", ERROR,
                    f"文档属性或页脚识别码中的年度（{identity.year}）与表格中的年度（{shown}）不一致，请核实", None, "year")]


def _from_content(doc: SourceDocument, forms: dict[str, Form], limits: Limits, findings: list[Finding]) -> Identity:
    compact = re.sub(r"\s+", "", doc.text)
    titled = [(form_id, form) for form_id, form in sorted(forms.items(), key=lambda kv: -len(kv[1].title))
              if form.title in compact]
    cells = {label_key(c.text) for t in doc.tables for row in t.rows for c in row} if titled else set()
    best = None
    for form_id, form in titled:
        wanted = cell_labels(form)
        found = len(wanted & cells)
        if found < LABEL_SHARE * len(wanted):
            best = best or (form, found, len(wanted))
            continue
        year = re.search(r"(\d{4})年度" + re.escape(form.title), compact)
        findings.append(finding("read.identity-from-content", WARNING,
                                "文档属性和页脚识别码都已丢失，按表格标题识别为“" + form.title + "”"))
        year_value = _Checker(form, limits, findings).year(year.group(1) if year else None, "标题中的年度")
        return Identity(form_id, None, year_value, None, None, "content")
    if best:
        form, found, wanted = best
        raise ReadError("read.not-a-form",
                        f"该文件不是 formkit 的表格：虽然提到“{form.title}”，但表格中只找到该表 {wanted} 个栏目中的 {found} 个"
                        "（可能是通知或其他文件），请报送下发的表格")
    raise ReadError("read.not-a-form", "该文件不是 formkit 的表格（找不到文档属性、页脚识别码或表格标题），请报送下发的表格")


def _from_code(doc: SourceDocument, by_code: dict[str, str], forms: dict[str, Form], limits: Limits,
               findings: list[Finding], footer_only: bool = False) -> Identity | None:
    for text in (doc.footer_text,) if footer_only else (doc.footer_text, None):
        said = stamp.parse_code(doc.text if text is None else text)  # the whole text only if needed
        if said and said.form_code in by_code:
            form_id = by_code[said.form_code]
            check = _Checker(forms[form_id], limits, findings)
            return Identity(form_id, check.version(said.version, "页脚识别码中的版本"),
                            check.year(said.year, "页脚识别码中的年度"),
                            check.text(said.recipient, "页脚识别码中的报送对象编号"), None, "footer-code")
    return None


class _Checker:
    """What the sender wrote about the document's identity, each checked; what fails is ignored with a
    finding (``read.property-invalid``, ``read.property-too-long``)."""

    def __init__(self, form: Form | None, limits: Limits, findings: list[Finding]):
        self.form, self.limits, self.findings = form, limits, findings

    def _ignored(self, code: str, what: str, reason: str) -> None:
        _ignored(self.findings, code, what, reason)

    def _int(self, text: str | None, what: str) -> int | None:
        text = visible(text or "").strip()
        if not text:
            return None
        if not (text.isascii() and text.isdigit() and len(text) <= 9):
            self._ignored("read.property-invalid", what, f"“{quote(text, 20)}”不是整数")
            return None
        return int(text)

    def year(self, text: str | None, what: str) -> int | None:
        year = self._int(text, what)
        low, high = self._years()
        if year is not None and not low <= year <= high:
            self._ignored("read.property-invalid", what, f"“{year}”不在 {low}—{high} 年之间")
            return None
        return year

    def _years(self) -> tuple[int, int]:
        """The form's own declared range of its year field (the first is the 办法's first year, 2021)."""
        try:
            f = self.form.field("year")
        except KeyError:
            return 1, 9999
        return int(f.min if f.min is not None else 1), int(f.max if f.max is not None else 9999)

    def version(self, text: str | None, what: str) -> int | None:
        version = self._int(text, what)
        if version is not None and not 1 <= version <= MAX_VERSION:
            self._ignored("read.property-invalid", what, f"“{version}”不是有效的版本号")
            return None
        return version

    def text(self, text: str | None, what: str) -> str | None:
        text = visible(text or "").strip()
        if len(text) > self.limits.property_chars:
            self._ignored("read.property-too-long", what,
                          f"有 {len(text)} 个字符，超过 {self.limits.property_chars} 个字符的上限（“{quote(text, 20)}”）")
            return None
        return text or None


def _ignored(findings: list[Finding], code: str, what: str, reason: str) -> None:
    findings.append(finding(code, WARNING, f"{what}{reason}，已忽略"))
