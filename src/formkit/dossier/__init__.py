"""The consolidated review dossier, built from stored records (not by merging files): the same store gives
the same .docx byte for byte, with a sha256 manifest beside it."""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path

from formkit.convert import convert
from formkit.dossier.compose import compose, title
from formkit.evaluation.units import Evaluation, evaluate
from formkit.forms.cycle import Cycle
from formkit.issue.templates import normalise_zip
from formkit.ooxml.paragraphs import Spool
from formkit.ooxml.props import finish_document
from formkit.outputs import save, write_text
from formkit.store import Store
from formkit.store.audit import HEAD_LINE

MANIFEST = "manifest-sha256.txt"
# how long LibreOffice may take to render one dossier (the working group's choice: a national dossier of
# several thousand pages takes minutes on a small machine; a notice's 180 s would cut it off)
RENDER_SECONDS = 1800


def build_dossier(store: Store, cycle: Cycle, out: str | Path, category: str | None = None,
                  pdf: bool = False, when: date | None = None) -> tuple[Path, Evaluation]:
    """The dossier as .docx (and, with ``pdf``, as PDF with bookmarks and a table of contents whose page
    numbers LibreOffice fills in as it renders: one conversion); ``when``: the date on its cover (default:
    the day of the latest material it holds)."""
    dossier = evaluate(store, cycle, category)
    out = Path(out)
    _save(dossier, cycle, out, when)
    if pdf:
        convert(out, out.parent, timeout=RENDER_SECONDS)
    write_manifest(out.parent, store.audit_head())
    return out, dossier


def build_per_category(store: Store, cycle: Cycle, folder: str | Path, pdf: bool = False,
                       workers: int | None = None, when: date | None = None) -> list[tuple[Path, Evaluation]]:
    """One dossier per category (what each lead department's review group reads) in ``folder``; with
    ``pdf``, the categories are rendered in parallel, one LibreOffice process (and profile) each."""
    folder = Path(folder)
    year = cycle.year
    whole = evaluate(store, cycle)  # once; each category's part of it
    built = []
    for name, lead, units in whole.categories:
        ids = {s.id for u in units for s in [u.submission, *(c.submission for c in u.counties)] if s}
        part = Evaluation(year, [(name, lead, units)], [s for s in whole.sources if s.id in ids])
        path = folder / f"{year}年度考核评价材料汇编（{name}）.docx"
        _save(part, cycle, path, when)
        built.append((path, part))
    if pdf:
        with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 2) as pool:
            list(pool.map(lambda item: convert(item[0], folder, timeout=RENDER_SECONDS), built))
    write_manifest(folder, store.audit_head())
    return built


def _save(dossier: Evaluation, cycle: Cycle, out: Path, when: date | None) -> None:
    # compiled by the coordinating body, as of the latest material it holds: the same store, the same bytes
    spool = Spool()
    doc = compose(dossier, cycle, when=when, spool=spool)
    as_of = max((s.received_at for s in dossier.sources), default=datetime(cycle.year, 12, 31, tzinfo=timezone.utc))
    finish_document(doc, cycle.config.coordinator, title(cycle.year), as_of)
    save(doc, out, lambda data: normalise_zip(spool.splice(data)))


def write_manifest(folder: Path, audit_head: str | None = None) -> Path:
    """``sha256sum -c``-able lines for every file in ``folder``, and the store's audit head as a comment
    line (``formkit verify --manifest`` checks it against the audit log; sha256sum skips it)."""
    lines = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}"
             for p in sorted(folder.iterdir()) if p.is_file() and p.name != MANIFEST and not p.name.startswith(".")]
    if audit_head:
        lines.append(HEAD_LINE + audit_head)
    return write_text(folder / MANIFEST, "\n".join(lines) + "\n")
