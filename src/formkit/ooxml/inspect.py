"""Facts about a .docx that the GB/T 9704 checks need, read with formkit's own package reader."""

from __future__ import annotations

from dataclasses import dataclass, field

from formkit.ooxml.ns import qn
from formkit.ooxml.package import Package, PackageError
from formkit.ooxml.runs import paragraph_text


@dataclass
class ParagraphFacts:
    text: str
    line: int | None
    line_rule: str | None
    first_line: int | None
    jc: str | None
    east_asia: set[str] = field(default_factory=set)
    sizes: set[int] = field(default_factory=set)
    colors: set[str] = field(default_factory=set)
    bottom_border: dict | None = None


@dataclass
class DocxFacts:
    page: dict[str, int]
    margins: dict[str, int]
    grid: dict[str, str]
    even_odd: bool
    lang_east_asia: str | None
    paragraphs: list[ParagraphFacts]
    footers: dict[str, str]  # type (default, even, first) → text + PAGE field marker
    letter: bool = False  # a different first page whose header carries a red double rule (信函格式)
    imprint: bool = False  # the 版记 text box is there


def _int(el, attr: str) -> int | None:
    try:
        return int(el.get(qn(f"w:{attr}"))) if el is not None and el.get(qn(f"w:{attr}")) is not None else None
    except ValueError:
        return None


def inspect_docx(data: bytes) -> DocxFacts:
    package = Package(data)
    main = package.main_part()
    root = package.xml(main)
    body = root.find(qn("w:body"))
    if body is None:
        raise PackageError("docx.no-body", "文档正文为空或结构异常")
    sect = body.find(qn("w:sectPr"))
    pg = sect.find(qn("w:pgSz")) if sect is not None else None
    mar = sect.find(qn("w:pgMar")) if sect is not None else None
    grid = sect.find(qn("w:docGrid")) if sect is not None else None
    page = {k: _int(pg, k) for k in ("w", "h")}
    margins = {k: _int(mar, k) for k in ("top", "bottom", "left", "right", "footer", "header")}
    grid_facts = {k: grid.get(qn(f"w:{k}")) for k in ("type", "linePitch", "charSpace")} if grid is not None else {}
    settings = next((t for _i, rt, t in package.rels(main) if rt.endswith("/settings")), None)
    even_odd = settings is not None and package.xml(settings).find(qn("w:evenAndOddHeaders")) is not None
    styles = next((t for _i, rt, t in package.rels(main) if rt.endswith("/styles")), None)
    lang = None
    if styles:
        el = package.xml(styles).find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
        lang = el.get(qn("w:eastAsia")) if el is not None else None
    paragraphs = [_paragraph(p) for p in body.iter(qn("w:p")) if p.getparent().tag == qn("w:body")]
    footers = {}
    for ref in sect.findall(qn("w:footerReference")) if sect is not None else []:
        rid = ref.get(qn("r:id"))
        target = next((t for i, _rt, t in package.rels(main) if i == rid), None)
        if target:
            froot = package.xml(target)
            text = " ".join(paragraph_text(p) for p in froot.iter(qn("w:p")))
            has_page = any("PAGE" in (t.text or "") for t in froot.iter(qn("w:instrText"))) or any(
                "PAGE" in (f.get(qn("w:instr")) or "") for f in froot.iter(qn("w:fldSimple")))
            jc = froot.find(f".//{qn('w:jc')}")
            footers[ref.get(qn("w:type"), "default")] = f"{text}|{'PAGE' if has_page else ''}|" + (
                jc.get(qn("w:val")) if jc is not None else "")
    letter = False
    if sect is not None and sect.find(qn("w:titlePg")) is not None:
        for ref in sect.findall(qn("w:headerReference")):
            target = next((t for i, _rt, t in package.rels(main) if i == ref.get(qn("r:id"))), None)
            if ref.get(qn("w:type")) == "first" and target:
                borders = package.xml(target).iter(qn("w:bottom"))
                letter = any((b.get(qn("w:color")) or "").upper() == "FF0000" and "Thin" in (b.get(qn("w:val")) or "")
                             for b in borders)
    imprint = any(d.get("name") == "版记" for d in root.iter(
        "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}docPr"))
    return DocxFacts(page, margins, grid_facts, even_odd, lang, paragraphs, footers, letter, imprint)


def _paragraph(p) -> ParagraphFacts:
    ppr = p.find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing")) if ppr is not None else None
    ind = ppr.find(qn("w:ind")) if ppr is not None else None
    jc = ppr.find(qn("w:jc")) if ppr is not None else None
    border = ppr.find(f"{qn('w:pBdr')}/{qn('w:bottom')}") if ppr is not None else None
    facts = ParagraphFacts(
        paragraph_text(p).strip(), _int(spacing, "line"), spacing.get(qn("w:lineRule")) if spacing is not None else None,
        _int(ind, "firstLine"), jc.get(qn("w:val")) if jc is not None else None,
        bottom_border={k: border.get(qn(f"w:{k}")) for k in ("val", "sz", "color", "space")} if border is not None else None)
    for rpr in p.iter(qn("w:rPr")):
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            facts.east_asia.add(fonts.get(qn("w:eastAsia")))
        size = _int(rpr.find(qn("w:sz")), "val")
        if size is not None:
            facts.sizes.add(size)
        color = rpr.find(qn("w:color"))
        if color is not None and color.get(qn("w:val")):
            facts.colors.add(color.get(qn("w:val")).upper())
    return facts


def first_body_text(data: bytes) -> str:
    """The first paragraph with a first-line indent of two characters: where the body starts."""
    facts = inspect_docx(data)
    return next((x.text for x in facts.paragraphs if x.text and x.first_line in (630, 640)), "")


def declared_cover(data: bytes) -> bool:
    """Whether the document declares page 1 a cover with a footer of its own that prints no page number:
    its first section has a distinct first page (``w:titlePg``), or is a separate section before the body."""
    package = Package(data)
    main = package.main_part()
    body = package.xml(main).find(qn("w:body"))
    inner = [s for s in body.iter(qn("w:sectPr")) if s.getparent() is not body]  # sections ended by a paragraph
    first = inner[0] if inner else body.find(qn("w:sectPr"))
    if first is None:
        return False
    targets = {i: t for i, _rt, t in package.rels(main)}
    footers = {ref.get(qn("w:type"), "default"): targets.get(ref.get(qn("r:id")))
               for ref in first.findall(qn("w:footerReference"))}

    def numbered(kind: str) -> bool:  # a missing footer of the first section prints nothing
        root = package.xml(footers[kind]) if footers.get(kind) and package.has(footers[kind]) else None
        return root is not None and (any("PAGE" in (t.text or "") for t in root.iter(qn("w:instrText"))) or any(
            "PAGE" in (f.get(qn("w:instr")) or "") for f in root.iter(qn("w:fldSimple"))))

    if first.find(qn("w:titlePg")) is not None:
        return not numbered("first")
    return bool(inner) and not numbered("default")
