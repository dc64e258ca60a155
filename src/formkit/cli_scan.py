"""``formkit scan list`` and ``formkit scan confirm``: the sealed copies (scans) in the store, and a person's
confirmation of a value a scan left uncertain. Thin: options in, one library call (``store.sealed``), output
out."""

from __future__ import annotations

import click

from formkit.cli_common import db_option, emit_json, handle_errors, json_option, open_store, year_option
from formkit.cli_web import _actor


@click.group("scan")
def scan() -> None:
    """盖章件（扫描件）：列出扫描件及其与 Word 文件的比对结果，人工确认识别不确定的内容。"""


@scan.command("list")
@db_option
@year_option(required=False, fallback="库中最近的年度")
@json_option
@handle_errors
def list_cmd(db_url: str | None, year: int | None, as_json: bool) -> None:
    """每份扫描件：报送对象、文件、印章、与 Word 文件的差异、待人工确认的项目。"""
    from formkit.store import sealed

    with open_store(db_url) as store:
        year = year or store.latest_year()
        rows = sealed.overview(store, year) if year else []
    if as_json:
        emit_json({"year": year, "scans": rows})
        return
    if not rows:
        click.echo("没有扫描件。")
    for row in rows:
        seals = "有印章" if row["seals"] else "未见印章"
        word = f"与 Word 文件差异 {row['differences']} 处" if row["word"] else "未收到 Word 文件（数据按扫描件记录）"
        click.echo(f"[{row['submission']}] {row['form']} {row['recipient'] or ''} {row['file']}：{seals}；{word}；"
                   f"待确认 {len(row['pending'])} 项")
        for item in row["pending"]:
            click.echo(f"    {item['field']}：{item['message']}")


@scan.command("confirm")
@click.argument("submission", type=int)
@click.argument("field")
@click.argument("value")
@click.option("--reason", default=None, help="说明（如：对照扫描件第2页核对）")
@db_option
@json_option
@handle_errors
def confirm_cmd(submission: int, field: str, value: str, reason: str | None, db_url: str | None,
                as_json: bool) -> None:
    """确认扫描件中识别不确定的一项：SUBMISSION 为扫描件的编号，FIELD 为栏目（如 fill_date、visits[0].date），
    VALUE 为对照扫描件读出的内容。记入审计日志。"""
    from formkit.store import sealed

    with open_store(db_url) as store:
        act = sealed.confirm(store, submission, field, value, _actor(), reason)
    if as_json:
        emit_json({"submission": submission, "field": field, "value": act["value"]["value"], "act": act["id"]})
    else:
        click.echo(f"已确认第 {submission} 份扫描件的“{field}”：{act['value']['value']}")
