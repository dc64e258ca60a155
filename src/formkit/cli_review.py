"""``formkit review``: voting sheets, tally, the secretariat's inputs, vetoes and their resolution, rating,
overrides and the leading group's 审定. Thin: options in, one library call, output out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formkit.cli_common import db_option, emit_json, handle_errors, json_option, open_store, require_records, year_option
from formkit.cli_params import OUT_FILE, OUT_FOLDER, FormkitGroup
from formkit.forms.cycle import cycle


@click.group("review", cls=FormkitGroup)
def review() -> None:
    """分类评价与综合评议：投票表、计票、综合评定、调整等次、不得评为“好”的情形及其核实、领导小组审定。"""


@review.command("sheets")
@click.option("--roster", "roster_path", required=True, type=click.Path(path_type=Path), help="名单（文件夹或 .xlsx）")
@year_option()
@click.option("--reviewers", type=click.IntRange(1, 200), default=None,
              help="每类单位的评议组人数（每人一张编号的投票表）；已登记参评代表时不用，按代表生成")
@click.option("--out", required=True, type=OUT_FOLDER, help="输出文件夹")
@db_option
@handle_errors
def sheets_cmd(roster_path: Path, year: int, reviewers: int | None, out: Path, db_url: str | None) -> None:
    """生成分类评价投票表（Word）并记入数据库：已登记参评代表的，每位代表一张、不含本单位（回避）；
    否则按 --reviewers 为每类评议组成员各生成一张编号的投票表。投票表不署名（无记名）。"""
    from formkit.review.sheets import HANDOUT, make_sheets
    from formkit.roster import load_roster

    roster = load_roster(roster_path, year)
    with open_store(db_url, create=True) as store:
        made = make_sheets(store, roster, cycle(year), reviewers, out)
    results = made.results
    how = "每位参评代表一张，不含本单位（回避；由代表投票是工作组的做法）" if made.by_delegates else "编号投票表"
    click.echo(f"投票表：{sum(1 for r in results if not r.error_code)} 份（{how}）→ {out / 'review-vote'}")
    if made.by_delegates:
        click.echo(f"分发单：{out / HANDOUT}（按回避单位分发，不记代表姓名）")
    for d in made.without_sheet:
        click.echo(f"{d.category}只有{d.unit}一个单位，其代表{d.name}没有可投票的单位，未生成投票表", err=True)
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
            recused = f"，回避 {u.recused}" if u.recused else ""
            click.echo(f"  {u.unit}：{votes}；未选 {u.blank}，无效 {u.invalid}{recused}")
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
    """综合评议：每个单位的五个方面（自评总结、分类评价、平时工作、地方评价、县乡村振兴实绩考核）并列，
    标出不得评为“好”的情形；本年度有工作组评分规则的，再计算综合得分、提出建议等次。先列出所用规则及其依据。
    存入数据库（已调整的等次保留）。分类评价结果尚未经牵头部门确认的类别列为警告（确认前不能提请审定）。"""
    from formkit.review.run import run_rating

    with open_store(db_url) as store:
        require_records(store, year)
        rating = run_rating(store, cycle(year), inputs_path)
        grades = {r["recipient_id"]: r for r in store.grades(year)}
    if as_json:
        emit_json({"year": year, "scored": rating.scored, "rules": [r.as_dict() for r in rating.rules],
                   "findings": [f.as_dict() for f in (*rating.findings, *rating.unconfirmed)],
                   "problems": [f.as_dict() for f in rating.inputs.problems], "units": [
                       {**p.shown(), "grade": grades[p.recipient_id]["grade"],
                        "override_reason": grades[p.recipient_id]["override_reason"]} for p in rating.proposals]})
        return
    _print_rating(rating, grades, cycle(year).grades)


def _print_rating(rating, grades: dict, names: tuple[str, ...]) -> None:
    from formkit.review.rate import INPUTS

    click.echo("评议规则及其依据：")
    for rule in rating.rules:
        click.echo(f"  {rule.text}")
    for found in (*rating.findings, *rating.unconfirmed):
        click.echo(f"[{found.code}] {found.message}", err=True)
    for problem in rating.inputs.problems:  # the message starts with the row: 第7行：…
        click.echo(f"录入表 [{problem.code}] 工作表“{problem.location['sheet']}”{problem.message}", err=True)
    best = names[0]
    for p in rating.proposals:
        held = grades[p.recipient_id]
        decided = f"，现为“{held['grade']}”（{held['override_reason']}）" if held["override_reason"] else ""
        barred = f"；不得评为“{best}”：{_vetoes_text(p)}" if p.barred else ""
        barred += "".join(f"；{r.text}" for r in p.reasons if r.kind == "resolved")
        if p.score is not None:
            proposed = f"建议“{p.grade}”" if p.grade else "建议等次由工作组确定"
            click.echo(f"{p.category} 第{p.rank}名 {p.unit}：{p.score:.2f} 分（工作组评分），{proposed}{barred}{decided}")
        else:
            side = "｜".join(r.text for k in INPUTS if (r := p.reason(k)) is not None)
            click.echo(f"{p.category} {p.unit}：{side}{barred}{decided or '；等次未定（由工作组综合评议确定）'}")
        if held["grade"] == best and p.barred:
            click.echo(f"{p.unit}有不得评为“{best}”的情形，现行等次却是“{best}”，请用 review override 调整", err=True)
    held = [r["grade"] or "未定" for r in grades.values()]
    click.echo("等次：" + "，".join(f"{g} {held.count(g)} 个" for g in (*names, "未定") if g in held))


def _vetoes_text(p) -> str:
    from formkit.review.reasons import veto_text

    return "；".join(veto_text(v) for v in p.vetoes)


@review.command("override")
@year_option()
@click.option("--unit", "recipient_id", required=True, help="单位代码")
@click.option("--grade", required=True, help="调整后（或确定）的等次")
@click.option("--reason", required=True, help="理由（记入审计日志）")
@db_option
@handle_errors
def override_cmd(year: int, recipient_id: str, grade: str, reason: str, db_url: str | None) -> None:
    """调整某单位的建议等次，或在未设工作组评分规则的年度确定其等次：必须写明理由，建议等次和前后的等次
    都记入审计日志；有不得评为“好”情形的单位不能定为“好”。"""
    from formkit.review.override import override

    with open_store(db_url) as store:
        row = override(store, cycle(year), recipient_id, grade, reason)
    proposed = f"建议“{row['proposed']}”" if row["proposed"] else "未提出建议等次"
    click.echo(f"{row['unit']}：{proposed}，现为“{row['grade']}”（理由：{row['override_reason']}），已记入审计日志")


VETO_KINDS = click.Choice(["violation", "major_problem", "return_to_poverty"])


@review.command("veto")
@year_option()
@click.option("--county", default=None, help="出现规模性返贫的定点帮扶县（按秘书处的防止返贫动态监测数据）")
@click.option("--unit", "unit_id", default=None, help="单位代码（违纪违规或其他重大问题）")
@click.option("--kind", type=VETO_KINDS, default=None,
              help="violation：违纪违规；major_problem：其他重大问题；return_to_poverty：规模性返贫（--county 时默认）")
@click.option("--reason", required=True, help="依据和理由（记入审计日志）")
@click.option("--by", default=None, help="录入的单位（默认：本年度综合协调单位）")
@json_option
@db_option
@handle_errors
def veto_cmd(year: int, county: str | None, unit_id: str | None, kind: str | None, reason: str, by: str | None,
             as_json: bool, db_url: str | None) -> None:
    """秘书处录入不得评为“好”的情形（《办法》五、结果及运用）：某县出现规模性返贫（该县的所有帮扶单位都不得
    评为“好”），或某单位违纪违规、有其他重大问题。写明理由，记入审计日志；录入后须重新运行 review rate。"""
    from formkit.review.vetoes import enter

    rule, subject = _veto_subject(county, unit_id, kind)
    with open_store(db_url) as store:
        act = enter(store, cycle(year), rule, subject, reason, by)
    if as_json:
        emit_json(_act(act))
        return
    click.echo(f"已记录：{subject} {_RULE_TEXT[rule]}（{act['reason']}，{act['actor']}），请重新运行 review rate")


@review.command("resolve")
@year_option()
@click.option("--county", default=None, help="定点帮扶县（规模性返贫）")
@click.option("--unit", "unit_id", default=None, help="单位代码（违纪违规或其他重大问题）")
@click.option("--kind", type=VETO_KINDS, default=None, help="同 review veto")
@click.option("--bar/--lift", "barred", required=True, help="--bar：维持不得评为“好”；--lift：解除")
@click.option("--reason", required=True, help="核实的依据和结论（记入审计日志）")
@click.option("--by", default=None, help="核实的单位（默认：本年度综合协调单位）")
@json_option
@db_option
@handle_errors
def resolve_cmd(year: int, county: str | None, unit_id: str | None, kind: str | None, barred: bool, reason: str,
                by: str | None, as_json: bool, db_url: str | None) -> None:
    """秘书处核实后记录结论：某县规模性返贫的报告不一致时维持或解除对其帮扶单位的限制，或维持、解除某单位的
    违纪违规、其他重大问题。结论写明理由，记入审计日志，此后以结论为准；记录后须重新运行 review rate。"""
    from formkit.review.vetoes import resolve

    rule, subject = _veto_subject(county, unit_id, kind)
    with open_store(db_url) as store:
        act = resolve(store, cycle(year), rule, subject, barred, reason, by)
    if as_json:
        emit_json(_act(act))
        return
    decided = "维持不得评为“好”" if barred else "解除"
    click.echo(f"已记录结论：{subject} {_RULE_TEXT[rule]}，{decided}（{act['reason']}，{act['actor']}），"
               "请重新运行 review rate")


def _act(act: dict) -> dict:
    return {**{k: act[k] for k in ("kind", "subject", "value", "reason", "actor")}, "at": act["at"].isoformat()}


_RULE_TEXT = {"violation": "违纪违规", "major_problem": "其他重大问题", "return_to_poverty": "规模性返贫"}


def _veto_subject(county: str | None, unit_id: str | None, kind: str | None) -> tuple[str, str]:
    """(rule, subject) from the options: exactly one of --county and --unit."""
    from formkit.errors import FormkitError

    if bool(county) == bool(unit_id):
        raise FormkitError("cli.bad-usage", "请用 --county 指定定点帮扶县，或用 --unit 指定单位，二者选一")
    if county:
        return kind or "return_to_poverty", county
    if not kind:
        raise FormkitError("cli.bad-usage", "--unit 须同时用 --kind 写明情形（violation 或 major_problem）")
    return kind, unit_id or ""


@review.command("approve")
@year_option()
@click.option("--by", default=None, help="审定机构（默认：本年度的领导小组，如中央农村工作领导小组）")
@click.option("--date", "on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="审定日期 YYYY-MM-DD（默认今天）")
@json_option
@db_option
@handle_errors
def approve_cmd(year: int, by: str | None, on, as_json: bool, db_url: str | None) -> None:
    """记录领导小组对评价结果的审定（《办法》四（五）、五）：审定机构、日期和审定时的全部等次。记录后才能印发
    评价结果通报；此后等次再有调整的，须重新审定。"""
    from formkit.review.approval import approve

    with open_store(db_url) as store:
        act = approve(store, cycle(year), by, on.date() if on else None)
    value = act["value"]
    if as_json:
        emit_json({"year": year, "by": value["by"], "date": value["date"], "grades": value["grades"]})
        return
    decided = list(value["grades"].values())
    counts = "，".join(f"{g} {decided.count(g)} 个" for g in cycle(year).grades)
    click.echo(f"已记录审定：{value['by']}，{value['date']}，{counts}"
               + "（记入审计日志；此后等次再调整须重新审定）")


# -- the lead departments and the delegates (核实, 分类评价: delegates, 分组评议, confirmation) ------------

DATE = click.DateTime(["%Y-%m-%d"])


@review.command("verify")
@year_option()
@click.option("--unit", "unit_id", required=True, help="单位代码")
@click.option("--by", required=True, help="核实的牵头部门（须为该单位所属类别的牵头部门）")
@click.option("--result", type=click.Choice(["confirmed", "questioned"]), required=True,
              help="confirmed：已核实；questioned：有疑问")
@click.option("--note", default=None, help="说明（有疑问时必填）")
@click.option("--date", "on", type=DATE, default=None, help="核实日期 YYYY-MM-DD（默认今天）")
@json_option
@db_option
@handle_errors
def verify_cmd(year: int, unit_id: str, by: str, result: str, note: str | None, on, as_json: bool,
               db_url: str | None) -> None:
    """牵头部门核实单位报送的材料（“本单位提供，牵头部门核实”）：已核实或有疑问，记入数据库和审计日志，
    材料汇编和请示中显示。"""
    from formkit.evaluation.verification import verify

    with open_store(db_url) as store:
        done = verify(store, cycle(year), unit_id, by, result, note, on.date() if on else None)
    if as_json:
        emit_json({"unit": done.unit_id, "result": done.result, "by": done.by, "on": done.on, "note": done.note,
                   "shown": done.shown})
        return
    click.echo(f"{unit_id} 核实：{done.shown}")


@review.command("delegates")
@year_option()
@click.option("--roster", "list_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="参评代表名单（.xlsx 或 .csv；第一行：单位代码、代表姓名）")
@click.option("--unit", "unit_id", default=None, help="单位代码（登记一名代表时）")
@click.option("--name", default=None, help="代表姓名（登记一名代表时）")
@click.option("--withdraw", is_flag=True, help="撤销登记（与 --unit、--name 同用）")
@click.option("--by", default=None, help="登记单位（默认本年度综合协调单位，也可为该类牵头部门）")
@json_option
@db_option
@handle_errors
def delegates_cmd(year: int, list_path: Path | None, unit_id: str | None, name: str | None, withdraw: bool,
                  by: str | None, as_json: bool, db_url: str | None) -> None:
    """登记参加分类评价的被评单位代表（各被评单位派员参加；由代表投票是工作组的做法），不带名单或单位时
    列出已登记的代表及是否已交回投票表。"""
    from formkit.review.delegates import delegates, read_delegate_list, register

    if list_path and (unit_id or name) or bool(unit_id) != bool(name) or (withdraw and not unit_id):
        raise click.UsageError("用 --roster 登记名单，或用 --unit 和 --name 登记（撤销）一名代表")
    with open_store(db_url) as store:
        entries = read_delegate_list(list_path) if list_path else [(None, unit_id, name)] if unit_id else []
        changed = register(store, cycle(year), entries, by, withdraw) if entries else []
        present = delegates(store, cycle(year))
    if as_json:
        emit_json({"changed": len(changed), "delegates": [{**d.__dict__} for d in present]})
        return
    if changed:
        click.echo(f"{'撤销' if withdraw else '登记'}参评代表 {len(changed)} 名")
    for d in present:
        click.echo(f"{d.category}　{d.unit}（{d.unit_id}）　{d.name}　{'已交回投票表' if d.returned else '未交回投票表'}")
    if not present:
        click.echo(f"{year}年度没有登记参评代表")


@review.command("returned")
@year_option()
@click.option("--unit", "unit_id", required=True, help="代表所在单位的代码")
@click.option("--name", required=True, help="代表姓名")
@click.option("--undo", is_flag=True, help="撤销交回登记")
@click.option("--by", default=None, help="登记单位（默认本年度综合协调单位，也可为该类牵头部门）")
@db_option
@handle_errors
def returned_cmd(year: int, unit_id: str, name: str, undo: bool, by: str | None, db_url: str | None) -> None:
    """登记参评代表已交回投票表（投票箱旁的签到）：只记代表，不记是哪一张投票表（无记名）。"""
    from formkit.review.delegates import mark_returned

    with open_store(db_url) as store:
        d = mark_returned(store, cycle(year), unit_id, name, by, returned=not undo)
    click.echo(f"{d.unit} {d.name}：{'已交回投票表' if d.returned else '未交回投票表'}")


@review.command("deliberation")
@year_option()
@click.option("--category", required=True, help="单位类别")
@click.option("--date", "on", type=DATE, required=True, help="分组评议日期 YYYY-MM-DD")
@click.option("--participants", type=click.IntRange(1, 1000), required=True, help="参加人数")
@click.option("--note", required=True, help="评议情况摘要")
@click.option("--by", default=None, help="组织单位（默认本年度综合协调单位，也可为该类牵头部门）")
@db_option
@handle_errors
def deliberation_cmd(year: int, category: str, on, participants: int, note: str, by: str | None,
                     db_url: str | None) -> None:
    """记录一类单位的分组评议（日期、参加人数、评议情况摘要）。"""
    from formkit.review.category import record_deliberation

    with open_store(db_url) as store:
        record_deliberation(store, cycle(year), category, on.date(), participants, note, by)
    click.echo(f"{category}分组评议：{on.date().isoformat()}，{participants} 人参加，已记录")


@review.command("confirm")
@year_option()
@click.option("--category", required=True, help="单位类别")
@click.option("--by", required=True, help="确认的牵头部门（须为该类的牵头部门）")
@click.option("--note", default=None, help="说明")
@json_option
@db_option
@handle_errors
def confirm_cmd(year: int, category: str, by: str, note: str | None, as_json: bool, db_url: str | None) -> None:
    """牵头部门确认本类的分类评价结果（当前计票结果）；确认后计票结果再有变化的，须重新确认。"""
    from formkit.review.category import confirm_category

    with open_store(db_url) as store:
        state = confirm_category(store, cycle(year), category, by, note)
    if as_json:
        emit_json(state.as_dict())
        return
    click.echo(f"{category}分类评价结果（收回投票表 {state.returned}/{state.issued} 份）已由{state.lead}确认")


@review.command("status")
@year_option()
@json_option
@db_option
@handle_errors
def status_cmd(year: int, as_json: bool, db_url: str | None) -> None:
    """分类评价各环节的进度：每类的投票表回收、参评代表交回、分组评议、牵头部门确认，每个单位的核实情况。"""
    from formkit.evaluation.verification import shown, verifications
    from formkit.review.category import category_states
    from formkit.review.units import units_by_category

    with open_store(db_url) as store:
        require_records(store, year)
        states = category_states(store, cycle(year))
        verified = verifications(store, year)
        units = units_by_category(store, cycle(year))
    if as_json:
        emit_json({"year": year, "categories": [s.as_dict() for s in states],
                   "verification": {u.recipient_id: shown(verified.get(u.recipient_id))
                                    for us in units.values() for u in us}})
        return
    for s in states:
        talk = f"{s.deliberation['on']}，{s.deliberation['participants']} 人参加" if s.deliberation else "未记录"
        confirmed = "已确认" if s.confirmed else "确认后计票有变化，需重新确认" if s.stale else "未确认"
        click.echo(f"{s.name}（{s.lead}）：投票表收回 {s.returned}/{s.issued} 份；参评代表 {s.delegates} 名，"
                   f"已交回 {s.handed_in} 名；分组评议 {talk}；分类评价结果{confirmed}")
        for u in units.get(s.name, []):
            click.echo(f"  {u.name}（{u.recipient_id}）核实：{shown(verified.get(u.recipient_id))}")
