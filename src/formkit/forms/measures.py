"""Every derived figure, declared once: how each is made from a form's values, on the year-end
self-assessment and on the quarterly ledger, and which source each output takes it from. The dossier, the
progress workbook and notice, the rules and the review all compute figures here and nowhere else.

The 办法 names the measures (投入和引进帮扶资金, 培训, 消费帮扶, 选派干部 …) but not how a unit's
responsibility-letter completion is computed, nor how a unit that has not reported counts in a total: those
are the working group's choices, marked :data:`WORKING_GROUP` where they are made."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

UNIT_FORM, LEDGER_FORM = "self-assessment", "quarterly-ledger"
WORKING_GROUP = "工作组口径（《办法》未作规定）"

# Which source each output takes its figures from. The dossier shows the year-end form and, beside it, the
# latest ledger, and flags a figure on which they differ (``differences``).
OUTPUT_SOURCE = {"dossier": UNIT_FORM, "review": UNIT_FORM, "progress": LEDGER_FORM,
                 "progress-notice": LEDGER_FORM}


@dataclass(frozen=True)
class Sum:
    """The sum of ``keys`` over the rows of ``table`` (``None``: single fields of the form)."""
    table: str | None
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Count:
    """The number of rows of ``table`` whose ``column`` is filled."""
    table: str
    column: str


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str
    sources: Mapping[str, Sum | Count]  # form id → how the measure is made on that form

    @property
    def title(self) -> str:
        """``投入帮扶资金（万元）``: the label as a column heading."""
        return f"{self.label}（{self.unit}）"


INVESTED, BROUGHT = ("invested_free", "invested_repayable"), ("brought_free", "brought_repayable")
TRAINED = ("trained_officials", "trained_leaders", "trained_technicians")


def _both(keys: tuple[str, ...]) -> dict[str, Sum]:
    """A measure summed from the same keys: single fields or the funds table of the year-end form, the
    per-county ledger table of the quarterly ledger."""
    table = "funds" if set(keys) <= {*INVESTED, *BROUGHT} else None
    return {UNIT_FORM: Sum(table, keys), LEDGER_FORM: Sum("ledger", keys)}


MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("invested", "投入帮扶资金", "万元", _both(INVESTED)),
    Measure("brought", "引进帮扶资金", "万元", _both(BROUGHT)),
    Measure("funds", "投入和引进帮扶资金", "万元", _both((*INVESTED, *BROUGHT))),
    Measure("trained", "培训", "人次", _both(TRAINED)),
    Measure("trained_officials", "培训基层干部", "人次", _both(("trained_officials",))),
    Measure("trained_technicians", "培训专业技术人才", "人次", _both(("trained_technicians",))),
    Measure("bought", "购买脱贫地区农产品", "万元", _both(("consumer_bought",))),
    Measure("sold", "帮助销售脱贫地区农产品", "万元", _both(("consumer_sold",))),
    Measure("consumer", "消费帮扶", "万元", _both(("consumer_bought", "consumer_sold"))),
    Measure("cadres", "挂职帮扶干部", "人", {UNIT_FORM: Count("cadres", "name"),
                                         LEDGER_FORM: Sum("ledger", ("cadres_in_post",))}),
    Measure("secretaries", "驻村第一书记", "人", {UNIT_FORM: Count("first_secretaries", "name")}),
    Measure("visits", "单位负责同志调研考察", "次", {UNIT_FORM: Count("visits", "date")}),
    Measure("projects", "帮扶项目", "个", {LEDGER_FORM: Sum("ledger", ("projects",))}),
    # the year-end form's own counts of 3.2.1 (the dossier's summary totals them over a category)
    Measure("industry_projects", "引进帮扶项目", "个", {UNIT_FORM: Sum(None, ("industry_projects",))}),
    Measure("jobs", "助力脱贫人口稳岗就业", "人", {UNIT_FORM: Sum(None, ("jobs_supported",))}),
)}

# responsibility-letter indicator (as the forms list it) → the measure its achieved figure is made of
INDICATORS = {"投入帮扶资金": "invested", "引进帮扶资金": "brought", "投入和引进帮扶资金": "funds",
              "培训基层干部": "trained_officials", "培训专业技术人才": "trained_technicians",
              "购买脱贫地区农产品": "bought", "帮助销售脱贫地区农产品": "sold",
              "购买和帮助销售脱贫地区农产品": "consumer"}
# the table of responsibility-letter indicators (indicator, committed, achieved) on each form
TARGETS = {UNIT_FORM: "responsibility", LEDGER_FORM: "targets"}


def number(value: Any) -> float | None:
    """A figure as read (None for blank, text or a boolean)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _rows(values: Mapping[str, Any], table: str) -> list[dict]:
    rows = values.get(table)
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def measure(key: str, form: str, values: Mapping[str, Any]) -> float | None:
    """The measure ``key`` of one form's values; None when the form does not have it."""
    source = MEASURES[key].sources.get(form)
    if source is None:
        return None
    if isinstance(source, Count):
        return float(sum(1 for r in _rows(values, source.table) if r.get(source.column)))
    rows = _rows(values, source.table) if source.table else [values]
    return round(sum(number(r.get(k)) or 0.0 for r in rows for k in source.keys), 2)


