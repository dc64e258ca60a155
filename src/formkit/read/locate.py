"""Find each field of a form in a document: by its control's tag, else by its label, else by position.

A single-value field's value is the cell right of the cell holding its label (or below it, when the label
spans the row). A table field is the table whose header row holds its column labels; its rows are read
whatever their number, blank rows skipped, rows a user added included. Labels are matched tolerantly:
spaces and line breaks inside them, full-width colons and brackets, a trailing colon, and small wording
differences (a similarity of 0.8 or more) still match.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from formkit.document import Cell, SourceDocument, Table
from formkit.findings import WARNING, Finding, finding
from formkit.forms.model import Field, Form
from formkit.forms.tables import cited
from formkit.read.normalise import UNCHECKED_MARKS, is_blank

FUZZY = 0.8


@dataclass(slots=True)
class Located:
    text: str
    location: dict
    cell: Cell | None = None


@dataclass(slots=True)
class LocatedRow:
    cells: dict[str, Located]


@dataclass
class Layout:
    """Where each single-value field's value and label sat in the issued form: (table number, row, column);
    and where each table field's header row sat: (table number, row)."""

    positions: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    labels: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    headers: dict[str, tuple[int, int]] = field(default_factory=dict)


_SPACES = re.compile(r"[\s*＊]+")


@lru_cache(maxsize=4096)
def label_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    if not text.isprintable() or " " in text or "*" in text or "＊" in text:  # else no white space: checked in C
        text = _SPACES.sub("", text)
    return text.rstrip(":：")


@dataclass(frozen=True)
class Prepared:
    """What the locator needs of a form, worked out once per form version: its single fields with their
    label keys, and every label it has."""

    singles: tuple[tuple[Field, str], ...]
    all_labels: frozenset[str]  # every field's label key (tables' captions included)


_PREPARED: dict[tuple, Prepared] = {}


def prepared(form: Form) -> Prepared:
    key = (form.id, form.version, form.year)
    if key not in _PREPARED:
        _PREPARED[key] = Prepared(tuple((f, label_key(f.label)) for f in form.fields if not f.is_table),
                                  frozenset(label_key(f.label) for f in form.fields))
    return _PREPARED[key]


