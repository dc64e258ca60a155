"""What the quarterly ledgers in the store say: per unit and quarter, per county and in total."""

from __future__ import annotations

from dataclasses import dataclass, field

from formkit.store import Store

FORM = "quarterly-ledger"
AMOUNTS = ("invested_free", "invested_repayable", "brought_free", "brought_repayable", "consumer_bought", "consumer_sold")
COUNTS = ("projects", "cadres_in_post", "trained_officials", "trained_leaders", "trained_technicians")
# the progress measures, from a ledger's per-county columns
MEASURES = {
    "invested": ("投入帮扶资金（万元）", ("invested_free", "invested_repayable")),
    "brought": ("引进帮扶资金（万元）", ("brought_free", "brought_repayable")),
    "projects": ("帮扶项目（个）", ("projects",)),
    "cadres": ("在岗挂职干部（人）", ("cadres_in_post",)),
    "trained": ("培训（人次）", ("trained_officials", "trained_leaders", "trained_technicians")),
    "consumer": ("消费帮扶（万元）", ("consumer_bought", "consumer_sold")),
}


@dataclass
class Ledger:
    unit_id: str
    unit: str
    quarter: int
    counties: dict[str, dict]  # county → the ledger row
    targets: list[dict] = field(default_factory=list)
    submission_id: int | None = None
    errors: int = 0

    def total(self, column: str) -> float:
        return round(sum(float(row.get(column) or 0) for row in self.counties.values()), 2)

    def measure(self, name: str) -> float:
        return round(sum(self.total(c) for c in MEASURES[name][1]), 2)

    @property
    def completion(self) -> float | None:
        """Mean achieved / committed of the responsibility-letter indicators (so far in the year)."""
        rates = [t["achieved"] / t["committed"] for t in self.targets
                 if t.get("committed") and t.get("achieved") is not None]
        return sum(rates) / len(rates) if rates else None


def ledgers(store: Store, year: int) -> dict[tuple[str, int], Ledger]:
    """(unit id, quarter) → the current ledger of that quarter."""
    out = {}
    for (form, rid), sub in store.current(year).items():
        if form != FORM or not sub.get("record"):
            continue
        values = sub["record"].get("values") or {}
        unit_id, _, period = rid.rpartition("-Q")
        quarter = values.get("quarter") or (int(period) if period.isdigit() else None)
        if not quarter:
            continue
        rows = {r.get("county") or "": r for r in values.get("ledger") or [] if r.get("county")}
        out[(unit_id, int(quarter))] = Ledger(unit_id, values.get("unit_name") or sub.get("recipient_name") or unit_id,
                                              int(quarter), rows, list(values.get("targets") or []), sub["id"],
                                              sub.get("errors") or 0)
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
