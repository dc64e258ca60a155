"""What every formkit command shares: the common options (``--db``, ``--json``, ``--year``, declared once here,
the sqlite-utils way), JSON output, errors shown as one coded line (or JSON), and opening the store (only the
commands that record what was issued or received may create one; a command holds it in a ``with`` block)."""

from __future__ import annotations

import sys
from datetime import date
from functools import wraps

import click

from formkit.cli_params import YEAR, emit_error, to_json
from formkit.errors import FormkitError, os_reason
from formkit.forms.cycle import Cycle, cycle

NOT_FINITE = "结果中有不是有限数的数值（NaN 或无穷大），无法输出为标准 JSON"
DB_HELP = "数据库（SQLAlchemy URL；默认 formkit.db）"
YEAR_HELP = "评价年度"


def _option(option, func):
    """``option`` as a bare decorator (``@json_option``) or, given texts, a decorator factory."""
    return option(func) if func else option


def db_option(func=None, *, help: str = DB_HELP):
    """``--db`` (or FORMKIT_DB): the store's SQLAlchemy URL, passed as ``db_url``."""
    return _option(click.option("--db", "db_url", envvar="FORMKIT_DB", default=None, help=help), func)


def json_option(func=None, *, help: str = "输出 JSON"):
    """``--json``, passed as ``as_json`` (:func:`handle_errors` shows errors as JSON too)."""
    return _option(click.option("--json", "as_json", is_flag=True, help=help), func)


def year_option(required: bool = True, fallback: str | None = None, help: str | None = None, **extra):
    """``--year`` (an evaluation year, :data:`YEAR`): required, or optional with ``fallback`` naming what the
    command uses without it (评价年度（默认：…）); ``help`` where the year means something else."""
    text = help or (f"{YEAR_HELP}（默认：{fallback}）" if fallback else YEAR_HELP)
    # no ``default=None`` here: since click 8.3 an explicit default satisfies ``required``
    return click.option("--year", type=YEAR, required=required, help=text, **extra)


def emit_json(data) -> None:
    try:
        text = to_json(data)
    except ValueError as exc:  # a number that is not finite has no standard JSON form
        raise FormkitError("cli.not-finite", NOT_FINITE) from exc
    click.echo(text)


def json_line(data: dict) -> str | None:
    """One file's result as one line of standard JSON (None: it holds a value JSON cannot)."""
    try:
        return to_json(data, indent=None)
    except ValueError:
        return None


def handle_errors(func):
    """Show a FormkitError as one clear line (or a JSON object with --json) and exit with its code; an
    operating-system error on a named path (no permission, no space, a file where a folder should be) too."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except FormkitError as exc:
            emit_error([exc, *getattr(exc, "others", [])], kwargs.get("as_json", False))
            sys.exit(exc.exit_code)
        except OSError as exc:
            if exc.filename is None:
                raise
            reason = os_reason(exc)
            emit_error([FormkitError("cli.file-error", f"无法读写该位置（{reason}）", {"file": str(exc.filename)})],
                       kwargs.get("as_json", False))
            sys.exit(2)

    return wrapper


def open_store(db_url: str | None, create: bool = False, owner: str | None = None):
    """The store at ``db_url`` (migrated as ``owner``), for a ``with`` block that closes it on every path; only
    the commands that record what was issued or received may create it (a mistyped ``--db`` for any other
    command is an error, not a new empty store)."""
    from formkit.store import Store

    return Store(db_url, owner=owner, create=create)


def settle_year(store, year: int | None) -> Cycle:
    """The cycle a command works on, settled in this one place: ``--year``, else the latest year the store
    has issued or received forms for, else this year (an empty store)."""
    return cycle(year or store.latest_year() or date.today().year)


def stored_records(store, year: int | None, forms: tuple[str, ...] | None = None) -> int:
    """How many forms of ``year`` (of ``forms``, else any) the store has issued or received."""
    if year is None:
        return 0
    rows = [*store.issued(year), *(s for s in store.submissions(year) if s.year == year)]
    return sum(1 for r in rows if forms is None or r.form in forms)


def empty_store_message(store, year: int | None, what: str = "下发或报送记录") -> str:
    return (f"数据库 {store.shown} 中没有{f'{year}年度的' if year else ''}{what}。先用 formkit issue 下发表格，"
            "收回后用 formkit ingest 收取（或用 --db 指定另一个数据库）")


def nothing_stored(store, year: int | None, settled: int) -> str | None:
    """Why the store holds nothing for the ``settled`` year (``year`` as given), or None: it holds some."""
    return None if stored_records(store, settled) else empty_store_message(store, year)


def require_records(store, year: int | None, what: str = "下发或报送记录", forms: tuple[str, ...] | None = None) -> None:
    """Refuse to make a document from a store that holds nothing for it (``cli.empty-store``)."""
    if not stored_records(store, year, forms):
        raise FormkitError("cli.empty-store", empty_store_message(store, year, what))
