"""``formkit verify`` and ``formkit migrate``: the store's own upkeep. Thin: options in, one library call,
output out."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formkit.cli_common import DB_HELP, db_option, emit_json, handle_errors, json_option, open_store
from formkit.outcomes import label as outcome_label


@click.command("verify")
@db_option
@click.option("--manifest", "manifests", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="已发布的清单（manifest.csv、manifest-sha256.txt）：核对其中的审计日志链头仍在日志中；可多次给出")
@click.option("--reconcile", is_flag=True,
              help="先补登无记录的原件（收取中断后留下的）：从原件读取并登记；另一个收取正在进行时不补登")
@json_option
@handle_errors
def verify_cmd(db_url: str | None, manifests: tuple[Path, ...], reconcile: bool, as_json: bool) -> None:
    """重新计算每份原件的 SHA-256，报告缺失、损坏和无记录的文件；核对审计日志的哈希链（及清单中的链头）。"""
    from formkit.intake.ingest import adopt

    with open_store(db_url) as store:
        adopted = adopt(store) if reconcile else []
        problems = store.verify(manifests)
        count = len(store.submissions())
    if as_json:
        emit_json({"submissions": count, **problems, **({"adopted": [r.as_dict() for r in adopted or []]}
                                                         if reconcile else {})})
    else:
        if reconcile:
            click.echo("另一个收取正在进行，未补登无记录的原件" if adopted is None else f"补登无记录的原件 {len(adopted)} 份")
            for r in adopted or []:
                click.echo(f"  {r.file}：{outcome_label(r.outcome)}")
        click.echo(f"已核对 {count} 份原件：缺失 {len(problems['missing'])}，损坏 {len(problems['corrupt'])}，"
                   f"无记录 {len(problems['orphaned'])}" + ("（下次收取时补登，或运行 formkit verify --reconcile）"
                                                         if problems["orphaned"] else ""))
        for kind in ("missing", "corrupt"):
            for p in problems[kind]:
                which = f"附件#{p['attachment']}" if p.get("attachment") else f"#{p['id']}"
                click.echo(f"  {kind}：{which} {p['file']} {p['sha256']}", err=True)
        audit = problems["audit"]
        click.echo("审计日志：哈希链完整，每份报送与其审计记录一致" if not audit else f"审计日志：发现 {len(audit)} 处问题")
        for p in audit:
            click.echo(f"  [{p['code']}] {p['message']}", err=True)
    sys.exit(1 if problems["missing"] or problems["corrupt"] or problems["audit"] else 0)


@click.command("migrate")
@db_option(help=f"应用连接的{DB_HELP}")
@click.option("--db-owner", "owner_url", envvar="FORMKIT_DB_OWNER", default=None,
              help="所有者角色的连接（PostgreSQL）：建立或升级表结构，并只授予应用角色对审计日志的查询和追加权限")
@handle_errors
def migrate_cmd(db_url: str | None, owner_url: str | None) -> None:
    """建立或升级数据库结构（以所有者角色运行一次；日常命令以应用角色运行，不能改写审计日志）。"""
    from formkit.store.migrations import current_version

    with open_store(db_url, create=True, owner=owner_url) as store:
        now, applied = current_version(store.engine), store.migrated
        if 1 in applied:
            click.echo(f"已建立数据库结构（第 {now} 版）：{store.shown}")
        elif applied:
            click.echo(f"数据库结构已升级到第 {now} 版（本次应用第 {'、'.join(map(str, applied))} 版）：{store.shown}")
        else:
            click.echo(f"数据库结构已是第 {now} 版，无需升级：{store.shown}")


def attach_files(paths: tuple[Path, ...], db_url: str | None, unit_id: str, year: int | None, as_json: bool) -> None:
    """``formkit ingest --attach-to UNIT``: each file kept as the unit's written report
    (:func:`formkit.intake.attach.attach`); exits 0 when every file was attached, else 1."""
    from formkit.cli_common import json_line
    from formkit.intake.attach import attach

    results = []
    with open_store(db_url) as store:
        for result in attach(paths, store, unit_id, year):
            results.append(result)
            if as_json:
                click.echo(json_line(result.as_dict()))
    if not as_json:
        attached = [r for r in results if r.outcome == "attached"]
        click.echo(f"已附在 {unit_id} 名下的自评总结 {len(attached)} 份（其中重复 {sum(r.duplicate for r in attached)} 份），"
                   f"未保存 {len(results) - len(attached)} 份")
        for r in results:
            if r.outcome == "attached":
                replaced = f"，替换此前第 {r.supersedes} 份" if r.supersedes and not r.duplicate else ""
                click.echo(f"  {r.file}：{'已附上（重复）' if r.duplicate else f'已附上（第 {r.attachment} 份{replaced}）'}")
            else:
                click.echo(f"  [{r.code}] {r.file}：{r.message}", err=True)
    sys.exit(0 if results and all(r.outcome == "attached" for r in results) else 1)


def print_reports(reports: list) -> None:
    """``formkit status``: each unit's written 自评总结, under the lead department that verifies it (办法 四（二）)."""
    if not reports:
        return
    click.echo(f"书面自评总结：已报送 {sum(r.report is not None for r in reports)} 个单位，未报送 "
               f"{sum(r.report is None for r in reports)} 个（按牵头部门，供核实）")
    leads: dict[str, list] = {}
    for r in reports:
        leads.setdefault(r.lead_department or "（未设牵头部门）", []).append(r)
    for lead, units in leads.items():
        click.echo(f"  {lead}：" + "；".join(f"{r.unit} {_described(r.report) if r.report else '未报送'}"
                                            for r in units))


def _described(report) -> str:
    from datetime import timezone

    from formkit.evaluation.verification import BEIJING
    from formkit.store.attachments import described

    at = report.received_at if report.received_at.tzinfo else report.received_at.replace(tzinfo=timezone.utc)
    return described(report, at.astimezone(BEIJING).date().isoformat())
