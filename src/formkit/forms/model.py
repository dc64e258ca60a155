"""Form definitions: one declaration per field, from which layout, contract and schema are derived."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FIELD_TYPES = ("text", "longtext", "integer", "amount", "date", "choice", "boolean", "table")
RECIPIENTS = ("unit", "pair", "reviewer")
PERIODS = {"quarter": ("Q", 4), "half": ("H", 2)}  # id letter, periods a year
FORMATS = ("docx", "xlsx")

# Text a content control shows until the filler picks something. A reader treats it as empty.
PLACEHOLDERS = {"choice": "请选择", "boolean": "请选择", "date": "请选择日期"}
YES, NO = "是", "否"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    type: str
    required: bool = False
    unit: str | None = None
    unit_from: str | None = None
    min: float | None = None
    max: float | None = None
    help: str | None = None
    indicator: str | None = None
    choices: tuple[str, ...] | None = None
    choices_from: str | None = None
    prefill: str | None = None
    columns: tuple[Field, ...] = ()
    rows_from: str | None = None
    rows: tuple[dict[str, Any], ...] = ()
    blank_rows: int = 0
    suggest: str | None = None  # "ledger": the issued form proposes the ledger's figure, to confirm or correct
    choice_group: str | None = None  # a tick-box column of a ``per_choice`` group: the group's key
    choice_value: str | None = None  # ...and the choice it stands for

    @property
    def is_table(self) -> bool:
        return self.type == "table"

    @property
    def prefilled(self) -> bool:
        """True where the issuer fills the field (a table: where every column is prefilled)."""
        if self.is_table:
            return all(c.prefilled for c in self.columns)
        return self.prefill is not None

    @property
    def options(self) -> tuple[str, ...]:
        """The choices a dropdown offers: the declared choices, or 是/否 for a boolean."""
        if self.type == "boolean":
            return (YES, NO)
        return self.choices or ()

    @property
    def placeholder(self) -> str | None:
        return PLACEHOLDERS.get(self.type)

    def column(self, key: str) -> Field:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]
    area: str | None = None


@dataclass(frozen=True)
class Form:
    id: str
    code: str
    version: int
    recipient: str
    title: str
    instructions: tuple[str, ...]
    sections: tuple[Section, ...]
    year: int | None = None
    period: str | None = None  # quarter, half: issued once per period, the recipient id carries it (U001-Q2)
    format: str = "docx"  # docx, xlsx
    _index: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({f.key: f for s in self.sections for f in s.fields})

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, key: str) -> Field:
        return self._index[key]


def choice_groups(table: Field) -> dict[str, list[Field]]:
    """The ``per_choice`` groups of a table field: group key → its tick-box columns, in choice order."""
    out: dict[str, list[Field]] = {}
    for col in table.columns:
        if col.choice_group:
            out.setdefault(col.choice_group, []).append(col)
    return out
