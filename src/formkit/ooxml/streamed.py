"""A plain main part read in one streaming pass (``_bodyscan.c``, with Python's own expat): its tables with
their captions, and whether it holds tracked insertions, without building its tree. A returned form is most
often plain; the pass leaves anything else to lxml and the tree's walk (``grid.py``), which give the same
tables (tests/test_bodyscan.py), and it is not used when the module was not built."""

from __future__ import annotations

from formkit.document import Cell, Table
from formkit.limits import Limits
from formkit.ooxml.hidden import Hiding
from formkit.ooxml.ns import NS
from formkit.ooxml.package import Package
from formkit.ooxml.xml import refuse_dtd

SCAN_ABI = 1  # what _bodyscan.c says it is (its arguments and results): a module built from other source is not used
STREAM_BYTES = 8 << 20  # a larger main part (forms have well under 1 MB) is parsed by lxml, within its own limits


def _c_scan():
    """The streaming scan (built by hatch_build.py when a compiler was there) when it is the one this code calls
    and reads a small part right in this process; else None."""
    try:
        from formkit.ooxml import _bodyscan
    except ImportError:
        return None
    if getattr(_bodyscan, "ABI", None) != SCAN_ABI:
        return None
    probe = (f'<w:document xmlns:w="{NS["w"]}"><w:body><w:p><w:r><w:t>表1</w:t></w:r></w:p><w:tbl><w:tr><w:tc>'
             '<w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t></w:r></w:p></w:tc>'
             '</w:tr></w:tbl></w:body></w:document>').encode()
    cell = Cell("甲\t乙", 0, 0, 2)
    try:
        read = _bodyscan.scan(probe, 10, 10, Cell)
    except Exception:  # noqa: BLE001 - anything wrong with the module: lxml reads
        return None
    return _bodyscan.scan if read == ([([[cell, cell]], "表1")], False) else None


_scan = _c_scan()


def streamed_tables(package: Package, main: str, data: bytes, hidden: Hiding,
                    limits: Limits) -> tuple[list[Table], bool] | None:
    """The tables of main part ``main`` (whose bytes are ``data``) and whether it holds tracked insertions, when
    the streaming pass reads it; None when lxml is to parse it (``hidden``: what the styles hide; a part with a
    DOCTYPE is refused here as the parser refuses it)."""
    if _scan is None or hidden.active or len(data) > STREAM_BYTES or b"purl.oclc.org/ooxml" in data[:2048]:
        return None
    refuse_dtd(data, main)
    found = _scan(data, limits.grid_columns, limits.grid_cells, Cell)
    if found is None:
        return None
    package.found_plain(main)
    grids, tracked = found
    return [Table(number, rows, caption) for number, (rows, caption) in enumerate(grids, 1)], tracked
