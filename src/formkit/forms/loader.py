"""Load and check the form definitions in ``forms/*.yaml``.

A definition is checked as strictly as code would be: an unknown attribute, a duplicate key or label, an
indicator the catalogue does not know or a prefill source the issuer cannot supply is an error at load
time, not a surprise in an issued document.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

from formkit.config import UNSET_DUE, CycleConfig, load_config
from formkit.errors import DefinitionError
from formkit.forms.catalogue import load_catalogue
from formkit.forms.model import (
    FIELD_TYPES,
    FORMATS,
    PERIOD_WORDS,
    PERIODS,
    RECIPIENTS,
    Computed,
    Field,
    Filer,
    Form,
    Section,
    Signature,
)
from formkit.resources import forms_dir

FIELD_ATTRIBUTES = {
    "key", "label", "type", "required", "unit", "unit_from", "min", "max", "help", "indicator",
    "choices", "choices_from", "prefill", "columns", "rows_from", "rows", "blank_rows", "per_choice",
    "suggest", "since", "total", "computed",
}
COMPUTED = {"completion"}  # how a computed column is made (``computed: [{label, measure}]``)
# Where a prefilled value may come from, per kind of recipient. `row.*` is a table's fixed rows.
PREFILL_SOURCES = {
    "unit": {"year", "period", "unit.id", "unit.name", "unit.category", "unit.lead"},
    "pair": {"year", "unit.id", "unit.name", "unit.category", "unit.lead",
             "county.code", "county.name", "county.province", "county.key_county"},
    "reviewer": {"year", "reviewer.category", "reviewer.lead", "reviewer.number"},
}
# `number`: the row's 序号 (1, 2...) among the rows of a ``rows_from`` table
ROW_SOURCES = {"counties": {"county.code", "county.name", "county.province", "county.key_county", "number"},
               "units": {"unit.id", "unit.name", "number"}}
NON_NAMES = {"catalogue.yaml", "cycle.yaml", "gbt9704-2012.yaml"}  # data beside the forms, not forms


def form_files() -> dict[str, Path]:
    """Form id → definition file, for every form in ``forms/``."""
    return dict(_form_files(str(forms_dir())))


@lru_cache(maxsize=4)
def _form_files(folder: str) -> tuple[tuple[str, Path], ...]:
    out = []
    for path in sorted(Path(folder).glob("*.yaml")):
        if path.name in NON_NAMES:
            continue
        match = re.search(r"^form:\s*(\S+)\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)
        if match is None:
            raise DefinitionError("form.invalid", "表单定义文件缺少 form: 行", {"file": path.name})
        out.append((match.group(1), path))
    return tuple(out)


def form_ids() -> list[str]:
    return list(form_files())


def load_form(form_id: str, year: int | None = None) -> Form:
    """The form ``form_id`` with its choices resolved against the cycle configuration of ``year``."""
    path = _paths(str(forms_dir())).get(form_id)
    if path is None:
        known = "、".join(form_files())
        raise DefinitionError("form.unknown", f"没有名为“{form_id}”的表单（现有：{known}）", {"form": form_id})
    return _load(path, year)


@lru_cache(maxsize=4)
def _paths(folder: str) -> dict[str, str]:
    """Form id → its definition file's path, as :func:`_load` takes it (asked for on every form read)."""
    return {form_id: str(path) for form_id, path in _form_files(folder)}


def load_form_file(path: str | Path, year: int | None = None) -> Form:
    """A form from a definition file anywhere (a secretariat's draft, a test's fixture)."""
    return _load(str(path), year)


@lru_cache(maxsize=16)
def _parsed(path: str) -> Any:
    """A definition file's YAML, parsed once for every year it is loaded for (never changed)."""
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SafeLoader)


