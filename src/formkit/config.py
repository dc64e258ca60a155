"""Per-year configuration of the evaluation cycle (``forms/cycle.yaml``): grades, categories, lead
departments, the coordinating body. Nothing here is hard-coded elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

from formkit.errors import DefinitionError
from formkit.resources import forms_dir


@dataclass(frozen=True)
class Category:
    name: str
    lead: str


VETOES = ("violation", "return_to_poverty")
# who approves the results (the 办法's 中央农村工作领导小组); cycle.yaml sets it, this is for a copy of forms/
# made before it did
LEADING_GROUP = "中央农村工作领导小组"
PARTS = ("vote", "self", "county", "daily", "revitalisation")


@dataclass(frozen=True)
class ReviewRules:
    points: tuple[float, ...]
    weights: dict[str, float]
    thresholds: tuple[float, ...]
    best_share: float | None
    share_scope: str  # all: the share is of all units; category: of each category
    vetoes: tuple[str, ...]
    tie_break: str | None
    minimum_penalty: float


@dataclass(frozen=True)
class CycleConfig:
    year: int | None
    grades: tuple[str, ...]
    coordinator: str
    organisers: tuple[str, ...]
    cadre_supervisor: str
    categories: tuple[Category, ...]
    grade_variants: dict[str, tuple[str, ...]] = field(default_factory=dict)
    funds_tolerance_wan_yuan: float = 1.0
    funds_tolerance_share: float = 0.05
    deadlines: dict[str, str] = field(default_factory=dict)
    review: ReviewRules | None = None
    leading_group: str = LEADING_GROUP

    def deadline(self, form: str, year: int):
        """The date a form is due in ``year`` (None when the configuration sets none)."""
        text = self.deadlines.get(form)
        if not text:
            return None
        month, day = (int(x) for x in text.split("-"))
        return date(year, month, day)

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
    path = path or forms_dir() / "cycle.yaml"
    return _load(str(path), year)


@lru_cache(maxsize=32)
def _load(path: str, year: int | None) -> CycleConfig:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    merged = dict(raw.get("default") or {})
    if year is not None:
        merged.update((raw.get("years") or {}).get(year) or {})
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
            funds_tolerance_wan_yuan=float((merged.get("funds_tolerance") or {}).get("wan_yuan", 1.0)),
            funds_tolerance_share=float((merged.get("funds_tolerance") or {}).get("share", 0.05)),
            deadlines={str(k): str(v) for k, v in (merged.get("deadlines") or {}).items()},
            review=_review(merged.get("review"), len(merged["grades"]), path),
            leading_group=str(merged.get("leading_group", LEADING_GROUP)),
        )
    except (KeyError, TypeError) as exc:
        raise DefinitionError("config.invalid", f"周期配置文件缺少或写错了设置项：{exc}", {"file": path}) from exc
    if len(set(config.grades)) != len(config.grades) or not config.grades:
        raise DefinitionError("config.invalid", "等次名称不能为空或重复", {"file": path})
    if len(set(config.category_names)) != len(config.categories):
        raise DefinitionError("config.invalid", "单位类别名称重复", {"file": path})
    return config


def _review(raw: dict | None, grades: int, path: str) -> ReviewRules | None:
    if not raw:
        return None
    where = {"file": path}
    rules = ReviewRules(
        points=tuple(float(x) for x in raw["points"]),
        weights={str(k): float(v) for k, v in raw["weights"].items()},
        thresholds=tuple(float(x) for x in raw["thresholds"]),
        best_share=float(raw["best_share"]) if raw.get("best_share") is not None else None,
        share_scope=str(raw.get("share_scope", "all")),
        vetoes=tuple(str(v) for v in raw.get("vetoes") or ()),
        tie_break=raw.get("tie_break"),
        minimum_penalty=float(raw.get("minimum_penalty", 20)),
    )
    if grades < 2 or len(rules.points) != grades or len(rules.thresholds) != grades - 1:
        raise DefinitionError("config.invalid", f"review.points 要有 {grades} 个分值、review.thresholds 要有 "
                              f"{grades - 1} 个分数线，与等次一一对应", where)
    if list(rules.thresholds) != sorted(rules.thresholds, reverse=True):
        raise DefinitionError("config.invalid", "review.thresholds 应从高到低排列", where)
    unknown = (set(rules.weights) - set(PARTS)) | (set(rules.vetoes) - set(VETOES))
    if unknown or rules.tie_break not in (None, "main_leader_visit") or rules.share_scope not in ("all", "category"):
        wrong = sorted(unknown) or [rules.tie_break, rules.share_scope]
        raise DefinitionError("config.invalid", f"review 中有无法识别的设置：{wrong}", where)
    return rules
