"""Located text → typed values, each with its raw text and where it came from."""

from __future__ import annotations

from typing import Any

from formkit.config import CycleConfig
from formkit.findings import ERROR, Finding, finding
from formkit.forms.model import Field, Form
from formkit.limits import DEFAULT, Limits
from formkit.read.locate import Located, Locator
from formkit.read.normalise import (
    CHECKED_MARKS,
    UNCHECKED_MARKS,
    YUAN_PER,
    BadValue,
    normalise_amount,
    normalise_bool,
    normalise_choice,
    normalise_count,
    normalise_date,
    normalise_text,
    quote,
    visible,
)

ROSTER_NAMES = ("unit.", "county.", "reviewer.")  # prefilled from the roster: a name, as long as the roster allows


def normalise(f: Field, located: Located, config: CycleConfig, row: dict[str, Located] | None = None,
              limits: Limits = DEFAULT) -> Any:
    """The typed value of ``located`` for ``f``; BadValue when the text is not one (not a number, too long,
    outside the field's declared range...)."""
    kind = f.type
    if kind in ("text", "longtext"):
        return _bounded(normalise_text(located.text), char_limit(f, limits))
    text = visible(located.text)
    value = _typed(f, located, text, config, row)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        _in_range(f, value, text)
    return value


def char_limit(f: Field, limits: Limits) -> int:
    """How many characters a text field may hold: a roster name, a line of text, or a long answer."""
    if f.type == "longtext":
        return limits.longtext_chars
    if f.prefill and f.prefill.startswith(ROSTER_NAMES):
        return limits.name_chars
    return limits.text_value_chars


def _bounded(value: str | None, limit: int) -> str | None:
    if value is not None and len(value) > limit:
        raise BadValue("value.too-long", f"填写了 {len(value)} 个字符，超过本栏 {limit} 个字符的上限，请精简后重新填写")
    return value


def _in_range(f: Field, value: float, text: str) -> None:
    """A number outside the field's declared range is a finding, never a value."""
    if f.min is not None and value < f.min:
        raise BadValue("value.below-min", f"“{quote(text)}”小于允许的最小值 {f.min:g}")
    if f.max is not None and value > f.max:
        raise BadValue("value.above-max", f"“{quote(text)}”超过允许的最大值 {f.max:g}，请核实单位和数字")


def _typed(f: Field, located: Located, text: str, config: CycleConfig, row: dict[str, Located] | None) -> Any:
    kind = f.type
    if kind == "integer":
        return normalise_count(text, f.unit)
    if kind == "amount":
        unit = f.unit or "万元"
        if f.unit_from and row and f.unit_from in row:
            measure = (row[f.unit_from].text or "").strip()
            if measure and measure not in YUAN_PER:
                return _quantity(text, measure)
            unit = measure or unit
        return normalise_amount(text, unit)
    if kind == "date":
        return normalise_date(text)
    if kind == "choice":
        variants = config.grade_variants if f.choices_from == "grades" else None
        return normalise_choice(text, f.choices or (), variants)
    if kind == "boolean":
        cell = located.cell
        if cell is not None and cell.checked is not None and text.strip() in CHECKED_MARKS + UNCHECKED_MARKS:
            return cell.checked
        return normalise_bool(text)
    raise ValueError(kind)


def _quantity(text: str, unit: str):
    """A figure in a non-money unit (人次, 个...): a count, with its unit checked."""
    return normalise_count(text, unit)


class _Reading:
    """How one field (or table column) is read, worked out once per form version: its kind, how long its
    raw text may be kept, and what its texts were already found to be. Normalising is a pure function of a
    field's text (and, for a yes/no, of its cell's check box; for an amount whose unit is another column,
    of that column's text), so a text seen before is not normalised again; a text field's text is only
    stripped of what does not show (:func:`normalise_text`), and never remembered."""

    __slots__ = ("field", "keep", "chars", "boolean", "unit_from", "memo")

    def __init__(self, f: Field, limits: Limits):
        self.field = f
        self.keep = limits.longtext_chars if f.type == "longtext" else limits.text_value_chars
        text = f.type in ("text", "longtext")
        self.chars = char_limit(f, limits) if text else None  # a text field's limit
        self.boolean = f.type == "boolean"
        self.unit_from = f.unit_from if f.type == "amount" else None
        self.memo: dict | None = None if text else {}

    def value(self, located: Located, config: CycleConfig, row: dict[str, Located] | None, limits: Limits):
        """:func:`normalise` of ``located``; BadValue when its text is not a value."""
        if self.chars is not None:
            return _bounded(normalise_text(located.text), self.chars)
        memo, text = self.memo, located.text
        if len(text) > MEMO_CHARS:
            return normalise(self.field, located, config, row, limits)
        key: Any = text
        if self.boolean:
            key = (text, located.cell.checked if located.cell is not None else None)
        elif self.unit_from:
            key = (text, row[self.unit_from].text if row and self.unit_from in row else None)
        known = memo.get(key)
        if known is None:
            try:
                known = (True, normalise(self.field, located, config, row, limits))
            except BadValue as bad:
                known = (False, bad.code, bad.reason)
            if len(memo) >= MEMO_ENTRIES:
                memo.clear()
            memo[key] = known
        if known[0]:
            return known[1]
        raise BadValue(known[1], known[2])


