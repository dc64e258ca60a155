"""What a unit's self-assessment and its counties' feedback capture, in the order and with the labels of the
forms (``forms/*.yaml``): the reviewers of the 分类集中审阅 read each unit's answers here, not in the files.

A section of a form is a numbered heading; its single values are a ``项目 | 填报内容`` table, its tables keep
their columns, each long answer is a paragraph under its label. What the issuer filled in (the unit's name,
its category, the year) is in the heading already and is left out. Figures derived from the answers (counts,
合计, 完成率) are the measures of ``forms.measures``, put beside the answers they come from."""

from __future__ import annotations

import re
from collections.abc import Callable

from formkit.dossier.values import ANSWER_CHARS, COMMENT_CHARS, NOT_FILLED, count, money, paragraphs, share, shown
from formkit.dossier.writer import Writer
from formkit.evaluation.units import UNIT_FORM, CountyFeedback, UnitEntry
from formkit.forms import measures as m
from formkit.forms.computed import computed
from formkit.forms.model import Field, Form

SIZE = 21  # 五号, every table of a unit
KV_HEAD = ["项目", "填报内容"]
NOT_RETURNED = "未报送"
TYPE_WIDTH = {"text": 6, "longtext": 8, "date": 6, "boolean": 3, "integer": 3, "amount": 5, "choice": 4}
_NUMBERING = re.compile(r"^[一二三四五六七八九十]+、")


def section_title(title: str) -> str:
    """A form's section title without its own numbering (二、组织领导 → 组织领导)."""
    return _NUMBERING.sub("", title)


def shown_fields(fields: tuple[Field, ...]) -> list[Field]:
    """The fields a reader of the dossier needs: not what the issuer filled in (a prefilled table stays)."""
    return [f for f in fields if f.is_table or not f.prefill]


def narrative(w: Writer, label: str, text: object, limit: int = ANSWER_CHARS, required: bool = True) -> None:
    """``label：`` (黑体) and the answer, one paragraph per paragraph typed; an empty answer says so, or is
    left out when the field is optional."""
    parts = paragraphs(text, limit)
    if not parts and not required:
        return
    first, *rest = parts or [NOT_FILLED]
    w.labelled(f"{label}：", first)
    for part in rest:
        w.line(part)