def by_county(key: str, form: str, values: Mapping[str, Any]) -> dict[str, float]:
    """A summed measure per county (the rows of a per-county table); empty for single fields."""
    source = MEASURES[key].sources.get(form)
    if not isinstance(source, Sum) or source.table is None:
        return {}
    out: dict[str, float] = {}
    for row in _rows(values, source.table):
        if row.get("county"):
            out[row["county"]] = round(out.get(row["county"], 0.0) + sum(number(row.get(k)) or 0.0
                                                                         for k in source.keys), 2)
    return out


def figures(form: str, values: Mapping[str, Any]) -> dict[str, float]:
    """Every measure ``form`` has, from its values."""
    return {key: measure(key, form, values) for key, m in MEASURES.items() if form in m.sources}


@dataclass(frozen=True)
class Completion:
    """How far a unit is with its responsibility letter (定点帮扶责任书).

    Working group's choice (:data:`WORKING_GROUP`): an indicator's rate is achieved / committed (an
    indicator with no committed figure, or no achieved one yet, is not counted); the unit's rate is the mean
    of its indicators' rates, each capped at 100 % so that exceeding one indicator cannot make up for
    falling short on another; ``met`` of ``counted`` indicators have reached what was committed."""
    rate: float | None
    met: int
    counted: int
    rates: tuple[tuple[str, float], ...]  # (indicator, uncapped rate)

    @property
    def shown(self) -> str:
        """``96.5%（4/6项完成）``, or ``—`` when nothing can be counted."""
        if self.rate is None:
            return "—"
        return f"{self.rate * 100:.1f}%（{self.met}/{self.counted}项完成）"


def row_rate(row: Mapping[str, Any]) -> float | None:
    """One responsibility-letter indicator's rate, achieved ÷ committed; None when it cannot be counted (no
    committed figure, or no achieved one yet)."""
    committed, achieved = number(row.get("committed")), number(row.get("achieved"))
    return achieved / committed if committed and committed > 0 and achieved is not None else None


def completion(form: str, values: Mapping[str, Any]) -> Completion:
    rates = []
    for row in _rows(values, TARGETS.get(form, "")):
        rate = row_rate(row)
        if rate is not None:
            rates.append((str(row.get("indicator") or ""), rate))
    if not rates:
        return Completion(None, 0, 0, ())
    return Completion(sum(min(r, 1.0) for _i, r in rates) / len(rates), sum(r >= 1.0 for _i, r in rates),
                      len(rates), tuple(rates))


def key_share(values: Mapping[str, Any]) -> float | None:
    """The share of a unit's invested and brought-in funds that went to its key counties (重点帮扶县), from
    the year-end form; None when it has no key county or no funds."""
    key = {r.get("county") for r in _rows(values, "counties") if r.get("key_county")}
    counties = by_county("funds", UNIT_FORM, values)
    total = sum(counties.values())
    if not key or not total:
        return None
    return sum(v for c, v in counties.items() if c in key) / total


def indicator_measure(indicator: str | None) -> str | None:
    """The measure a responsibility-letter indicator's achieved figure is made of (spaces ignored)."""
    return INDICATORS.get((indicator or "").replace(" ", ""))


def totals(figures_of: Iterable[Mapping[str, float | None]]) -> dict[str, float]:
    """Measure → the sum over several units' figures (a unit without a figure adds nothing)."""
    out: dict[str, float] = {}
    for figs in figures_of:
        for key, value in figs.items():
            out[key] = round(out.get(key, 0.0) + (value or 0.0), 2)
    return out


def carried(by_period: Mapping[int, Any], period: int) -> tuple[int, Any] | None:
    """(period, what it holds) that counts for ``period``: its own, or for a unit that has not returned
    it, its latest earlier one, shown as carried forward, so that a late ledger never looks like a drop and a
    unit's row and its category's total agree. Working group's choice (:data:`WORKING_GROUP`)."""
    for p in range(period, 0, -1):
        if p in by_period:
            return p, by_period[p]
    return None
