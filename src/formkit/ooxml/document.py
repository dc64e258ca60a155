"""A .docx package → the format-neutral :class:`formkit.document.SourceDocument`."""

from __future__ import annotations

from formkit.document import SourceDocument
from formkit.limits import DEFAULT, Limits
from formkit.ooxml.footer import footer_text
from formkit.ooxml.grid import tables
from formkit.ooxml.hidden import NOTHING_HIDDEN, Hiding, hiding
from formkit.ooxml.ns import NS, qn
from formkit.ooxml.package import Package, PackageError
from formkit.ooxml.runs import element_text
from formkit.ooxml.streamed import streamed_tables
from formkit.ooxml.xml import mentions

REVISIONS = (qn("w:ins"), qn("w:del"), qn("w:moveFrom"), qn("w:moveTo"))


def read_docx(data: bytes, limits: Limits = DEFAULT) -> SourceDocument:
    package = Package(data, limits)
    main = package.main_part()
    hidden = _hiding(package, main)
    part = package.read(main)
    streamed = streamed_tables(package, main, part, hidden, limits)
    if streamed is None:  # parsed: a careful document, or the streaming pass is not there
        body = _body(package.xml(main, part))
        found, text = tables(body, hidden, limits), lambda: element_text(body)
        tracked = any(True for _ in body.iter(*REVISIONS))
    else:
        (found, tracked), text = streamed, lambda: element_text(_body(package.xml(main, part)))
    footers = " ".join(footer_text(package, p) for p in package.parts_of(main, "footer"))
    properties = package.custom_properties()
    document = SourceDocument(
        format="docx",
        tables=found,
        text_source=text,
        footer_text=footers,
        properties=properties,
        producer=_producer(package, properties),
        tracked_changes=tracked,
        macros=any(n.lower().endswith("vbaproject.bin") for n in package.names()),
    )
    package.refuse_dtds()
    return document


def _body(root):
    body = root.find(qn("w:body"))
    if body is None:
        raise PackageError("docx.no-body", "文档正文为空或结构异常")
    return body


def _hiding(package: Package, main: str) -> Hiding:
    """What the styles part says about hidden text; it is parsed only when it mentions ``vanish`` at all (in
    UTF-8 or UTF-16), and refused with a DTD in any case. Remembered per stored part, so a batch of forms with
    the same styles reads them once."""
    for target in package.parts_of(main, "styles"):
        return package.remembered(target, "hiding", lambda t=target: _styles_hiding(package, t))
    return NOTHING_HIDDEN


def _styles_hiding(package: Package, target: str) -> Hiding:
    data = package.read(target)
    package.refuse_dtd(target, data)
    return hiding(package.xml(target)) if mentions(data, "vanish") else NOTHING_HIDDEN


def _producer(package: Package, properties: dict[str, str]) -> str:
    """``Microsoft Office Word 16.0000``, ``WPS Office 2052-11.1.0.10667``, ``LibreOffice/7.4.7.2``…"""
    app = ""
    for _id, rtype, target in package.rels(""):
        if rtype.endswith("/extended-properties") and package.has(target):
            app = package.remembered(target, "application", lambda t=target: _application(package.xml(t)))
    wps = properties.get("KSOProductBuildVer")
    if wps:
        return f"WPS Office {wps}" + (f"（{app}）" if app and "WPS" not in app else "")
    return app


def _application(root) -> str:
    ns = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
    return f"{root.findtext(ns + 'Application') or ''} {root.findtext(ns + 'AppVersion') or ''}".strip()


__all__ = ["NS", "read_docx"]
