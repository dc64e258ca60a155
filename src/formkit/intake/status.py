"""Who has returned what: every issued form against what the store holds, each against its deadline (the
year's schedule in ``cycle.yaml``: a periodic form's for its quarter or half-year; 未设定, and never overdue,
where neither the 办法 nor the year's working group dates the step), and the missing list."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from formkit.config import UNSET, CycleConfig, load_config
from formkit.forms import form_ids, load_form
from formkit.forms.cycle import Cycle
from formkit.forms.model import PERIODS
from formkit.forms.schedule import COMBINED_REVIEW, basis, chinese, due, steps
from formkit.intake.attach import attachments
from formkit.issue.context import PERIOD_WORDS
from formkit.ooxml.spreadsheet import save_workbook
from formkit.outputs import append_row
from formkit.store import Store

STATES = {"valid": "已报送（无错误）", "with-errors": "已报送（有错误，待修改）", "missing": "未报送"}


def period_label(period: str | None) -> str:
    """``第2季度``, ``上半年`` (as the issued files are named); empty for no period or one of another shape."""
    kinds = {letter: kind for kind, (letter, _count) in PERIODS.items()}
    if not period or period[0] not in kinds or not period[1:].isdigit():
        return ""
    words, n = PERIOD_WORDS[kinds[period[0]]], int(period[1:])
    return words.format(n) if isinstance(words, str) else (words[n - 1] if 1 <= n <= len(words) else "")


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
    overdue: bool = False  # not returned, and its deadline has passed
    period: str | None = None  # Q2, H1: a periodic form's period
    late: bool = False  # returned after its deadline
    deadline_source: str | None = None  # 办法 四（二）, 工作组, 办法 四（一）未定日期: whose deadline it is

    @property
    def note(self) -> str:
        """``（1 个错误，第2季度，截止2026年7月10日，已逾期）`` as status prints it beside the recipient."""
        parts = [f"{self.errors} 个错误"] * bool(self.errors) + [period_label(self.period)] * bool(self.period)
        if self.deadline:
            parts.append(f"截止{chinese(date.fromisoformat(self.deadline))}")
        parts += ["已逾期"] * self.overdue + ["逾期报送"] * self.late
        return f"（{'，'.join(parts)}）" if parts else ""


@dataclass
class StatusReport:
    year: int
    rows: list[RecipientStatus]
    unexpected: list[dict] = field(default_factory=list)  # readable forms nobody was issued
    rejected: int = 0
    schedule: list[dict] = field(default_factory=list)  # every step's deadline (forms.schedule.Step) and if overdue
    reports: list = field(default_factory=list)  # each unit's written 自评总结 and its lead department (intake.attach)

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
                "unexpected": self.unexpected, "rejected": self.rejected, "schedule": self.schedule,
                "reports": [r.as_dict() for r in self.reports]}


def status(store: Store, cycle: Cycle, today: date | None = None) -> StatusReport:
    year, config = cycle.year, cycle.config
    issued = store.issued(year)
    today = today or date.today()
    current = store.current(year)
    versions: dict[tuple[str, str], int] = {}
    first: dict[tuple[str, str], date] = {}  # when the first version arrived (a correction later is not late)
    rejected = 0
    for sub in store.submissions(year):
        if sub.recipient.id and sub.year == year:
            versions[(sub.form, sub.recipient.id)] = versions.get((sub.form, sub.recipient.id), 0) + 1
            arrived = sub.received_at.date()
            first[(sub.form, sub.recipient.id)] = min(first.get((sub.form, sub.recipient.id), arrived), arrived)
        elif not sub.readable:
            rejected += 1
    rows = []
    for item in issued:
        who = item.recipient
        key = (item.form, who.id)
        sub = current.get(key)
        deadline = due(config, item.form, year, who.period)
        state = "missing" if sub is None else ("with-errors" if sub.errors else "valid")
        rows.append(RecipientStatus(
            item.form, who.id, who.name, who.unit or "", who.county or "", item.lead_department or "", state,
            sub.id if sub else None, sub.received_at.isoformat() if sub else None, sub.errors if sub else 0,
            sub.warnings if sub else 0, versions.get(key, 0), deadline.isoformat() if deadline else None,
            bool(state == "missing" and deadline and today > deadline), who.period,
            bool(sub and deadline and first.get(key, today) > deadline),
            _basis(config, item.form)))
    known = {(i.form, i.recipient.id) for i in issued}
    unexpected = [{"submission": s.id, "form": s.form, "recipient_id": s.recipient.id,
                   "recipient": s.recipient.name, "file": s.file_name}
                  for key, s in current.items() if key not in known]
    report = StatusReport(year, rows, unexpected, rejected)
    report.schedule = _schedule(store, cycle, report, today)
    report.reports = attachments(store, year)
    return report


def _basis(config: CycleConfig, form: str) -> str | None:
    step = config.deadlines.get(form)
    return basis(step.source, step.dated) if step else None


def _schedule(store: Store, cycle: Cycle, report: StatusReport, today: date) -> list[dict]:
    """Every step of the year with its deadline and whether it is overdue: a form's when any recipient's
    form is overdue, the 综合评议's when its day has passed and no grade is stored."""
    overdue = {form: counts["overdue"] for form, counts in report.summary().items()}
    out = []
    for step in steps(cycle.config, cycle.year):
        late = overdue.get(step.key, 0) > 0
        if step.key == COMBINED_REVIEW:
            late = bool(step.date and today > step.date and not store.grades(cycle.year))
        out.append({**step.as_dict(), "basis": step.basis, "overdue": late, "shown": step.shown})
    return out


def write_missing_xlsx(report: StatusReport, path: str | Path) -> Path:
    """催报名单: recipients who have not returned their form, and those whose form must be corrected."""
    # openpyxl is heavy: loaded only when the missing list is written (`formkit status` alone needs none)
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    headers = ["序号", "表单", "接收方", "中央单位", "定点帮扶县", "牵头部门", "状态", "截止日期", "截止日期依据",
               "是否逾期", "错误数"]
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
                title = titles.get(row.form, row.form) + (f"（{period_label(row.period)}）" if row.period else "")
                when = chinese(date.fromisoformat(row.deadline)) if row.deadline else UNSET
                append_row(sheet, [n, title, row.recipient, row.unit, row.county, row.lead_department,
                                   STATES[row.state], when, row.deadline_source or "",
                                   "是" if row.overdue else "否", row.errors])
        for col, width in zip("ABCDEFGHIJK", (6, 34, 36, 30, 14, 20, 22, 16, 16, 10, 8), strict=True):
            sheet.column_dimensions[col].width = width
    del book["Sheet"]
    return save_workbook(book, path, load_config(report.year).coordinator, f"{report.year}年度定点帮扶考核评价材料催报名单")
