"""A sealed copy (a scan) against its recipient's Word file: the Word file holds the data, the scan is the
evidence, and every value the two give differently is a finding (``scan.differs``) with both values and the
scan's page. A value the scan could not read for sure (left empty, with its own ``scan.uncertain`` finding)
is no difference: it was not read. Texts are compared without their spacing and line breaks (a scan cannot
tell where Word broke a paragraph from where a line wrapped)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from formkit.findings import ERROR, Finding, finding
from formkit.forms import load_form
from formkit.forms.model import Field
from formkit.read.normalise import quote

_SPACE = re.compile(r"\s+")


def differences(form_id: str, year: int | None, word: dict[str, Any], scan: dict[str, Any],
                scan_raw: dict[str, Any]) -> list[Finding]:
    """A finding for each value the Word file (``word``: its values) and the scan (``scan``, ``scan_raw``)
    give differently."""
    form = load_form(form_id, year)
    out = []
    for f, path, ours, theirs, raw in _pairs(form.fields, word, scan, scan_raw):
        if theirs is None or _same(ours, theirs):
            continue
        page = (raw or {}).get("page") or ((raw or {}).get("location") or {}).get("page")
        shown_word, shown_scan = _shown(ours), _shown(theirs)
        out.append(finding("scan.differs", ERROR,
                           f"盖章件（扫描件）与 Word 文件不一致：Word 文件为“{quote(shown_word, 40)}”，"
                           f"盖章件第 {page or '?'} 页为“{quote(shown_scan, 40)}”", f.label, path,
                           (raw or {}).get("location") or {}, (raw or {}).get("text"),
                           params={"word": shown_word, "scan": shown_scan, "page": page}))
    return out


def _pairs(fields: tuple[Field, ...], word: dict, scan: dict, raw: dict) -> Iterator[tuple]:
    for f in fields:
        if not f.is_table:
            yield f, f.key, word.get(f.key), scan.get(f.key), raw.get(f.key)
            continue
        ours, theirs = word.get(f.key) or [], scan.get(f.key) or []
        places = raw.get(f.key) or []
        for i in range(max(len(ours), len(theirs))):
            row_ours = ours[i] if i < len(ours) else {}
            row_theirs = theirs[i] if i < len(theirs) else {}
            row_raw = places[i] if i < len(places) and isinstance(places[i], dict) else {}
            for c in f.columns:
                if i >= len(theirs) and row_ours.get(c.key) in (None, ""):
                    continue
                value = row_theirs.get(c.key) if i < len(theirs) else ""  # a row the scan does not have
                yield c, f"{f.key}[{i}].{c.key}", row_ours.get(c.key), value, row_raw.get(c.key)


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, str) or isinstance(theirs, str):
        return _SPACE.sub("", str(ours or "")) == _SPACE.sub("", str(theirs or ""))
    if isinstance(ours, float) or isinstance(theirs, float):
        return ours is not None and theirs is not None and abs(float(ours) - float(theirs)) < 1e-9
    return ours == theirs


def _shown(value: Any) -> str:
    if value is None:
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{value:g}"
    return str(value)
