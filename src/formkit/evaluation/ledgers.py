"""What the quarterly ledgers in the store say: per unit and quarter, its figures (``forms.measures``), and
what the year-end self-assessment proposes from the latest of them."""

from __future__ import annotations

from dataclasses import dataclass

from formkit.forms import measures as m
from formkit.store import Store, Submission

FORM = m.LEDGER_FORM
PROGRESS = ("invested", "brought", "projects", "cadres", "trained", "consumer")  # what the progress table shows


@dataclass
class Ledger:
    unit_id: str
    unit: str
    quarter: int
    submission: Submission

    @property
    def values(self) -> dict:
        return self.submission.values

    @property
    def counties(self) -> dict[str, dict]:
        """County → the ledger's row for it."""
        return {r["county"]: r for r in self.submission.record.rows("ledger") if r.get("county")}

    def measure(self, key: str) -> float:
        return m.measure(key, FORM, self.values) or 0.0

    def total(self, column: str) -> float:
        """A ledger column summed over the counties."""
        return round(sum(m.number(r.get(column)) or 0.0 for r in self.counties.values()), 2)

    @property
    def completion(self) -> m.Completion:
        return m.completion(FORM, self.values)

    @property
    def figures(self) -> dict[str, float]:
        return m.figures(FORM, self.values)


def ledgers(store: Store, year: int) -> dict[tuple[str, int], Ledger]:
    """(unit id, quarter) → the current ledger of that quarter."""
    out = {}
    for (form, _rid), sub in store.current(year).items():
        quarter = sub.recipient.quarter  # the quarter formkit issued it for (never the document's own claim)
        if form != FORM or sub.record is None or not quarter or not sub.recipient.unit_id:
            continue
        name = sub.values.get("unit_name") or sub.recipient.unit or sub.recipient.unit_id
        out[(sub.recipient.unit_id, int(quarter))] = Ledger(sub.recipient.unit_id, name, int(quarter), sub)
    return out


def latest(store: Store, year: int, up_to: int = 4) -> dict[str, Ledger]:
    """unit id → its latest ledger of quarter ``up_to`` or before."""
    out: dict[str, Ledger] = {}
    for (unit_id, quarter), ledger in sorted(ledgers(store, year).items(), key=lambda kv: kv[0][1]):
        if quarter <= up_to:
            out[unit_id] = ledger
    return out


def suggestions(store: Store, year: int, form, up_to: int = 4) -> dict[str, dict]:
    """unit id → the values ``form`` proposes from the unit's latest ledger: a column marked ``suggest:
    ledger`` of a per-county table takes the ledger row's column of the same key; a single field takes
    the sum over the counties (``{"values", "rows", "source"}``)."""
    out = {}
    for unit_id, ledger in latest(store, year, up_to).items():
        values = {f.key: ledger.total(f.key) for f in form.fields if f.suggest and not f.is_table}
        rows = {}
        for f in form.fields:
            cols = [c.key for c in f.columns if c.suggest]
            if f.is_table and f.rows_from == "counties" and cols:
                rows[f.key] = {county: {c: row.get(c) for c in cols if row.get(c) is not None}
                               for county, row in ledger.counties.items()}
        out[unit_id] = {"values": values, "rows": rows, "source": f"{year}年第{ledger.quarter}季度台账"}
    return out
