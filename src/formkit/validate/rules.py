"""The cross-field rules the regulation implies. Each is a named function of one record (and, for the
roster and cross-document rules, what else is known) returning findings; ``RULES`` lists them in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from formkit.config import CycleConfig
from formkit.findings import ERROR, WARNING, Finding, finding
from formkit.roster.model import Roster


@dataclass
class RuleContext:
    form: str
    year: int | None
    values: dict[str, Any]
    raw: dict[str, Any]
    config: CycleConfig
    roster: Roster | None = None
    recipient_id: str | None = None

    def location(self, key: str, index: int | None = None, column: str | None = None) -> dict:
        raw = self.raw.get(key)
        if index is not None and isinstance(raw, list) and index < len(raw):
            cell = raw[index].get(column) if column else next(iter(raw[index].values()), None)
            return (cell or {}).get("location", {})
        return raw.get("location", {}) if isinstance(raw, dict) else {}


Rule = Callable[[RuleContext], list[Finding]]
RULES: dict[str, list[tuple[str, Rule]]] = {"self-assessment": [], "county-feedback": [], "review-vote": []}


def rule(form: str, name: str):
    def register(func: Rule) -> Rule:
        RULES[form].append((name, func))
        return func
    return register


def _counties(ctx: RuleContext) -> list[str]:
    return [r["county"] for r in ctx.values.get("counties") or [] if r.get("county")]


def _total(rows, *keys) -> float:
    return sum(float(r.get(k) or 0) for r in rows or [] for k in keys)


@rule("self-assessment", "rule.county-not-visited")
def county_not_visited(ctx: RuleContext) -> list[Finding]:
    """指标1.1: a unit leader visits every designated county at least once a year."""
    visited = {r.get("county") for r in ctx.values.get("visits") or [] if r.get("date")}
    return [finding("rule.county-not-visited", WARNING, f"“{c}”本年度没有单位负责同志调研考察的记录（指标1.1要求每县至少一次）",
                    "单位负责同志到定点帮扶县调研考察情况", "visits", ctx.location("counties"))
            for c in _counties(ctx) if c not in visited]


@rule("self-assessment", "rule.no-cadre")
def no_cadre(ctx: RuleContext) -> list[Finding]:
    """指标2.1: at least one seconded cadre in every designated county."""
    staffed = {r.get("county") for r in ctx.values.get("cadres") or [] if r.get("name")}
    return [finding("rule.no-cadre", WARNING, f"“{c}”没有填写挂职帮扶干部（指标2.1要求每县至少一名）",
                    "挂职帮扶干部情况", "cadres", ctx.location("cadres"))
            for c in _counties(ctx) if c not in staffed]


@rule("self-assessment", "rule.no-first-secretary")
def no_first_secretary(ctx: RuleContext) -> list[Finding]:
    """指标2.1: every unit sends at least one village first secretary."""
    if any(r.get("name") for r in ctx.values.get("first_secretaries") or []):
        return []
    return [finding("rule.no-first-secretary", WARNING, "没有填写驻村第一书记（指标2.1要求每个单位至少一名）",
                    "驻村第一书记情况", "first_secretaries", ctx.location("first_secretaries"))]


# responsibility-letter indicator → how its achieved value is made up of the form's own figures
PARTS = {
    "投入帮扶资金": lambda v: _total(v.get("funds"), "invested_free", "invested_repayable"),
    "引进帮扶资金": lambda v: _total(v.get("funds"), "brought_free", "brought_repayable"),
    "投入和引进帮扶资金": lambda v: _total(v.get("funds"), "invested_free", "invested_repayable", "brought_free",
                                   "brought_repayable"),
    "培训基层干部": lambda v: v.get("trained_officials"),
    "培训专业技术人才": lambda v: v.get("trained_technicians"),
    "购买脱贫地区农产品": lambda v: v.get("consumer_bought"),
    "帮助销售脱贫地区农产品": lambda v: v.get("consumer_sold"),
    "购买和帮助销售脱贫地区农产品": lambda v: (v.get("consumer_bought") or 0) + (v.get("consumer_sold") or 0),
}


@rule("self-assessment", "rule.total-mismatch")
def total_mismatch(ctx: RuleContext) -> list[Finding]:
    """A total equals the sum of its parts: the responsibility letter's achieved figures against the
    figures the form gives elsewhere (a bundle such as 投入和引进 against both its parts, never counted twice)."""
    out = []
    for i, row in enumerate(ctx.values.get("responsibility") or []):
        part = PARTS.get((row.get("indicator") or "").replace(" ", ""))
        achieved = row.get("achieved")
        if part is None or achieved is None or row.get("measure") not in (None, "万元", "人次"):
            continue
        expected = part(ctx.values)
        if expected is None or abs(float(achieved) - float(expected)) < 0.01:
            continue
        out.append(finding("rule.total-mismatch", WARNING,
                           f"“{row['indicator']}”完成值为 {achieved:g}，但本表其他栏目合计为 {float(expected):g}，请核对",
                           "责任书指标完成情况", f"responsibility[{i}].achieved",
                           ctx.location("responsibility", i, "achieved")))
    return out


def _year_bounds(ctx: RuleContext) -> tuple[date, date] | None:
    year = ctx.year or ctx.values.get("year")
    return (date(year, 1, 1), date(year, 12, 31)) if isinstance(year, int) else None


@rule("self-assessment", "rule.date-outside-year")
def visit_dates_in_year(ctx: RuleContext) -> list[Finding]:
    """Visits counted for a year happened in that year; the form was filled in it or early next year."""
    bounds = _year_bounds(ctx)
    if bounds is None:
        return []
    start, end = bounds
    out = []
    for i, row in enumerate(ctx.values.get("visits") or []):
        when = row.get("date")
        if when and not start <= when <= end:
            out.append(finding("rule.date-outside-year", WARNING,
                               f"调研日期 {when:%Y年%-m月%-d日} 不在评价年度 {start.year} 年内",
                               "调研日期", f"visits[{i}].date", ctx.location("visits", i, "date")))
    return out + _fill_date(ctx, start, end, "填报日期")


def _fill_date(ctx: RuleContext, start: date, end: date, label: str) -> list[Finding]:
    when = ctx.values.get("fill_date")
    last = date(end.year + 1, 3, 31)
    if when and not start <= when <= last:
        return [finding("rule.date-outside-year", WARNING, f"{when:%Y年%-m月%-d日} 不在评价年度 {start.year} 年至次年3月底之间",
                        label, "fill_date", ctx.location("fill_date"))]
    return []


@rule("county-feedback", "rule.date-outside-year")
def county_fill_date(ctx: RuleContext) -> list[Finding]:
    bounds = _year_bounds(ctx)
    return _fill_date(ctx, *bounds, "填报日期") if bounds else []


@rule("self-assessment", "rule.end-before-start")
def end_before_start(ctx: RuleContext) -> list[Finding]:
    out = []
    for i, row in enumerate(ctx.values.get("cadres") or []):
        if row.get("start") and row.get("end") and row["end"] < row["start"]:
            out.append(finding("rule.end-before-start", ERROR, "挂职结束时间早于开始时间", "挂职结束时间",
                               f"cadres[{i}].end", ctx.location("cadres", i, "end")))
    bounds = _year_bounds(ctx)
    for i, row in enumerate(ctx.values.get("first_secretaries") or []):
        if bounds and row.get("start") and row["start"] > bounds[1]:
            out.append(finding("rule.date-outside-year", WARNING, "任职开始时间晚于评价年度", "任职开始时间",
                               f"first_secretaries[{i}].start", ctx.location("first_secretaries", i, "start")))
    return out


@rule("self-assessment", "rule.unknown-county")
def unknown_county(ctx: RuleContext) -> list[Finding]:
    """Rows about a county the form does not list as designated."""
    listed = set(_counties(ctx))
    out = []
    for key, label in (("visits", "调研考察县"), ("cadres", "挂职县"), ("funds", "资金投向县")):
        for i, row in enumerate(ctx.values.get(key) or []):
            county = row.get("county")
            if listed and county and county not in listed:
                out.append(finding("rule.unknown-county", WARNING, f"“{county}”不在本单位的定点帮扶县名单中",
                                   label, f"{key}[{i}].county", ctx.location(key, i, "county")))
    return out


@rule("self-assessment", "rule.counties-mismatch")
def counties_match_roster(ctx: RuleContext) -> list[Finding]:
    """The designated counties on the form are the roster's (only when a roster is given)."""
    if ctx.roster is None:
        return []
    unit = next((u for u in ctx.roster.units if u.id == ctx.recipient_id or u.name == ctx.values.get("unit_name")), None)
    if unit is None:
        return [finding("rule.unknown-recipient", WARNING, f"单位“{ctx.values.get('unit_name')}”不在名单中", "单位名称",
                        "unit_name", ctx.location("unit_name"))]
    expected = {c.name for c in ctx.roster.counties_of(unit)}
    on_form = set(_counties(ctx))
    out = []
    for name in sorted(expected - on_form):
        out.append(finding("rule.counties-mismatch", ERROR, f"名单中的定点帮扶县“{name}”不在表中", "定点帮扶县名单",
                           "counties", ctx.location("counties")))
    for name in sorted(on_form - expected):
        out.append(finding("rule.counties-mismatch", ERROR, f"“{name}”不是名单中该单位的定点帮扶县", "定点帮扶县名单",
                           "counties", ctx.location("counties")))
    return out


