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
        _CHECKS[key] = {name: _passes(rule) for name, rule in _validator(form, table).schema.items()}
    return _CHECKS[key]


def prepare(form: Form) -> None:
    """Build the form's validators and compiled checks now (the reading workers inherit them)."""
    for table in (None, *(f.key for f in form.fields if f.is_table)):
        _checks(form, table)


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


def validate(form: Form, values: dict[str, Any], raw: dict[str, Any], skip: set[str]) -> list[Finding]:
    """Findings for what the schema refuses; values whose text was already invalid (``skip``) are not
    reported twice."""
    errors = _refused(form, None, {f.key: values.get(f.key) for f in form.fields if not f.is_table}, ())
    for f in form.fields:
        if not f.is_table:
            continue
        rows = values.get(f.key) or []
        if f.required and not rows:
            errors.append(((f.key,), _Missing("minlength", 1)))
        for i, row in enumerate(rows):
            errors += _refused(form, f.key, row, (f.key, i))
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
