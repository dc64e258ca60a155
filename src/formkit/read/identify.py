"""Which form, version, year and recipient a document is: from its custom properties, else the footer
code, else its content (the form's title)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from formkit.document import SourceDocument
from formkit.findings import WARNING, Finding, finding
from formkit.forms import form_ids, load_form
from formkit.read.sniff import ReadError

CODE = re.compile(r"FK-([A-Z]{2,4})-(\d{4})-([A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)-V(\d+)")


@dataclass
class Identity:
    form: str
    version: int | None
    year: int | None
    recipient_id: str | None
    recipient_name: str | None
    found_by: str


def identify(doc: SourceDocument) -> tuple[Identity, list[Finding]]:
    forms = {f: load_form(f) for f in form_ids()}
    by_code = {form.code: form_id for form_id, form in forms.items()}
    findings: list[Finding] = []
    props = doc.properties
    if props.get("formkit.form") in forms:
        from_code = _from_code(doc, by_code, footer_only=True)
        identity = Identity(props["formkit.form"], _int(props.get("formkit.version")), _int(props.get("formkit.year")),
                            props.get("formkit.recipient"), props.get("formkit.recipient_name"), "properties")
        if from_code and (from_code.form, from_code.recipient_id) != (identity.form, identity.recipient_id):
            findings.append(finding("read.identity-conflict", WARNING,
                                    f"文档属性（{identity.recipient_id}）与页脚识别码（{from_code.recipient_id}）不一致，"
                                    "以文档属性为准，请核实是否套用了别人的表格"))
        return identity, findings
    from_code = _from_code(doc, by_code)
    if from_code:
        return from_code, findings
    compact = re.sub(r"\s+", "", doc.text)
    for form_id, form in sorted(forms.items(), key=lambda kv: -len(kv[1].title)):
        if form.title in compact:
            year = re.search(r"(\d{4})年度" + re.escape(form.title), compact)
            findings.append(finding("read.identity-from-content", WARNING,
                                    "文档属性和页脚识别码都已丢失，按表格标题识别为“" + form.title + "”"))
            return Identity(form_id, None, int(year.group(1)) if year else None, None, None, "content"), findings
    raise ReadError("read.not-a-form", "这不是 formkit 下发的表格（找不到文档属性、页脚识别码或表格标题）")


def _from_code(doc: SourceDocument, by_code: dict[str, str], footer_only: bool = False) -> Identity | None:
    for text in (doc.footer_text,) if footer_only else (doc.footer_text, None):
        match = CODE.search((doc.text if text is None else text) or "")  # the whole text only if needed
        if match and match.group(1) in by_code:
            return Identity(by_code[match.group(1)], int(match.group(4)), int(match.group(2)), match.group(3), None,
                            "footer-code")
    return None


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text else None
    except ValueError:
        return None
