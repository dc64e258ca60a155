"""The whole yearly cycle on the bundled samples, stage by stage: issue, return (through the editor paths
available here), read, ingest, track, notices, dossier, review, rating and the results documents."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from formkit.convert import convert, soffice
from formkit.dossier import build_dossier
from formkit.errors import FormkitError
from formkit.evaluation.ledgers import suggestions
from formkit.evaluation.verification import verify
from formkit.forms import load_form
from formkit.forms.cycle import cycle
from formkit.forms.schedule import outside_transition
from formkit.intake.batch import read_many
from formkit.intake.ingest import ingest
from formkit.intake.issued import record_issued
from formkit.intake.status import status, write_missing_xlsx
from formkit.issue import issue_forms
from formkit.issue.batch import MANIFEST
from formkit.letters import write_letters
from formkit.notices import write_notice
from formkit.outcomes import READABLE
from formkit.progress.chart import NO_CJK_FONT, write_chart
from formkit.progress.report import progress, write_progress_xlsx
from formkit.read.result import ReadResult
from formkit.resources import samples_dir
from formkit.review.approval import approve
from formkit.review.category import category_states, confirm_category, record_deliberation
from formkit.review.delegates import delegates, mark_returned, recusals, register
from formkit.review.inputs import write_template
from formkit.review.override import override
from formkit.review.run import run_rating
from formkit.review.sheets import make_sheets
from formkit.review.tally import write_tally_xlsx
from formkit.review.vetoes import resolve
from formkit.roster import load_roster
from formkit.simulate import fill_ledgers, fill_recipients, fill_review_inputs, fill_votes
from formkit.store import Store
from formkit.web.links import after_issue


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


# What some recipients report that the review must act on (not mistakes): a self-declared violation, and a
# county's large-scale return to poverty. Both rule out 好.
REPORTED = {
    "U002": {"violations": "是", "violations_detail": "一名挂职干部违反工作纪律，已严肃处理。"},
    "U007-522731": {"return_to_poverty": "是"},
}

# Forms that come back through another editor than Word (when LibreOffice is installed): re-saved by
# LibreOffice as .docx, exported to PDF, saved as old .doc (converted again at intake).
EDITOR_PATHS = {"U004": "docx", "U006-141132": "pdf", "U011": "doc"}

# Recipients whose forms have not come back yet when the demo checks.
LATE = ("U014", "U009-610732")


# The file by which the demo marks a folder as its own: ``--fresh`` deletes nothing else.
MARKER = ".formkit-demo"
MARKER_TAG = "formkit demo"
MARKER_TEXT = f"{MARKER_TAG}: 本文件夹由 formkit demo 写出；formkit demo --fresh 会删除其中全部内容。\n"


def is_demo_folder(out: Path) -> bool:
    """Whether ``out`` is a folder an earlier demo wrote (it holds the demo's marker file)."""
    marker = out / MARKER
    try:
        return (out.is_dir() and marker.is_file() and not marker.is_symlink()
                and marker.read_text(encoding="utf-8").startswith(MARKER_TAG))
    except (OSError, UnicodeDecodeError):
        return False


def prepare_out(out: Path, fresh: bool = False) -> None:
    """Make ``out`` the demo's empty folder, marked as the demo's. A folder holding anything is refused
    (``demo.not-empty``) unless ``fresh``; then its contents are deleted only when an earlier demo marked it
    (``demo.not-ours`` otherwise), so a rerun starts from an empty store."""
    others = [p for p in out.iterdir() if p.name != MARKER] if out.is_dir() else []
    if others:
        if not fresh:
            raise FormkitError("demo.not-empty", f"输出文件夹 {out} 不是空的。要重新运行示例，请加 --fresh（只删除示例以前"
                               "写出的内容），或用 --out 指定一个空文件夹或新文件夹")
        if not is_demo_folder(out):
            raise FormkitError("demo.not-ours", f"输出文件夹 {out} 不是示例写出的（其中没有示例的标记文件 {MARKER}），"
                               "--fresh 不会删除它。请用 --out 指定一个空文件夹或新文件夹")
        for path in others:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    out.mkdir(parents=True, exist_ok=True)
    marker = out / MARKER
    if marker.is_symlink():  # never written through
        marker.unlink()
    marker.write_text(MARKER_TEXT, encoding="utf-8")


def _db(out: Path) -> str:
    """The demo's own store: ``formkit.db`` in its folder (its originals beside it, ``formkit-originals/``)."""
    return f"sqlite:///{(out / 'formkit.db').resolve()}"


def _store(out: Path):
    return Store(_db(out), out / "formkit-originals")


def run_demo(out: Path, year: int, say: Callable[[str], None] = print) -> DemoReport:
    """The whole cycle into ``out`` (see :func:`prepare_out` for making it the demo's folder first)."""
    roster = load_roster(samples_dir() / "roster", year)
    report = DemoReport(out)
    outside = outside_transition(cycle(year).config, year)  # said once, as formkit issue says it
    if outside:
        say(f"提示 [{outside.code}] {outside.message}")
    proposals = _ledgers(report, roster, year, say)
    issued = issue_forms(roster, year, out / "issued", forms=["self-assessment", "county-feedback"],
                         suggest=lambda form: proposals if form.id == "self-assessment" else {})
    with _store(out) as store:
        record_issued(store, issued, year, out / "issued" / MANIFEST)
        after_issue(store, year, issued, out / "issued", "demo")  # the web desk's downloads and links
    report.issued = sum(1 for r in issued if not r.error_code)
    report.outputs["issued"] = out / "issued"
    say(f"1. 下发年底表格：{report.issued} 份 → {out / 'issued'}（清单 manifest.csv；自评表已按第四季度台账预填）")
    files = {(r.form, r.recipient_id): out / "issued" / r.file for r in issued if not r.error_code}
    returned = out / "returned"
    filled = fill_recipients(roster, year, files, returned, {**REPORTED, **IMPERFECT}, proposals)
    paths = _editor_paths(filled)
    report.returned = list(filled.values())
    say(f"2. 模拟回收：{len(report.returned)} 份已填写的表格 → {returned}（其中 {len(IMPERFECT)} 份有常见填写问题"
        + (f"；{'、'.join(paths)}" if paths else "；未安装 LibreOffice，全部为 Word 文件") + "）")
    results_dir = out / "read"
    results_dir.mkdir(parents=True, exist_ok=True)
    legacy = 0
    for path, outcome in read_many(report.returned, roster, year):
        target = results_dir / (path.stem + ".json")
        if isinstance(outcome, FormkitError) and outcome.code == "read.legacy-format":
            legacy += 1  # read at intake, after LibreOffice converts it
            continue
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
        f"{report.unreadable} 份无法读取" + (f"，{legacy} 份旧版 .doc 入库时转换后读取" if legacy else "")
        + f" → {results_dir}（每份一个 JSON）")
    _intake(report, roster, issued, year, say)
    return report


