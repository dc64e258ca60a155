"""What the review dossier shows, gathered from the store: each unit's key figures, its counties' feedback,
and the flags reviewers must see."""

from __future__ import annotations

from dataclasses import dataclass, field

from formkit.config import load_config
from formkit.intake.status import status
from formkit.store import Store
from formkit.validate.rules import compare_funds

FLAG_RULES = {
    "rule.county-not-visited": "有定点帮扶县本年度未见单位负责同志调研考察",
    "rule.no-cadre": "有定点帮扶县未选派挂职帮扶干部",
    "rule.no-first-secretary": "未选派驻村第一书记",
}


@dataclass
class UnitFigures:
    visits: int = 0
    main_leader_visit: bool = False
    cadres: int = 0
    secretaries: int = 0
    invested: float = 0.0
    brought: float = 0.0
    key_share: float | None = None  # share of funds going to key counties
    trained: int = 0
    consumer: float = 0.0
    completion: float | None = None  # average achieved / committed of the responsibility letter


@dataclass
class UnitEntry:
    unit: str
    recipient_id: str
    category: str
    lead: str
    submission: dict | None
    figures: UnitFigures
    counties: list[dict] = field(default_factory=list)  # county name, grade, comment, submission
    flags: list[str] = field(default_factory=list)


@dataclass
class Dossier:
    year: int
    categories: list[tuple[str, str, list[UnitEntry]]]  # (category, lead, units)
    sources: list[dict]  # every submission the dossier draws on


def figures(values: dict) -> UnitFigures:
    f = UnitFigures()
    f.visits = sum(1 for v in values.get("visits") or [] if v.get("date"))
    f.main_leader_visit = any(v.get("main_leader") for v in values.get("visits") or [] if v.get("date"))
    f.cadres = sum(1 for c in values.get("cadres") or [] if c.get("name"))
    f.secretaries = sum(1 for c in values.get("first_secretaries") or [] if c.get("name"))
    key = {c.get("county") for c in values.get("counties") or [] if c.get("key_county")}
    key_total = 0.0
    for row in values.get("funds") or []:
        invested = (row.get("invested_free") or 0) + (row.get("invested_repayable") or 0)
        brought = (row.get("brought_free") or 0) + (row.get("brought_repayable") or 0)
        f.invested += invested
        f.brought += brought
        if row.get("county") in key:
            key_total += invested + brought
    total = f.invested + f.brought
    f.key_share = key_total / total if total and key else None
    f.trained = sum(values.get(k) or 0 for k in ("trained_officials", "trained_leaders", "trained_technicians"))
    f.consumer = (values.get("consumer_bought") or 0) + (values.get("consumer_sold") or 0)
    rates = [r["achieved"] / r["committed"] for r in values.get("responsibility") or []
             if r.get("committed") and r.get("achieved") is not None]
    f.completion = sum(rates) / len(rates) if rates else None
    return f


def collect(store: Store, year: int, category: str | None = None) -> Dossier:
    config = load_config(year)
    report = status(store, year)
    current = store.current(year)
    issued = {(r["form"], r["recipient_id"]): r for r in store.issued(year)}
    by_unit: dict[str, list[dict]] = {}
    for (form, _rid), item in issued.items():
        if form == "county-feedback":
            by_unit.setdefault(item["unit"], []).append(item)
    states = {(r.form, r.recipient_id): r.state for r in report.rows}
    entries: dict[str, list[UnitEntry]] = {}
    sources = []
    for (form, rid), item in sorted(issued.items(), key=lambda kv: kv[0][1]):
        if form != "self-assessment":
            continue
        sub = current.get((form, rid))
        values = (sub or {}).get("record", {}) or {}
        values = values.get("values") or {}
        cat = values.get("category") or next((c.name for c in config.categories if c.lead == item["lead_department"]), "")
        if category and cat != category:
            continue
        entry = UnitEntry(item["unit"], rid, cat, item["lead_department"] or "", sub, figures(values))
        if sub:
            sources.append(sub)
            for finding in (sub["record"] or {}).get("findings", []):
                if finding["code"] in FLAG_RULES and FLAG_RULES[finding["code"]] not in entry.flags:
                    entry.flags.append(FLAG_RULES[finding["code"]])
            if values.get("violations"):
                entry.flags.append("自评申报存在违纪违规问题（不得评为“好”）")
        state = states.get((form, rid))
        if state == "missing":
            entry.flags.append("自评表未报送")
        elif state == "with-errors":
            entry.flags.append(f"自评表有 {sub['errors']} 处错误待修改")
        for pair in sorted(by_unit.get(item["unit"], []), key=lambda p: p["recipient_id"]):
            csub = current.get(("county-feedback", pair["recipient_id"]))
            cvalues = ((csub or {}).get("record") or {}).get("values") or {}
            entry.counties.append({"county": pair["county"], "grade": cvalues.get("grade_overall"),
                                   "comment": cvalues.get("comment_overall"), "submission": csub})
            if csub is None:
                entry.flags.append(f"{pair['county']}地方评价表未报送")
                continue
            sources.append(csub)
            if cvalues.get("return_to_poverty"):
                entry.flags.append(f"{pair['county']}出现规模性返贫（不得评为“好”）")
            for finding in compare_funds(values, cvalues, config):
                entry.flags.append(f"{pair['county']}{finding.message}")
        entries.setdefault(cat, []).append(entry)
    order = [(c.name, c.lead) for c in config.categories if c.name in entries]
    return Dossier(year, [(name, lead, entries[name]) for name, lead in order],
                   sorted({s["id"]: s for s in sources}.values(), key=lambda s: s["id"]))
