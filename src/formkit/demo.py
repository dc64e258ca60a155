"""The whole yearly cycle on the bundled samples, stage by stage (so far: issue, return, read)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from formkit.errors import FormkitError
from formkit.issue import issue_forms
from formkit.read.batch import read_many
from formkit.read.result import ReadResult
from formkit.resources import samples_dir
from formkit.roster import load_roster
from formkit.simulate import fill_recipients


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


# Recipients whose forms have not come back yet when the demo checks.
LATE = ("U014", "U009-610732")


def run_demo(out: Path, year: int, say: Callable[[str], None] = print) -> DemoReport:
    roster = load_roster(samples_dir() / "roster", year)
    report = DemoReport(out)
    issued = issue_forms(roster, year, out / "issued")
    report.issued = sum(1 for r in issued if not r.error_code)
    report.outputs["issued"] = out / "issued"
    say(f"1. 下发表格：{report.issued} 份 → {out / 'issued'}（清单 manifest.csv）")
    files = {(r.form, r.recipient_id): out / "issued" / r.file for r in issued if not r.error_code}
    returned = out / "returned"
    report.returned = list(fill_recipients(roster, year, files, returned, IMPERFECT).values())
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
    _intake(report, roster, issued, year, say)
    return report


def _intake(report: DemoReport, roster, issued, year: int, say: Callable[[str], None]) -> None:
    from formkit.intake.ingest import ingest
    from formkit.intake.status import status, write_missing_xlsx
    from formkit.issue.batch import issued_rows
    from formkit.letters import write_letters
    from formkit.store import Store

    out = report.out
    store = Store(f"sqlite:///{(out / 'formkit.db').resolve()}", out / "formkit-originals")
    store.record_issued(issued_rows(issued, year))
    late = {r.recipient_id for r in issued if r.recipient_id in LATE}
    incoming = [p for p in report.returned if not any(p.name.startswith(rid + "_") for rid in late)]
    junk = out / "returned" / "~$临时文件.docx"
    junk.write_bytes(b"\x05formkit" + b" " * 156)  # a Word lock file mailed along with the forms
    results = list(ingest([*incoming, junk], store, year))
    again = list(ingest(incoming[:3], store, year))  # someone sends the same files twice
    accepted = sum(r.outcome in ("accepted", "accepted-with-warnings") for r in results)
    say(f"4. 收取入库：{accepted} 份接收，{len(results) - accepted} 份拒收，重复报送 {sum(r.duplicate for r in again)} 份"
        f" → {out / 'formkit.db'}（原件按 SHA-256 保存在 formkit-originals/）")
    tracked = status(store, year)
    xlsx = write_missing_xlsx(tracked, out / "催报名单.xlsx")
    counts = tracked.summary()
    missing = sum(c["missing"] for c in counts.values())
    with_errors = sum(c["with-errors"] for c in counts.values())
    say(f"5. 报送情况：未报送 {missing} 份，有错误待修改 {with_errors} 份 → {xlsx}")
    letters = write_letters(store, year, out / "退回修改意见")
    say(f"6. 退回修改意见：{len(letters)} 份 → {out / '退回修改意见'}")
    report.outputs.update({"store": out / "formkit.db", "missing": xlsx, "letters": out / "退回修改意见"})
    store.close()
    _notices(report, year, say)


def _notices(report: DemoReport, year: int, say: Callable[[str], None]) -> None:
    from formkit.convert import soffice
    from formkit.gongwen.notice import write_notice

    out = report.out / "公文"
    db = f"sqlite:///{(report.out / 'formkit.db').resolve()}"
    made = []
    for kind, name in (("issue-forms", "下发考核评价表格的通知"), ("progress", "工作进展通报")):
        result = write_notice(kind, year, out / f"{name}.docx", db_url=db, pdf=soffice() is not None)
        failed = [c for c in result.get("checks", []) if c.result == "fail"]
        made.append(f"{name}（{'PDF 版式检查不合格 ' + str(len(failed)) + ' 项' if failed else 'PDF 版式检查通过'}）"
                    if "pdf" in result else f"{name}（未安装 LibreOffice，未生成 PDF）")
    report.outputs["notices"] = out
    say(f"7. 公文（GB/T 9704-2012）：{'；'.join(made)} → {out}")
    from formkit.dossier import build_dossier
    from formkit.store import Store

    store = Store(db, report.out / "formkit-originals")
    path, dossier = build_dossier(store, year, report.out / "材料汇编" / f"{year}年度考核评价材料汇编.docx",
                                  pdf=soffice() is not None)
    store.close()
    flagged = sum(1 for _c, _l, units in dossier.categories for u in units if u.flags)
    report.outputs["dossier"] = path
    say(f"8. 材料汇编：{sum(len(u) for _c, _l, u in dossier.categories)} 个单位，{flagged} 个有提请关注事项 → {path}")
