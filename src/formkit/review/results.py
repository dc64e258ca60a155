"""The figures of the review documents, from the grades in force in the store: the 请示 (the proposal table
with each unit's 核实 by its lead department, the units with 违纪违规 whatever their grade, the counties with
规模性返贫, who voted in the 分类评价 and who confirmed each category's result, the rules applied and where
each comes from; a score only where the working group scored, shown as its aid), and — once the leading
group's 审定 is recorded — the 通报 listing units by grade and the copy for 中央组织部."""

from __future__ import annotations

from datetime import date
from typing import Any

from formkit.evaluation.verification import shown, verifications
from formkit.forms.cycle import Cycle
from formkit.gongwen.model import chinese_date
from formkit.review.approval import approval, rated_act, ready
from formkit.review.category import category_states
from formkit.review.delegates import delegates
from formkit.review.reasons import NOTED, reason_of, veto_text
from formkit.review.rules import applied
from formkit.store import Store


def results_context(store: Store, cycle: Cycle) -> dict[str, Any]:
    """The 请示's figures: the grades in force, refused (coded) while they cannot go to the leading group."""
    year, config = cycle.year, cycle.config
    rows = ready(store, cycle)
    order = {c.name: i for i, c in enumerate(config.categories)}
    rows.sort(key=lambda r: (order.get(r["category"], 99), r["rank"]))
    by_grade = []
    for grade in config.grades:
        units = [r for r in rows if r["grade"] == grade]
        by_category = [{"category": c.name, "units": [r["unit"] for r in units if r["category"] == c.name]}
                       for c in config.categories]
        by_grade.append({"grade": grade, "count": len(units), "units": [r["unit"] for r in units],
                         "by_category": [c for c in by_category if c["units"]]})
    scored = any(r["score"] for r in rows)
    verified = verifications(store, year)
    table = [{"n": n, "unit": r["unit"], "category": r["category"],
              "score": f"{(r['score'] or {}).get('total', 0):.2f}" if r["score"] else "—",
              "proposed": r["proposed"] or "—", "grade": r["grade"], "note": _note(r),
              "verified": shown(verified.get(r["recipient_id"])).replace("|", "／")}
             for n, r in enumerate(rows, start=1)]
    rated = rated_act(store, year)
    rules = rated["value"]["rules"] if rated else [r.as_dict() for r in applied(cycle)]
    return {"units_total": len(rows), "by_grade": by_grade, "table": table, "scored": scored,
            "overridden": sum(1 for r in rows if r["override_reason"] and r["proposed"]), "leading_group": config.leading_group,
            "rules": [{k: str(v).replace("|", "／") for k, v in r.items()} for r in rules],
            "tie_break": any(r["key"] == "tie_break" for r in rules), **_vetoes(rows),
            "verification": _verification(rows, verified), "by_delegates": bool(delegates(store, cycle)),
            "confirmed_by": list(dict.fromkeys(s.lead for s in category_states(store, cycle) if s.confirmed))}


def approved_context(store: Store, cycle: Cycle) -> dict[str, Any]:
    """The 通报's figures: those of the 请示, only once the 审定 is recorded and no grade changed since."""
    context = results_context(store, cycle)
    act = approval(store, cycle)
    return {**context, "approved_by": act["value"]["by"],
            "approved_date": chinese_date(date.fromisoformat(act["value"]["date"]))}


def _verification(rows: list[dict], verified: dict) -> dict[str, Any]:
    """The lead departments' 核实 in sum: how many units confirmed, the questioned ones with their notes, how
    many not verified (each unit's line is in the table)."""
    held = [verified.get(r["recipient_id"]) for r in rows]
    questioned = [{"unit": r["unit"], "by": v.by, "note": v.note} for r, v in zip(rows, held, strict=True)
                  if v is not None and v.result == "questioned"]
    return {"confirmed": sum(1 for v in held if v is not None and v.result == "confirmed"),
            "questioned": questioned, "unverified": sum(1 for v in held if v is None)}


def _vetoes(rows: list[dict]) -> dict[str, Any]:
    """What the leading group is told whatever the grades: every unit with 违纪违规 declared or found (the bar
    held or lifted), every county with 规模性返贫 and the units it bars, every other major problem."""
    violations, counties, major = [], {}, []
    for r in rows:
        reasons = [reason_of(x) for x in r["reasons"] or []]
        vetoes = [v for x in reasons if x.kind == "veto" for v in x.params["vetoes"]]
        found = [veto_text(v) for v in vetoes if v["rule"] == "violation"]
        found += [x.text for x in reasons if x.kind == "resolved" and x.params["rule"] == "violation"
                  and not x.params["barred"]]
        if found:
            violations.append({"unit": r["unit"], "grade": r["grade"], "how": "；".join(found)})
        for v in vetoes:
            if v["rule"] == "return_to_poverty":
                for county in v["counties"]:
                    counties.setdefault(county, {"county": county, "units": [], "unresolved": False})
                    counties[county]["units"].append(r["unit"])
                    counties[county]["unresolved"] |= county in (v.get("unresolved") or [])
            elif v["rule"] == "major_problem":
                major.append({"unit": r["unit"], "grade": r["grade"], "how": veto_text(v)})
    return {"violations": violations, "poverty": list(counties.values()), "major": major}


def _note(row: dict) -> str:
    """What the leading group should know about one proposal, shortly: vetoes, share limit, override."""
    notes = [r.text for r in map(reason_of, row["reasons"] or []) if r.kind in NOTED]
    if row["override_reason"]:
        notes.append(f"工作组调整：{row['proposed']}→{row['grade']}（{row['override_reason']}）" if row["proposed"]
                     else f"工作组综合评议确定（{row['override_reason']}）")
    return "；".join(notes).replace("|", "／")
