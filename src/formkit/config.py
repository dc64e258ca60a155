"""Per-year configuration of the evaluation cycle (``forms/cycle.yaml``): grades, categories, lead
departments, the coordinating body. Nothing here is hard-coded elsewhere."""

from __future__ import annotations

import calendar
import copy
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from formkit.errors import DefinitionError
from formkit.resources import forms_dir


@dataclass(frozen=True)
class Category:
    name: str
    lead: str


# whose rule a configured value is (`source:`): the 办法's (with its clause), or the working group's choice
REGULATION, WORKING_GROUP_SOURCE, UNSAID = "办法", "工作组", "未注明"
# a step whose date nobody has set (the 办法 names it without a date, the year's working group set none): as
# status and the 催报名单 say it, and as the form's instructions say it (`{due}`报送 …)
UNSET, UNSET_DUE = "未设定", "按秘书处通知的时间"


@dataclass(frozen=True)
class Deadline:
    """When one step of the cycle is due (``deadlines:``) and on whose authority (``source``: the 办法's
    clause, or the working group's choice). A fixed day (``month``/``day``, ``day`` None for the month's last
    day, ``next_year`` in the year after the evaluation year), or ``after_period`` days after the end of the
    period a periodic form is issued for (a quarter, a half-year); neither: a step the 办法 names without a
    date, which the year's working group has not dated (:attr:`dated` false)."""
    step: str  # what the step is called (自评总结, 季度台账 …)
    source: str
    month: int | None = None
    day: int | None = None
    next_year: bool = False
    after_period: int | None = None

    @property
    def by_regulation(self) -> bool:
        return self.source.startswith(REGULATION)

    @property
    def dated(self) -> bool:
        return self.month is not None or self.after_period is not None

    def on(self, year: int, period_end: date | None = None) -> date | None:
        """The date due for the evaluation year ``year`` (a periodic step: for the period ending on
        ``period_end``; None without it, or for a step not dated)."""
        if not self.dated:
            return None
        if self.after_period is not None:
            return period_end + timedelta(days=self.after_period) if period_end else None
        due_year, month = (year + 1 if self.next_year else year), self.month or 12
        last = calendar.monthrange(due_year, month)[1]
        return date(due_year, month, min(self.day or last, last))  # 02-29 in a common year: 02-28

    def text(self, period: str = "期") -> str:
        """As the forms and notices say it, whatever the year: ``12月31日前``, ``次年2月底前``,
        ``每季度结束后10日内`` (``period``: what a period is called, 季度 or 半年); :data:`UNSET_DUE` not dated."""
        if not self.dated:
            return UNSET_DUE
        if self.after_period is not None:
            return f"每{period}结束后{self.after_period}日内"
        return f"{'次年' if self.next_year else ''}{self.month}月{f'{self.day}日' if self.day else '底'}前"


@dataclass(frozen=True)
class Transition:
    """The 过渡期 the 办法 was written for (三、组织实施: 在过渡期内每年开展一次), with where that is said."""
    first: int
    last: int
    source: str

    def covers(self, year: int) -> bool:
        return self.first <= year <= self.last


@dataclass(frozen=True)
class Plausibility:
    """Thresholds of the plausibility findings (the working group's: the 办法 sets none); None: not checked."""
    completion_above: float | None = None  # an indicator's achieved ÷ committed above this is flagged
    slip_factor: float | None = None  # two figures of one indicator this many times apart: a 万元/亿元 slip
    source: str = ""


# what rules the first grade out (办法 五、结果及运用): 违纪违规, 定点帮扶县出现规模性返贫, 等重大问题
VETOES = ("violation", "return_to_poverty", "major_problem")
# who approves the results (the 办法's 中央农村工作领导小组); cycle.yaml sets it, this is for a copy of forms/
# made before it did
LEADING_GROUP = "中央农村工作领导小组"
PARTS = ("vote", "self", "county", "daily", "revitalisation")


# the working group's own rules for the 综合评议 (the 办法 gives no points, weights, thresholds, quota, penalty
# or demotion): only ever set under `years.<YYYY>.review`, never in `default`
WORKING_GROUP = ("points", "weights", "thresholds", "best_share", "share_scope", "tie_break", "minimum_penalty",
                 "veto_demotes", "result_points", "source")
# settings the 办法 has no word on, so always the working group's: only ever under `years.<YYYY>`, like a step's
# date whose source is 工作组 (`deadlines.<step>`); a year without them checks nothing by them
WORKING_GROUP_SETTINGS = ("plausibility", "funds_tolerance", "seals")


