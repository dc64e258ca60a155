"""OOXML pieces of an official document that python-docx has no API for: exact line grids, run spacing,
the red rule, odd/even page-number footers, the 版记 text box anchored at the bottom of the type area.

Every function takes python-docx objects (Paragraph, Run, Table, Section, Document), never their elements."""

from __future__ import annotations

from copy import deepcopy
from xml.sax.saxutils import escape

from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn

from formkit.ooxml.proxy import element

WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
# schema order of pPr and rPr children (ISO 29500 §17.3.1.26, §17.3.2.28), for inserting in place
PPR_ORDER = ["w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl",
             "w:numPr", "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku",
             "w:wordWrap", "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
             "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
             "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
             "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange"]
RPR_ORDER = ["w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike",
             "w:dstrike", "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid", "w:vanish",
             "w:webHidden", "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight",
             "w:u", "w:effect", "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
             "w:eastAsianLayout", "w:specVanish", "w:oMath"]
# schema order of tblPr and tcPr children (ISO 29500 §17.4.60, §17.4.70): python-docx puts some in place
# (tblW, jc, tblLayout, vAlign), what formkit adds must go in between
TBLPR_ORDER = ["w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize",
               "w:tblStyleColBandSize", "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd",
               "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange"]
TCPR_ORDER = ["w:cnfStyle", "w:tcW", "w:gridSpan", "w:hMerge", "w:vMerge", "w:tcBorders", "w:shd", "w:noWrap",
              "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers", "w:cellIns",
              "w:cellDel", "w:cellMerge", "w:tcPrChange"]
# what follows w:updateFields in w:settings (ISO 29500 §17.15.1.78)
SETTINGS_AFTER_UPDATE_FIELDS = ["w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars",
                                "w:rsids", "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
                                "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade",
                                "w:captions", "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary",
                                "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator"]


def put(parent, tag: str, order: list[str], **attrs):
    """Set child ``tag`` of ``parent`` (replacing one that is there) at its place in schema order."""
    old = parent.find(qn(tag))
    if old is not None:
        parent.remove(old)
    el = OxmlElement(tag)
    for name, value in attrs.items():
        el.set(qn(f"w:{name}"), str(value))
    rank = order.index(tag)
    for i, child in enumerate(parent):
        name = child.tag.split("}")[-1]
        if f"w:{name}" in order and order.index(f"w:{name}") > rank:
            parent.insert(i, el)
            return el
    parent.append(el)
    return el


# Punctuation that would stand first on a line: Word and WPS hang it in the margin (w:overflowPunct on, their
# default); LibreOffice imports the element inverted (writerfilter: hanging = val == 0) and, hanging it, drops
# the glyph from a justified line's PDF (a line-final "、" lost). val="1" keeps Word's default and makes
# LibreOffice carry the character over to the next line instead: every character printed in both.
OVERFLOW_PUNCT = "w:overflowPunct"


def exact_lines(paragraph, line: int, first_line: int | None = None, jc: str | None = None,
                left: int | None = None, right: int | None = None, hanging: int | None = None) -> None:
    """Exact line spacing of ``line`` twips, no space before/after, off the document grid."""
    ppr = element(paragraph).get_or_add_pPr()
    put(ppr, "w:widowControl", PPR_ORDER, val="0")  # full pages keep 22 lines: no line pushed over
    put(ppr, OVERFLOW_PUNCT, PPR_ORDER, val="1")  # see OVERFLOW_PUNCT
    put(ppr, "w:snapToGrid", PPR_ORDER, val="0")
    put(ppr, "w:spacing", PPR_ORDER, before="0", after="0", line=str(line), lineRule="exact")
    ind = {}
    if first_line is not None:
        ind["firstLine"] = first_line
    if hanging is not None:
        ind["hanging"] = hanging
    if left is not None:
        ind["left"] = left
    if right is not None:
        ind["right"] = right
    if ind:
        put(ppr, "w:ind", PPR_ORDER, **ind)
    if jc:
        put(ppr, "w:jc", PPR_ORDER, val=jc)


