"""Rules across two documents: what a county's feedback confirms against what its unit's self-assessment
claims for it (the 办法's data source for every indicator is "本单位提供，牵头部门核实"; the county's form is
the other side of the same facts). They run when both documents are known, whichever arrived second:

- ``rule.funds-differ``: funds the county confirms as arrived against the unit's claim (指标3.1), beyond the
  configured tolerance;
- ``rule.cadres-differ`` / ``rule.secretaries-differ``: the cadres and first secretaries the county counts on
  post against the unit's lists for that county (指标2.1);
- ``rule.visits-differ``: the leaders' visits the county confirms against the unit's visits table (指标1.1).

Each finding is the county form's (its field, where it was read), about the county (``subject``);
:func:`unit_row` says where it belongs on the unit's form."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from formkit.config import CycleConfig
from formkit.findings import WARNING, Finding, finding
from formkit.forms import load_form
from formkit.forms.measures import UNIT_FORM, by_county, number
from formkit.validate.paths import location_at

# county-feedback field → the measure (forms.measures) of the unit's funds for that county that it confirms
ARRIVED = {"funds_invested_arrived": "invested", "funds_brought_arrived": "brought"}
# county-feedback field → (the unit's table of those people, its code, what they are called)
ON_POST = {"cadres_present": ("cadres", "rule.cadres-differ", "挂职帮扶干部"),
           "first_secretaries_present": ("first_secretaries", "rule.secretaries-differ", "驻村第一书记")}
# each cross-document code → the unit's table it is about (where the unit's copy of the finding is placed)
UNIT_TABLES = {"rule.funds-differ": "funds", "rule.visits-differ": "visits",
               **{code: table for table, code, _what in ON_POST.values()}}


def funds_differ(unit_values: dict, county_values: dict, config: CycleConfig,
                 county_raw: dict | None = None) -> list[Finding]:
    """rule.funds-differ: the funds the county confirms as arrived against what the unit claims for it, beyond
    the year's tolerance (an amount and a share: the working group's, ``funds_tolerance``; none: any difference)."""
    county = county_values.get("county")
    if not any(r.get("county") == county for r in unit_values.get("funds") or [] if isinstance(r, dict)):
        return []
    form = _county_form(county_values)
    out = []
    for key, measure in ARRIVED.items():
        confirmed = number(county_values.get(key))
        if confirmed is None:  # blank, or not a figure (its own finding says so)
            continue
        # a county listed twice in the funds table: both rows
        claimed = by_county(measure, UNIT_FORM, unit_values).get(county, 0.0)
        diff = round(abs(confirmed - claimed), 4)  # to 1 元: a sum's float noise is no difference
        if diff > config.funds_tolerance_wan_yuan and diff > config.funds_tolerance_share * max(claimed, confirmed):
            out.append(finding("rule.funds-differ", WARNING,
                               f"县确认到位 {confirmed:g} 万元，单位自评表填报 {claimed:g} 万元，相差 {diff:g} 万元",
                               form.field(key).label, key, location_at(county_raw or {}, key),
                               params={"confirmed": round(confirmed, 4), "claimed": round(claimed, 4),
                                       "diff": round(diff, 4)}, subject=county))
    return out


def people_differ(unit_values: dict, county_values: dict, config: CycleConfig,
                  county_raw: dict | None = None) -> list[Finding]:
    """rule.cadres-differ, rule.secretaries-differ: the number the county confirms on post is at least the
    unit's people for that county still on post when the county filled its form (no end date, or a later one)
    and at most all it lists for that county in the year; outside that range the two disagree."""
    county = county_values.get("county")
    on = _reference(county_values, config)
    if not county or on is None:
        return []
    form, out = _county_form(county_values), []
    for key, (table, code, what) in ON_POST.items():
        present = county_values.get(key)
        if not isinstance(present, int) or isinstance(present, bool):
            continue
        listed = _listed(unit_values, table, county)
        on_post = [r for r in listed if _on_post(r, on)]
        if len(on_post) <= present <= len(listed):
            continue
        out.append(finding(code, WARNING,
                           f"县确认实际在岗{what} {present} 人，单位自评表列出在该县的{what} {len(listed)} 人"
                           f"（县填表时在岗 {len(on_post)} 人）",
                           form.field(key).label, key, location_at(county_raw or {}, key),
                           params={"confirmed": present, "listed": len(listed), "on_post": len(on_post)},
                           subject=county))
    return out


def visits_differ(unit_values: dict, county_values: dict, config: CycleConfig,
                  county_raw: dict | None = None) -> list[Finding]:
    """rule.visits-differ: the visits the county confirms for the year against the unit's visits to it in the
    year, and whether the main leader came (the tie-break of 指标说明1)."""
    county, year = county_values.get("county"), _year(county_values, config)
    if not county or year is None:
        return []
    visits = _visits(unit_values, county, year)
    form, out = _county_form(county_values), []
    received = county_values.get("visits_received")
    if isinstance(received, int) and not isinstance(received, bool) and received != len(visits):
        out.append(finding("rule.visits-differ", WARNING,
                           f"县确认本年度单位负责同志到县调研考察 {received} 次，单位自评表填报 {len(visits)} 次",
                           form.field("visits_received").label, "visits_received",
                           location_at(county_raw or {}, "visits_received"),
                           params={"confirmed": received, "claimed": len(visits)}, subject=county))
    main, claimed = county_values.get("main_leader_visited"), any(r.get("main_leader") is True for r in visits)
    if isinstance(main, bool) and main != claimed:
        said, unit_said = ("到县调研考察" if main else "没有到县调研考察"), ("填报了" if claimed else "没有填报")
        out.append(finding("rule.visits-differ", WARNING,
                           f"县确认单位主要负责同志本年度{said}，单位自评表{unit_said}主要负责同志的调研",
                           form.field("main_leader_visited").label, "main_leader_visited",
                           location_at(county_raw or {}, "main_leader_visited"),
                           params={"confirmed": main, "claimed": claimed}, subject=county))
    return out


CrossRule = Callable[[dict, dict, CycleConfig, dict | None], list[Finding]]
CROSS_RULES: tuple[CrossRule, ...] = (funds_differ, people_differ, visits_differ)


def cross_findings(unit_values: dict, county_values: dict, config: CycleConfig,
                   county_raw: dict | None = None) -> list[Finding]:
    """Every rule across a unit's self-assessment and its county's feedback (``county_values["county"]``:
    the county formkit issued the feedback for), as the county's form shows them."""
    return [f for rule in CROSS_RULES for f in rule(unit_values, county_values, config, county_raw)]


