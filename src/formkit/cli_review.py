"""``formkit review``: voting sheets, tally, the secretariat's inputs, rating and overrides. Thin: options
in, one library call, output out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formkit.cli_common import db_option, emit_json, handle_errors, json_option, open_store, require_records, year_option
from formkit.cli_params import OUT_FILE, OUT_FOLDER, FormkitGroup
from formkit.forms.cycle import cycle


@click.group("review", cls=FormkitGroup)
def review() -> None:
    """分类评价与综合评议：投票表、计票、综合评定、调整等次。"""


@review.command("sheets")
@click.option("--roster", "roster_path", required=True, type=click.Path(path_type=Path), help="名单（文件夹或 .xlsx）")
@year_option()
@click.option("--reviewers", type=click.IntRange(1, 200), required=True, help="每类单位的评议组人数（每人一张投票表）")
@click.option("--out", required=True, type=OUT_FOLDER, help="输出文件夹")
@db_option
@handle_errors
def sheets_cmd(roster_path: Path, year: int, reviewers: int, out: Path, db_url: str | None) -> None:
    """按单位类别为评议组每位成员生成编号的投票表（Word），并记入数据库以便计票和跟踪回收。"""
    from formkit.intake.issued import record_issued
    from formkit.issue.batch import MANIFEST
    from formkit.review.sheets import issue_sheets
    from formkit.roster import load_roster

    roster = load_roster(roster_path, year)
    with open_store(db_url, create=True) as store:
        results = issue_sheets(roster, year, reviewers, out)
        record_issued(store, results, year, out / MANIFEST)
    click.echo(f"投票表：{sum(1 for r in results if not r.error_code)} 份 → {out / 'review-vote'}")
    failed = [r for r in results if r.error_code]
    for r in failed:
        click.echo(f"未生成 [{r.error_code}] {r.recipient}：{r.error}", err=True)
    sys.exit(1 if failed else 0)


@review.command("tally")
@year_option()
@click.option("--xlsx", "xlsx_path", type=OUT_FILE, default=None, help="计票结果另存为 Excel")
@json_option
@db_option
@handle_errors
def tally_cmd(year: int, xlsx_path: Path | None, as_json: bool, db_url: str | None) -> None:
    """统计已收回投票表的票数：每个单位各等次票数、未选和无效票、各类收回率。"""
    from formkit.review.tally import tally, write_tally_xlsx

    with open_store(db_url) as store:
        require_records(store, year, "投票表", ("review-vote",))
        result = tally(store, cycle(year))
    if xlsx_path:
        write_tally_xlsx(result, xlsx_path)
    if as_json:
        emit_json(result.as_dict())
        return
    for name, units in result.categories.items():
        returned, issued = result.turnout(name)
        click.echo(f"{name}：收回投票表 {returned}/{issued} 份")
        for u in units:
            votes = "，".join(f"{g} {n}" for g, n in u.votes.items())
            click.echo(f"  {u.unit}：{votes}；未选 {u.blank}，无效 {u.invalid}")
    for s in result.sheets:
        if s.state == "missing" or s.problems:
            click.echo(f"{s.name}：{'未收回' if s.state == 'missing' else s.problems_text}", err=True)
    if xlsx_path:
        click.echo(f"计票结果：{xlsx_path}")


@review.command("inputs")
@year_option()
@click.option("--out", required=True, type=OUT_FILE, help="输出的 .xlsx 文件")
@db_option
@handle_errors
def inputs_cmd(year: int, out: Path, db_url: str | None) -> None:
    """生成综合评议录入表（平时工作评价、县乡村振兴实绩考核），已列出全部单位和帮扶县。"""
    from formkit.review.inputs import write_template

    with open_store(db_url) as store:
        require_records(store, year)
        write_template(store, cycle(year), out)
    click.echo(f"综合评议录入表：{out}（填写“平时工作”和“乡村振兴实绩”两个工作表后，用 review rate --inputs 读入）")


@review.command("rate")
@year_option()
@click.option("--inputs", "inputs_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="综合评议录入表（review inputs 生成后填写的 .xlsx）")
@json_option
@db_option
@handle_errors
def rate_cmd(year: int, inputs_path: Path | None, as_json: bool, db_url: str | None) -> None:
    """综合评议：按 cycle.yaml 的规则为每个单位提出建议等次并说明理由，存入数据库（已调整的等次保留）。"""
    from formkit.review.run import run_rating

    with open_store(db_url) as store:
        require_records(store, year)
        proposals, _votes, inputs = run_rating(store, cycle(year), inputs_path)
        grades = {r["recipient_id"]: r for r in store.grades(year)}
    if as_json:
        emit_json({"year": year, "problems": [f.as_dict() for f in inputs.problems], "units": [
            {**p.shown(), "grade": grades[p.recipient_id]["grade"],
             "override_reason": grades[p.recipient_id]["override_reason"]} for p in proposals]})
        return
    for problem in inputs.problems:  # the message starts with the row: 第7行：…
        click.echo(f"录入表 [{problem.code}] 工作表“{problem.location['sheet']}”{problem.message}", err=True)
    for p in proposals:
        held = grades[p.recipient_id]
        extra = f"（已调整为“{held['grade']}”：{held['override_reason']}）" if held["override_reason"] else ""
        click.echo(f"{p.category} 第{p.rank}名 {p.unit}：{p.score:.2f} 分，建议“{p.grade}”{extra}")
    counts = {}
    for held in grades.values():
        counts[held["grade"]] = counts.get(held["grade"], 0) + 1
    click.echo("等次：" + "，".join(f"{g} {n} 个" for g, n in counts.items()))


@review.command("override")
@year_option()
@click.option("--unit", "recipient_id", required=True, help="单位代码")
@click.option("--grade", required=True, help="调整后的等次")
@click.option("--reason", required=True, help="调整理由（记入审计日志）")
@db_option
@handle_errors
def override_cmd(year: int, recipient_id: str, grade: str, reason: str, db_url: str | None) -> None:
    """调整某单位的等次：必须写明理由，建议等次和调整前后的等次都记入审计日志。"""
    from formkit.review.override import override

    with open_store(db_url) as store:
        row = override(store, cycle(year), recipient_id, grade, reason)
    click.echo(f"{row['unit']}：建议“{row['proposed']}”，现为“{row['grade']}”（理由：{row['override_reason']}），已记入审计日志")
