"""Document properties, written as XML text: custom properties (``docProps/custom.xml``, formkit's identity
stamp), core properties (``docProps/core.xml``: title, author, dates) and the extended properties
(``docProps/app.xml``: the application, which ``formkit read`` reports as the producer).

Every document formkit writes names its author (the issuing organ, the secretariat) and formkit as the
application, never the defaults of the library that built it (python-docx's "python-docx", 2013,
"Microsoft Macintosh Word"; openpyxl's "openpyxl")."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time, timezone
from posixpath import dirname, join, normpath
from xml.sax.saxutils import escape, quoteattr

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from lxml import etree

from formkit.ooxml.ns import CT_CUSTOM_PROPERTIES, FMTID_USER, NS, REL_CUSTOM_PROPERTIES
from formkit.ooxml.styling import drop_part
from formkit.ooxml.xml import parse

APPLICATION = "formkit"  # docProps/app.xml's Application: what `formkit read` reports as the producer
EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
REL_EXTENDED = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_EXTENDED = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
CORE_PART, APP_PART, CUSTOM_PART = "docProps/core.xml", "docProps/app.xml", "docProps/custom.xml"
# (part, relationship type, content type) of each property part
PARTS = {CORE_PART: (REL_CORE, CT_CORE), APP_PART: (REL_EXTENDED, CT_EXTENDED),
         CUSTOM_PART: (REL_CUSTOM_PROPERTIES, CT_CUSTOM_PROPERTIES)}
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def custom_xml(props: dict[str, str]) -> bytes:
    items = "".join(
        f'<property fmtid="{FMTID_USER}" pid="{pid}" name={quoteattr(name)}><vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
        for pid, (name, value) in enumerate(props.items(), start=2)
    )
    return (_DECLARATION + f'<Properties xmlns="{NS["cp"]}" xmlns:vt="{NS["vt"]}">{items}</Properties>').encode()


def timestamp(when: date | datetime | None = None) -> str:
    """A W3CDTF timestamp in UTC (``2026-11-28T12:00:00Z``): now, a moment, or a date (its midnight, UTC)."""
    if when is None:
        when = datetime.now(timezone.utc)
    elif not isinstance(when, datetime):
        when = datetime.combine(when, time(0, 0), timezone.utc)
    elif when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def core_xml(title: str, creator: str, created: str) -> bytes:
    """Core properties; ``created`` (also the modification time) is a W3CDTF timestamp (:func:`timestamp`)."""
    return (
        _DECLARATION +
        f'<cp:coreProperties xmlns:cp="{CORE}" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(creator)}</dc:creator>"
        f"<cp:lastModifiedBy>{escape(creator)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        f'<dc:language>zh-CN</dc:language><dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def app_xml() -> bytes:
    """Extended properties naming formkit as the application (no version: ECMA-376 wants ``XX.YYYY`` there,
    which is Office's numbering, not formkit's)."""
    return (_DECLARATION + f'<Properties xmlns="{EXTENDED}" xmlns:vt="{NS["vt"]}">'
            f"<Application>{APPLICATION}</Application><DocSecurity>0</DocSecurity></Properties>").encode()


def finish_document(document, author: str, title: str = "", when: date | datetime | None = None) -> None:
    """A python-docx ``Document`` about to be saved: its core properties name ``author`` (creator and last
    modified by), ``title`` and ``when`` (created and modified: a document's date, or now), its extended
    properties name formkit, and the parts python-docx's default template carries for old Word versions are
    left out (the thumbnail; Word 2010's ``stylesWithEffects``, which no longer matches the styles formkit
    changes)."""
    package = document.part.package
    core = package._core_properties_part  # created by python-docx when the package has none
    core._element = parse_xml(core_xml(title, author, timestamp(when)))
    try:
        app = package.part_related_by(RT.EXTENDED_PROPERTIES)
    except KeyError:
        app = None
    if app is not None:
        if hasattr(app, "_element"):
            app._element = parse_xml(app_xml())
        else:
            app._blob = app_xml()
    drop_part(document, "/thumbnail")
    drop_part(document, "/stylesWithEffects")


def properties(author: str, title: str = "", when: date | datetime | None = None) -> dict[str, bytes]:
    """formkit's core and extended property parts, for :func:`replace_parts`: what :func:`finish_document`
    writes, for a package already saved (a workbook openpyxl wrote)."""
    return {CORE_PART: core_xml(title, author, timestamp(when)), APP_PART: app_xml()}


def replace_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The package with these parts written in (the property parts declared where they were missing); every
    other entry kept as it was, in its place and with its timestamp."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        entries = {info.filename: (info, src.read(info)) for info in src.infolist()}
    where = _property_targets(entries["_rels/.rels"][1])  # a property part the package has, wherever it is
    first = entries["[Content_Types].xml"][0]
    for name, blob in parts.items():
        target = where.get(PARTS[name][0], name) if name in PARTS else name
        info = entries[target][0] if target in entries else zipfile.ZipInfo(target, date_time=first.date_time)
        entries[target] = (info, blob)
    types, rels = entries["[Content_Types].xml"], entries["_rels/.rels"]
    declared = ensure_property_parts(types[1], rels[1], [p for p in parts if p in PARTS and PARTS[p][0] not in where])
    entries["[Content_Types].xml"], entries["_rels/.rels"] = (types[0], declared[0]), (rels[0], declared[1])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, blob in entries.values():
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, blob)
    return out.getvalue()


def ensure_property_parts(content_types: bytes, package_rels: bytes, parts: list[str]) -> tuple[bytes, bytes]:
    """Declare each of ``parts`` (``docProps/custom.xml``…) in ``[Content_Types].xml`` and ``_rels/.rels``
    where it is not: a part formkit writes is never left undeclared, whatever the template had."""
    types = parse(content_types, "[Content_Types].xml")
    rels = parse(package_rels, "_rels/.rels")
    ct, rl = f"{{{NS['ct']}}}", f"{{{NS['rel']}}}"
    for part in parts:
        rel_type, content_type = PARTS[part]
        if not any(o.get("PartName") == "/" + part for o in types.iter(ct + "Override")):
            etree.SubElement(types, ct + "Override", PartName="/" + part, ContentType=content_type)
        if not any(r.get("Type") == rel_type for r in rels.iter(rl + "Relationship")):
            ids = {r.get("Id") for r in rels.iter(rl + "Relationship")}
            rid = next(f"rId{n}" for n in range(100, 10000) if f"rId{n}" not in ids)
            etree.SubElement(rels, rl + "Relationship", Id=rid, Type=rel_type, Target=part)
    decl = {"xml_declaration": True, "encoding": "UTF-8", "standalone": True}
    return etree.tostring(types, **decl), etree.tostring(rels, **decl)


def ensure_custom_properties(content_types: bytes, package_rels: bytes) -> tuple[bytes, bytes]:
    """Declare ``/docProps/custom.xml`` in ``[Content_Types].xml`` and ``_rels/.rels`` if missing."""
    return ensure_property_parts(content_types, package_rels, [CUSTOM_PART])


def _property_targets(package_rels: bytes) -> dict[str, str]:
    """Relationship type → the part it points at, for the package's property parts."""
    kinds = {rel for rel, _ct in PARTS.values()}
    return {r.get("Type"): part_path("", r.get("Target") or "")
            for r in parse(package_rels, "_rels/.rels").iter(f"{{{NS['rel']}}}Relationship") if r.get("Type") in kinds}


def part_path(source: str, target: str) -> str:
    """A relationship's target as a package path, relative to the part ``source`` (``""``: the package)."""
    return target[1:] if target.startswith("/") else normpath(join(dirname(source), target)).lstrip("/")
