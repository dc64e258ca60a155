"""The review's grades in the store (综合评议): the proposed grade of each unit and the grade in force, which
the secretariat may override with a reason; every change is also in the audit log. Part of
:class:`formkit.store.Store`."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select

from formkit.errors import FormkitError
from formkit.store import schema
from formkit.store.safe import fit


class GradeStore:
    """The grade methods of the store (they use its ``_write``, ``_audit`` and ``engine``)."""

    def save_grades(self, year: int, rows: list[dict], inputs: dict | None = None) -> None:
        """Store the proposed grades of ``year``; a grade the secretariat overrode stays in force (its
        proposal is updated beside it). One audit event records the rating and what it was computed from."""
        now = datetime.now(timezone.utc)
        t = schema.grades
        with self._write() as conn:
            old = {r.recipient_id: r for r in conn.execute(select(t).where(t.c.year == year))}
            for row in rows:
                before = old.get(row["recipient_id"])
                kept = before is not None and before.override_reason is not None
                values, _clipped = fit(t, {**row, "year": year, "updated_at": now,
                                           "grade": before.grade if kept else row["proposed"],
                                           "override_reason": before.override_reason if kept else None})
                if before is None:
                    conn.execute(t.insert().values(**values))
                else:
                    conn.execute(t.update().where(t.c.id == before.id).values(**values))
            self._audit(conn, "rated", None, None, {"year": year, "units": len(rows), **(inputs or {}),
                                                    "proposed": {r["recipient_id"]: r["proposed"] for r in rows}}, now)

    def override_grade(self, year: int, recipient_id: str, grade: str, reason: str) -> dict:
        """Set the grade in force, with the reason; the audit log keeps the proposal and both grades."""
        t = schema.grades
        now = datetime.now(timezone.utc)
        with self._write() as conn:
            row = conn.execute(select(t).where(t.c.year == year, t.c.recipient_id == recipient_id)).first()
            if row is None:
                raise FormkitError("review.not-rated", f"{year}年度没有单位“{recipient_id}”的评定结果，请先运行 review rate")
            conn.execute(t.update().where(t.c.id == row.id).values(grade=grade, override_reason=reason,
                                                                    updated_at=now))
            self._audit(conn, "grade-overridden", None, None,
                        {"year": year, "recipient_id": recipient_id, "unit": row.unit, "proposed": row.proposed,
                         "before": row.grade, "after": grade, "reason": reason}, now)
            return {**dict(row._mapping), "grade": grade, "override_reason": reason}

    def grades(self, year: int) -> list[dict]:
        t = schema.grades
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t).where(t.c.year == year).order_by(t.c.id))]

