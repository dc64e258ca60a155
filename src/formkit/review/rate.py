"""综合评议 (办法 四（五）): for every unit the five inputs side by side — 自评总结, 分类评价, 平时工作,
地方评价 and its counties' 乡村振兴实绩考核 — and the vetoes of 五、结果及运用 that bar the first grade. The 办法
gives no points, weights, thresholds or quota: only where the year's working group has set its own rules
(``years.<YYYY>.review``) are the inputs scored, ranked and a grade proposed; otherwise no score and no
grade is proposed (the review decides, a barred unit marked as such). Every proposal carries its reasons as
data (``review/reasons.py``), shown in Chinese to the secretariat and the leading group."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from formkit.config import CycleConfig, ReviewRules
from formkit.evaluation.flags import FLAG_RULES
from formkit.evaluation.units import Evaluation, UnitEntry
from formkit.review.inputs import Inputs
from formkit.review.reasons import Reason
from formkit.review.tally import Tally
from formkit.review.vetoes import Vetoes, collect

# the five inputs in the 办法's order (四（五）): how they are shown side by side
INPUTS = ("self", "vote", "daily", "county", "revitalisation")


@dataclass
class Proposal:
    recipient_id: str
    unit: str
    category: str
    parts: dict[str, float]  # part → 0–100, where the working group scores
    score: float | None  # None: no working-group rules, no score
    main_leader_visit: bool
    vetoes: list[dict]  # {"rule": a configured veto, ...}: see reasons.veto_text
    grade: str = ""  # proposed; "" when nothing is proposed (the review decides)
    rank: int = 0
    reasons: list[Reason] = field(default_factory=list)
    resolved: list[dict] = field(default_factory=list)  # the secretariat's conclusions about its vetoes' subjects

    @property
    def barred(self) -> bool:
        return bool(self.vetoes)

    def reason(self, kind: str) -> Reason | None:
        return next((r for r in self.reasons if r.kind == kind), None)

    def row(self) -> dict:
        """As the store keeps it."""
        score = None if self.score is None else {"total": self.score, **self.parts}
        return {"recipient_id": self.recipient_id, "unit": self.unit, "category": self.category, "rank": self.rank,
                "score": score, "proposed": self.grade, "reasons": [r.stored() for r in self.reasons]}

    def shown(self) -> dict:
        """For ``--json``: the stored row, each reason with its Chinese text, the five inputs by name."""
        inputs = {k: r.shown() for k in INPUTS if (r := self.reason(k)) is not None}
        return {**self.row(), "reasons": [r.shown() for r in self.reasons], "inputs": inputs, "barred": self.barred}


def rate(dossier: Evaluation, votes: Tally, inputs: Inputs, config: CycleConfig,
         vetoes: Vetoes | None = None) -> list[Proposal]:
    """Proposals for every unit of the dossier, ranked within each category where the working group scores
    (in the order of their codes otherwise). ``vetoes``: the year's facts (from the forms and ``inputs``
    alone when not given)."""
    rules = config.review
    vetoes = vetoes or collect(dossier, inputs, [], rules.vetoes, config.grades[0])
    out = []
    for _category, _lead, units in dossier.categories:
        proposals = [_proposal(u, votes, inputs, config, vetoes) for u in units]
        if rules.scored:
            proposals.sort(key=_order(rules.tie_break))
        for rank, p in enumerate(proposals, start=1):
            p.rank = rank
            _grade(p, config)
        _explain_ties(proposals, rules.tie_break)
        out.extend(proposals)
    if rules.best_share is not None:
        groups = [out] if rules.share_scope == "all" else [[p for p in out if p.category == c] for c, _l, _u in
                                                           dossier.categories]
        for group in groups:
            _share_cap(sorted(group, key=_order(rules.tie_break)), config, rules.share_scope)
    return out


def _order(tie_break: str | None):
    return lambda p: (-(p.score or 0), not (tie_break and p.main_leader_visit), p.recipient_id)


def _proposal(u: UnitEntry, votes: Tally, inputs: Inputs, config: CycleConfig, vetoes: Vetoes) -> Proposal:
    """One unit's five inputs as given (and scored, where the working group scores), its vetoes and the
    secretariat's conclusions about them."""
    rules = config.review
    facts = _facts(u, votes, inputs, rules.scored)
    parts = _score(facts, rules, config) if rules.scored else {}
    reasons = [Reason(k, facts[k]) for k in ("vote", "self", "county", "daily", "revitalisation")]
    score = None
    if rules.scored:
        weights = {k: w for k, w in rules.weights.items() if k in parts and w > 0}
        total = sum(weights.values())
        score = round(sum(parts[k] * w for k, w in weights.items()) / total, 2) if total else 0.0
        reasons.append(Reason("total", {"score": score, "weights": weights}))
    counties = [c.county for c in u.counties]
    main_leader = u.figures.main_leader_visit or any(c.main_leader_visited for c in u.counties)
    return Proposal(u.recipient_id, u.unit, u.category, {k: round(v, 2) for k, v in parts.items()}, score,
                    bool(main_leader), vetoes.of_unit(u.recipient_id, counties), reasons=reasons,
                    resolved=vetoes.resolved_of(u.recipient_id, counties))