@rule("county-feedback", "rule.counties-mismatch")
def pair_matches_roster(ctx: RuleContext) -> list[Finding]:
    if ctx.roster is None:
        return []
    pairs = {(p.unit.name, p.county.name) for p in ctx.roster.pairs}
    pair = (ctx.values.get("unit_name"), ctx.values.get("county"))
    if pair in pairs:
        return []
    return [finding("rule.counties-mismatch", ERROR, f"名单中没有“{pair[0]}”帮扶“{pair[1]}”的关系", "被评价中央单位",
                    "unit_name", ctx.location("unit_name"))]


@rule("self-assessment", "rule.violation-without-detail")
def violation_detail(ctx: RuleContext) -> list[Finding]:
    if ctx.values.get("violations") and not ctx.values.get("violations_detail"):
        return [finding("rule.violation-without-detail", ERROR, "填写了存在违纪违规问题，但没有说明具体情况",
                        "违纪违规问题具体情况", "violations_detail", ctx.location("violations_detail"))]
    return []


@rule("county-feedback", "rule.main-leader-without-visit")
def main_leader_visit(ctx: RuleContext) -> list[Finding]:
    if ctx.values.get("main_leader_visited") and ctx.values.get("visits_received") == 0:
        return [finding("rule.main-leader-without-visit", ERROR, "填写了主要负责同志到县调研，但调研考察次数为0",
                        "单位负责同志本年度到县调研考察（次）", "visits_received", ctx.location("visits_received"))]
    return []


