"""The command line's own checks: option types that refuse a bad year or an output folder that is a file, and
one rendering of every refusal — click's usage errors included — in formkit's shape: ``错误 [code] …`` on
stderr (with ``--json`` also ``{"error": …, "errors": […]}`` on stdout) and exit status 2, never a
traceback and never click's English."""

from __future__ import annotations

import difflib
import json
import re
import sys
from datetime import date
from pathlib import Path

import click

from formkit import jsontext
from formkit.errors import FormkitError, describe_where

# The first evaluation year of the 办法 (中农组发〔2021〕9号): no form, store or notice exists before it.
FIRST_YEAR = 2021


def to_json(data, indent: int | None = 2) -> str:
    """Standard JSON (RFC 8259): a NaN or an infinity is a ValueError, never the non-standard ``NaN``."""
    if indent is None:  # (one line: written in C when the data is plain)
        return jsontext.dumps(data)
    return json.dumps(data, ensure_ascii=False, indent=indent, allow_nan=False)


def emit_error(errors: list[FormkitError], as_json: bool) -> None:
    """Show coded errors: each as one line on stderr, and with ``--json`` one object on stdout."""
    if as_json:
        click.echo(to_json({"error": errors[0].as_dict(), "errors": [e.as_dict() for e in errors]}))
    for err in errors:
        click.echo(f"错误 [{err.code}] {describe_where(err.where)}{err.message}", err=True)


class ArgumentError(click.BadParameter):
    """A bad option value with a formkit code (raised by the option types below)."""

    def __init__(self, code: str, message: str, ctx=None, param=None):
        super().__init__(message, ctx, param)
        self.code = code


def _hint(param) -> str:
    if param is None:
        return ""
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.human_readable_name


def usage_error(exc: click.ClickException) -> FormkitError:
    """A click usage error as a coded Chinese FormkitError (exit status 2)."""
    ctx = getattr(exc, "ctx", None)
    tip = f"（用 {ctx.command_path} --help 查看用法）" if ctx else ""
    param = getattr(exc, "param", None)
    hint = _hint(param)
    where = {"option": hint} if hint else {}
    if isinstance(exc, ArgumentError):
        return FormkitError(exc.code, f"{hint}：{exc.message}" if hint else exc.message, where)
    if isinstance(exc, click.MissingParameter):
        return FormkitError("cli.missing-option", f"缺少 {hint or '参数'}{tip}", where)
    if isinstance(exc, click.BadParameter):
        return FormkitError("cli.bad-value", f"{hint} 的值无效：{_bad_value(param, exc)}{tip}", where)
    if isinstance(exc, click.NoSuchOption):
        guess = f"，是否想用 {'、'.join(sorted(exc.possibilities))}" if exc.possibilities else ""
        return FormkitError("cli.unknown-option", f"没有选项 {exc.option_name}{guess}{tip}",
                            {"option": exc.option_name})
    if isinstance(exc, UnknownCommand):
        guess = f"，是否想用 {'、'.join(exc.possibilities)}" if exc.possibilities else ""
        return FormkitError("cli.unknown-command", f"没有命令“{exc.name}”{guess}{tip}")
    if isinstance(exc, click.BadOptionUsage):
        return FormkitError("cli.bad-usage", f"选项 {exc.option_name} 用法有误（需要一个值，或给了多余的值）{tip}",
                            {"option": exc.option_name})
    return FormkitError("cli.bad-usage", f"命令行用法有误：{exc.format_message()}{tip}")


def _bad_value(param, exc: click.BadParameter) -> str:
    kind = getattr(param, "type", None)
    if isinstance(kind, click.IntRange):
        return f"应为 {kind.min} 到 {kind.max} 之间的整数"
    if isinstance(kind, click.types.IntParamType):
        return "应为整数"
    if isinstance(kind, click.Choice):
        return f"应为以下之一：{'、'.join(map(str, kind.choices))}"
    if isinstance(kind, click.Path):
        return "文件或文件夹不存在或无法访问"
    return exc.format_message()


