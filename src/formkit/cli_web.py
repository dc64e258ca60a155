"""``formkit serve``, ``formkit link`` and ``formkit account``: the web desk, recipients' links and staff
accounts. Thin: options in, one library call (the same the desk makes), output out."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from formkit.cli_common import db_option, emit_json, handle_errors, json_option, open_store, year_option


def _actor() -> str:
    """Who acts from the command line, as the audit log names it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


@click.command("serve")
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址（对外服务请放在反向代理之后）")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True, help="端口")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="进程数（多进程请用 PostgreSQL）")
@handle_errors
def serve_cmd(db_url: str | None, host: str, port: int, workers: int) -> None:
    """启动网上报送服务：报送方凭填报链接下载、上传并立即看到检查结果，工作人员登录查看报送情况。"""
    from formkit.web.serve import serve

    click.echo(f"网上报送服务：http://{host}:{port}/（按 Ctrl+C 停止）", err=True)
    serve(db_url, host, port, workers)


def serve_demo(out: Path, host: str = "127.0.0.1", port: int = 8000) -> None:
    """``formkit demo --serve``: on the demo's store, a secretariat account and one per category's lead
    department (one new password, printed once), then the desk. The recipients' links are in the links file
    the demo's issue wrote."""
    import secrets

    from formkit.config import load_config
    from formkit.demo import _db as demo_store
    from formkit.store import Store
    from formkit.web.accounts import add_account
    from formkit.web.links import LINKS_FILE, LINKS_FOLDER
    from formkit.web.serve import serve

    url, password = demo_store(out), secrets.token_urlsafe(12)
    with Store(url, create=False) as store:
        categories = load_config(store.latest_year()).category_names
        made = [("mishu", "secretariat", None)] + [(f"lead{i}", "lead", c) for i, c in enumerate(categories, 1)]
        for name, role, category in made:
            add_account(store, name, role, password, _actor(), category)
    click.echo(f"演示账号（密码均为 {password}，只显示这一次）：")
    for name, _role, category in made:
        click.echo(f"  {name}\t{category + '牵头部门' if category else '秘书处'}")
    click.echo(f"报送方的填报链接：{out / 'issued' / LINKS_FOLDER / LINKS_FILE}")
    click.echo(f"网上报送服务：http://{host}:{port}/（按 Ctrl+C 停止）")
    serve(url, host, port)


@click.group("link")
def link() -> None:
    """报送方的填报链接：签发（旧链接随之失效）或撤销。"""


@link.command("issue")
@year_option()
@click.option("--recipient", "recipients", multiple=True, help="报送方编号（单位编号，或县的评价表接收方编号）；可重复")
@click.option("--all", "everyone", is_flag=True, help="给本年度所有还没有有效链接的报送方签发")
@db_option
@json_option
@handle_errors
def link_issue(year: int, recipients: tuple[str, ...], everyone: bool, db_url: str | None, as_json: bool) -> None:
    """签发填报链接并显示（数据库只保存链接的摘要，链接只显示这一次）。"""
    from formkit.errors import FormkitError
    from formkit.web.links import holders, issue_links

    with open_store(db_url) as store:
        wanted = list(recipients)
        if everyone:
            working = store.links(year)
            wanted += [h for h in holders(store, year) if h not in working and h not in wanted]
        if not wanted:
            raise FormkitError("cli.missing-option", "请用 --recipient 指定报送方，或用 --all")
        urls = issue_links(store, year, wanted, _actor())
    if as_json:
        emit_json({"year": year, "links": urls})
        return
    for holder, url in urls.items():
        click.echo(f"{holder}\t{url}")


@link.command("revoke")
@year_option()
@click.option("--recipient", required=True, help="报送方编号")
@db_option
@handle_errors
def link_revoke(year: int, recipient: str, db_url: str | None) -> None:
    """撤销报送方的填报链接（之后可重新签发）。"""
    from formkit.web.links import revoke_link

    with open_store(db_url) as store:
        revoke_link(store, year, recipient, _actor())
    click.echo(f"已撤销 {recipient} 的{year}年度填报链接")


@click.group("account")
def account() -> None:
    """工作人员账号：新建、停用、重设密码（第一个秘书处账号在这里建立）。"""


PASSWORD = click.option("--password", prompt="密码", hide_input=True, confirmation_prompt="再输入一次",
                        help="密码（至少 10 个字符；不给出时提示输入）")


@account.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["secretariat", "lead", "observer"]), required=True,
              help="secretariat 秘书处；lead 牵头部门；observer 观察员（只读）")
@click.option("--category", default=None, help="牵头部门负责的单位类别")
@PASSWORD
@db_option
@handle_errors
def account_add(name: str, role: str, category: str | None, password: str, db_url: str | None) -> None:
    """新建账号。"""
    from formkit.web.accounts import add_account

    with open_store(db_url, create=True) as store:
        add_account(store, name, role, password, _actor(), category)
    click.echo(f"已新建账号 {name}")


@account.command("reset")
@click.argument("name")
@PASSWORD
@db_option
@handle_errors
def account_reset(name: str, password: str, db_url: str | None) -> None:
    """重设密码（该账号的所有登录随之失效）。"""
    from formkit.web.accounts import reset_password

    with open_store(db_url) as store:
        reset_password(store, name, password, _actor())
    click.echo(f"已重设 {name} 的密码")


@account.command("disable")
@click.argument("name")
@db_option
@handle_errors
def account_disable(name: str, db_url: str | None) -> None:
    """停用账号（该账号的所有登录随之失效）。"""
    from formkit.web.accounts import disable_account

    with open_store(db_url) as store:
        disable_account(store, name, _actor())
    click.echo(f"已停用账号 {name}")