# The ledger of one unit for the fourth quarter has not come in when the year-end forms are issued: its
# self-assessment proposes its third-quarter figures.
LEDGER_LATE = "U006-Q4"


def _ledgers(report: DemoReport, roster, year: int, say: Callable[[str], None]) -> dict[str, dict]:
    """定期调度: four quarterly ledgers per unit issued, kept and returned, the progress table and chart; what
    the year-end self-assessments propose from them."""
    out = report.out / "定期调度"
    store = _store(report.out)
    received = 0
    for quarter in range(1, 5):
        folder = out / "台账" / f"第{quarter}季度"
        sheets = issue_forms(roster, year, folder, forms=["quarterly-ledger"], period=quarter)
        record_issued(store, sheets, year, folder / MANIFEST)
        done = fill_ledgers(roster, year, quarter, {r.recipient_id: folder / r.file for r in sheets if not r.error_code},
                            out / "收回的台账" / f"第{quarter}季度")
        received += len(list(ingest([p for rid, (p, _v) in done.items() if rid != LEDGER_LATE], store, year)))
    state = progress(store, cycle(year))
    xlsx = write_progress_xlsx(state, out / f"{year}年第{state.quarter}季度定点帮扶工作进度.xlsx")
    png, font = write_chart(state, out / f"{year}年第{state.quarter}季度定点帮扶工作进度.png")
    proposals = suggestions(store, year, load_form("self-assessment", year))
    store.close()
    report.outputs.update({"progress": xlsx, "chart": png})
    late = "、".join(u.unit for u in state.missing(state.quarter))
    say(f"0. 定期调度：季度台账（Excel）4 期共收回 {received} 份，第{state.quarter}季度未报送：{late or '无'}"
        f" → {xlsx}，图表 {png}" + ("" if font else f"（{NO_CJK_FONT}）"))
    return proposals


def _write_notices(report: DemoReport, year: int, out: Path, kinds) -> list[str]:
    """Each (kind, file name) notice from the demo's store, as PDF with its format checks when LibreOffice is
    installed; what became of each, for the demo's output."""
    made = []
    with _store(report.out) as store:
        for kind, name in kinds:
            result = write_notice(kind, cycle(year), out / f"{name}.docx", store=store, pdf=soffice() is not None)
            failed = [c for c in result.get("checks", []) if c.result == "fail"]
            made.append(f"{name}（{'PDF 版式检查不合格 ' + str(len(failed)) + ' 项' if failed else 'PDF 版式检查通过'}）"
                        if "pdf" in result else f"{name}（未安装 LibreOffice，未生成 PDF）")
    return made