class Locator:
    def __init__(self, form: Form, doc: SourceDocument, layout: Layout | None = None):
        self.form, self.doc, self.layout = form, doc, layout or Layout()
        self.findings: list[Finding] = []
        self._places: dict[int, dict] = {}  # by table number: what place() says (never changed)
        ready = prepared(form)
        self._numbered = {t.number: t for t in doc.tables}
        self._all_labels = ready.all_labels
        self._heads: tuple[list[tuple[Table, int, list[str]]], dict[str, list[int]]] | None = None
        self._indexed: tuple[dict[str, list[tuple[Table, Cell]]], dict[str, tuple[Table, Cell]]] | None = None
        # each single field's label cell: where its text stands once, else the one nearest the issued label
        # (the same text typed as another field's value is a value, not that field's label); where every
        # label stands where the issued form put it, that cell is the nearest one, and no index is needed
        self._label_cells = self._issued_labels(ready)
        if self._label_cells is None:
            self._label_cells = {}
            labels = self._labels
            for f, key in ready.singles:
                hits = labels.get(key)
                if hits:
                    self._label_cells[f.key] = _nearest(hits, self.layout.labels.get(f.key))
        self._label_ids = {id(cell) for _table, cell in self._label_cells.values()}
        self._claimed: set[int] | None = None
        self._right: dict[str, Located] | None = None

    def _issued_labels(self, ready: Prepared) -> dict[str, tuple[Table, Cell]] | None:
        """Every single field's label cell when each stands exactly where the issued form put it, else None."""
        tables = self._numbered
        found = {}
        for f, key in ready.singles:
            issued = self.layout.labels.get(f.key)
            if issued is None:
                return None
            number, r, c = issued
            table = tables.get(number)
            if table is None or r >= len(table.rows) or c >= len(table.rows[r]):
                return None
            cell = table.rows[r][c]
            if cell.row != r or cell.col != c or label_key(cell.text) != key:
                return None
            found[f.key] = (table, cell)
        return found

    @property
    def _labels(self) -> dict[str, list[tuple[Table, Cell]]]:
        """Every cell by its text as a label (:func:`label_key`), built when first needed."""
        return self._index()[0]

    @property
    def _tags(self) -> dict[str, tuple[Table, Cell]]:
        """The first cell holding each content-control tag."""
        return self._index()[1]

    def _index(self) -> tuple[dict[str, list[tuple[Table, Cell]]], dict[str, tuple[Table, Cell]]]:
        if self._indexed is None:
            labels: dict[str, list[tuple[Table, Cell]]] = {}
            tags: dict[str, tuple[Table, Cell]] = {}
            for table in self.doc.tables:
                seen: set[int] = set()  # a merged cell fills several positions: indexed once
                for row in table.rows:
                    for cell in row:
                        if id(cell) in seen:
                            continue
                        seen.add(id(cell))
                        labels.setdefault(label_key(cell.text), []).append((table, cell))
                        for tag in cell.tags:
                            tags.setdefault(tag, (table, cell))
            self._indexed = labels, tags
        return self._indexed

    def location(self, table: Table, cell: Cell) -> dict:
        place = self._places.get(table.number)
        if place is None:
            place = self._places[table.number] = self.place(table)
        if not (table.row_numbers or table.col_numbers or table.row_pages):  # a Word table: as it is laid out
            return {**place, "row": cell.row + 1, "column": cell.col + 1}
        row = table.row_numbers[cell.row] if table.row_numbers else cell.row + 1
        col = table.col_numbers[cell.col] if table.col_numbers else cell.col + 1
        loc = {**place, "row": row, "column": col}
        if table.row_pages:
            loc["page"] = table.row_pages[min(cell.row, len(table.row_pages) - 1)]
        return loc

    def place(self, table: Table) -> dict:
        """The table's number in the document, and how the copy names it (表3, or its caption or section in a
        copy that numbers no tables: :mod:`formkit.forms.tables`) when it is a table the form issued."""
        name = cited(self.form, table.number)
        return {"table": table.number, "cited": name} if name else {"table": table.number}

    # single-value fields -------------------------------------------------------------------------
    def single(self, f: Field) -> Located | None:
        """By its label as Word shows it, else by its control's (hidden) tag, else by a reworded label, else
        by its position in the issued form."""
        if self._right is None:
            self._right = self._right_of_labels()
        located = self._right.get(f.key)
        if located is not None:
            return located
        exact = self._label_cells.get(f.key)
        if exact:
            table, _label = exact
            value = self._value_cell(table, _label)
            if value is not None:
                return Located(value.text, self.location(table, value), value)
        tagged = self._tags.get("fk:" + f.key)
        if tagged:
            return self._located(*tagged)
        hit = None if exact else self._by_label(f)
        if hit:
            value = self._value_cell(*hit)
            if value is not None:
                return self._located(hit[0], value)
        return self._by_position(f)

    def _right_of_labels(self) -> dict[str, Located]:
        """The value of each single field found by its label where it is plainest (as :meth:`_value_cell`
        and :meth:`location` find it): the cell right after the label, in a Word table; in one pass."""
        right, places, label_ids = {}, self._places, self._label_ids
        for key, (table, label) in self._label_cells.items():
            row = table.rows[label.row]
            at = label.col + label.span
            if at >= len(row) or table.row_numbers or table.col_numbers or table.row_pages:
                continue
            cell = row[at]
            if cell is label or id(cell) in label_ids:
                continue
            place = places.get(table.number)
            if place is None:
                place = places[table.number] = self.place(table)
            right[key] = Located(cell.text, {**place, "row": cell.row + 1, "column": cell.col + 1}, cell)
        return right

    def find_layout(self) -> Layout:
        """Where each single-value field's label and value sit in this document: read from the issued
        template, the layout by which a value is found when its label is gone (:meth:`single`)."""
        layout = Layout()
        for f in self.form.fields:
            if f.is_table:
                found = self._find_table(f)
                if found is not None and len(found[2]) == len(f.columns):
                    layout.headers[f.key] = (found[0].number, found[1])
                continue
            hit = self._by_label(f)
            if hit is None:
                continue
            table, label = hit
            layout.labels[f.key] = (table.number, label.row, label.col)
            value = self._value_cell(table, label)
            if value is not None:
                layout.positions[f.key] = (table.number, value.row, value.col)
        return layout

    def _located(self, table: Table, cell: Cell) -> Located:
        return Located(cell.text, self.location(table, cell), cell)

    def _by_label(self, f: Field) -> tuple[Table, Cell] | None:
        key = label_key(f.label)
        if f.key in self._label_cells:
            return self._label_cells[f.key]
        best, best_ratio = None, FUZZY
        for text, cells in self._labels.items():
            if not text or text in self._all_labels or abs(len(text) - len(key)) > max(4, len(key) // 3):
                continue
            ratio = difflib.SequenceMatcher(None, key, text).ratio()
            if ratio >= best_ratio:
                best, best_ratio = cells[0], ratio
        if best is not None:
            self.findings.append(finding("read.label-changed", WARNING,
                                         f"标签被改成了“{best[1].text}”，按相近的标签读取", f.label, f.key,
                                         self.location(*best)))
        return best

    def _value_cell(self, table: Table, label: Cell) -> Cell | None:
        row = table.rows[label.row]
        right = label.col + label.span
        cell = row[right] if right < len(row) else None  # the first to the right
        if cell is label:  # a label cell wider than its span says
            cell = next((c for c in row[right:] if c is not label), None)
        if cell is None:
            if label.row + 1 >= len(table.rows):
                return None
            cell = table.rows[label.row + 1][label.col]
        return None if id(cell) in self._label_ids else cell  # the next field's label, its own row gone

    def _by_position(self, f: Field) -> Located | None:
        pos = self.layout.positions.get(f.key)
        if not pos:
            return None
        number, r, c = pos
        table = next((t for t in self.doc.tables if t.number == number), None)
        if table is None or r >= len(table.rows) or c >= len(table.rows[r]):
            return None
        cell = table.rows[r][c]
        if id(cell) in self._claimed_cells() or self.is_label(cell.text):
            return None  # another field's label or value where the value was (rows removed): never a value
        self.findings.append(finding("read.by-position", WARNING, "找不到该标签，按下发表格中的位置读取，请核实",
                                     f.label, f.key, self.location(table, cell)))
        return self._located(table, cell)

    def _claimed_cells(self) -> set[int]:
        """Cells that are another field's label, value or tagged control: never a value read by position."""
        if self._claimed is None:
            self._claimed = set(self._label_ids)
            for table, label in self._label_cells.values():
                value = self._value_cell(table, label)
                if value is not None:
                    self._claimed.add(id(value))
            self._claimed.update(id(cell) for _table, cell in self._tags.values())
        return self._claimed

    def is_label(self, text: str) -> bool:
        """``text`` is, or reads like (a similarity of 0.8 or more), a label of the form: a field's, a table
        column's, or a table's caption."""
        key = label_key(text)
        if not key:
            return False
        labels = self._every_label()
        if key in labels:
            return True
        return any(abs(len(key) - len(label)) <= max(4, len(label) // 3)
                   and difflib.SequenceMatcher(None, key, label).ratio() >= FUZZY for label in labels)

    def _every_label(self) -> frozenset[str]:
        return cell_labels(self.form) | self._all_labels

    # table fields --------------------------------------------------------------------------------
    def table(self, f: Field) -> list[LocatedRow] | None:
        found = self._find_table(f)
        if found is None:
            return None
        table, header_row, columns = found
        prefilled = {c.key for c in f.columns if c.prefill}
        fillable = [c.key for c in f.columns if c.key not in prefilled]
        header_texts = [label_key(c.text) for c in table.rows[header_row]]
        total = label_key(f.total) if f.total else None
        rows: list[LocatedRow] = []
        location = self.location
        for row in table.rows[header_row + 1:]:
            if not row:
                continue
            first = label_key(row[0].text)
            if first == header_texts[0] and len(row) == len(header_texts) and all(
                    label_key(c.text) == h for c, h in zip(row, header_texts, strict=True)):
                continue  # header repeated
            if first == total:
                continue  # the 合计 row: formkit sums the rows itself (forms/computed.py), never a row of its own
            found = {key: row[col] for key, col in columns.items() if col < len(row)}
            keys = fillable or list(found)
            if all(_empty(found[k]) for k in keys if k in found):
                continue  # an empty row, or a prefilled row nobody filled
            cells = {key: Located(cell.text, location(table, cell), cell) for key, cell in found.items()}
            rows.append(LocatedRow(cells))
        return rows

    def _find_table(self, f: Field) -> tuple[Table, int, dict[str, int]] | None:
        """The table whose header row holds the field's column labels: where the issued form had it when that
        row still holds every one of them, else the table whose row holds most (reworded labels only when
        exact ones are not enough)."""
        wanted = [(c.key, label_key(c.label)) for c in f.columns]
        issued = self._issued_header(f, wanted)
        if issued is not None:
            return issued
        best = self._best_table(wanted, fuzzy=False)
        if best is None or len(best[2]) < len(wanted):
            best = self._best_table(wanted, fuzzy=True) or best  # only when exact labels were not enough
        if best and len(best[2]) < len(wanted):
            missing = [c.label for c in f.columns if c.key not in best[2]]
            self.findings.append(finding("read.column-missing", WARNING, f"表格中找不到列：{'、'.join(missing)}",
                                         f.label, f.key, self.place(best[0])))
        return best

    def _issued_header(self, f: Field, wanted: list[tuple[str, str]]) -> tuple[Table, int, dict[str, int]] | None:
        """The table and header row where the issued form had field ``f``'s, when it holds every column label."""
        issued = self.layout.headers.get(f.key)
        table = self._numbered.get(issued[0]) if issued is not None else None
        if table is None or issued[1] >= len(table.rows):
            return None
        texts = [label_key(c.text) for c in table.rows[issued[1]]]
        columns: dict[str, int] = {}
        for key, label in wanted:
            col = _match(label, texts, set(columns.values()), fuzzy=False)
            if col is None:
                return None
            columns[key] = col
        return table, issued[1], columns

    def _best_table(self, wanted: list[tuple[str, str]], fuzzy: bool) -> tuple[Table, int, dict[str, int]] | None:
        best = None
        need = max(2, (len(wanted) + 1) // 2)
        heads, index = self._header_rows()
        if fuzzy:
            candidates: list[int] | range = range(len(heads))
        else:  # only rows holding enough of the labels exactly: most hold none
            counts: dict[int, int] = {}
            for label in {label for _key, label in wanted}:
                for i in index.get(label, ()):
                    counts[i] = counts.get(i, 0) + 1
            candidates = sorted(i for i, n in counts.items() if n >= need)
        for i in candidates:
            table, r, texts = heads[i]
            columns: dict[str, int] = {}
            for key, label in wanted:
                col = _match(label, texts, set(columns.values()), fuzzy)
                if col is not None:
                    columns[key] = col
            if len(columns) >= need and (best is None or len(columns) > len(best[2])):
                best = (table, r, columns)
        return best

    def _header_rows(self) -> tuple[list[tuple[Table, int, list[str]]], dict[str, list[int]]]:
        """The first three rows of every table as label keys (where a header row may be), in document
        order, and by each label the rows holding it."""
        if self._heads is None:
            heads, index = [], {}
            for table in self.doc.tables:
                for r in range(min(3, len(table.rows))):
                    texts = [label_key(c.text) for c in table.rows[r]]
                    for label in set(texts):
                        index.setdefault(label, []).append(len(heads))
                    heads.append((table, r, texts))
            self._heads = heads, index
        return self._heads


def _nearest(hits: list[tuple[Table, Cell]], issued: tuple[int, int, int] | None) -> tuple[Table, Cell]:
    """Of the cells holding a label's text, the one nearest where the issued form put the label: same table
    first, then the same column, then the nearest row; the first in the document when nothing is known."""
    if len(hits) == 1 or issued is None:
        return hits[0]
    number, row, col = issued
    return min(hits, key=lambda hit: (abs(hit[0].number - number), abs(hit[1].col - col), abs(hit[1].row - row)))


_CELL_LABELS: dict[tuple, frozenset[str]] = {}


def cell_labels(form: Form) -> frozenset[str]:
    """The labels a form shows in table cells (as :func:`label_key`): every single field's and every table
    column's."""
    key = (form.id, form.version, form.year)
    if key not in _CELL_LABELS:
        keys = {label_key(c.label) for f in form.fields for c in f.columns}
        keys.update(label_key(f.label) for f in form.fields if not f.is_table)
        _CELL_LABELS[key] = frozenset(k for k in keys if k)
    return _CELL_LABELS[key]


def _empty(cell: Cell) -> bool:
    """Nothing typed: blank, a placeholder, or an unticked check box."""
    if cell.checked:
        return False
    return is_blank(cell.text) or cell.text.strip() in UNCHECKED_MARKS


def _match(label: str, texts: list[str], taken: set[int], fuzzy: bool = True) -> int | None:
    for i, text in enumerate(texts):
        if i not in taken and text == label:
            return i
    if not fuzzy:
        return None
    scored = [(difflib.SequenceMatcher(None, label, t).ratio(), i) for i, t in enumerate(texts) if i not in taken and t]
    scored = [s for s in scored if s[0] >= FUZZY]
    return max(scored)[1] if scored else None
