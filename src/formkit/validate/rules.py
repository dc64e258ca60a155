"""The cross-field rules the regulation implies. Each is a named function of one record (and, for the
roster and cross-document rules, what else is known) returning findings; ``RULES`` lists them in order."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from formkit.config import CycleConfig
from formkit.findings import ERROR, WARNING, Finding, finding
from formkit.forms import load_form, measures
from formkit.forms.model import Form, choice_groups
from formkit.roster.model import Roster
from formkit.validate.paths import location_at, parse_path


@dataclass
class RuleContext:
    form: str
    year: int | None
    values: dict[str, Any]
    raw: dict[str, Any]
    config: CycleConfig
    roster: Roster | None = None
    recipient_id: str | None = None
    definition: Form | None = None  # the form's definition; loaded by its id and the year when not given

    @property
    def defined(self) -> Form:
        return self.definition or load_form(self.form, self.year)

    def label(self, path: str) -> str:
        """The label the form gives the field, or the table's column, at ``path`` (``visits[2].date``)."""
        parts = parse_path(path)
        field = self.defined.field(parts[0])
        return field.column(parts[2]).label if len(parts) > 2 else field.label

    def location(self, path: str) -> dict[str, Any]:
        return location_at(self.raw, path)

    def finding(self, code: str, severity: str, reason: str, path: str, labelled: str | None = None,
                params: dict[str, Any] | None = None, subject: str | None = None) -> Finding:
        """A finding on the value at ``path``, labelled as the form labels it (or as it labels the field
        ``labelled``) and placed where the value was read."""
        return finding(code, severity, reason, self.label(labelled or path), path, self.location(path),
                       params=params, subject=subject)


Rule = Callable[[RuleContext], list[Finding]]
RULES: dict[str, list[tuple[str, Rule]]] = {"self-assessment": [], "county-feedback": [], "review-vote": [],
                                            "quarterly-ledger": []}


def rule(form: str, name: str):
    def register(func: Rule) -> Rule:
        RULES[form].append((name, func))
        return func
    return register


def _counties(ctx: RuleContext) -> list[str]:
    return [r["county"] for r in ctx.values.get("counties") or [] if r.get("county")]


@rule("self-assessment", "rule.county-not-visited")
def county_not_visited(ctx: RuleContext) -> list[Finding]:
    """指标1.1: a unit leader visits every designated county at least once a year."""
    visited = {r.get("county") for r in ctx.values.get("visits") or [] if r.get("date")}
    return [ctx.finding("rule.county-not-visited", WARNING,
                        f"“{c}”本年度没有单位负责同志调研考察的记录（指标1.1要求每县至少一次）", "visits",
                        params={"county": c}, subject=c)
            for c in _counties(ctx) if c not in visited]


@rule("self-assessment", "rule.no-cadre")
def no_cadre(ctx: RuleContext) -> list[Finding]:
    """指标2.1: at least one seconded cadre in every designated county."""
    staffed = {r.get("county") for r in ctx.values.get("cadres") or [] if r.get("name")}
    return [ctx.finding("rule.no-cadre", WARNING, f"“{c}”没有填写挂职帮扶干部（指标2.1要求每县至少一名）", "cadres",
                        params={"county": c}, subject=c)
            for c in _counties(ctx) if c not in staffed]


@rule("self-assessment", "rule.no-first-secretary")
def no_first_secretary(ctx: RuleContext) -> list[Finding]:
    """指标2.1: every unit sends at least one village first secretary."""
    if any(r.get("name") for r in ctx.values.get("first_secretaries") or []):
        return []
    return [ctx.finding("rule.no-first-secretary", WARNING, "没有填写驻村第一书记（指标2.1要求每个单位至少一名）",
                        "first_secretaries")]


