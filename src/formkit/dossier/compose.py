"""The dossier as a .docx in the official layout: cover, per category a summary table with totals, per unit
its figures, narratives, counties' feedback and flags, and an annex of every source submission."""

from __future__ import annotations

from docx.enum.text import WD_BREAK

from formkit.evaluation.units import Evaluation, UnitEntry
from formkit.forms.cycle import Cycle
from formkit.forms.measures import MEASURES, WORKING_GROUP
from formkit.gongwen.compile import CHAR, Composer
from formkit.ooxml import official as ox
from formkit.outputs import clean_text

SUMMARY = ["单位", "调研考察（次）", "挂职干部（人）", "第一书记（人）", "投入资金（万元）", "引进资金（万元）",
           "重点县资金占比", "培训（人次）", "消费帮扶（万元）", "责任书完成率"]


def summary_head(grades: tuple[str, ...]) -> list[str]:
    """The summary table's header: the last column counts the counties' grades, in the year's grades."""
    return [*SUMMARY, f"县评价（{'/'.join(grades)}）"]

SUMMARY_WIDTHS = (19, 7, 7, 7, 15, 15, 10, 8, 15, 10, 10)
# What one answer may print in the dossier (the working group's choice: about five pages of narrative, a
# county's comment about two pages of its table cell, a name one line); the rest is left to the original,
# with a note, so that no single answer can make the dossier, or its rendering by LibreOffice, fail.
ANSWER_CHARS = 3000
COMMENT_CHARS = 1000
NAME_CHARS = 60


def _answer(text: str | None, limit: int = ANSWER_CHARS) -> str:
    return clean_text(str(text or "").replace("\n", ""), limit)