class UnknownCommand(click.UsageError):
    def __init__(self, name: str, ctx):
        super().__init__(name, ctx)
        self.name = name
        self.possibilities = difflib.get_close_matches(name, ctx.command.list_commands(ctx), n=3)


class FormkitGroup(click.Group):
    """A command group whose usage errors are shown the formkit way (see :func:`usage_error`)."""

    def resolve_command(self, ctx, args):
        name = click.utils.make_str(args[0]) if args else ""
        if (args and not name.startswith("-") and not ctx.resilient_parsing and ctx.token_normalize_func is None
                and self.get_command(ctx, name) is None):
            raise UnknownCommand(name, ctx)
        return super().resolve_command(ctx, args)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:  # ``formkit`` alone: the help
            exc.show()
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            emit_error([usage_error(exc)], "--json" in args)
            sys.exit(2)
        except click.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


class Year(click.ParamType):
    """An evaluation year: from the 办法's first (2021) to one year ahead of today (a year is prepared ahead)."""

    name = "YYYY"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            year = value
        else:
            text = str(value).strip()
            if not text.isdigit():
                raise ArgumentError("cli.bad-year", f"“{value}”不是年度，请写四位数字的年度，如 2026", ctx, param)
            year = int(text)
        last = date.today().year + 1
        if not FIRST_YEAR <= year <= last:
            raise ArgumentError("cli.bad-year", f"年度 {year} 不在 {FIRST_YEAR}—{last} 年之间（{FIRST_YEAR} 年是考核评价办法"
                                "施行的第一年，最多可提前准备下一年度）", ctx, param)
        return year


class Day(click.ParamType):
    """A date (成文日期): ``2026-12-01`` or ``2026年12月1日``, in the 办法's years up to two years ahead."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        text = str(value).strip()
        found = re.fullmatch(r"(\d{4})(?:-|年)(\d{1,2})(?:-|月)(\d{1,2})日?", text)
        try:
            day = date(*(int(x) for x in found.groups())) if found else None
        except ValueError:
            day = None
        if day is None:
            raise ArgumentError("cli.bad-date", f"“{value}”不是日期，请写如 2026-12-01 或 2026年12月1日", ctx, param)
        if not FIRST_YEAR <= day.year <= date.today().year + 2:
            raise ArgumentError("cli.bad-date", f"日期 {text} 不在 {FIRST_YEAR}—{date.today().year + 2} 年之间", ctx, param)
        return day


def folder_problem(path: Path) -> tuple[str, str] | None:
    """Why ``path`` cannot be an output folder: an existing file there, or a file where one of its parent
    folders should be (None: it is a folder, or can be made one)."""
    for place in (path, *path.parents):
        if place.exists() or place.is_symlink():
            if place.is_dir():
                return None
            what = "输出文件夹" if place == path else f"输出文件夹的上级 {place} "
            return "cli.out-not-folder", f"{what}是一个已有的文件，不是文件夹：{path}"
    return None


def file_problem(path: Path) -> tuple[str, str] | None:
    """Why ``path`` cannot be an output file: an existing folder of that name, or no folder to hold it."""
    if path.is_dir():
        return "cli.out-is-folder", f"输出文件 {path} 是一个已有的文件夹，请写出文件名"
    return folder_problem(path.parent)


class OutFolder(click.ParamType):
    """An output folder: it may exist (as a folder) or not yet; refused before anything is written when it
    cannot be one (:func:`folder_problem`)."""

    name = "DIR"
    check = staticmethod(folder_problem)

    def convert(self, value, param, ctx):
        path = Path(value)
        problem = self.check(path)
        if problem:
            raise ArgumentError(*problem, ctx, param)
        return path


class OutFile(OutFolder):
    """An output file (:func:`file_problem`)."""

    name = "FILE"
    check = staticmethod(file_problem)


YEAR = Year()
DAY = Day()
OUT_FOLDER = OutFolder()
OUT_FILE = OutFile()
