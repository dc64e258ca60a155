"""综合评议: a proposed grade for every unit from the categorised vote, the self-assessment, the counties'
feedback, the everyday-work assessment and the counties' revitalisation results, by the rules in
``cycle.yaml`` (``review``). Every proposal carries its reasons, in Chinese, for the secretariat and the
leading group."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from formkit.config import CycleConfig
from formkit.dossier.collect import Dossier, UnitEntry
from formkit.review.inputs import Inputs
from formkit.review.tally import Tally

PART_NAMES = {"vote": "分类评价投票", "self": "自评总结", "county": "地方评价", "daily": "平时工作",
              "revitalisation": "县乡村振兴实绩"}
MINIMUM_CODES = ("rule.county-not-visited", "rule.no-cadre", "rule.no-first-secretary")


@dataclass
class Proposal:
    recipient_id: str
    unit: str
    category: str
    parts: dict[str, float]  # part → 0–100
    score: float
    main_leader_visit: bool
    vetoes: list[str]
    grade: str = ""
    rank: int = 0
    reasons: list[str] = field(default_factory=list)

    def row(self) -> dict:
        """As the store keeps it."""
        return {"recipient_id": self.recipient_id, "unit": self.unit, "category": self.category, "rank": self.rank,
                "score": {"total": self.score, **self.parts}, "proposed": self.grade, "reasons": self.reasons}


def rate(dossier: Dossier, votes: Tally, inputs: Inputs, config: CycleConfig) -> list[Proposal]:
    """Proposals for every unit of the dossier, ranked within each category."""
    rules = config.review
    out = []
    for _category, _lead, units in dossier.categories:
        proposals = sorted((_score(u, votes, inputs, config) for u in units), key=_order(rules.tie_break))
        for rank, p in enumerate(proposals, start=1):
            p.rank = rank
            _threshold_and_vetoes(p, config)
        _explain_ties(proposals, rules.tie_break)
        out.extend(proposals)
    if rules.best_share is not None:
        groups = [out] if rules.share_scope == "all" else [[p for p in out if p.category == c] for c, _l, _u in
                                                           dossier.categories]
        for group in groups:
            _share_cap(sorted(group, key=_order(rules.tie_break)), config, rules.share_scope)
    return out


def _order(tie_break: str | None):
    return lambda p: (-p.score, not (tie_break and p.main_leader_visit), p.recipient_id)


def _score(u: UnitEntry, votes: Tally, inputs: Inputs, config: CycleConfig) -> Proposal:
    rules = config.review
    points = dict(zip(config.grades, rules.points, strict=True))
    parts: dict[str, float] = {}
    reasons: list[str] = []
    tally = votes.unit(u.recipient_id)
    if tally and tally.valid:
        parts["vote"] = sum(points[g] * n for g, n in tally.votes.items()) / tally.valid
        counts = "、".join(f"{g}{n}票" for g, n in tally.votes.items())
        reasons.append(f"分类评价投票：{counts}（有效{tally.valid}票），得{parts['vote']:.1f}分")
    else:
        reasons.append("分类评价投票：无有效票，不计此项")
    values = ((u.submission or {}).get("record") or {}).get("values") or {}
    if u.submission:
        findings = (u.submission.get("record") or {}).get("findings") or []
        unmet = [f for f in findings if f.get("code") in MINIMUM_CODES]
        parts["self"] = max(0.0, 100 - rules.minimum_penalty * len(unmet))
        reasons.append(f"自评总结：{len(unmet)}项基本要求未达到，得{parts['self']:.0f}分" if unmet
                       else "自评总结：基本要求均已达到，得100分")
    else:
        parts["self"] = 0.0
        reasons.append("自评总结：未报送，得0分")
    graded = [c["grade"] for c in u.counties if c["grade"] in points]
    if graded:
        parts["county"] = sum(points[g] for g in graded) / len(graded)
        named = "、".join(f"{c['county']}“{c['grade']}”" for c in u.counties if c["grade"] in points)
        reasons.append(f"地方评价：{named}，得{parts['county']:.1f}分")
    else:
        reasons.append("地方评价：无定点帮扶县评价，不计此项")
    if u.recipient_id in inputs.daily:
        parts["daily"] = inputs.daily[u.recipient_id]
        reasons.append(f"平时工作：{parts['daily']:.0f}分")
    else:
        reasons.append("平时工作：未录入，不计此项")
    if inputs.results.get(u.recipient_id):
        results = inputs.results[u.recipient_id]
        parts["revitalisation"] = sum(results) / len(results)
        reasons.append(f"县乡村振兴实绩：{parts['revitalisation']:.1f}分")
    weights = {k: w for k, w in rules.weights.items() if k in parts and w > 0}
    total = sum(weights.values())
    score = round(sum(parts[k] * w for k, w in weights.items()) / total, 2) if total else 0.0
    reasons.append("综合得分" + f"{score:.2f}（" + "、".join(f"{PART_NAMES[k]}权重{w:g}" for k, w in weights.items()) + "）")
    main_leader = u.figures.main_leader_visit or any(
        (((c.get("submission") or {}).get("record") or {}).get("values") or {}).get("main_leader_visited")
        for c in u.counties)
    return Proposal(u.recipient_id, u.unit, u.category, {k: round(v, 2) for k, v in parts.items()}, score,
                    bool(main_leader), _vetoes(u, values, inputs, rules.vetoes), reasons=reasons)


def _vetoes(u: UnitEntry, values: dict, inputs: Inputs, enabled: tuple[str, ...]) -> list[str]:
    out = []
    if "violation" in enabled:
        if values.get("violations"):
            out.append("自评申报在帮扶工作中存在违纪违规问题")
        if inputs.violation.get(u.recipient_id):
            out.append("平时工作中发现违纪违规问题")
    if "return_to_poverty" in enabled:
        counties = [c["county"] for c in u.counties
                    if (((c.get("submission") or {}).get("record") or {}).get("values") or {}).get("return_to_poverty")]
        counties += [c for c in inputs.return_to_poverty.get(u.recipient_id, []) if c not in counties]
        if counties:
            out.append(f"定点帮扶县（{'、'.join(counties)}）出现规模性返贫")
    return out


def _threshold_and_vetoes(p: Proposal, config: CycleConfig) -> None:
    rules = config.review
    best, second = config.grades[0], config.grades[1]
    lines = "、".join(f"{g}≥{t:g}" for g, t in zip(config.grades, rules.thresholds, strict=False))
    p.grade = next((g for g, line in zip(config.grades, rules.thresholds, strict=False) if p.score >= line),
                   config.grades[-1])
    p.reasons.append(f"按分数线（{lines}）为“{p.grade}”")
    if p.grade == best and p.vetoes:
        p.grade = second
        p.reasons.append(f"{'；'.join(p.vetoes)}，按规定不得评为“{best}”，调整为“{second}”")


def _share_cap(ranked: list[Proposal], config: CycleConfig, scope: str) -> None:
    """At most ``best_share`` of the group in the first grade; the lower-ranked rest go to the second."""
    best, second = config.grades[0], config.grades[1]
    share = config.review.best_share
    cap = math.floor(share * len(ranked) + 1e-9)
    where = "全部" if scope == "all" else "本类"
    given = 0
    for position, p in enumerate(ranked, start=1):
        if p.grade != best:
            continue
        if given < cap:
            given += 1
            continue
        p.grade = second
        p.reasons.append(f"{where}{len(ranked)}个单位中“{best}”不超过{share:.0%}（{cap}个），本单位按综合得分排第{position}，"
                         f"调整为“{second}”")


def _explain_ties(ranked: list[Proposal], tie_break: str | None) -> None:
    if not tie_break:
        return
    for ahead, behind in zip(ranked, ranked[1:], strict=False):
        if ahead.score == behind.score and ahead.main_leader_visit and not behind.main_leader_visit:
            ahead.reasons.append(f"与{behind.unit}得分相同，本单位主要负责同志到定点帮扶县调研考察，同等条件下排名靠前")
            behind.reasons.append(f"与{ahead.unit}得分相同，对方主要负责同志到定点帮扶县调研考察，同等条件下排名靠后")
