"""The 综合评议 as one call: tally the votes, read the secretariat's inputs, gather the vetoes' facts, rate,
store the proposals and record the rating as an act with the rules it applied and where each came from; say
which categories' 分类评价 results are not yet confirmed by their lead departments (a rating before that is
the working group's draft: the 请示 and the 审定 wait for the confirmations)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from formkit.evaluation.facts import veto_acts
from formkit.evaluation.units import evaluate
from formkit.findings import Finding
from formkit.forms.cycle import Cycle
from formkit.review.approval import RATED
from formkit.review.category import unconfirmed_findings
from formkit.review.inputs import Inputs, read_inputs
from formkit.review.rate import Proposal, rate
from formkit.review.rules import Rule, applied, check
from formkit.review.tally import Tally, tally
from formkit.review.vetoes import collect
from formkit.store import Store


@dataclass
class Rating:
    proposals: list[Proposal]
    votes: Tally
    inputs: Inputs
    rules: list[Rule]  # what was applied, the 办法's first, each with its source
    findings: list[Finding]  # about the facts: reports that disagree (review.poverty-conflict)
    unconfirmed: list[Finding]  # categories whose 分类评价 result is not confirmed (review.category-unconfirmed)

    @property
    def scored(self) -> bool:
        return any(p.score is not None for p in self.proposals)


def run_rating(store: Store, cycle: Cycle, inputs_path: str | Path | None = None) -> Rating:
    year, config = cycle.year, cycle.config
    check(cycle)
    votes = tally(store, cycle)
    inputs = read_inputs(inputs_path, config) if inputs_path else Inputs()
    dossier = evaluate(store, cycle)
    vetoes = collect(dossier, inputs, veto_acts(store, year), config.review.vetoes, cycle.best)
    proposals = rate(dossier, votes, inputs, config, vetoes)
    rules = applied(cycle)
    detail: dict = {"rules": [r.as_dict() for r in rules]}
    if inputs_path:
        detail["inputs"] = {"file": Path(inputs_path).name,
                            "sha256": hashlib.sha256(Path(inputs_path).read_bytes()).hexdigest()}
    store.save_grades(year, [p.row() for p in proposals], detail)
    findings = vetoes.findings()
    store.record_act(year, RATED, str(year), {**detail, "scored": config.review.scored,
                                              "findings": [f.as_dict() for f in findings]}, "工作组")
    return Rating(proposals, votes, inputs, rules, findings, unconfirmed_findings(store, year, votes))
