"""The public contract of a form: what ``formkit fields FORM --json`` prints."""

from __future__ import annotations

from typing import Any

from formkit.forms.model import Field, Form


def field_contract(field: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"key": field.key, "label": field.label, "type": field.type, "required": field.required}
    if field.type == "choice":
        out["choices"] = list(field.choices or ())
    if field.unit:
        out["unit"] = field.unit
    if field.unit_from:
        out["unit_from"] = field.unit_from
    for bound in ("min", "max"):
        if getattr(field, bound) is not None:
            out[bound] = getattr(field, bound)
    if field.is_table:
        out["columns"] = [field_contract(c) for c in field.columns]
    if field.prefilled:
        out["prefilled"] = True
    if field.suggest:
        out["suggested_from"] = field.suggest  # the issued form may propose a value, to confirm or correct
    if field.indicator:
        out["indicator"] = field.indicator
    if field.help:
        out["help"] = field.help
    return out


def form_contract(form: Form) -> dict[str, Any]:
    return {
        "form": form.id,
        "version": form.version,
        "title": form.title,
        "format": form.format,
        **({"period": form.period} if form.period else {}),
        "fields": [field_contract(f) for f in form.fields],
    }