def _editor_paths(filled: dict[str, Path]) -> list[str]:
    """Pass some filled forms through LibreOffice as other editors would; ``filled`` is updated in place."""
    if soffice() is None:
        return []
    done = []
    names = {"docx": "1 份经 LibreOffice 另存", "pdf": "1 份导出为 PDF", "doc": "1 份另存为旧版 .doc"}
    for recipient, fmt in EDITOR_PATHS.items():
        source = filled[recipient]
        with tempfile.TemporaryDirectory(prefix="formkit-editor-") as tmp:
            made = convert(source, tmp, {"docx": "docx:MS Word 2007 XML", "pdf": "pdf",
                                         "doc": "doc:MS Word 97"}[fmt])
            target = source.with_suffix("." + fmt)
            source.unlink()
            shutil.move(made, target)
        filled[recipient] = target
        done.append(names[fmt])
    return done


def _intake(report: DemoReport, roster, issued, year: int, say: Callable[[str], None]) -> None:
    out = report.out
    store = _store(out)
    late = {r.recipient_id for r in issued if r.recipient_id in LATE}
    incoming = [p for p in report.returned if not any(p.name.startswith(rid + "_") for rid in late)]
    junk = out / "returned" / "~$临时文件.docx"
    junk.write_bytes(b"\x05formkit" + b" " * 156)  # a Word lock file mailed along with the forms
    results = list(ingest([*incoming, junk], store, year))
    again = list(ingest(incoming[:3], store, year))  # someone sends the same files twice
    accepted = sum(r.outcome in READABLE for r in results)
    say(f"4. 收取入库：{accepted} 份接收，{len(results) - accepted} 份拒收，重复报送 {sum(r.duplicate for r in again)} 份"
        f" → {out / 'formkit.db'}（原件按 SHA-256 保存在 formkit-originals/）")
    tracked = status(store, cycle(year))
    xlsx = write_missing_xlsx(tracked, out / "催报名单.xlsx")
    counts = tracked.summary()
    missing = sum(c["missing"] for c in counts.values())
    with_errors = sum(c["with-errors"] for c in counts.values())
    say(f"5. 报送情况：未报送 {missing} 份，有错误待修改 {with_errors} 份 → {xlsx}")
    letters = write_letters(store, cycle(year), out / "退回修改意见")
    say(f"6. 退回修改意见：{len(letters)} 份 → {out / '退回修改意见'}")
    report.outputs.update({"store": out / "formkit.db", "missing": xlsx, "letters": out / "退回修改意见"})
    store.close()
    _notices(report, year, say)


def _notices(report: DemoReport, year: int, say: Callable[[str], None]) -> None:
    out = report.out / "公文"
    made = _write_notices(report, year, out, (("issue-forms", "下发考核评价表格的通知"), ("progress", "工作进展通报")))
    report.outputs["notices"] = out
    say(f"7. 公文（GB/T 9704-2012）：{'；'.join(made)} → {out}")

    store = _store(report.out)
    for unit, by, result, note in VERIFIED:  # the lead departments' 核实, shown in the dossier
        verify(store, cycle(year), unit, by, result, note)
    path, dossier = build_dossier(store, cycle(year), report.out / "材料汇编" / f"{year}年度考核评价材料汇编.docx",
                                  pdf=soffice() is not None)
    store.close()
    flagged = sum(1 for _c, _l, units in dossier.categories for u in units if u.flags)
    report.outputs["dossier"] = path
    say(f"8. 材料汇编：{sum(len(u) for _c, _l, u in dossier.categories)} 个单位，{flagged} 个有提请关注事项，"
        f"牵头部门核实 {len(VERIFIED)} 个（{sum(1 for v in VERIFIED if v[2] == 'questioned')} 个有疑问） → {path}")
    _review(report, year, say)


# Before the dossier, two lead departments' 核实: one confirmed, one questioned with its note.
VERIFIED = (("U007", "教育部", "confirmed", None),
            ("U013", "国务院国资委", "questioned", "帮扶产业项目进度与定点帮扶县反馈不一致，请单位说明"))
