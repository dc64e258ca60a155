"""A plain main part read in one streaming pass (``_bodyscan.c``, with Python's own expat): its tables with
their captions, and whether it holds tracked insertions, without building its tree. A returned form is most
often plain; the pass leaves anything else to lxml and the tree's walk (``grid.py``), which give the same
tables (tests/test_bodyscan.py), and it is not used when the module was not built."""

from __future__ import annotations

import re

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

# What the pass reads: UTF-8 (a byte-order mark, then no declaration or one of XML 1.x that declares UTF-8 or no
# encoding), the bytes opening with markup. Anything else (UTF-16, another encoding, another version) lxml reads.
_UTF8 = re.compile(rb"""(?:\xef\xbb\xbf)?(?:<\?xml\s+version\s*=\s*(["'])1\.[0-9]{1,9}\1"""
                   rb"""(?:\s+encoding\s*=\s*(["'])[Uu][Tt][Ff]-8\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\3)?"""
                   rb"""\s*\?>|<(?!\x00|\?xml[\s?]))""")


def streamable(data: bytes) -> bool:
    """Whether the pass is to read a main part of these bytes: bounded, transitional, UTF-8."""
    return len(data) <= STREAM_BYTES and b"purl.oclc.org/ooxml" not in data[:2048] and _UTF8.match(data) is not None


def scan(data: bytes, limits: Limits) -> tuple[list, bool] | None:
    """What the pass reads of a main part of these bytes (``([(rows, caption), ...], tracked)``), or None when
    lxml is to parse it."""
    if _scan is None or not streamable(data):
        return None
    return _scan(data, limits.grid_columns, limits.grid_cells, Cell)


def streamed_tables(package: Package, main: str, data: bytes, hidden: Hiding,
                    limits: Limits) -> tuple[list[Table], bool] | None:
    """The tables of main part ``main`` (whose bytes are ``data``) and whether it holds tracked insertions, when
    the streaming pass reads it; None when lxml is to parse it (``hidden``: what the styles hide; a part with a
    DOCTYPE is refused here as the parser refuses it)."""
    if _scan is None or hidden.active or not streamable(data):
        return None
    refuse_dtd(data, main)
    found = scan(data, limits)
    if found is None:
        return None
    package.found_plain(main)
    grids, tracked = found
    return [Table(number, rows, caption) for number, (rows, caption) in enumerate(grids, 1)], tracked
