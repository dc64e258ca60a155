"""PDF → :class:`formkit.document.SourceDocument`, parsed in a child process with a time and memory limit.

pdfminer (under pdfplumber) has no resource limits: a malformed PDF can hang or take gigabytes. The parse
runs in a forked child (:func:`formkit.isolate.call`: ``RLIMIT_AS``, killed with its process group after the
time limit and with its parent); the parent gets plain data.
"""

from __future__ import annotations

import io
import re
from typing import Any

from formkit import isolate
from formkit.document import Cell, SourceDocument, Table
from formkit.errors import FormkitError
from formkit.limits import DEFAULT, Limits

_NUMBERED = re.compile(r"\s*表\s*\d+")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0003ffff，。；：、！？（）“”《》]")


class PdfError(FormkitError):
    """A PDF that cannot be read."""


def _parse(data: bytes, max_pages: int) -> dict[str, Any]:
    # the PDF stack loads only in the child that parses a PDF: never in formkit's own process
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect:
        return {"error": ("pdf.encrypted", "PDF 文件已加密，请提供未加密的文件")}
    except MemoryError:
        raise
    except Exception as exc:  # pdfminer raises many kinds for a broken file
        name = type(exc).__name__
        chain = f"{name} {exc!r} {exc.__cause__!r} {exc.__context__!r}"
        if "Password" in chain or "Encrypt" in chain:
            return {"error": ("pdf.encrypted", "PDF 文件已加密，请提供未加密的文件")}
        return {"error": ("pdf.corrupt", f"PDF 文件已损坏，无法读取（{name}）")}
    with pdf:
        if len(pdf.pages) > max_pages:
            return {"error": ("pdf.too-many-pages", f"PDF 共 {len(pdf.pages)} 页，超过上限 {max_pages} 页")}
        pages = []
        for page in pdf.pages:
            found = sorted(page.find_tables(), key=lambda t: (t.bbox[1], t.bbox[0]))
            pages.append({"text": page.extract_text() or "", "tables": [t.extract() for t in found],
                          "captions": _captions(page.chars, [t.bbox for t in found]), "chars": len(page.chars)})
        meta = pdf.metadata or {}
    producer = " ".join(str(meta.get(k, "")) for k in ("Creator", "Producer") if meta.get(k)).strip()
    return {"pages": pages, "producer": producer}


def _captions(chars: list[dict], boxes: list[tuple]) -> list[str]:
    """The line of text right above each table (its caption, 表3　…), between it and the table before."""
    out, floor = [], 0.0
    for _x0, top, _x1, bottom in boxes:
        above = [c for c in chars if floor <= c["top"] and c["bottom"] <= top + 0.5]
        last = max((round(c["top"]) for c in above), default=None)
        out.append("".join(c["text"] for c in sorted(above, key=lambda c: c["x0"]) if round(c["top"]) == last))
        floor = bottom
    return out


def _parse_reported(data: bytes, max_pages: int) -> dict[str, Any]:
    """In the child: the parse, or the reason it failed; running out of memory is left to the isolation."""
    try:
        return _parse(data, max_pages)
    except MemoryError:
        raise
    except Exception as exc:  # report, never let a child's traceback escape
        return {"error": ("pdf.corrupt", f"PDF 文件无法解析（{type(exc).__name__}）")}


def parse_pdf(data: bytes, limits: Limits = DEFAULT) -> dict[str, Any]:
    """Pages (text and tables) of a PDF, parsed in a child process within ``limits``."""
    if not data.startswith(b"%PDF"):
        raise PdfError("pdf.corrupt", "不是有效的 PDF 文件")
    try:
        result = isolate.call(_parse_reported, data, limits.pdf_pages, seconds=limits.seconds,
                              memory_mb=limits.memory_mb)
    except isolate.Timeout as exc:
        raise PdfError("pdf.timeout", f"PDF 解析超过 {limits.seconds:g} 秒未完成，已停止") from exc
    except isolate.OutOfMemory as exc:
        raise PdfError("pdf.out-of-memory", f"PDF 解析所需内存超过 {limits.memory_mb} MB 上限，已停止") from exc
    except isolate.Crashed as exc:
        raise PdfError("pdf.crashed", f"PDF 解析进程意外退出（{exc.detail}）") from exc
    if "error" in result:
        code, message = result["error"]
        raise PdfError(code, message)
    return result


def read_pdf(data: bytes, limits: Limits = DEFAULT) -> SourceDocument:
    parsed = parse_pdf(data, limits)
    if not any(p["chars"] for p in parsed["pages"]):
        raise PdfError("pdf.no-text", "该 PDF 没有文字层（可能是扫描件），无法读取内容，请同时报送 Word 文件")
    return paged_document(parsed["pages"], parsed["producer"])


def paged_document(pages: list[dict[str, Any]], producer: str, fmt: str = "pdf") -> SourceDocument:
    """The document of pages as :func:`parse_pdf` gives them (``text``, ``tables``, ``captions``, ``chars``):
    a PDF's, or an OFD's (:mod:`formkit.pdf.positioned` finds the tables of a page given as positions)."""
    tables: list[Table] = []
    for number, page in enumerate(pages, start=1):
        for raw, caption in zip(page["tables"], page.get("captions") or [""] * len(page["tables"]), strict=True):
            rows = _rows(raw)
            if not rows:
                continue
            last = tables[-1] if tables else None
            if last and last.row_pages and last.row_pages[-1] == number - 1 and _continues(last, rows, caption):
                _append(last, rows, number)
            else:
                table = Table(len(tables) + 1, [], caption.strip(), number)
                _append(table, rows, number)
                tables.append(table)
    text = "\n".join(p["text"] for p in pages)
    footers = " ".join(p["text"].strip().splitlines()[-1] for p in pages if p["text"].strip())
    return SourceDocument(fmt, tables, text, footer_text=footers, producer=producer, pages=len(pages))


def _join_lines(text: str | None) -> str | None:
    """Undo the line wrapping of a cell: no space between Chinese characters, one between Latin words."""
    if text is None:
        return None
    lines = [ln.strip() for ln in text.split("\n")]
    out = ""
    for line in lines:
        if out and line and not (_CJK.match(out[-1]) or _CJK.match(line[0])):
            out += " "
        out += line
    return out


def _rows(raw: list[list[str | None]]) -> list[list[str | None]]:
    return [[_join_lines(c) for c in row] for row in raw if row]


def _continues(table: Table, rows: list[list[str | None]], caption: str = "") -> bool:
    """A table at the top of the next page with the same columns continues the last one, unless a numbered
    caption (表6　…) stands above it: then it is a table of its own."""
    return len(rows[0]) == len(table.rows[0]) and not _NUMBERED.match(caption)


def _append(table: Table, rows: list[list[str | None]], page: int) -> None:
    header = [c.text for c in table.rows[0]] if table.rows else None
    for values in rows:
        if header is not None and [v or "" for v in values] == header:
            continue  # the header row repeated on a new page
        r = len(table.rows)
        row: list[Cell] = []
        for c, value in enumerate(values):
            if value is None and row:  # merged with the cell to its left
                row.append(row[-1])
                row[-1].span += 0
            elif value is None and r > 0 and c < len(table.rows[-1]):  # merged with the cell above
                row.append(table.rows[-1][c])
            else:
                row.append(Cell(value or "", r, c))
        table.rows.append(row)
        table.row_pages.append(page)
