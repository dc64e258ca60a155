"""What every formkit command shares: JSON output, errors shown as one coded line (or JSON), and opening the
store (only the commands that record what was issued or received may create one)."""

from __future__ import annotations

import sys
from datetime import date
from functools import wraps

import click

from formkit.cli_params import emit_error, to_json
from formkit.errors import FormkitError, os_reason
from formkit.forms.cycle import Cycle, cycle

NOT_FINITE = "结果中有不是有限数的数值（NaN 或无穷大），无法输出为标准 JSON"


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


def open_store(db_url: str | None, create: bool = False):
    """The store at ``db_url``; only the commands that record what was issued or received may create it
    (a mistyped ``--db`` for any other command is an error, not a new empty store)."""
    from formkit.store import Store

    return Store(db_url, create=create)


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


def require_records(store, year: int | None, what: str = "下发或报送记录", forms: tuple[str, ...] | None = None) -> None:
    """Refuse to make a document from a store that holds nothing for it (``cli.empty-store``)."""
    if not stored_records(store, year, forms):
        message = empty_store_message(store, year, what)
        store.close()
        raise FormkitError("cli.empty-store", message)
