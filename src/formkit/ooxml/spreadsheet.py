"""Workbooks as formkit saves them: what openpyxl writes, made what Excel itself would write.

- Text in a shared-strings table (``xl/sharedStrings.xml``), never inline strings: openpyxl 3.1 writes every
  string cell as ``t="inlineStr"``, which Excel converts into shared strings on its next save (a file the
  recipient did not change comes back rewritten).
- Font properties in the order the Open XML SDK (what Office 2016 validates against) expects: ``b, i, …, sz,
  color, name, family, charset, scheme``; openpyxl writes ``name`` first.
- formkit's own core and extended properties (:func:`formkit.ooxml.props.with_properties`): the author the
  caller names, formkit as the application — not openpyxl's.

Only formkit's own output goes through here (parsed with the one safe parser all the same); the hardened
reader of untrusted workbooks is :mod:`formkit.ooxml.workbook`."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from formkit.ooxml.props import part_path, properties, replace_parts
from formkit.ooxml.xml import parse
from formkit.outputs import save

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
S = f"{{{MAIN}}}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_SHARED_STRINGS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
CT_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
# CT_Font's children in the Open XML SDK's order (a sequence there, ECMA-376's schema has a choice)
FONT_ORDER = ("b", "i", "strike", "condense", "extend", "outline", "shadow", "u", "vertAlign", "sz", "color", "name",
              "family", "charset", "scheme")
_DECL = {"xml_declaration": True, "encoding": "UTF-8", "standalone": True}


def save_workbook(book, path: str | Path, author: str, title: str = "",
                  when: date | datetime | None = None) -> Path:
    """Save an openpyxl ``Workbook`` (atomically, :func:`formkit.outputs.save`) as :func:`finish` makes it."""
    return save(book, path, lambda data: finish(data, author, title, when))


def finish(data: bytes, author: str, title: str = "", when: date | datetime | None = None) -> bytes:
    """The bytes openpyxl saved → shared strings, fonts in order, formkit's properties naming ``author``,
    ``title`` and ``when`` (now when not given)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        read = {name: zf.read(name) for name in zf.namelist()}
    book = _main_part(read["_rels/.rels"])
    book_rels = part_path(book, "_rels/" + book.rsplit("/", 1)[-1] + ".rels")
    related = [((r.get("Type") or "").rsplit("/", 1)[-1], part_path(book, r.get("Target") or ""))
               for r in parse(read[book_rels], book_rels).iter(REL + "Relationship")]
    table = SharedStrings()
    shared = any(kind == "sharedStrings" for kind, _target in related)  # openpyxl 3.1 never writes them; 3.0 did
    parts = {target: table.take(read[target], target) for kind, target in related if kind == "worksheet" and not shared}
    parts.update({target: ordered_fonts(read[target], target) for kind, target in related if kind == "styles"})
    if len(table):
        strings = part_path(book, "sharedStrings.xml")
        parts[strings] = table.xml()
        parts[book_rels] = _with_relationship(read[book_rels], book_rels, REL_SHARED_STRINGS, "sharedStrings.xml")
        parts["[Content_Types].xml"] = _with_override(read["[Content_Types].xml"], "/" + strings, CT_SHARED_STRINGS)
    parts.update(properties(author, title, when))
    return replace_parts(data, parts)


class SharedStrings:
    """The table of the workbook's distinct strings, filled sheet by sheet."""

    def __init__(self):
        self.items: list[etree._Element] = []
        self.index: dict[bytes, int] = {}
        self.count = 0

    def __len__(self) -> int:
        return len(self.items)

    def take(self, sheet: bytes, part: str) -> bytes:
        """The sheet with each inline string replaced by its number in the table."""
        root = parse(sheet, part)
        for c in root.iter(S + "c"):
            if c.get("t") != "inlineStr":
                continue
            inline = c.find(S + "is")
            if inline is None:  # an empty cell openpyxl typed as text
                del c.attrib["t"]
                continue
            c.remove(inline)
            inline.tag = S + "si"
            key = etree.tostring(inline)
            if key not in self.index:
                self.index[key] = len(self.items)
                self.items.append(inline)
            self.count += 1
            c.set("t", "s")
            etree.SubElement(c, S + "v").text = str(self.index[key])
        return etree.tostring(root, **_DECL)

    def xml(self) -> bytes:
        sst = etree.Element(S + "sst", nsmap={None: MAIN}, count=str(self.count), uniqueCount=str(len(self.items)))
        sst.extend(self.items)
        return etree.tostring(sst, **_DECL)


def ordered_fonts(styles: bytes, part: str) -> bytes:
    """The styles part with every font's properties in :data:`FONT_ORDER` (anything else after them)."""
    root = parse(styles, part)
    rank = {name: n for n, name in enumerate(FONT_ORDER)}
    for font in root.iter(S + "font"):
        children = sorted(font, key=lambda el: rank.get(etree.QName(el).localname, len(rank)))
        font[:] = children
    return etree.tostring(root, **_DECL)


def _main_part(package_rels: bytes) -> str:
    for r in parse(package_rels, "_rels/.rels").iter(REL + "Relationship"):
        if (r.get("Type") or "").endswith("/officeDocument"):
            return part_path("", r.get("Target") or "")
    raise ValueError("not a workbook: no main part")


def _with_relationship(rels: bytes, part: str, rel_type: str, target: str) -> bytes:
    root = parse(rels, part)
    ids = {r.get("Id") for r in root.iter(REL + "Relationship")}
    rid = next(f"rId{n}" for n in range(1, 100_000) if f"rId{n}" not in ids)
    etree.SubElement(root, REL + "Relationship", Id=rid, Type=rel_type, Target=target)
    return etree.tostring(root, **_DECL)


def _with_override(types: bytes, part_name: str, content_type: str) -> bytes:
    root = parse(types, "[Content_Types].xml")
    etree.SubElement(root, CT + "Override", PartName=part_name, ContentType=content_type)
    return etree.tostring(root, **_DECL)
