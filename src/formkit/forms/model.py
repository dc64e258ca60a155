"""Form definitions: one declaration per field, from which layout, contract and schema are derived."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

FIELD_TYPES = ("text", "longtext", "integer", "amount", "date", "choice", "boolean", "table")
RECIPIENTS = ("unit", "pair", "reviewer")
PERIODS = {"quarter": ("Q", 4), "half": ("H", 2)}  # id letter, periods a year
PERIOD_WORDS = {"quarter": "季度", "half": "半年"}  # 每季度, 每半年
FORMATS = ("docx", "xlsx")

# What a content control shows until the filler picks something: blank (ideographic spaces), so that nothing
# prints on a form filled by hand, as Word and LibreOffice both print a placeholder's text (forms issued before
# said 请选择 / 请选择日期, which a reader still takes for empty). A reader treats it as empty.
PLACEHOLDERS = {"choice": "\u3000" * 4, "boolean": "\u3000" * 3, "date": "\u3000" * 6}
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
    since: int | None = None  # the form version that added it: a document issued at an earlier one lacks it
    total: str | None = None  # a table's last row, so labelled (合计): printed; formkit sums it when reading
    computed: tuple[Computed, ...] = ()  # a table's columns formkit computes when reading (完成率): printed only

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
class Computed:
    """A column a table shows that formkit computes from the row when it reads the form (never read from
    the cell): ``measure`` names how (``completion``: 完成值 ÷ 承诺值, :mod:`formkit.forms.measures`)."""

    label: str
    measure: str


@dataclass(frozen=True)
class Filer:
    """The line under an issued form's title: ``label`` (填报单位（盖章）) with the recipient's name, and the
    field ``date`` (填报日期) laid out beside it."""

    label: str
    date: str | None = None


@dataclass(frozen=True)
class Signature:
    """A section laid out as the block ending the form, without a heading: the signer's space
    (单位负责同志（签字）), the seal's when one is asked for (县委或县政府（盖章）), then the section's fields."""

    signer: str
    seal: str | None = None


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]
    area: str | None = None
    signature: Signature | None = None


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
    filer: Filer | None = None
    layout_since: int | None = None  # the first version laid out with 表N captions, the filer line and signature
    _index: dict[str, Field] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({f.key: f for s in self.sections for f in s.fields})

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def field(self, key: str) -> Field:
        return self._index[key]

    @property
    def all_fields(self) -> tuple[Field, ...]:
        """Every field and every table column."""
        return tuple(x for f in self.fields for x in (f, *f.columns))

    def as_of(self, version: int | None) -> Form:
        """The form as it was at ``version`` (a document issued then): without the fields and columns added
        since (``since``), under that version's number. The form itself for its own version, a later one or
        an unknown one."""
        if version is None or version >= self.version:
            return self

        def kept(fields: tuple[Field, ...]) -> tuple[Field, ...]:
            return tuple(dataclasses.replace(f, columns=kept(f.columns)) for f in fields if (f.since or 1) <= version)

        sections = tuple(dataclasses.replace(s, fields=kept(s.fields)) for s in self.sections)
        return dataclasses.replace(self, version=version, sections=sections, _index={})


def choice_groups(table: Field) -> dict[str, list[Field]]:
    """The ``per_choice`` groups of a table field: group key → its tick-box columns, in choice order."""
    out: dict[str, list[Field]] = {}
    for col in table.columns:
        if col.choice_group:
            out.setdefault(col.choice_group, []).append(col)
    return out
