"""The whole yearly cycle on the bundled samples, stage by stage (so far: issue, return, read)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from formkit.errors import FormkitError
from formkit.fill import fill_form
from formkit.forms import load_form
from formkit.forms.contract import form_contract
from formkit.issue import issue_forms
from formkit.issue.context import prefilled_values, recipients
from formkit.read.batch import read_many
from formkit.read.result import ReadResult
from formkit.resources import samples_dir
from formkit.roster import load_roster
from formkit.simulate import as_typed, valid_values


@dataclass
class DemoReport:
    out: Path
    issued: int = 0
    returned: list[Path] = field(default_factory=list)
    read_ok: int = 0
    read_with_errors: int = 0
    unreadable: int = 0
    outputs: dict[str, Path] = field(default_factory=dict)


# How some recipients fill their forms imperfectly, as happens every year (recipient id → edits).
IMPERFECT = {
    "U003": {"funds": {0: {"invested_free": "约三百万"}}},  # an approximate amount: an error to fix
    "U005": {"consumer_bought": "1.2亿元", "fill_date": "2026.12.20"},  # other units and date style: accepted
    "U010-522732": {"grade_overall": ""},  # a grade left unselected: an error
    "U013-513342": {"cadres_present": "2人次"},  # persons given as person-times: an error
}


def run_demo(out: Path, year: int, say: Callable[[str], None] = print) -> DemoReport:
    roster = load_roster(samples_dir() / "roster", year)
    report = DemoReport(out)
    issued = issue_forms(roster, year, out / "issued")
    report.issued = sum(1 for r in issued if not r.error_code)
    report.outputs["issued"] = out / "issued"
    say(f"1. 下发表格：{report.issued} 份 → {out / 'issued'}（清单 manifest.csv）")
    files = {(r.form, r.recipient_id): out / "issued" / r.file for r in issued if not r.error_code}
    returned = out / "returned"
    returned.mkdir(parents=True, exist_ok=True)
    for form_id in ("self-assessment", "county-feedback"):
        form = load_form(form_id, year)
        contract = form_contract(form)
        for i, recipient in enumerate(recipients(form, roster)):
            given = prefilled_values(form, year, recipient)
            typed = as_typed(contract, valid_values(contract, given, year, seed=i), given)
            _imperfect(typed, IMPERFECT.get(recipient.id, {}))
            target = returned / files[(form_id, recipient.id)].name
            fill_form(files[(form_id, recipient.id)], target, form, typed)
            report.returned.append(target)
    say(f"2. 模拟回收：{len(report.returned)} 份已填写的表格 → {returned}（其中 {len(IMPERFECT)} 份有常见填写问题）")
    results_dir = out / "read"
    results_dir.mkdir(parents=True, exist_ok=True)
    for path, outcome in read_many(report.returned, roster, year):
        target = results_dir / (path.stem + ".json")
        if isinstance(outcome, FormkitError):
            report.unreadable += 1
            target.write_text(json.dumps({"error": outcome.as_dict()}, ensure_ascii=False, indent=2), encoding="utf-8")
            continue
        assert isinstance(outcome, ReadResult)
        if outcome.has_errors:
            report.read_with_errors += 1
        else:
            report.read_ok += 1
        target.write_text(json.dumps(outcome.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    report.outputs["read"] = results_dir
    say(f"3. 读取回收表格：{report.read_ok} 份无错误，{report.read_with_errors} 份有错误，"
        f"{report.unreadable} 份无法读取 → {results_dir}（每份一个 JSON）")
    return report


def _imperfect(typed: dict, edits: dict) -> None:
    for key, value in edits.items():
        if isinstance(value, dict):
            for row, cells in value.items():
                typed[key][row].update(cells)
        else:
            typed[key] = value
