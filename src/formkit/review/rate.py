"""综合评议: a proposed grade for every unit from the categorised vote, the self-assessment, the counties'
feedback, the everyday-work assessment and the counties' revitalisation results, by the rules in
``cycle.yaml`` (``review``). Every proposal carries its reasons as data (``review/reasons.py``), shown in
Chinese to the secretariat and the leading group."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from formkit.config import CycleConfig
from formkit.evaluation.flags import FLAG_RULES
from formkit.evaluation.units import Evaluation, UnitEntry
from formkit.review.inputs import Inputs
from formkit.review.reasons import Reason
from formkit.review.tally import Tally


@dataclass
class Proposal:
    recipient_id: str
    unit: str
    category: str
    parts: dict[str, float]  # part → 0–100
    score: float
    main_leader_visit: bool
    vetoes: list[dict]  # {"rule": a configured veto, ...}: see reasons.veto_text
    grade: str = ""
    rank: int = 0
    reasons: list[Reason] = field(default_factory=list)

    def row(self) -> dict:
        """As the store keeps it."""
        return {"recipient_id": self.recipient_id, "unit": self.unit, "category": self.category, "rank": self.rank,
                "score": {"total": self.score, **self.parts}, "proposed": self.grade,
                "reasons": [r.stored() for r in self.reasons]}

    def shown(self) -> dict:
        """For ``--json``: the stored row, each reason with its Chinese text."""
        return {**self.row(), "reasons": [r.shown() for r in self.reasons]}


def rate(dossier: Evaluation, votes: Tally, inputs: Inputs, config: CycleConfig) -> list[Proposal]:
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
    reasons: list[Reason] = []
    tally = votes.unit(u.recipient_id)
    if tally and tally.valid:
        parts["vote"] = sum(points[g] * n for g, n in tally.votes.items()) / tally.valid
        reasons.append(Reason("vote", {"votes": dict(tally.votes), "valid": tally.valid, "score": parts["vote"]}))
    else:
        reasons.append(Reason("vote", {"valid": 0}))
    values = u.values
    if u.submission:
        unmet = [f.code for f in u.submission.findings if f.code in FLAG_RULES]
        parts["self"] = max(0.0, 100 - rules.minimum_penalty * len(unmet))
        reasons.append(Reason("self", {"unmet": unmet, "score": parts["self"]}))
    else:
        parts["self"] = 0.0
        reasons.append(Reason("self", {"missing": True, "score": 0.0}))
    graded = [(c.county, c.grade) for c in u.counties if c.grade in points]
    if graded:
        parts["county"] = sum(points[g] for _c, g in graded) / len(graded)
    reasons.append(Reason("county", {"grades": graded, "score": parts.get("county")}))
    if u.recipient_id in inputs.daily:
        parts["daily"] = inputs.daily[u.recipient_id]
    reasons.append(Reason("daily", {"score": parts.get("daily")}))
    if inputs.results.get(u.recipient_id):
        results = inputs.results[u.recipient_id]
        parts["revitalisation"] = sum(results) / len(results)
        reasons.append(Reason("revitalisation", {"score": parts["revitalisation"]}))
    weights = {k: w for k, w in rules.weights.items() if k in parts and w > 0}
    total = sum(weights.values())
    score = round(sum(parts[k] * w for k, w in weights.items()) / total, 2) if total else 0.0
    reasons.append(Reason("total", {"score": score, "weights": weights}))
    main_leader = u.figures.main_leader_visit or any(c.main_leader_visited for c in u.counties)
    return Proposal(u.recipient_id, u.unit, u.category, {k: round(v, 2) for k, v in parts.items()}, score,
                    bool(main_leader), _vetoes(u, values, inputs, rules.vetoes), reasons=reasons)


def _vetoes(u: UnitEntry, values: dict, inputs: Inputs, enabled: tuple[str, ...]) -> list[dict]:
    out: list[dict] = []
    if "violation" in enabled:
        if values.get("violations"):
            out.append({"rule": "violation", "source": "self"})
        if inputs.violation.get(u.recipient_id):
            out.append({"rule": "violation", "source": "inputs"})
    if "return_to_poverty" in enabled:
        counties = [c.county for c in u.counties if c.return_to_poverty]
        counties += [c for c in inputs.return_to_poverty.get(u.recipient_id, []) if c not in counties]
        if counties:
            out.append({"rule": "return_to_poverty", "counties": counties})
    return out


def _threshold_and_vetoes(p: Proposal, config: CycleConfig) -> None:
    rules = config.review
    best, second = config.grades[0], config.grades[1]
    lines = list(zip(config.grades, rules.thresholds, strict=False))
    p.grade = next((g for g, line in lines if p.score >= line), config.grades[-1])
    p.reasons.append(Reason("threshold", {"thresholds": lines, "grade": p.grade}))
    if p.grade == best and p.vetoes:
        p.grade = second
        p.reasons.append(Reason("veto", {"vetoes": p.vetoes, "grade": best, "to": second}))


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
