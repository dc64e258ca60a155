"""Located text → typed values, each with its raw text and where it came from."""

from __future__ import annotations

from typing import Any

from formkit.config import CycleConfig
from formkit.findings import ERROR, Finding, finding
from formkit.forms.model import Field, Form
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
)


def normalise(f: Field, located: Located, config: CycleConfig, row: dict[str, Located] | None = None) -> Any:
    text = located.text
    kind = f.type
    if kind in ("text", "longtext"):
        return normalise_text(text)
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


def extract(form: Form, locator: Locator, config: CycleConfig) -> tuple[dict, dict, list[Finding], set[str]]:
    """Values by key, raw texts with locations by key, findings, and the paths whose text was not valid."""
    values: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    findings: list[Finding] = []
    invalid: set[str] = set()
    for f in form.fields:
        if f.is_table:
            rows = locator.table(f)
            if rows is None:
                values[f.key], raw[f.key] = [], None
                findings.append(finding("read.table-missing", ERROR if f.required else "warning",
                                        "文档中找不到这个表格（表头与下发的表格不一致）", f.label, f.key))
                continue
            values[f.key], raw[f.key] = [], []
            for i, row in enumerate(rows):
                out, raw_row = {}, {}
                for col in f.columns:
                    cell = row.cells.get(col.key)
                    path = f"{f.key}[{i}].{col.key}"
                    if cell is None:
                        out[col.key] = None
                        continue
                    raw_row[col.key] = {"text": cell.text, "location": cell.location}
                    out[col.key] = _value(col, cell, config, path, findings, invalid, row.cells)
                values[f.key].append(out)
                raw[f.key].append(raw_row)
            continue
        located = locator.single(f)
        if located is None:
            values[f.key], raw[f.key] = None, None
            findings.append(finding("read.field-missing", ERROR if f.required else "warning",
                                    "文档中找不到这个栏目（标签被删除或改动过多）", f.label, f.key))
            continue
        raw[f.key] = {"text": located.text, "location": located.location}
        values[f.key] = _value(f, located, config, f.key, findings, invalid)
    return values, raw, findings, invalid


def _value(f: Field, located: Located, config: CycleConfig, path: str, findings: list[Finding], invalid: set[str],
           row: dict[str, Located] | None = None):
    try:
        return normalise(f, located, config, row)
    except BadValue as bad:
        invalid.add(path)
        findings.append(finding(bad.code, ERROR, bad.reason, f.label, path, located.location, located.text))
        return None