@dataclass(frozen=True)
class ReviewRules:
    """The 综合评议's rules of one year: the 办法's (``vetoes``), and the working group's own for that year
    (scores, quota, demotion), empty when the year sets none. ``origin`` says where each key set came from
    (``default`` or ``years.<YYYY>``); ``misplaced`` lists working-group keys found in ``default`` (the review
    refuses them there)."""
    vetoes: tuple[str, ...] = VETOES
    points: tuple[float, ...] = ()
    weights: dict[str, float] = field(default_factory=dict)
    thresholds: tuple[float, ...] = ()
    best_share: float | None = None
    share_scope: str = "all"  # all: the share is of all units; category: of each category
    tie_break: str | None = None
    minimum_penalty: float = 0.0
    veto_demotes: bool = False  # a vetoed unit scored into the first grade is proposed the second
    result_points: dict[str, float] = field(default_factory=dict)  # a county's 实绩考核 result (its words) → points
    source: str = ""  # the year's working-group rules: 工作组 (and what they are, e.g. a sample)
    origin: dict[str, str] = field(default_factory=dict)
    misplaced: tuple[str, ...] = ()

    @property
    def scored(self) -> bool:
        """Whether the year's working group scores the units (and so proposes grades)."""
        return bool(self.points)


@dataclass(frozen=True)
class CycleConfig:
    year: int | None
    grades: tuple[str, ...]
    coordinator: str
    organisers: tuple[str, ...]
    cadre_supervisor: str
    categories: tuple[Category, ...]
    grade_variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # county-confirmed funds against the unit's claim: a difference above both is flagged (the working group's
    # leniency; without it, any difference)
    funds_tolerance_wan_yuan: float = 0.0
    funds_tolerance_share: float = 0.0
    deadlines: dict[str, Deadline] = field(default_factory=dict)  # step (a form id, combined-review) → due
    review: ReviewRules | None = None
    leading_group: str = LEADING_GROUP
    desk: dict = field(default_factory=dict)  # the web desk (`desk:`): closing date, public address ...
    transition: Transition | None = None
    plausibility: Plausibility = field(default_factory=Plausibility)

    def deadline(self, form: str, year: int, period_end: date | None = None) -> date | None:
        """The date a form (or another step: ``combined-review``) is due for the evaluation year ``year``; a
        periodic form's for the period ending on ``period_end`` (:func:`formkit.forms.schedule.due` works it
        out from the period). None when the configuration sets none."""
        deadline = self.deadlines.get(form)
        return deadline.on(year, period_end) if deadline else None

    def category(self, name: str) -> Category | None:
        return next((c for c in self.categories if c.name == name), None)

    @property
    def category_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    def choices(self, list_name: str) -> tuple[str, ...]:
        """The named list that a choice field's ``choices_from`` refers to."""
        lists = {"grades": self.grades, "categories": self.category_names}
        if list_name not in lists:
            raise DefinitionError(
                "config.unknown-list", f"配置中没有名为“{list_name}”的选项列表", {"list": list_name}
            )
        return lists[list_name]


def load_config(year: int | None = None, path: Path | None = None) -> CycleConfig:
    return _load(str(path) if path else _cycle_file(forms_dir()), year)


@lru_cache(maxsize=8)
def _cycle_file(forms: Path) -> str:
    """``cycle.yaml`` of the forms folder in use."""
    return str(forms / "cycle.yaml")


def settings(year: int | None = None, path: Path | None = None) -> dict:
    """The year's settings as ``cycle.yaml`` writes them, ``default`` with ``years.<year>`` over it: for keys a
    layer above types itself (the notices' issuing organs, ``gongwen.issuers``). A copy: change it freely."""
    return copy.deepcopy(_settings(str(path or forms_dir() / "cycle.yaml"), year))


@lru_cache(maxsize=32)
def _settings(path: str, year: int | None) -> dict:
    raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    merged = dict(raw.get("default") or {})
    merged.update(((raw.get("years") or {}).get(year) or {}) if year is not None else {})
    return merged


@lru_cache(maxsize=32)
def _load(path: str, year: int | None) -> CycleConfig:
    raw = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    default = raw.get("default") or {}
    # the review's own are refused by the review, which alone uses them (review.rules-in-default)
    refuse_in_default(working_group_in_default(default), "config.working-group-in-default", path)
    merged = dict(default)
    own = ((raw.get("years") or {}).get(year) or {}) if year is not None else {}
    merged.update(own)
    try:
        categories = tuple(Category(str(c["name"]), str(c["lead"])) for c in merged["categories"])
        config = CycleConfig(
            year=year,
            grades=tuple(str(g) for g in merged["grades"]),
            coordinator=str(merged["coordinator"]),
            organisers=tuple(str(o) for o in merged.get("organisers", ())),
            cadre_supervisor=str(merged.get("cadre_supervisor", "")),
            categories=categories,
            grade_variants={str(k): tuple(str(x) for x in v) for k, v in (merged.get("grade_variants") or {}).items()},
            **_funds_tolerance(merged.get("funds_tolerance"), path),
            deadlines=_deadlines(default.get("deadlines") or {}, own.get("deadlines") or {}, path),
            review=_review(default.get("review"), own.get("review"), year, len(merged["grades"]), path),
            leading_group=str(merged.get("leading_group", LEADING_GROUP)),
            desk=dict(merged.get("desk") or {}),
            transition=_transition(merged.get("transition"), path),
            plausibility=_plausibility(merged.get("plausibility"), path),
        )
    except (KeyError, TypeError) as exc:
        raise DefinitionError("config.invalid", f"周期配置文件缺少或写错了设置项：{exc}", {"file": path}) from exc
    if len(set(config.grades)) != len(config.grades) or not config.grades:
        raise DefinitionError("config.invalid", "等次名称不能为空或重复", {"file": path})
    if len(set(config.category_names)) != len(config.categories):
        raise DefinitionError("config.invalid", "单位类别名称重复", {"file": path})
    return config


