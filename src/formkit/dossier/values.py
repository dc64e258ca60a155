"""How the dossier prints what was read: figures, dates, yes/no, and how much of one answer it prints."""

from __future__ import annotations

from datetime import date

from formkit.forms.model import Field
from formkit.gongwen.model import chinese_date
from formkit.outputs import clean_text

# What one answer may print in the dossier (the working group's choice: about five pages of narrative, a
# county's comment about two pages, a table cell a few lines, a name one line); the rest is left to the
# original, with a note, so that no single answer can make the dossier, or its rendering by LibreOffice, fail.
ANSWER_CHARS = 3000
COMMENT_CHARS = 1000
CELL_CHARS = 200
NAME_CHARS = 60
NONE = "—"
NOT_FILLED = "（未填写）"


def answer(text: object, limit: int = ANSWER_CHARS) -> str:
    """An answer on one line (line breaks dropped), cut at ``limit`` with a note."""
    return clean_text(("" if text is None else str(text)).replace("\n", ""), limit)


def paragraphs(text: object, limit: int = ANSWER_CHARS) -> list[str]:
    """A long answer cut at ``limit`` (with a note), then split into its paragraphs (blank ones dropped)."""
    return [p.strip() for p in clean_text("" if text is None else str(text), limit).splitlines() if p.strip()]


def money(x: float | None) -> str:
    """An amount in 万元 with two decimals (as the forms ask for it): 1,234.50; ``—`` when there is none."""
    return NONE if x is None else f"{x:,.2f}"


def count(x: float | None) -> str:
    """A count (次, 人, 个, 人次): 1,234; ``—`` when there is none."""
    return NONE if x is None else f"{round(x):,}"


def share(x: float | None, digits: int = 0) -> str:
    """A share or rate: 98%, 98.5%; ``—`` when there is none."""
    return NONE if x is None else f"{x * 100:.{digits}f}%"


def yes_no(value: object) -> str:
    return NONE if value is None else ("是" if value else "否")


def shown(field: Field, value: object, unit: str | None = None, limit: int = CELL_CHARS) -> str:
    """A value of ``field`` as a reader would write it in a table; ``unit``: the row's own unit where the
    column takes it from another column (a responsibility-letter row in 人次 has no decimals)."""
    if value is None or value == "":
        return NONE
    if field.type == "boolean":
        return yes_no(value)
    if field.type in ("amount", "integer") and isinstance(value, int | float) and not isinstance(value, bool):
        if field.type == "amount" and (unit or field.unit or "万元") == "万元":
            return money(value)
        return count(value) if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
    if field.type == "date":
        try:
            return chinese_date(date.fromisoformat(str(value)))
        except ValueError:
            return answer(value, limit)
    return answer(value, limit)
