"""The official-document commands of ``formkit``: ``notice`` (GB/T 9704-2012 notices from the year's
configuration and the store) and ``check-format`` (the GB/T 9704 checks of a .docx and its PDF)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from formkit.cli_common import db_option, emit_json, handle_errors, json_option, open_store, require_records, year_option
from formkit.cli_params import DAY, OUT_FILE
from formkit.errors import FormkitError
from formkit.forms.cycle import cycle


@click.command("check-format")
@click.argument("file", type=click.Path(exists=True, path_type=Path))
@click.option("--pdf", "pdf_path", type=click.Path(exists=True, path_type=Path), default=None,
              help="已渲染的 PDF（默认：用 LibreOffice 渲染后测量）")
@json_option
@handle_errors
def check_format_cmd(file: Path, pdf_path: Path | None, as_json: bool) -> None:
    """按 GB/T 9704-2012 检查公文格式（.docx 结构检查 + PDF 版面测量）。无 fail 级问题时退出状态为 0。"""
    from formkit.gongwen.check import check_file, summarise

    checks, note = check_file(file, pdf_path)
    if as_json:
        emit_json({"file": str(file), "checks": [c.as_dict() for c in checks], "note": note})
    else:
        names = {"pass": "通过", "warn": "提醒", "fail": "不合格"}
        for c in checks:
            line = f"{names[c.result]:<4} {c.id:<14} {c.clause:<8} 实测 {c.measured}；要求 {c.expected}"
            click.echo(line + (f"；{c.message}" if c.message else ""))
        if note:
            click.echo(note)
    sys.exit(summarise(checks))


@click.command("notice")
@click.argument("kind", type=click.Choice(["issue-forms", "progress", "review-proposal", "review-results", "review-copy"]))
@year_option()
@click.option("--out", required=True, type=OUT_FILE, help="输出的 .docx 文件")
@click.option("--pdf", "make_pdf", is_flag=True, help="同时用 LibreOffice 生成 PDF 并检查版式")
@click.option("--ofd", "make_ofd", is_flag=True, help="另在 PDF 旁生成 OFD 版式文件（含 --pdf），并读回检查文字层")
@click.option("--serial", type=int, default=1, show_default=True, help="发文字号中的序号")
@click.option("--content", type=click.Path(exists=True, path_type=Path), default=None,
              help="公文内容文件（默认 templates/notices/KIND.md）")
@click.option("--date", "when", type=DAY, default=None, help="成文日期（默认今天），发文字号的年份取自它")
@click.option("--half", type=click.IntRange(1, 2), default=None,
              help="工作进展通报（progress）的半年：1 上半年，2 下半年（默认：已下发台账的最近一个半年）")
@db_option
@handle_errors
def notice_cmd(kind: str, year: int, out: Path, make_pdf: bool, make_ofd: bool, serial: int, content: Path | None,
               when, half: int | None, db_url: str | None) -> None:
    """生成公文（按 GB/T 9704-2012 排版）：下发表格的通知（issue-forms）、半年工作进展通报（progress）、
    评价结果的请示（review-proposal）、结果通报（review-results）、送中央组织部的函（review-copy）。
    发文机关代字、签发人、联系人等取自 forms/cycle.yaml 的本年度设置，缺少时不生成。"""
    from formkit.notices import STORE_KINDS, write_notice

    if half is not None and kind != "progress":
        raise FormkitError("cli.bad-usage", "--half 只用于工作进展通报（progress）", {"option": "--half"})
    options = {"serial": serial, "content": content, "pdf": make_pdf, "when": when, "half": half, "ofd": make_ofd}
    if kind in STORE_KINDS:  # figures from the store: it must exist and hold the year
        with open_store(db_url) as store:
            require_records(store, year)
            result = write_notice(kind, cycle(year), out, store=store, **options)
    else:
        result = write_notice(kind, cycle(year), out, **options)
    click.echo(f"已生成：{result['docx']}")
    if result.get("pdf"):
        click.echo(f"PDF：{result['pdf']}（字体替代：{result['fonts']}）")
        failed = [c for c in result["checks"] if c.result == "fail"]
        click.echo(f"版式检查：{len(result['checks'])} 项，不合格 {len(failed)} 项")
        for c in failed:
            click.echo(f"  [{c.id}] {c.message}（实测 {c.measured}）", err=True)
        lost = bool(result.get("ofd")) and not result["ofd_text_kept"]
        if result.get("ofd"):
            click.echo(f"OFD：{result['ofd']}（文字层读回{'与 PDF 不一致' if lost else '与 PDF 一致'}）", err=lost)
        sys.exit(1 if failed or lost else 0)
