"""The figures of the review documents (请示 with the proposal table, 通报 listing units by grade, the
copy for 中央组织部), from the grades in force in the store."""

from __future__ import annotations

from typing import Any

from formkit.forms.cycle import Cycle
from formkit.review.reasons import NOTED, reason_of
from formkit.store import Store
from formkit.store.store import StoreError


def results_context(store: Store, cycle: Cycle) -> dict[str, Any]:
    year, config = cycle.year, cycle.config
    rows = store.grades(year)
    if not rows:
        raise StoreError("review.not-rated", f"{year}年度还没有综合评定结果，请先运行 formkit review rate")
    order = {c.name: i for i, c in enumerate(config.categories)}
    rows.sort(key=lambda r: (order.get(r["category"], 99), r["rank"]))
    by_grade = []
    for grade in config.grades:
        units = [r for r in rows if r["grade"] == grade]
        by_category = [{"category": c.name, "units": [r["unit"] for r in units if r["category"] == c.name]}
                       for c in config.categories]
        by_grade.append({"grade": grade, "count": len(units), "units": [r["unit"] for r in units],
                         "by_category": [c for c in by_category if c["units"]]})
    table = [{"n": n, "unit": r["unit"], "category": r["category"], "score": f"{(r['score'] or {}).get('total', 0):.2f}",
              "proposed": r["proposed"], "grade": r["grade"], "note": _note(r)} for n, r in enumerate(rows, start=1)]
    return {"units_total": len(rows), "by_grade": by_grade, "table": table,
            "overridden": sum(1 for r in rows if r["override_reason"]), "leading_group": config.leading_group}


def _note(row: dict) -> str:
    """What the leading group should know about one proposal, shortly: vetoes, share limit, override."""
    notes = [r.text for r in map(reason_of, row["reasons"] or []) if r.kind in NOTED]
    if row["override_reason"]:
        notes.append(f"工作组调整：{row['proposed']}→{row['grade']}（{row['override_reason']}）")
    return "；".join(notes).replace("|", "／")