def _num(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "—"
    if pct:
        return f"{x * 100:.0f}%"
    return f"{x:,.2f}".rstrip("0").rstrip(".") if isinstance(x, float) else str(x)


def summary_rows(units: list[UnitEntry], grades: tuple[str, ...]) -> list[list[str]]:
    rows = []
    totals = [0, 0, 0, 0.0, 0.0, 0, 0.0]
    grade_totals = dict.fromkeys(grades, 0)
    for u in units:
        f = u.figures
        counts = {g: sum(1 for c in u.counties if c.grade == g) for g in grades}
        for g in grades:
            grade_totals[g] += counts[g]
        values = [f.visits, f.cadres, f.secretaries, f.invested, f.brought, f.trained, f.consumer]
        totals = [t + v for t, v in zip(totals, values, strict=True)]
        rows.append([u.unit, str(f.visits), str(f.cadres), str(f.secretaries), _num(f.invested), _num(f.brought),
                     _num(f.key_share, pct=True), str(f.trained), _num(f.consumer), _num(f.completion.rate, pct=True),
                     "/".join(str(counts[g]) for g in grades)])
    rows.append(["合计", str(totals[0]), str(totals[1]), str(totals[2]), _num(totals[3]), _num(totals[4]), "—",
                 str(totals[5]), _num(totals[6]), "—", "/".join(str(grade_totals[g]) for g in grades)])
    return rows


def headings(dossier: Evaluation) -> list[tuple[int, str]]:
    """(level, text) of every heading, in order: what the table of contents and the bookmarks list."""
    out = []
    for number, (name, lead, units) in enumerate(dossier.categories, start=1):
        out.append((0, f"{_cn(number)}、{name}（牵头部门：{lead}）"))
        out.append((1, "（一）主要指标汇总"))
        out += [(1, f"（{_cn(i + 1)}）{unit.unit}") for i, unit in enumerate(units, start=1)]
    out.append((0, SOURCES))
    return out


SOURCES = "附：材料来源（原件 SHA-256）"


def compose(dossier: Evaluation, cycle: Cycle, pages: list[int] | None = None):
    """The dossier. Its table of contents shows each heading's page through a PAGEREF field, which
    LibreOffice fills in as it renders (one rendering, no second pass); ``pages``, when known, is put in as the
    fields' shown value for readers that do not update fields."""
    c = Composer.new()
    doc = c.doc
    c.blank(4)
    c.title(f"{dossier.year}年度中央单位定点帮扶工作成效考核评价材料汇编")
    c.blank(2)
    for name, lead, units in dossier.categories:
        c.line(f"{name}（牵头部门：{lead}）　{len(units)}个单位", indent=False, jc="center")
    _page_break(c)
    c.title("目　　录")
    c.blank()
    for i, (level, text) in enumerate(headings(dossier)):  # page numbers: PAGEREF fields to the headings
        para = c.para(jc="left", left=(2 * CHAR if level else 0))
        ox.right_tab(para, c.type_width, leader="dot")
        run = c.run(para, f"{text}\t", "body")
        ox.page_ref(run, _mark(i), str(pages[i]) if pages else "")
    ox.update_fields_on_open(doc)
    grades = cycle.grades
    labels = {f.key: f.label for f in cycle.form("self-assessment").fields}
    count = iter(range(len(headings(dossier))))

    def heading(text: str, level: int, **kw) -> None:
        n = next(count)
        para = c.line(text, role=f"heading{level + 1}", outline=level, **kw)
        ox.bookmark(para, n, _mark(n))

    for number, (name, lead, units) in enumerate(dossier.categories, start=1):
        _page_break(c)
        heading(f"{_cn(number)}、{name}（牵头部门：{lead}）", 0, indent=True)
        heading("（一）主要指标汇总", 1)
        c.table([summary_head(grades), *summary_rows(units, grades)], widths=SUMMARY_WIDTHS, size=21)  # 五号
        for i, unit in enumerate(units, start=1):
            c.blank()
            heading(f"（{_cn(i + 1)}）{unit.unit}", 1)
            _unit(c, unit, labels, grades)
    _page_break(c)
    heading(SOURCES, 0, indent=False)
    c.table([["序号", "表格", "报送方", "版本", "SHA-256"]] + [
        [str(n), "自评表" if s.form == "self-assessment" else "地方评价表",
         _answer(s.recipient.name or s.recipient.id, NAME_CHARS),
         f"第{s.form_version}版 #{s.id}", s.sha256] for n, s in enumerate(dossier.sources, start=1)])
    return doc


def _unit(c: Composer, unit: UnitEntry, labels: dict[str, str], grades: tuple[str, ...]) -> None:
    if unit.flags:
        c.line("【提请关注】" + "；".join(flag.text for flag in unit.flags) + "。", role="heading3")
    f = unit.figures
    c.table([["调研考察（次）", "主要负责同志到县", "挂职干部（人）", "第一书记（人）", "投入资金（万元）", "引进资金（万元）"],
             [str(f.visits), "是" if f.main_leader_visit else "否", str(f.cadres), str(f.secretaries),
              _num(f.invested), _num(f.brought)]])
    c.line(f"责任书完成率：{f.completion.shown}（{WORKING_GROUP}：各项完成值÷承诺值，单项超过100%按100%计，再取平均）")
    if unit.differences:  # both sources, side by side
        quarter = unit.differences[0].quarter
        c.table([["指标", "年底自评表", f"第{quarter}季度台账"]] + [
            [MEASURES[d.measure].title, _num(d.year_end), _num(d.ledger)] for d in unit.differences])
    values = unit.values
    for key in ("industry_narrative", "talent_narrative", "culture_narrative", "ecology_narrative",
                "organisation_narrative", "problems"):
        if values.get(key):
            c.line(f"{labels[key]}：{_answer(values[key])}")
    if unit.counties:
        c.table([["定点帮扶县", "综合评价等次", "评价意见"]] + [
            [x.county, _answer(x.grade, NAME_CHARS) or "未报送", _answer(x.comment, COMMENT_CHARS)]
            for x in unit.counties])


def _mark(n: int) -> str:
    return f"_fk_heading_{n}"


def _page_break(c: Composer) -> None:
    para = c.para()
    para.add_run().add_break(WD_BREAK.PAGE)


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