@rule("self-assessment", "rule.total-mismatch")
def total_mismatch(ctx: RuleContext) -> list[Finding]:
    """A total equals the sum of its parts: the responsibility letter's achieved figures against the
    figures the form gives elsewhere (a bundle such as 投入和引进 against both its parts, never counted twice)."""
    out = []
    for i, row in enumerate(ctx.values.get("responsibility") or []):
        key = measures.indicator_measure(row.get("indicator"))  # the measure its achieved figure is made of
        achieved = measures.number(row.get("achieved"))
        if key is None or achieved is None or row.get("measure") not in (None, "万元", "人次"):
            continue
        expected = measures.measure(key, ctx.form, ctx.values)
        if expected is None or abs(achieved - expected) < 0.01:
            continue
        out.append(ctx.finding("rule.total-mismatch", WARNING,
                               f"“{row['indicator']}”完成值为 {achieved:g}，但本表其他栏目合计为 {float(expected):g}，请核对",
                               f"responsibility[{i}].achieved", labelled="responsibility"))
    return out


def _year_bounds(ctx: RuleContext) -> tuple[date, date] | None:
    year = ctx.year or ctx.values.get("year")
    ok = isinstance(year, int) and not isinstance(year, bool) and date.min.year < year < date.max.year
    return (date(year, 1, 1), date(year, 12, 31)) if ok else None  # a year out of range has its own finding


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
            out.append(ctx.finding("rule.date-outside-year", WARNING,
                                   f"调研日期 {when:%Y年%-m月%-d日} 不在评价年度 {start.year} 年内",
                                   f"visits[{i}].date", params={"date": when, "year": start.year}))
    return out + _fill_date(ctx, start, end)


def _fill_date(ctx: RuleContext, start: date, end: date) -> list[Finding]:
    when = ctx.values.get("fill_date")
    last = date(end.year + 1, 3, 31)
    if when and not start <= when <= last:
        return [ctx.finding("rule.date-outside-year", WARNING,
                            f"{when:%Y年%-m月%-d日} 不在评价年度 {start.year} 年至次年3月底之间", "fill_date",
                            params={"date": when, "year": start.year})]
    return []


@rule("county-feedback", "rule.date-outside-year")
def county_fill_date(ctx: RuleContext) -> list[Finding]:
    bounds = _year_bounds(ctx)
    return _fill_date(ctx, *bounds) if bounds else []


@rule("self-assessment", "rule.end-before-start")
def end_before_start(ctx: RuleContext) -> list[Finding]:
    out = []
    for i, row in enumerate(ctx.values.get("cadres") or []):
        if row.get("start") and row.get("end") and row["end"] < row["start"]:
            out.append(ctx.finding("rule.end-before-start", ERROR, "挂职结束时间早于开始时间", f"cadres[{i}].end",
                                   params={"start": row["start"], "end": row["end"]}))
    bounds = _year_bounds(ctx)
    for i, row in enumerate(ctx.values.get("first_secretaries") or []):
        if bounds and row.get("start") and row["start"] > bounds[1]:
            out.append(ctx.finding("rule.date-outside-year", WARNING, "任职开始时间晚于评价年度",
                                   f"first_secretaries[{i}].start", params={"date": row["start"], "year": bounds[1].year}))
    return out


def _two_years_from(start: date) -> date:
    """The last day of a two-year term begun on ``start`` (2024-07-01 → 2026-06-30; 02-29 → 02-28)."""
    try:
        anniversary = start.replace(year=start.year + 2)
    except ValueError:  # 29 February
        anniversary = date(start.year + 2, 3, 1)
    return anniversary - timedelta(days=1)


@rule("self-assessment", "rule.term-under-two-years")
def term_under_two_years(ctx: RuleContext) -> list[Finding]:
    """指标2.1: seconded cadres and first secretaries 一般应干满两年. A term that ended (its end date in the
    evaluation year or before) short of two years is a warning; a term still running (no end date, or one
    after the year) is no breach. An end before the start is rule.end-before-start's."""
    bounds = _year_bounds(ctx)
    if bounds is None:
        return []
    out = []
    for table in ("cadres", "first_secretaries"):
        for i, row in enumerate(ctx.values.get(table) or []):
            start, end = row.get("start"), row.get("end")
            if not isinstance(start, date) or not isinstance(end, date) or not start <= end <= bounds[1]:
                continue
            if end < _two_years_from(start):
                name = row.get("name") or ""
                out.append(ctx.finding("rule.term-under-two-years", WARNING,
                                       f"“{name}”任职 {start:%Y年%-m月%-d日} 至 {end:%Y年%-m月%-d日}，不满两年"
                                       "（指标2.1：一般应干满两年；提前轮换的，请说明原因并及时报有关部门备案）",
                                       f"{table}[{i}].end", params={"name": name, "start": start, "end": end},
                                       subject=row.get("county")))
    return out


