"""Low-level formatting python-docx does not expose: East Asian fonts, language, table and row flags."""

from __future__ import annotations

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

# Official font names (GB/T 9704 §4.3) and the alternative a PC without the _GB2312 fonts should use.
FONT_ALTERNATES = {
    "仿宋_GB2312": "仿宋",
    "楷体_GB2312": "楷体",
    "黑体": "SimHei",
    "宋体": "SimSun",
    "方正小标宋简体": "方正小标宋_GBK",
}


def set_fonts(rpr_parent, east_asia: str, latin: str = "Times New Roman") -> None:
    """Set ascii/hAnsi to ``latin`` and eastAsia to ``east_asia`` on a style or run element."""
    rpr = rpr_parent.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def set_document_language(styles_element) -> None:
    """docDefaults: zh-CN for East Asian text, and the official body font."""
    defaults = styles_element.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is not None:
        for attr in list(fonts.attrib):
            del fonts.attrib[attr]
        fonts.set(qn("w:ascii"), "Times New Roman")
        fonts.set(qn("w:hAnsi"), "Times New Roman")
        fonts.set(qn("w:eastAsia"), "仿宋_GB2312")
        fonts.set(qn("w:cs"), "Times New Roman")


def add_font_table_entries(font_table_part) -> None:
    """Declare the official names with ``w:altName`` (ISO 29500 §17.8.3.1) in the font table part."""
    from lxml import etree

    font_table_element = parse_xml(font_table_part.blob)
    existing = {f.get(qn("w:name")) for f in font_table_element.findall(qn("w:font"))}
    for name, alt in FONT_ALTERNATES.items():
        if name in existing:
            continue
        font_table_element.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/><w:charset w:val="86"/>'
            f'<w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>'
        ))
    font_table_part._blob = etree.tostring(font_table_element, xml_declaration=True, encoding="UTF-8",
                                           standalone=True)


def row_cannot_split(tr, header: bool = False) -> None:
    trpr = tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def row_min_height(tr, twips: int) -> None:
    trpr = tr.get_or_add_trPr()
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(twips))
    height.set(qn("w:hRule"), "atLeast")
    trpr.append(height)


def shade(cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def fixed_layout(table) -> None:
    tblpr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)


def page_field(paragraph, instruction: str) -> None:
    """A simple field (PAGE, NUMPAGES) at the end of ``paragraph``."""
    paragraph._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    ))


def drop_part(document, reltype_suffix: str, source=None) -> None:
    """Remove a relationship of the package (or of ``source``), so its part is not saved."""
    owner = source if source is not None else document.part.package
    for rid, rel in list(owner.rels.items()):
        if rel.reltype.endswith(reltype_suffix):
            del owner.rels[rid]