@lru_cache(maxsize=32)
def _load(path: str, year: int | None) -> Form:
    raw = _parsed(path)
    config = load_config(year)
    where = {"file": Path(path).name}
    recipient = raw.get("recipient")
    if recipient not in RECIPIENTS:
        raise DefinitionError("form.invalid", f"recipient 必须是 {RECIPIENTS} 之一", where)
    if raw.get("period") not in (None, *PERIODS) or raw.get("format", "docx") not in FORMATS:
        raise DefinitionError("form.invalid", f"period 只能是 {sorted(PERIODS)}，format 只能是 {FORMATS}", where)
    sections = tuple(
        Section(
            title=str(s["title"]),
            area=str(s["area"]) if s.get("area") else None,
            fields=tuple(_field(f, config, recipient, where) for f in s["fields"]),
            signature=Signature(**s["signature"]) if s.get("signature") else None,
        )
        for s in raw["sections"]
    )
    form = Form(
        id=str(raw["form"]),
        code=str(raw["code"]),
        version=int(raw["version"]),
        recipient=recipient,
        title=str(raw["title"]),
        instructions=tuple(
            str(i).format(coordinator=config.coordinator, grades="、".join(config.grades), best=config.grades[0],
                          due=_due(config, raw))
            for i in raw.get("instructions", ())
        ),
        sections=sections,
        year=year,
        period=raw.get("period"),
        format=raw.get("format", "docx"),
        filer=Filer(**raw["filer"]) if raw.get("filer") else None,
        layout_since=int(raw["layout_since"]) if raw.get("layout_since") else None,
    )
    _check_unique(form, where)
    if form.filer and form.filer.date and (form.filer.date not in form._index or form.field(form.filer.date).is_table):
        raise DefinitionError("form.invalid", f"filer 的 date 必须是本表的单值字段：{form.filer.date}", where)
    if any((f.since or 1) > form.version for f in form.all_fields):
        raise DefinitionError("form.invalid", f"since 不能大于表单版本 {form.version}", where)
    return form


def _due(config: CycleConfig, raw: dict) -> str:
    """``{due}`` in a form's instructions: its deadline as ``cycle.yaml`` sets it (``12月31日前``,
    ``每季度结束后10日内``), or 按秘书处通知的时间 where none is set."""
    deadline = config.deadlines.get(str(raw.get("form")))
    return deadline.text(PERIOD_WORDS.get(raw.get("period") or "", "期")) if deadline else UNSET_DUE


