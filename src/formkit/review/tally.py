"""The tally of the categorised vote: per unit the votes for each grade, blank and invalid entries, and the
returned sheets that left it out (回避: its own delegates'); per category the turnout; per sheet whether it
came back and what was wrong with it. A sheet is known by its number only (无记名)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from formkit.config import load_config
from formkit.findings import ERROR, WARNING, Finding, finding
from formkit.forms.cycle import Cycle
from formkit.forms.model import choice_groups
from formkit.ooxml.spreadsheet import save_workbook
from formkit.outputs import append_row
from formkit.review.delegates import recusals
from formkit.review.units import units_by_category
from formkit.store import Store

FORM = "review-vote"


@dataclass
class UnitVotes:
    recipient_id: str
    unit: str
    category: str
    votes: dict[str, int]
    blank: int = 0  # no grade ticked (or the unit missing from the sheet)
    invalid: int = 0  # two or more grades ticked
    recused: int = 0  # returned sheets that leave the unit out (its own delegates': 回避)

    @property
    def valid(self) -> int:
        return sum(self.votes.values())


@dataclass
class SheetState:
    recipient_id: str
    name: str
    category: str
    state: str  # counted, missing
    problems: list[Finding] = field(default_factory=list)  # review.vote-invalid, review.vote-blank

    @property
    def problems_text(self) -> str:
        return "；".join(f.message for f in self.problems)


@dataclass
class Tally:
    year: int
    grades: tuple[str, ...]
    categories: dict[str, list[UnitVotes]]
    sheets: list[SheetState]

    def turnout(self, category: str) -> tuple[int, int]:
        """(sheets returned, sheets issued) of a category."""
        mine = [s for s in self.sheets if s.category == category]
        return sum(1 for s in mine if s.state == "counted"), len(mine)

    def unit(self, recipient_id: str) -> UnitVotes | None:
        return next((u for us in self.categories.values() for u in us if u.recipient_id == recipient_id), None)

    def as_dict(self) -> dict:
        return {"year": self.year, "grades": list(self.grades),
                "categories": {name: {"turnout": dict(zip(("returned", "issued"), self.turnout(name), strict=True)),
                                      "units": [{**asdict(u), "valid": u.valid} for u in units]}
                               for name, units in self.categories.items()},
                "sheets": [{**asdict(s), "problems": [f.as_dict() for f in s.problems]} for s in self.sheets]}


def tally(store: Store, cycle: Cycle) -> Tally:
    year, config = cycle.year, cycle.config
    ticks = choice_groups(cycle.form(FORM).field("votes"))["grade"]
    units = units_by_category(store, cycle)
    counts = {name: [UnitVotes(u.recipient_id, u.name, name, dict.fromkeys(config.grades, 0)) for u in us]
              for name, us in units.items()}
    current = store.current(year)
    left_out = recusals(store, year)
    by_lead = {c.lead: c.name for c in config.categories}
    sheets = []
    for item in sorted(store.issued(year), key=lambda r: r.recipient.id):
        if item.form != FORM:
            continue
        category = by_lead.get(item.lead_department or "", "")
        sheet = SheetState(item.recipient.id, item.recipient.name, category, "counted")
        sheets.append(sheet)
        sub = current.get((FORM, item.recipient.id))
        if sub is None:
            sheet.state = "missing"  # turnout, not blank votes
            continue
        rows = sub.record.rows("votes") if sub.record else []
        by_code = {r.get("unit_code"): r for r in rows if r.get("unit_code")}
        by_name = {r.get("unit"): r for r in rows if r.get("unit")}
        for u in counts.get(category, []):
            if u.recipient_id == left_out.get(item.recipient.id):
                u.recused += 1
                continue
            row = by_code.get(u.recipient_id) or by_name.get(u.unit) or {}  # by code: sheets of version 1
            chosen = [c.choice_value for c in ticks if row.get(c.key)]
            if len(chosen) == 1:
                u.votes[chosen[0]] += 1
            elif chosen:
                u.invalid += 1
                sheet.problems.append(finding(
                    "review.vote-invalid", ERROR, f"“{u.unit}”勾选了{len(chosen)}个等次（{'、'.join(chosen)}），该单位票无效",
                    subject=u.recipient_id, params={"unit": u.unit, "count": len(chosen), "grades": chosen}))
            else:
                u.blank += 1
                sheet.problems.append(finding("review.vote-blank", WARNING, f"“{u.unit}”未选择等次",
                                              subject=u.recipient_id, params={"unit": u.unit}))
    return Tally(year, config.grades, counts, sheets)


def write_tally_xlsx(result: Tally, path) -> None:
    """计票结果: a sheet per category (units × grades, blank, invalid, valid, turnout), and the sheets' states."""
    # openpyxl is heavy: loaded only when the workbook is written (the rating needs the tally only)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    for name, units in result.categories.items():
        sheet = book.create_sheet(name[:31])
        returned, issued = result.turnout(name)
        append_row(sheet, [f"{result.year}年度分类评价计票结果（{name}）　收回投票表 {returned}/{issued} 份"])
        sheet["A1"].font = Font(bold=True, size=13)
        append_row(sheet, ["序号", "单位代码", "中央单位", *result.grades, "未选", "无效", "有效票", "回避"])
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for n, u in enumerate(units, start=1):
            append_row(sheet, [n, u.recipient_id, u.unit, *(u.votes[g] for g in result.grades), u.blank, u.invalid,
                               u.valid, u.recused])
        sheet.column_dimensions["C"].width = 30
    states = book.create_sheet("投票表")
    append_row(states, ["编号", "投票表", "单位类别", "状态", "问题"])
    for s in result.sheets:
        append_row(states, [s.recipient_id, s.name, s.category, "已计票" if s.state == "counted" else "未收回",
                            s.problems_text])
    del book["Sheet"]
    save_workbook(book, path, load_config(result.year).coordinator, f"{result.year}年度分类评价计票结果")
