"""A .docx package → the format-neutral :class:`formkit.document.SourceDocument`."""

from __future__ import annotations

from formkit.document import SourceDocument
from formkit.limits import DEFAULT, Limits
from formkit.ooxml.grid import element_text, hidden_styles, tables
from formkit.ooxml.ns import NS, qn
from formkit.ooxml.package import Package, PackageError
from formkit.ooxml.xml import refuse_dtd

REVISIONS = (qn("w:ins"), qn("w:del"), qn("w:moveFrom"), qn("w:moveTo"))


def read_docx(data: bytes, limits: Limits = DEFAULT) -> SourceDocument:
    package = Package(data, limits)
    main = package.main_part()
    root = package.xml(main)
    body = root.find(qn("w:body"))
    if body is None:
        raise PackageError("docx.no-body", "文档正文为空或结构异常")
    footers = " ".join(element_text(package.xml(p)) for p in package.parts_of(main, "footer"))
    properties = package.custom_properties()
    return SourceDocument(
        format="docx",
        tables=tables(body, _hidden_styles(package, main), limits),
        text_source=lambda: element_text(body),
        footer_text=footers,
        properties=properties,
        producer=_producer(package, properties),
        tracked_changes=any(True for _ in body.iter(*REVISIONS)),
        macros=any(n.lower().endswith("vbaproject.bin") for n in package.names()),
    )


_HIDDEN_STYLES: dict[bytes, frozenset[str]] = {}  # by the styles part as stored: most forms share theirs


def _hidden_styles(package: Package, main: str) -> frozenset[str]:
    """Styles that hide text; styles.xml is parsed only when it mentions ``vanish`` at all (and refused with
    a DTD in any case). Remembered per stored part, so a batch of forms with the same styles reads them once."""
    for target in package.parts_of(main, "styles"):
        key = package.stored_digest(target)
        if key not in _HIDDEN_STYLES:
            data = package.read(target)
            refuse_dtd(data, target)
            if len(_HIDDEN_STYLES) >= 256:
                _HIDDEN_STYLES.clear()
            _HIDDEN_STYLES[key] = hidden_styles(package.xml(target)) if b"vanish" in data else frozenset()
        return _HIDDEN_STYLES[key]
    return frozenset()


def _producer(package: Package, properties: dict[str, str]) -> str:
    """``Microsoft Office Word 16.0000``, ``WPS Office 2052-11.1.0.10667``, ``LibreOffice/7.4.7.2``…"""
    app = ""
    for _id, rtype, target in package.rels(""):
        if rtype.endswith("/extended-properties") and package.has(target):
            root = package.xml(target)
            ns = "{http://schemas.openxmlformats.org/officeDocument/2006/extended-properties}"
            name = root.findtext(ns + "Application") or ""
            version = root.findtext(ns + "AppVersion") or ""
            app = f"{name} {version}".strip()
    wps = properties.get("KSOProductBuildVer")
    if wps:
        return f"WPS Office {wps}" + (f"（{app}）" if app and "WPS" not in app else "")
    return app


__all__ = ["NS", "read_docx"]