def _facts(u: UnitEntry, votes: Tally, inputs: Inputs, scored: bool) -> dict[str, dict]:
    """The five inputs of one unit as given: part → the reason's data."""
    tally = votes.unit(u.recipient_id)
    vote = {"votes": dict(tally.votes), "valid": tally.valid} if tally and tally.valid else {"valid": 0}
    own = ({"unmet": [f.code for f in u.submission.findings if f.code in FLAG_RULES]} if u.submission
           else {"missing": True})
    counties = {c.county for c in u.counties}
    return {"vote": {**vote, "scored": scored}, "self": {**own, "scored": scored},
            "county": {"grades": [(c.county, c.grade) for c in u.counties if c.grade], "scored": scored},
            "daily": {"value": inputs.daily.get(u.recipient_id), "scored": scored},
            "revitalisation": {"results": [(c, r) for c, r in inputs.results.items() if c in counties],
                               "scored": scored}}


def _score(facts: dict[str, dict], rules: ReviewRules, config: CycleConfig) -> dict[str, float]:
    """The working group's points of each part a unit has (written into its reason's data too)."""
    points = dict(zip(config.grades, rules.points, strict=True))
    parts: dict[str, float] = {}
    vote = facts["vote"]
    if vote["valid"]:
        parts["vote"] = sum(points[g] * n for g, n in vote["votes"].items()) / vote["valid"]
    own = facts["self"]
    parts["self"] = 0.0 if own.get("missing") else max(0.0, 100 - rules.minimum_penalty * len(own["unmet"]))
    graded = [points[g] for _c, g in facts["county"]["grades"] if g in points]
    if graded:
        parts["county"] = sum(graded) / len(graded)
    daily = facts["daily"]["value"]
    if daily is not None:
        parts["daily"] = float(daily) if isinstance(daily, int | float) else points[daily]
    results = facts["revitalisation"]
    scaled = [_result_points(r, rules) for _c, r in results["results"]]
    results["unscaled"] = [c for (c, _r), p in zip(results["results"], scaled, strict=True) if p is None]
    if any(p is not None for p in scaled):
        parts["revitalisation"] = sum(p for p in scaled if p is not None) / sum(1 for p in scaled if p is not None)
    for part, params in facts.items():
        if part in parts:
            params["score"] = parts[part]
    return parts


def _result_points(result: str, rules: ReviewRules) -> float | None:
    """A county's 实绩考核 result in points: a number as is, a word by the working group's table."""
    try:
        return float(result)
    except ValueError:
        return rules.result_points.get(result)


def _grade(p: Proposal, config: CycleConfig) -> None:
    """The proposed grade by the working group's thresholds, and what the vetoes bar: a barred unit scored into
    the first grade is proposed the second where the working group demotes, else left to the review."""
    rules = config.review
    best = config.grades[0]
    moved = None
    if rules.scored:
        lines = list(zip(config.grades, rules.thresholds, strict=False))
        p.grade = next((g for g, line in lines if (p.score or 0) >= line), config.grades[-1])
        p.reasons.append(Reason("threshold", {"thresholds": lines, "grade": p.grade}))
        if p.grade == best and p.barred:
            moved = config.grades[1] if rules.veto_demotes else None
            p.grade = moved or ""
    if p.barred:
        p.reasons.append(Reason("veto", {"vetoes": p.vetoes, "grade": best, "to": moved}))
    p.reasons += [Reason("resolved", params) for params in p.resolved]


def _share_cap(ranked: list[Proposal], config: CycleConfig, scope: str) -> None:
    """At most ``best_share`` of the group in the first grade; the lower-ranked rest go to the second."""
    best, second = config.grades[0], config.grades[1]
    share = config.review.best_share
    cap = math.floor(share * len(ranked) + 1e-9)
    given = 0
    for position, p in enumerate(ranked, start=1):
        if p.grade != best:
            continue
        if given < cap:
            given += 1
            continue
        p.grade = second
        p.reasons.append(Reason("share-cap", {"scope": scope, "units": len(ranked), "grade": best, "share": share,
                                              "cap": cap, "position": position, "to": second}))


def _explain_ties(ranked: list[Proposal], tie_break: str | None) -> None:
    if not tie_break:
        return
    for ahead, behind in zip(ranked, ranked[1:], strict=False):
        if ahead.score == behind.score and ahead.main_leader_visit and not behind.main_leader_visit:
            ahead.reasons.append(Reason("tie", {"other": behind.unit, "ahead": True}))
            behind.reasons.append(Reason("tie", {"other": ahead.unit, "ahead": False}))
