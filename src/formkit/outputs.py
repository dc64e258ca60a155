"""Every file formkit writes goes through here: one way to write, one way to put people's text into a
spreadsheet or a CSV file, one way to name a file after a recipient.

- Written atomically: a temporary file in the target's folder, fsync, then ``os.replace`` — a reader sees the
  old file or the whole new one, never a part; a failure leaves no partial file at the target.
- Readable like every other output: mode ``0o666 & ~umask`` (0644 under the usual umask 022), where
  ``mkstemp`` alone would give 0600.
- Text a user typed (a unit named ``=1+1``, ``=HYPERLINK(...)``) goes into a spreadsheet as a typed string
  cell, never as a formula, so it reads back unchanged; CSV cells that a spreadsheet would take for a formula
  (a leading ``= + - @``, tab or carriage return) get a leading single quote, the way OWASP recommends for
  "CSV injection".
- Text is made safe for XML (control characters and lone surrogates dropped) and capped where it is shown.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from formkit.errors import FormkitError

# XML 1.0 forbids these; lxml (python-docx, openpyxl) refuses them. Lone surrogates come from file names
# decoded with ``surrogateescape``.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what makes a spreadsheet read a CSV cell as a formula
CELL_CHARS = 32_767  # Excel's limit for one cell
NAME_BYTES = 240  # a file name, in UTF-8 bytes (file systems allow 255)
OMITTED = "（以下从略，全文见原件）"
_umask_lock = threading.Lock()


class OutputError(FormkitError):
    """An output file could not be written."""


def current_umask() -> int:
    """The process's umask, read without changing it where Linux says it (``/proc/self/status``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, rename), mode
    ``0o666 & ~umask``. Any failure is an :class:`OutputError` and leaves the target as it was."""
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~current_umask())
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise OutputError("output.write-failed", f"无法写入文件（{exc.strerror or exc.__class__.__name__}），"
                          "请检查输出位置是否存在、可写、空间是否充足", {"file": str(path)}) from exc
    except BaseException:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes(path, text.encode(encoding))


def save(document: Any, path: str | Path, transform=None) -> Path:
    """Save a python-docx ``Document`` or an openpyxl ``Workbook`` (anything with ``save(file)``)
    atomically; ``transform`` may rewrite the bytes first (e.g. a fixed zip layout)."""
    buf = io.BytesIO()
    document.save(buf)
    data = buf.getvalue()
    return write_bytes(path, transform(data) if transform else data)


def clean_text(text: str, limit: int | None = None, note: str = OMITTED) -> str:
    """``text`` without what XML cannot hold; longer than ``limit`` characters, cut there and ``note``
    appended (what a single answer may print in a document)."""
    text = _NOT_XML.sub("", text)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - len(note))] + note
    return text


def cell_text(value: str) -> str:
    return clean_text(value, CELL_CHARS, "…")


def text_cell(ws, row: int, column: int, value: Any):
    """Put ``value`` at (``row``, ``column``); a string becomes a typed string cell, never a formula, whatever
    it starts with (openpyxl writes it inline; :func:`formkit.ooxml.spreadsheet.save_workbook` moves it into the
    shared strings)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = cell_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    return cell


def append_row(ws, values: Iterable[Any]) -> None:
    """``ws.append(values)`` with every string a typed string cell (see :func:`text_cell`)."""
    from openpyxl.cell.cell import Cell  # openpyxl is heavy: loaded by the writers of a workbook only

    row = []
    for value in values:
        if isinstance(value, str):
            cell = Cell(ws, value=cell_text(value))
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    ws.append(row)


def csv_cell(value: Any) -> str:
    """A CSV cell that no spreadsheet runs: a leading ``= + - @``, tab or CR gets a single quote before it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(CSV_TRIGGERS) else text


def write_csv(path: str | Path, header: Iterable[Any], rows: Iterable[Iterable[Any]],
              encoding: str = "utf-8-sig") -> Path:
    """A CSV file (UTF-8 with BOM by default, as Excel in China expects), every cell neutralised."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow([csv_cell(v) for v in header])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return write_text(path, buf.getvalue(), encoding)


def safe_name(parts: Iterable[str], suffix: str, max_bytes: int = NAME_BYTES) -> str:
    """A file name from ``parts`` joined by ``_``: characters no file system takes replaced, and, when the
    name is longer than ``max_bytes`` in UTF-8, the longest part shortened until it fits (the first part,
    an id, and the last, what the file is, are kept whole as long as others can give way)."""
    pieces = [_UNSAFE_NAME.sub("_", clean_text(p)) for p in parts]
    pieces[0] = pieces[0].lstrip(".") or "_"  # never a hidden file
    budget = max_bytes - len(suffix.encode()) - (len(pieces) - 1)
    size = [len(p.encode()) for p in pieces]
    while sum(size) > budget and any(size):
        middle = range(1, len(pieces) - 1) if len(pieces) > 2 and any(size[1:-1]) else range(len(pieces))
        i = max(middle, key=lambda k: size[k])
        pieces[i] = pieces[i][:-1]
        size[i] = len(pieces[i].encode())
    return "_".join(pieces) + suffix
