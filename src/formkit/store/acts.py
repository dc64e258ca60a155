"""Acts of the review's parties in the store (``review_acts``): append-only, the latest act of a
(year, kind, subject) in force, each one also an audit event. Part of :class:`formkit.store.Store`.

What the kinds mean belongs to the layers above (``review``); the store only keeps them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from formkit.store import schema
from formkit.store.safe import clean, fit


class ActStore:
    """The act methods of the store (they use its ``_write``, ``_audit`` and ``engine``)."""

    def record_act(self, year: int, kind: str, subject: str, value: Any, actor: str,
                   reason: str | None = None) -> dict:
        """Append an act and its audit event (``act:<kind>``) in one transaction; return the stored row."""
        t = schema.acts
        now = datetime.now(timezone.utc)
        row, _clipped = fit(t, {"year": year, "kind": kind, "subject": subject, "value": clean(value).value,
                                "reason": reason, "actor": actor, "at": now})
        with self._write() as conn:
            row["id"] = conn.execute(t.insert().values(**row)).inserted_primary_key[0]
            self._audit(conn, f"act:{kind}", None, None,
                        {k: row[k] for k in ("id", "year", "kind", "subject", "value", "reason", "actor")}, now)
        return row

    def acts(self, year: int, kind: str | None = None, subject: str | None = None,
             history: bool = False) -> list[dict]:
        """The acts of ``year`` (of one ``kind``, about one ``subject``), oldest first; unless ``history``,
        only the one in force for each (kind, subject): the latest."""
        t = schema.acts
        query = select(t).where(t.c.year == year)
        if kind is not None:
            query = query.where(t.c.kind == kind)
        if subject is not None:
            query = query.where(t.c.subject == subject)
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query.order_by(t.c.id))]
        if history:
            return rows
        latest = {(r["kind"], r["subject"]): r for r in rows}
        return sorted(latest.values(), key=lambda r: r["id"])