# a post of the county party committee or government leadership (县委或县政府副职, 副县级): 指标2.1
DEPUTY_POST = re.compile(r"副县长|县委副书记|县委常委|县政府副|县人民政府副|副县级")


def deputy_post(posts: Any) -> bool:
    """The cadre's posts (原任职务及挂任职务) name a county deputy post: the text after 挂任 when it is there
    (the post held at home may be anything), else the whole text."""
    text = "".join(str(posts or "").split())
    return bool(DEPUTY_POST.search(text.rsplit("挂任", 1)[-1]))


@rule("self-assessment", "rule.deputy-not-in-charge")
def deputy_not_in_charge(ctx: RuleContext) -> list[Finding]:
    """指标2.1: a cadre seconded to a deputy post of the county (挂任县委或县政府副职) 分管或协助分管乡村振兴工作.
    Only a 否 is flagged: a blank answer is the required field's own error."""
    out = []
    for i, row in enumerate(ctx.values.get("cadres") or []):
        if row.get("in_charge") is False and deputy_post(row.get("posts")):
            name = row.get("name") or ""
            out.append(ctx.finding("rule.deputy-not-in-charge", WARNING,
                                   f"“{name}”挂任县委或县政府副职，但未分管或协助分管乡村振兴工作（指标2.1）",
                                   f"cadres[{i}].in_charge", params={"name": name, "posts": row.get("posts")},
                                   subject=row.get("county")))
    return out


@rule("quarterly-ledger", "rule.completion-implausible")  # and rule.amount-unit-slip
@rule("self-assessment", "rule.completion-implausible")
def plausibility(ctx: RuleContext) -> list[Finding]:
    """The responsibility letter's figures (the year-end form's, the ledger's so far), with the working
    group's thresholds (``cycle.yaml`` ``plausibility``): ``rule.amount-unit-slip`` where committed and
    achieved of a 万元 indicator are ``slip_factor`` or more times apart (the smaller typed in 亿元, or the
    larger in 元), else ``rule.completion-implausible`` where achieved is above ``completion_above`` ×
    committed. An exceeded target is no finding (150 %), nor a target not met. A year whose working group
    set no thresholds (``years.<YYYY>.plausibility``; the 办法 sets none) is not checked."""
    limits = ctx.config.plausibility
    if limits.completion_above is None and limits.slip_factor is None:
        return []
    table = measures.TARGETS[ctx.form]
    out = []
    for i, row in enumerate(ctx.values.get(table) or []):
        committed, achieved = measures.number(row.get("committed")), measures.number(row.get("achieved"))
        if not committed or not achieved or committed < 0 or achieved < 0:
            continue
        ratio, what = achieved / committed, row.get("indicator") or ""
        slip = limits.slip_factor and row.get("measure") in (None, "万元") and max(ratio, 1 / ratio) >= limits.slip_factor
        if slip:
            small = "achieved" if ratio < 1 else "committed"
            labels = {k: ctx.label(f"{table}[{i}].{k}") for k in ("committed", "achieved")}
            low, high = sorted((achieved, committed))
            other = "committed" if small == "achieved" else "achieved"
            out.append(ctx.finding("rule.amount-unit-slip", WARNING,
                                   f"“{what}”的{labels[small]} {low:g} 万元与{labels[other]} {high:g} 万元相差约"
                                   f" {max(ratio, 1 / ratio):,.0f} 倍，疑似按亿元（或元）填写，请按万元核对",
                                   f"{table}[{i}].{small}", params={"indicator": what, "committed": committed,
                                                                   "achieved": achieved}))
        elif limits.completion_above and ratio > limits.completion_above:
            out.append(ctx.finding("rule.completion-implausible", WARNING,
                                   f"“{what}”完成值 {achieved:g} 为承诺值 {committed:g} 的 {ratio:.0%}，超过"
                                   f" {limits.completion_above:.0%}，请核对数字和计量单位",
                                   f"{table}[{i}].achieved", params={"indicator": what, "committed": committed,
                                                                    "achieved": achieved, "rate": round(ratio, 4)}))
    return out