def outline_level(paragraph, level: int) -> None:
    """A heading LibreOffice exports as a PDF bookmark (and Word shows in its navigation pane)."""
    put(element(paragraph).get_or_add_pPr(), "w:outlineLvl", PPR_ORDER, val=str(level))


def style_run(run, east_asia: str, size: int, latin: str = "Times New Roman", spacing: int | None = None,
              color: str | None = None, bold: bool = False) -> None:
    rpr = element(run).get_or_add_rPr()
    fonts = put(rpr, "w:rFonts", RPR_ORDER, ascii=latin, hAnsi=latin, eastAsia=east_asia, cs=latin)
    fonts.set(qn("w:hint"), "eastAsia")
    if bold:
        put(rpr, "w:b", RPR_ORDER)
    if color:
        put(rpr, "w:color", RPR_ORDER, val=color)
    if spacing is not None:
        put(rpr, "w:spacing", RPR_ORDER, val=str(spacing))
    put(rpr, "w:sz", RPR_ORDER, val=str(size))
    put(rpr, "w:szCs", RPR_ORDER, val=str(size))


def line_break_before(run) -> None:
    """A line break in a run of its own just before ``run`` (a title's next line)."""
    r = OxmlElement("w:r")
    r.append(OxmlElement("w:br"))
    element(run).addprevious(r)


def bottom_rule(paragraph, color: str, size: int, space_pt: int) -> None:
    """A rule under the paragraph as wide as the type area (the red separator under the 发文字号)."""
    ppr = element(paragraph).get_or_add_pPr()
    bdr = put(ppr, "w:pBdr", PPR_ORDER)
    bottom = OxmlElement("w:bottom")
    for name, value in (("val", "single"), ("sz", size), ("space", space_pt), ("color", color)):
        bottom.set(qn(f"w:{name}"), str(value))
    bdr.append(bottom)


def page_grid(section, line_pitch: int) -> None:
    """The section's document grid: ``line_pitch`` twips a line."""
    sect_pr = element(section)
    grid = sect_pr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect_pr.append(grid)
    for name in list(grid.attrib):
        del grid.attrib[name]
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(line_pitch))


def page_number_runs(paragraph, font: str, size: int) -> None:
    """``— N —`` with a PAGE field, in ``font`` for every script."""
    def run(text: str | None = None, field: str | None = None):
        r = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        r.append(rpr)
        fonts = OxmlElement("w:rFonts")
        for name in ("ascii", "hAnsi", "eastAsia", "cs"):
            fonts.set(qn(f"w:{name}"), font)
        fonts.set(qn("w:hint"), "eastAsia")
        rpr.append(fonts)
        for tag in ("w:sz", "w:szCs"):
            sz = OxmlElement(tag)
            sz.set(qn("w:val"), str(size))
            rpr.append(sz)
        if field:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), field)
            r.append(fld)
        elif text is not None:
            t = OxmlElement("w:t")
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            t.text = text
            r.append(t)
        element(paragraph).append(r)
        return r

    run("— ")
    run(field="begin")
    instr = run()
    it = OxmlElement("w:instrText")
    it.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    it.text = " PAGE "
    instr.append(it)
    run(field="separate")
    run("1")
    run(field="end")
    run(" —")


