"""What formkit computes from a form's values when it reads the form: a table's total row (合计, ``total``)
and its computed columns (完成率, ``computed``). The issued form prints them for the person filling it in;
what is typed there is never read (a Word field would be updated by one editor and not another): the read
record shows these figures instead (``formkit read``: ``computed``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from formkit.forms import measures
from formkit.forms.model import Field, Form

SUMMED = ("amount", "integer")


def computed(form: Form, values: Mapping[str, Any]) -> dict[str, Any]:
    """Table key → ``{"total": {column: sum}}`` for a table with a total row, and per computed column
    ``{label: [its value in each row]}``; for a 完成率 column also the unit's completion (``completion``:
    rate, met, counted, shown). Empty for a form without either."""
    out: dict[str, Any] = {}
    for table in form.fields:
        if not table.is_table or not (table.total or table.computed):
            continue
        rows = [r for r in values.get(table.key) or [] if isinstance(r, dict)]
        entry: dict[str, Any] = {}
        if table.total:
            entry["total"] = totals(table, rows)
        for column in table.computed:  # "completion", the only kind the loader accepts
            rates = [measures.row_rate(r) for r in rows]
            entry[column.label] = [round(r, 4) if r is not None else None for r in rates]
            done = measures.completion(form.id, values) if measures.TARGETS.get(form.id) == table.key else None
            if done is not None:
                entry["completion"] = {"rate": round(done.rate, 4) if done.rate is not None else None,
                                       "met": done.met, "counted": done.counted, "shown": done.shown}
        out[table.key] = entry
    return out


def totals(table: Field, rows: list[Mapping[str, Any]]) -> dict[str, float]:
    """The sum of every figure column of one unit (a column whose unit is another column's is not summed)."""
    return {c.key: round(sum(measures.number(r.get(c.key)) or 0.0 for r in rows), 2)
            for c in table.columns if c.type in SUMMED and not c.unit_from}


def shown(form: Form, figures: Mapping[str, Any]) -> list[str]:
    """The computed figures as lines for the clerk: ``帮扶资金情况（万元）合计：投入无偿资金 120.5；…`` and
    ``责任书指标完成情况 完成率：96.5%（4/6项完成）``."""
    lines = []
    for key, entry in figures.items():
        table = form.field(key)
        if "total" in entry:
            parts = [f"{table.column(k).label} {_figure(v)}" for k, v in entry["total"].items()]
            lines.append(f"{table.label}{table.total}：{'；'.join(parts)}")
        if "completion" in entry:
            lines.append(f"{table.label} {table.computed[0].label}：{entry['completion']['shown']}")
    return lines


def _figure(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")
