"""A PDF formkit rendered (a notice) redrawn as OFD (GB/T 33190): every character as positioned text in runs
(``TextCode`` with ``DeltaX``, its font by name, its size and colour), every line and rectangle as a path with
its width and colour (the red 版头 rule stays red). What it does not keep: the fonts themselves (referred to by
name, not embedded: an OFD reader draws them with the font of that name, or a substitute), images, links and
bookmarks. ``formkit notice --ofd`` reads the text back with :func:`formkit.ofd.read_ofd` to check it."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from formkit.pdf.positioned import Drawn, drawn_pages

NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'
HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
MM = 25.4 / 72  # millimetres per point
THIN = 2.0  # points: a rectangle this thin is a line


def _mm(points: float) -> str:
    return f"{points * MM:.3f}".rstrip("0").rstrip(".")


def ofd_of_pdf(pdf: bytes, title: str = "", when: date | None = None) -> bytes:
    """The OFD of ``pdf`` (deterministic: the same PDF gives the same bytes)."""
    pages = drawn_pages(pdf)
    fonts = sorted({c[4] for p in pages for c in p.chars})
    font_ids = {name: str(i + 1) for i, name in enumerate(fonts)}
    ids = iter(range(len(fonts) + 1, 10**9))
    parts = {f"Doc_0/Pages/Page_{n}/Content.xml": _page(p, font_ids, ids) for n, p in enumerate(pages)}
    box = f"0 0 {_mm(pages[0].width)} {_mm(pages[0].height)}" if pages else "0 0 210 297"
    listed = "".join(f'<ofd:Page ID="{next(ids)}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
    font_list = "".join(f'<ofd:Font ID="{font_ids[f]}" FontName={quoteattr(f)} FamilyName={quoteattr(f)}/>' for f in fonts)
    parts["Doc_0/PublicRes.xml"] = f'{HEAD}<ofd:Res {NS} BaseLoc="Res"><ofd:Fonts>{font_list}</ofd:Fonts></ofd:Res>'
    parts["Doc_0/Document.xml"] = (
        f'{HEAD}<ofd:Document {NS}><ofd:CommonData><ofd:MaxUnitID>{next(ids)}</ofd:MaxUnitID><ofd:PageArea>'
        f'<ofd:PhysicalBox>{box}</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes>'
        f'</ofd:CommonData><ofd:Pages>{listed}</ofd:Pages></ofd:Document>')
    made = (when or date.today()).isoformat()
    parts = {"OFD.xml": (
        f'{HEAD}<ofd:OFD {NS} Version="1.1" DocType="OFD"><ofd:DocBody><ofd:DocInfo>'
        f'<ofd:DocID>{hashlib.sha256(pdf).hexdigest()[:32]}</ofd:DocID><ofd:Title>{escape(title)}</ofd:Title>'
        f'<ofd:CreationDate>{made}</ofd:CreationDate><ofd:Creator>formkit</ofd:Creator></ofd:DocInfo>'
        '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>'), **parts}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            info = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text.encode("utf-8"))
    return out.getvalue()


def _page(page: Drawn, font_ids: dict[str, str], ids) -> str:
    objects = [_text(run, font_ids, next(ids)) for run in _runs(page.chars)]
    objects += [_rule(rule, next(ids)) for rule in page.rules]
    return (f'{HEAD}<ofd:Page {NS}><ofd:Area><ofd:PhysicalBox>0 0 {_mm(page.width)} {_mm(page.height)}'
            f'</ofd:PhysicalBox></ofd:Area><ofd:Content><ofd:Layer ID="{next(ids)}" Type="Body">{"".join(objects)}'
            '</ofd:Layer></ofd:Content></ofd:Page>')


def _runs(chars: list) -> list[list]:
    """Characters in runs: one baseline, font, size and colour, left to right."""
    runs: list[list] = []
    for char in chars:
        last = runs[-1][-1] if runs else None
        if last and abs(last[2] - char[2]) < 0.1 and last[3:] == char[3:] and char[1] >= last[1]:
            runs[-1].append(char)
        else:
            runs.append([char])
    return runs


def _text(run: list, font_ids: dict[str, str], object_id: int) -> str:
    first, last = run[0], run[-1]
    size, baseline = first[3], first[2]
    x0, top = first[1], baseline - size
    width = last[1] + size - x0
    deltas = " ".join(_mm(b[1] - a[1]) for a, b in zip(run, run[1:], strict=False))
    red, green, blue = first[5]
    text = escape("".join(c[0] for c in run))
    delta = f' DeltaX="{deltas}"' if deltas else ""
    return (f'<ofd:TextObject ID="{object_id}" Boundary="{_mm(x0)} {_mm(top)} {_mm(width)} {_mm(size * 1.25)}" '
            f'Font="{font_ids[first[4]]}" Size="{_mm(size)}"><ofd:FillColor Value="{red} {green} {blue}"/>'
            f'<ofd:TextCode X="0" Y="{_mm(size)}"{delta}>{text}</ofd:TextCode></ofd:TextObject>')


def _rule(rule: tuple, object_id: int) -> str:
    x0, top, x1, bottom, line_width, (red, green, blue) = rule
    w, h = x1 - x0, bottom - top
    if min(w, h) <= THIN:  # a line, or a rectangle thin enough to be one: drawn along its middle
        thick = max(min(w, h), line_width)
        path = f"M 0 {_mm(h / 2)} L {_mm(w)} {_mm(h / 2)}" if w >= h else f"M {_mm(w / 2)} 0 L {_mm(w / 2)} {_mm(h)}"
    else:
        thick = line_width
        path = f"M 0 0 L {_mm(w)} 0 L {_mm(w)} {_mm(h)} L 0 {_mm(h)} C"
    return (f'<ofd:PathObject ID="{object_id}" Boundary="{_mm(x0)} {_mm(top)} {_mm(max(w, 0.01))} {_mm(max(h, 0.01))}" '
            f'LineWidth="{_mm(thick)}"><ofd:StrokeColor Value="{red} {green} {blue}"/>'
            f'<ofd:AbbreviatedData>{path}</ofd:AbbreviatedData></ofd:PathObject>')


def ofd_beside(pdf_path: Path, title: str = "") -> dict[str, Any]:
    """``FILE.ofd`` written beside ``FILE.pdf`` (:func:`ofd_of_pdf`), its text read back with formkit's OFD
    reader and compared with the PDF's (whitespace aside): ``{"ofd": path, "ofd_text_kept": bool}``."""
    from formkit.ofd.read import read_ofd
    from formkit.outputs import write_bytes
    from formkit.pdf.extract import parse_pdf

    pdf = Path(pdf_path).read_bytes()
    data = ofd_of_pdf(pdf, title)
    path = write_bytes(Path(pdf_path).with_suffix(".ofd"), data)
    said = "".join(p["text"] for p in parse_pdf(pdf)["pages"])
    return {"ofd": path, "ofd_text_kept": _bare(read_ofd(data).text) == _bare(said)}


def _bare(text: str) -> str:
    return "".join(text.split())
