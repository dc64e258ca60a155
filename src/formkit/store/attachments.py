"""Attachments in the store (``attachments``): what a unit sends beside its forms that nobody reads as a form —
its written 自评总结 (kind :data:`SELF_REPORT`). Part of :class:`formkit.store.Store`.

Each is kept like every original: stored once by sha256 in the originals folder, durable before its row
commits, the row append-only and audited (``attached``, with the digest of the row as stored; ``verify``
compares them). A new file of the same unit, year and kind supersedes the one before (both stay); the same
bytes again are a duplicate (``attached-again``). An attachment is filed under the unit formkit issued to that
year (the caller checks that: :mod:`formkit.intake.attach`), never under a submission's row, so it stays
with the unit whichever version of its form counts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select

from formkit.store import schema
from formkit.store.audit import attachment_digest
from formkit.store.safe import fit

SELF_REPORT = "self-report"  # the unit's written 自评总结 (Word or PDF)
ATTACHED, AGAIN = "attached", "attached-again"  # their audit events


@dataclass(frozen=True)
class Attachment:
    id: int
    year: int
    unit_id: str
    kind: str
    sha256: str
    file_name: str
    size: int
    format: str
    received_at: datetime
    supersedes: int | None = None
    actor: str | None = None
    current: bool = True  # no later one of its unit, year and kind


def described(report: Attachment, day: str) -> str:
    """``自评总结.pdf，1.2 MB，2026-12-01，sha256 3fa2b1c09d4e…``: an attachment as status and the dossier list
    it (``day``: the day it arrived, as the caller dates it)."""
    size = f"{report.size / (1 << 20):.1f} MB" if report.size >= 1 << 20 else f"{max(1, round(report.size / 1024))} KB"
    return f"{report.file_name.replace(chr(92), '/').rsplit('/', 1)[-1]}，{size}，{day}，sha256 {report.sha256[:12]}…"


def attachment(row: Any, current: bool = True) -> Attachment:
    r = row._mapping if hasattr(row, "_mapping") else row
    return Attachment(r["id"], r["year"], r["unit_id"], r["kind"], r["sha256"], r["file_name"], r["size"],
                      r["format"], r["received_at"], r["supersedes"], r["actor"], current)


class AttachmentStore:
    """The attachment methods of the store (they use its ``_write``, ``_audit``, ``reading`` and ``objects``)."""

    def attach(self, year: int, unit_id: str, kind: str, data: bytes, file_name: str, fmt: str,
               sha: str | None = None, actor: str | None = None) -> tuple[Attachment, bool]:
        """Keep ``data`` as the unit's attachment of ``kind`` for ``year`` (the module's docstring), in one
        writing transaction; its original is durable before the row commits. The attachment, and whether
        these bytes were attached to it before (a duplicate: nothing new but its audit event)."""
        t = schema.attachments
        sha = sha or hashlib.sha256(data).hexdigest()
        now = datetime.now(timezone.utc)
        staged = [False]  # whether this call put a temporary original beside its name
        with self.objects.in_use(), self._write() as conn:
            try:
                found = conn.execute(select(t).where(t.c.year == year, t.c.unit_id == unit_id, t.c.kind == kind,
                                                     t.c.sha256 == sha)).first()
                if found is not None:
                    self._audit(conn, AGAIN, None, sha, {"attachment": found.id, "file": file_name}, now)
                    self._keep_original(data, sha, staged)  # put back if it went missing
                    return attachment(found), True
                previous = conn.execute(select(func.max(t.c.id)).where(
                    t.c.year == year, t.c.unit_id == unit_id, t.c.kind == kind)).scalar()
                row, _clipped = fit(t, {"year": year, "unit_id": unit_id, "kind": kind, "sha256": sha,
                                        "file_name": file_name, "size": len(data), "format": fmt,
                                        "received_at": now, "supersedes": previous, "actor": actor})
                new_id = conn.execute(t.insert().values(**row)).inserted_primary_key[0]
                stored = conn.execute(select(t).where(t.c.id == new_id)).one()
                self._audit(conn, ATTACHED, None, sha, {
                    "attachment": new_id, "year": year, "unit_id": unit_id, "kind": kind, "file": row["file_name"],
                    "supersedes": previous, "digest": attachment_digest(stored._mapping)}, now)
                self._keep_original(data, sha, staged)
                return attachment(stored), False
            except BaseException:  # rolled back: no temporary original of this call left behind
                if staged[0]:
                    self.objects.discard([sha])
                raise

    def _keep_original(self, data: bytes, sha: str, staged: list[bool]) -> None:
        """The original durable under its name (written now unless it is there), before the commit."""
        staged[0] = self.objects.stage(data, sha)
        self.objects.settle([sha])

    def attachments(self, year: int, unit_id: str | None = None, kind: str | None = SELF_REPORT,
                    history: bool = False) -> list[Attachment]:
        """The attachments of ``year`` (of one unit, of one ``kind``; None: every kind), oldest first; unless
        ``history``, only the current one of each unit and kind."""
        t = schema.attachments
        query = select(t).where(t.c.year == year)
        if unit_id is not None:
            query = query.where(t.c.unit_id == unit_id)
        if kind is not None:
            query = query.where(t.c.kind == kind)
        with self.reading() as conn:
            rows = conn.execute(query.order_by(t.c.id)).all()
        latest = {(r.unit_id, r.kind): r.id for r in rows}
        return [attachment(r, latest[(r.unit_id, r.kind)] == r.id) for r in rows
                if history or latest[(r.unit_id, r.kind)] == r.id]

    def attachment_rows(self) -> list[dict]:
        """Every attachment row as stored (for ``verify``)."""
        t = schema.attachments
        with self.reading() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t).order_by(t.c.id))]
