"""What was issued goes into the store, and only then is the manifest (re)written with the audit head: the
head a manifest carries is that of a log that already records what the manifest lists."""

from __future__ import annotations

from pathlib import Path

from formkit.issue.batch import Issued, issued_rows, write_manifest
from formkit.store import Store


def record_issued(store: Store, results: list[Issued], year: int, manifest: str | Path) -> int:
    """Record in ``store`` the documents of ``results`` that were issued (one ``issued`` audit event), then
    write ``manifest`` (every row of ``results``, failures included) stamped with the audit head after that
    event. Every command and the demo issue through this. Returns the number of documents recorded."""
    count = store.record_issued(issued_rows(results, year))
    write_manifest(Path(manifest), results, store.manifest_stamp())
    return count
