"""What formkit's Word writers need beyond python-docx's public API: East Asian fonts and language, table and
row flags, the page, and the package's parts. Every function takes python-docx objects, never their elements."""

from __future__ import annotations

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Twips
from lxml import etree

from formkit.ooxml.official import TBLPR_ORDER, TCPR_ORDER, put
from formkit.ooxml.proxy import element
from formkit.ooxml.xml import serialize

OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
FONT_TABLE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"

# Official font names (GB/T 9704 §4.3) and the alternative a PC without the _GB2312 fonts should use.
FONT_ALTERNATES = {
    "仿宋_GB2312": "仿宋",
    "楷体_GB2312": "楷体",
    "黑体": "SimHei",
    "宋体": "SimSun",
    "方正小标宋简体": "方正小标宋_GBK",
}


def set_fonts(style_or_run, east_asia: str, latin: str = "Times New Roman") -> None:
    """Set ascii/hAnsi to ``latin`` and eastAsia to ``east_asia`` on a style or a run."""
    rpr = element(style_or_run).get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def set_document_language(document) -> None:
    """docDefaults: zh-CN for East Asian text, and the official body font."""
    defaults = element(document.styles).find(qn("w:docDefaults"))
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


def add_font_table_entries(document) -> None:
    """Declare the official names with ``w:altName`` (ISO 29500 §17.8.3.1) in the font table part."""
    font_table_part = document.part.package.part_related_by(OFFICE_DOCUMENT).part_related_by(FONT_TABLE)
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


def row_cannot_split(row, header: bool = False) -> None:
    """The row never breaks across pages; a ``header`` row is repeated on every page."""
    trpr = element(row).get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def row_min_height(row, twips: int) -> None:
    trpr = element(row).get_or_add_trPr()
    height = OxmlElement("w:trHeight")
    height.set(qn("w:val"), str(twips))
    height.set(qn("w:hRule"), "atLeast")
    trpr.append(height)


def shade(cell, fill: str) -> None:
    put(element(cell).get_or_add_tcPr(), "w:shd", TCPR_ORDER, val="clear", color="auto", fill=fill)


def fixed_layout(table) -> None:
    put(element(table).tblPr, "w:tblLayout", TBLPR_ORDER, type="fixed")


def placeholder_style(document) -> None:
    """Word's character style ``Placeholder Text`` (grey), which the content controls' placeholders use
    (:mod:`formkit.ooxml.controls`): a style a document refers to must be defined in it."""
    styles = element(document.styles)
    if any(s.get(qn("w:styleId")) == "PlaceholderText" for s in styles.findall(qn("w:style"))):
        return
    styles.append(parse_xml(
        f'<w:style {nsdecls("w")} w:type="character" w:styleId="PlaceholderText"><w:name w:val="Placeholder Text"/>'
        '<w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:semiHidden/>'
        '<w:rPr><w:color w:val="808080"/></w:rPr></w:style>'))


def page_field(paragraph, instruction: str) -> None:
    """A simple field (PAGE, NUMPAGES) at the end of ``paragraph``."""
    element(paragraph).append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=" {instruction} "><w:r><w:t>1</w:t></w:r></w:fldSimple>'
    ))


def drop_part(document, reltype_suffix: str) -> None:
    """Remove the relationships of that type from the package and from the main document part, so their parts
    are not saved (a thumbnail, Word 2010's stylesWithEffects)."""
    for owner in (document.part.package, document.part):
        for rid, rel in list(owner.rels.items()):
            if rel.reltype.endswith(reltype_suffix):
                del owner.rels[rid]


def set_page(section, *, width: int, height: int, top: int, bottom: int, left: int, right: int, header: int,
             footer: int) -> None:
    """Page size, margins and header/footer distances of ``section``, in twips; no gutter."""
    section.page_width, section.page_height = Twips(width), Twips(height)
    section.top_margin, section.bottom_margin = Twips(top), Twips(bottom)
    section.left_margin, section.right_margin = Twips(left), Twips(right)
    section.header_distance, section.footer_distance = Twips(header), Twips(footer)
    section.gutter = Twips(0)


def ends_with_table(document) -> bool:
    """Whether the body's last block is a table (a table added next would merge with it in Word)."""
    blocks = [child for child in element(document).body if not child.tag.endswith("}sectPr")]
    return bool(blocks) and blocks[-1].tag.endswith("}tbl")


def story_parts(document) -> list[tuple[str, str]]:
    """(part name, XML) of the main document part and of its headers and footers: the parts that hold text."""
    main = document.part
    parts = [main] + [rel.target_part for rel in main.rels.values()
                      if rel.reltype.endswith(("/header", "/footer")) and not rel.is_external]
    return [(part.partname.lstrip("/"), serialize(part.element)) for part in parts]

