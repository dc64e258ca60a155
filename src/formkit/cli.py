"""The ``formkit`` command: options in, one library call, output out. No logic of its own."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from formkit import __version__
from formkit.cli_common import (
    NOT_FINITE,
    db_option,
    emit_json,
    handle_errors,
    json_line,
    json_option,
    nothing_stored,
    open_store,
    require_records,
    settle_year,
    year_option,
)
from formkit.cli_params import DAY, OUT_FILE, OUT_FOLDER, FormkitGroup, file_problem, folder_problem
from formkit.errors import FormkitError
from formkit.forms.cycle import cycle
from formkit.forms.model import PERIODS
from formkit.outcomes import READABLE
from formkit.outcomes import label as outcome_label

if TYPE_CHECKING:  # (the reader is loaded by the commands that read)
    from formkit.read import ReadResult


@click.group(cls=FormkitGroup)
@click.version_option(__version__, prog_name="formkit")
def main() -> None:
    """formkit：中央单位定点帮扶工作成效考核评价的表单、回收、材料汇编和公文工具。"""


@main.command("forms")
@json_option
@handle_errors
def forms_cmd(as_json: bool) -> None:
    """列出所有表单。"""
    from formkit.forms import form_ids, load_form

    forms = [load_form(f) for f in form_ids()]
    rows = [{"form": f.id, "version": f.version, "title": f.title, "recipient": f.recipient,
             "fields": len(f.fields)} for f in forms]
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        who = "每个中央单位" if r["recipient"] == "unit" else "每个（单位，县）帮扶关系"
        click.echo(f"{r['form']:<18} v{r['version']}  {r['title']}（{who}一份，{r['fields']} 个字段）")


@main.command("fields")
@click.argument("form")
@year_option(required=False, help="按该年度配置解析选项（默认：当前配置）")
@json_option(help="输出表单的公开契约（JSON）")
@handle_errors
def fields_cmd(form: str, year: int | None, as_json: bool) -> None:
    """列出表单 FORM 的字段。"""
    from formkit.forms import load_form
    from formkit.forms.contract import form_contract

    contract = form_contract(load_form(form, year))
    if as_json:
        emit_json(contract)
        return
    click.echo(f"{contract['title']}（{contract['form']} v{contract['version']}）")
    for f in contract["fields"]:
        _print_field(f, "  ")


def _print_field(f: dict, indent: str) -> None:
    extra = [f["type"]]
    if f.get("unit"):
        extra.append(f["unit"])
    if f.get("choices"):
        extra.append("/".join(f["choices"]))
    if f["required"]:
        extra.append("必填")
    if f.get("prefilled"):
        extra.append("预填")
    click.echo(f"{indent}{f['key']:<24} {f['label']}  [{', '.join(extra)}]")
    for col in f.get("columns", []):
        _print_field(col, indent + "    ")


@main.command("roster")
@click.argument("path", type=click.Path(path_type=Path))
@year_option(required=False, help="按该年度配置检查单位类别")
@json_option
@handle_errors
def roster_cmd(path: Path, year: int | None, as_json: bool) -> None:
    """检查名单 PATH（含 units.csv 和 pairs.csv 的文件夹，或 .xlsx 工作簿）。"""
    from formkit.roster import load_roster

    roster = load_roster(path, year)
    summary = {"units": len(roster.units), "counties": len(roster.counties), "pairs": len(roster.pairs),
               "key_counties": sum(c.key_county for c in roster.counties), "warnings": roster.warnings}
    if as_json:
        emit_json(summary)
        return
    click.echo(f"名单有效：{summary['units']} 个中央单位，{summary['counties']} 个定点帮扶县"
               f"（其中重点帮扶县 {summary['key_counties']} 个），{summary['pairs']} 对帮扶关系。")
    for w in roster.warnings:
        click.echo(f"提示：{w}", err=True)


@main.command("templates")
@click.option("--out", type=OUT_FOLDER, default=None, help="输出文件夹（默认：templates/）")
@handle_errors
def templates_cmd(out: Path | None) -> None:
    """按表单定义重新生成 Word 模板。"""
    from formkit.issue.templates import build_templates

    for path in build_templates(out):
        click.echo(f"已生成模板：{path}")


@main.command("issue")
@click.option("--roster", "roster_path", required=True, type=click.Path(path_type=Path),
              help="名单（文件夹或 .xlsx）")
@year_option()
@click.option("--out", required=True, type=OUT_FOLDER, help="输出文件夹")
@click.option("--form", "forms", multiple=True, help="只下发指定表单（可重复）")
@click.option("--quarter", type=click.IntRange(1, PERIODS["quarter"][1]), default=None, help="季度台账：下发第几季度")
@click.option("--half", type=click.IntRange(1, PERIODS["half"][1]), default=None,
              help="半年工作情况报告：1 上半年，2 下半年")
@click.option("--from-ledger", is_flag=True,
              help="按数据库中最近一期季度台账预填（半年报告、年底自评表），单位核对或更正")
@db_option
@json_option
@handle_errors
def issue_cmd(roster_path: Path, year: int, out: Path, forms: tuple[str, ...], quarter: int | None,
              half: int | None, from_ledger: bool, db_url: str | None, as_json: bool) -> None:
    """为名单中的每个单位和每个帮扶关系生成个性化表单，写出下发清单 manifest.csv，并记入数据库以便跟踪回收。
    季度台账（--quarter）和半年工作情况报告（--half）按期下发。"""
    from formkit.forms.schedule import outside_transition
    from formkit.intake.issued import record_issued
    from formkit.issue.batch import MANIFEST, issue_forms, plan
    from formkit.issue.periods import settle_batch
    from formkit.roster import load_roster
    from formkit.web.links import after_issue

    batch = settle_batch(year, forms, quarter, half)
    roster = load_roster(roster_path, year)
    outside = outside_transition(cycle(year).config, year)  # said once, here, not on every output
    if outside and not as_json:
        click.echo(f"提示 [{outside.code}] {outside.message}", err=True)
    with open_store(db_url, create=not from_ledger) as store:  # proposing from the ledgers needs a store with them
        suggest = None
        if from_ledger:
            from formkit.evaluation.ledgers import suggestions

            suggest = lambda form: suggestions(store, year, form, batch.ledger_quarter)  # noqa: E731
        total = len(plan(roster, year, batch.forms, period=batch.period))
        with click.progressbar(length=total, label="生成表单", file=sys.stderr) as bar:
            results = issue_forms(roster, year, out, batch.forms, on_progress=lambda _row: bar.update(1),
                                  period=batch.period, suggest=suggest)
        record_issued(store, results, year, out / MANIFEST)
        links = after_issue(store, year, results, out, "cli:issue")  # the desk's downloads and links
    failed = [r for r in results if r.error_code]
    if as_json:
        emit_json({"out": str(out), "manifest": str(out / MANIFEST), "links": str(links) if links else None,
                   "issued": len(results) - len(failed), "warnings": [outside.as_dict()] if outside else [],
                    "failed": len(failed), "documents": [r.__dict__ for r in results]})
    else:
        by_form: dict[str, int] = {}
        for r in results:
            if not r.error_code:
                by_form[r.form] = by_form.get(r.form, 0) + 1
        for form_id, n in by_form.items():
            click.echo(f"{form_id}：{n} 份 → {out / form_id}")
        click.echo(f"下发清单：{out / MANIFEST}")
        if links:
            click.echo(f"填报链接清单（保密，逐一转交报送方）：{links}")
        for r in failed:
            click.echo(f"未生成 [{r.error_code}] {r.recipient}：{r.error}", err=True)
    sys.exit(1 if failed else 0)


@main.command("read")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--roster", "roster_path", type=click.Path(path_type=Path), default=None,
              help="名单：核对表中的定点帮扶县与名单是否一致")
@year_option(required=False, fallback="按文档识别")
@json_option(help="每个文件输出一个 JSON 对象")
@handle_errors
def read_cmd(files: tuple[Path, ...], roster_path: Path | None, year: int | None, as_json: bool) -> None:
    """读取回收的表格 FILES（.docx 或 PDF），输出数据和问题清单。

    退出状态：0 无错误；1 读取成功但有错误；2 至少有一个文件无法读取。
    """
    from formkit.intake.batch import read_many
    from formkit.roster import load_roster

    roster = load_roster(roster_path, year) if roster_path else None
    worst = 0
    lines: dict[int, tuple[ReadResult, str | None]] = {}  # each result's JSON, made while the others are read

    def render(path: Path, result: ReadResult) -> None:
        try:
            lines[id(result)] = result, json_line({"file": str(path), **result.as_dict()})
        except Exception:  # noqa: BLE001 - made again in its turn below, where what it raises is met as before
            pass

    for path, outcome in read_many(files, roster, year, each=render if as_json else None):
        line = None
        if as_json and not isinstance(outcome, FormkitError):
            made, line = lines.pop(id(outcome), (None, None))
            if made is not outcome:  # given findings across the batch after it was read
                line = json_line({"file": str(path), **outcome.as_dict()})
            outcome = outcome if line else FormkitError("cli.not-finite", NOT_FINITE)
        if isinstance(outcome, FormkitError):
            worst = 2
            if as_json:
                click.echo(json_line({"file": str(path), "error": outcome.as_dict()}))
            else:
                click.echo(f"{path}：无法读取 [{outcome.code}] {outcome.message}", err=True)
            continue
        worst = max(worst, outcome.exit_code)
        if as_json:
            click.echo(line)
        else:
            _print_result(path, outcome)
    sys.exit(worst)


def _print_result(path: Path, result) -> None:
    errors = sum(f.severity == "error" for f in result.findings)
    warnings = len(result.findings) - errors
    who = result.recipient.get("name") or result.recipient.get("id") or "（未知）"
    click.echo(f"{path}：{result.form} v{result.version} {result.year or ''}年 {who}；"
               f"{errors} 个错误，{warnings} 个提示（{result.source['format']}，{result.source['producer'] or '未知软件'}）")
    for f in result.findings:
        click.echo(f"  {'错误' if f.severity == 'error' else '提示'} [{f.code}] {f.message}")
    if result.computed:  # 合计 and 完成率, made by formkit from the values (what is typed there is not read)
        from formkit.forms import load_form
        from formkit.forms.computed import shown

        for line in shown(load_form(result.form, result.year), result.computed):
            click.echo(f"  计算 {line}")


@main.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@db_option
@year_option(required=False, fallback="按文档识别")
@click.option("--attach-to", "unit_id", metavar="UNIT", default=None,
              help="把文件作为该单位的书面自评总结（Word 或 PDF）附在其报送材料中，不作表格读取；UNIT 为下发清单中的单位编号")
@json_option(help="每个文件输出一个 JSON 对象")
@handle_errors
def ingest_cmd(paths: tuple[Path, ...], db_url: str | None, year: int | None, unit_id: str | None,
               as_json: bool) -> None:
    """收取回收的文件（文件或文件夹）：识别格式、安全读取、保存原件、记录结果。"""
    from formkit.intake.ingest import expand, ingest

    if unit_id is not None:
        from formkit.cli_store import attach_files

        attach_files(paths, db_url, unit_id, year, as_json)
    files = expand(paths)
    results = []
    with open_store(db_url, create=True) as store, click.progressbar(length=len(files), label="收取文件",
                                                                     file=sys.stderr) as bar:
        for result in ingest(files, store, year, on_progress=lambda _result: bar.update(1)):
            results.append(result)
            if as_json:
                click.echo(json_line(result.as_dict()) or json_line(
                    {"file": str(result.file), "error": FormkitError("cli.not-finite", NOT_FINITE).as_dict()}))
    counts: dict[str, int] = {}
    for r in results:
        counts[r.outcome] = counts.get(r.outcome, 0) + 1
    if not as_json:
        click.echo("；".join(f"{outcome_label(k)} {v} 份" for k, v in counts.items())
                   + f"；其中重复报送 {sum(r.duplicate for r in results)} 份")
        for r in results:
            if r.outcome not in ("accepted",) and r.code:
                click.echo(f"  [{r.code}] {r.file}：{r.message}", err=True)
    sys.exit(0 if all(r.outcome in READABLE for r in results) else 1)


@main.command("status")
@db_option
@year_option(required=False, fallback="最近一年")
@click.option("--missing-xlsx", type=OUT_FILE, default=None, help="写出催报名单（.xlsx）")
@json_option
@handle_errors
def status_cmd(db_url: str | None, year: int | None, missing_xlsx: Path | None, as_json: bool) -> None:
    """各表单、各接收方的报送情况：已下发、已报送、无错误、有错误、未报送。"""
    from formkit.intake.status import STATES, status, write_missing_xlsx

    with open_store(db_url) as store:
        settled = settle_year(store, year)
        empty = nothing_stored(store, year, settled.year)
        report = status(store, settled)
    if missing_xlsx and not empty:
        write_missing_xlsx(report, missing_xlsx)
    if as_json:
        emit_json(report.as_dict())
        return
    if empty:
        click.echo(empty + ("；未写出催报名单" if missing_xlsx else ""))
        return
    from formkit.issue.context import FILE_SUFFIX

    click.echo(f"{report.year}年度报送情况")
    steps = {s["step"]: s for s in report.schedule}  # each step's deadline and whose it is (办法 or 工作组)
    for form, c in report.summary().items():
        due = f"；截止：{steps[form]['shown']}（{steps[form]['basis']}）" if form in steps else ""
        click.echo(f"  {FILE_SUFFIX.get(form, form)}：下发 {c['issued']}，已报送 {c['received']}（无错误 {c['valid']}，"
                   f"有错误 {c['with-errors']}），未报送 {c['missing']}（逾期 {c['overdue']}）{due}")
    for s in (s for s in report.schedule if s["step"] not in report.summary()):
        click.echo(f"  {s['name']}：截止 {s['shown']}（{s['basis']}）" + ("，已逾期" if s["overdue"] else ""))
    for row in report.rows:
        if row.state != "valid":
            click.echo(f"  {STATES[row.state]}：{row.recipient}{row.note}")
    if report.unexpected:
        click.echo(f"  另有 {len(report.unexpected)} 份表格不在下发记录中")
    from formkit.cli_store import print_reports

    print_reports(report.reports)
    if missing_xlsx:
        click.echo(f"催报名单：{missing_xlsx}")


@main.command("letters")
@db_option
@year_option(required=False, fallback="最近一年")
@click.option("--out", required=True, type=OUT_FOLDER, help="输出文件夹")
@json_option
@handle_errors
def letters_cmd(db_url: str | None, year: int | None, out: Path, as_json: bool) -> None:
    """为每份有错误或与其他表格不一致（需核实）的表格生成退回修改意见（Word），逐条列出问题及其在文档中的位置。"""
    from formkit.letters import write_letters

    with open_store(db_url) as store:
        settled = settle_year(store, year)
        empty = nothing_stored(store, year, settled.year)
        letters = [] if empty else write_letters(store, settled, out)
    if empty and not as_json:  # with --json: an empty list
        click.echo(empty)
        return
    failed = [x for x in letters if x.error_code]
    if as_json:
        emit_json([{"submission": x.submission, "recipient": x.recipient, "file": str(x.path) if x.path else None,
                     "errors": x.errors, "warnings": x.warnings, "error_code": x.error_code or None}
                    for x in letters])
        sys.exit(1 if failed else 0)
    click.echo(f"已生成 {len(letters) - len(failed)} 份退回修改意见 → {out}")
    for x in letters:
        click.echo(f"  {x.recipient}：" + (f"未能生成（[{x.error_code}] {x.error}）" if x.error_code
                                          else f"{x.errors} 处需修改，{x.warnings} 处请核实"))
    sys.exit(1 if failed else 0)


@main.command("progress")
@year_option()
@click.option("--quarter", type=click.IntRange(1, 4), default=None, help="截至第几季度（默认：最近一期）")
@click.option("--out", required=True, type=OUT_FOLDER, help="输出文件夹（进度表 .xlsx 和图表 .png）")
@json_option
@db_option
@handle_errors
def progress_cmd(year: int, quarter: int | None, out: Path, as_json: bool, db_url: str | None) -> None:
    """定期调度：按季度台账统计各单位和各类单位的进度（分季度数字、较上季度变化、责任书完成率、未报送单位），
    生成进度表（Excel）和图表（PNG）。"""
    from formkit.progress.chart import NO_CJK_FONT, write_chart
    from formkit.progress.report import progress, write_progress_xlsx

    with open_store(db_url) as store:
        require_records(store, year, "季度台账", ("quarterly-ledger",))
        report = progress(store, cycle(year), quarter)
    xlsx = write_progress_xlsx(report, out / f"{year}年第{report.quarter}季度定点帮扶工作进度.xlsx")
    png, font = write_chart(report, out / f"{year}年第{report.quarter}季度定点帮扶工作进度.png")
    missing = report.missing(report.quarter)
    if as_json:
        from formkit.evaluation.ledgers import PROGRESS

        emit_json({"year": year, "quarter": report.quarter, "xlsx": str(xlsx), "png": str(png), "units": [
            {"unit_id": u.unit_id, "unit": u.unit, "category": u.category, "quarters": u.quarters,
             "change": {k: u.change(report.quarter, k) for k in PROGRESS}, "completion": u.completion,
             "reported": u.reported} for u in report.units], "missing": [u.unit_id for u in missing]})
        return
    for c in report.categories:
        returned, issued = report.reporting(c, report.quarter)
        funds = report.category_total(c, report.quarter, "funds")
        click.echo(f"{c}：第{report.quarter}季度台账 {returned}/{issued} 份，投入和引进资金累计 {funds:,.2f} 万元")
    if missing:
        click.echo("未报送：" + "、".join(u.unit for u in missing))
    click.echo(f"进度表：{xlsx}")
    click.echo(f"图表：{png}" + ("" if font else f"（{NO_CJK_FONT}）"))


@main.command("dossier")
@year_option()
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="输出的 .docx 文件（--per-category 时为输出文件夹）")
@click.option("--category", default=None, help="只汇编某一类单位（如“高等院校”）")
@click.option("--per-category", is_flag=True, help="每类单位一份汇编（PDF 并行生成）")
@click.option("--pdf", "make_pdf", is_flag=True, help="同时生成带书签和目录页码的 PDF（需要 LibreOffice）")
@click.option("--date", "when", type=DAY, default=None, help="封面的编印日期（默认为所收最后一份材料的日期）")
@db_option
@handle_errors
def dossier_cmd(year: int, out: Path, category: str | None, per_category: bool, make_pdf: bool,
                when, db_url: str | None) -> None:
    """从数据库生成分类评价材料汇编（.docx）：各类单位指标汇总表、各单位自评表和地方评价表的全部内容、提请关注事项、材料清单。"""
    from formkit.dossier import MANIFEST, build_dossier, build_per_category

    problem = (folder_problem if per_category else file_problem)(out)
    if problem:
        raise FormkitError(*problem, {"option": "--out"})
    with open_store(db_url) as store:
        require_records(store, year, "自评表和评价表", ("self-assessment", "county-feedback"))
        if per_category:
            built = build_per_category(store, cycle(year), out, pdf=make_pdf, when=when)
        else:
            built = [build_dossier(store, cycle(year), out, category, pdf=make_pdf, when=when)]
    for path, dossier in built:
        units = sum(len(u) for _c, _l, u in dossier.categories)
        flagged = sum(1 for _c, _l, us in dossier.categories for u in us if u.flags)
        click.echo(f"已生成材料汇编：{path}（{len(dossier.categories)} 类，{units} 个单位，{flagged} 个单位有提请关注事项，"
                   f"引用 {len(dossier.sources)} 份材料）")
    click.echo(f"校验清单：{built[0][0].parent / MANIFEST}" if built else "没有可汇编的单位")


@main.command("demo")
@click.option("--out", type=OUT_FOLDER, default=Path("formkit-demo"), show_default=True, help="输出文件夹（须为空）")
@year_option(required=False, default=2026, show_default=True)
@click.option("--fresh", is_flag=True, help="重新开始：先删除示例以前在 --out 写出的全部内容（只删除有示例标记的文件夹）")
@click.option("--serve", "then_serve", is_flag=True,
              help="完成后在示例数据库上建立演示账号并启动网上报送服务（http://127.0.0.1:8000/）")
@handle_errors
def demo_cmd(out: Path, year: int, fresh: bool, then_serve: bool) -> None:
    """用自带的示例名单走一遍全年流程：下发、回收、读取、入库、催报、公文、材料汇编、分类评价、综合评议、结果公文。"""
    from formkit.demo import prepare_out, run_demo
    from formkit.resources import samples_dir

    prepare_out(out, fresh)
    click.echo(f"示例名单：{samples_dir() / 'roster'}")
    run_demo(out, year, click.echo)
    click.echo(f"完成。所有输出在：{out.resolve()}")
    if then_serve:
        from formkit.cli_web import serve_demo

        serve_demo(out)


def _register() -> None:
    from formkit.cli_notice import check_format_cmd, notice_cmd
    from formkit.cli_review import review
    from formkit.cli_scan import scan
    from formkit.cli_store import migrate_cmd, verify_cmd
    from formkit.cli_web import account, link, serve_cmd

    main.add_command(review)
    main.add_command(scan)
    main.add_command(verify_cmd)
    main.add_command(migrate_cmd)
    for command in (check_format_cmd, notice_cmd, serve_cmd, link, account):
        main.add_command(command)


_register()

if __name__ == "__main__":
    main()