def imprint_box(paragraph, rows: list[tuple], width_emu: int, line: int, thick: int, thin: int,
                size: int, indent: int, font: str) -> None:
    """The 版记 as a one-column table in a text box anchored to the bottom of the type area (what places
    its last rule on the type area's bottom edge in LibreOffice), at the end of ``paragraph``. ``rows`` are
    (left, right) or (left, right, hanging) texts: a "\\n" in ``left`` is a line break, ``hanging`` (twips)
    where continuation lines start, right of the first (抄送's, under the first character after the colon,
    7.4.2). The box is as tall as their lines once wrapped, so nothing overflows below the type area."""
    n = len(rows)
    usable = width_emu // 635 - 2 * indent
    char = size * 10  # twips of one character at this size
    lines = sum(max(1, sum(-(-sum(char if ord(ch) > 0x2E80 else char // 2 for ch in part) // usable)
                           for part in (row[0] + row[1]).split("\n"))) for row in rows)
    height_twips = lines * line + 60
    cells = []
    for i, (left, right, *rest) in enumerate(rows):
        hanging = rest[0] if rest else 0
        top_sz, bottom_sz = (thick if i == 0 else thin), (thick if i == n - 1 else thin)
        top = f'<w:top w:val="{"single" if top_sz else "nil"}" w:sz="{top_sz}" w:space="0" w:color="000000"/>'
        bottom = f'<w:bottom w:val="{"single" if bottom_sz else "nil"}" w:sz="{bottom_sz}" w:space="0" w:color="000000"/>'
        tabs = f'<w:tabs><w:tab w:val="right" w:pos="{width_emu // 635 - indent}"/></w:tabs>' if right else ""
        rpr = (f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}" w:hint="eastAsia"/>'
               f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>')
        text = escape(left).replace("\n", '</w:t><w:br/><w:t xml:space="preserve">') + (
            "</w:t></w:r><w:r>" + rpr + "<w:tab/><w:t>" + escape(right) if right else "")
        cells.append(
            f"<w:tr><w:trPr><w:cantSplit/></w:trPr><w:tc><w:tcPr><w:tcW w:w=\"{width_emu // 635}\" w:type=\"dxa\"/>"
            f"<w:tcBorders>{top}<w:left w:val=\"nil\"/>{bottom}<w:right w:val=\"nil\"/></w:tcBorders></w:tcPr>"
            f'<w:p><w:pPr>{tabs}<w:overflowPunct w:val="1"/><w:snapToGrid w:val="0"/><w:spacing w:before="0" '
            f'w:after="0" w:line="{line}" w:lineRule="exact"/>'
            f'<w:ind w:left="{indent + hanging}" w:right="{indent}" w:hanging="{hanging}"/></w:pPr>'
            f"<w:r>{rpr}<w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p></w:tc></w:tr>")
    table = (f'<w:tbl><w:tblPr><w:tblW w:w="{width_emu // 635}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
             '<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar></w:tblPr>'
             f'<w:tblGrid><w:gridCol w:w="{width_emu // 635}"/></w:tblGrid>{"".join(cells)}</w:tbl>')
    content = (f'{table}<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/></w:pPr></w:p>')
    element(paragraph).append(anchored_box(
        content, width_emu, height_twips * 635,
        '<wp:positionV relativeFrom="margin"><wp:align>bottom</wp:align></wp:positionV>', anchor="b",
        wrap="<wp:wrapTopAndBottom/>", name="版记"))


def anchored_box(content: str, width_emu: int, height_emu: int, position_v: str, anchor: str = "t",
                 position_h: str = '<wp:positionH relativeFrom="margin"><wp:align>center</wp:align></wp:positionH>',
                 wrap: str = "<wp:wrapNone/>", name: str = "formkit"):
    """A borderless text box holding ``content`` (block-level WordprocessingML), anchored as given."""
    xml = (
        f'<w:r {nsdecls("w", "wp", "a")} xmlns:wps="{WPS}"><w:drawing>'
        '<wp:anchor distT="0" distB="0" distL="0" distR="0" simplePos="0" relativeHeight="251659264" behindDoc="0" '
        f'locked="0" layoutInCell="1" allowOverlap="1"><wp:simplePos x="0" y="0"/>{position_h}{position_v}'
        f'<wp:extent cx="{width_emu}" cy="{height_emu}"/><wp:effectExtent l="0" t="0" r="0" b="0"/>{wrap}'
        f'<wp:docPr id="9704" name="{name}"/><wp:cNvGraphicFramePr/>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">'
        '<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr>'
        f'<a:xfrm><a:off x="0" y="0"/><a:ext cx="{width_emu}" cy="{height_emu}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln></wps:spPr>'
        f'<wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx>'
        f'<wps:bodyPr lIns="0" tIns="0" rIns="0" bIns="0" anchor="{anchor}"><a:noAutofit/></wps:bodyPr>'
        "</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>"
    )
    return parse_xml(xml)


def page_rule(paragraph, y_mm: float, width_mm: float, kind: str, color: str, size: int) -> None:
    """A double rule drawn at ``y_mm`` from the top of the page, centred, ``width_mm`` wide, anchored at the
    end of ``paragraph``."""
    content = (f'<w:p><w:pPr><w:pBdr><w:top w:val="{kind}" w:sz="{size}" w:space="0" w:color="{color}"/></w:pBdr>'
               '<w:spacing w:before="0" w:after="0" w:line="40" w:lineRule="exact"/></w:pPr></w:p>')
    element(paragraph).append(anchored_box(
        content, int(width_mm * 36000), 40 * 635,
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{int(y_mm * 36000)}</wp:posOffset></wp:positionV>',
        position_h='<wp:positionH relativeFrom="page"><wp:align>center</wp:align></wp:positionH>'))


def cell_margins(table, twips: int) -> None:
    """Left and right padding of every cell of ``table``."""
    margins = put(element(table).tblPr, "w:tblCellMar", TBLPR_ORDER)
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
        margins.append(el)


def no_cell_margins(table) -> None:
    """A borderless table with no cell padding and a fixed layout (the joint organ mark)."""
    tbl_pr = element(table).tblPr
    borders = put(tbl_pr, "w:tblBorders", TBLPR_ORDER)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    put(tbl_pr, "w:tblLayout", TBLPR_ORDER, type="fixed")
    cell_margins(table, 0)


def double_rule(paragraph, side: str, kind: str, color: str, size: int, space_pt: int = 0) -> None:
    """A double rule (信函格式): ``kind`` thickThinSmallGap (thick above thin) or thinThickSmallGap."""
    ppr = element(paragraph).get_or_add_pPr()
    bdr = put(ppr, "w:pBdr", PPR_ORDER)
    el = OxmlElement(f"w:{side}")
    for name, value in (("val", kind), ("sz", size), ("space", space_pt), ("color", color)):
        el.set(qn(f"w:{name}"), str(value))
    bdr.append(el)


def right_tab(paragraph, position: int, leader: str | None = None) -> None:
    tabs = put(element(paragraph).get_or_add_pPr(), "w:tabs", PPR_ORDER)
    tab = OxmlElement("w:tab")
    tab.set(qn("w:val"), "right")
    if leader:
        tab.set(qn("w:leader"), leader)
    tab.set(qn("w:pos"), str(position))
    tabs.append(tab)


def bookmark(paragraph, number: int, name: str) -> None:
    """A bookmark around the whole paragraph (what a PAGEREF field points at)."""
    p = element(paragraph)
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    ppr = p.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def page_ref(run, name: str, cached: str = "") -> None:
    """A ``PAGEREF name \\h`` field right after ``run``, formatted like it: the page a bookmark is on, which
    LibreOffice fills in as it lays the document out and Word when it updates fields."""
    r_template = anchor = element(run)
    for kind, value in (("begin", None), ("instr", f" PAGEREF {name} \\h "), ("separate", None), ("text", cached),
                        ("end", None)):
        r = deepcopy(r_template)
        for child in list(r):
            if child.tag != qn("w:rPr"):
                r.remove(child)
        if kind in ("begin", "separate", "end"):
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText" if kind == "instr" else "w:t")
            el.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            el.text = value
        r.append(el)
        anchor.addnext(r)
        anchor = r


def update_fields_on_open(document) -> None:
    """Ask Word to update fields (the contents' page numbers) when the document is opened."""
    settings = element(document.settings)
    el = OxmlElement("w:updateFields")
    el.set(qn("w:val"), "true")
    if settings.find(qn("w:updateFields")) is not None:
        return
    later = {qn(t) for t in SETTINGS_AFTER_UPDATE_FIELDS}
    for child in settings:
        if child.tag in later:
            child.addprevious(el)
            return
    settings.append(el)