def unit_row(unit_values: dict, code: str, county: str) -> tuple[str, int | None]:
    """Where a cross-document finding about ``county`` belongs on the unit's form: (table, the index of the
    county's first row there, or None)."""
    table = UNIT_TABLES.get(code, "funds")
    exact = code == "rule.funds-differ"  # the funds rows are the issued ones, named exactly
    index = next((i for i, r in enumerate(_rows(unit_values, table))
                  if (r.get("county") == county if exact else same_county(r.get("county"), county))), None)
    return table, index


def confirming(unit_values: dict, county: str, config: CycleConfig) -> dict[str, Any]:
    """What a county that agrees with its unit's self-assessment confirms (the values of its own form that no
    rule above flags): for simulated returns (formkit demo, tests)."""
    on, year = _reference({}, config), _year({}, config)
    visits = _visits(unit_values, county, year) if year else []
    return {**{key: by_county(measure, UNIT_FORM, unit_values).get(county, 0.0) for key, measure in ARRIVED.items()},
            **{key: sum(1 for r in _listed(unit_values, table, county) if on and _on_post(r, on))
               for key, (table, _code, _what) in ON_POST.items()},
            "visits_received": len(visits), "main_leader_visited": any(r.get("main_leader") is True for r in visits)}


def same_county(written: Any, county: str) -> bool:
    """A county as the unit typed it in a row it added (太行, 河北省太行县) is the county ``county``."""
    text = "".join(str(written or "").split())
    return bool(text) and (text == county or (len(text) >= 2 and (text in county or county in text)))


def _listed(unit_values: dict, table: str, county: str) -> list[dict]:
    """The people of ``table`` (cadres, first secretaries) the unit lists in ``county``."""
    return [r for r in _rows(unit_values, table) if r.get("name") and same_county(r.get("county"), county)]


def _visits(unit_values: dict, county: str, year: int) -> list[dict]:
    """The unit's visits to ``county`` dated in ``year``."""
    return [r for r in _rows(unit_values, "visits") if same_county(r.get("county"), county)
            and (_day(r.get("date")) or date.min).year == year]


def _on_post(row: dict, on: date) -> bool:
    start, end = _day(row.get("start")), _day(row.get("end"))
    return (start is None or start <= on) and (end is None or end >= on)


def _reference(county_values: dict, config: CycleConfig) -> date | None:
    """The day the county counted who was on post: its fill date when it lies in the year or early the next,
    else the last day of the year."""
    year = _year(county_values, config)
    if year is None:
        return None
    filled = _day(county_values.get("fill_date"))
    return filled if filled and date(year, 1, 1) <= filled <= date(year + 1, 3, 31) else date(year, 12, 31)


def _year(values: dict, config: CycleConfig) -> int | None:
    year = values.get("year") if isinstance(values.get("year"), int) else config.year
    return year if isinstance(year, int) and not isinstance(year, bool) and date.min.year < year < date.max.year else None


def _day(value: Any) -> date | None:
    """A date as read (a date) or as stored (ISO text)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _rows(values: dict, table: str) -> list[dict]:
    rows = values.get(table)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def _county_form(county_values: dict):
    year = county_values.get("year")
    return load_form("county-feedback", year if isinstance(year, int) and not isinstance(year, bool) else None)