@rule("self-assessment", "rule.unknown-county")
def unknown_county(ctx: RuleContext) -> list[Finding]:
    """Rows about a county the form does not list as designated."""
    listed = set(_counties(ctx))
    out = []
    for key in ("visits", "cadres", "funds"):
        for i, row in enumerate(ctx.values.get(key) or []):
            county = row.get("county")
            if listed and county and county not in listed:
                out.append(ctx.finding("rule.unknown-county", WARNING, f"“{county}”不在本单位的定点帮扶县名单中",
                                       f"{key}[{i}].county", params={"county": county}, subject=county))
    return out


@rule("self-assessment", "rule.counties-mismatch")
def counties_match_roster(ctx: RuleContext) -> list[Finding]:
    """The designated counties on the form are the roster's (only when a roster is given)."""
    if ctx.roster is None:
        return []
    unit = next((u for u in ctx.roster.units if u.id == ctx.recipient_id or u.name == ctx.values.get("unit_name")), None)
    if unit is None:
        unit_name = ctx.values.get("unit_name")
        return [ctx.finding("rule.unknown-recipient", WARNING, f"单位“{unit_name}”不在名单中", "unit_name",
                            params={"unit": unit_name}, subject=unit_name)]
    expected = {c.name for c in ctx.roster.counties_of(unit)}
    on_form = set(_counties(ctx))
    out = []
    for name in sorted(expected - on_form):
        out.append(ctx.finding("rule.counties-mismatch", ERROR, f"名单中的定点帮扶县“{name}”不在表中", "counties",
                               params={"county": name}, subject=name))
    for name in sorted(on_form - expected):
        out.append(ctx.finding("rule.counties-mismatch", ERROR, f"“{name}”不是名单中该单位的定点帮扶县", "counties",
                               params={"county": name}, subject=name))
    return out


@rule("county-feedback", "rule.counties-mismatch")
def pair_matches_roster(ctx: RuleContext) -> list[Finding]:
    if ctx.roster is None:
        return []
    pairs = {(p.unit.name, p.county.name) for p in ctx.roster.pairs}
    pair = (ctx.values.get("unit_name"), ctx.values.get("county"))
    if pair in pairs:
        return []
    return [ctx.finding("rule.counties-mismatch", ERROR, f"名单中没有“{pair[0]}”帮扶“{pair[1]}”的关系", "unit_name",
                        params={"unit": pair[0], "county": pair[1]}, subject=pair[1])]


@rule("self-assessment", "rule.violation-without-detail")
def violation_detail(ctx: RuleContext) -> list[Finding]:
    if ctx.values.get("violations") and not ctx.values.get("violations_detail"):
        return [ctx.finding("rule.violation-without-detail", ERROR, "填写了存在违纪违规问题，但没有说明具体情况",
                            "violations_detail")]
    return []


@rule("county-feedback", "rule.main-leader-without-visit")
def main_leader_visit(ctx: RuleContext) -> list[Finding]:
    if ctx.values.get("main_leader_visited") and ctx.values.get("visits_received") == 0:
        return [ctx.finding("rule.main-leader-without-visit", ERROR, "填写了主要负责同志到县调研，但调研考察次数为0",
                            "visits_received")]
    return []


