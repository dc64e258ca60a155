"""Issue the voting sheets (分类评价投票表), built from the form definition with the year's grade names: one
per registered delegate, without the delegate's own unit (回避), or — when no delegate is registered — a
number of reviewers per category, each sheet listing every unit of the category.

无记名: a sheet carries no name, and the store never links a vote to a delegate. A delegate's sheet is known
only by its number and the unit it leaves out (recorded as the act ``sheet-recusal``, so that the tally does
not count that unit as left blank); the sheets of one category are numbered in the order of the units they
leave out, never in the order of the delegates, and sheets that leave out the same unit are interchangeable.
The unit a sheet leaves out is plain on the paper itself: it tells which unit's delegate filled it in, and,
when a unit sends one delegate, who. Which delegate handed a sheet in is a separate tick
(:func:`formkit.review.delegates.mark_returned`)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from formkit.errors import FormkitError
from formkit.forms import load_catalogue, load_form
from formkit.forms.cycle import Cycle
from formkit.intake.issued import record_issued
from formkit.issue.batch import MANIFEST, Issued, issue_forms
from formkit.issue.context import Reviewer
from formkit.issue.layout import build_template
from formkit.outputs import write_csv
from formkit.review.delegates import RECUSAL, Delegate, delegates, recusals
from formkit.roster.model import Roster
from formkit.store import Store

FORM = "review-vote"
HANDOUT = "投票表分发单.csv"


@dataclass
class Sheets:
    """What ``review sheets`` made: the documents, and the delegates who get none (their category has no
    other unit to vote on)."""
    results: list[Issued]
    by_delegates: bool
    without_sheet: list[Delegate] = field(default_factory=list)


def issue_sheets(roster: Roster, year: int, reviewers: int | Sequence[Reviewer], out: str | Path,
                 on_progress=None) -> list[Issued]:
    """The sheets in ``out/review-vote/`` with ``manifest.csv``: ``reviewers`` numbered sheets for each category
    of the roster, or one per ``Reviewer`` given (without its ``recused`` unit). The template is laid out for
    ``year`` so that its grade columns are that year's grades."""
    with tempfile.TemporaryDirectory(prefix="formkit-sheet-") as tmp:
        buf = io.BytesIO()
        build_template(load_form(FORM, year), load_catalogue()).save(buf)
        (Path(tmp) / f"{FORM}.docx").write_bytes(buf.getvalue())
        return issue_forms(roster, year, out, forms=[FORM], templates=Path(tmp), on_progress=on_progress,
                           reviewers=reviewers)


def delegate_reviewers(present: list[Delegate], roster: Roster) -> tuple[list[Reviewer], list[Delegate]]:
    """One ``Reviewer`` per delegate whose category has another unit in the roster, numbered 01, 02… per
    category in the order of the unit left out (the delegate's name is on none of them); and the delegates
    left without a sheet."""
    leads = {u.category: u.lead for u in roster.units}
    others = {c: {u.id for u in roster.units if u.category == c} for c in leads}
    reviewers, without = [], []
    numbers: dict[str, int] = {}
    for d in sorted(present, key=lambda d: (d.category, d.unit_id)):
        if not others.get(d.category, set()) - {d.unit_id}:
            without.append(d)
            continue
        numbers[d.category] = numbers.get(d.category, 0) + 1
        reviewers.append(Reviewer(d.category, leads[d.category], f"{numbers[d.category]:02d}", d.unit_id))
    return reviewers, without


def make_sheets(store: Store, roster: Roster, cycle: Cycle, reviewers: int | None, out: str | Path) -> Sheets:
    """The sheets of the year, recorded as issued: per delegate when delegates are registered (then
    ``reviewers`` is refused: ``review.sheets-mode``), else ``reviewers`` numbered ones per category
    (``review.no-reviewers`` without). Records the unit each sheet leaves out, and writes the handout list
    (``投票表分发单.csv``: which sheet goes to the delegates of which unit) beside the manifest."""
    out = Path(out)
    present = delegates(store, cycle)
    if present and reviewers:
        raise FormkitError("review.sheets-mode", "本年度已登记参评代表，投票表按代表生成（每位代表一张，不含本单位），"
                           "不能再指定 --reviewers")
    if not present and not reviewers:
        raise FormkitError("review.no-reviewers", "本年度没有登记参评代表：先用 formkit review delegates 登记，"
                           "或用 --reviewers 指定每类评议组人数")
    members, without = delegate_reviewers(present, roster) if present else ([], [])
    results = issue_sheets(roster, cycle.year, members or reviewers or 0, out)
    record_issued(store, results, cycle.year, out / MANIFEST)
    left_out = {(r.category, r.number): r.recused for r in members}
    held = recusals(store, cycle.year)
    issued = [r for r in results if not r.error_code]
    for r in issued:
        unit = left_out.get(_key(r), "")
        if held.get(r.recipient_id, "") != unit:
            store.record_act(cycle.year, RECUSAL, r.recipient_id, {"unit": unit}, cycle.config.coordinator)
    if present:
        names = {u.id: u.name for u in roster.units}
        write_csv(out / HANDOUT, ["单位类别", "投票表编号", "文件", "交该单位的参评代表（回避本单位）"],
                  ([r.category, r.recipient_id, r.file, names.get(left_out.get(_key(r), ""), "")]
                   for r in issued))
    return Sheets(results, bool(present), without)


def _key(sheet: Issued) -> tuple[str, str]:
    """(category, number) of an issued sheet: R03-02 → (its category, 02)."""
    return sheet.category, sheet.recipient_id.rsplit("-", 1)[-1]

