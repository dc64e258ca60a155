"""Which rules the 综合评议 of a year applies and where each comes from: the 办法's own (中农组发〔2021〕9号,
with its clause) or the working group's for that year (``cycle.yaml`` ``years.<YYYY>.review``), which the
办法 does not contain. ``review rate`` prints them, its ``--json`` returns them, the rating's act keeps them
and the 请示's annex shows them, so that no score, quota or demotion reads as the 办法's."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from formkit.config import CycleConfig, refuse_in_default
from formkit.forms.cycle import Cycle
from formkit.review.reasons import PART_NAMES, RULE_NAMES

BANFA, WORKING_GROUP, CONFIGURED = "办法", "工作组", "配置"
BANFA_GRADES = ("好", "较好", "一般")
INPUT_NAMES = "自评总结、分类评价、平时工作、地方评价、定点帮扶县推进乡村振兴实绩考核"


@dataclass(frozen=True)
class Rule:
    key: str
    label: str
    value: str
    source: str  # 办法, 工作组, or 配置 (a year's own setting of what the 办法 lays down)
    basis: str  # the 办法's clause, or where in cycle.yaml

    @property
    def text(self) -> str:
        return f"{self.label}：{self.value}（{self.basis}）"

    def as_dict(self) -> dict:
        return {**asdict(self), "text": self.text}


def check(cycle: Cycle) -> None:
    """Refuse working-group rules written as defaults (``default.review``): they are no year's decision."""
    refuse_in_default(cycle.config.review.misplaced, "review.rules-in-default", section="review")


def applied(cycle: Cycle) -> list[Rule]:
    """The rules of ``cycle``'s review, the 办法's first."""
    config = cycle.config
    rules = config.review
    grades = "、".join(config.grades)
    out = [
        Rule("grades", "评价等次", grades, *((BANFA, "《办法》五、结果及运用") if config.grades == BANFA_GRADES
                                         else (CONFIGURED, "cycle.yaml 本年度设置；《办法》为好、较好、一般"))),
        Rule("inputs", "综合评议", f"工作组结合{INPUT_NAMES}五个方面进行综合评议", BANFA, "《办法》四（五）"),
        Rule("vetoes", f"不得评为“{cycle.best}”",
             "、".join(RULE_NAMES.get(v, v) for v in rules.vetoes) or "无",
             *((BANFA, "《办法》五、结果及运用") if rules.origin.get("vetoes", "default") == "default"
               else (CONFIGURED, f"cycle.yaml years.{cycle.year}.review.vetoes"))),
        Rule("approval", "审定", f"评价情况和等次建议提请{config.leading_group}审定，审定后通报",
             BANFA, "《办法》四（五）、五"),
    ]
    if not rules.scored:
        return out + [
            Rule("scoring", "评分和建议等次",
                 "本年度工作组未定评分规则：不计算综合得分，不提出建议等次，由工作组综合评议确定等次", BANFA,
                 "《办法》未规定分值、权重和分数线"),
            Rule("best_share", f"“{cycle.best}”的比例", "不限", BANFA, "《办法》未规定比例")]
    return out + _working_group(cycle.year, config)


def _working_group(year: int, config: CycleConfig) -> list[Rule]:
    rules = config.review
    where = f"工作组自定，cycle.yaml years.{year}.review"
    best, second = config.grades[0], config.grades[1]

    def scale(table: dict) -> str:
        return "、".join(f"{k}{v:g}" for k, v in table.items())

    out = [
        Rule("source", "工作组规则", rules.source.removeprefix(WORKING_GROUP).strip("：:（()） ") or "本年度工作组确定",
             WORKING_GROUP, where),
        Rule("points", "各等次分值", scale(dict(zip(config.grades, rules.points, strict=True))), WORKING_GROUP, where),
        Rule("weights", "各方面权重", "、".join(f"{PART_NAMES[k]}{w:g}" for k, w in rules.weights.items()), WORKING_GROUP,
             where),
        Rule("thresholds", "分数线", "、".join(f"{g}≥{t:g}" for g, t in zip(config.grades, rules.thresholds, strict=False)),
             WORKING_GROUP, where),
    ]
    if rules.result_points:
        out.append(Rule("result_points", "县乡村振兴实绩考核结果折算", scale(rules.result_points), WORKING_GROUP, where))
    if rules.minimum_penalty:
        out.append(Rule("minimum_penalty", "自评总结扣分", f"每有一项基本要求未达到扣{rules.minimum_penalty:g}分",
                        WORKING_GROUP, where))
    if rules.best_share is None:
        out.append(Rule("best_share", f"“{best}”的比例", "不限", BANFA, "《办法》未规定比例，本年度工作组也未设"))
    else:
        scope = "全部单位" if rules.share_scope == "all" else "每类单位"
        out.append(Rule("best_share", f"“{best}”的比例", f"不超过{scope}的{rules.best_share:.0%}", WORKING_GROUP, where))
    if rules.tie_break:
        out.append(Rule("tie_break", "同等条件", "综合得分相同的，单位主要负责同志到定点帮扶县调研考察的排名靠前"
                        "（工作组对《办法》指标说明1“同等条件下排名靠前”的适用）", WORKING_GROUP, where))
    if rules.veto_demotes:
        out.append(Rule("veto_demotes", "有否决情形的建议等次",
                        f"按得分应为“{best}”而有不得评为“{best}”情形的，建议为“{second}”", WORKING_GROUP, where))
    return out
