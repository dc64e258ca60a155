"""A value a scan left uncertain, as a person reads it on the scan: normalised as the form's field normalises
what a Word file holds (a date in any common form, an amount in 万元…), so a confirmed value is typed as a read
one. Used by ``formkit scan confirm`` (:func:`formkit.store.sealed.confirm`)."""

from __future__ import annotations

from typing import Any

from formkit.config import load_config
from formkit.errors import FormkitError
from formkit.forms import load_form
from formkit.forms.model import Field
from formkit.read.locate import Located
from formkit.read.normalise import BadValue
from formkit.read.record import normalise
from formkit.read.result import jsonable


def field_at(form_id: str, year: int | None, path: str) -> Field:
    """The field (or table column) a path names: ``fill_date``, ``visits[2].date``."""
    form = load_form(form_id, year)
    key, _sep, rest = path.partition("[")
    f = form.field(key)
    if not rest:
        return f
    column = rest.split("].", 1)[1]
    return next(c for c in f.columns if c.key == column)


def typed(record: Any, path: str, text: str) -> Any:
    """``text`` as the value of ``path`` in a record of ``record.form`` (JSON-ready: a date as ISO text)."""
    try:
        f = field_at(record.form, record.year, path)
    except (KeyError, StopIteration, IndexError) as exc:
        raise FormkitError("scan.no-such-value", f"表格中没有“{path}”这一项") from exc
    try:
        return jsonable(normalise(f, Located(text, {}), load_config(record.year)))
    except BadValue as bad:
        raise FormkitError(bad.code, f"“{text}”不能作为「{f.label}」的值：{bad.reason}") from bad
