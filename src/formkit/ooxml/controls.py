"""Content controls (``w:sdt``) that formkit writes into issued forms: dropdown, date and checkbox.

Only the kinds that survive a LibreOffice re-save with their content intact are used (plain-text controls
come back with their text written four times by LibreOffice 7.4). A control is always a help to the
filler, never the only way to find a value: the cell around it carries the value as text too.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from formkit.ooxml.proxy import element

DATE_FORMAT = "yyyy'年'M'月'd'日'"
CHECKED, UNCHECKED = "☒", "☐"


def _pr(alias: str, tag: str) -> str:
    return f"<w:alias w:val={quoteattr(alias)}/><w:tag w:val={quoteattr(tag)}/><w:id w:val=\"0\"/>"


def _placeholder_run(text: str) -> str:
    return (f'<w:r><w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr>'
            f'<w:t xml:space="preserve">{_esc(text)}</w:t></w:r>')


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def dropdown(paragraph, alias: str, tag: str, options: tuple[str, ...], placeholder: str) -> None:
    """A dropdown list at the end of ``paragraph``, showing ``placeholder`` until an item is picked."""
    items = f'<w:listItem w:displayText={quoteattr(placeholder)} w:value=""/>' + "".join(
        f"<w:listItem w:displayText={quoteattr(o)} w:value={quoteattr(o)}/>" for o in options
    )
    element(paragraph).append(parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtPr>{_pr(alias, tag)}<w:showingPlcHdr/>"
        f"<w:dropDownList>{items}</w:dropDownList></w:sdtPr>"
        f"<w:sdtContent>{_placeholder_run(placeholder)}</w:sdtContent></w:sdt>"
    ))


def date(paragraph, alias: str, tag: str, placeholder: str) -> None:
    """A date picker at the end of ``paragraph``."""
    element(paragraph).append(parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtPr>{_pr(alias, tag)}<w:showingPlcHdr/>"
        f"<w:date><w:dateFormat w:val=\"{DATE_FORMAT}\"/><w:lid w:val=\"zh-CN\"/>"
        f"<w:storeMappedDataAs w:val=\"dateTime\"/><w:calendar w:val=\"gregorian\"/></w:date></w:sdtPr>"
        f"<w:sdtContent>{_placeholder_run(placeholder)}</w:sdtContent></w:sdt>"
    ))


def checkbox(paragraph, alias: str, tag: str, checked: bool = False) -> None:
    """A check box at the end of ``paragraph``."""
    glyph = CHECKED if checked else UNCHECKED
    font = '<w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" w:hint="eastAsia"/>'
    element(paragraph).append(parse_xml(
        f"<w:sdt {nsdecls('w', 'w14')}><w:sdtPr>{_pr(alias, tag)}"
        f"<w14:checkbox><w14:checked w14:val=\"{int(checked)}\"/>"
        f"<w14:checkedState w14:val=\"2612\" w14:font=\"MS Gothic\"/>"
        f"<w14:uncheckedState w14:val=\"2610\" w14:font=\"MS Gothic\"/></w14:checkbox></w:sdtPr>"
        f"<w:sdtContent><w:r><w:rPr>{font}</w:rPr><w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt>"
    ))


W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
TRUE_TEXTS = ("是", "1", "true", CHECKED, "☑", "√")


def set_control_text(sdt, text: str) -> None:
    """What Word does when a person picks a dropdown item, a date, or ticks a check box: the placeholder
    goes, the content shows ``text`` (a check box shows ☒/☐ and records its state)."""
    pr = sdt.find(qn("w:sdtPr"))
    for flag in pr.findall(qn("w:showingPlcHdr")):
        pr.remove(flag)
    box = pr.find(W14 + "checkbox")
    if box is not None:
        checked = text in TRUE_TEXTS
        box.find(W14 + "checked").set(W14 + "val", "1" if checked else "0")
        text = CHECKED if checked else UNCHECKED
    runs = sdt.findall(".//" + qn("w:r"))
    for run in runs[1:]:
        run.getparent().remove(run)
    for style in runs[0].findall(f"{qn('w:rPr')}/{qn('w:rStyle')}"):
        style.getparent().remove(style)
    runs[0].find(qn("w:t")).text = text


def controls_in(cell) -> list:
    """The content controls in a table cell (python-docx ``_Cell``), for :func:`set_control_text`."""
    return element(cell).findall(".//" + qn("w:sdt"))
