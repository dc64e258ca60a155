"""Who has returned what: every issued form against what the store holds, and the missing list."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from formkit.forms import form_ids, load_form
from formkit.forms.cycle import Cycle
from formkit.outputs import append_row, save
from formkit.store import Store

STATES = {"valid": "已报送（无错误）", "with-errors": "已报送（有错误，待修改）", "missing": "未报送"}


@dataclass
class RecipientStatus:
    form: str
    recipient_id: str
    recipient: str
    unit: str
    county: str
    lead_department: str
    state: str
    submission: int | None = None
    received_at: str | None = None
    errors: int = 0
    warnings: int = 0
    versions: int = 0
    deadline: str | None = None
    overdue: bool = False


@dataclass
class StatusReport:
    year: int
    rows: list[RecipientStatus]
    unexpected: list[dict] = field(default_factory=list)  # readable forms nobody was issued
    rejected: int = 0

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for row in self.rows:
            counts = out.setdefault(row.form, {"issued": 0, "received": 0, "valid": 0, "with-errors": 0,
                                               "missing": 0, "overdue": 0})
            counts["issued"] += 1
            counts[row.state] += 1
            counts["received"] += row.state != "missing"
            counts["overdue"] += row.overdue
        return out

    def as_dict(self) -> dict:
        return {"year": self.year, "summary": self.summary(), "recipients": [asdict(r) for r in self.rows],
                "unexpected": self.unexpected, "rejected": self.rejected}


def status(store: Store, cycle: Cycle, today: date | None = None) -> StatusReport:
    year, config = cycle.year, cycle.config
    issued = store.issued(year)
    today = today or date.today()
    current = store.current(year)
    versions: dict[tuple[str, str], int] = {}
    rejected = 0
    for sub in store.submissions(year):
        if sub.recipient.id and sub.year == year:
            versions[(sub.form, sub.recipient.id)] = versions.get((sub.form, sub.recipient.id), 0) + 1
        elif not sub.readable:
            rejected += 1
    rows = []
    for item in issued:
        who = item.recipient
        key = (item.form, who.id)
        sub = current.get(key)
        deadline = config.deadline(item.form, year)
        state = "missing" if sub is None else ("with-errors" if sub.errors else "valid")
        rows.append(RecipientStatus(
            item.form, who.id, who.name, who.unit or "", who.county or "", item.lead_department or "", state,
            sub.id if sub else None, sub.received_at.isoformat() if sub else None, sub.errors if sub else 0,
            sub.warnings if sub else 0, versions.get(key, 0), deadline.isoformat() if deadline else None,
            bool(state == "missing" and deadline and today > deadline)))
    known = {(i.form, i.recipient.id) for i in issued}
    unexpected = [{"submission": s.id, "form": s.form, "recipient_id": s.recipient.id,
                   "recipient": s.recipient.name, "file": s.file_name}
                  for key, s in current.items() if key not in known]
    return StatusReport(year, rows, unexpected, rejected)


def write_missing_xlsx(report: StatusReport, path: str | Path) -> Path:
    """催报名单: recipients who have not returned their form, and those whose form must be corrected."""
    # openpyxl is heavy: loaded only when the missing list is written (`formkit status` alone needs none)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    headers = ["序号", "表单", "接收方", "中央单位", "定点帮扶县", "牵头部门", "状态", "截止日期", "是否逾期", "错误数"]
    titles = {f: load_form(f).title for f in form_ids()}
    for sheet_name, states in (("未报送", ("missing",)), ("待修改", ("with-errors",))):
        sheet = book.create_sheet(sheet_name)
        append_row(sheet, [f"{report.year}年度定点帮扶考核评价材料{sheet_name}名单"])
        sheet["A1"].font = Font(bold=True, size=14)
        append_row(sheet, headers)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        n = 0
        for row in report.rows:
            if row.state in states:
                n += 1
                append_row(sheet, [n, titles.get(row.form, row.form), row.recipient, row.unit, row.county,
                                   row.lead_department, STATES[row.state], row.deadline or "",
                                   "是" if row.overdue else "否", row.errors])
        for col, width in zip("ABCDEFGHIJ", (6, 30, 36, 30, 14, 20, 22, 12, 10, 8), strict=True):
            sheet.column_dimensions[col].width = width
    del book["Sheet"]
    return save(book, path)