def _review(default: dict | None, own: dict | None, year: int | None, grades: int, path: str) -> ReviewRules:
    """The year's review rules: ``default.review`` (the 办法's) with ``years.<YYYY>.review`` over it key by key."""
    default, own = dict(default or {}), dict(own or {})
    misplaced = tuple(k for k in WORKING_GROUP if k in default)
    raw = {**{k: v for k, v in default.items() if k not in WORKING_GROUP}, **own}
    origin = {k: (f"years.{year}" if k in own else "default") for k in raw}
    where = {"file": path}
    rules = ReviewRules(
        vetoes=tuple(str(v) for v in raw.get("vetoes") or ()) if "vetoes" in raw else VETOES,
        points=tuple(float(x) for x in raw.get("points") or ()),
        weights={str(k): float(v) for k, v in (raw.get("weights") or {}).items()},
        thresholds=tuple(float(x) for x in raw.get("thresholds") or ()),
        best_share=float(raw["best_share"]) if raw.get("best_share") is not None else None,
        share_scope=str(raw.get("share_scope", "all")),
        tie_break=raw.get("tie_break"),
        minimum_penalty=float(raw.get("minimum_penalty") or 0),
        veto_demotes=bool(raw.get("veto_demotes", False)),
        result_points={str(k): float(v) for k, v in (raw.get("result_points") or {}).items()},
        source=str(raw.get("source") or (WORKING_GROUP_SOURCE if own else "")), origin=origin, misplaced=misplaced,
    )
    if rules.source and not rules.source.startswith(WORKING_GROUP_SOURCE):
        raise DefinitionError("config.invalid", f"years.{year}.review 是工作组的规则，source 应以“{WORKING_GROUP_SOURCE}”开头",
                              where)
    scoring = [k for k in ("points", "weights", "thresholds") if raw.get(k)]
    if scoring and len(scoring) < 3:
        raise DefinitionError("config.invalid", "review 的 points、weights、thresholds 须同时设置（工作组的评分规则）", where)
    needs_scores = [k for k in ("best_share", "tie_break", "veto_demotes", "minimum_penalty", "result_points")
                    if raw.get(k) and not scoring]
    if needs_scores:
        raise DefinitionError("config.invalid", f"review 中的 {needs_scores} 要有评分规则（points、weights、thresholds）"
                              "才能使用", where)
    if scoring and (grades < 2 or len(rules.points) != grades or len(rules.thresholds) != grades - 1):
        raise DefinitionError("config.invalid", f"review.points 要有 {grades} 个分值、review.thresholds 要有 "
                              f"{grades - 1} 个分数线，与等次一一对应", where)
    if list(rules.thresholds) != sorted(rules.thresholds, reverse=True):
        raise DefinitionError("config.invalid", "review.thresholds 应从高到低排列", where)
    unknown = (set(rules.weights) - set(PARTS)) | (set(rules.vetoes) - set(VETOES))
    unknown |= set(raw) - set(WORKING_GROUP) - {"vetoes"}
    if unknown or rules.tie_break not in (None, "main_leader_visit") or rules.share_scope not in ("all", "category"):
        wrong = sorted(unknown) or [rules.tie_break, rules.share_scope]
        raise DefinitionError("config.invalid", f"review 中有无法识别的设置：{wrong}", where)
    return rules


def _source(raw: dict, what: str, path: str) -> str:
    """A value's ``source``: 办法 (with its clause) or 工作组, said in the configuration."""
    source = str(raw.get("source") or "")
    if not source.startswith((REGULATION, WORKING_GROUP_SOURCE)):
        raise DefinitionError("config.invalid", f"{what} 的 source 应写明依据：“{REGULATION} 条款”或“{WORKING_GROUP_SOURCE}”",
                              {"file": path})
    return source