MEMO_CHARS, MEMO_ENTRIES = 64, 2048  # texts remembered per field: short ones, a bounded number
# per form version: each field with its reading, and a table's columns (key and reading), in the form's order
Plan = tuple[tuple[Field, _Reading, tuple[tuple[str, _Reading], ...] | None], ...]
_PLANS: dict[tuple, tuple[CycleConfig, Plan]] = {}


def _plan(form: Form, config: CycleConfig, limits: Limits) -> Plan:
    key = (form.id, form.version, form.year, limits)
    known = _PLANS.get(key)
    if known is None or known[0] is not config:
        plan = tuple((f, _Reading(f, limits), tuple((c.key, _Reading(c, limits)) for c in f.columns)
                      if f.is_table else None) for f in form.fields)
        known = _PLANS[key] = (config, plan)
    return known[1]


def extract(form: Form, locator: Locator, config: CycleConfig,
            limits: Limits = DEFAULT) -> tuple[dict, dict, list[Finding], set[str]]:
    """Values by key, raw texts with locations by key, findings, and the paths whose text was not valid."""
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    findings: list[Finding] = []
    invalid: set[str] = set()
    for f, reading, columns in _plan(form, config, limits):
        if columns is not None:
            rows = locator.table(f)
            if rows is None:
                values[f.key], raw[f.key] = [], None
                invalid.add(f.key)
                findings.append(finding("read.table-missing", ERROR if f.required else "warning",
                                        "文档中找不到这个表格（表头与下发的表格不一致）", f.label, f.key))
                continue
            values[f.key], raw[f.key] = table_values, table_raw = [], []
            for i, row in enumerate(rows):
                out, raw_row, cells = {}, {}, row.cells
                for key, column in columns:
                    cell = cells.get(key)
                    if cell is None:
                        out[key] = None
                        continue
                    text = cell.text
                    raw_row[key] = {"text": text if len(text) <= column.keep else text[:column.keep] + "…",
                                    "location": cell.location}
                    try:
                        out[key] = column.value(cell, config, cells, limits)
                    except BadValue as bad:
                        out[key] = _refused(bad, column.field, f"{f.key}[{i}].{key}", cell, findings, invalid, limits)
                table_values.append(out)
                table_raw.append(raw_row)
            continue
        located = locator.single(f)
        if located is None:
            values[f.key], raw[f.key] = None, None
            invalid.add(f.key)  # already an error (when required): not reported again as value.required
            findings.append(finding("read.field-missing", ERROR if f.required else "warning",
                                    "文档中找不到这个栏目（标签被删除或改动过多）", f.label, f.key))
            continue
        text = located.text
        raw[f.key] = {"text": text if len(text) <= reading.keep else text[:reading.keep] + "…",
                      "location": located.location}
        try:
            values[f.key] = reading.value(located, config, None, limits)
        except BadValue as bad:
            values[f.key] = _refused(bad, f, f.key, located, findings, invalid, limits)
    return values, raw, findings, invalid


def _raw(f: Field, text: str, limits: Limits) -> str:
    """The text a value was read from, kept whole unless it is beyond any field's limit."""
    limit = limits.longtext_chars if f.type == "longtext" else limits.text_value_chars
    return text if len(text) <= limit else text[:limit] + "…"


def _refused(bad: BadValue, f: Field, path: str, located: Located, findings: list[Finding], invalid: set[str],
             limits: Limits) -> None:
    """A text that is not a value of field (or column) ``f`` at ``path`` (``visits[2].date``): a finding, and
    no value."""
    invalid.add(path)
    findings.append(finding(bad.code, ERROR, bad.reason, f.label, path, located.location, _raw(f, located.text, limits)))
