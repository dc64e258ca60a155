"""A cerberus schema derived from a form definition, and its errors turned into findings. A required text
needs a character a reader can see: spaces, line breaks, zero-width and control characters alone do not
satisfy it."""

from __future__ import annotations

import unicodedata
from typing import Any

from cerberus import Validator as _Cerberus
from cerberus.errors import ErrorDefinition

from formkit.findings import ERROR, Finding, finding
from formkit.forms.model import Field, Form
from formkit.validate.paths import path_text, raw_at

TYPES = {"text": "string", "longtext": "string", "integer": "integer", "amount": "number", "date": "date",
         "choice": "string", "boolean": "boolean"}


NOT_VISIBLE = ErrorDefinition(0x70, "visible")


class Validator(_Cerberus):
    """Cerberus with the rule ``visible``: a string holds at least one character that shows."""

    def _validate_visible(self, constraint, field, value):
        """{'type': 'boolean'}"""
        if constraint and isinstance(value, str) and not has_visible(value):
            self._error(field, NOT_VISIBLE)


def has_visible(text: str) -> bool:
    """True when ``text`` has a character that shows: not a space, separator, control or format character
    (zero-width spaces and joiners, the BOM, direction marks)."""
    if text.isprintable():  # no control, format or separator character but the space: checked in C
        return bool(text.strip(" "))
    return any(not ch.isspace() and unicodedata.category(ch)[0] not in "CZ" for ch in text)


def field_schema(f: Field) -> dict[str, Any]:
    if f.is_table:
        rule: dict[str, Any] = {"type": "list", "schema": {"type": "dict", "schema": {
            c.key: field_schema(c) for c in f.columns}}}
        if f.required:
            rule["minlength"] = 1
        return rule
    rule = {"type": TYPES[f.type], "nullable": not f.required}
    if f.required and TYPES[f.type] == "string":
        rule["visible"] = True
    if f.min is not None:
        rule["min"] = f.min
    if f.max is not None:
        rule["max"] = f.max
    if f.type == "choice":
        rule["allowed"] = list(f.choices or ())
    return rule


_VALIDATORS: dict[tuple, Validator] = {}


def _validator(form: Form, table: str | None = None) -> Validator:
    """A flat validator for the form's single values, or for one row of a table field. Nested list
    schemas make cerberus build child validators on every call; flat ones are built once and reused."""
    key = (form.id, form.version, form.year, table)
    if key not in _VALIDATORS:
        if table is None:
            schema = {f.key: field_schema(f) for f in form.fields if not f.is_table}
        else:
            schema = {c.key: field_schema(c) for c in form.field(table).columns}
        _VALIDATORS[key] = Validator(schema, allow_unknown=False, require_all=False)
    return _VALIDATORS[key]


REASONS = {
    "nullable": ("value.required", "必填，未填写"),
    "visible": ("value.required", "必填，只填了空白或看不见的字符"),
    "minlength": ("value.required", "至少要填写一行"),
    "min": ("value.below-min", "数值小于允许的最小值 {constraint}"),
    "max": ("value.above-max", "数值超过允许的最大值 {constraint}，请核实单位和数字"),
    "allowed": ("value.not-a-choice", "不是可选项"),
    "type": ("value.wrong-type", "类型不对"),
}


def validate(form: Form, values: dict[str, Any], raw: dict[str, Any], skip: set[str]) -> list[Finding]:
    """Findings for what the schema refuses; values whose text was already invalid (``skip``) are not
    reported twice."""
    errors: list[tuple[tuple, Any]] = []
    singles = _validator(form)
    singles.validate({f.key: values.get(f.key) for f in form.fields if not f.is_table}, normalize=False)
    errors += [(e.document_path, e) for e in _leaves(singles._errors)]
    for f in form.fields:
        if not f.is_table:
            continue
        rows = values.get(f.key) or []
        if f.required and not rows:
            errors.append(((f.key,), _Missing("minlength", 1)))
        row_validator = _validator(form, f.key)
        for i, row in enumerate(rows):
            row_validator.validate(row, normalize=False)
            errors += [((f.key, i, *e.document_path), e) for e in _leaves(row_validator._errors)]
    out: list[Finding] = []
    for path, error in errors:
        key = path_text(path)
        if key in skip:
            continue
        code, reason = REASONS.get(error.rule, ("value.invalid", "不符合要求"))
        f = form.field(path[0])
        label = f.column(path[2]).label if f.is_table and len(path) == 3 else f.label
        read = raw_at(raw, path)
        params = {error.rule: error.constraint} if error.rule in ("min", "max") else None
        out.append(finding(code, ERROR, reason.format(constraint=error.constraint), label, key,
                           read.get("location") or {}, read.get("text"), params=params))
    return out


class _Missing:
    """An error found outside cerberus, shaped like one of its errors."""

    def __init__(self, rule: str, constraint: Any):
        self.rule, self.constraint = rule, constraint


def _leaves(errors):
    for error in errors:
        if error.is_group_error:
            yield from _leaves(error.child_errors)
        else:
            yield error