def _deadlines(default: dict, own: dict, path: str) -> dict[str, Deadline]:
    """``deadlines:``: the default's steps (the 办法's, dated where it gives a date), each year's entry over
    the default's for its step (keeping the step's name). A plain ``"MM-DD"`` (as copies of forms/ made before
    steps had sources wrote it) is a day in the evaluation year, its source not said; an entry with no date (no
    ``due``, no ``after_period``) a step not dated."""
    out = {}
    for step in {**default, **own}:
        raw, base = own.get(step, default.get(step)), _entry(default.get(step))
        entry = {"step": base.get("step") if isinstance(base, dict) else None, **_entry(raw)} if step in own else base
        if not isinstance(entry, dict) or set(entry) - DEADLINE_KEYS:
            raise DefinitionError("config.invalid", f"deadlines.{step} 应为 {{due: MM-DD, source: …}}", {"file": path})
        label = str(entry.get("step") or step)
        source = UNSAID if isinstance(raw, str) else _source(entry, f"deadlines.{step}", path)
        if entry.get("after_period") is not None:
            out[str(step)] = Deadline(label, source, after_period=int(entry["after_period"]))
        elif "due" not in entry:
            out[str(step)] = Deadline(label, source)
        else:
            out[str(step)] = Deadline(label, source, *_day(entry.get("due"), step, path), bool(entry.get("next_year")))
    return out


DEADLINE_KEYS = {"step", "due", "next_year", "after_period", "source"}


def _entry(raw: object) -> dict:
    """One step's entry as a mapping (a plain ``"MM-DD"``: ``{due: …}``; none: ``{}``)."""
    return {"due": raw} if isinstance(raw, str) else {} if raw is None else raw


def _day(due: object, step: str, path: str) -> tuple[int, int | None]:
    """``"12-31"`` → (12, 31); ``"02-end"`` → (2, None): the month's last day."""
    month, _, day = str(due or "").partition("-")
    try:
        m, d = int(month), None if day == "end" else int(day)
        if not 1 <= m <= 12 or (d is not None and not 1 <= d <= calendar.monthrange(2024, m)[1]):
            raise ValueError(due)
    except ValueError as exc:
        raise DefinitionError("config.invalid", f"deadlines.{step} 的 due 应为“月-日”（如 12-31、02-end）",
                              {"file": path}) from exc
    return m, d


def _transition(raw: dict | None, path: str) -> Transition | None:
    if not raw:
        return None
    transition = Transition(int(raw["from"]), int(raw["to"]), _source(raw, "transition", path))
    if transition.first > transition.last:
        raise DefinitionError("config.invalid", "transition 的 from 不能晚于 to", {"file": path})
    return transition


def _plausibility(raw: dict | None, path: str) -> Plausibility:
    if not raw:
        return Plausibility()
    above, slip = raw.get("completion_above"), raw.get("slip_factor")
    return Plausibility(float(above) if above is not None else None, float(slip) if slip is not None else None,
                        _source(raw, "plausibility", path))


def _funds_tolerance(raw: dict | None, path: str) -> dict[str, float]:
    if not raw:
        return {}
    _source(raw, "funds_tolerance", path)
    return {"funds_tolerance_wan_yuan": float(raw.get("wan_yuan") or 0),
            "funds_tolerance_share": float(raw.get("share") or 0)}


def working_group_in_default(default: dict) -> tuple[str, ...]:
    """The working group's settings written in ``default`` (where only the 办法's and what every year shares
    belong), by path: ``deadlines.<step>`` (a step whose source is 工作组), ``plausibility``,
    ``funds_tolerance``. The review's own rules found there are :attr:`ReviewRules.misplaced`."""
    steps = default.get("deadlines") if isinstance(default.get("deadlines"), dict) else {}
    dated = [f"deadlines.{step}" for step, entry in steps.items()
             if isinstance(entry, dict) and str(entry.get("source") or "").startswith(WORKING_GROUP_SOURCE)]
    return tuple(dated + [key for key in WORKING_GROUP_SETTINGS if default.get(key)])


def refuse_in_default(misplaced: tuple[str, ...], code: str, path: str | None = None, section: str = "") -> None:
    """Refuse the working group's settings found in ``default`` (``misplaced``, keys of ``section`` when
    given): the 办法 has none of them, so no year may inherit them; each year's are the working group's
    decision, under ``years.<YYYY>``. One refusal for every part of the configuration (the review's:
    ``review.rules-in-default``)."""
    misplaced = tuple(f"{section}.{key}" for key in misplaced) if section else misplaced
    if misplaced:
        raise DefinitionError(code, f"cycle.yaml 的 default 中有工作组自定的设置（{'、'.join(misplaced)}）：《办法》没有这些"
                              "规定，不能作为每年的默认设置，只能由工作组按年度写在 years.<年度> 下（source 写明“工作组”）",
                              {"keys": list(misplaced), **({"file": path} if path else {})})