@rule("review-vote", "rule.vote-several-grades")
def one_grade_per_unit(ctx: RuleContext) -> list[Finding]:
    """A voting sheet: one grade per unit; a unit with two grades ticked gets no vote from this sheet."""
    from formkit.forms import load_form
    from formkit.forms.model import choice_groups

    table = load_form("review-vote", ctx.year).field("votes")
    ticks = choice_groups(table)["grade"]
    out = []
    for i, row in enumerate(ctx.values.get("votes") or []):
        chosen = [c.choice_value for c in ticks if row.get(c.key)]
        if len(chosen) > 1:
            out.append(finding("rule.vote-several-grades", ERROR,
                               f"同时勾选了{len(chosen)}个等次（{'、'.join(chosen)}），该单位在本表中的票无效",
                               row.get("unit") or row.get("unit_code"), f"votes[{i}]", ctx.location("votes", i, ticks[0].key)))
    return out


def differs_from_suggested(form, values: dict, raw: dict, suggested_json: str | None) -> list[Finding]:
    """rule.differs-from-ledger: a figure the issued form proposed from the ledger, returned changed (a
    warning: the unit may correct the ledger, but the difference should be explained)."""
    import json

    try:
        suggested = json.loads(suggested_json) if suggested_json else {}
    except ValueError:
        return []
    source = suggested.get("source", "台账")
    out = []
    for key, proposed in (suggested.get("values") or {}).items():
        if values.get(key) is not None and not _same(values.get(key), proposed):  # blank/invalid: its own error
            f = form.field(key)
            out.append(finding("rule.differs-from-ledger", WARNING, _differs(values.get(key), proposed, f.unit, source),
                               f.label, key, (raw.get(key) or {}).get("location", {})))
    for key, by_county in (suggested.get("rows") or {}).items():
        table = form.field(key)
        for i, row in enumerate(values.get(key) or []):
            proposed_row = by_county.get(row.get("county") or "", {})
            for col, proposed in proposed_row.items():
                if row.get(col) is not None and not _same(row.get(col), proposed):
                    c = table.column(col)
                    cell = ((raw.get(key) or [{}] * (i + 1))[i] if i < len(raw.get(key) or []) else {}).get(col) or {}
                    out.append(finding("rule.differs-from-ledger", WARNING,
                                       f"{row.get('county')}：" + _differs(row.get(col), proposed, c.unit, source),
                                       c.label, f"{key}[{i}].{col}", cell.get("location", {})))
    return out


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return abs(float(a) - float(b)) < 0.005
    except (TypeError, ValueError):
        return str(a) == str(b)


def _differs(value, proposed, unit: str | None, source: str) -> str:
    u = unit or ""
    shown = f"{value:g}{u}" if isinstance(value, int | float) else str(value)
    return f"填报{shown}，与{source}（{proposed:g}{u}）不一致，请核实并说明原因"


def apply_rules(ctx: RuleContext) -> list[Finding]:
    out: list[Finding] = []
    for _name, func in RULES.get(ctx.form, []):
        out.extend(func(ctx))
    return out


def compare_funds(unit_values: dict, county_values: dict, config: CycleConfig,
                  county_raw: dict | None = None) -> list[Finding]:
    """rule.funds-differ: what the county confirms as arrived against what the unit claims for it."""
    county = county_values.get("county")
    rows = [r for r in unit_values.get("funds") or [] if r.get("county") == county]  # a county may be listed twice
    if not rows:
        return []
    out = []
    for key, parts, label in (
        ("funds_invested_arrived", ("invested_free", "invested_repayable"), "投入帮扶资金实际到位（万元）"),
        ("funds_brought_arrived", ("brought_free", "brought_repayable"), "引进帮扶资金实际到位（万元）"),
    ):
        confirmed = county_values.get(key)
        claimed = _total(rows, *parts)
        if confirmed is None:
            continue
        diff = abs(float(confirmed) - claimed)
        if diff > config.funds_tolerance_wan_yuan and diff > config.funds_tolerance_share * max(claimed, float(confirmed)):
            location = ((county_raw or {}).get(key) or {}).get("location", {})
            out.append(finding("rule.funds-differ", WARNING,
                               f"县确认到位 {float(confirmed):g} 万元，单位自评表填报 {claimed:g} 万元，相差 {diff:g} 万元",
                               label, key, location))
    return out