# The review on the samples: one delegate per unit registered (that delegates vote, each on a sheet without
# their own unit, is the working group's practice); one sheet with two grades ticked for its first unit, one
# left blank for its second; one sheet not returned; each category's 分组评议 recorded and its result confirmed
# by its lead department; the secretariat's spreadsheet with one everyday-work violation and one grade a
# clerk typed wrongly; one grade overridden with a reason.
SPOILED = {"R02-02": {0: (1, 2)}, "R03-01": {1: ()}}
SHEET_LATE = "R05-03"
INPUT_EDITS = {("平时工作", "U004"): {4: "是", 5: "平时工作中发现违规发放补贴"}, ("平时工作", "U006"): {3: "优良"}}
OVERRIDE = ("U013", 1, "工作组综合评议：定点帮扶县反映帮扶产业项目推进滞后，经核实属实")
# 青岩县 (assisted by two universities) said 是 about 规模性返贫 on one unit's form and 否 on the other's: the
# rating reports the conflict, the secretariat checks its monitoring data and records its conclusion with a
# reason, and the bar holds for both units. Then the leading group's 审定 is recorded before the 通报.
RESOLVED = ("return_to_poverty", "青岩县", True, "经核对防止返贫动态监测数据，青岩县出现规模性返贫属实")


def _categorised(store: Store, roster, year: int, out: Path) -> list:
    """The 分类评价: the delegates registered, their sheets issued, the returned ones read and each delegate who
    handed one in ticked, then per category the 分组评议 recorded and the result confirmed by its lead
    department. Returns the sheets issued."""
    cy = cycle(year)
    register(store, cy, [(None, u.id, f"参评代表{n:02d}") for n, u in enumerate(roster.units, start=1)])
    sheets = [s for s in make_sheets(store, roster, cy, None, out / "投票表").results if not s.error_code]
    left_out = recusals(store, year)
    filled = fill_votes([s for s in sheets if s.recipient_id != SHEET_LATE], roster, year, out / "投票表",
                        out / "收回的投票表", SPOILED, left_out)
    list(ingest(filled, store, year))
    for d in delegates(store, cy):
        if d.unit_id != left_out[SHEET_LATE]:
            mark_returned(store, cy, d.unit_id, d.name)
    for state in category_states(store, cy):
        record_deliberation(store, cy, state.name, date(year + 1, 1, 15), state.delegates,
                            "集中审阅本类单位材料后分组评议，逐一发表意见")
        confirm_category(store, cy, state.name, state.lead, on=date(year + 1, 1, 21))
    return sheets


def _review(report: DemoReport, year: int, say: Callable[[str], None]) -> None:
    out = report.out / "分类评价"
    roster = load_roster(samples_dir() / "roster", year)
    store = _store(report.out)
    sheets = _categorised(store, roster, year, out)
    config = cycle(year).config
    inputs = fill_review_inputs(write_template(store, cycle(year), out / "综合评议录入表（空白）.xlsx"),
                                out / "综合评议录入表.xlsx", config.grades, INPUT_EDITS)
    conflicts = run_rating(store, cycle(year), inputs).findings
    resolve(store, cycle(year), *RESOLVED)
    rating = run_rating(store, cycle(year), inputs)
    proposals, votes, entered = rating.proposals, rating.votes, rating.inputs
    write_tally_xlsx(votes, out / "计票结果.xlsx")
    unit, grade, reason = OVERRIDE
    override(store, cycle(year), unit, config.grades[grade], reason)
    held = {r["recipient_id"]: r["grade"] for r in store.grades(year)}
    store.close()
    returned = sum(1 for s in votes.sheets if s.state == "counted")
    say(f"9. 分类评价：参评代表 {len(roster.units)} 名（由代表投票、回避本单位是工作组的做法），投票表 {len(sheets)} 份，"
        f"收回 {returned} 份，{sum(1 for s in votes.sheets if s.problems)} 份有无效或未选的票；"
        f"各类分组评议已记录，分类评价结果已由牵头部门确认 → {out / '计票结果.xlsx'}")
    counts = "，".join(f"{g} {sum(1 for x in held.values() if x == g)} 个" for g in config.grades)
    say(f"10. 综合评议：{len(proposals)} 个单位（{counts}），录入表问题 {len(entered.problems)} 处，"
        f"调整等次 1 个（记入审计日志）；规模性返贫报告不一致 {len(conflicts)} 处（{RESOLVED[1]}），秘书处核实后记录结论："
        f"维持不得评为“{config.grades[0]}”；评分规则为本年度工作组的示例规则（评价规则及其依据见请示附件）")
    made = _write_notices(report, year, out, (("review-proposal", "评价结果的请示"),))
    with _store(report.out) as store:
        approved = approve(store, cycle(year))  # the leading group's 审定, recorded before the 通报
    made.append(f"{approved['value']['by']}审定（已记录）")
    made += _write_notices(report, year, out, (("review-results", "评价结果通报"), ("review-copy", "送中央组织部的函")))
    report.outputs["review"] = out
    say(f"11. 评价结果公文：{'；'.join(made)} → {out}")