def widths(columns: list[Field], extra: int = 0) -> tuple[int, ...]:
    """Relative column widths from each column's type and header (a long header gets room for three lines
    of at least three characters), ``extra`` derived columns of amount width."""
    return tuple(max(TYPE_WIDTH.get(f.type, 5), -(-len(f.label) // 3)) for f in columns) + (5,) * extra


def kv_table(w: Writer, rows: list[list[str]]) -> None:
    if rows:
        w.table([KV_HEAD, *rows], widths=(1, 1), size=SIZE, align=("left", "left"))


# ---- the unit's self-assessment ------------------------------------------------------------------------

def _visits(w: Writer, unit: UnitEntry, f: dict) -> None:
    went = "到" if unit.figures.main_leader_visit else "未到"
    w.line(f"调研考察合计{count(f['visits'])}次；单位主要负责同志本年度{went}定点帮扶县调研考察。")


def _people(w: Writer, _unit: UnitEntry, f: dict) -> None:
    w.line(f"挂职帮扶干部合计{count(f['cadres'])}人，驻村第一书记合计{count(f['secretaries'])}人。")


def _funds(w: Writer, unit: UnitEntry, f: dict) -> None:
    key = unit.figures.key_share  # none without a key county (or without funds)
    w.line(f"投入帮扶资金合计{money(f['invested'])}万元，引进帮扶资金合计{money(f['brought'])}万元"
           + (f"；投向国家乡村振兴重点帮扶县的资金占{share(key)}。" if key is not None else "。"))


def _completion(w: Writer, unit: UnitEntry, _f: dict) -> None:
    w.line(f"责任书完成率：{unit.figures.completion.shown}（{m.WORKING_GROUP}：各项完成值÷承诺值，"
           "单项超过100%按100%计，再取平均）")


# after a table field: a line of the measures it is made into (an unfilled row is not shown)
AFTER_TABLE: dict[str, Callable[[Writer, UnitEntry, dict], None]] = {
    "visits": _visits, "first_secretaries": _people, "funds": _funds, "responsibility": _completion}
# after a single field: a 合计 row in its 项目 | 填报内容 table
AFTER_VALUE = {"trained_technicians": "trained", "consumer_sold": "consumer"}


def _table(w: Writer, unit: UnitEntry, field: Field, f: dict, figures: dict) -> None:
    """A table of the form with what formkit computes of it: its computed columns (完成率, each indicator's
    own rate, the only kind: ``measures.row_rate`` unrounded) and its total row (合计, ``forms.computed``)."""
    rows = unit.submission.record.rows(field.key) if unit.submission.record else []
    filled = [i for i, row in enumerate(rows) if any(row.get(col.key) not in (None, "") for col in field.columns)]
    if not filled:
        w.line(f"{field.label}：{NOT_FILLED}")
        return
    w.line(f"{field.label}：", "body", keep=True)
    entry = figures.get(field.key, {})
    body = [[shown(col, rows[i].get(col.key), str(rows[i].get(col.unit_from) or "") if col.unit_from else None)
             for col in field.columns] + [share(m.row_rate(rows[i]), 1) for _c in field.computed]  # 完成率
            for i in filled]
    if field.total:  # a column whose unit is another column's is not summed
        sums = entry.get("total", {})
        body.append([field.total, *(shown(col, sums[col.key]) if col.key in sums else "" for col in field.columns[1:]),
                     *[""] * len(field.computed)])
    head = [col.label for col in field.columns] + [c.label for c in field.computed]
    w.table([head, *body], widths=widths(list(field.columns), len(field.computed)), size=SIZE)
    if field.key in AFTER_TABLE:
        AFTER_TABLE[field.key](w, unit, f)


def self_assessment(w: Writer, unit: UnitEntry, form: Form, number: int = 1) -> int:
    """The unit's answers, section by section from ``number`` (1., 2. ...); returns the next number."""
    values, f, figures = unit.values, m.figures(UNIT_FORM, unit.values), computed(form, unit.values)
    for section in form.sections:
        fields = shown_fields(section.fields)
        if not fields:
            continue
        w.line(f"{number}.{section_title(section.title)}", "heading3", keep=True)
        number += 1
        pending: list[list[str]] = []
        for field in fields:
            if field.type == "longtext" or field.is_table:
                kv_table(w, pending)
                pending = []
            if field.type == "longtext":
                narrative(w, field.label, values.get(field.key), required=field.required)
            elif field.is_table:
                _table(w, unit, field, f, figures)
            else:
                pending.append([field.label, shown(field, values.get(field.key))])
                if field.key in AFTER_VALUE:
                    measure = m.MEASURES[AFTER_VALUE[field.key]]
                    value = f[measure.key]
                    pending.append([f"{measure.label}合计（{measure.unit}）",
                                    money(value) if measure.unit == "万元" else count(value)])
        kv_table(w, pending)
    return number


# ---- the counties' feedback ----------------------------------------------------------------------------

def _grid(w: Writer, counties: list[CountyFeedback], fields: list[Field]) -> None:
    """Single values of every county: a column per county (up to three), else a row per county."""
    def value(x: CountyFeedback, field: Field) -> str:
        return shown(field, x.submission.values.get(field.key)) if x.submission else NOT_RETURNED

    if len(counties) <= 3:
        head = ["项目", *(x.county for x in counties)]
        rows = [[field.label, *(value(x, field) for x in counties)] for field in fields]
        w.table([head, *rows], widths=(3, *[2] * len(counties)), size=SIZE, align=("left", *["center"] * 3))
        return
    head = ["定点帮扶县", *(field.label for field in fields)]
    rows = [[x.county, *(value(x, field) for field in fields)] for x in counties]
    w.table([head, *rows], widths=(6, *widths(fields)), size=SIZE)


def county_feedback(w: Writer, unit: UnitEntry, form: Form, number: int) -> int:
    """Every county's feedback on the unit, section by section of the county form; returns the next number."""
    if not unit.counties:
        return number
    w.line(f"{number}.地方评价（{len(unit.counties)}个定点帮扶县）", "heading3", keep=True)
    k = 0
    for section in form.sections:
        fields = shown_fields(section.fields)
        if not fields:
            continue
        k += 1
        w.line(f"（{k}）{section_title(section.title)}", "heading4", keep=True)
        single = [f for f in fields if f.type != "longtext" and not f.is_table]
        if single:
            _grid(w, unit.counties, single)
        texts = [f for f in fields if f.type == "longtext"]
        for x in unit.counties if texts else ():
            if len(unit.counties) > 1 or x.submission is None:
                w.line(f"{x.county}：" + ("" if x.submission else "评价表未报送。"), "heading2",
                       keep=x.submission is not None)
            for field in texts if x.submission else ():
                narrative(w, field.label, x.submission.values.get(field.key), COMMENT_CHARS, field.required)
    return number + 1


def unit_answers(w: Writer, unit: UnitEntry, forms: tuple[Form, Form]) -> None:
    """The unit's self-assessment (or that it has not returned one), then its counties' feedback."""
    number = 1
    if unit.submission is None:
        w.line("自评表未报送。")
    else:
        number = self_assessment(w, unit, forms[0])
    county_feedback(w, unit, forms[1], number)

