"""The 综合评议 as one call: tally the votes, read the secretariat's inputs, rate, store the proposals."""

from __future__ import annotations

import hashlib
from pathlib import Path

from formkit.errors import DefinitionError
from formkit.evaluation.units import evaluate
from formkit.forms.cycle import Cycle
from formkit.review.inputs import Inputs, read_inputs
from formkit.review.rate import Proposal, rate
from formkit.review.tally import Tally, tally
from formkit.store import Store


def run_rating(store: Store, cycle: Cycle, inputs_path: str | Path | None = None) -> tuple[list[Proposal], Tally, Inputs]:
    year, config = cycle.year, cycle.config
    if config.review is None:
        raise DefinitionError("config.invalid", "cycle.yaml 中没有 review（综合评议规则）设置")
    votes = tally(store, cycle)
    inputs = read_inputs(inputs_path, config) if inputs_path else Inputs()
    proposals = rate(evaluate(store, cycle), votes, inputs, config)
    detail = {"rules": {"points": list(config.review.points), "weights": config.review.weights,
                        "thresholds": list(config.review.thresholds), "best_share": config.review.best_share,
                        "vetoes": list(config.review.vetoes), "tie_break": config.review.tie_break}}
    if inputs_path:
        detail["inputs"] = {"file": Path(inputs_path).name,
                            "sha256": hashlib.sha256(Path(inputs_path).read_bytes()).hexdigest()}
    store.save_grades(year, [p.row() for p in proposals], detail)
    return proposals, votes, inputs

