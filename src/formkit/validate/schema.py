"""A cerberus schema derived from a form definition, and its errors turned into findings. A required text
needs a character a reader can see: spaces, line breaks, zero-width and control characters alone do not
satisfy it.

Cerberus says what is wrong and why; most values are right, and telling that costs cerberus far more than
the reading of them. So each field's rules are also compiled once per form version into a plain check
(:func:`_passes`) that accepts only values cerberus accepts; cerberus sees just the values the check does not
accept, and its errors are exactly those it would give on the whole record (every rule is of one field)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

from formkit.findings import ERROR, Finding, finding
from formkit.forms.model import Field, Form
from formkit.validate.paths import path_text, raw_at

TYPES = {"text": "string", "longtext": "string", "integer": "integer", "amount": "number", "date": "date",
         "choice": "string", "boolean": "boolean"}


@cache
def _cerberus() -> type:
    """Cerberus's Validator with the rule ``visible``: a string holds at least one character that shows.
    Cerberus is imported here, when a value first fails its compiled check (importing it takes a tenth of a
    second, and most reads never need it)."""
    from cerberus import Validator as Cerberus
    from cerberus.errors import ErrorDefinition

    not_visible = ErrorDefinition(0x70, "visible")

    class Validator(Cerberus):
        def _validate_visible(self, constraint, field, value):
            """{'type': 'boolean'}"""
            if constraint and isinstance(value, str) and not has_visible(value):
                self._error(field, not_visible)

    return Validator


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


_SCHEMAS: dict[tuple, dict[str, dict[str, Any]]] = {}
_VALIDATORS: dict[tuple, Any] = {}


def _schema(form: Form, table: str | None = None) -> dict[str, dict[str, Any]]:
    """The schema of the form's single values, or of one row of a table field (cerberus keeps it as it
    is: tests/test_read_paths.py)."""
    key = (form.id, form.version, form.year, table)
    if key not in _SCHEMAS:
        if table is None:
            _SCHEMAS[key] = {f.key: field_schema(f) for f in form.fields if not f.is_table}
        else:
            _SCHEMAS[key] = {c.key: field_schema(c) for c in form.field(table).columns}
    return _SCHEMAS[key]


def _validator(form: Form, table: str | None = None):
    """A flat validator of :func:`_schema`. Nested list schemas make cerberus build child validators on
    every call; flat ones are built once and reused."""
    key = (form.id, form.version, form.year, table)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = _cerberus()(_schema(form, table), allow_unknown=False, require_all=False)
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


PYTHON_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "date": (date,), "boolean": (bool,)}
COMPILED = {"type", "nullable", "visible", "min", "max", "allowed"}  # the rules :func:`_passes` compiles


def _passes(rule: dict[str, Any]) -> Callable[[Any], bool]:
    """One field's rules as a plain check, True only for a value cerberus accepts (of exactly the type, so
    never a bool for a number; anything the check does not know is left to cerberus)."""
    if set(rule) - COMPILED or rule.get("type") not in PYTHON_TYPES:
        return lambda _value: False
    types, nullable, visible = PYTHON_TYPES[rule["type"]], rule.get("nullable", False), rule.get("visible", False)
    low, high = rule.get("min"), rule.get("max")
    allowed = frozenset(rule["allowed"]) if "allowed" in rule else None
    if len(types) == 1 and not visible and low is None and high is None and allowed is None:
        only = types[0]  # the type alone (most text and date fields): the same check, in fewer steps
        return (lambda value: value is None or type(value) is only) if nullable else \
            (lambda value: type(value) is only)

    def check(value: Any) -> bool:
        if value is None:
            return nullable
        return (type(value) in types and (not visible or has_visible(value))
                and (low is None or value >= low) and (high is None or value <= high)
                and (allowed is None or value in allowed))
    return check


_CHECKS: dict[tuple, dict[str, Callable[[Any], bool]]] = {}


def _checks(form: Form, table: str | None = None) -> dict[str, Callable[[Any], bool]]:
    """The compiled checks of :func:`_validator`'s schema, by field."""
    key = (form.id, form.version, form.year, table)
    if key not in _CHECKS:
        _CHECKS[key] = {name: _passes(rule) for name, rule in _schema(form, table).items()}
    return _CHECKS[key]


def prepare(form: Form) -> None:
    """Build the form's validators and compiled checks now (the reading workers inherit them)."""
    for table in (None, *(f.key for f in form.fields if f.is_table)):
        _checks(form, table)
        _validator(form, table)


def _refused(form: Form, table: str | None, document: Any, prefix: tuple) -> list[tuple[tuple, Any]]:
    """Cerberus's errors on ``document`` (the single values, or one row of ``table``), each with its path;
    only the values the compiled checks do not accept are shown to cerberus."""
    if isinstance(document, dict):
        checks = _checks(form, table)
        document = {k: v for k, v in document.items() if k not in checks or not checks[k](v)}
        if not document:
            return []
    validator = _validator(form, table)
    validator.validate(document, normalize=False)
    return [((*prefix, *e.document_path), e) for e in _leaves(validator._errors)]


_SHAPES: dict[tuple, tuple[tuple[str, ...], tuple[tuple[str, bool], ...]]] = {}


def _shape(form: Form) -> tuple[tuple[str, ...], tuple[tuple[str, bool], ...]]:
    """The keys of the form's single fields, and each table field's key and whether it is required."""
    key = (form.id, form.version, form.year)
    if key not in _SHAPES:
        _SHAPES[key] = (tuple(f.key for f in form.fields if not f.is_table),
                        tuple((f.key, f.required) for f in form.fields if f.is_table))
    return _SHAPES[key]


def validate(form: Form, values: dict[str, Any], raw: dict[str, Any], skip: set[str]) -> list[Finding]:
    """Findings for what the schema refuses; values whose text was already invalid (``skip``) are not
    reported twice."""
    singles, tables = _shape(form)
    errors = _refused(form, None, {key: values.get(key) for key in singles}, ())
    for table, required in tables:
        rows = values.get(table) or []
        if required and not rows:
            errors.append(((table,), _Missing("minlength", 1)))
        for i, row in enumerate(rows):
            errors += _refused(form, table, row, (table, i))
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
