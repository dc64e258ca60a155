"""The desk's Jinja environment (templates in ``web/templates``, autoescaped, undefined names an error) and
the few filters the pages share: a finding shown as the correction letter shows it, dates in Chinese."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path, PureWindowsPath

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from formkit.findings import ERROR, Finding, where_text
from formkit.outcomes import label as outcome_label
from formkit.web.accounts import ROLES
from formkit.web.settings import BEIJING

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def problem(f: Finding) -> str:
    """What is wrong, without the place (it has its own column), as the correction letter words it."""
    head = f"{f.subject or ''}{f'「{f.label}」' if f.label else ''}"
    return f"{head}：{f.reason}" if head else f.reason


def when(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    return f"{moment.year}年{moment.month}月{moment.day}日"


def filename(name: str | None) -> str:
    """A stored file name as a page shows it: its last part only (a file ingested from the secretariat's
    command line is recorded with its path, which is nobody else's business)."""
    return PureWindowsPath(name or "").name  # splits on / and \\ alike


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(place=lambda f: where_text(f.location) or "—", problem=problem, when=when,
                       outcome=outcome_label, filename=filename)
    env.globals.update(ERROR=ERROR, ROLES=ROLES)
    return env


ENV = environment()


def render(template: str, **context) -> str:
    return ENV.get_template(template).render(**context)
