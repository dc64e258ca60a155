"""Custom document properties (``docProps/custom.xml``) and core properties, written as XML text."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from formkit.ooxml.ns import CT_CUSTOM_PROPERTIES, FMTID_USER, NS, REL_CUSTOM_PROPERTIES
from formkit.ooxml.xml import parse


def custom_xml(props: dict[str, str]) -> bytes:
    items = "".join(
        f'<property fmtid="{FMTID_USER}" pid="{pid}" name={quoteattr(name)}><vt:lpwstr>{escape(value)}</vt:lpwstr></property>'
        for pid, (name, value) in enumerate(props.items(), start=2)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Properties xmlns="{NS["cp"]}" xmlns:vt="{NS["vt"]}">{items}</Properties>'
    ).encode()


def core_xml(title: str, creator: str, created: str) -> bytes:
    """Core properties; ``created`` is a W3CDTF timestamp (``2026-11-28T12:00:00Z``)."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>{escape(creator)}</dc:creator>"
        f"<cp:lastModifiedBy>{escape(creator)}</cp:lastModifiedBy><dc:language>zh-CN</dc:language>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{created}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def ensure_custom_properties(content_types: bytes, package_rels: bytes) -> tuple[bytes, bytes]:
    """Declare ``/docProps/custom.xml`` in ``[Content_Types].xml`` and ``_rels/.rels`` if missing."""
    types = parse(content_types, "[Content_Types].xml")
    ct = f"{{{NS['ct']}}}"
    if not any(o.get("PartName") == "/docProps/custom.xml" for o in types.iter(ct + "Override")):
        etree.SubElement(types, ct + "Override", PartName="/docProps/custom.xml", ContentType=CT_CUSTOM_PROPERTIES)
    rels = parse(package_rels, "_rels/.rels")
    rl = f"{{{NS['rel']}}}"
    if not any(r.get("Type") == REL_CUSTOM_PROPERTIES for r in rels.iter(rl + "Relationship")):
        ids = {r.get("Id") for r in rels.iter(rl + "Relationship")}
        rid = next(f"rId{n}" for n in range(100, 10000) if f"rId{n}" not in ids)
        etree.SubElement(rels, rl + "Relationship", Id=rid, Type=REL_CUSTOM_PROPERTIES, Target="docProps/custom.xml")
    decl = {"xml_declaration": True, "encoding": "UTF-8", "standalone": True}
    return etree.tostring(types, **decl), etree.tostring(rels, **decl)