def _field(raw: dict[str, Any], config: CycleConfig, recipient: str, where: dict, table: Field | None = None,
           row_source: str | None = None) -> Field:
    key = raw.get("key")
    here = {**where, "field": key}
    unknown = set(raw) - FIELD_ATTRIBUTES
    if unknown:
        raise DefinitionError("form.unknown-attribute", f"字段“{key}”有未知属性：{sorted(unknown)}", here)
    if not key or not raw.get("label"):
        raise DefinitionError("form.invalid", "每个字段都要有 key 和 label", here)
    if not isinstance(key, str):  # (a record's keys are text: intake's stored JSON is its canonical JSON)
        raise DefinitionError("form.invalid", f"字段的 key“{key}”要写成文字（例如 key: \"{key}\" 或字母开头的名称）", here)
    ftype = raw.get("type")
    if ftype not in FIELD_TYPES or (table is not None and ftype == "table"):
        raise DefinitionError("form.unknown-type", f"字段“{key}”的类型“{ftype}”不受支持", here)
    choices = raw.get("choices")
    if raw.get("choices_from"):
        choices = config.choices(raw["choices_from"])
    if ftype == "choice" and not choices:
        raise DefinitionError("form.invalid", f"选择字段“{key}”没有选项", here)
    indicator = raw.get("indicator")
    if indicator is not None and not load_catalogue().knows(str(indicator)):
        raise DefinitionError("form.unknown-indicator", f"字段“{key}”引用了目录中没有的指标“{indicator}”", here)
    prefill = raw.get("prefill")
    if prefill is not None:
        allowed = ROW_SOURCES.get(row_source or "", set()) if table is not None else PREFILL_SOURCES[recipient]
        if table is not None and prefill.startswith("row."):
            allowed = {prefill} if table.rows else set()
        if prefill not in allowed:
            raise DefinitionError("form.invalid-prefill", f"字段“{key}”的预填来源“{prefill}”无法提供", here)
    field = Field(
        key=str(key),
        label=str(raw["label"]),
        type=ftype,
        required=bool(raw.get("required", False)),
        unit=raw.get("unit"),
        unit_from=raw.get("unit_from"),
        min=raw.get("min"),
        max=raw.get("max"),
        help=raw.get("help"),
        indicator=str(indicator) if indicator is not None else None,
        choices=tuple(str(c) for c in choices) if choices else None,
        choices_from=raw.get("choices_from"),
        prefill=prefill,
        rows_from=raw.get("rows_from"),
        rows=tuple(dict(r) for r in raw.get("rows", ())),
        blank_rows=int(raw.get("blank_rows", 0)),
        suggest=raw.get("suggest"),
        since=int(raw["since"]) if raw.get("since") is not None else None,
        total=raw.get("total"),
        computed=tuple(Computed(str(c["label"]), str(c["measure"])) for c in raw.get("computed") or ()),
    )
    if any(c.measure not in COMPUTED for c in field.computed):
        raise DefinitionError("form.invalid", f"表格“{key}”的 computed 只能按 {sorted(COMPUTED)} 计算", here)
    if field.suggest not in (None, "ledger") or (field.suggest and (field.prefill or ftype == "table")):
        raise DefinitionError("form.invalid", f"字段“{key}”的 suggest 只能是 ledger，且不能与 prefill 同用", here)
    if ftype != "table":
        return field
    if field.rows_from is not None and field.rows_from not in ROW_SOURCES:
        raise DefinitionError("form.invalid", f"表格“{key}”的 rows_from 只能是 {sorted(ROW_SOURCES)}", here)
    if not raw.get("columns"):
        raise DefinitionError("form.invalid", f"表格“{key}”没有列", here)
    columns = []
    for c in raw["columns"]:
        column = _field(c, config, recipient, here, field, field.rows_from)
        columns.extend(_per_choice(column, here) if c.get("per_choice") else [column])
    return Field(**{**field.__dict__, "columns": tuple(columns)})


def _per_choice(column: Field, where: dict) -> list[Field]:
    """``per_choice: true`` on a table column: one tick-box column per choice, labelled with the choice
    (a voting sheet's grades), keys ``<key>_1``, ``<key>_2``...; a reader checks that one at most is ticked."""
    if column.type != "boolean" or not column.choices:
        raise DefinitionError("form.invalid", f"列“{column.key}”的 per_choice 需要 boolean 类型和选项", where)
    return [Field(**{**column.__dict__, "key": f"{column.key}_{i}", "label": choice, "choices": None,
                     "choices_from": None, "choice_group": column.key, "choice_value": choice})
            for i, choice in enumerate(column.choices, start=1)]


def _check_unique(form: Form, where: dict) -> None:
    keys: set[str] = set()
    labels: set[str] = set()
    for f in form.fields:
        if f.key in keys:
            raise DefinitionError("form.duplicate-key", f"字段名“{f.key}”重复", where)
        if f.label in labels:
            raise DefinitionError("form.duplicate-label", f"标签“{f.label}”重复，读取时无法区分", where)
        keys.add(f.key)
        labels.add(f.label)
    for f in form.fields:
        col_labels = [c.label for c in f.columns]
        if len(set(col_labels)) != len(col_labels) or len({c.key for c in f.columns}) != len(f.columns):
            raise DefinitionError("form.duplicate-label", f"表格“{f.label}”的列名重复", where)
        clash = labels & set(col_labels)
        if clash:
            raise DefinitionError("form.duplicate-label", f"表格“{f.label}”的列名与字段标签重复：{clash}", where)