@rule("review-vote", "rule.vote-several-grades")
def one_grade_per_unit(ctx: RuleContext) -> list[Finding]:
    """A voting sheet: one grade per unit; a unit with two grades ticked gets no vote from this sheet."""
    ticks = choice_groups(ctx.defined.field("votes"))["grade"]
    out = []
    for i, row in enumerate(ctx.values.get("votes") or []):
        chosen = [c.choice_value for c in ticks if row.get(c.key)]
        if len(chosen) > 1:
            unit = row.get("unit") or row.get("unit_code")  # the label shown is the unit voted on
            out.append(finding("rule.vote-several-grades", ERROR,
                               f"同时勾选了{len(chosen)}个等次（{'、'.join(chosen)}），该单位在本表中的票无效",
                               unit, f"votes[{i}]", ctx.location(f"votes[{i}].{ticks[0].key}"),
                               params={"count": len(chosen), "grades": chosen}, subject=unit))
    return out


def differs_from_suggested(form: Form, values: dict, raw: dict, suggested_json: str | None) -> list[Finding]:
    """rule.differs-from-ledger: a figure the issued form proposed from the ledger, returned changed (a
    warning: the unit may correct the ledger, but the difference should be explained)."""
    proposed_values, proposed_rows, source = _proposals(form, suggested_json)
    out = []
    for key, proposed in proposed_values.items():
        if values.get(key) is not None and not _same(values.get(key), proposed):  # blank/invalid: its own error
            f = form.field(key)
            out.append(finding("rule.differs-from-ledger", WARNING, _differs(values.get(key), proposed, f.unit, source),
                               f.label, key, location_at(raw, key), params=_figures(values.get(key), proposed, source)))
    for key, by_county in proposed_rows.items():
        table = form.field(key)
        for i, row in enumerate(r for r in values.get(key) or [] if isinstance(r, dict)):
            proposed_row = by_county.get(row.get("county") or "", {})
            for col, proposed in proposed_row.items():
                if row.get(col) is not None and not _same(row.get(col), proposed):
                    c, path = table.column(col), f"{key}[{i}].{col}"
                    out.append(finding("rule.differs-from-ledger", WARNING,
                                       f"{row.get('county')}：" + _differs(row.get(col), proposed, c.unit, source),
                                       c.label, path, location_at(raw, path),
                                       params=_figures(row.get(col), proposed, source), subject=row.get("county")))
    return out


def _proposals(form: Form, suggested_json: str | None) -> tuple[dict, dict, str]:
    """What the issued form proposed, as the document's property holds it, kept only where it makes sense:
    figures of the form's own fields and table columns (the property travels with the document, so anything
    else in it is ignored)."""
    if not suggested_json:
        return {}, {}, ""
    try:
        suggested = json.loads(suggested_json)
    except (ValueError, RecursionError):
        return {}, {}, ""
    if not isinstance(suggested, dict):
        return {}, {}, ""
    fields = {f.key: f for f in form.fields}
    given = suggested.get("values") if isinstance(suggested.get("values"), dict) else {}
    values = {k: v for k, v in given.items() if k in fields and not fields[k].is_table and measures.number(v) is not None}
    rows: dict[str, dict[str, dict]] = {}
    tables = suggested.get("rows") if isinstance(suggested.get("rows"), dict) else {}
    for key, by_county in tables.items():
        if key not in fields or not fields[key].is_table or not isinstance(by_county, dict):
            continue
        columns = {c.key for c in fields[key].columns}
        rows[key] = {str(county): {c: v for c, v in row.items() if c in columns and measures.number(v) is not None}
                     for county, row in by_county.items() if isinstance(row, dict)}
    source = suggested.get("source")
    return values, rows, source[:40] if isinstance(source, str) and source else "台账"


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return abs(float(a) - float(b)) < 0.005
    except (TypeError, ValueError):
        return str(a) == str(b)


def _figures(value, proposed, source: str) -> dict[str, Any]:
    return {"value": value, "proposed": proposed, "source": source}


def _differs(value, proposed, unit: str | None, source: str) -> str:
    u = unit or ""
    shown = f"{value:g}{u}" if isinstance(value, int | float) else str(value)
    return f"填报{shown}，与{source}（{proposed:g}{u}）不一致，请核实并说明原因"


def apply_rules(ctx: RuleContext) -> list[Finding]:
    out: list[Finding] = []
    for _name, func in RULES.get(ctx.form, []):
        out.extend(func(ctx))
    return out
