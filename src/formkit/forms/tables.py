"""The tables of an issued form in document order, and how a clerk names each one: the plan the Word layout
(:mod:`formkit.issue.layout`) is built from, and by which a finding cites the table it is about in the
numbering of the copy the recipient holds.

A Word form of a version from ``layout_since`` on prints a caption ``表N　…`` above each table of fields
(表1, 表2 … in order); the line under the title (填报单位（盖章）, 填报日期) and the signature block at the
end are tables too, but carry no number: a clerk calls them 表头 and 表尾. A copy of an earlier version
numbers nothing, so its tables are cited by what it does print: the table's caption (a table field's label)
or the section's heading. A spreadsheet form's tables are its sheets, cited by their names."""

from __future__ import annotations

from dataclasses import dataclass

from formkit.forms.model import Field, Form, Section

FILER, FIELDS, TABLE, SIGNATURE = "filer", "fields", "table", "signature"
HEAD, FOOT = "表头", "表尾"
CAPTION_GAP = "\u3000"  # between 表N and the caption's words


@dataclass(frozen=True)
class PlannedTable:
    kind: str  # FILER, FIELDS (label | value rows), TABLE (one table field), SIGNATURE
    section: Section | None
    fields: tuple[Field, ...]
    number: int | None = None  # the N of the 表N it prints; None where it prints none

    @property
    def name(self) -> str:
        """The words of its caption: a table field's label, else the section's heading without its ordinal."""
        if self.kind == TABLE:
            return self.fields[0].label
        title = self.section.title if self.section else ""
        return title.split("、", 1)[-1]

    @property
    def caption(self) -> str | None:
        """``表3　单位负责同志到定点帮扶县调研考察情况``, as printed above it; None for an unnumbered table."""
        return f"表{self.number}{CAPTION_GAP}{self.name}" if self.number else None

    @property
    def cited(self) -> str:
        """How a finding names it (:func:`formkit.findings.where_text`)."""
        if self.number:
            return f"表{self.number}"
        if self.kind in (FILER, SIGNATURE):
            return HEAD if self.kind == FILER else FOOT
        if self.kind == TABLE:
            return f"「{self.name}」表"
        return self.section.title if self.section else ""


def laid_out(form: Form) -> bool:
    """Whether the form at its version is laid out with 表N captions, the filer line and the signature block."""
    return form.format == "docx" and form.layout_since is not None and form.version >= form.layout_since


def plan(form: Form) -> tuple[PlannedTable, ...]:
    """Every table of the issued Word form of ``form`` (at its version), in document order."""
    if not laid_out(form):
        return tuple(_body(form, set()))
    moved = {form.filer.date} if form.filer and form.filer.date else set()
    head = [PlannedTable(FILER, None, tuple(form.field(k) for k in moved))] if form.filer else []
    body = [PlannedTable(t.kind, t.section, t.fields, n) for n, t in enumerate(_body(form, moved), start=1)]
    foot = [PlannedTable(SIGNATURE, s, tuple(f for f in s.fields if f.key not in moved))
            for s in form.sections if s.signature]
    return (*head, *body, *foot)


def _body(form: Form, moved: set[str]) -> list[PlannedTable]:
    """The tables of the sections (a signature section's aside, when laid out): the single fields of a
    section one table until a table field comes, which is a table of its own."""
    out: list[PlannedTable] = []
    for section in form.sections:
        if section.signature and laid_out(form):
            continue
        group: list[Field] = []
        for field in (f for f in section.fields if f.key not in moved):
            if field.is_table:
                out.extend([PlannedTable(FIELDS, section, tuple(group))] if group else [])
                out.append(PlannedTable(TABLE, section, (field,)))
                group = []
            else:
                group.append(field)
        out.extend([PlannedTable(FIELDS, section, tuple(group))] if group else [])
    return out


_CITED: dict[tuple, dict[int, str]] = {}


def cited(form: Form, table_number: int) -> str | None:
    """How a finding names the ``table_number``-th table (1-based, in document order) of a copy of ``form``
    (at the version the copy was issued); None for a table the form did not issue (one a person added)."""
    key = (form.id, form.version, form.year)
    if key not in _CITED:
        if form.format == "xlsx":  # the first sheet holds the single fields, then one sheet per table field
            sheets = [form.sections[0].title] + [s.title for s in form.sections for f in s.fields if f.is_table]
            _CITED[key] = {n: f"“{name[:31]}”工作表" for n, name in enumerate(sheets, start=1)}
        else:
            _CITED[key] = {n: t.cited for n, t in enumerate(plan(form), start=1)}
    return _CITED[key].get(table_number)
