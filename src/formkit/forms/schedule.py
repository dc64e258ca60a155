"""The year's schedule: when each step of the cycle is due (``cycle.yaml`` ``deadlines:``, each marked as
the 办法's clause or the working group's choice), worked out for a periodic form's period and said the same
way on the forms, in ``formkit status``, the 催报名单 and the notices; and the 过渡期 the 办法 was written
for (``transition:``), reported once when a year outside it is issued."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from formkit.config import REGULATION, UNSET, CycleConfig
from formkit.findings import WARNING, Finding, finding
from formkit.forms.loader import form_ids, load_form
from formkit.forms.model import PERIOD_WORDS, PERIODS

COMBINED_REVIEW = "combined-review"  # 综合评议: a step without a form (the others are keyed by form id)
# the 办法's clause at the head of a source: 办法 四（二）, 办法 三、组织实施
CLAUSE = re.compile(rf"{REGULATION} ?[一二三四五六七八九十]+(?:（[一二三四五六七八九十]+）|、[^“（\s]+)?")


def period_end(year: int, period: str | None) -> date | None:
    """The last day of a period of ``year`` (``Q2`` → 6月30日, ``H2`` → 12月31日); None for no period or an
    id of another shape."""
    counts = dict(PERIODS.values())  # id letter → periods a year
    if not period or period[0] not in counts or not period[1:].isdigit():
        return None
    n, count = int(period[1:]), counts[period[0]]
    if not 1 <= n <= count:
        return None
    month = 12 // count * n
    return date(year, month, calendar.monthrange(year, month)[1])


def due(config: CycleConfig, step: str, year: int, period: str | None = None) -> date | None:
    """The date ``step`` (a form id, or :data:`COMBINED_REVIEW`) is due for the evaluation year ``year``, a
    periodic form's for its ``period`` (``Q2``, ``H1``); None when the configuration sets none."""
    return config.deadline(step, year, period_end(year, period))


def chinese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def basis(source: str, dated: bool = True) -> str:
    """A source as a short mark: ``办法 四（二）`` (the clause, without the words quoted) or ``工作组``; for a
    step not ``dated``, ``办法 四（一）未定日期``."""
    clause = CLAUSE.match(source) if source.startswith(REGULATION) else None
    mark = clause.group(0) if clause else source.split("（")[0].split("“")[0].strip()
    return mark if dated else f"{mark}未定日期"


@dataclass(frozen=True)
class Step:
    """One step of the year's schedule, as status and the notices show it."""
    key: str  # a form id, or combined-review
    name: str  # 自评总结, 季度台账 …
    rule: str  # 12月31日前, 每季度结束后10日内 (按秘书处通知的时间: not dated)
    source: str  # the 办法's clause, or 工作组 …
    by_regulation: bool
    date: date | None  # the one date of the year (None for a periodic step, or one not dated)
    dated: bool = True  # False: the 办法 names the step without a date and the year's working group set none

    @property
    def basis(self) -> str:
        return basis(self.source, self.dated)

    @property
    def shown(self) -> str:
        """As status shows it: ``2026年12月31日``, ``每季度结束后10日内``, or ``未设定``."""
        return chinese(self.date) if self.date else self.rule if self.dated else UNSET

    def as_dict(self) -> dict:
        return {"step": self.key, "name": self.name, "rule": self.rule, "source": self.source,
                "by_regulation": self.by_regulation, "deadline": self.date.isoformat() if self.date else None,
                "dated": self.dated}


def steps(config: CycleConfig, year: int) -> list[Step]:
    """Every configured step of ``year``, in the configuration's order."""
    forms = set(form_ids())
    out = []
    for key, d in config.deadlines.items():
        kind = load_form(key).period if key in forms else None
        out.append(Step(key, d.step, d.text(PERIOD_WORDS.get(kind or "", "期")), d.source, d.by_regulation,
                        config.deadline(key, year), d.dated))
    return out


def outside_transition(config: CycleConfig, year: int) -> Finding | None:
    """``config.outside-transition``: ``year`` is not in the 过渡期 the 办法 was written for (said once, when
    the year's forms are issued); None inside it, or when the configuration records no 过渡期."""
    t = config.transition
    if t is None or t.covers(year):
        return None
    return finding("config.outside-transition", WARNING,
                   f"{year}年不在《办法》所定的过渡期（{t.first}—{t.last}年）内，请确认本年度是否仍按该办法开展考核评价",
                   params={"year": year, "first": t.first, "last": t.last, "source": t.source})


def notice_dates(config: CycleConfig, year: int) -> dict[str, dict[str, str]]:
    """For the notices' templates: ``deadlines`` (step → 2026年12月31日, the steps with one date a year) and
    ``deadline_rules`` (step → 12月31日前, 每季度结束后10日内, 按秘书处通知的时间)."""
    schedule = steps(config, year)
    return {"deadlines": {s.key: chinese(s.date) for s in schedule if s.date},
            "deadline_rules": {s.key: s.rule for s in schedule}}
